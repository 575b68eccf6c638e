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


def test_the_least_a_run_can_take_adds_this_locations_run_to_dbt_on_a_small_warehouse():
    b = _bench()
    run = {"seconds": 20.0, "status": "SUCCESS", "steps": {"exports": 1.0}, "stages": {}}
    b["incremental"] = {"base_documents": 1000, "runs": [run], "status": ["SUCCESS"],
                        "seconds_median": 20.0, "stack_floors": {
                            "dagster_one_asset_s": 4.0, "dagster_our_location_s": 4.5,
                            "dbt_one_view_s": 3.5, "dbt_build_alone_s": 8.0,
                            "dbt_build_small_s": 6.25, "dbt_run_small_s": 3.75,
                            "small_reports": 20}}
    row = {r[0]: r for r in report.targets18_rows(b)}[
        "one new file into the 10,000-report warehouse, to updated marts"]
    assert row[2] == ("19.0 s (a run that builds and tests the marts takes at least 10.8 s with "
                      "next to no data: this code location's run 4.5 s + dbt build of 20 reports "
                      "6.25 s)")
    text = report.render(b)
    assert "`dbt build` 6.25 s (every seed, model and test with next to no data)" in text
    assert "takes at least 10.8 s with next to no data" in text  # the misses section


def test_a_warehouse_cut_to_a_few_reports_keeps_those_reports_rows_only(tmp_path):
    import duckdb

    from gip_pipeline.bench.pipeline import cut_to_reports

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema core")
    con.execute("create table core.reports as select 'r' || i as report_id from range(5) t(i)")
    con.execute("create table core.cells as select 'r' || (i % 5) as report_id, i as value "
                "from range(50) t(i)")
    con.execute("create table core.regions as select i as code from range(7) t(i)")
    con.close()
    cut_to_reports(db, 2)
    con = duckdb.connect(str(db))
    assert con.sql("select report_id from core.reports order by 1").fetchall() == [("r0",), ("r1",)]
    assert con.sql("select distinct report_id from core.cells order by 1").fetchall() == [
        ("r0",), ("r1",)]
    assert con.sql("select count(*) from core.cells").fetchall() == [(20,)]
    assert con.sql("select count(*) from core.regions").fetchall() == [(7,)]  # no report_id


def test_what_the_missed_goals_need_is_computed_from_the_measured_figures():
    b = _bench()
    b["throughput"]["forms"]["pdf"]["reader_ms_per_page"] = 7.5
    b["full"]["runs"][0]["stages"]["dbt"] = 12.0
    b["incremental"] = {"runs": [], "stack_floors": {
        "dagster_our_location_s": 4.5, "dbt_build_small_s": 6.25, "dbt_run_small_s": 3.75,
        "small_reports": 20}}
    text = "\n".join(report.misses_section(b))
    assert "takes at least 10.8 s with next to no data" in text
    assert "without dbt's tests, at least 8.2 s, leaving 1.8 s" in text
    # 8 ms a document x 1,000 / 2 cores = 4 s; + dbt 12 s + the location's run 4.5 s
    assert "is 4.0 s on 2 cores" in text and "at least 20.5 s" in text
    # 10 ms/page, the reader 7.5: the rest 2.5 ms = 1.2x the 2 ms text pass; 6 - 2.5 = 3.5 left
    assert "alone take 2.5 ms/page (1.2× the text pass)" in text
    assert "leaves the reader 3.5 ms/page for what now takes 7.5" in text
    assert report.misses_section({}) == []


def test_the_pdf_need_is_shown_from_the_throughput_run_alone():
    b = _bench()
    b["throughput"]["forms"]["pdf"]["reader_ms_per_page"] = 7.5
    del b["full"]
    (line,) = [x for x in report.misses_section(b) if x.startswith("- ")]
    assert line.startswith("- PDF within 3× pdfium's text pass (6.00 ms/page)")
