"""`gip export --out DIR [--warehouse FILE]`: Parquet files from the warehouse."""

from __future__ import annotations

import argparse
import sys

from gip_pipeline.exports import export_warehouse
from gip_pipeline.warehouse.paths import exports_dir, warehouse_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gip export", description=__doc__)
    ap.add_argument("--out", default=None,
                    help="output folder (default: $GIP_DATA_DIR/exports, else data/exports)")
    ap.add_argument("--warehouse", default=None,
                    help="DuckDB file (default: $GIP_DATA_DIR/warehouse/gip.duckdb)")
    args = ap.parse_args(argv)
    db = args.warehouse or warehouse_path()
    out = args.out or exports_dir()
    try:
        written = export_warehouse(db, out)
    except FileNotFoundError as e:
        sys.stderr.write(f"gip export: {e}\n")
        return 2
    except Exception as e:  # a missing mart (dbt not run) and the like: say what, exit non-zero
        sys.stderr.write(f"gip export: {type(e).__name__}: {e}\n")
        return 1
    for name, (path, rows) in written.items():
        sys.stdout.write(f"{name}\t{rows}\t{path}\n")
    return 0
