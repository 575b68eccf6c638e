import polars as pl

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.result import CellValue, ParseResult
from gip_pipeline.tidy import (INVALID_OUTPUT_REASON, NON_INTEGER_CHECK, build_tidy, report_id,
                               tidy_schema)
from gip_pipeline.tidy.identities import evaluate, summarise
from gip_pipeline_tests.pipeline_fixtures import finding, make_result, requests_cells, sha


def _seed_result(seed_truth) -> ParseResult:
    cells = [CellValue(t, r, c, v, str(v)) for t, rows in seed_truth["cells"].items()
             for r, cols in rows.items() for c, v in cols.items()]
    return ParseResult(file=seed_truth["file"], sha256=sha("seed"), format="txt",
                       report=seed_truth["report"], cells=cells)


def test_dtypes_follow_the_schema_even_when_empty():
    for tables in (build_tidy([make_result()]), build_tidy([])):
        for name, frame in tables.as_dict().items():
            assert frame.schema == tidy_schema(name), name
    reports = tidy_schema("reports")
    for m in schema.METADATA:  # every metadata field is a column, typed from the schema
        assert reports[m.key] == {"str": pl.Utf8, "int": pl.Int32, "date": pl.Date}[m.dtype]


def test_seed_truth_cells_are_kept_exactly(seed_truth):
    t = build_tidy([_seed_result(seed_truth)])
    n = sum(len(cols) for rows in seed_truth["cells"].values() for cols in rows.values())
    assert t.cells.height == n
    got = {(r["table"], r["row"], r["col"]): r["value"] for r in t.cells.iter_rows(named=True)}
    for tb, rows in seed_truth["cells"].items():
        for r, cols in rows.items():
            for c, v in cols.items():
                assert got[(tb, r, c)] == v
    rep = t.reports.row(0, named=True)
    assert rep["organ"] == seed_truth["report"]["organ"] and rep["year"] == 2023
    assert str(rep["published"]) == seed_truth["report"]["published"]
    assert rep["n_cells"] == n and rep["status"] == "ok" and rep["is_synthetic"] is False


def test_report_id_from_content_not_order_or_name():
    a = make_result("a.txt", content="AAA")
    b = make_result("b.txt", content="BBB", cells=requests_cells(5, 0, 5, 0, 0))
    t1, t2 = build_tidy([a, b]), build_tidy([b, a])
    for name in ("cells", "reports", "findings"):
        assert t1.as_dict()[name].equals(t2.as_dict()[name])
    assert sorted(t1.reports["report_id"]) == sorted([sha("AAA")[:16], sha("BBB")[:16]])
    renamed = make_result("other-name.txt", content="AAA")
    assert build_tidy([renamed]).reports["report_id"][0] == report_id(sha("AAA"))


def test_null_stays_null_and_raw_is_kept():
    cells = requests_cells(10, 2, 7, 3, 2)
    cells[0] = CellValue(cells[0].table, cells[0].row, cells[0].col, None, "—", 4)
    cells.append(CellValue("active_disclosure", "administrative_fees", "fee_amount_10k_yuan",
                           12.5, "12.50", 2))
    t = build_tidy([make_result(cells=cells)])
    c = {(r["row"], r["col"]): r for r in t.cells.iter_rows(named=True)}
    blank = c[(cells[0].row, cells[0].col)]
    assert blank["value"] is None and blank["value_int"] is None and blank["raw"] == "—"
    assert blank["page"] == 4
    fee = c[("administrative_fees", "fee_amount_10k_yuan")]
    assert fee["value"] == 12.5 and fee["value_int"] is None and fee["dtype"] == "decimal"
    assert fee["raw"] == "12.50" and fee["unit"] == "10k_yuan"
    zero = c[("denied_state_secret", "total")]
    assert zero["value"] == 0.0 and zero["value_int"] == 0  # a printed zero is a zero
    assert t.cells["value"].null_count() == 1


def test_cells_sort_in_schema_order():
    cells = list(reversed(requests_cells(10, 2, 7, 3, 2)))
    t = build_tidy([make_result(cells=cells)])
    rows = t.cells.select("row", "col").rows()
    order = [(r, c) for _, r, c in schema.expected_cells("2021") if _ == "requests"]
    assert rows == order


