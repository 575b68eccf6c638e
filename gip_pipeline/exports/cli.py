"""`gip export --out DIR|URL [--csv] [--include-synthetic] [--warehouse FILE] [--raw DIR]`.

An fsspec URL as --out (s3://bucket/gip, memory://..., file://...) gets a copy of the folder
written locally first (gip_pipeline.exports.publish), datapackage.json last.

Writes Parquet for every tidy table, mart and the input-file accounting (report_files,
rejected_files) (CSV too with --csv), provenance.json,
CODEBOOK.md, report.html and datapackage.json. Synthetic reports are left out unless
--include-synthetic.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from gip_pipeline.exports import export_all, export_folder
from gip_pipeline.exports.publish import is_url, publish_folder
from gip_pipeline.warehouse.paths import exports_dir, raw_dir, warehouse_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gip export", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None,
                    help="output folder or fsspec URL "
                         "(default: $GIP_DATA_DIR/exports, else data/exports)")
    ap.add_argument("--warehouse", default=None,
                    help="DuckDB file (default: $GIP_DATA_DIR/warehouse/gip.duckdb)")
    ap.add_argument("--raw", default=None,
                    help="input folder, for provenance run_time when SOURCE_DATE_EPOCH is unset "
                         "(default: $GIP_DATA_DIR/raw)")
    ap.add_argument("--csv", action="store_true", help="also write a CSV beside each Parquet")
    ap.add_argument("--include-synthetic", action="store_true",
                    help="keep synthetic (generated) reports and the mart rows built from them")
    args = ap.parse_args(argv)
    db = args.warehouse or warehouse_path()
    out = args.out or exports_dir()
    staging = tempfile.TemporaryDirectory(prefix="gip-export-") if is_url(out) else None
    try:
        write = export_all if staging else export_folder
        res = write(db, staging.name if staging else out, csv=args.csv,
                    include_synthetic=args.include_synthetic, raw_dir=args.raw or raw_dir())
        if staging:
            for url in publish_folder(staging.name, out):
                sys.stdout.write(f"-\t-\t{url}\n")
            return 0
    except FileNotFoundError as e:
        sys.stderr.write(f"gip export: {e}\n")
        return 2
    except Exception as e:  # a missing mart (dbt not run) and the like: say what, exit non-zero
        sys.stderr.write(f"gip export: {type(e).__name__}: {e}\n")
        return 1
    finally:
        if staging:
            staging.cleanup()
    for name, (path, rows) in {**res.tables, **res.file_tables}.items():
        sys.stdout.write(f"{name}\t{rows}\t{path}\n")
    for path in res.files:
        sys.stdout.write(f"-\t-\t{path}\n")
    return 0
