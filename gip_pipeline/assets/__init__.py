"""Dagster assets, named by layer: raw_* → core_* → warehouse_load → dbt models →
warehouse_snapshot, out_*."""

from gip_pipeline.assets.collect import raw_collected_files
from gip_pipeline.assets.core import core_parsed_reports, core_tables, raw_report_files
from gip_pipeline.assets.dbt import dbt_resource, gip_dbt_models
from gip_pipeline.assets.exports import export_assets
from gip_pipeline.assets.resources import PARQUET_IO, GipPaths, ParquetFrames
from gip_pipeline.assets.warehouse import warehouse_load, warehouse_snapshot

ALL_ASSETS = [raw_collected_files, raw_report_files, core_parsed_reports, core_tables, warehouse_load, gip_dbt_models,
              warehouse_snapshot, *export_assets]


def default_resources(paths: GipPaths | None = None) -> dict:
    paths = paths or GipPaths()
    return {"paths": paths, "dbt": dbt_resource(),
            PARQUET_IO: ParquetFrames(data_dir=paths.data_dir)}


__all__ = ["ALL_ASSETS", "GipPaths", "default_resources", "raw_collected_files"]
