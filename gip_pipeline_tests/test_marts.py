"""The dbt marts and the researcher export on a small multi-region corpus built here.

Every number a mart holds is checked against a value computed in this file, independently,
from the tidy tables (polars), with the counting rules written out again: one report per
organ and year (not rejected, not a duplicate; ok first, then most cells), a blank read as
zero only where a blanks_as_zero finding lists the cell, governments never pooled with
departments, synthetic reports apart.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import frictionless
import polars as pl
import pytest

from gip_pipeline.metadata import schema
from gip_pipeline.metadata.outputs import CROSSWALK_COLUMN, MART_COLUMNS, QUANTITIES
from gip_pipeline.extraction.result import CellValue, Finding, NarrativeText, ParseResult
from gip_pipeline.exports.cli import main as export_main
from gip_pipeline.raw import RawFile
from gip_pipeline.tidy import build_tidy
from gip_pipeline.tidy.build import _accounted
from gip_pipeline.regions.reference import reference_tables
from gip_pipeline.warehouse.load import load_tables
from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR

# Whole pipeline runs (Dagster, dbt, subprocesses): `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

MIN = schema.MIN_RANK_DENOMINATOR


# ------------------------------------------------------------------ the corpus

def _requests(era: str, new: int, carried: int, granted: int, not_held: int, forward: int,
              org_new: int = 0, blank: tuple[str, ...] = ()) -> list[CellValue]:
    """A requests table whose identities hold when new + carried == granted + not_held + forward;
    org_new of the new requests come from commercial enterprises. `blank` rows print blank."""
    vals = {"new_received": new, "carried_over": carried, "granted": granted,
            "unable_not_held": not_held, "total_handled": granted + not_held,
            "carried_forward": forward}
    cells = []
    for row in schema.REQUESTS.rows_for(era):
        for col in schema.row_columns("requests", era, row.key):
            total = vals.get(row.key, 0)
            org = org_new if row.key in ("new_received", "granted", "total_handled") else 0
            v = {"natural_person": total - org, "commercial_enterprise": org,
                 "total": total}.get(col, 0)
            if row.key in blank:
                cells.append(CellValue("requests", row.key, col, None, "", None))
            else:
                cells.append(CellValue("requests", row.key, col, v, str(v), None))
    return cells


def _review(upheld: int, corrected: int, pending: int) -> list[CellValue]:
    out = []
    for r in schema.all_row_keys("review_litigation"):
        vals = {"upheld": upheld, "corrected": corrected, "other": 0, "pending": pending}
        if r != "reconsideration":
            vals = {"upheld": 1, "corrected": 0, "other": 0, "pending": 0}
        vals["total"] = sum(vals.values())
        out += [CellValue("review_litigation", r, c, v, str(v), None) for c, v in vals.items()]
    return out


def _ad(era: str, decisions: int) -> list[CellValue]:
    col = "decisions"
    return [CellValue("active_disclosure", "administrative_licensing", col, decisions,
                      str(decisions), None)]


def _report(name, organ, region, level, kind, year, published, cells, status="ok",
            findings=()) -> ParseResult:
    era = schema.era_for_year(year)
    return ParseResult(
        file=name, sha256=hashlib.sha256(name.encode()).hexdigest(), format="txt", status=status,
        report={"organ": organ, "year": year, "published": published, "index_number": None,
                "era": era, "region_code": region, "admin_level": level, "organ_kind": kind},
        cells=cells, findings=list(findings))


def _blank_zero(rows: tuple[str, ...], era: str, check: str = "requests.blanks_as_zero") -> Finding:
    f = Finding(check, "info", "requests", "blank cells proved zero")
    f.cells = [f"{r}.{c}" for r in rows for c in schema.row_columns("requests", era, r)]
    return f


def corpus() -> tuple[list[ParseResult], list[str]]:
    nj_gov, nj_psb = "南京市人民政府", "南京市公安局"
    R = []
    # Nanjing government: 2020 (era 2019) -> 2021 (era 2021), carry consistent.
    R.append(_report("nj_gov_2020.txt", nj_gov, "320100", "prefecture", "government", 2020,
                     "2021-03-20", _requests("2019", 120, 10, 90, 20, 20, org_new=30)
                     + _review(3, 1, 1) + _ad("2019", 7)))
    R.append(_report("nj_gov_2021.txt", nj_gov, "320100", "prefecture", "government", 2021,
                     "2022-03-15", _requests("2021", 200, 20, 150, 40, 30, org_new=50)
                     + _review(5, 2, 1) + _ad("2021", 9)))
    # Nanjing PSB: 2020 forward 5, 2021 carried_over 4: a cross-year difference; published late.
    R.append(_report("nj_psb_2020.txt", nj_psb, "320100", "prefecture", "department", 2020,
                     "2021-01-20", _requests("2019", 60, 0, 40, 15, 5) + _review(1, 0, 0)))
    R.append(_report("nj_psb_2021.txt", nj_psb, "320100", "prefecture", "department", 2021,
                     "2022-02-10", _requests("2021", 50, 4, 30, 20, 4) + _review(2, 1, 0)))
    # The same 2021 PSB report again in another form, read worse: counted once (the ok one).
    R.append(_report("nj_psb_2021_copy.txt", nj_psb, "320100", "prefecture", "department", 2021,
                     "2022-02-10", _requests("2021", 51, 4, 30, 20, 4) + _review(2, 1, 0),
                     status="warning", findings=[Finding("requests.balance", "error",
                                                         "requests", "51 + 4 != 50 + 4")]))
    # Nanjing education bureau: a different department type, same region and year.
    R.append(_report("nj_edu_2021.txt", "南京市教育局", "320100", "prefecture", "department",
                     2021, "2022-01-25", _requests("2021", 40, 0, 35, 5, 0) + _review(0, 0, 0)))
    # Suzhou PSB: large; Hangzhou PSB: under the ranking minimum.
    R.append(_report("sz_psb_2021.txt", "苏州市公安局", "320500", "prefecture", "department",
                     2021, "2022-01-28", _requests("2021", 300, 10, 200, 100, 10, org_new=60)
                     + _review(10, 4, 2)))
    R.append(_report("hz_psb_2021.txt", "杭州市公安局", "330100", "prefecture", "department",
                     2021, "2022-01-30", _requests("2021", 20, 0, 18, 2, 0) + _review(0, 0, 0)))
    # Wuxi PSB: partially_granted and carried_over printed blank, proved zero by the
    # extraction -> value 0, and every mart row resting on them flagged (2020 for trends and
    # the cross-year check).
    wx_blank = ("partially_granted", "carried_over")
    R.append(_report("wx_psb_2020.txt", "无锡市公安局", "320200", "prefecture", "department",
                     2020, "2021-01-29", _requests("2019", 70, 0, 50, 20, 0) + _review(0, 0, 0)))
    R.append(_report("wx_psb_2021.txt", "无锡市公安局", "320200", "prefecture", "department",
                     2021, "2022-01-29", _requests("2021", 80, 0, 60, 20, 0, blank=wx_blank)
                     + _review(0, 0, 0), findings=[_blank_zero(wx_blank, "2021")]))
    # Ningbo PSB: the same blank without evidence -> stays null, its grant rate unknown.
    R.append(_report("nb_psb_2021.txt", "宁波市公安局", "330200", "prefecture", "department",
                     2021, "2022-01-29", _requests("2021", 90, 0, 70, 20, 0,
                                                   blank=("partially_granted",))
                     + _review(0, 0, 0)))
    # Changzhou PSB: the same blank with the weaker evidence (consistent with zero, not proven):
    # never read as 0, it stays null like any blank.
    R.append(_report("cz_psb_2021.txt", "常州市公安局", "320400", "prefecture", "department",
                     2021, "2022-01-29", _requests("2021", 50, 0, 40, 10, 0,
                                                   blank=("partially_granted",))
                     + _review(0, 0, 0), findings=[_blank_zero(
                         ("partially_granted",), "2021", "requests.blanks_as_zero_consistent")]))
    # Synthetic Hefei PSB and a rejected file.
    R.append(_report("synth_hf_psb_2021.txt", "合肥市公安局", "340100", "prefecture",
                     "department", 2021, "2022-01-20", _requests("2021", 500, 0, 400, 100, 0)
                     + _review(1, 1, 0)))
    # its prose, which a download without synthetic rows leaves out like its numbers
    R[-1].narrative = [NarrativeText("overview", "一、总体情况", "合成报告的正文。",
                                     "一、总体情况\n合成报告的正文。")]
    rej = ParseResult(file="broken.pdf", sha256=hashlib.sha256(b"broken").hexdigest(),
                      format="pdf", status="rejected", reason="not a GIP report")
    R.append(rej)
    return R, ["synth_hf_psb_2021.txt"]


# The Nanjing government's 2021 report once more under another name, byte for byte: one report,
# two rows in report_files.
SAME_BYTES = ("nj_gov_2021_again.txt", "nj_gov_2021.txt")


def raw_files(results: list[ParseResult], synthetic: list[str]) -> list[RawFile]:
    files = [RawFile(r.file, r.sha256, 100 + len(r.file), r.format, r.file in synthetic)
             for r in results]
    same = next(r for r in results if r.file == SAME_BYTES[1])
    return files + [RawFile(SAME_BYTES[0], same.sha256, 100 + len(same.file), same.format)]


# ------------------------------------------------------------------ building the warehouse

def run_dbt(db: Path, target: Path) -> dict:
    dbt = Path(sys.executable).parent / "dbt"
    env = dict(os.environ, GIP_DUCKDB_PATH=str(db))
    proc = subprocess.run(
        [str(dbt), "build", "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-path", str(target / "logs")],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"].split(".")[2]: r["status"] for r in results["results"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("marts")
    results, synthetic = corpus()
    tidy = build_tidy(results, synthetic=synthetic)
    db = root / "gip.duckdb"
    # the core tables as the pipeline makes them: organ ids, file accounting, no corrections
    load_tables(db, {**_accounted(raw_files(results, synthetic), tidy.as_dict()),
                     **reference_tables()})
    statuses = run_dbt(db, root / "target")
    return db, tidy, statuses, root


def q(db: Path, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return pl.from_arrow(con.sql(sql).to_arrow_table())
    finally:
        con.close()


# ------------------------------------------------------------------ independent computation

def counted_reports(tidy) -> dict[str, dict]:
    """report_id -> report row, for the reports the marts should count (rules restated)."""
    reps = [r for r in tidy.reports.to_dicts() if r["status"] != "rejected"]
    best: dict[tuple, dict] = {}
    for r in sorted(reps, key=lambda r: (r["status"] != "ok", -r["n_cells"], r["report_id"])):
        best.setdefault((r["is_synthetic"], r["region_code"], r["organ"], r["year"]), r)
    return {r["report_id"]: r for r in best.values()}


def values_used(tidy) -> dict[str, dict[tuple[str, str, str], float | None]]:
    """Cell values as the marts must use them: a blank is 0 only where a <table>.blanks_as_zero
    finding (proven) lists it; the weaker blanks_as_zero_consistent evidence is not enough."""
    evidence = set()
    proven = [f"{t.key}.blanks_as_zero" for t in schema.TABLES]
    for f in tidy.findings.filter(pl.col("check").is_in(proven)).to_dicts():
        for cell in (f["cells"] or "").split():
            r, c = cell.split(".")
            evidence.add((f["report_id"], f["table"], r, c))
    out: dict[str, dict] = {}
    for c in tidy.cells.to_dicts():
        v = c["value"]
        if v is None and (c["report_id"], c["table"], c["row"], c["col"]) in evidence:
            v = 0.0
        out.setdefault(c["report_id"], {})[(c["table"], c["row"], c["col"])] = v
    return out


def _terms(vals: dict, terms) -> float | None:
    total = 0.0
    for t in terms:
        for r in t.rows:
            for c in t.cols:
                v = vals.get((t.table, r, c))
                if v is None:
                    return None
                total += v
    return total


def measure_terms(vals: dict, m: schema.Measure) -> tuple[float | None, float | None]:
    num, den = _terms(vals, m.numerator), _terms(vals, m.denominator)
    if m.numerator_minus:
        minus = _terms(vals, m.numerator_minus)
        num = None if num is None or minus is None else num - minus
    if m.denominator_minus:
        minus = _terms(vals, m.denominator_minus)
        den = None if den is None or minus is None else den - minus
    return num, den


def department_type_of(organ: str) -> str | None:
    from gip_pipeline.regions import code_organ

    return code_organ(organ).department_type


def _rid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ tests: marts

def test_dbt_tests_pass_and_the_planted_error_is_flagged(built):
    db, _, statuses, _ = built
    for name in ("region_year_denied_sums_its_rows", "report_comparison_denied_sums_its_rows",
                 "data_quality_statuses_sum_to_found", "cell_keys_known"):
        assert statuses[name] == "pass", name
    assert not [k for k, s in statuses.items() if s in ("error", "fail", "warn")]
    # the badly read copy's identity break is a finding (identities are checked on the cells,
    # as asset checks, not again by dbt), which the marts count
    copy = q(db, "select n_identity_breaks, status from marts.report_comparison "
             f"where report_id = '{_rid('nj_psb_2021_copy.txt')}'")
    assert copy.rows() == [(1, "warning")]


def test_marts_have_the_columns_the_metadata_describes(built):
    """metadata.outputs.MART_COLUMNS (the datapackage, the codebook and the dbt YAML read it)
    is what the hand-written models build, in order."""
    db = built[0]
    for mart, columns in MART_COLUMNS.items():
        assert tuple(q(db, f"select * from marts.{mart} limit 0").columns) == columns, mart


def test_counts_are_integers_and_rates_doubles(built):
    """A count is BIGINT wherever the marts show it (never DOUBLE like 13.0, never a sum widened
    to INT128); a rate is DOUBLE."""
    db = built[0]
    types = dict(q(db, "select table_name || '.' || column_name, data_type "
                   "from information_schema.columns where table_schema = 'marts'").rows())
    assert not [c for c, t in types.items() if t in ("HUGEINT", "INT128")]
    for mart in ("report_comparison", "region_year"):
        for name in ("total_handled", "granted", "denied", CROSSWALK_COLUMN,
                     "reconsideration__total", "grant_rate_numerator", "grant_rate_denominator"):
            assert types[f"{mart}.{name}"] == "BIGINT", (mart, name)
        for m in schema.MEASURES:
            assert types[f"{mart}.{m.key}"] == "DOUBLE", (mart, m.key)
    assert types["rankings.numerator"] == types["rankings.total_handled"] == "BIGINT"
    assert types["cross_year_consistency.difference"] == "BIGINT"


def test_measures_are_long_until_the_marts_pivot_them(built):
    """int_report_quantities holds every quantity of every report once, long; the wide mart
    is its pivot."""
    db, tidy, _, _ = built
    long = q(db, "select * from intermediate.int_report_quantities")
    assert long.height == tidy.reports.height * len(QUANTITIES)
    assert long.select("report_id", "quantity").is_duplicated().sum() == 0
    rc = q(db, "select * from marts.report_comparison")
    # every pivoted column is its quantity's long value (the pivot takes them by place)
    for rid, name, kind, amount, value, num, den in long.select(
            "report_id", "quantity", "kind", "amount", "value", "numerator", "denominator").iter_rows():
        row = rc.filter(pl.col("report_id") == rid)
        if kind == "measure":
            assert row[name].item() == value, (rid, name)
            assert (row[f"{name}_numerator"].item(), row[f"{name}_denominator"].item()) == (num, den)
        else:
            assert row[name].item() == amount, (rid, name)


def _compiled(target: Path, pattern: str) -> str:
    """The SQL dbt compiled for the one model or test of the `built` project at `pattern` (a
    glob under the compiled project)."""
    [path] = (target / "compiled" / "gip").glob(pattern)
    return path.read_text(encoding="utf-8")


def test_the_cell_key_test_reports_each_duplicate_cell(built, tmp_path):
    """unique_key groups by a hash of the key first: a planted duplicate is still found, with
    its key and count, and nothing is reported without one."""
    db, _, _, root = built
    sql = _compiled(root / "target", "models/intermediate/int_cells.yml/unique_key_int_cells_*.sql")
    copy_ = tmp_path / "gip.duckdb"
    copy_.write_bytes(db.read_bytes())
    con = duckdb.connect(str(copy_))
    try:
        assert con.sql(sql).fetchall() == []
        con.execute("insert into core.cells select * from core.cells using sample 1 rows")
        found = con.sql(sql).fetchall()
        assert len(found) == 1 and found[0][-1] == 2
    finally:
        con.close()


def test_a_report_missing_a_quantity_stops_the_pivot(built, tmp_path):
    """The wide marts take each quantity by its place in the seed's order: a report without
    exactly one row per quantity would shift them, so the build stops instead."""
    db, _, _, root = built
    sql = _compiled(root / "target", "models/marts/report_comparison.sql")
    copy_ = tmp_path / "gip.duckdb"
    copy_.write_bytes(db.read_bytes())
    con = duckdb.connect(str(copy_))
    try:
        assert len(con.sql(sql).fetchall()) == q(db, "select count(*) from core.reports").item()
        con.execute("delete from intermediate.int_report_quantities where quantity = 'granted' "
                    "and report_id = (select min(report_id) from core.reports)")
        with pytest.raises(duckdb.InvalidInputException, match="one row per quantity"):
            con.sql(sql).fetchall()
    finally:
        con.close()


def test_report_comparison_measures(built):
    db, tidy, _, _ = built
    vals = values_used(tidy)
    rc = {r["report_id"]: r for r in q(db, "select * from marts.report_comparison").to_dicts()}
    assert set(rc) == set(tidy.reports["report_id"])
    counted = counted_reports(tidy)
    checked = 0
    for rid, v in vals.items():
        row = rc[rid]
        assert row["is_counted"] is (rid in counted)
        for m in schema.MEASURES:
            num, den = measure_terms(v, m)
            assert row[f"{m.key}_numerator"] == num and row[f"{m.key}_denominator"] == den, m.key
            want = None if num is None or den in (None, 0) else num / den
            assert row[m.key] == pytest.approx(want) if want is not None else row[m.key] is None
            checked += 1
        assert row["denied"] == sum(v[("requests", r, "total")] for r in schema.DENIED_ROWS)
    assert checked == len(vals) * len(schema.MEASURES) > 0
    copy_row = rc[_rid("nj_psb_2021_copy.txt")]
    assert copy_row["counted_report_id"] == _rid("nj_psb_2021.txt")
    assert copy_row["n_findings"] == 1 and copy_row["status"] == "warning"
    assert rc[hashlib.sha256(b"broken").hexdigest()[:16]]["is_counted"] is False


def test_blank_zero_only_when_proven(built):
    db, _, _, _ = built
    rc = {r["report_id"]: r for r in q(db, "select * from marts.report_comparison").to_dicts()}
    wx, nb = rc[_rid("wx_psb_2021.txt")], rc[_rid("nb_psb_2021.txt")]
    n_pg = len(schema.row_columns("requests", "2021", "partially_granted"))
    n_co = len(schema.row_columns("requests", "2021", "carried_over"))
    # proven: read as zero, and flagged
    assert wx["uses_blank_zero_evidence"] is True and wx["n_blank_zero_cells"] == n_pg + n_co
    assert wx["partially_granted"] == 0 and wx["grant_rate"] == pytest.approx(60 / 80)
    assert nb["uses_blank_zero_evidence"] is False
    assert nb["partially_granted"] is None and nb["grant_rate"] is None  # never read as zero
    ry = q(db, "select * from marts.region_year where region_code = '320200' and year = 2021"
           ).row(0, named=True)
    assert ry["uses_blank_zero_evidence"] is True and ry["n_reports_blank_zero"] == 1
    # merely consistent with zero (no identity forces it): stays null, not flagged
    cz = rc[_rid("cz_psb_2021.txt")]
    assert cz["uses_blank_zero_evidence"] is False and cz["n_blank_zero_cells"] == 0
    assert cz["partially_granted"] is None and cz["grant_rate"] is None
    assert cz["total_handled"] == 50  # the printed cells are still there
    ry = q(db, "select * from marts.region_year where region_code = '320400'").row(0, named=True)
    assert ry["uses_blank_zero_evidence"] is False and ry["n_reports_blank_zero"] == 0
    assert ry["partially_granted"] is None
    # int_cells records both classes, fills only the proven one
    ev = q(db, "select blank_zero_evidence, filled_from_evidence, count(*) as n, "
               "count(value_used) as n_used from intermediate.int_cells "
               "where blank_zero_evidence is not null group by 1, 2 order by 1").rows()
    assert ev == [("consistent", False, n_pg, 0), ("proven", True, n_pg + n_co, n_pg + n_co)]
    dq = q(db, "select n_blank_zero from marts.data_quality where quality_id in "
               "('320200|2021', '320400|2021') order by quality_id").rows()
    assert dq == [(1,), (0,)]


def test_rows_resting_on_proven_blanks_are_flagged_in_every_mart(built):
    db, tidy, _, _ = built
    vals = values_used(tidy)
    counted = counted_reports(tidy)
    filled = {(f["report_id"], *cell.split(".")) for f in tidy.findings.filter(
        pl.col("check") == "requests.blanks_as_zero").to_dicts() for cell in f["cells"].split()}
    flagged = {rid for rid, _, _ in filled}
    assert flagged == {_rid("wx_psb_2021.txt")}
    # rankings: an organ row is flagged when its report is; a region row when one of its is
    rk = q(db, "select unit_type, report_id, region_code, year, uses_blank_zero_evidence as f "
               "from marts.rankings where not is_synthetic").to_dicts()
    assert rk and all(r["f"] is (r["report_id"] in flagged) for r in rk if r["unit_type"] == "organ")
    flagged_regions = {(counted[i]["region_code"], counted[i]["year"]) for i in flagged}
    assert all(r["f"] is ((r["region_code"], r["year"]) in flagged_regions)
               for r in rk if r["unit_type"] == "region")
    assert any(r["f"] for r in rk if r["unit_type"] == "region")
    # trends: flagged when either year rests on one (Wuxi 2021 vs 2020)
    tr = q(db, "select unit_type, unit_key, year, uses_blank_zero_evidence as f from marts.trends"
           ).to_dicts()
    wx = [r for r in tr if "320200" in r["unit_key"]]
    assert wx and all(r["f"] is True for r in wx)
    assert all(r["f"] is False for r in tr if "320200" not in r["unit_key"])
    # cross-year: flagged exactly where carried_over(t) or carried_forward(t-1) was a filled blank
    cy = q(db, "select report_id, prev_report_id, col, carried_over, uses_blank_zero_evidence "
               "as f from marts.cross_year_consistency").to_dicts()
    wx_rows = [r for r in cy if r["report_id"] == _rid("wx_psb_2021.txt")]
    assert len(wx_rows) == len(schema.row_columns("requests", "2021", "carried_over"))
    for r in cy:
        want = ((r["report_id"], "carried_over", r["col"]) in filled
                or (r["prev_report_id"], "carried_forward", r["col"]) in filled)
        assert r["f"] is want, r
        assert r["carried_over"] == vals[r["report_id"]][("requests", "carried_over", r["col"])]
    assert all(r["f"] is True and r["carried_over"] == 0 for r in wx_rows)


def test_region_year_sums_and_pooled_measures(built):
    db, tidy, _, _ = built
    vals = values_used(tidy)
    counted = counted_reports(tidy)
    groups: dict[tuple, list[str]] = {}
    for rid, r in counted.items():
        dtype = department_type_of(r["organ"]) if r["organ_kind"] == "department" else None
        key = (r["region_code"], r["year"], r["admin_level"], r["organ_kind"], dtype,
               r["is_synthetic"])
        groups.setdefault(key, []).append(rid)
    ry = q(db, "select * from marts.region_year").to_dicts()
    got = {(r["region_code"], r["year"], r["admin_level"], r["organ_kind"], r["department_type"],
            r["is_synthetic"]): r for r in ry}
    assert set(got) == set(groups)
    for key, rids in groups.items():
        row = got[key]
        assert row["n_reports"] == len(rids)
        for rowkey in schema.all_row_keys("requests"):
            vs = [vals[i].get(("requests", rowkey, "total")) for i in rids]
            want = None if any(v is None for v in vs) else sum(vs)
            assert row[rowkey] == want, (key, rowkey)
        for m in schema.MEASURES:
            pairs = [measure_terms(vals[i], m) for i in rids]
            pairs = [(n, d) for n, d in pairs if n is not None and d is not None]
            num = sum(n for n, _ in pairs) if pairs else None
            den = sum(d for _, d in pairs) if pairs else None
            assert row[f"{m.key}_numerator"] == num and row[f"{m.key}_denominator"] == den
            assert row[f"{m.key}_n_reports"] == len(pairs)
            if num is not None and den:
                assert row[m.key] == pytest.approx(num / den)
            else:
                assert row[m.key] is None


def test_region_year_never_adds_a_government_to_its_departments(built):
    db, _, _, _ = built
    rows = q(db, "select organ_kind, department_type, n_reports, total_handled from "
             "marts.region_year where region_code = '320100' and year = 2021 "
             "order by organ_kind, department_type").rows()
    assert rows == [("department", "education", 1, 40.0),
                    ("department", "public_security", 1, 50.0),  # the duplicate counted once
                    ("government", None, 1, 190.0)]


def region_groups(tidy) -> dict[tuple, list[str]]:
    """region_year key -> the counted reports pooled in it (rules restated)."""
    groups: dict[tuple, list[str]] = {}
    for rid, r in counted_reports(tidy).items():
        if r["region_code"] is None or r["year"] is None:
            continue
        dtype = department_type_of(r["organ"]) if r["organ_kind"] == "department" else None
        key = (r["region_code"], r["year"], r["admin_level"], r["organ_kind"], dtype,
               r["is_synthetic"])
        groups.setdefault(key, []).append(rid)
    return groups


def expected_rankings(tidy) -> dict[tuple, dict]:
    """(unit_type, unit id, year, measure) -> status, rank, n_ranked, percentile, computed here.

    The spec's rule: rank only units with at least MIN handled requests (the unit's own
    total_handled, whatever the measure's denominator); SQL rank() and percent_rank()."""
    vals = values_used(tidy)
    units = []  # (unit_type, unit id, peer key without the measure, total_handled, {m: value})
    for rid, r in counted_reports(tidy).items():
        dtype = department_type_of(r["organ"]) if r["organ_kind"] == "department" else None
        peer = (r["year"], r["admin_level"], r["organ_kind"], dtype, r["is_synthetic"])
        values = {}
        for m in schema.MEASURES:
            num, den = measure_terms(vals[rid], m)
            values[m.key] = None if num is None or not den else num / den
        units.append(("organ", rid, peer, vals[rid].get(("requests", "total_handled", "total")),
                      values))
    for key, rids in region_groups(tidy).items():
        handled = [vals[i].get(("requests", "total_handled", "total")) for i in rids]
        values = {}
        for m in schema.MEASURES:
            pairs = [p for p in (measure_terms(vals[i], m) for i in rids) if None not in p]
            den = sum(d for _, d in pairs)
            values[m.key] = sum(n for n, _ in pairs) / den if pairs and den else None
        units.append(("region", key, key[1:], None if None in handled else sum(handled), values))
    out: dict[tuple, dict] = {}
    for m in schema.MEASURES:
        status = {}
        for ut, uid, peer, handled, values in units:
            if handled is not None and handled < MIN:
                status[uid] = "too_small"
            elif handled is None or values[m.key] is None:
                status[uid] = "not_assessable"
            else:
                status[uid] = "ranked"
        for ut, uid, peer, handled, values in units:
            row = {"rank_status": status[uid], "total_handled": handled, "value": values[m.key],
                   "rank": None, "n_ranked": None, "percentile": None}
            if status[uid] == "ranked":
                peers = [vs[m.key] for t, u, p, _, vs in units
                         if (t, p) == (ut, peer) and status[u] == "ranked"]
                v = values[m.key]
                row["rank"] = 1 + sum(x > v for x in peers)
                row["n_ranked"] = len(peers)
                if len(peers) > 1:
                    row["percentile"] = sum(x < v for x in peers) / (len(peers) - 1)
            out[(ut, uid, peer[0], m.key)] = row
    return out


