"""Exports: the tidy tables and the marts as Parquet (CSV on request), read from the warehouse.

`export_all` writes a researcher's download folder: one Parquet file per tidy table, mart and
input-file accounting table (report_files, rejected_files), provenance.json, CODEBOOK.md,
report.html and datapackage.json (written last: it describes the files beside it). Synthetic
reports, their cells, findings and file rows, and the mart rows built from them are left out
unless include_synthetic (the marts key every aggregate by is_synthetic, so leaving them out
never changes a published report's numbers or ranks). A rejected file has no numbers; it is
kept unless it carried the synthetic mark itself (its rejected report row says so).

Reproducible: the same warehouse gives byte-identical files. Rows are written in a fixed order
(ORDER_KEYS), and the one time inside the data, provenance run_time, is SOURCE_DATE_EPOCH when
set, else the newest modification time of the source files (when the input folder is given and
holds them), else the warehouse file's; the wall clock is never read.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from gip_pipeline.atomic import atomic_write, pid_alive
from gip_pipeline.metadata.outputs import MART_MODELS, PRIMARY_KEYS
from gip_pipeline.curation import CURATION_TABLES
from gip_pipeline.raw.accounting import ACCOUNTING_TABLES
from gip_pipeline.regions.reference import REFERENCE_TABLES
from gip_pipeline.tidy import TIDY_TABLES
from gip_pipeline.warehouse.load import RAW_SCHEMA

MART_SCHEMA = "marts"
MARTS: tuple[str, ...] = MART_MODELS

# export name -> the warehouse relation it copies: the tidy tables and the marts, each with a
# dbt model that vouches for it (one Dagster asset each, gip_pipeline.assets.exports) ...
EXPORTS: dict[str, str] = {
    **{t: f'"{RAW_SCHEMA}"."{t}"' for t in TIDY_TABLES},
    **{m: f'"{MART_SCHEMA}"."{m}"' for m in MARTS},
}
# ... and the input-file accounting (every file name and the report it holds; every rejected
# file with its reason) and the region reference, loaded beside the tidy tables.
FILE_EXPORTS: dict[str, str] = {t: f'"{RAW_SCHEMA}"."{t}"'
                                for t in (*ACCOUNTING_TABLES, *CURATION_TABLES,
                                          *REFERENCE_TABLES)}
# Everything the download folder holds, in this order.
ALL_EXPORTS: dict[str, str] = {**EXPORTS, **FILE_EXPORTS}

# Row order of each export: its key, so files are stable whatever order the warehouse returns.
ORDER_KEYS: dict[str, tuple[str, ...]] = PRIMARY_KEYS

CODEBOOK_FILE = "CODEBOOK.md"
HTML_FILE = "report.html"


def synthetic_filter(name: str, columns: list[str]) -> str:
    """The WHERE clause that leaves out synthetic rows of one export: its own is_synthetic, else
    the is_synthetic of the report its report_id names (every file, rejected ones too, has a
    report row; a rejected file's row is synthetic only when the file carried the mark). A file
    never read (hidden; report_id null) is kept: `null not in (...)` would be null, not true."""
    if name in REFERENCE_TABLES:
        return ""  # reference data: nothing in it is a report
    if "is_synthetic" in columns:
        return "where not coalesce(is_synthetic, false)"
    if "report_id" in columns:
        return (f'where report_id is null or report_id not in (select report_id from '
                f'"{RAW_SCHEMA}"."reports" where is_synthetic and report_id is not null)')
    raise ValueError(f"{name}: no is_synthetic or report_id column to leave synthetic rows out")


def read_export(con: duckdb.DuckDBPyConnection, name: str,
                include_synthetic: bool = True) -> pl.DataFrame:
    rel = ALL_EXPORTS[name]
    columns = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    where = "" if include_synthetic else synthetic_filter(name, columns)
    order = ", ".join(f'"{k}"' for k in ORDER_KEYS.get(name, ()) if k in columns)
    sql = f"SELECT * FROM {rel} {where}" + (f" ORDER BY {order}" if order else "")
    return pl.from_arrow(con.sql(sql).to_arrow_table())


def write_parquet_atomic(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write to a temporary file beside `path`, then rename: readers see old or new, never half."""
    return atomic_write(path, frame.write_parquet)


# A spreadsheet runs a field that begins with one of these as a formula (OWASP, "CSV
# injection"): a file name like =HYPERLINK(...).txt must stay text.
CSV_FORMULA_START = "=+-@\t\r"


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text fields that a spreadsheet would run as a formula, prefixed with a single quote
    (the OWASP rule); numbers and the Parquet files are untouched."""
    pattern = "^[" + "".join("\\" + c if c in "-\\]^" else c for c in CSV_FORMULA_START) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in frame.schema.items() if t == pl.Utf8)


def write_csv_atomic(frame: pl.DataFrame, path: str | Path) -> Path:
    """CSV: UTF-8 with a byte-order mark (Excel on Chinese Windows reads it as GBK otherwise);
    a null is an empty field (never 0); lists are not used by any export; text that a
    spreadsheet would run as a formula is quoted (csv_safe)."""
    safe = csv_safe(frame)
    return atomic_write(path, lambda tmp: safe.write_csv(tmp, null_value="", include_bom=True))


def export_one(con: duckdb.DuckDBPyConnection, name: str, out_dir: str | Path, *,
               csv: bool = False, include_synthetic: bool = True) -> tuple[Path, int]:
    frame = read_export(con, name, include_synthetic)
    path = write_parquet_atomic(frame, Path(out_dir) / f"{name}.parquet")
    if csv:
        write_csv_atomic(frame, Path(out_dir) / f"{name}.csv")
    return path, frame.height


def export_warehouse(db_path: str | Path, out_dir: str | Path,
                     names: tuple[str, ...] | None = None, *, csv: bool = False,
                     include_synthetic: bool = True) -> dict[str, tuple[Path, int]]:
    """Export each named relation (default: EXPORTS, the tidy tables and marts; ALL_EXPORTS adds
    the file accounting) to out_dir/<name>.parquet; returns path, rows."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no warehouse at {db_path}: run the pipeline first (make run)")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        names = names or tuple(EXPORTS)
        present = {f'"{s}"."{t}"' for s, t in con.sql(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views()").fetchall()}
        missing = [n for n in names if ALL_EXPORTS[n] not in present]
        if missing:  # a download silently short of a table would pass for a complete one
            absent = ", ".join(ALL_EXPORTS[n] for n in missing)
            raise LookupError(f"the warehouse {db_path} has no {absent}: run the pipeline "
                              "(make run) to load and build it")
        return {n: export_one(con, n, out_dir, csv=csv, include_synthetic=include_synthetic)
                for n in names}
    finally:
        con.close()


def run_time_for(source_files: list[Path], db_path: Path) -> dt.datetime:
    """provenance run_time: SOURCE_DATE_EPOCH, else the newest source file, else the warehouse."""
    from gip_pipeline.exports.provenance import run_time_from_env

    env = run_time_from_env()
    if env is not None:
        return env
    mtimes = [p.stat().st_mtime for p in source_files if p.is_file()]
    ts = max(mtimes) if mtimes else Path(db_path).stat().st_mtime
    return dt.datetime.fromtimestamp(int(ts), tz=dt.timezone.utc)


@dataclass
class ExportResult:
    out_dir: Path
    tables: dict[str, tuple[Path, int]]  # EXPORTS (tidy tables, marts): one Dagster asset each
    files: list[Path] = field(default_factory=list)  # provenance, codebook, html, datapackage
    file_tables: dict[str, tuple[Path, int]] = field(default_factory=dict)  # FILE_EXPORTS


def export_all(db_path: str | Path, out_dir: str | Path, *, csv: bool = False,
               include_synthetic: bool = False, raw_dir: str | Path | None = None
               ) -> ExportResult:
    """The researcher's download folder (see the module docstring)."""
    import gip_pipeline
    from gip_pipeline.exports.codebook import write_codebook
    from gip_pipeline.exports.datapackage import describe_resource, write_datapackage
    from gip_pipeline.exports.html_report import write_html_report
    from gip_pipeline.exports.provenance import build_provenance, write_provenance
    from gip_pipeline.exports.workbook import WORKBOOK_FILE, write_workbook

    db_path, out = Path(db_path), Path(out_dir)
    written = export_warehouse(db_path, out, tuple(ALL_EXPORTS), csv=csv,
                               include_synthetic=include_synthetic)
    tables = {n: written[n] for n in EXPORTS}
    file_tables = {n: written[n] for n in FILE_EXPORTS}
    # Files of an earlier run with other options would be described as part of this one.
    for name in ALL_EXPORTS:
        if not csv:
            (out / f"{name}.csv").unlink(missing_ok=True)
    reports = pl.read_parquet(out / "reports.parquet", columns=["source_file", "sha256"])
    sources = sorted(set(reports.iter_rows()))
    raw = Path(raw_dir) if raw_dir is not None else None
    run_time = run_time_for([raw / s for s, _ in sources] if raw else [], db_path)
    prov = build_provenance(sources, gip_pipeline.__version__, run_time)
    files = [write_provenance(out, prov), write_codebook(out / CODEBOOK_FILE),
             write_html_report(out, out / HTML_FILE, provenance=prov),
             write_workbook(out, out / WORKBOOK_FILE, prov["run_time"])]
    resources = []
    for name in ALL_EXPORTS:
        for ext in ("parquet", "csv") if csv else ("parquet",):
            resources.append(describe_resource(out / f"{name}.{ext}", base=out,
                                               name=name if ext == "parquet" else f"{name}-csv"))
    files.append(write_datapackage(out, resources, prov))
    return ExportResult(out, tables, files, file_tables)


def export_folder(db_path: str | Path, out_dir: str | Path, **kwargs) -> ExportResult:
    """export_all into a staging folder beside out_dir, then swapped in by rename: the
    folder holds one run's files, all old or all new. A failure (a full disk) leaves the
    previous folder as it was and removes the staging one."""
    import shutil

    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    for left in out.parent.glob(f".{out.name}.*-*"):  # of runs that were killed
        pid = left.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(left, ignore_errors=True)
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        res = export_all(db_path, staging, **kwargs)
        if out.exists():
            os.replace(out, old)
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not out.exists():
            os.replace(old, out)  # the swap failed half way: the previous folder back
        raise
    shutil.rmtree(old, ignore_errors=True)

    def moved(p: Path) -> Path:
        return out / p.relative_to(staging)
    return ExportResult(out, {k: (moved(p), n) for k, (p, n) in res.tables.items()},
                        [moved(p) for p in res.files],
                        {k: (moved(p), n) for k, (p, n) in res.file_tables.items()})
