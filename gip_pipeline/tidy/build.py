"""raw → extraction → tidy as plain functions (no Dagster): list the files, extract them shard
by shard (cached), build the core tables with every file accounted for, load and publish.
The assets (assets/core.py) call these; tests and benchmarks call them directly."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from gip_pipeline.collect.provenance import with_provenance
from gip_pipeline.curation.corrections import add_findings, apply_corrections, read_corrections
from gip_pipeline.curation.organs import Registry, assign_organs
from gip_pipeline.extraction.batch import Batch, extract_files
from gip_pipeline.extraction.result import ParseResult
from gip_pipeline.raw import EXTENSION_FORMATS, RawFile, discover, jobs_for, readable
from gip_pipeline.raw.accounting import link_duplicates, rejected_files, report_files
from gip_pipeline.tidy import TIDY_TABLES, build_tidy
from gip_pipeline.tidy.shards import ShardBuild, build_shard, read_shards

if TYPE_CHECKING:  # a Dagster resource; any object with its methods will do
    from gip_pipeline.assets.resources import GipPaths

# Extraction fans out over a fixed number of steps (every executor, dask included, can plan
# them up front); read at definition load, so every worker must see the same value.
EXTRACT_SHARDS = max(1, int(os.environ.get("GIP_EXTRACT_SHARDS", "4")))


def not_a_report(raw: RawFile) -> ParseResult:
    """A file of no report format (a .json, .csv, .zip left in the folder): listed, never parsed."""
    ext = Path(raw.path).suffix or "(none)"
    return ParseResult(file=raw.path, sha256=raw.sha256, format=None, status="rejected",
                       reason=f"not a report file: extension {ext} is not one of "
                              f"{', '.join(sorted(EXTENSION_FORMATS))}")


def extract_raw_files(files: list[RawFile], paths: GipPaths, progress=None) -> Batch:
    """Every readable file's ParseResult, in the order given: cached ones read back, the rest
    parsed in worker processes; a crash, hang or oversized file is a rejected result, never an
    error. Files not to be read (RawFile.skip_reason) get none: accounting lists them.
    progress(done, total) as extraction.batch.extract_files calls it."""
    files = readable(files)
    todo = [f for f in files if f.format is not None]
    done = extract_files(jobs_for(todo, paths.raw()), cache_dir=paths.cache(),
                         workers=paths.workers(), timeout=paths.file_timeout_s,
                         max_bytes=int(paths.max_file_mb * 2 ** 20), progress=progress)
    by_name = {r.file: r for r in done.results}
    done.results = [by_name[f.path] if f.format is not None else not_a_report(f) for f in files]
    done.rejected = [(r.file, r.reason or "") for r in done.results if r.status == "rejected"]
    return done


def shard_of(raw: RawFile, n: int | None = None) -> int:
    """By content: a file keeps its shard when others come and go."""
    return int(raw.sha256[:8], 16) % (n or EXTRACT_SHARDS)


def shard_files(files: list[RawFile], k: int, n: int | None = None) -> list[RawFile]:
    """The readable files of shard k (the unread ones are accounted for, never extracted)."""
    return [f for f in readable(files) if shard_of(f, n) == k]


def build_shard_tables(files: list[RawFile], paths: GipPaths, name: str,
                       progress=None) -> ShardBuild:
    """Extract and tidy one shard's files into Parquet (tidy.shards): only reports the previous
    generation does not hold are extracted (cached by content + extractor version) and tidied.
    progress(done, total) counts the files extracted (reused reports are not extracted)."""
    def results_for(todo: list[RawFile]):
        done = extract_raw_files(todo, paths, progress)
        return done.results, {"n_cached": done.n_cached, "n_parsed": done.n_extracted,
                              "n_timeouts": done.n_timeouts, "n_crashes": done.n_crashes,
                              "n_workers_started": done.n_workers_started}

    return build_shard(files, paths.tidy_shards(), name, results_for)


@dataclass(frozen=True)
class Curation:
    """What people add to the extracted data, read every run (never cached): the user's organ
    registry entries and the corrections file (gip_pipeline.curation)."""
    organs_file: Path | None = None
    corrections_file: Path | None = None
    collect_manifest: Path | None = None  # provenance of collected files (gip collect)

    @classmethod
    def of(cls, paths: GipPaths) -> "Curation":
        return cls(paths.organs_file(), paths.corrections_file(), paths.collect_manifest())


def core_frames(raw_files: list[RawFile], results: list[ParseResult],
                curation: Curation = Curation()) -> dict[str, pl.DataFrame]:
    """The core tables from the listing and the parse results (no Dagster needed): the tidy
    tables with duplicate reports linked, organ ids and corrections applied, every file name,
    every rejected file, the organ registry and the corrections' audit."""
    synthetic = [f.path for f in raw_files if f.synthetic]
    tidy = build_tidy(results, synthetic=synthetic)
    return _accounted(raw_files, tidy.as_dict(), curation)


def _accounted(raw_files, tidy: dict, curation: Curation = Curation()) -> dict:
    """The tidy tables (TIDY_TABLES) over the whole corpus: duplicates linked, organ ids and
    corrections applied; with the file accounting, the registry and the corrections' audit."""
    cells, findings = tidy["cells"], tidy["findings"]
    reports = with_provenance(link_duplicates(tidy["reports"]), curation.collect_manifest)
    reports, organs = assign_organs(reports, Registry.load(curation.organs_file))
    cells, audit, applied = apply_corrections(
        cells, reports, read_corrections(curation.corrections_file) if curation.corrections_file
        else [])
    files = report_files(raw_files, reports)
    return {**tidy, "cells": cells, "reports": reports,
            "findings": add_findings(findings, applied), "report_files": files,
            "rejected_files": rejected_files(files, reports, raw_files),
            "organs": organs, "corrections": audit}


def core_frames_from_shards(raw_files: list[RawFile], dirs: list[str],
                            lazy_cells: bool = False, curation: Curation = Curation()) -> dict:
    """core_frames from the shards' Parquet (equal to core_frames over every result): the
    cells stay a LazyFrame if asked (streamed to Parquet, never all in memory)."""
    return _accounted(raw_files, {t: read_shards(dirs, t, lazy=lazy_cells and t == "cells")
                                  for t in TIDY_TABLES}, curation)


def build_shards(files: list[RawFile], paths: GipPaths, n: int | None = None) -> list[str]:
    """Every shard's Parquet directory, shard by shard (one shard's results in memory at once)."""
    n = n or EXTRACT_SHARDS
    return [str(build_shard_tables(shard_files(files, k, n), paths, f"shard{k}").dir)
            for k in range(n)]


def build_core_warehouse(paths: GipPaths, tables_hook=None) -> dict[str, int]:
    """The pipeline up to the core tables without Dagster (and without dbt): list, extract
    and tidy shard by shard (cached), build the core tables, load them into the working
    warehouse, publish it.

    `tables_hook` may wrap the tables mapping before the load (tests interrupt the load there).
    """
    from gip_pipeline.regions.reference import reference_tables
    from gip_pipeline.warehouse.load import load_tables, publish_snapshot

    files = discover(paths.raw())
    frames = {**core_frames_from_shards(files, build_shards(files, paths),
                                        curation=Curation.of(paths)), **reference_tables()}
    rows = load_tables(paths.warehouse(), tables_hook(frames) if tables_hook else frames)
    # no dbt here: the core tables are published with whatever marts the copy holds
    publish_snapshot(paths.warehouse(), paths.published(), with_marts=False)
    return rows
