"""Load the tidy tables into DuckDB: one writer, one transaction, bulk from Arrow."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import duckdb
import polars as pl

RAW_SCHEMA = "core"  # the loaded tidy tables; dbt's sources read them from here


def load_tables(db_path: str | Path, tables: Mapping[str, pl.DataFrame],
                schema_name: str = RAW_SCHEMA) -> dict[str, int]:
    """Replace `schema_name.<name>` for every table, all or nothing.

    Readers never see a half-loaded warehouse: the tables are swapped inside one
    transaction, and a failure rolls every one of them back. Returns row counts
    as read back from the database.
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema_name}"')
            for name, frame in tables.items():
                view = f"__gip_load_{name}"
                con.register(view, frame.to_arrow())
                con.execute(f'CREATE OR REPLACE TABLE "{schema_name}"."{name}" AS '
                            f'SELECT * FROM "{view}"')
                con.unregister(view)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return {name: con.execute(f'SELECT count(*) FROM "{schema_name}"."{name}"').fetchone()[0]
                for name in tables}
    finally:
        con.close()


def read_table(db_path: str | Path, qualified_name: str) -> pl.DataFrame:
    """One table or view, read-only (so readers never take the writer's lock)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return pl.from_arrow(con.sql(f"SELECT * FROM {qualified_name}").to_arrow_table())
    finally:
        con.close()
