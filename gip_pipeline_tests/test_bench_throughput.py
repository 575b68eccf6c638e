"""gip bench throughput: the JSON shape and the document/page counts on a tiny corpus.

No timing is asserted (timings belong in benchmarks); only counts, shape and the medians' rule.
"""

from __future__ import annotations

import io
import json
import shutil

import pytest

from gip_pipeline.bench import cli as bench_cli
from gip_pipeline.bench import throughput as tp

FORM_KEYS = {"documents", "pages", "seconds", "docs_per_s", "ms_per_page", "baseline_ms_per_page",
             "floor_ms_per_page", "vs_baseline", "vs_floor", "reader_ms_per_page"}


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


@pytest.mark.slow
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
    # seconds is rounded to 0.1 ms (up to 0.01 ms/page here), ms_per_page to 0.005: both bounds.
    assert pdf["ms_per_page"] == pytest.approx(1000 * pdf["seconds"] / 5, rel=0.01, abs=0.016)
    assert pdf["baseline_ms_per_page"] is not None and pdf["baseline_ms_per_page"] > 0
    # the pdfium text floor, timed in the same run, and both ratios from the same figures
    assert 0 < pdf["floor_ms_per_page"] < pdf["ms_per_page"]
    assert pdf["vs_floor"] == pytest.approx(pdf["ms_per_page"] / pdf["floor_ms_per_page"], rel=0.02)
    assert pdf["vs_baseline"] == pytest.approx(pdf["ms_per_page"] / pdf["baseline_ms_per_page"],
                                               rel=0.02)
    assert forms["html"]["floor_ms_per_page"] is None and forms["html"]["vs_floor"] is None
    # the PDF reader alone, timed on the same pages (PDF only)
    assert pdf["reader_ms_per_page"] is not None and pdf["reader_ms_per_page"] > 0
    assert forms["html"]["reader_ms_per_page"] is None
    assert res["peak_rss_mb"] > 0


def test_no_baseline_leaves_it_null(corpus):
    res = tp.run_benchmark(corpus, runs=1, baseline=False)
    assert res["forms"]["pdf"]["baseline_ms_per_page"] is None


@pytest.mark.slow
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


# ---------------------------------------------------------------- --pipeline (whole pipeline)
# A real Dagster run takes ~20 s even on six files: the pieces are tested here with a fake
# runner standing in for bench.pipeline.dagster_run; its contract is what run_pipeline reads.

PIPELINE_KEYS = {"documents", "seconds", "peak_rss_mb", "status"}


def test_stage_raw_links_report_files_only_keeping_subfolders(corpus, tmp_path):
    data = tmp_path / "work" / "data"
    n = tp.stage_raw(corpus, tp.report_files(corpus), data)
    staged = sorted(p.relative_to(data / "raw").as_posix() for p in (data / "raw").rglob("*")
                    if p.is_file())
    assert n == 5 and staged == ["a.pdf", "c.html", "d.md", "e.txt", "sub/b.pdf"]
    assert (data / "raw" / "a.pdf").read_bytes() == (corpus / "a.pdf").read_bytes()


def _fake_runner(result: dict, seen: dict):
    def runner(data_dir, dagster_home, log):
        seen["data_dir"], seen["home"], seen["log"] = data_dir, dagster_home, log
        seen["raw"] = sorted(p.name for p in (data_dir / "raw").rglob("*") if p.is_file())
        return result
    return runner


def test_run_pipeline_reports_the_runs_figures(corpus, tmp_path):
    seen: dict = {}
    run = {"seconds": 12.5, "peak_tree_rss_mb": 812.3, "exit_code": 0, "status": "SUCCESS",
           "steps": {"a": 1.0}}
    out, log = tp.run_pipeline(corpus, tp.report_files(corpus), tmp_path / "w",
                               runner=_fake_runner(run, seen))
    assert out == {"documents": 5, "seconds": 12.5, "peak_rss_mb": 812.3, "status": "SUCCESS"}
    assert seen["raw"] == ["a.pdf", "b.pdf", "c.html", "d.md", "e.txt"]
    assert seen["data_dir"] == tmp_path / "w" / "data" and log == seen["log"]
    assert (seen["home"] / "dagster.yaml").is_file()


