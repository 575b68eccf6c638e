"""Dagster resources: where the pipeline reads and writes, and how extraction is bounded."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
from dagster import ConfigurableIOManager, ConfigurableResource, InputContext, OutputContext

from gip_pipeline.atomic import atomic_write
from gip_pipeline.extraction import batch
from gip_pipeline.warehouse import paths

PARQUET_IO = "parquet_io_manager"  # the core tables between steps


class GipPaths(ConfigurableResource):
    """The data dir (default $GIP_DATA_DIR, else the repo's data/) and the input folder.

    raw_dir may be an fsspec URL (file://, memory://, s3://...): object storage replaces the
    local folder by configuration; so may exports_url, where the export step copies the
    finished download folder. Extraction limits default to the batch module's.
    """

    data_dir: str | None = None
    raw_dir: str | None = None  # default: <data_dir>/raw
    exports_url: str | None = None  # default: $GIP_EXPORTS_URL, else only <data_dir>/exports
    extract_workers: int | None = None  # default: $GIP_EXTRACT_WORKERS, else every core
    file_timeout_s: float = batch.FILE_TIMEOUT_S
    max_file_mb: float = batch.MAX_FILE_BYTES / 2 ** 20

    def data(self) -> Path:
        return paths.data_dir(self.data_dir)

    def raw(self) -> Path | str:
        if self.raw_dir and "://" in self.raw_dir:
            return self.raw_dir
        return Path(self.raw_dir).resolve() if self.raw_dir else paths.raw_dir(self.data_dir)

    def warehouse(self) -> Path:
        """The working copy every writer step (load, dbt) uses; see publish_snapshot."""
        return paths.working_warehouse_path(self.data_dir)

    def published(self) -> Path:
        """The read-only snapshot researchers open."""
        return paths.warehouse_path(self.data_dir)

    def tidy_shards(self) -> Path:
        return paths.tidy_dir(self.data_dir) / "shards"

    def exports(self) -> Path:
        return paths.exports_dir(self.data_dir)

    def exports_copy(self) -> str | None:
        """Where the download folder is also published (an fsspec URL or folder), if anywhere."""
        return self.exports_url or os.environ.get("GIP_EXPORTS_URL") or None

    def cache(self) -> Path:
        return paths.cache_dir(self.data_dir)

    def workers(self) -> int:
        if self.extract_workers is not None:
            return self.extract_workers
        env = os.environ.get("GIP_EXTRACT_WORKERS")
        return int(env) if env else (os.cpu_count() or 1)


def write_parquet_atomic(frame: pl.DataFrame | pl.LazyFrame, path: Path) -> Path:
    """zstd Parquet under a temporary name, then renamed: a reader sees old or new, never half.
    A LazyFrame is streamed to the file (not collected first)."""
    if isinstance(frame, pl.LazyFrame):
        return atomic_write(path, lambda tmp: frame.sink_parquet(tmp, compression="zstd"))
    return atomic_write(path, lambda tmp: frame.write_parquet(tmp, compression="zstd"))


class ParquetFrames(ConfigurableIOManager):
    """polars frames between steps as Parquet files (<data>/tidy/assets/<asset>.parquet), not
    pickles: a tenth of the size, read back by Arrow, or straight into DuckDB by a step whose
    input is annotated `Path` (it gets the file, not a frame)."""

    data_dir: str | None = None

    def _path(self, context: OutputContext | InputContext) -> Path:
        name = "__".join(context.asset_key.path)
        return paths.tidy_dir(self.data_dir) / "assets" / f"{name}.parquet"

    def handle_output(self, context: OutputContext, obj) -> None:
        write_parquet_atomic(obj, self._path(context))

    def load_input(self, context: InputContext):
        path = self._path(context)
        if getattr(context.dagster_type, "typing_type", None) is Path:
            return path
        return pl.read_parquet(path)
