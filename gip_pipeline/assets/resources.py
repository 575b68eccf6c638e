"""Dagster resources: where the pipeline reads and writes."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from gip_pipeline.warehouse import paths

DUCKDB_POOL = "duckdb"  # every step that opens the warehouse file runs in this pool


class GipPaths(ConfigurableResource):
    """The data dir (default $GIP_DATA_DIR, else the repo's data/) and the input folder in it."""

    data_dir: str | None = None
    raw_dir: str | None = None  # default: <data_dir>/raw

    def data(self) -> Path:
        return paths.data_dir(self.data_dir)

    def raw(self) -> Path:
        return Path(self.raw_dir).resolve() if self.raw_dir else paths.raw_dir(self.data_dir)

    def warehouse(self) -> Path:
        return paths.warehouse_path(self.data_dir)

    def exports(self) -> Path:
        return paths.exports_dir(self.data_dir)
