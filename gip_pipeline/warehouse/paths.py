"""Where the pipeline reads and writes: one data dir, overridable by GIP_DATA_DIR."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO / "data"
DBT_PROJECT_DIR = REPO / "dbt_project"
WAREHOUSE_FILE = "gip.duckdb"
# dbt's threads: most of its 150 nodes are small queries whose time is dbt's own bookkeeping,
# which threads overlap (DuckDB serves them on cursors of one connection, one process: still
# one writer to the file). Measured at 10,000 reports: 18.9 s with 1, 14.3 s with 4.
DBT_THREADS = 4


def data_dir(override: str | Path | None = None) -> Path:
    if override:
        return Path(override).resolve()
    env = os.environ.get("GIP_DATA_DIR")
    return Path(env).resolve() if env else DEFAULT_DATA_DIR


def raw_dir(data: str | Path | None = None) -> Path:
    return data_dir(data) / "raw"


def warehouse_path(data: str | Path | None = None) -> Path:
    """The published snapshot: what researchers and read-only tools open (replaced by rename)."""
    return data_dir(data) / "warehouse" / WAREHOUSE_FILE


def working_warehouse_path(data: str | Path | None = None) -> Path:
    """The pipeline's own copy: the load and dbt write here, one writer at a time."""
    return data_dir(data) / "warehouse" / "work" / WAREHOUSE_FILE


def cache_dir(data: str | Path | None = None) -> Path:
    """Extraction results cached by file content and extractor version."""
    return data_dir(data) / "cache" / "extraction"


def tidy_dir(data: str | Path | None = None) -> Path:
    """Tidy rows as Parquet: per-shard generations (reused across runs) and the core tables
    handed from step to step."""
    return data_dir(data) / "tidy"


def organs_file(data: str | Path | None = None) -> Path:
    """The user's organ registry entries (curation.organs), beside the input folder."""
    return data_dir(data) / "organs.csv"


def corrections_file(data: str | Path | None = None) -> Path:
    """The corrections researchers record (curation.corrections): kept out of the cache, so a
    rebuilt cache or warehouse applies them again."""
    return data_dir(data) / "corrections.csv"


def collect_dir(data: str | Path | None = None) -> Path:
    """`gip collect`'s state beside the input folder: the manifest of fetches (the reports'
    source URLs), the HTML pages read, the WARC archives."""
    return data_dir(data) / "collect"


def sites_file(data: str | Path | None = None) -> Path:
    """The sites the Dagster collect asset walks (one start URL a line, with rules)."""
    return data_dir(data) / "sites.txt"


def exports_dir(data: str | Path | None = None) -> Path:
    return data_dir(data) / "exports"


def executable(name: str) -> str:
    """A command installed beside this Python (the venv's dbt, dagster, dask), so an
    unactivated venv still finds it; else the one on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def prepare_manifest(project_dir: Path | None = None) -> None:
    """`dbt parse` (what `make manifest` runs first): the Dagster dbt assets are built from
    dbt's manifest, which must match the models the run will build."""
    import subprocess

    subprocess.run([executable("dbt"), "parse", "--profiles-dir", ".", "--quiet"],
                   cwd=project_dir or DBT_PROJECT_DIR, check=True)


# DuckDB's buffer pool keeps the blocks dbt reads until memory_limit (80% of RAM by default).
# On a small warehouse that is most of dbt's memory and buys nothing: 10,000 reports (a 180 MB
# file) built as fast with 512 MB, and the dbt process held 720 MB instead of 1,170 MB. On a
# larger one a limit makes joins spill: 100,000 reports took 28 s with 1 or 2 GB, 22 s without.
SMALL_WAREHOUSE_BYTES = 256 * 2 ** 20
SMALL_WAREHOUSE_MEMORY_LIMIT = "512MB"


def dbt_memory_limit(warehouse: Path) -> str | None:
    """DuckDB's memory_limit for dbt on `warehouse`: $GIP_DBT_MEMORY_LIMIT when set (empty:
    DuckDB's default), else SMALL_WAREHOUSE_MEMORY_LIMIT below SMALL_WAREHOUSE_BYTES, else
    None (DuckDB's default)."""
    env = os.environ.get("GIP_DBT_MEMORY_LIMIT")
    if env is not None:
        return env or None
    try:
        size = warehouse.stat().st_size
    except OSError:
        size = 0
    return SMALL_WAREHOUSE_MEMORY_LIMIT if size < SMALL_WAREHOUSE_BYTES else None


def dbt_profiles_dir(warehouse: Path) -> Path:
    """A dbt profiles dir beside `warehouse` whose one target writes that file: the dbt step
    passes it with --profiles-dir, so no step changes the environment. Written only when its
    text changes (dbt re-parses in full whenever the target's path differs from the manifest's)."""
    import json

    from gip_pipeline.atomic import atomic_write_text

    folder = warehouse.parent / "dbt_profile"
    text = ("# written by gip_pipeline.warehouse.paths.dbt_profiles_dir for this warehouse\n"
            "gip:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
            f"      path: {json.dumps(str(warehouse.resolve()))}\n      threads: {DBT_THREADS}\n")
    limit = dbt_memory_limit(warehouse)
    if limit:
        text += f"      settings:\n        memory_limit: {json.dumps(limit)}\n"
    p = folder / "profiles.yml"
    if not p.is_file() or p.read_text(encoding="utf-8") != text:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(p, text)
    return folder