@pytest.mark.parametrize("run, status", [
    ({"seconds": 3.0, "peak_tree_rss_mb": 1.0, "exit_code": 1, "status": "FAILURE"}, "FAILURE"),
    ({"seconds": 3.0, "peak_tree_rss_mb": 1.0, "exit_code": 2, "status": None},
     "no run recorded (exit code 2)"),
    ({"seconds": 3.0, "peak_tree_rss_mb": 1.0, "exit_code": 1, "status": "SUCCESS"}, "exit code 1"),
])
def test_run_pipeline_failure_is_the_status_never_success(corpus, tmp_path, run, status):
    out, _ = tp.run_pipeline(corpus, tp.report_files(corpus), tmp_path / "w",
                             runner=_fake_runner(run, {}))
    assert out["status"] == status


def test_run_pipeline_never_reuses_a_folder_with_content(corpus, tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        tp.run_pipeline(corpus, tp.report_files(corpus), tmp_path / "w",
                        runner=_fake_runner({}, {}))
    assert (tmp_path / "w" / "keep.txt").read_text() == "x"


@pytest.fixture
def fake_pipeline(monkeypatch):
    """Stand the fake runner in for the CLI's: fake_pipeline(run) -> what it saw."""
    def install(run: dict) -> dict:
        seen: dict = {}
        monkeypatch.setattr(tp, "_default_runner", _fake_runner(run, seen))
        return seen
    return install


def test_cli_pipeline_adds_one_object_and_keeps_the_issue_keys(corpus, capsys, fake_pipeline):
    seen = fake_pipeline({"seconds": 7.0, "peak_tree_rss_mb": 500.0, "exit_code": 0,
                          "status": "SUCCESS"})
    assert bench_cli.main(["throughput", str(corpus), "--json", "--pipeline", "--no-baseline"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"forms", "peak_rss_mb", "pipeline"}
    assert all(set(f) == FORM_KEYS for f in out["forms"].values())
    assert out["pipeline"] == {"documents": 5, "seconds": 7.0, "peak_rss_mb": 500.0,
                               "status": "SUCCESS"}
    assert not seen["data_dir"].parent.exists()  # the temporary work folder is removed

    assert bench_cli.main(["throughput", str(corpus), "--pipeline", "--no-baseline",
                           "--limit", "2"]) == 0
    text = capsys.readouterr().out
    assert "whole pipeline: 2 documents in 7.00 s" in text and "status SUCCESS" in text


def test_cli_pipeline_failure_exits_1_and_keeps_the_log(corpus, capsys, fake_pipeline):
    seen = fake_pipeline({"seconds": 2.0, "peak_tree_rss_mb": 100.0, "exit_code": 1,
                          "status": "FAILURE"})
    assert bench_cli.main(["throughput", str(corpus), "--json", "--pipeline", "--no-baseline"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["pipeline"]["status"] == "FAILURE"
    work = seen["data_dir"].parent
    assert work.is_dir()  # kept for its log
    shutil.rmtree(work)


def test_cli_pipeline_dir_with_content_is_refused_before_any_work(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(tp, "run_benchmark", lambda *a, **k: pytest.fail("benchmark ran"))
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "x").write_text("x")
    assert bench_cli.main(["throughput", str(corpus), "--pipeline",
                           "--pipeline-dir", str(tmp_path / "w")]) == 2


def test_without_pipeline_the_output_is_unchanged(corpus, capsys, monkeypatch):
    monkeypatch.setattr(tp, "_default_runner", lambda *a: pytest.fail("pipeline ran"))
    assert bench_cli.main(["throughput", str(corpus), "--json", "--no-baseline"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"forms", "peak_rss_mb"}
