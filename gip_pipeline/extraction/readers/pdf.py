"""PDF reader: bytes of a PDF with a text layer in, a Document of paragraphs and cell grids out.

Speed is a design constraint (issue 7), so the whole file is parsed once, by pdfium (C):

1. a cheap text pass (``get_text_range``) finds the pages that hold table labels and
   gives the paragraphs of every other page;
2. only on those pages are the ruling lines read from pdfium's path objects and the
   characters with their boxes read from its text page; pdfplumber's table geometry
   (merge_edges -> intersections -> cells -> tables), as readers.geometry computes it
   without quadratic scans, turns the lines into cells; characters reach their cells by a
   spatial index. pdfplumber's own page parsing (pdfminer, ~60 ms a page) never runs.

Grids are built from the cells' own boundaries, so a merged cell becomes one origin
cell plus ``spanned`` copies: a vertically merged label printed one character per line
(``不\\n予\\n公\\n开``) is one cell's text, and a label wrapped above and below its
row's numbers stays in that row's label cell. A marker page with no ruling lines falls
back to a text-line grid (cells split on wide gaps). Page numbers (``- 3 -``) are
dropped wherever they land. Text is kept as printed; normalisation is downstream.
"""

from __future__ import annotations

import ctypes
import re
from bisect import bisect_left
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from gip_pipeline.extraction.document import Cell, Document, Paragraph, Table, Unreadable
from gip_pipeline.extraction.readers import geometry
from gip_pipeline.metadata.schema import TABLES

FORMAT = "pdf"

# Geometry tolerances in PDF points (1/72 in).
SNAP = 3.0          # lines this close are one line (pdfplumber's default)
MIN_EDGE = 3.0      # shorter strokes are glyph decorations, not rulings
THIN = 2.5          # a filled shape thinner than this is drawn as a line
INTERSECT = 1.5

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-－—–~]\s*\d{1,4}\s*[-－—–~]"          # - 3 -
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"  # 第3页 / 第3页 共9页
    r"|\d{1,4}\s*[/／]\s*\d{1,4})\s*$"                 # 3/9
)
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、])")
_NUMBER_CELL = re.compile(r"^[\d０-９,，.．\s]+$")


def _table_markers() -> tuple[str, ...]:
    """Label fragments that say a page holds (part of) one of the three tables.

    Taken from the schema's own labels, without numbering, so a continuation page
    that starts mid-table (only row labels) is found too.
    """
    labels = {"申请人情况", "信息内容", "第二十条"}
    for t in TABLES:
        for item in (*t.rows, *t.columns):
            for lab in (item.label, *item.variants):
                lab = _NUMBERING.sub("", lab)
                lab = re.sub(r"（.*", "", lab)  # drop parenthesised asides
                if len(lab) >= 4:
                    labels.add(lab)
    return tuple(sorted(labels))


TABLE_MARKERS = _table_markers()


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def is_table_page(text: str) -> bool:
    flat = re.sub(r"\s+", "", text)
    return any(m in flat for m in TABLE_MARKERS)


# ---------------------------------------------------------------- opening


def _open(data: bytes) -> pdfium.PdfDocument:
    head = data[:1024]
    if b"%PDF-" not in head:
        raise Unreadable("not a PDF file: the bytes do not start with a %PDF header")
    if b"%%EOF" not in data[-2048:]:
        raise Unreadable("truncated PDF: the file ends before its end-of-file marker")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if pdfium_c.FPDF_GetLastError() == pdfium_c.FPDF_ERR_PASSWORD or "password" in str(e).lower():
            raise Unreadable("encrypted PDF: it needs a password to open") from None
        raise Unreadable(f"damaged PDF: pdfium cannot load it ({e})") from None
    if len(doc) == 0:
        raise Unreadable("empty PDF: the document has no pages")
    return doc


# ---------------------------------------------------------------- characters


@dataclass(slots=True)
class Char:
    """A glyph and its box in points, top-origin (never moved once made)."""
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    src: object = None  # the OCR reading a character came from (gip_pipeline.extraction.ocr)
    # The centre, computed once: sorting and indexing read it hundreds of times a page.
    xc: float = field(init=False, repr=False, compare=False)
    yc: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.xc = (self.x0 + self.x1) / 2
        self.yc = (self.top + self.bottom) / 2


