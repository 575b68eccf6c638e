"""raw → extraction → tidy as Dagster assets: thin wrappers of gip_pipeline.tidy.build that
attach metadata and the identity checks."""

import time

import polars as pl
from dagster import (AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetExecutionContext,
                     AssetOut, MetadataValue, OpExecutionContext, Out,
                     Output, asset, graph_asset, multi_asset, op)

from gip_pipeline.metadata import schema
from gip_pipeline.assets.collect import raw_collected_files
from gip_pipeline.assets.preview import counts, markdown_table
from gip_pipeline.assets.resources import PARQUET_IO, GipPaths
from gip_pipeline.extraction.batch import EXTRACTOR_VERSION
from gip_pipeline.raw import RawFile, discover
from gip_pipeline.tidy.build import (EXTRACT_SHARDS, Curation, build_shard_tables,
                                     core_frames_from_shards, shard_files)
from gip_pipeline.tidy.identities import identity_checks, summarise
from gip_pipeline.tidy.shards import ReportOrdered, read_shards


def check_name(identity_check: str) -> str:
    """Dagster check names allow [A-Za-z0-9_]: requests.balance -> requests__balance."""
    return identity_check.replace(".", "__")


# The listing and the shard directories pass between steps as Parquet (PARQUET_IO: temp file,
# then rename), not as the default IO manager's pickles: those are rewritten in place at one
# path per asset, so a second run started at the same time could read a torn pickle.
RAW_FILES_SCHEMA = pl.Schema({"path": pl.Utf8, "sha256": pl.Utf8, "size": pl.Int64,
                              "format": pl.Utf8, "synthetic": pl.Boolean,
                              "skip_reason": pl.Utf8, "name_hex": pl.Utf8})


def raw_files_frame(files: list[RawFile]) -> pl.DataFrame:
    return pl.DataFrame([{k: getattr(f, k) for k in RAW_FILES_SCHEMA} for f in files],
                        schema=RAW_FILES_SCHEMA)


def raw_files_from(frame: pl.DataFrame | list[RawFile]) -> list[RawFile]:
    """The listing back from its Parquet hand-over (a list passes through)."""
    if isinstance(frame, list):
        return frame
    return [RawFile(**row) for row in frame.iter_rows(named=True)]


def shard_dirs_from(value: pl.DataFrame | list[str]) -> list[str]:
    return value if isinstance(value, list) else value["dir"].to_list()


@asset(group_name="raw", io_manager_key=PARQUET_IO, deps=[raw_collected_files],
       description="The files in the input "
       "folder (a path or fsspec URL): path, sha256, size, format guess, synthetic mark, and "
       "why a file is not read (hidden, a link out of the folder); sorted by path.")
def raw_report_files(context: AssetExecutionContext, paths: GipPaths) -> Output[pl.DataFrame]:
    files = discover(paths.raw())
    by_format: dict[str, int] = {}
    for f in files:
        by_format[str(f.format)] = by_format.get(str(f.format), 0) + 1
    return Output(raw_files_frame(files), metadata={
        "input_dir": str(paths.raw()), "n_files": len(files), "formats": by_format,
        "n_distinct_contents": len({f.sha256 for f in files}),
        "n_synthetic": sum(f.synthetic for f in files),
        # hidden files, links out of the folder: listed as rejected with the reason, not read
        "n_not_read": sum(not f.readable for f in files),
        "not_read": MetadataValue.md(markdown_table(pl.DataFrame(
            [(f.path, f.skip_reason) for f in files if not f.readable],
            schema=["path", "reason"], orient="row"), limit=50, max_chars=120)),
    })


def _shard_op(k: int):
    @op(name=f"extract_shard_{k}", description=f"Extract and tidy the files of shard {k} of "
        f"{EXTRACT_SHARDS} (by content hash) into Parquet: reports unchanged since the last run "
        "are reused, the rest extracted (cached by content and extractor version, parsed in "
        "worker processes, each file bounded in time and memory) and tidied.")
    def _extract(context: OpExecutionContext, paths: GipPaths,
                 raw_report_files: pl.DataFrame) -> dict:
        files = shard_files(raw_files_from(raw_report_files), k)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            # what `gip run` draws its bar from; at most one line a second
            now = time.monotonic()
            if done == total or now - last[0] >= 1.0:
                last[0] = now
                context.log.info(f"progress: shard {k}: {done}/{total}")

        b = build_shard_tables(files, paths, f"shard{k}", progress)
        context.log.info(f"shard {k}: {b.n_files} files, {b.n_reports} reports, "
                         f"{'unchanged' if b.unchanged else f'{b.n_reused} reused'}, "
                         f"{b.n_tidied} extracted and tidied {b.extraction}")
        return {"dir": str(b.dir), "n_files": b.n_files, "n_reports": b.n_reports,
                "n_reused": b.n_reused, "n_tidied": b.n_tidied, **b.extraction}

    return _extract


SHARD_OPS = [_shard_op(k) for k in range(EXTRACT_SHARDS)]


