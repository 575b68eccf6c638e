"""`gip parse FILE [--json]`: one JSON object on stdout, exit codes 0 / 2 / 3."""

import json
import subprocess
import sys

import pytest

from gip_pipeline import cli
from gip_pipeline.metadata.schema import META_KEYS
from gip_pipeline_tests.test_recognize import pipe_text


def run(*args):
    return subprocess.run([sys.executable, "-m", "gip_pipeline.cli", "parse", *args],
                          capture_output=True, text=True)


@pytest.mark.slow
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


@pytest.mark.slow
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


def _pdf_bomb(n: int = 1 << 30) -> bytes:
    """A one-page PDF whose 1.5 MB content stream inflates to n bytes."""
    import zlib

    comp = zlib.compressobj(9)
    chunk = b"0 0 m\n" * (1 << 16)
    body = b"".join(comp.compress(chunk) for _ in range(n // len(chunk))) + comp.flush()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _run_json(args):
    import io
    import json
    from contextlib import redirect_stdout

    from gip_pipeline.extraction.parse_cli import main

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(args)
    return code, json.loads(buf.getvalue())


@pytest.mark.slow
def test_gip_parse_keeps_the_pipelines_limits(tmp_path, seed_path):
    from gip_pipeline.extraction import batch

    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(_pdf_bomb())
    code, j = _run_json([str(bomb), "--json"])
    assert code == 3 and j["reason"] == batch.MEMORY_ABORT_REASON
    code, j = _run_json([str(seed_path), "--json", "--max-mb", "0.001"])
    assert code == 3 and j["reason"].startswith("file too large for a report")
    code, j = _run_json([str(seed_path), "--json", "--timeout", "0.001"])
    assert code == 3 and j["reason"] == batch.TIMEOUT_REASON.format(s=0.001)
    # raised limits, and none: the same report as the pipeline reads it
    limited = _run_json([str(seed_path), "--json", "--timeout", "600"])
    assert limited == _run_json([str(seed_path), "--json", "--no-limits"])
    assert limited[0] == 0 and len(limited[1]["cells"]) == 200


def test_deep_nesting_is_refused_with_its_reason_and_a_few_hundred_levels_read(tmp_path):
    from gip_pipeline.extraction.parse import parse_bytes

    title = "<p>2023年某县人民政府政府信息公开工作年度报告</p>"
    deep = "<html><body>" + "<div>" * 100_000 + title + "</div>" * 100_000 + "</body></html>"
    res = parse_bytes(deep.encode(), "deep.html")
    assert res.status == "rejected" and "nested too deeply" in res.reason
    unclosed = "<html><body>" + "<font>" * 300 + title + "</body></html>"
    res = parse_bytes(unclosed.encode(), "unclosed.html")
    assert res.status != "rejected" and res.report["year"] == 2023