def _wide(ch: str) -> bool:
    """CJK ideographs, CJK/full-width punctuation: joined across lines without spaces."""
    return ord(ch) >= 0x2E80


def _page_chars(textpage: pdfium.PdfTextPage, height: float, text: str | None = None) -> list[Char]:
    """Characters with their loose (advance x font height) boxes, top-origin.

    The loose box gives every glyph of a line the same height (so ``一`` and ``、``
    group with their line) and no false gap before ``.``; but some fonts carry a
    broken bbox that makes it hundreds of points wide: then the tight glyph box,
    squared up, stands in for it.

    text: the page's get_text_range(), when already read; where it holds one code unit per
    character index it stands in for a call per character.
    """
    tp = textpage.raw
    rect = pdfium_c.FS_RECTF()
    bl, br, bb, bt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    n = pdfium_c.FPDFText_CountChars(tp)
    codes = ([ord(ch) for ch in text] if text is not None and len(text) == n else
             [pdfium_c.FPDFText_GetUnicode(tp, i) for i in range(n)])
    is_generated, char_box = pdfium_c.FPDFText_IsGenerated, pdfium_c.FPDFText_GetCharBox
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    out = []
    for i, code in enumerate(codes):
        if code in (0, 0xFFFE, 0xFFFF) or code in (10, 13) or 0xD800 <= code <= 0xDFFF:
            continue  # (a surrogate half is not a character; damaged text layers hold them)
        # Spaces pdfium inferred are left out: layout comes from geometry. (pdfium generates
        # only spaces and line breaks, and line breaks are dropped above: one call, not two.)
        if code == 32 and is_generated(tp, i) == 1:
            continue
        if not char_box(tp, i, bl, br, bb, bt):
            continue
        x0, x1, y0, y1 = bl.value, br.value, bb.value, bt.value
        # The reported font size is no guide (WPS scales a 1pt font by the text matrix):
        # judge the loose box against the glyph itself; a '.' is tiny but its line is not.
        t = max(x1 - x0, y1 - y0)
        ok = loose_box(tp, i, rect)
        lw, lh = rect.right - rect.left, rect.top - rect.bottom
        if (ok and 0 < lh <= 4 * t + 16 and lw <= 3 * t + 6
                and rect.bottom <= (y0 + y1) / 2 <= rect.top):
            x0, x1, y0, y1 = rect.left, rect.right, rect.bottom, rect.top
        else:
            ym = (y0 + y1) / 2
            y0, y1 = ym - t / 2, ym + t / 2
        if code == 32 and x1 <= x0:
            x1 = x0 + 0.1
        out.append(Char(chr(code), x0, x1, height - y1, height - y0))
    return out


def _lines(chars: list[Char]) -> list[list[Char]]:
    """Group characters into text lines (top to bottom, each left to right)."""
    lines: list[list[Char]] = []
    bounds: list[list[float]] = []
    for c in sorted(chars, key=lambda c: (c.yc, c.x0)):
        for line, b in zip(lines, bounds):
            if b[0] <= c.yc <= b[1] and b[0] < c.bottom and c.top < b[1]:
                line.append(c)
                b[0], b[1] = min(b[0], c.top), max(b[1], c.bottom)
                break
        else:
            lines.append([c])
            bounds.append([c.top, c.bottom])
    order = sorted(range(len(lines)), key=lambda k: bounds[k][0])
    return [sorted(lines[k], key=lambda c: c.x0) for k in order]


def _line_text(line: list[Char]) -> str:
    out: list[str] = []
    prev: Char | None = None
    for c in line:
        if prev is not None and c.text != " " and prev.text != " ":
            gap = c.x0 - prev.x1
            h = max(c.bottom - c.top, prev.bottom - prev.top, 1.0)
            # A visible gap between two non-CJK glyphs is a word break pdfium dropped.
            if gap > 0.25 * h and not (_wide(c.text) and _wide(prev.text)):
                out.append(" ")
        out.append(c.text)
        prev = c
    return "".join(out).strip()


