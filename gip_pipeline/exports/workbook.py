"""marts.xlsx: the marts as one Excel workbook, a sheet each, with a codebook sheet (every
column's Chinese title, English description and unit) and a sheet that says what the
workbook is. Numbers stay numbers (counts integers, rates doubles), a null is an empty cell.

Excel holds at most 1,048,576 rows a sheet: a larger mart is left out of the workbook and the
about sheet says so (the Parquet and CSV files hold it). The file is the same bytes for the
same warehouse: its creation time is the export's run time, not the clock.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from gip_pipeline.atomic import atomic_write
from gip_pipeline.metadata.fields import field_doc
from gip_pipeline.metadata.outputs import MART_MODELS, PRIMARY_KEYS, TABLE_DOCS

WORKBOOK_FILE = "marts.xlsx"
EXCEL_MAX_ROWS = 1_048_576 - 1  # one row for the header


def _codebook(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    rows = []
    for name, frame in frames.items():
        for col in frame.columns:
            doc = field_doc(col)
            rows.append({"sheet": name, "column": col, "title_zh": doc.zh,
                         "description": doc.en, "unit": doc.unit or ""})
    return pl.DataFrame(rows, schema={"sheet": pl.Utf8, "column": pl.Utf8, "title_zh": pl.Utf8,
                                      "description": pl.Utf8, "unit": pl.Utf8})


def write_workbook(export_dir: str | Path, path: str | Path, run_time: str) -> Path:
    """The marts' Parquet files of `export_dir` as one workbook at `path`."""
    import xlsxwriter

    export_dir = Path(export_dir)
    frames, left_out = {}, []
    for name in MART_MODELS:
        frame = pl.read_parquet(export_dir / f"{name}.parquet")
        if frame.height > EXCEL_MAX_ROWS:
            left_out.append(f"{name} ({frame.height:,} rows)")
        else:
            frames[name] = frame
    about = [("what", "政府信息公开工作年度报告 marts: one sheet per mart, a codebook sheet."),
             ("run_time", run_time),
             ("keys", "; ".join(f"{n}: {', '.join(PRIMARY_KEYS[n])}" for n in frames)),
             ("null", "An empty cell is missing (printed blank, dash or word, or not "
                      "assessable), never zero.")]
    about += [(n, TABLE_DOCS[n]) for n in frames]
    if left_out:
        about.append(("left out", "More rows than an Excel sheet holds, in the Parquet and CSV "
                                  "files only: " + ", ".join(left_out)))
    created = dt.datetime.fromisoformat(run_time.replace("Z", "+00:00")).replace(tzinfo=None)

    def write(tmp: str) -> None:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_numbers": False, "strings_to_formulas": False,
                                       "strings_to_urls": False})
        wb.set_properties({"title": "gip_pipeline marts", "created": created})
        pl.DataFrame(about, schema=["item", "value"], orient="row").write_excel(
            wb, worksheet="about", autofit=True)
        for name, frame in frames.items():
            frame.write_excel(wb, worksheet=name, autofit=False, freeze_panes=(1, 0))
        _codebook(frames).write_excel(wb, worksheet="codebook", autofit=True)
        wb.close()

    return atomic_write(path, write)
