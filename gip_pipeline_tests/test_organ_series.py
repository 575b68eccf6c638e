"""Series over years on real reports (issue 16): one organ across a renaming (three years), a
government across the legacy format (its 2016 statistics table), and a human correction that
is applied, audited, and survives `rm -rf data/cache` plus a re-run, through the warehouse and
the dbt marts.

The corpus is the real Pingtan reports of ../shared/real and copies of them moved to other
years or printed under the organ's former name (国有资产管理局, renamed 投资促进局)."""

from __future__ import annotations

import csv
import hashlib
import shutil

import duckdb
import polars as pl
import pytest

from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.tidy.build import build_core_warehouse
from gip_pipeline_tests.conftest import real_file
from gip_pipeline_tests.test_marts import run_dbt
from gip_pipeline_tests.test_robust_runs import _same, _tables

# Whole pipeline runs (worker processes, dbt): `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

FORMER = "国有资产管理局"


def _text(name: str) -> str:
    return real_file(name).read_text(encoding="utf-8")


def _moved(text: str, *pairs: tuple[str, str]) -> str:
    for a, b in pairs:
        text = text.replace(a, b)
    return text


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _corpus(raw) -> dict[str, str]:
    raw.mkdir(parents=True)
    gov16, gov20 = _text("fujian-pingtan-2016.page.txt"), _text("fujian-pingtan-2020.page.txt")
    tz24 = _text("unlabeled/fujian-pingtan-tzcjj-2024.page.txt")
    files = {
        "pingtan-2016.txt": gov16,
        # the 2016 report as the government's 2018 one (the last legacy year) ...
        "pingtan-2018.txt": _moved(gov16, ("2017-", "2019-"), ("2016年", "2018年")),
        # ... and its 2020 report as the 2019 one (the first national format)
        "pingtan-2019.txt": _moved(gov20, ("2020", "2019"), ("2021", "2020")),
        "pingtan-2020.txt": gov20,
        "pingtan-2022.txt": _text("fujian-pingtan-2022.page.txt"),
        "tzcjj-2024.txt": tz24,
        "gyz-2023.txt": _moved(tz24, ("投资促进局", FORMER), ("2024", "2023"), ("2025", "2024")),
        "gyz-2022.txt": _moved(tz24, ("投资促进局", FORMER), ("2024", "2022"), ("2025", "2023")),
    }
    for name, text in files.items():
        (raw / name).write_text(text, encoding="utf-8")
    return {name: _sha(text) for name, text in files.items()}


CORRECTION = {"table": "requests", "row": "total_handled", "col": "total", "value": "27",
              "reason": "the result rows add up to 27; 总计 prints 21", "who": "a researcher",
              "when": "2026-12-04"}


def _corrections(path, shas: dict[str, str]) -> None:
    rows = [
        {"report": shas["pingtan-2020.txt"], **CORRECTION},
        {**CORRECTION, "report": "f" * 64},  # a file that is not (or no longer) there
        # a 2021-format report has no 2019 （六） row
        {**CORRECTION, "report": shas["pingtan-2022.txt"][:16], "row": "other_handling"},
        {**CORRECTION, "report": shas["pingtan-2020.txt"], "row": "no_such_row"},
    ]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = tmp_path_factory.mktemp("series")
    shas = _corpus(data / "raw")
    _corrections(data / "corrections.csv", shas)
    paths = GipPaths(data_dir=str(data), extract_workers=2)
    build_core_warehouse(paths)
    first = _tables(paths.published())
    # the cache goes, and the run is made again: every report extracted anew
    shutil.rmtree(data / "cache")
    build_core_warehouse(paths)
    again = _tables(paths.published())
    db = data / "copy" / "gip.duckdb"
    db.parent.mkdir()
    shutil.copyfile(paths.published(), db)
    run_dbt(db, data / "target")
    return first, again, db, shas