def _join_lines(texts: list[str]) -> str:
    """Join a cell's wrapped lines: no space where either side is CJK."""
    out = ""
    for t in texts:
        if not t:
            continue
        if out and not (_wide(out[-1]) or _wide(t[0])):
            out += " "
        out += t
    return out


def cell_text(chars: list[Char]) -> str:
    return _join_lines([_line_text(line) for line in _lines(chars)])


def ocr_of(chars: list[Char]):
    """The OCR reading behind a cell's characters (None for a text layer)."""
    if all(c.src is None for c in chars):
        return None
    srcs = {id(c.src): c.src for c in sorted(chars, key=lambda c: (c.top, c.x0)) if c.src is not None}
    if not srcs:
        return None
    from gip_pipeline.extraction.ocr import merge_readings

    return merge_readings(list(srcs.values()))


# ---------------------------------------------------------------- ruling lines


# Out-parameters for pdfium's calls, made once: a page has hundreds of paths and characters,
# and allocating ctypes objects per call costs more than the calls. (A reader runs in one
# thread of its process.)
_MATRIX = pdfium_c.FS_MATRIX()
_RGBA = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
_FILL, _STROKE = ctypes.c_int(), ctypes.c_int()
_X, _Y = ctypes.c_float(), ctypes.c_float()
_LINETO, _MOVETO = pdfium_c.FPDF_SEGMENT_LINETO, pdfium_c.FPDF_SEGMENT_MOVETO
_PATH, _FORM = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM


def _matrix(obj) -> tuple[float, ...]:
    m = _MATRIX
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _visible(obj, stroke: bool) -> bool:
    r, g, b, a = _RGBA
    get = pdfium_c.FPDFPageObj_GetStrokeColor if stroke else pdfium_c.FPDFPageObj_GetFillColor
    if not get(obj, r, g, b, a):
        return True
    # White or transparent rulings are invisible borders: they must not cut cells.
    return a.value > 0 and not (r.value > 240 and g.value > 240 and b.value > 240)


def _edge(x0: float, top: float, x1: float, bottom: float, orient: str) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0,
            "height": bottom - top, "orientation": orient}


def _path_edges(obj, mat: tuple[float, ...], height: float, out: list[dict]) -> None:
    fill, stroke = _FILL, _STROKE
    if not pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke):
        return
    stroked = bool(stroke.value) and _visible(obj, True)
    filled = fill.value != pdfium_c.FPDF_FILLMODE_NONE and _visible(obj, False)
    if not (stroked or filled):
        return
    a, b, c, d, e, f = mat
    subpaths: list[list[tuple[float, float, int]]] = []
    x, y = _X, _Y
    get_segment, get_point = pdfium_c.FPDFPath_GetPathSegment, pdfium_c.FPDFPathSegment_GetPoint
    get_type, get_close = pdfium_c.FPDFPathSegment_GetType, pdfium_c.FPDFPathSegment_GetClose
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = get_segment(obj, i)
        if not get_point(seg, x, y):
            continue
        kind = get_type(seg)
        xv, yv = x.value, y.value
        px, py = a * xv + c * yv + e, b * xv + d * yv + f
        if kind == _MOVETO or not subpaths:
            subpaths.append([])
        subpaths[-1].append((px, height - py, kind))
        if get_close(seg) and subpaths[-1]:
            x0, y0, _ = subpaths[-1][0]
            subpaths[-1].append((x0, y0, _LINETO))
    for pts in subpaths:
        if stroked:
            for (xa, ya, _), (xb, yb, kind) in zip(pts, pts[1:]):
                if kind != _LINETO:
                    continue
                if abs(ya - yb) < 0.5 and abs(xa - xb) >= MIN_EDGE:
                    out.append(_edge(min(xa, xb), ya, max(xa, xb), ya, "h"))
                elif abs(xa - xb) < 0.5 and abs(ya - yb) >= MIN_EDGE:
                    out.append(_edge(xa, min(ya, yb), xa, max(ya, yb), "v"))
        elif filled and len(pts) >= 3:
            # Word/WPS often draw rulings as thin filled rectangles; wide fills are shading.
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            x0, x1, t, btm = min(xs), max(xs), min(ys), max(ys)
            if btm - t <= THIN and x1 - x0 >= MIN_EDGE:
                out.append(_edge(x0, (t + btm) / 2, x1, (t + btm) / 2, "h"))
            elif x1 - x0 <= THIN and btm - t >= MIN_EDGE:
                out.append(_edge((x0 + x1) / 2, t, (x0 + x1) / 2, btm, "v"))


