"""marts → exports: one Parquet file per tidy table and mart, read from the warehouse."""


import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from dagster_dbt import get_asset_key_for_model

from gip_pipeline.assets.dbt import gip_dbt_models
from gip_pipeline.assets.preview import markdown_table
from gip_pipeline.assets.resources import DUCKDB_POOL, GipPaths
from gip_pipeline.exports import EXPORTS, export_one

# The dbt model that vouches for each export (its tests ran): the export waits for it.
UPSTREAM = {"cells": "stg_cells", "reports": "stg_reports", "findings": "stg_findings",
            "report_comparison": "report_comparison"}


def _make_export(name: str):
    @asset(name=f"out_{name}", group_name="exports", pool=DUCKDB_POOL, kinds={"parquet"},
           deps=[get_asset_key_for_model([gip_dbt_models], UPSTREAM[name])],
           description=f"{EXPORTS[name]} as exports/{name}.parquet (temp file, then rename).")
    def _export(context: AssetExecutionContext, paths: GipPaths) -> MaterializeResult:
        con = duckdb.connect(str(paths.warehouse()), read_only=True)
        try:
            path, rows = export_one(con, name, paths.exports())
            import polars as pl
            preview = pl.read_parquet(path, n_rows=10)
        finally:
            con.close()
        return MaterializeResult(metadata={
            "path": str(path), "dagster/row_count": rows,
            "preview": MetadataValue.md(markdown_table(preview))})

    return _export


export_assets = [_make_export(n) for n in EXPORTS]
