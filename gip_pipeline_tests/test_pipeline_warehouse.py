import duckdb
import polars as pl
import pytest

from gip_pipeline.tidy import build_tidy
from gip_pipeline.warehouse.load import load_tables, read_table
from gip_pipeline_tests.pipeline_fixtures import make_result, requests_cells


def _tables(*results):
    return build_tidy(list(results)).as_dict()


def test_load_round_trips_values_nulls_and_types(tmp_path):
    db = tmp_path / "w" / "gip.duckdb"
    cells = requests_cells(10, 2, 7, 3, 2)
    cells[0].value, cells[0].raw = None, "/"
    tables = _tables(make_result(cells=cells))
    counts = load_tables(db, tables)
    assert counts == {"cells": len(cells), "reports": 1, "findings": 0, "narrative": 0,
                      "legacy_statistics": 0}
    for name, frame in tables.items():
        back = read_table(db, f"core.{name}")
        assert back.schema == frame.schema, name
        assert back.equals(frame), name
    con = duckdb.connect(str(db), read_only=True)
    types = dict(con.sql("select column_name, data_type from information_schema.columns "
                         "where table_schema='core' and table_name='cells'").fetchall())
    con.close()
    assert types["value"] == "DOUBLE" and types["value_int"] == "BIGINT"
    assert read_table(db, "core.cells")["value"].null_count() == 1


def test_load_replaces_and_is_idempotent(tmp_path):
    db = tmp_path / "gip.duckdb"
    two = _tables(make_result("a", content="a"), make_result("b", content="b"))
    one = _tables(make_result("c", content="c"))
    load_tables(db, two)
    load_tables(db, one)
    assert read_table(db, "core.reports")["source_file"].to_list() == ["c"]  # replaced, not appended
    load_tables(db, one)
    for name, frame in one.items():
        assert read_table(db, f"core.{name}").equals(frame)


def test_a_failed_load_changes_nothing(tmp_path):
    db = tmp_path / "gip.duckdb"
    first = _tables(make_result("a", content="a"))
    load_tables(db, first)
    second = _tables(make_result("b", content="b"))
    broken = {"cells": second["cells"], "reports": "not a frame", "findings": second["findings"]}
    with pytest.raises(AttributeError):
        load_tables(db, broken)
    # the cells table was replaced inside the transaction, and rolled back with it
    assert read_table(db, "core.cells").equals(first["cells"])
    assert read_table(db, "core.reports").equals(first["reports"])


def test_reader_does_not_block_a_later_writer(tmp_path):
    db = tmp_path / "gip.duckdb"
    load_tables(db, _tables(make_result()))
    frame = read_table(db, "core.cells")
    assert isinstance(frame, pl.DataFrame)
    load_tables(db, _tables(make_result()))  # read_table closed its connection


def test_parquet_files_load_like_frames(tmp_path):
    """A table given as a Parquet path is read by DuckDB itself: same table as from the frame."""
    from gip_pipeline_tests.pipeline_fixtures import finding

    from gip_pipeline.extraction.result import LegacyValue, NarrativeText

    with_text = make_result("a", content="a", findings=[finding()])
    with_text.narrative = [NarrativeText("overview", "一、总体情况", "全年主动公开", "一、总体情况\n全年主动公开")]
    with_text.legacy = [LegacyValue(0, "行政复议数", "reconsideration", "件", "year", 2.0, "25",
                                    "unique_split")]
    tables = _tables(with_text, make_result("b", content="b"))
    paths = {}
    for name, frame in tables.items():
        paths[name] = tmp_path / f"{name}'s.parquet"  # a quote in the name is data
        frame.write_parquet(paths[name], compression="zstd")
    load_tables(tmp_path / "a.duckdb", tables)
    rows = load_tables(tmp_path / "b.duckdb", paths)
    for name, frame in tables.items():
        assert rows[name] == frame.height > 0
        got = read_table(tmp_path / "b.duckdb", f"core.{name}")
        assert got.equals(read_table(tmp_path / "a.duckdb", f"core.{name}")), name
        assert got.schema == frame.schema, name


def test_dbt_profile_caps_duckdb_memory_only_on_a_small_warehouse(tmp_path, monkeypatch):
    import yaml

    from gip_pipeline.warehouse import paths

    monkeypatch.delenv("GIP_DBT_MEMORY_LIMIT", raising=False)

    def settings(db):
        text = (paths.dbt_profiles_dir(db) / "profiles.yml").read_text(encoding="utf-8")
        out = yaml.safe_load(text)["gip"]["outputs"]["dev"]
        assert out["path"] == str(db.resolve()) and out["threads"] == paths.DBT_THREADS
        return out.get("settings")

    small = tmp_path / "small" / "gip.duckdb"
    small.parent.mkdir()
    small.write_bytes(b"x" * 1000)
    assert settings(small) == {"memory_limit": paths.SMALL_WAREHOUSE_MEMORY_LIMIT}
    large = tmp_path / "large" / "gip.duckdb"
    large.parent.mkdir()
    with open(large, "wb") as f:
        f.truncate(paths.SMALL_WAREHOUSE_BYTES)  # sparse: the size, not the disk
    assert settings(large) is None
    monkeypatch.setenv("GIP_DBT_MEMORY_LIMIT", "8GB")
    assert settings(large) == {"memory_limit": "8GB"}
    monkeypatch.setenv("GIP_DBT_MEMORY_LIMIT", "")
    assert settings(small) is None