def _md_cell(v) -> str:
    """A file name is data: a | or a newline in it must not break the table."""
    return str(v).replace("|", "\\|").replace("\n", "\\n")


def rejected_markdown(rejected: pl.DataFrame) -> str:
    rows = [f"| `{_md_cell(f)}` | {fmt} | {_md_cell(why)} |" for f, fmt, why in
            rejected.select("source_file", "format", "reason").iter_rows()]
    return "\n".join(["| file | format | reason |", "|---|---|---|", *rows]) if rows else "_none_"


@op(description="The shards' Parquet directories, in shard order (the tables are sorted by "
    "report_id when read, so finish order does not matter); the metadata lists every rejected "
    "file with its reason, the files never read (hidden, links out of the folder) included.",
    out=Out(io_manager_key=PARQUET_IO))
def merge_extraction_shards(raw_report_files: pl.DataFrame, shards: list[dict]
                            ) -> Output[pl.DataFrame]:
    dirs = [s["dir"] for s in shards]
    reports = read_shards(dirs, "reports").select("source_file", "format", "status", "reason",
                                                  "n_cells")
    statuses = counts(reports, "status")
    not_read = pl.DataFrame([(f.path, f.format, f.skip_reason)
                             for f in raw_files_from(raw_report_files) if not f.readable],
                            orient="row",
                            schema={"source_file": pl.Utf8, "format": pl.Utf8, "reason": pl.Utf8})
    rejected = pl.concat([reports.filter(pl.col("status") == "rejected")
                          .select("source_file", "format", "reason"), not_read]).sort("source_file")
    return Output(pl.DataFrame({"dir": dirs}, schema={"dir": pl.Utf8}), metadata={
        "n_reports": reports.height, "status_counts": statuses,
        "n_cells": int(reports["n_cells"].sum() or 0),
        "n_rejected": rejected.height,
        "n_not_read": not_read.height,
        "n_reused": sum(s["n_reused"] for s in shards),
        "n_tidied": sum(s["n_tidied"] for s in shards),
        "n_parsed": sum(s.get("n_parsed", 0) for s in shards),
        "rejected": MetadataValue.md(rejected_markdown(rejected)),
        "extractor_version": EXTRACTOR_VERSION,
    })


@graph_asset(group_name="extraction", description="gip_pipeline.extraction.parse on every raw "
             "file, then the tidy rows, in shards by content hash (cached by content + extractor "
             "version; timeouts, crashes and oversized files become rejected results): the "
             "shards' Parquet directories (cells, reports, findings, identity evaluations).")
def core_parsed_reports(raw_report_files):
    return merge_extraction_shards(raw_report_files,
                                   [extract(raw_report_files) for extract in SHARD_OPS])


_IDENTITY_CHECKS = identity_checks()
CORRECTIONS_CHECK = "corrections_applied"


