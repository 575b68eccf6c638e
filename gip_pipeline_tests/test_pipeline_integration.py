"""Materialise every asset (dbt included) on the seed and a broken copy of it, in a temp data dir."""

import hashlib
import shutil

import duckdb
import polars as pl
import pytest
from dagster import materialize

from gip_pipeline import schema
from gip_pipeline.assets import ALL_ASSETS, GipPaths, default_resources
from gip_pipeline.definitions import defs


def _break_balance(text: str) -> str:
    """The seed with new_received printed as 14 instead of 13: the balance no longer holds."""
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if "本年新收" in line and "|" in line)
    changed = lines[i].replace("| 13 |", "| 14 |")
    assert changed != lines[i] and changed.count("| 14 |") == 2
    lines[i] = changed
    return "\n".join(lines)


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, seed_path, seed_truth):
    data = tmp_path_factory.mktemp("data")
    raw = data / "raw"
    raw.mkdir()
    shutil.copyfile(seed_path, raw / seed_path.name)
    text = seed_path.read_text(encoding="utf-8")
    (raw / "broken_balance.txt").write_text(_break_balance(text), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("GIP_DUCKDB_PATH", str(data / "warehouse" / "gip.duckdb"))  # restored afterwards
    try:
        result = materialize(ALL_ASSETS, resources=default_resources(GipPaths(data_dir=str(data))),
                             raise_on_error=False)
    finally:
        mp.undo()
    return result, data, seed_path


def _ids(seed_path, data):
    seed_id = hashlib.sha256(seed_path.read_bytes()).hexdigest()[:16]
    broken_id = hashlib.sha256((data / "raw" / "broken_balance.txt").read_bytes()).hexdigest()[:16]
    return seed_id, broken_id


def _query(data, sql):
    con = duckdb.connect(str(data / "warehouse" / "gip.duckdb"), read_only=True)
    try:
        return pl.from_arrow(con.sql(sql).to_arrow_table())
    finally:
        con.close()


def test_every_asset_materialises(pipeline_run):
    result, _, _ = pipeline_run
    assert result.success
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    expected = set(defs.resolve_asset_graph().get_all_asset_keys())
    assert materialised == expected


def test_warehouse_holds_the_seed_values(pipeline_run, seed_truth):
    _, data, seed_path = pipeline_run
    seed_id, _ = _ids(seed_path, data)
    cells = _query(data, f"select * from core.cells where report_id = '{seed_id}'")
    got = {(r["table"], r["row"], r["col"]): r["value"] for r in cells.iter_rows(named=True)}
    want = {(t, r, c): v for t, rows in seed_truth["cells"].items()
            for r, cols in rows.items() for c, v in cols.items()}
    assert got == want
    rep = _query(data, f"select * from core.reports where report_id = '{seed_id}'").row(0, named=True)
    for k, v in seed_truth["report"].items():
        assert (str(rep[k]) if k == "published" else rep[k]) == v, k
    assert rep["status"] == "ok" and rep["source_file"] == seed_path.name


def test_mart_matches_measures_computed_from_the_truth(pipeline_run, seed_truth):
    _, data, seed_path = pipeline_run
    seed_id, _ = _ids(seed_path, data)
    row = _query(data, f"select * from marts.report_comparison where report_id = '{seed_id}'"
                 ).row(0, named=True)
    req = {r: cols["total"] for r, cols in seed_truth["cells"]["requests"].items()}
    handled = req["total_handled"]
    assert row["new_received"] == req["new_received"] and row["total_handled"] == handled
    assert row["denied"] == sum(req[r] for r in schema.DENIED_ROWS)
    assert row["grant_rate_denominator"] == handled
    assert row["grant_rate"] == pytest.approx((req["granted"] + req["partially_granted"]) / handled)
    assert row["unable_rate"] == pytest.approx(sum(req[r] for r in schema.UNABLE_ROWS) / handled)
    assert row["rankable"] is (handled >= schema.MIN_RANK_DENOMINATOR)


def test_parquet_exports_equal_the_warehouse(pipeline_run):
    _, data, _ = pipeline_run
    from gip_pipeline.exports import EXPORTS, ORDER_KEYS

    for name, rel in EXPORTS.items():
        exported = pl.read_parquet(data / "exports" / f"{name}.parquet")
        keys = ", ".join(f'"{k}"' for k in ORDER_KEYS[name])
        assert exported.equals(_query(data, f"select * from {rel} order by {keys}")), name
        assert exported.height > 0 or name in ("findings", "trends", "cross_year_consistency")
    for f in ("datapackage.json", "provenance.json", "CODEBOOK.md", "report.html"):
        assert (data / "exports" / f).is_file(), f


def test_broken_report_loads_with_warning_and_checks_flag_it(pipeline_run):
    result, data, seed_path = pipeline_run
    seed_id, broken_id = _ids(seed_path, data)
    rep = _query(data, f"select status from core.reports where report_id = '{broken_id}'")
    assert rep["status"].to_list() == ["warning"]
    f = _query(data, f"select * from core.findings where report_id = '{broken_id}'")
    assert "requests.balance" in f["check"].to_list()
    cell = _query(data, f"select value from core.cells where report_id = '{broken_id}' "
                  "and \"row\" = 'new_received' and col = 'total'")
    assert cell["value"].to_list() == [14.0]
    checks = {c.asset_check_key.name: c for c in result.get_asset_check_evaluations()}
    assert checks["requests__balance"].passed is False  # Dagster check on the tidy cells
    assert checks["requests__balance"].metadata["broken_reports"].value == [broken_id]
    assert checks["identity_requests__balance"].passed is False  # the dbt test (severity warn)
    assert checks["requests__row_total"].passed is True
    assert checks["cell_keys_known"].passed is True
    assert checks["unique_stg_cells_cell_id"].passed is True
