"""raw → extraction → tidy: find the files, parse each, build the tidy tables."""


import traceback
from pathlib import Path

import polars as pl
from dagster import (AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext,
                     AssetOut, MetadataValue, Output, asset, multi_asset)

from gip_pipeline import schema
from gip_pipeline.assets.preview import counts, markdown_table
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.extraction.result import Finding, ParseResult
from gip_pipeline.raw import EXTENSION_FORMATS, RawFile, discover
from gip_pipeline.tidy import build_tidy
from gip_pipeline.tidy.identities import evaluate, identity_checks, summarise

EXTRACTOR_ERROR_CHECK = "pipeline.extractor_error"


def check_name(identity_check: str) -> str:
    """Dagster check names allow [A-Za-z0-9_]: requests.balance -> requests__balance."""
    return identity_check.replace(".", "__")


@asset(group_name="raw", description="The report files in the input folder (path, sha256, size, "
       "format guess, synthetic mark), sorted by path.")
def raw_report_files(context: AssetExecutionContext, paths: GipPaths) -> Output[list[RawFile]]:
    files = discover(paths.raw())
    by_format: dict[str, int] = {}
    for f in files:
        by_format[str(f.format)] = by_format.get(str(f.format), 0) + 1
    return Output(files, metadata={
        "input_dir": str(paths.raw()), "n_files": len(files), "formats": by_format,
        "n_synthetic": sum(f.synthetic for f in files),
    })


def parse_one(raw: RawFile, paths: GipPaths) -> ParseResult:
    """parse_file on one file; a crash becomes a visible rejected report, not a dead run."""
    from gip_pipeline.extraction.parse import parse_file  # the extraction layer's entry point

    if raw.format is None:
        # Not a report format (a .json, .csv, .zip left in the folder): listed, never parsed.
        ext = Path(raw.path).suffix or "(none)"
        return ParseResult(file=raw.path, sha256=raw.sha256, format=None, status="rejected",
                           reason=f"not a report file: extension {ext} is not one of "
                                  f"{', '.join(sorted(EXTENSION_FORMATS))}")
    try:
        result = parse_file(raw.absolute(paths.raw()))
    except Exception as e:  # noqa: BLE001 - any extractor failure is recorded per file
        reason = f"extractor error: {type(e).__name__}: {e}"
        return ParseResult(file=raw.path, sha256=raw.sha256, format=raw.format,
                           status="rejected", reason=reason,
                           findings=[Finding(EXTRACTOR_ERROR_CHECK, "error", None,
                                             reason + "\n" + traceback.format_exc(limit=3))])
    if result.sha256.lower() != raw.sha256:
        raise RuntimeError(f"{raw.path} changed while the pipeline ran (sha256 differs); rerun")
    result.file = raw.path  # relative to the input folder, the same on every machine
    return result


@asset(group_name="extraction", description="gip_pipeline.extraction.parse.parse_file on every "
       "raw file: cells, metadata, findings, status.")
def core_parsed_reports(context: AssetExecutionContext, paths: GipPaths,
                        raw_report_files: list[RawFile]) -> Output[list[ParseResult]]:
    results = [parse_one(f, paths) for f in raw_report_files]
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    rejected = [f"- `{r.file}`: {r.reason}" for r in results if r.status == "rejected"]
    return Output(results, metadata={
        "n_reports": len(results), "status_counts": statuses,
        "n_cells": sum(len(r.cells) for r in results),
        "rejected": MetadataValue.md("\n".join(rejected) or "_none_"),
    })


_IDENTITY_CHECKS = identity_checks()


@multi_asset(
    group_name="tidy",
    outs={
        "core_cells": AssetOut(description="One row per extracted cell (long format)."),
        "core_reports": AssetOut(description="One row per distinct report file: metadata, "
                                 "status, counts."),
        "core_findings": AssetOut(description="One row per finding of the checks."),
    },
    check_specs=[AssetCheckSpec(
        check_name(c), asset="core_cells",
        description=next(i.description for i in schema.IDENTITIES if i.check == c)
        + " (evaluated again on the tidy cells; a missing term is not assessable)")
        for c in _IDENTITY_CHECKS],
)
def core_tables(context: AssetExecutionContext, raw_report_files: list[RawFile],
                core_parsed_reports: list[ParseResult]):
    synthetic = [f.path for f in raw_report_files if f.synthetic]
    tidy = build_tidy(core_parsed_reports, synthetic=synthetic)
    if tidy.duplicates:
        context.log.warning(f"identical files loaded once: {tidy.duplicates}")
    yield Output(tidy.cells, output_name="core_cells", metadata={
        "dagster/row_count": tidy.cells.height,
        "n_null_values": tidy.cells["value"].null_count(),
        "by_table": counts(tidy.cells, "table"),
        "preview": MetadataValue.md(markdown_table(tidy.cells)),
    })
    yield Output(tidy.reports, output_name="core_reports", metadata={
        "dagster/row_count": tidy.reports.height,
        "status_counts": counts(tidy.reports, "status"),
        "duplicate_files": tidy.duplicates,
        "preview": MetadataValue.md(markdown_table(tidy.reports.select(
            "report_id", "organ", "year", "era", "format", "status", "n_cells", "n_findings"))),
    })
    yield Output(tidy.findings, output_name="core_findings", metadata={
        "dagster/row_count": tidy.findings.height,
        "by_check": counts(tidy.findings, "check"),
        "preview": MetadataValue.md(markdown_table(tidy.findings, max_chars=80)),
    })
    for c in _IDENTITY_CHECKS:
        result = evaluate(tidy.cells, tidy.reports, c)
        s = summarise(result, c)
        broken = result.filter(pl.col("status") == "broken")
        yield AssetCheckResult(
            asset_key="core_cells", check_name=check_name(c), passed=s.broken == 0,
            # A publisher's arithmetic error is data (the report loads with status warning).
            severity=AssetCheckSeverity.WARN,
            metadata={"assessed": s.assessed, "broken": s.broken,
                      "not_assessable": s.not_assessable, "broken_reports": s.broken_reports,
                      "broken_preview": MetadataValue.md(markdown_table(broken))})
