"""Every `gip` command and flag says what it does."""

import re

import pytest

from gip_pipeline.bench.cli import SUBCOMMANDS
from gip_pipeline.cli import VERBS, main

FLAG_ALONE = re.compile(r"^  (-\w, )?--?[\w-]+( [A-Z_]+)?$")


def _help(capsys, argv) -> str:
    with pytest.raises(SystemExit) as e:  # argparse exits after printing help
        rc = main(argv)
        raise SystemExit(rc)
    assert e.value.code in (0, None), argv
    return capsys.readouterr().out


def _undescribed(text: str) -> list[str]:
    lines = text.splitlines()
    return [line for i, line in enumerate(lines) if FLAG_ALONE.match(line)
            and not (i + 1 < len(lines) and lines[i + 1].startswith(" " * 8))]


def test_gip_help_lists_every_command_with_a_line():
    import io
    import sys

    out = io.StringIO()
    old, sys.stdout = sys.stdout, out
    try:
        assert main(["--help"]) == 0
    finally:
        sys.stdout = old
    text = out.getvalue()
    for verb, (_, line) in VERBS.items():
        assert f"  {verb}" in text and line in text


@pytest.mark.parametrize("argv", [[v, "--help"] for v in VERBS if v != "bench"]
                         + [["bench", s, "--help"] for s in SUBCOMMANDS])
def test_every_flag_has_a_description(capsys, argv):
    text = _help(capsys, argv)
    assert len(text.splitlines()) >= 4, text  # more than a usage line
    assert _undescribed(text) == [], text
    if argv[0] == "parse":
        assert "JSON object" in text  # --json says what it prints
