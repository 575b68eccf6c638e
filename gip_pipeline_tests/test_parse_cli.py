"""`gip parse FILE [--json]`: one JSON object on stdout, exit codes 0 / 2 / 3."""

import json
import subprocess
import sys

from gip_pipeline import cli
from gip_pipeline.schema import META_KEYS
from gip_pipeline_tests.test_recognize import pipe_text


def run(*args):
    return subprocess.run([sys.executable, "-m", "gip_pipeline.cli", "parse", *args],
                          capture_output=True, text=True)


def test_json_shape_and_exit_zero(tmp_path):
    p = tmp_path / "report.txt"
    p.write_text(pipe_text(), encoding="utf-8")
    out = run(str(p), "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)  # exactly one JSON object
    assert set(d) == {"file", "sha256", "format", "status", "reason", "report", "cells", "findings"}
    assert d["status"] == "ok" and d["format"] == "txt" and d["reason"] is None
    assert set(d["report"]) == set(META_KEYS)
    assert d["report"]["year"] == 2023 and d["report"]["era"] == "2021"
    c = d["cells"][0]
    assert set(c) == {"table", "row", "col", "value", "raw", "page"}
    assert all(set(f) == {"check", "severity", "table", "message"} for f in d["findings"])


def test_rejected_exit_three(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    out = run(str(p), "--json")
    assert out.returncode == 3
    d = json.loads(out.stdout)
    assert d["status"] == "rejected" and d["reason"] and d["cells"] == []


def test_usage_and_missing_file_exit_two(tmp_path, capsys):
    assert cli.main(["parse"]) == 2
    assert cli.main(["parse", str(tmp_path / "nope.txt"), "--json"]) == 2
    assert capsys.readouterr().out == ""


def test_human_summary_without_json(tmp_path, capsys):
    p = tmp_path / "report.txt"
    p.write_text(pipe_text(), encoding="utf-8")
    assert cli.main(["parse", str(p)]) == 0
    out = capsys.readouterr().out
    assert ": ok" in out and "requests 175" in out