def test_rankings_follow_the_spec_rule(built):
    db, tidy, _, _ = built
    want = expected_rankings(tidy)
    got = {}
    for r in q(db, "select * from marts.rankings").to_dicts():
        uid = r["report_id"] if r["unit_type"] == "organ" else (
            r["region_code"], r["year"], r["admin_level"], r["organ_kind"], r["department_type"],
            r["is_synthetic"])
        got[(r["unit_type"], uid, r["year"], r["measure"])] = r
    assert set(got) == set(want)
    statuses = set()
    for k, w in want.items():
        g = got[k]
        statuses.add(w["rank_status"])
        for f in ("rank_status", "rank", "n_ranked", "total_handled"):
            assert g[f] == w[f], (k, f, g[f], w[f])
        for f in ("value", "percentile"):
            assert (g[f] is None) if w[f] is None else g[f] == pytest.approx(w[f]), (k, f)
    assert statuses == {"ranked", "too_small", "not_assessable"}
    # the threshold is the unit's handled requests, not the measure's denominator: Nanjing PSB
    # (50 handled) is ranked on a reconsideration rate over 3 cases; Hangzhou PSB (20 handled)
    # is too small even on a rate whose denominator is not total_handled
    nj = got[("organ", _rid("nj_psb_2021.txt"), 2021, "reconsideration_correction_rate")]
    assert nj["denominator"] == 3 and nj["rank_status"] == "ranked" and nj["rank"] >= 1
    hz = got[("organ", _rid("hz_psb_2021.txt"), 2021, "carry_forward_rate")]
    assert hz["total_handled"] == 20 and hz["rank_status"] == "too_small" and hz["rank"] is None
    # a blank merely consistent with zero leaves the grant rate unassessable, not zero
    assert got[("organ", _rid("cz_psb_2021.txt"), 2021, "grant_rate")]["rank_status"] == \
        "not_assessable"
    # the synthetic Hefei PSB (500 handled) is not anyone's peer
    syn = q(db, "select * from marts.rankings where is_synthetic and measure = 'grant_rate' "
                "and unit_type = 'organ'")
    assert syn["n_ranked"].to_list() == [1] and syn["percentile"].to_list() == [None]