def _q(db, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return pl.from_arrow(con.sql(sql).to_arrow_table())
    finally:
        con.close()


def test_the_correction_is_applied_audited_and_survives_a_rebuilt_cache(run):
    first, again, _, shas = run
    assert _same(first, again), _diff(first, again)
    rid = shas["pingtan-2020.txt"][:16]
    cell = again["cells"].filter((pl.col("report_id") == rid) & (pl.col("row") == "total_handled")
                                 & (pl.col("col") == "total")).row(0, named=True)
    assert (cell["value"], cell["value_int"], cell["value_extracted"], cell["corrected"]) == (
        27.0, 27, 21.0, True)
    assert cell["raw"] == "21"  # the printed text is kept
    assert again["cells"]["corrected"].sum() == 1
    audit = {r["line"]: r for r in again["corrections"].to_dicts()}
    assert [audit[k]["correction_status"] for k in sorted(audit)] == [
        "applied", "unmatched_report", "unmatched_cell", "invalid"]
    assert audit[2]["value_extracted"] == 21 and audit[2]["value_corrected"] == 27
    assert "the file changed or is gone" in audit[3]["correction_message"]
    assert "other_handling" in audit[4]["correction_message"]
    found = again["findings"].filter((pl.col("report_id") == rid)
                                     & (pl.col("check") == "correction.applied"))
    assert found.height == 1 and "from 21" in found["message"][0] and "to 27" in found["message"][0]


def test_a_renamed_organ_is_one_series_over_three_years(run):
    _, tables, db, shas = run
    organs = {r["organ_id"]: r for r in tables["organs"].to_dicts()}
    assert organs["350128:国有资产管理局"]["n_reports"] == 2
    assert organs["350128:国有资产管理局"]["organ_series_id"] == "350128:投资促进局"
    assert (organs["350128:投资促进局"]["first_year"], organs["350128:投资促进局"]["n_reports"]) == (
        2024, 1)
    t = _q(db, "select * from marts.trends where unit_type = 'organ' and unit_key = "
               "'350128:投资促进局' and quantity = 'new_received' order by year")
    rows = t.select("year", "prev_year", "organ_id", "prev_organ_id", "crosses_rename").rows()
    assert rows == [
        (2023, 2022, "350128:国有资产管理局", "350128:国有资产管理局", False),
        (2024, 2023, "350128:投资促进局", "350128:国有资产管理局", True)]
    assert t["value"].to_list() == t["prev_value"].to_list()  # the copies print the same numbers


def test_the_legacy_years_enter_the_trends_through_the_crosswalk(run):
    _, tables, db, shas = run
    legacy = tables["legacy_statistics"].filter(
        pl.col("report_id") == shas["pingtan-2016.txt"][:16])
    active = {r["period"]: r for r in legacy.filter(pl.col("indicator") == "active_total").to_dicts()}
    assert (active["year"]["value"], active["cumulative"]["value"]) == (3460, 85376)
    assert active["year"]["decoded_by"] == "prose" and active["year"]["raw"] == "346085376"
    assert legacy["value_status"].to_list() == ["ok"] * legacy.height == ["ok"] * 32
    t = _q(db, "select * from marts.trends where unit_type = 'organ' and unit_key = "
               "'350128:government' order by quantity, year")
    by = {(r["quantity"], r["year"]): r for r in t.to_dicts()}
    g = by[("new_received", 2019)]
    assert (g["prev_year"], g["prev_era"], g["era"], g["prev_value"], g["value"]) == (
        2018, "legacy", "2019", 0, 21)
    assert g["crosses_era"] is True and g["uses_crosswalk"] is True
    assert by[("new_received", 2020)]["crosses_era"] is False
    # a legacy table has nothing for the measures or the 2019+ groups it does not print
    assert ("grant_rate", 2019) not in by and ("unable", 2019) not in by
    q = _q(db, "select quantity, value, from_legacy from intermediate.int_report_quantities "
               f"where report_id = '{shas['pingtan-2018.txt'][:16]}' and value is not null")
    assert sorted(q["quantity"]) == sorted(["new_received", "granted", "partially_granted",
                                            "denied", "reconsideration__total",
                                            "litigation_total"])
    assert q["from_legacy"].all()


def test_the_marts_flag_what_rests_on_a_correction(run):
    _, _, db, shas = run
    rid = shas["pingtan-2020.txt"][:16]
    r = _q(db, f"select * from marts.report_comparison where report_id = '{rid}'").row(0, named=True)
    assert (r["corrected"], r["n_corrected_cells"], r["total_handled"]) == (True, 1, 27)
    assert r["organ_key"] == "350128:government" and r["organ_id"] == "350128:government"
    # 2020 against 2019 (the legacy 2018 prints no total handled: no 2019 row)
    t = _q(db, "select year, value, prev_value, corrected from marts.trends where unit_type = "
               "'organ' and unit_key = '350128:government' and quantity = 'total_handled'")
    assert t.rows() == [(2020, 27.0, 21.0, True)]
    t = _q(db, "select corrected from marts.trends where unit_type = 'organ' and unit_key = "
               "'350128:government' and year = 2019")
    assert t.height > 0 and not t["corrected"].any()


def _diff(a, b):
    return [k for k in a if not a[k].equals(b[k])]
