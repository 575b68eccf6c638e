"""raw → extraction → tidy: find the files, parse each, build the tidy tables."""

import os
from pathlib import Path

import polars as pl
from dagster import (AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext,
                     AssetOut, MetadataValue, OpExecutionContext,
                     Output, asset, graph_asset, multi_asset, op)

from gip_pipeline import schema
from gip_pipeline.assets.preview import counts, markdown_table
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.extraction.batch import EXTRACTOR_VERSION, Batch, extract_files
from gip_pipeline.extraction.result import ParseResult
from gip_pipeline.raw import EXTENSION_FORMATS, RawFile, discover, jobs_for
from gip_pipeline.raw.accounting import link_duplicates, rejected_files, report_files
from gip_pipeline.tidy import build_tidy
from gip_pipeline.tidy.identities import evaluate, identity_checks, summarise

# Extraction fans out over a fixed number of steps (every executor, dask included, can plan
# them up front); read at definition load, so every worker must see the same value.
EXTRACT_SHARDS = max(1, int(os.environ.get("GIP_EXTRACT_SHARDS", "4")))


def check_name(identity_check: str) -> str:
    """Dagster check names allow [A-Za-z0-9_]: requests.balance -> requests__balance."""
    return identity_check.replace(".", "__")


@asset(group_name="raw", description="The report files in the input folder (a path or fsspec URL): "
       "path, sha256, size, format guess, synthetic mark; sorted by path.")
def raw_report_files(context: AssetExecutionContext, paths: GipPaths) -> Output[list[RawFile]]:
    files = discover(paths.raw())
    by_format: dict[str, int] = {}
    for f in files:
        by_format[str(f.format)] = by_format.get(str(f.format), 0) + 1
    return Output(files, metadata={
        "input_dir": str(paths.raw()), "n_files": len(files), "formats": by_format,
        "n_distinct_contents": len({f.sha256 for f in files}),
        "n_synthetic": sum(f.synthetic for f in files),
    })


def not_a_report(raw: RawFile) -> ParseResult:
    """A file of no report format (a .json, .csv, .zip left in the folder): listed, never parsed."""
    ext = Path(raw.path).suffix or "(none)"
    return ParseResult(file=raw.path, sha256=raw.sha256, format=None, status="rejected",
                       reason=f"not a report file: extension {ext} is not one of "
                              f"{', '.join(sorted(EXTENSION_FORMATS))}")


def extract_raw_files(files: list[RawFile], paths: GipPaths) -> Batch:
    """Every file's ParseResult, in the order given: cached ones read back, the rest parsed
    in worker processes; a crash, hang or oversized file is a rejected result, never an error."""
    todo = [f for f in files if f.format is not None]
    done = extract_files(jobs_for(todo, paths.raw()), cache_dir=paths.cache(),
                         workers=paths.workers(), timeout=paths.file_timeout_s,
                         max_bytes=int(paths.max_file_mb * 2 ** 20))
    by_name = {r.file: r for r in done.results}
    done.results = [by_name[f.path] if f.format is not None else not_a_report(f) for f in files]
    done.rejected = [(r.file, r.reason or "") for r in done.results if r.status == "rejected"]
    return done


def shard_of(raw: RawFile, n: int | None = None) -> int:
    """By content: a file keeps its shard when others come and go."""
    return int(raw.sha256[:8], 16) % (n or EXTRACT_SHARDS)


def _shard_op(k: int):
    @op(name=f"extract_shard_{k}", description=f"Extract the files of shard {k} of "
        f"{EXTRACT_SHARDS} (by content hash): cached by content and extractor version, parsed "
        "in worker processes, each file bounded in time and memory.")
    def _extract(context: OpExecutionContext, paths: GipPaths,
                 raw_report_files: list[RawFile]) -> list[ParseResult]:
        mine = [f for f in raw_report_files if shard_of(f) == k]
        done = extract_raw_files(mine, paths)
        context.log.info(f"shard {k}: {len(mine)} files, {done.n_cached} from cache, "
                         f"{done.n_extracted} parsed ({done.n_timeouts} timed out, "
                         f"{done.n_crashes} crashed)")
        return done.results

    return _extract


SHARD_OPS = [_shard_op(k) for k in range(EXTRACT_SHARDS)]


def rejected_markdown(results: list[ParseResult]) -> str:
    rows = [f"| `{r.file}` | {r.format} | {r.reason} |" for r in results if r.status == "rejected"]
    return "\n".join(["| file | format | reason |", "|---|---|---|", *rows]) if rows else "_none_"


@op(description="All shards' results, sorted by file path (independent of finish order).")
def merge_extraction_shards(shards: list[list[ParseResult]]) -> Output[list[ParseResult]]:
    results = sorted((r for b in shards for r in b), key=lambda r: r.file)
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return Output(results, metadata={
        "n_reports": len(results), "status_counts": statuses,
        "n_cells": sum(len(r.cells) for r in results),
        "n_rejected": statuses.get("rejected", 0),
        "rejected": MetadataValue.md(rejected_markdown(results)),
        "extractor_version": EXTRACTOR_VERSION,
    })


