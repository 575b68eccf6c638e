"""BENCHMARKS.md is written from the benchmarks' JSON: issue 18's goals against the figures, the
national projection from its measured inputs, and "not run" (never a number) where a benchmark
is missing."""

from gip_pipeline.bench import report


def _bench():
    pdf = {"documents": 2, "pages": 4, "seconds": 0.04, "docs_per_s": 50.0, "ms_per_page": 10.0,
           "baseline_ms_per_page": 80.0, "floor_ms_per_page": 2.0, "vs_baseline": 0.125,
           "vs_floor": 5.0}
    txt = {"documents": 8, "pages": None, "seconds": 0.04, "docs_per_s": 200.0,
           "ms_per_page": None, "baseline_ms_per_page": None, "floor_ms_per_page": None,
           "vs_baseline": None, "vs_floor": None}
    run = {"seconds": 50.0, "status": "SUCCESS", "peak_tree_rss_mb": 1000.0,
           "steps": {"exports": 1.0}, "stages": {"extraction": 20.0}}
    return {"throughput": {"forms": {"pdf": pdf, "txt": txt}, "peak_rss_mb": 100.0},
            "full": {"documents": 1000, "pdf_documents": 200, "runs": [run], "seconds": 50.0,
                     "peak_tree_rss_mb": 1000.0, "status": "SUCCESS",
                     "machine": {"cores": 2}}}


def test_issue_18_goals_and_missing_benchmarks():
    rows = {r[0]: r for r in report.targets18_rows(_bench())}
    assert rows["PDF extraction / naive pdfplumber, same pages, same run"][2:] == (
        "0.12 (10.0 vs 80.0 ms/page)", "met")
    assert rows["PDF extraction / pdfium text-only floor, same run"][3] == "**missed**"
    assert rows["whole pipeline, 1,000 mixed documents, 2 cores"][2:] == ("50.0 s", "met")
    assert rows["load + dbt build at 1,000,000 reports"][2:] == ("not run", "not run")
    assert rows["scans: OCR seconds per page, beside the text layer's"][3] == "not run"


def test_national_projection_from_the_measured_inputs():
    text = "\n".join(report.national_section(_bench()))
    # 80 ms of parse over 10 documents = 8 ms a document; the run's extraction: 20 s x 2 cores
    # over 1,000 x 8 ms = 5x; 100,000 a year x 40 ms = 4,000 core-seconds = 1.1 core-hours
    assert "8.0 ms a document" in text and "5.00× the parse cost" in text
    assert "| born-digital mix as benchmarked | 1 × 2 cores | 1.1 | 0.56 | 5.6 |" in text
    assert "scans" not in text.split("| documents |")[1]  # no OCR figure: no scan scenario
    assert "Projection, not a measurement" in text
    assert report.national_section({})[-2] == "not run"


def test_the_incremental_goal_is_shown_beside_the_stacks_floor():
    b = _bench()
    run = {"seconds": 20.0, "status": "SUCCESS", "steps": {"exports": 1.0, "gip_dbt_models": 9.0},
           "stages": {}}
    b["incremental"] = {"base_documents": 1000, "runs": [run], "status": ["SUCCESS"],
                        "seconds_median": 20.0, "stack_floors": {
                            "dagster_one_asset_s": 4.0, "dbt_one_view_s": 3.5,
                            "dbt_build_alone_s": 8.0}}
    row = {r[0]: r for r in report.targets18_rows(b)}[
        "one new file into the 10,000-report warehouse, to updated marts"]
    assert row[2:] == ("19.0 s (the stack's floor: a one-asset Dagster run 4.0 s + one dbt view "
                       "3.5 s; dbt build alone 8.0 s)", "**missed**")
    assert "pays the first two (7.5 s) before reading a file" in report.render(b)
    del b["incremental"]["stack_floors"]  # an older run's JSON: the figure alone
    assert {r[0]: r for r in report.targets18_rows(b)}[row[0]][2] == "19.0 s"
