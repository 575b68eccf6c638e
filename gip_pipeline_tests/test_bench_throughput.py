"""gip bench throughput: the JSON shape and the document/page counts on a tiny corpus.

No timing is asserted (timings belong in benchmarks); only counts, shape and the medians' rule.
"""

from __future__ import annotations

import io
import json

import pytest

from gip_pipeline.bench import cli as bench_cli
from gip_pipeline.bench import throughput as tp

FORM_KEYS = {"documents", "pages", "seconds", "docs_per_s", "ms_per_page", "baseline_ms_per_page"}


def _pdf(pages: int) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(pages):
        c.drawString(72, 720, f"page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "a.pdf").write_bytes(_pdf(3))
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "b.pdf").write_bytes(_pdf(2))
    (tmp_path / "c.html").write_text("<html><body><p>政府信息公开工作年度报告</p></body></html>",
                                     encoding="utf-8")
    (tmp_path / "d.md").write_text("# 报告\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", encoding="utf-8")
    (tmp_path / "e.txt").write_text("二、主动公开政府信息情况\n", encoding="utf-8")
    # Not reports: the generator's truth and manifest, a hidden file.
    (tmp_path / "a.pdf.truth.json").write_text("{}", encoding="utf-8")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    return tmp_path


def test_report_files_skip_truth_manifest_hidden(corpus):
    names = [p.relative_to(corpus).as_posix() for p in tp.report_files(corpus)]
    assert names == ["a.pdf", "c.html", "d.md", "e.txt", "sub/b.pdf"]


def test_counts_documents_and_pages(corpus):
    res = tp.run_benchmark(corpus, runs=1)
    assert set(res) == {"forms", "peak_rss_mb"}
    forms = res["forms"]
    assert set(forms) == {"pdf", "html", "md", "txt"}
    assert forms["pdf"]["documents"] == 2 and forms["pdf"]["pages"] == 5
    for form in ("html", "md", "txt"):
        assert forms[form]["documents"] == 1
        # no pages outside PDF: null, never a made-up count
        assert forms[form]["pages"] is None and forms[form]["ms_per_page"] is None
        assert forms[form]["baseline_ms_per_page"] is None
    for f in forms.values():
        assert set(f) == FORM_KEYS
    pdf = forms["pdf"]
    assert pdf["ms_per_page"] == pytest.approx(1000 * pdf["seconds"] / 5, rel=0.01, abs=0.01)
    assert pdf["baseline_ms_per_page"] is not None and pdf["baseline_ms_per_page"] > 0
    assert res["peak_rss_mb"] > 0


def test_no_baseline_leaves_it_null(corpus):
    res = tp.run_benchmark(corpus, runs=1, baseline=False)
    assert res["forms"]["pdf"]["baseline_ms_per_page"] is None


def test_json_cli_shape(corpus, capsys):
    assert bench_cli.main(["throughput", str(corpus), "--json", "--runs", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"forms", "peak_rss_mb"}
    assert out["forms"]["pdf"]["pages"] == 5
    assert all(set(f) == FORM_KEYS for f in out["forms"].values())


def test_table_output_and_bad_args(corpus, capsys, tmp_path):
    assert bench_cli.main(["throughput", str(corpus)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].split()[:3] == ["form", "documents", "pages"]
    assert "peak RSS" in text
    assert bench_cli.main(["throughput", str(corpus), "--runs", "0"]) == 2
    assert bench_cli.main(["throughput", str(tmp_path / "missing")]) == 2


def test_medians_over_runs():
    ft = tp.FormTimes(documents=4, pages=8, parse_s=[3.0, 1.0, 2.0], baseline_s=[9.0, 7.0, 8.0])
    f = tp.summarise({"pdf": ft})["forms"]["pdf"]
    assert f["seconds"] == 2.0 and f["docs_per_s"] == 2.0
    assert f["ms_per_page"] == 250.0 and f["baseline_ms_per_page"] == 1000.0