@graph_asset(group_name="extraction", description="gip_pipeline.extraction.parse on every raw "
             "file, in shards by content hash (cached by content + extractor version; timeouts, crashes and "
             "oversized files become rejected results): cells, metadata, findings, status.")
def core_parsed_reports(raw_report_files):
    return merge_extraction_shards([extract(raw_report_files) for extract in SHARD_OPS])


def core_frames(raw_files: list[RawFile], results: list[ParseResult]) -> dict[str, pl.DataFrame]:
    """The five core tables from the listing and the parse results (no Dagster needed):
    the tidy tables with duplicate reports linked, every file name, every rejected file."""
    synthetic = [f.path for f in raw_files if f.synthetic]
    tidy = build_tidy(results, synthetic=synthetic)
    reports = link_duplicates(tidy.reports)
    files = report_files(raw_files, reports)
    return {"cells": tidy.cells, "reports": reports, "findings": tidy.findings,
            "report_files": files, "rejected_files": rejected_files(files, reports)}


_IDENTITY_CHECKS = identity_checks()


@multi_asset(
    group_name="tidy",
    outs={
        "core_cells": AssetOut(description="One row per extracted cell (long format)."),
        "core_reports": AssetOut(description="One row per distinct report file: metadata, "
                                 "status, counts."),
        "core_findings": AssetOut(description="One row per finding of the checks."),
        "core_report_files": AssetOut(description="One row per input file name: the report it "
                                      "holds (identical bytes under two names: one report)."),
        "core_rejected_files": AssetOut(description="One row per rejected input file, with the "
                                        "one-sentence reason."),
    },
    check_specs=[AssetCheckSpec(
        check_name(c), asset="core_cells",
        description=next(i.description for i in schema.IDENTITIES if i.check == c)
        + " (evaluated again on the tidy cells; a missing term is not assessable)")
        for c in _IDENTITY_CHECKS],
)
def core_tables(context: AssetExecutionContext, raw_report_files: list[RawFile],
                core_parsed_reports: list[ParseResult]):
    frames = core_frames(raw_report_files, core_parsed_reports)
    files, rejected = frames["report_files"], frames["rejected_files"]
    cells, reports, findings = frames["cells"], frames["reports"], frames["findings"]
    duplicates = files.filter(~pl.col("is_primary"))["path"].to_list()
    if duplicates:
        context.log.warning(f"identical files loaded once: {duplicates}")
    yield Output(cells, output_name="core_cells", metadata={
        "dagster/row_count": cells.height,
        "n_null_values": cells["value"].null_count(),
        "by_table": counts(cells, "table"),
        "preview": MetadataValue.md(markdown_table(cells)),
    })
    yield Output(reports, output_name="core_reports", metadata={
        "dagster/row_count": reports.height,
        "status_counts": counts(reports, "status"),
        "duplicate_files": duplicates,
        "n_duplicate_reports": int(reports["duplicate_of"].is_not_null().sum()),
        "preview": MetadataValue.md(markdown_table(reports.select(
            "report_id", "organ", "year", "era", "format", "status", "n_cells", "n_findings"))),
    })
    yield Output(findings, output_name="core_findings", metadata={
        "dagster/row_count": findings.height,
        "by_check": counts(findings, "check"),
        "preview": MetadataValue.md(markdown_table(findings, max_chars=80)),
    })
    yield Output(files, output_name="core_report_files", metadata={
        "dagster/row_count": files.height, "n_reports": files["report_id"].n_unique(),
        "preview": MetadataValue.md(markdown_table(files))})
    yield Output(rejected, output_name="core_rejected_files", metadata={
        "dagster/row_count": rejected.height,
        "rejected": MetadataValue.md(markdown_table(rejected.select("path", "format", "reason"),
                                                    limit=50, max_chars=120))})
    for c in _IDENTITY_CHECKS:
        result = evaluate(cells, reports, c)
        s = summarise(result, c)
        broken = result.filter(pl.col("status") == "broken")
        yield AssetCheckResult(
            asset_key="core_cells", check_name=check_name(c), passed=s.broken == 0,
            # A publisher's arithmetic error is data (the report loads with status warning).
            severity=AssetCheckSeverity.WARN,
            metadata={"assessed": s.assessed, "broken": s.broken,
                      "not_assessable": s.not_assessable, "broken_reports": s.broken_reports,
                      "broken_preview": MetadataValue.md(markdown_table(broken))})


def build_core_warehouse(paths: GipPaths, tables_hook=None) -> dict[str, int]:
    """The pipeline up to the core tables without Dagster (and without dbt): list, extract
    (cached), build the core tables, load them into the working warehouse, publish it.

    `tables_hook` may wrap the tables mapping before the load (tests interrupt the load there).
    """
    from gip_pipeline.warehouse.load import load_tables, publish_snapshot

    files = discover(paths.raw())
    frames = core_frames(files, extract_raw_files(files, paths).results)
    rows = load_tables(paths.warehouse(), tables_hook(frames) if tables_hook else frames)
    publish_snapshot(paths.warehouse(), paths.published())
    return rows
