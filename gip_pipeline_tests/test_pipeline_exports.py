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
    assert set(written) == set(EXPORTS) == {"cells", "reports", "findings", "narrative",
                                            "legacy_statistics", *MARTS}
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


def test_publish_folder_copies_to_an_fsspec_url_datapackage_last(tmp_path):
    import json

    import fsspec

    from gip_pipeline.exports.publish import publish_folder

    fs = fsspec.filesystem("memory")
    order: list[str] = []
    real_mv = fs.mv
    fs.mv = lambda a, b, **kw: (order.append(b.rsplit("/", 1)[-1]), real_mv(a, b, **kw))
    try:
        local = tmp_path / "exp"
        local.mkdir()
        pkg = {"resources": [{"path": "a.parquet"}, {"path": "a.csv"}]}
        for name, data in (("a.parquet", b"PAR1"), ("a.csv", b"x\n1\n"), ("z.md", b"# z"),
                           ("datapackage.json", json.dumps(pkg).encode())):
            (local / name).write_bytes(data)
        url = "memory://gip-publish-test/exports"
        publish_folder(local, url)
        assert order[-1] == "datapackage.json" and sorted(order) == sorted(
            ["a.parquet", "a.csv", "z.md", "datapackage.json"])
        assert fs.cat_file("/gip-publish-test/exports/a.csv") == b"x\n1\n"
        # A second package without the CSV: the stale CSV goes, nothing temporary stays.
        (local / "a.csv").unlink()
        (local / "datapackage.json").write_text(json.dumps({"resources": [{"path": "a.parquet"}]}))
        publish_folder(local, url)
        assert sorted(p.rsplit("/", 1)[-1] for p in fs.ls("/gip-publish-test/exports", detail=False)) \
            == ["a.parquet", "datapackage.json", "z.md"]
    finally:
        fs.rm("/gip-publish-test", recursive=True)


def test_publish_folder_refuses_an_unfinished_export(tmp_path):
    from gip_pipeline.exports.publish import publish_folder

    (tmp_path / "cells.parquet").write_bytes(b"PAR1")
    with pytest.raises(FileNotFoundError, match="datapackage.json"):
        publish_folder(tmp_path, "memory://gip-unfinished/exports")


def test_a_file_never_read_survives_the_synthetic_filter():
    from gip_pipeline.exports import read_export

    con = duckdb.connect()
    con.execute("create schema core")
    con.execute("create table core.reports as select * from (values ('r1', true), ('r2', false)) "
                "t(report_id, is_synthetic)")
    con.execute("create table core.rejected_files as select * from (values "
                "('synth.pdf', 'r1', 'not a GIP report'), ('real.pdf', 'r2', 'empty file'), "
                "('.hidden', null, 'hidden file')) t(path, report_id, reason)")
    kept = read_export(con, "rejected_files", include_synthetic=False)
    assert sorted(kept["path"].to_list()) == [".hidden", "real.pdf"]
    assert read_export(con, "rejected_files").height == 3


def test_csv_fields_a_spreadsheet_would_run_are_quoted_parquet_keeps_them(tmp_path):
    """The OWASP rule: =, +, -, @, tab or CR at the start of a text field gets a leading '."""
    import csv

    names = ['=HYPERLINK("http://x","y").txt', "+cmd.txt", "-2.txt", "@SUM(A1).txt", "\tx.txt",
             "plain.txt"]
    db = tmp_path / "gip.duckdb"
    load_tables(db, build_tidy([make_result(n, content=n) for n in names]).as_dict())
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    for m in MARTS:
        con.execute(f"create table marts.{m} as select report_id from core.reports")
    con.close()
    out = tmp_path / "out"
    export_warehouse(db, out, csv=True)
    with open(out / "reports.csv", newline="", encoding="utf-8") as f:
        got = sorted(r["source_file"] for r in csv.DictReader(f))
    assert got == sorted(("'" + n) if n[0] in "=+-@\t" else n for n in names)
    assert sorted(pl.read_parquet(out / "reports.parquet")["source_file"].to_list()) == sorted(names)
