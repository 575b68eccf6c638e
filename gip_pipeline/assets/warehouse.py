"""tidy → warehouse: the single writer step that loads the tidy tables into DuckDB."""

import polars as pl
from dagster import AssetExecutionContext, AssetIn, AssetSpec, MaterializeResult, multi_asset

from gip_pipeline.assets.resources import DUCKDB_POOL, GipPaths
from gip_pipeline.tidy import TIDY_TABLES
from gip_pipeline.warehouse.dbt_gen import load_asset_key
from gip_pipeline.warehouse.load import RAW_SCHEMA, load_tables


@multi_asset(
    name="warehouse_load", group_name="warehouse", pool=DUCKDB_POOL,
    ins={f"core_{t}": AssetIn(f"core_{t}") for t in TIDY_TABLES},
    specs=[AssetSpec(load_asset_key(t), kinds={"duckdb"}, deps=[f"core_{t}"],
                     description=f"{RAW_SCHEMA}.{t} in the DuckDB warehouse (a dbt source).")
           for t in TIDY_TABLES],
)
def warehouse_load(context: AssetExecutionContext, paths: GipPaths, core_cells: pl.DataFrame,
                   core_reports: pl.DataFrame, core_findings: pl.DataFrame):
    """Replace the three tables in one transaction: readers see all old or all new."""
    db = paths.warehouse()
    rows = load_tables(db, {"cells": core_cells, "reports": core_reports,
                            "findings": core_findings})
    for t in TIDY_TABLES:
        yield MaterializeResult(asset_key=load_asset_key(t), metadata={
            "path": str(db), "table": f"{RAW_SCHEMA}.{t}", "dagster/row_count": rows[t]})