def test_trends_cross_the_era_change_with_the_crosswalk_only(built):
    db, _, _, _ = built
    # the organ registry's series id: a government is `<region>:government` whatever its name
    t = q(db, "select * from marts.trends where unit_type = 'organ' and unit_key = "
              "'320100:government'")
    by = {r["quantity"]: r for r in t.to_dicts()}
    g = by["total_handled"]
    assert (g["year"], g["prev_year"], g["value"], g["prev_value"]) == (2021, 2020, 190, 110)
    assert g["crosses_era"] is True and g["change"] == 80
    assert by["other_handling_total"]["uses_crosswalk"] is True
    assert by["other_handling_total"]["value"] == 0 and by["other_handling_total"]["prev_value"] == 0
    assert by["grant_rate"]["value"] == pytest.approx(150 / 190)
    assert by["grant_rate"]["prev_value"] == pytest.approx(90 / 110)
    # section 二 and the era-specific （六） rows are not joined across eras
    assert not [q_ for q_ in by if q_.startswith("active_disclosure.")]
    assert "other_handling" not in by and "other_other" not in by
    reg = q(db, "select * from marts.trends where unit_type = 'region' and quantity = "
                "'new_received' and unit_key like '320100|prefecture|government|%'")
    assert reg.select("value", "prev_value").rows() == [(200.0, 120.0)]