def test_non_integer_count_is_flagged_not_rounded():
    cells = requests_cells(10, 2, 7, 3, 2)
    i = next(k for k, c in enumerate(cells) if c.row == "granted" and c.col == "natural_person")
    cells[i] = CellValue("requests", "granted", "natural_person", 6.5, "6.5")
    t = build_tidy([make_result(cells=cells)])
    cell = t.cells.filter((pl.col("row") == "granted") & (pl.col("col") == "natural_person"))
    assert cell["value"][0] == 6.5 and cell["value_int"][0] is None
    assert NON_INTEGER_CHECK in t.findings["check"].to_list()
    assert t.reports["status"][0] == "warning"


def test_contract_breach_is_rejected_visibly():
    cells = requests_cells(10, 2, 7, 3, 2) + [CellValue("requests", "no_such_row", "total", 1, "1")]
    t = build_tidy([make_result(cells=cells)])
    rep = t.reports.row(0, named=True)
    assert rep["status"] == "rejected" and rep["reason"].startswith(INVALID_OUTPUT_REASON)
    assert "no_such_row" in rep["reason"] and rep["organ"] is None
    assert t.cells.height == 0 and "pipeline.contract" in t.findings["check"].to_list()


def test_findings_and_status_carry_through():
    r = make_result(status="warning", findings=[finding(), finding("x.y", "info", None, "n")])
    t = build_tidy([r])
    assert t.findings.select("seq", "check", "severity", "table").rows() == [
        (0, "requests.balance", "error", "requests"), (1, "x.y", "info", None)]
    assert t.reports["n_findings"][0] == 2 and t.reports["status"][0] == "warning"


def test_rejected_report_has_no_cells_and_a_reason():
    r = make_result(cells=[], status="rejected", meta={k: None for k in schema.META_KEYS})
    r.reason = "a blank template, not a report"
    t = build_tidy([r])
    assert t.reports.select("status", "reason", "n_cells").row(0) == (
        "rejected", "a blank template, not a report", 0)


def test_identical_files_load_once_and_synthetic_flag():
    a, b = make_result("a.txt", content="same"), make_result("b.txt", content="same")
    t = build_tidy([b, a], synthetic=["a.txt"])
    assert t.reports.height == 1 and t.reports["source_file"][0] == "a.txt"
    assert t.duplicates == ["b.txt"] and t.reports["is_synthetic"][0] is True


def test_identity_evaluation_holds_breaks_and_not_assessable():
    ok = make_result("ok.txt", cells=requests_cells(10, 2, 7, 3, 2))
    bad = make_result("bad.txt", cells=requests_cells(11, 2, 7, 3, 2))  # 11 + 2 != 10 + 2
    blank_cells = requests_cells(10, 2, 7, 3, 2)
    for i, c in enumerate(blank_cells):
        if c.row == "carried_over":
            blank_cells[i] = CellValue(c.table, c.row, c.col, None, "")
    blank = make_result("blank.txt", cells=blank_cells)
    t = build_tidy([ok, bad, blank])
    res = evaluate(t.cells, t.reports, "requests.balance")
    by = {(r["report_id"], r["key"]): r["status"] for r in res.iter_rows(named=True)}
    ok_id, bad_id, blank_id = (report_id(sha(n)) for n in ("ok.txt", "bad.txt", "blank.txt"))
    assert by[(ok_id, "total")] == "holds"
    assert by[(bad_id, "total")] == "broken" and by[(bad_id, "natural_person")] == "broken"
    assert by[(bad_id, "commercial_enterprise")] == "holds"
    assert by[(blank_id, "total")] == "not_assessable"  # missing is not passing
    s = summarise(res, "requests.balance")
    assert s.broken == 2 and s.broken_reports == [bad_id] and s.not_assessable == 7
    # the optional 小计 column is not printed here, so its identity is not evaluated at all
    assert evaluate(t.cells, t.reports, "requests.legal_person_subtotal").height == 0
    rows = evaluate(t.cells, t.reports, "requests.row_total")
    assert set(rows.filter(pl.col("report_id") != blank_id)["status"]) == {"holds"}
    assert rows.filter(pl.col("status") == "not_assessable").select("report_id", "key").rows() == [
        (blank_id, "carried_over")]


