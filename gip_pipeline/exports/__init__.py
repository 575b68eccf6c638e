"""Exports: the tidy tables and the marts as Parquet files, read from the warehouse."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from gip_pipeline.tidy import TIDY_TABLES
from gip_pipeline.warehouse.load import RAW_SCHEMA

MART_SCHEMA = "marts"
MARTS: tuple[str, ...] = ("report_comparison",)

# export name -> the warehouse relation it copies
EXPORTS: dict[str, str] = {
    **{t: f'"{RAW_SCHEMA}"."{t}"' for t in TIDY_TABLES},
    **{m: f'"{MART_SCHEMA}"."{m}"' for m in MARTS},
}


def write_parquet_atomic(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write to a temporary file beside `path`, then rename: readers see old or new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these are open-data files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export_one(con: duckdb.DuckDBPyConnection, name: str, out_dir: str | Path) -> tuple[Path, int]:
    frame = pl.from_arrow(con.sql(f"SELECT * FROM {EXPORTS[name]}").to_arrow_table())
    return write_parquet_atomic(frame, Path(out_dir) / f"{name}.parquet"), frame.height


def export_warehouse(db_path: str | Path, out_dir: str | Path,
                     names: tuple[str, ...] | None = None) -> dict[str, tuple[Path, int]]:
    """Export each named relation (default: all) to out_dir/<name>.parquet; returns path, rows."""
    if not Path(db_path).is_file():
        raise FileNotFoundError(f"no warehouse at {db_path}: run the pipeline first (make run)")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {n: export_one(con, n, out_dir) for n in (names or tuple(EXPORTS))}
    finally:
        con.close()
