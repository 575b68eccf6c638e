"""Where the pipeline reads and writes: one data dir, overridable by GIP_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO / "data"
DBT_PROJECT_DIR = REPO / "dbt_project"
WAREHOUSE_FILE = "gip.duckdb"


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


def exports_dir(data: str | Path | None = None) -> Path:
    return data_dir(data) / "exports"
