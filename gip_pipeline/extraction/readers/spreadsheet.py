"""Spreadsheet reader: Excel 97-2003 .xls and Kingsoft .et workbooks (BIFF8) to a Document.

xlrd reads the cells and, with formatting_info, the merged ranges, which become the
spans of the grid shared with the HTML and DOCX readers (so a merged label is one
origin cell and spanned copies). A report's tables sit anywhere on a sheet, often
below the prose pasted one paragraph per row: a row holding one long text is a
paragraph, every other row with content belongs to the sheet's grid. Numbers come as
floats (13.0): integral ones print as integers, others in their shortest repr, so the
value parser downstream sees what the publisher typed. Sheets are pages (1-based).
"""

from __future__ import annotations

import datetime as dt
import math
import struct

from gip_pipeline.extraction.document import Document, Paragraph, Unreadable
from gip_pipeline.extraction.readers.pdf import find_title
from gip_pipeline.extraction.readers.html import fields_from_blocks, LAYOUT_CELL_CHARS, RawCell, RawTable, emit_table

FORMAT = "xls"
TITLE_BLOCKS = 40  # a page saved as a sheet keeps its site chrome above the title
MAX_SHEET_CELLS = 2_000_000  # no report comes near; guards memory against hostile sheets


def cell_text(cell, datemode: int) -> str:
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if kind == xlrd.XL_CELL_NUMBER:
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            d = xlrd.xldate_as_datetime(value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return repr(value)
        return d.date().isoformat() if d.time() == dt.time(0) else d.isoformat(sep=" ")
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERR")
    return str(value)


def _sheet_blocks(sheet, datemode: int, page: int, blocks: list) -> None:
    nrows, ncols = sheet.nrows, sheet.ncols
    if nrows * ncols > MAX_SHEET_CELLS:
        raise Unreadable(f"sheet {sheet.name!r} holds more cells than any report table")
    merged: dict[tuple[int, int], tuple[int, int]] = {}
    covered: dict[tuple[int, int], int] = {}  # slot -> row of the merge's origin
    for r0, r1, c0, c1 in getattr(sheet, "merged_cells", ()):
        if r0 >= nrows or c0 >= ncols:
            continue
        r1, c1 = min(r1, nrows), min(c1, ncols)
        merged[(r0, c0)] = (r1 - r0, c1 - c0)
        covered.update({(r, c): r0 for r in range(r0, r1) for c in range(c0, c1) if (r, c) != (r0, c0)})
    texts = [[cell_text(sheet.cell(r, c), datemode).strip() for c in range(ncols)] for r in range(nrows)]
    used_cols = [c for c in range(ncols) if any(texts[r][c] for r in range(nrows))
                 or any((r, c) in merged for r in range(nrows))]
    if not used_cols:
        return
    left, right = used_cols[0], used_cols[-1] + 1

    def is_paragraph(r: int) -> bool:
        filled = [c for c in range(left, right) if texts[r][c]]
        if len(filled) != 1:
            return False
        c = filled[0]
        rs, cs = merged.get((r, c), (1, 1))
        # One long text, or one merged across the whole sheet, and not the top of a
        # vertically merged label: prose pasted into a row.
        return rs == 1 and (len(texts[r][c]) > LAYOUT_CELL_CHARS // 6 or right - left == 1
                            or (c == left and cs >= right - left))

    run: list[int] = []

    def flush() -> None:
        if not run:
            return
        rows: list[list[RawCell]] = []
        for r in run:
            row: list[RawCell] = []
            for c in range(left, right):
                if (r, c) in covered:
                    if covered[(r, c)] >= run[0]:
                        continue  # a slot of a span placed by its origin
                    row.append(RawCell([]))  # the origin is above this block: nothing here
                    continue
                rs, cs = merged.get((r, c), (1, 1))
                rs = min(rs, run[-1] + 1 - r)  # a merge never reaches past this block
                row.append(RawCell([texts[r][c]] if texts[r][c] else [], colspan=cs, rowspan=rs))
            rows.append(row)
        emit_table(RawTable(rows), blocks, page)
        run.clear()

    for r in range(nrows):
        if not any(texts[r][left:right]) and not any((r, c) in merged for c in range(left, right)):
            flush()
            continue
        if is_paragraph(r):
            flush()
            text = next(t for t in texts[r][left:right] if t)
            for line in text.splitlines():
                if line.strip():
                    blocks.append(Paragraph(line.strip(), page))
            continue
        run.append(r)
    flush()


def read(data: bytes, name: str) -> Document:
    """Read every sheet of an .xls/.et workbook; Unreadable for damaged or encrypted ones."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=_Quiet())
    except xlrd.biffh.XLRDError as e:
        msg = str(e)
        if "encrypt" in msg.lower() or "password" in msg.lower():
            raise Unreadable("encrypted spreadsheet: it needs a password to open") from None
        raise Unreadable(f"the workbook cannot be read as Excel 97-2003 ({msg})") from None
    except (AssertionError, IndexError, KeyError, ValueError, TypeError, struct.error, OverflowError) as e:
        raise Unreadable(f"damaged workbook: {type(e).__name__} while reading it") from None
    doc = Document(format=FORMAT, pages=book.nsheets)
    try:
        for i in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(i)
            except (AssertionError, IndexError, KeyError, ValueError, TypeError, struct.error) as e:
                raise Unreadable(f"damaged workbook: sheet {i + 1} cannot be read ({type(e).__name__})") from None
            _sheet_blocks(sheet, book.datemode, i + 1, doc.blocks)
            book.unload_sheet(i)
    finally:
        book.release_resources()
    doc.title = find_title([b.text for b in doc.blocks[:TITLE_BLOCKS] if isinstance(b, Paragraph)])
    fields_from_blocks(doc.blocks, doc.fields)
    return doc


class _Quiet:
    """xlrd writes warnings to a file object; they belong in no output of ours."""

    def write(self, _s: str) -> None:
        pass
