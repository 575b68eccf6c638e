"""Scale-out plumbing: executor selection and the warehouse comparison the demo relies on.

The demo itself (a dask scheduler + workers + two pipeline runs) takes minutes, so it is a
script (`python -m gip_pipeline.bench.scale_out demo`), not a test.
"""

from __future__ import annotations

import duckdb
import pytest

from gip_pipeline.assets.executors import executor_from_env
from gip_pipeline.bench import scale_out
from gip_pipeline.bench import pipeline as bp
from gip_pipeline.bench.runs import stage_totals

# Whole pipeline runs (Dagster, dbt, subprocesses): `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow


def test_executor_from_env():
    assert executor_from_env({}).name == "in_process"
    assert executor_from_env({"GIP_EXECUTOR": "multiprocess"}).name == "multiprocess"
    dask = executor_from_env({"GIP_EXECUTOR": "dask", "GIP_DASK_ADDRESS": "tcp://127.0.0.1:1"})
    assert dask.name == "dask"
    with pytest.raises(ValueError, match="GIP_EXECUTOR"):
        executor_from_env({"GIP_EXECUTOR": "celery"})


def _db(path, rows, extra_table=False):
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA core")
    con.execute("CREATE TABLE core.cells (report_id VARCHAR, value DOUBLE)")
    con.executemany("INSERT INTO core.cells VALUES (?, ?)", rows)
    if extra_table:
        con.execute("CREATE TABLE core.extra (x INT)")
    con.close()
    return path


def test_compare_warehouses(tmp_path):
    a = _db(tmp_path / "a.duckdb", [("r1", 1.0), ("r2", None)])
    # Same rows in another order: equal (row order is not content).
    b = _db(tmp_path / "b.duckdb", [("r2", None), ("r1", 1.0)])
    assert scale_out.compare_warehouses(a, b) == []
    c = _db(tmp_path / "c.duckdb", [("r1", 1.0), ("r2", 0.0)])  # null vs zero differs
    assert scale_out.compare_warehouses(a, c) == ["core.cells: same shape (2 rows) but different values"]
    d = _db(tmp_path / "d.duckdb", [("r1", 1.0)], extra_table=True)
    diffs = scale_out.compare_warehouses(a, d)
    assert "core.cells: 2 rows vs 1" in diffs
    assert "core.extra: only in the second warehouse" in diffs


def test_replicate_tables_new_ids_distinct_organs():
    import polars as pl

    reports = pl.DataFrame({"report_id": ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"], "organ": ["甲", "乙"],
                            "source_file": ["a.pdf", "b.html"], "sha256": ["a" * 64, "b" * 64],
                            "duplicate_of": [None, "aaaaaaaaaaaaaaaa"]})
    cells = pl.DataFrame({"report_id": ["aaaaaaaaaaaaaaaa"] * 3 + ["bbbbbbbbbbbbbbbb"],
                          "value": [1.0, None, 3.0, 4.0]})
    out = bp.replicate_tables({"reports": reports, "cells": cells}, 5)
    assert out["reports"].height == 5
    assert out["reports"]["report_id"].n_unique() == 5
    assert out["reports"]["organ"].n_unique() == 5
    assert out["reports"]["sha256"].n_unique() == 5
    assert out["reports"]["sha256"].str.slice(0, 16).to_list() == out["reports"]["report_id"].to_list()
    # a copy's duplicate link points at the same copy of the report it duplicates
    linked = out["reports"].filter(pl.col("duplicate_of").is_not_null())
    assert linked["duplicate_of"].is_in(out["reports"]["report_id"].implode()).all()
    assert (linked["duplicate_of"].str.slice(12) == linked["report_id"].str.slice(12)).all()
    # Each copy of a report brings all its cells, nulls kept null.
    assert out["cells"].height == 3 * 3 + 2 * 1
    assert out["cells"]["value"].null_count() == 3
    assert set(out["cells"]["report_id"]) == set(out["reports"]["report_id"])


def test_stage_totals():
    steps = {"raw_report_files": 1.0, "core_parsed_reports.extract_shard_0": 2.0,
             "core_parsed_reports.extract_shard_1": 3.0, "core_tables": 1.5, "warehouse_load": 0.5,
             "gip_dbt_models": 4.0, "out_cells": 0.25}
    assert stage_totals(steps) == {"discovery": 1.0, "extraction": 5.0, "tidy": 1.5, "load": 0.5,
                                      "dbt": 4.0, "exports": 0.25}


def test_the_dask_executor_can_reach_a_cluster():
    """The dask executor's client imports and talks to a scheduler: a distributed release that
    does not match the installed dask (pip's backtracking once chose 2021.4.1 beside dask
    2026) fails at `import distributed`, on the first GIP_EXECUTOR=dask run."""
    import dask
    import distributed

    assert distributed.__version__ == dask.__version__
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert client.submit(sum, [1, 2, 3]).result(timeout=60) == 6