def test_cross_year_consistency(built):
    db, _, _, _ = built
    c = q(db, "select * from marts.cross_year_consistency where col = 'total'")
    by = {r["organ"]: r for r in c.to_dicts()}
    assert by["南京市人民政府"]["result"] == "holds"
    assert (by["南京市人民政府"]["carried_over"], by["南京市人民政府"]["prev_carried_forward"]) == (20, 20)
    psb = by["南京市公安局"]
    assert psb["result"] == "differs" and psb["difference"] == -1
    assert psb["report_id"] == _rid("nj_psb_2021.txt")  # the counted report, not the copy
    assert psb["check"] == schema.CROSS_YEAR_IDENTITIES[0].check


def test_data_quality_and_timeliness(built):
    db, _, _, _ = built
    dq = {r["quality_id"]: r for r in q(db, "select * from marts.data_quality").to_dicts()}
    nj = dq["320100|2021"]
    assert (nj["n_found"], nj["n_counted"], nj["n_duplicates"]) == (4, 3, 1)
    assert (nj["n_ok"], nj["n_warning"], nj["n_rejected"]) == (3, 1, 0)
    # government 2022-03-15 (deadline 03-31) on time; PSB 02-10 late; education 01-25 on time
    assert (nj["n_dated"], nj["n_on_time"], nj["n_late"]) == (3, 2, 1)
    assert nj["identity_pass_rate"] == 1.0  # the broken copy is not counted
    assert dq["unknown|unknown"]["n_rejected"] == 1
    assert dq["340100|2021|synthetic"]["n_synthetic"] == 1