def test_identity_evaluation_reads_a_single_2021_other_handling_row_like_the_extractor():
    # A 2021 report printing one （六）其他处理 row (no sub-rows): it stands for the three rows
    # in requests.outcomes (no phantom not_assessable), as validate.identity_instances says.
    cells = [c for c in requests_cells(10, 2, 7, 3, 2)
             if c.row not in schema.ERA_CROSSWALK["other_handling"]]
    cols = {c.col for c in cells if c.row == "granted"}
    cells += [CellValue("requests", "other_handling", col, 0, "0") for col in sorted(cols)]
    t = build_tidy([make_result("six.txt", cells=cells)])
    out = evaluate(t.cells, t.reports, "requests.outcomes")
    assert out.height == len(cols) and set(out["status"]) == {"holds"}
    rows = evaluate(t.cells, t.reports, "requests.row_total")
    assert "other_handling" in set(rows["key"])
    assert not set(rows["key"]) & set(schema.ERA_CROSSWALK["other_handling"])
    assert set(rows["status"]) == {"holds"}


def test_other_contract_breaches_are_caught():
    bad_finding = make_result(findings=[finding(table="metadata")])
    rejected_with_cells = make_result(status="rejected")
    bad_era = make_result(meta={**make_result().report, "era": "2030"})
    bad_value = make_result(cells=[CellValue("requests", "granted", "total", float("nan"), "x")])
    for r, words in ((bad_finding, "unknown table 'metadata'"),
                     (rejected_with_cells, "rejected result carries cells"),
                     (bad_era, "era='2030'"), (bad_value, "not a finite number")):
        rep = build_tidy([r]).reports.row(0, named=True)
        assert rep["status"] == "rejected" and words in rep["reason"], words


def test_reports_get_region_parents_and_department_type():
    from gip_pipeline.tidy import region_parts

    assert region_parts({"region_code": "320813", "year": 2022, "organ_kind": "government",
                         "organ": "淮安市洪泽区人民政府"}) == {
        "province_code": "320000", "prefecture_code": "320800", "department_type": None}
    assert region_parts({"region_code": "310000", "year": 2022, "organ_kind": "department",
                         "organ": "上海市科学技术委员会"}) == {
        "province_code": "310000", "prefecture_code": None,
        "department_type": "science_technology"}
    # 公安县 is a county: its education bureau is not a public security organ
    assert region_parts({"region_code": "421022", "year": 2022, "organ_kind": "department",
                         "organ": "公安县教育局"})["department_type"] == "education"
    assert region_parts({"region_code": None, "year": 2022, "organ_kind": None,
                         "organ": None}) == {"province_code": None, "prefecture_code": None,
                                             "department_type": None}


def test_findings_keep_their_cell_list():
    from gip_pipeline.extraction.result import Finding

    f = Finding("requests.blanks_as_zero", "info", "requests", "m")
    f.cells = ["granted.total", "granted.natural_person"]
    t = build_tidy([make_result("a", findings=[f, finding()])])
    assert t.findings["cells"].to_list() == ["granted.total granted.natural_person", None]


def test_a_huge_value_is_a_contract_problem_not_a_crash():
    cells = requests_cells(10, 2, 7, 3, 2)
    cells[0] = CellValue(cells[0].table, cells[0].row, cells[0].col, 10 ** 400, "1" + "0" * 400)
    t = build_tidy([make_result("a", cells=cells)])
    assert t.reports["status"].to_list() == ["rejected"]
    assert "beyond 2**53" in t.reports["reason"][0] and t.cells.height == 0
    ok = requests_cells(10, 2, 7, 3, 2)
    ok[0] = CellValue(ok[0].table, ok[0].row, ok[0].col, 2 ** 53, str(2 ** 53))
    assert build_tidy([make_result("b", cells=ok)]).reports["status"].to_list() == ["ok"]
