"""Every input file accounted for: which report each name holds, which were rejected and why,
and which reports are the same report published twice in two forms."""

from __future__ import annotations

import polars as pl

from gip_pipeline.raw import RawFile

REPORT_FILES_SCHEMA = pl.Schema({"path": pl.Utf8, "report_id": pl.Utf8, "sha256": pl.Utf8,
                                 "size": pl.Int64, "is_primary": pl.Boolean, "name_hex": pl.Utf8})
REJECTED_FILES_SCHEMA = pl.Schema({"path": pl.Utf8, "report_id": pl.Utf8, "sha256": pl.Utf8,
                                   "format": pl.Utf8, "reason": pl.Utf8})
ACCOUNTING_TABLES: tuple[str, ...] = ("report_files", "rejected_files")

# Which of two forms of one report counts: the better-read one, then the more complete one.
_STATUS_RANK = {"ok": 0, "warning": 1}
_DUPLICATE_KEY = ("organ", "year", "region_code")


def report_files(files: list[RawFile], reports: pl.DataFrame) -> pl.DataFrame:
    """One row per input file name: identical bytes under two names are one report, two rows.
    `is_primary` marks the name the report row (reports.source_file) carries. A file that is
    not read (RawFile.skip_reason: hidden, a link out of the folder) has no report_id."""
    primary = dict(zip(reports["report_id"].to_list(), reports["source_file"].to_list()))
    rows = []
    for f in files:
        rid = f.sha256[:16] if f.readable else None
        rows.append({"path": f.path, "report_id": rid, "sha256": f.sha256, "size": f.size,
                     "is_primary": rid is not None and primary.get(rid) == f.path,
                     "name_hex": f.name_hex})
    rows.sort(key=lambda r: r["path"])
    return pl.DataFrame(rows, schema=REPORT_FILES_SCHEMA) if rows else \
        pl.DataFrame(schema=REPORT_FILES_SCHEMA)


def rejected_files(files_frame: pl.DataFrame, reports: pl.DataFrame,
                   files: list[RawFile] = ()) -> pl.DataFrame:
    """One row per rejected input file name, with the one-sentence reason: the names of
    rejected reports, and every file of `files` that was not read (its skip_reason; no
    report_id, since no report was made of it)."""
    rej = reports.filter(pl.col("status") == "rejected").select("report_id", "format", "reason")
    parsed = (files_frame.join(rej, on="report_id", how="inner")
              .select("path", "report_id", "sha256", "format", "reason")
              .cast(dict(REJECTED_FILES_SCHEMA)))
    skipped = pl.DataFrame([{"path": f.path, "report_id": None, "sha256": f.sha256,
                             "format": f.format, "reason": f.skip_reason}
                            for f in files if not f.readable], schema=REJECTED_FILES_SCHEMA)
    return pl.concat([parsed, skipped]).sort("path")


def link_duplicates(reports: pl.DataFrame) -> pl.DataFrame:
    """Set `duplicate_of` on every report that is another form of a report already kept.

    Same organ, year and region (all known), different bytes, both read (not rejected):
    the one with the best status, then the most cells, then the smallest report_id counts;
    the others point at it. Unreadable or anonymous reports are never linked.
    """
    if reports.is_empty():
        return reports
    key_known = pl.all_horizontal([pl.col(k).is_not_null() for k in ("organ", "year")])
    eligible = reports.filter(key_known & pl.col("status").is_in(list(_STATUS_RANK)))
    ranked = eligible.with_columns(
        pl.col("status").replace_strict(_STATUS_RANK, return_dtype=pl.Int32).alias("_rank"),
    ).sort(["_rank", "n_cells", "report_id"], descending=[False, True, False])
    keep = ranked.group_by(list(_DUPLICATE_KEY), maintain_order=True).agg(
        pl.col("report_id").first().alias("_canonical"), pl.col("report_id").alias("_members"))
    links = (keep.explode("_members")
             .filter(pl.col("_members") != pl.col("_canonical"))
             .select(pl.col("_members").alias("report_id"), pl.col("_canonical")))
    out = reports.join(links, on="report_id", how="left", nulls_equal=False)
    return (out.with_columns(pl.col("_canonical").alias("duplicate_of"))
            .drop("_canonical").select(reports.columns).sort("report_id"))