# ------------------------------------------------------------------ tests: export

@pytest.fixture(scope="module")
def exported(built):
    db, _, _, root = built
    outs = {}
    env = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1735689600"  # 2025-01-01
    try:
        for name, args in (("default", []), ("again", []), ("synthetic", ["--include-synthetic"]),
                           ("csv", ["--csv"])):
            out = root / f"exp_{name}"
            assert export_main(["--out", str(out), "--warehouse", str(db), *args]) == 0
            outs[name] = out
    finally:
        if env is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = env
    return outs


def test_export_writes_everything(exported):
    from gip_pipeline.exports import ALL_EXPORTS, EXPORTS

    assert set(ALL_EXPORTS) == set(EXPORTS) | {"report_files", "rejected_files", "regions",
                                               "organs", "corrections"}
    names = {p.name for p in exported["default"].iterdir()}
    assert names == {f"{n}.parquet" for n in ALL_EXPORTS} | {
        "datapackage.json", "provenance.json", "CODEBOOK.md", "report.html", "marts.xlsx"}
    assert {p.name for p in exported["csv"].iterdir()} >= {f"{n}.csv" for n in ALL_EXPORTS}
    pkg = json.loads((exported["default"] / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in pkg["resources"]}
    codebook = (exported["default"] / "CODEBOOK.md").read_text(encoding="utf-8")
    for name in ("report_files", "rejected_files"):
        assert res[name]["schema"]["primaryKey"] == ["path"] and res[name]["rows"] > 0
        assert all(f.get("description") for f in res[name]["schema"]["fields"]), name
        assert f"`{name}.parquet` in the download" in codebook
    # the file accounting, checked against the corpus: every name but the synthetic one, the
    # same bytes under two names as two rows of one report; the rejected file with its reason
    results, synthetic = corpus()
    files = pl.read_parquet(exported["default"] / "report_files.parquet")
    want = sorted({r.file for r in results} - set(synthetic) | {SAME_BYTES[0]})
    assert files["path"].to_list() == want
    by = {r["path"]: r for r in files.to_dicts()}
    assert by[SAME_BYTES[0]]["report_id"] == by[SAME_BYTES[1]]["report_id"] == _rid(SAME_BYTES[1])
    assert (by[SAME_BYTES[0]]["is_primary"], by[SAME_BYTES[1]]["is_primary"]) == (False, True)
    rej = pl.read_parquet(exported["default"] / "rejected_files.parquet")
    assert rej.select("path", "reason").rows() == [("broken.pdf", "not a GIP report")]
    full = pl.read_parquet(exported["synthetic"] / "report_files.parquet")
    assert set(full["path"]) - set(files["path"]) == set(synthetic)
    prov = json.loads((exported["default"] / "provenance.json").read_text(encoding="utf-8"))
    assert prov["run_time"] == "2025-01-01T00:00:00Z"
    # the region reference beside the codes: every code the marts show has its name
    regions = pl.read_parquet(exported["default"] / "regions.parquet")
    assert regions["region_id"].is_unique().all() and regions.height > 40_000
    rc = pl.read_parquet(exported["default"] / "report_comparison.parquet")
    named = rc.filter(pl.col("region_code").is_not_null())
    assert named.height and named["region_name"].null_count() == 0
    assert set(named["region_code"]) <= set(regions["code"])


def test_spreadsheet_outputs_open_right(exported):
    """marts.xlsx: a sheet per mart with the Parquet's rows (counts integers, nulls empty) and
    a codebook sheet; CSV: UTF-8 with a byte-order mark, counts without '.0'."""
    import openpyxl

    from gip_pipeline.metadata.outputs import MART_MODELS

    out = exported["default"]
    wb = openpyxl.load_workbook(out / "marts.xlsx", read_only=True)
    assert wb.sheetnames == ["about", *MART_MODELS, "codebook"]
    for mart in MART_MODELS:
        frame = pl.read_parquet(out / f"{mart}.parquet")
        rows = list(wb[mart].iter_rows(values_only=True))
        assert list(rows[0]) == frame.columns and len(rows) - 1 == frame.height, mart
    rc = pl.read_parquet(out / "report_comparison.parquet")
    sheet = list(wb["report_comparison"].iter_rows(values_only=True))
    col = sheet[0].index("total_handled")
    want = rc["total_handled"].to_list()
    assert [r[col] for r in sheet[1:]] == want and any(v is None for v in want)
    assert all(isinstance(v, int) for v in want if v is not None)
    book = list(wb["codebook"].iter_rows(values_only=True))
    assert ("report_comparison", "grant_rate") in {(r[0], r[1]) for r in book}
    raw = (exported["csv"] / "report_comparison.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = pl.read_csv(raw[3:], infer_schema=False)  # every field as the text written
    counts = [v for v in text["total_handled"].to_list() if v is not None]
    assert counts and all(v.isdigit() for v in counts)


def test_synthetic_rows_absent_by_default(exported):
    from gip_pipeline.exports import ALL_EXPORTS

    syn_id = _rid("synth_hf_psb_2021.txt")
    for name in ALL_EXPORTS:
        default = pl.read_parquet(exported["default"] / f"{name}.parquet")
        full = pl.read_parquet(exported["synthetic"] / f"{name}.parquet")
        if "report_id" in default.columns:
            assert syn_id not in default["report_id"].to_list(), name
        if "is_synthetic" in default.columns:
            assert not default["is_synthetic"].any(), name
        # none synthetic in these (the one rejected file is a published one's; the region
        # reference is no report's; this corpus has no legacy report and no corrections)
        if name not in ("trends", "cross_year_consistency", "findings", "rejected_files",
                        "regions", "legacy_statistics", "corrections"):
            assert full.height > default.height, name
    prov = json.loads((exported["default"] / "provenance.json").read_text(encoding="utf-8"))
    assert "synth_hf_psb_2021.txt" not in {f["path"] for f in prov["source_files"]}


def test_reexport_is_byte_identical(exported):
    a, b = exported["default"], exported["again"]
    for p in sorted(a.iterdir()):
        assert p.read_bytes() == (b / p.name).read_bytes(), p.name


def test_export_validates_against_its_datapackage(exported, tmp_path):
    out = exported["csv"]
    # what `frictionless validate datapackage.json` does, Parquet and CSV resources alike
    whole = frictionless.validate(str(out / "datapackage.json"))
    assert whole.valid, whole.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    pkg = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    report = frictionless.Package.validate_descriptor(copy.deepcopy(pkg))
    assert report.valid, report.flatten(["type", "note"])
    assert {r["path"] for r in pkg["resources"]} == {
        p.name for p in out.iterdir() if p.suffix in (".parquet", ".csv")}
    for r in pkg["resources"]:
        if r["format"] == "csv":  # CSV: bytes, hash, types, enums, primary key as they are
            rep = frictionless.Resource(copy.deepcopy(r), basepath=str(out)).validate()
        else:  # frictionless reads Parquet only through pandas: check its rows as CSV
            csv = tmp_path / f"{r['name']}.check.csv"
            pl.read_parquet(out / r["path"]).write_csv(csv)
            d = {k: v for k, v in copy.deepcopy(r).items() if k not in ("bytes", "hash", "rows")}
            d.update(path=csv.name, format="csv", mediatype="text/csv", encoding="utf-8")
            rep = frictionless.Resource(d, basepath=str(tmp_path)).validate()
            assert r["rows"] == pl.read_parquet(out / r["path"]).height
        assert rep.valid, (r["name"], rep.flatten(["rowNumber", "fieldName", "type", "note"])[:5])


def test_export_to_an_fsspec_url_equals_the_local_folder(built, exported, monkeypatch):
    import fsspec

    db, _, _, _ = built
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # as the `exported` fixture
    url = "memory://gip-export-test/download"
    fs = fsspec.filesystem("memory")
    try:
        assert export_main(["--out", url, "--warehouse", str(db)]) == 0
        local = exported["default"]
        remote = sorted(p.rsplit("/", 1)[-1] for p in fs.ls("/gip-export-test/download", detail=False))
        assert remote == sorted(p.name for p in local.iterdir())
        for p in local.iterdir():
            assert fs.cat_file(f"/gip-export-test/download/{p.name}") == p.read_bytes(), p.name
    finally:
        fs.rm("/gip-export-test", recursive=True)