@multi_asset(
    group_name="tidy",
    outs={
        "core_cells": AssetOut(io_manager_key=PARQUET_IO, description="One row per extracted "
                               "cell (long format)."),
        "core_reports": AssetOut(io_manager_key=PARQUET_IO, description="One row per distinct "
                                 "report file: metadata, status, counts."),
        "core_findings": AssetOut(io_manager_key=PARQUET_IO, description="One row per finding "
                                  "of the checks."),
        "core_narrative": AssetOut(io_manager_key=PARQUET_IO, description="One row per prose "
                                   "section of a report (一 overall situation, 五 problems and "
                                   "improvements, 六 other matters): its text."),
        "core_legacy_statistics": AssetOut(io_manager_key=PARQUET_IO, description="One row "
                                           "per value of a pre-2019 report's local statistics "
                                           "table (year and cumulative), with the crosswalk "
                                           "indicator."),
        "core_report_files": AssetOut(io_manager_key=PARQUET_IO, description="One row per input "
                                      "file name: the report it holds (identical bytes under two "
                                      "names: one report)."),
        "core_rejected_files": AssetOut(io_manager_key=PARQUET_IO, description="One row per "
                                        "rejected input file, with the one-sentence reason."),
        "core_organs": AssetOut(io_manager_key=PARQUET_IO, description="The organ registry: "
                                "one row per organ id (shipped and <data>/organs.csv entries, "
                                "and every organ a report names), with its series."),
        "core_corrections": AssetOut(io_manager_key=PARQUET_IO, description="The audit of "
                                     "<data>/corrections.csv: every correction with the "
                                     "extracted value beside the corrected one and its status."),
    },
    check_specs=[AssetCheckSpec(
        CORRECTIONS_CHECK, asset="core_corrections",
        description="Every correction in <data>/corrections.csv matched a cell and was applied "
                    "(an unmatched one: the file changed or the keys are wrong).")] + [AssetCheckSpec(
        check_name(c), asset="core_cells",
        description=next(i.description for i in schema.IDENTITIES if i.check == c)
        + " (evaluated again on the tidy cells; a missing term is not assessable)")
        for c in _IDENTITY_CHECKS],
)
def core_tables(context: AssetExecutionContext, paths: GipPaths, raw_report_files: pl.DataFrame,
                core_parsed_reports: pl.DataFrame):
    core_parsed_reports = shard_dirs_from(core_parsed_reports)
    frames = core_frames_from_shards(raw_files_from(raw_report_files), core_parsed_reports,
                                     lazy_cells=True, curation=Curation.of(paths))
    files, rejected = frames["report_files"], frames["rejected_files"]
    cells, reports, findings = frames["cells"], frames["reports"], frames["findings"]
    narrative = frames["narrative"]
    duplicates = files.filter(~pl.col("is_primary"))["path"].to_list()
    if duplicates:
        context.log.warning(f"identical files loaded once: {duplicates}")
    n_cells, n_null = cells.select(pl.len(), pl.col("value").null_count()).collect().row(0)
    # written one report_id range at a time: the whole table sorted at once was the run's peak
    yield Output(ReportOrdered.over(cells, reports["report_id"], n_cells),
                 output_name="core_cells", metadata={
        "dagster/row_count": n_cells,
        "n_null_values": n_null,
        "by_table": {str(t): int(n) for t, n in
                     cells.group_by("table").len().sort("table").collect().iter_rows()},
        "preview": MetadataValue.md(markdown_table(cells.head(10).collect())),
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
    yield Output(narrative, output_name="core_narrative", metadata={
        "dagster/row_count": narrative.height,
        "by_section": counts(narrative, "section"),
        "n_reports": narrative["report_id"].n_unique(),
        "preview": MetadataValue.md(markdown_table(
            narrative.select("report_id", "section", "heading", "text"), max_chars=80))})
    legacy = frames["legacy_statistics"]
    yield Output(legacy, output_name="core_legacy_statistics", metadata={
        "dagster/row_count": legacy.height, "n_reports": legacy["report_id"].n_unique(),
        "by_status": counts(legacy, "value_status"),
        "preview": MetadataValue.md(markdown_table(legacy.select(
            "report_id", "label", "period", "value", "raw", "decoded_by"), max_chars=60))})
    yield Output(files, output_name="core_report_files", metadata={
        "dagster/row_count": files.height, "n_reports": files["report_id"].n_unique(),
        "preview": MetadataValue.md(markdown_table(files))})
    yield Output(rejected, output_name="core_rejected_files", metadata={
        "dagster/row_count": rejected.height,
        "rejected": MetadataValue.md(markdown_table(rejected.select("path", "format", "reason"),
                                                    limit=50, max_chars=120))})
    organs, audit = frames["organs"], frames["corrections"]
    yield Output(organs, output_name="core_organs", metadata={
        "dagster/row_count": organs.height, "by_source": counts(organs, "source"),
        "n_series": organs["organ_series_id"].n_unique(),
        "preview": MetadataValue.md(markdown_table(organs.select(
            "organ_id", "official_name", "organ_series_id", "n_reports", "first_year",
            "last_year")))})
    yield Output(audit, output_name="core_corrections", metadata={
        "dagster/row_count": audit.height, "by_status": counts(audit, "correction_status"),
        "preview": MetadataValue.md(markdown_table(audit.select(
            "line", "report_id", "table", "row", "col", "value_extracted", "value_corrected",
            "correction_status", "correction_message"), max_chars=80))})
    unmatched = audit.filter(pl.col("correction_status") != "applied")
    yield AssetCheckResult(
        asset_key="core_corrections", check_name=CORRECTIONS_CHECK, passed=unmatched.is_empty(),
        severity=AssetCheckSeverity.WARN,
        metadata={"n_applied": audit.height - unmatched.height, "n_not_applied": unmatched.height,
                  "not_applied": MetadataValue.md(markdown_table(unmatched.select(
                      "line", "report", "table", "row", "col", "correction_status",
                      "correction_message"),
                      max_chars=120))})
    # Evaluated per report in the shard step (identities.parquet), with the rows it reused.
    identities = read_shards(core_parsed_reports, "identities")
    # a broken report named as a researcher knows it: organ, year and file, beside its id
    who = reports.select("report_id", "organ", "year", "source_file")
    for c in _IDENTITY_CHECKS:
        result = identities.filter(pl.col("check") == c)
        s = summarise(result, c)
        broken = (result.filter(pl.col("status") == "broken").join(who, on="report_id", how="left")
                  .select("organ", "year", "source_file", "key", "left", "right", "report_id"))
        yield AssetCheckResult(
            asset_key="core_cells", check_name=check_name(c), passed=s.broken == 0,
            # A publisher's arithmetic error is data (the report loads with status warning).
            severity=AssetCheckSeverity.WARN,
            metadata={"assessed": s.assessed, "broken": s.broken,
                      "not_assessable": s.not_assessable, "broken_reports": s.broken_reports,
                      "broken_files": sorted(set(broken["source_file"].drop_nulls())),
                      "broken_preview": MetadataValue.md(markdown_table(broken))})