def page_edges(page: pdfium.PdfPage) -> list[dict]:
    """Horizontal and vertical rulings of a page, in pdfplumber's edge format (top-origin)."""
    height = page.get_height()
    out: list[dict] = []

    def walk(count: int, get, parent_mat: tuple[float, ...] | None, depth: int) -> None:
        for i in range(count):
            obj = get(i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            # Text and image objects (half a table page's objects) draw no rulings: their
            # matrices are never read.
            if kind != _PATH and (kind != _FORM or depth >= 8):
                continue
            mat = _matrix(obj)
            if parent_mat is not None:
                mat = _compose(mat, parent_mat)
            if kind == _PATH:
                _path_edges(obj, mat, height, out)
            else:
                walk(pdfium_c.FPDFFormObj_CountObjects(obj),
                     lambda j, o=obj: pdfium_c.FPDFFormObj_GetObject(o, j), mat, depth + 1)

    raw = page.raw
    walk(pdfium_c.FPDFPage_CountObjects(raw), lambda j: pdfium_c.FPDFPage_GetObject(raw, j), None, 0)
    return out


def close_open_ends(edges: list[dict]) -> list[dict]:
    """Horizontal edges that close a table left open where it breaks across pages.

    A table continued on the next page often has no bottom ruling (or no top ruling
    over its first cells), so its last (first) row would form no cells and its text
    would fall out of the table. Vertical rulings ending at one height, at least one
    of them with no horizontal ruling through its end, get a closing edge there.
    """
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = [e for e in edges if e["orientation"] == "v"]

    def dangling(v: dict, y: float) -> bool:
        return not any(abs(h["top"] - y) <= SNAP and h["x0"] - SNAP <= v["x0"] <= h["x1"] + SNAP
                       for h in hs)

    extra = []
    for end in ("top", "bottom"):
        for y in _cluster([v[end] for v in vs], SNAP):
            group = [v for v in vs if abs(v[end] - y) <= SNAP]
            if len(group) >= 2 and any(dangling(v, v[end]) for v in group):
                x0, x1 = min(v["x0"] for v in group), max(v["x0"] for v in group)
                extra.append(_edge(x0, y, x1, y, "h"))
    return extra


def find_cell_tables(edges: list[dict]) -> list[list[tuple[float, float, float, float]]]:
    """Cell bboxes (x0, top, x1, bottom) of each ruled table: pdfplumber's table geometry
    (edges merged, intersections, cells, tables) as readers.geometry computes it."""
    if not edges:
        return []
    merged = geometry.merge_edges(edges, SNAP, SNAP, SNAP, SNAP)
    merged = [e for e in merged if (e["width"] if e["orientation"] == "h" else e["height"]) >= MIN_EDGE]
    extra = close_open_ends(merged)
    if extra:  # merge again so a closing edge snaps onto a partial ruling at its height
        merged = geometry.merge_edges(merged + extra, SNAP, SNAP, SNAP, SNAP)
    return geometry.tables(geometry.cells(geometry.intersections(merged, INTERSECT, INTERSECT)))


# ---------------------------------------------------------------- grids


def _cluster(values: list[float], tol: float = 1.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    """The position of the bound nearest v in sorted bounds (the lower one on a tie)."""
    i = bisect_left(bounds, v)
    if i == 0:
        return 0
    if i == len(bounds) or abs(bounds[i - 1] - v) <= abs(bounds[i] - v):
        return i - 1
    return i


def grid_from_cells(cells: list[tuple[float, float, float, float]], chars: list[Char],
                    page_no: int) -> tuple[Table, set[int]]:
    """Expand cell bboxes into a row/column grid: merged cells leave spanned copies.

    Returns the table and the ids of the characters it consumed.
    """
    xs = _cluster([v for c in cells for v in (c[0], c[2])])
    ys = _cluster([v for c in cells for v in (c[1], c[3])])
    nrows, ncols = len(ys) - 1, len(xs) - 1
    grid: list[list[Cell | None]] = [[None] * ncols for _ in range(nrows)]
    used: set[int] = set()
    # A spatial index, so a cell looks only at its own characters: the characters by height,
    # and for each band of rows (cells sharing top and bottom) its characters by width.
    by_y = sorted(range(len(chars)), key=lambda i: chars[i].yc)
    ycs = [chars[i].yc for i in by_y]
    xcs = [c.xc for c in chars]
    bands: dict[tuple[float, float], tuple[list[int], list[float]]] = {}
    for x0, top, x1, bottom in sorted(cells, key=lambda c: (c[1], c[0])):
        band = bands.get((top, bottom))
        if band is None:
            ids = sorted(by_y[bisect_left(ycs, top):bisect_left(ycs, bottom)], key=xcs.__getitem__)
            band = bands[(top, bottom)] = (ids, [xcs[i] for i in ids])
        ids, bxs = band
        # in page order, as the characters came (x0 <= xc < x1, top <= yc < bottom)
        inside = [chars[i] for i in sorted(ids[bisect_left(bxs, x0):bisect_left(bxs, x1)])]
        used.update(id(c) for c in inside)
        text = cell_text(inside)
        ocr = ocr_of(inside)
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        for r in range(r0, max(r1, r0 + 1)):
            for c in range(c0, max(c1, c0 + 1)):
                if grid[r][c] is None:
                    grid[r][c] = Cell(text, page_no, spanned=(r, c) != (r0, c0), ocr=ocr)
    rows = [[cell if cell is not None else Cell("", page_no) for cell in row] for row in grid]
    widths = [b - a for a, b in zip(xs, xs[1:])]
    heights = [b - a for a, b in zip(ys, ys[1:])]
    return Table(_tidy(rows, widths, heights), page_no), used


# A ruled cell at least this wide and tall is a printed cell even when empty: a blank cell
# (a zero printed empty) must come back as a cell, or the row is short and cannot be placed.
# Narrower slivers come from rulings that do not quite line up and are dropped when empty.
MIN_BLANK_CELL = 6.0


def _tidy(rows: list[list[Cell]], widths: list[float] | None = None,
          heights: list[float] | None = None) -> list[list[Cell]]:
    """Drop rows that print only a page number, and empty rows and columns too thin to be
    printed cells; empty ruled cells of printed size stay as blank cells."""
    def blank(c: Cell) -> bool:
        return not c.text.strip()

    def real(sizes: list[float] | None, k: int) -> bool:
        return sizes is not None and k < len(sizes) and sizes[k] >= MIN_BLANK_CELL

    kept = []
    for i, row in enumerate(rows):
        texts = {c.text for c in row if not blank(c)}
        if len(texts) == 1 and is_page_number(next(iter(texts))):
            continue
        if not texts and not real(heights, i):
            continue
        kept.append(row)
    if not kept or all(blank(c) for r in kept for c in r):
        return []
    width = max(len(r) for r in kept)
    cols = [j for j in range(width)
            if real(widths, j) or any(j < len(r) and not blank(r[j]) for r in kept)]
    return [[r[j] for j in cols if j < len(r)] for r in kept]


# ---------------------------------------------------------------- unruled fallback


def _split_cells(line: list[Char]) -> list[list[Char]]:
    """Split a text line into cells on gaps wider than about one character."""
    cells: list[list[Char]] = [[]]
    prev = None
    for c in line:
        if c.text == " ":
            continue
        if prev is not None:
            h = max(c.bottom - c.top, 1.0)
            if c.x0 - prev.x1 > 0.9 * h:
                cells.append([])
        cells[-1].append(c)
        prev = c
    return [c for c in cells if c]


def text_blocks(chars: list[Char], page_no: int) -> list[tuple[float, Paragraph | Table]]:
    """Blocks of a table page without rulings: lines split into cells on wide gaps.

    Consecutive multi-cell lines form a table; a label wrapped above and below a
    label-less number line is rejoined into that row.
    """
    lines = [ln for ln in _lines(chars) if not is_page_number(_line_text(ln))]
    items = []  # (top, bottom, cells as texts, is_row, OCR readings of the cells)
    for ln in lines:
        pieces = [(_line_text(p), p) for p in _split_cells(ln)]
        pieces = [(t, p) for t, p in pieces if t]
        if not pieces:
            continue
        parts = [t for t, _ in pieces]
        top, bottom = min(c.top for c in ln), max(c.bottom for c in ln)
        numeric = any(_NUMBER_CELL.match(p) for p in parts)
        items.append([top, bottom, parts, len(parts) > 1 or numeric, [ocr_of(p) for _, p in pieces]])

    def label_only(k: int) -> bool:
        return 0 <= k < len(items) and not items[k][3] and len(items[k][2]) == 1

    def near(a: int, b: int) -> float:
        return items[b][0] - items[a][1]

    merged: list[list] = []
    skip: set[int] = set()
    for k, it in enumerate(items):
        if k in skip:
            continue
        top, bottom, parts, is_row, ocrs = it
        if is_row and all(_NUMBER_CELL.match(p) for p in parts):
            h = bottom - top
            # The label line just above, if it is still unclaimed (the last block emitted).
            above = None
            if (label_only(k - 1) and near(k - 1, k) < 0.8 * h
                    and merged and merged[-1][2] is items[k - 1][2]):
                above = k - 1
            below = k + 1 if label_only(k + 1) and near(k, k + 1) < 0.8 * h else None
            if above is not None and below is not None and abs(near(above, k) - near(k, below)) > 0.4 * h:
                below = None  # not symmetric: the line below starts the next row
            label_parts = []
            if above is not None:
                label_parts.append(merged.pop()[2][0])
            if below is not None:
                label_parts.append(items[below][2][0])
                skip.add(below)
            if label_parts:
                parts = [_join_lines(label_parts)] + parts
                ocrs = [None] + ocrs
        merged.append([top, bottom, parts, is_row, ocrs])

    blocks: list[tuple[float, Paragraph | Table]] = []
    run: list[list] = []

    def flush() -> None:
        if run:
            rows = [[Cell(p, page_no, ocr=o) for p, o in zip(r[2], r[4])] for r in run]
            blocks.append((run[0][0], Table(rows, page_no)))
            run.clear()

    for it in merged:
        if it[3] or len(it[2]) > 1:
            run.append(it)
        else:
            flush()
            blocks.append((it[0], Paragraph(it[2][0], page_no)))
    flush()
    return blocks


# ---------------------------------------------------------------- pages


MARGIN_BAND = 0.15  # page numbers print in the top or bottom 15% of a page


def drop_page_numbers(chars: list[Char], height: float) -> list[Char]:
    """Remove page numbers (``- 3 -``) printed in a page's top or bottom band.

    Done before cells are filled, because where a table runs open to the page
    foot the page number falls inside its last row's cell (``0 - 1 -``).
    """
    band = [c for c in chars if c.yc < MARGIN_BAND * height or c.yc > (1 - MARGIN_BAND) * height]
    drop: set[int] = set()
    for line in _lines(band):
        for seg in _split_cells(line):
            if is_page_number(_line_text(seg)):
                drop.update(id(c) for c in seg)
    return [c for c in chars if id(c) not in drop] if drop else chars


def _table_page_blocks(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, text: str,
                       page_no: int) -> list[Paragraph | Table]:
    height = page.get_height()
    return geometry_blocks(_page_chars(textpage, height, text), page_edges(page), height, page_no)


def geometry_blocks(chars: list[Char], edges: list[dict], height: float,
                    page_no: int) -> list[Paragraph | Table]:
    """Blocks of a page given as positioned characters and ruling lines (points, top-origin):
    ruled tables become grids, other text lines paragraphs, in reading order. Shared by
    every reader of positioned text (PDF, OFD, OCR)."""
    chars = drop_page_numbers(chars, height)
    tables = find_cell_tables(edges)
    if not tables:
        return [b for _, b in sorted(text_blocks(chars, page_no), key=lambda t: t[0])]
    placed: list[tuple[float, Paragraph | Table]] = []
    used: set[int] = set()
    for cells in tables:
        table, consumed = grid_from_cells(cells, chars, page_no)
        used |= consumed
        if table.rows:
            placed.append((min(c[1] for c in cells), table))
    rest = [c for c in chars if id(c) not in used]
    for line in _lines(rest):
        text = _line_text(line)
        if text and not is_page_number(text):
            placed.append((min(c.top for c in line), Paragraph(text, page_no)))
    placed.sort(key=lambda t: t[0])
    return [b for _, b in placed]


TITLE_LINES = 6
OCR_DPI = 200  # a page whose pictures state no resolution is rendered at this one
OCR_DPI_RANGE = (100.0, 300.0)


def scan_dpi(page: pdfium.PdfPage) -> float:
    """The resolution of the page's largest picture (a scan's own), within OCR_DPI_RANGE:
    rendering at it neither invents nor throws away pixels."""
    best, dpi = 0.0, float(OCR_DPI)
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4):
        try:
            px_w, _px_h = obj.get_px_size()
            left, bottom, right, top = obj.get_bounds()
        except Exception:
            continue
        area = abs(right - left) * abs(top - bottom)
        if area > best and right - left > 1:
            best, dpi = area, px_w / (abs(right - left) / 72)
    return min(max(dpi, OCR_DPI_RANGE[0]), OCR_DPI_RANGE[1])


def _ocr_page(page: pdfium.PdfPage, page_no: int, prose: tuple[int, int]) -> list | None:
    """OCR blocks of a page without a text layer; None when the page is blank. prose: the
    running-text lines to read (ocr.prose_for)."""
    import numpy as np

    dpi = scan_dpi(page)
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    arr = bitmap.to_numpy()
    if arr.ndim == 3:
        arr = arr[:, :, 0]
    if int((arr < 128).sum()) < 50:  # nothing printed on the page
        return None
    from gip_pipeline.extraction.ocr import page_blocks

    return page_blocks(np.ascontiguousarray(arr), dpi, page_no, prose=prose)


def find_title(lines: list[str]) -> str | None:
    """The report title from the first lines of page 1. A long centred title wraps
    (`…2022年政府信息公开工作年度` / `报告`): a line with 报告 is joined to the fewest lines
    above it that make a GIP title. None when no such title is there."""
    from gip_pipeline.extraction.metadata import is_gip_title

    for i, line in enumerate(lines):
        if "报告" not in line:
            continue
        for j in range(i, max(-1, i - 3), -1):
            cand = _join_lines(lines[j:i + 1])
            if len(cand) <= 80 and is_gip_title(cand):
                return cand
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_lines(text: str) -> list[str]:
    # A damaged text layer can hold lone UTF-16 surrogates: not text, and not encodable.
    text = _SURROGATE.sub("", text)
    return [ln.strip() for ln in re.split(r"\r\n|\r|\n", text)
            if ln.strip() and not is_page_number(ln)]


def read(data: bytes, name: str) -> Document:
    """Read a PDF's paragraphs and tables (pages without a text layer by OCR); Unreadable
    for encrypted, broken or blank files."""
    doc = _open(data)
    try:
        pages = []
        any_text = False
        for i in range(len(doc)):
            try:
                page = doc[i]
                textpage = page.get_textpage()
                text = textpage.get_text_range()
            except pdfium.PdfiumError as e:
                raise Unreadable(f"damaged PDF: page {i + 1} cannot be loaded ({e})") from None
            any_text = any_text or bool(text.strip())
            pages.append((page, textpage, text))
        out = Document(format=FORMAT, pages=len(doc))
        scanned = 0
        for i, (page, textpage, text) in enumerate(pages, start=1):
            if not text.strip():
                # No text layer: a scanned (or photographed) page, read by OCR.
                from gip_pipeline.extraction.ocr import prose_for

                blocks = _ocr_page(page, i, prose_for(i - 1, len(pages)))
                scanned += blocks is not None
                out.blocks.extend(blocks or ())
            elif is_table_page(text):
                out.blocks.extend(_table_page_blocks(page, textpage, text, i))
            else:
                out.blocks.extend(Paragraph(t, i) for t in _text_lines(text))
        if not any_text and not scanned:
            raise Unreadable("blank PDF: its pages hold neither a text layer nor a picture")
        if not any_text and not out.blocks:
            raise Unreadable("scanned PDF: OCR found no text on its pages")
        out.title = find_title([b.text for b in out.blocks[:TITLE_LINES] if isinstance(b, Paragraph)])
        return out
    finally:
        doc.close()
