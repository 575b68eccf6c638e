import duckdb
import polars as pl
import pytest

from gip_pipeline.exports import EXPORTS, MARTS, ORDER_KEYS, export_warehouse, write_parquet_atomic
from gip_pipeline.exports.cli import main as export_main
from gip_pipeline.tidy import build_tidy
from gip_pipeline.warehouse.load import load_tables
from gip_pipeline_tests.pipeline_fixtures import make_result


@pytest.fixture
def warehouse(tmp_path):
    db = tmp_path / "gip.duckdb"
    tables = build_tidy([make_result("a", content="a"), make_result("b", content="b")]).as_dict()
    load_tables(db, tables)
    con = duckdb.connect(str(db))  # stands in for the dbt mart
    con.execute("create schema marts")
    for m in MARTS:
        con.execute(f"create table marts.{m} as "
                    "select report_id, 0.5::double as grant_rate from core.reports")
    con.close()
    return db, tables


def test_export_writes_every_table_as_parquet(warehouse, tmp_path):
    db, tables = warehouse
    out = tmp_path / "out"
    written = export_warehouse(db, out)
    assert set(written) == set(EXPORTS) == {"cells", "reports", "findings", *MARTS}
    assert {"report_comparison", "region_year", "rankings", "trends", "cross_year_consistency",
            "data_quality"} == set(MARTS)
    for name, frame in tables.items():
        path, rows = written[name]
        assert path == out / f"{name}.parquet" and rows == frame.height
        keys = list(ORDER_KEYS[name])  # exports are written in key order
        assert pl.read_parquet(path).equals(frame.sort(keys))
    assert pl.read_parquet(out / "report_comparison.parquet")["grant_rate"].to_list() == [0.5, 0.5]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in EXPORTS)


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "x.parquet"
    write_parquet_atomic(pl.DataFrame({"a": [1]}), target)

    class Boom(pl.DataFrame):
        def write_parquet(self, *a, **k):
            raise OSError("disk full")

    with pytest.raises(OSError):
        write_parquet_atomic(Boom({"a": [2]}), target)
    assert pl.read_parquet(target)["a"].to_list() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]  # no temp file left


def test_gip_export_cli_without_warehouse(tmp_path):
    # the full CLI on real marts: test_marts.py
    assert export_main(["--out", str(tmp_path / "o"), "--warehouse",
                        str(tmp_path / "none.duckdb")]) == 2
