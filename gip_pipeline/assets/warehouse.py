"""tidy → warehouse: the single writer step that loads the tidy tables into DuckDB, and the
snapshot step that publishes the finished warehouse for readers."""

from pathlib import Path

import duckdb
from dagster import (AssetExecutionContext, AssetIn, AssetSpec, MaterializeResult, asset,
                     multi_asset)

from gip_pipeline.assets.dbt import gip_dbt_models, load_asset_key
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.curation import CURATION_TABLES
from gip_pipeline.raw.accounting import ACCOUNTING_TABLES
from gip_pipeline.regions.reference import REFERENCE_TABLES, reference_tables
from gip_pipeline.tidy import TIDY_TABLES
from gip_pipeline.warehouse.load import RAW_SCHEMA, SUPERSEDED, load_tables, publish_snapshot

LOADED_TABLES = (*TIDY_TABLES, *ACCOUNTING_TABLES, *CURATION_TABLES, *REFERENCE_TABLES)
_DESCRIPTIONS = {"report_files": "every input file name and the report it holds",
                 "rejected_files": "every rejected input file with its one-sentence reason",
                 "organs": "the organ registry, one row per organ id with its series",
                 "corrections": "the corrections file's audit: extracted and corrected value, "
                                "status",
                 "regions": "the GB/T 2260 region reference (names, levels, parents, years), "
                            "shipped with the package (a dbt source)"}


@multi_asset(
    name="warehouse_load", group_name="warehouse",
    # Annotated Path: the Parquet files themselves; DuckDB reads them (read_parquet), no frame
    # passes through this process.
    ins={f"core_{t}": AssetIn(f"core_{t}") for t in LOADED_TABLES if t not in REFERENCE_TABLES},
    specs=[AssetSpec(load_asset_key(t), kinds={"duckdb"},
                     deps=[f"core_{t}"] if t not in REFERENCE_TABLES else [],
                     description=f"{RAW_SCHEMA}.{t} in the DuckDB warehouse"
                     + (" (a dbt source)." if t in TIDY_TABLES else f": {_DESCRIPTIONS[t]}."))
           for t in LOADED_TABLES],
)
def warehouse_load(context: AssetExecutionContext, paths: GipPaths, core_cells: Path,
                   core_reports: Path, core_findings: Path, core_narrative: Path,
                   core_legacy_statistics: Path,
                   core_report_files: Path, core_rejected_files: Path, core_organs: Path,
                   core_corrections: Path):
    """Replace the tables in one transaction, under the writer lock: all old or all new."""
    db = paths.warehouse()
    rows = load_tables(db, {"cells": core_cells, "reports": core_reports,
                            "findings": core_findings, "narrative": core_narrative,
                            "legacy_statistics": core_legacy_statistics,
                            "report_files": core_report_files,
                            "rejected_files": core_rejected_files, "organs": core_organs,
                            "corrections": core_corrections, **reference_tables()})
    for t in LOADED_TABLES:
        yield MaterializeResult(asset_key=load_asset_key(t), metadata={
            "path": str(db), "table": f"{RAW_SCHEMA}.{t}", "dagster/row_count": rows[t]})


@asset(group_name="warehouse", kinds={"duckdb"}, deps=[gip_dbt_models],
       description="The read-only snapshot researchers open (warehouse/gip.duckdb): the working "
       "warehouse copied after dbt built it, then renamed over the previous snapshot, so an open "
       "connection keeps its consistent old copy and never blocks the pipeline.")
def warehouse_snapshot(context: AssetExecutionContext, paths: GipPaths) -> MaterializeResult:
    path = publish_snapshot(paths.warehouse(), paths.published())
    if path is None:
        context.log.warning(SUPERSEDED)
        return MaterializeResult(metadata={"published": False, "why": SUPERSEDED})
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {f"{s}.{t}": n for s, t, n in con.sql(
            "select schema_name, table_name, estimated_size from duckdb_tables() "
            "order by all").fetchall()}
    finally:
        con.close()
    return MaterializeResult(metadata={"published": True, "path": str(path), "tables": tables,
                                       "bytes": path.stat().st_size})
