"""Dagster resources: where the pipeline reads and writes, and how extraction is bounded."""

from __future__ import annotations

import os
import shutil
import time
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

    def organs_file(self) -> Path:
        return paths.organs_file(self.data_dir)

    def corrections_file(self) -> Path:
        return paths.corrections_file(self.data_dir)

    def collect_state(self) -> Path:
        return paths.collect_dir(self.data_dir)

    def collect_manifest(self) -> Path:
        from gip_pipeline.collect.manifest import MANIFEST

        return self.collect_state() / MANIFEST

    def sites_file(self) -> Path:
        return paths.sites_file(self.data_dir)

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


RUN_FILES_KEPT_S = 2 * 86400  # a run's hand-over files unknown to this instance, kept this long


class ParquetFrames(ConfigurableIOManager):
    """polars frames between steps as Parquet files, not pickles: a tenth of the size, read
    back by Arrow, or straight into DuckDB by a step whose input is annotated `Path` (it gets
    the file, not a frame).

    Each run writes its own files (<data>/tidy/assets/runs/<run id>/<asset>.parquet) and reads
    them back, so two runs at once over changing input never read each other's listing or
    tables (a load pairing one run's cells with another's reports); the latest materialisation
    is also linked at <data>/tidy/assets/<asset>.parquet for a run that selects only
    downstream assets. The files of finished runs are removed by later runs.
    """

    data_dir: str | None = None

    def _root(self) -> Path:
        return paths.tidy_dir(self.data_dir) / "assets"

    @staticmethod
    def _name(context: OutputContext | InputContext) -> str:
        return "__".join(context.asset_key.path) + ".parquet"

    def handle_output(self, context: OutputContext, obj) -> None:
        root, name = self._root(), self._name(context)
        own = write_parquet_atomic(obj, root / "runs" / context.run_id / name)
        atomic_write(root / name, lambda tmp: _link_or_copy(own, tmp))
        _sweep_runs(root / "runs", context)

    def load_input(self, context: InputContext):
        root, name = self._root(), self._name(context)
        path = root / "runs" / _run_id(context) / name
        if not path.exists():  # not materialised by this run: the latest materialisation
            path = root / name
        if getattr(context.dagster_type, "typing_type", None) is Path:
            return path
        return pl.read_parquet(path)


def _link_or_copy(src: Path, dest: str) -> None:
    os.unlink(dest)
    try:
        os.link(src, dest)
    except OSError:  # a file system without hard links
        shutil.copyfile(src, dest)


def _run_id(context: InputContext) -> str:
    try:
        return context.step_context.run_id
    except Exception:  # an input context built outside a run (tests)
        return "-"


def _sweep_runs(runs: Path, context: OutputContext) -> None:
    """Drop the hand-over files of other runs that have finished (or, unknown to this
    instance, are older than RUN_FILES_KEPT_S); a run in progress keeps its own."""

    try:
        instance = context.step_context.instance
    except Exception:
        instance = None
    for d in runs.iterdir():
        if d.name == context.run_id or not d.is_dir():
            continue
        run = instance.get_run_by_id(d.name) if instance is not None else None
        if run is not None:
            done = run.is_finished
        else:
            try:
                done = time.time() - d.stat().st_mtime > RUN_FILES_KEPT_S
            except FileNotFoundError:
                continue
        if done:
            shutil.rmtree(d, ignore_errors=True)
