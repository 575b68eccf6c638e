"""PDF with a text layer (reportlab, CID font STSong-Light): tables drawn with lines,
crossing pages, page numbers `- N -`, wrapped long labels, merged group labels.

Layouts: `grid` (group labels wrapped horizontally in their merged cell) and `wps`
(the top group label stacked one character per line, as WPS exports do).
"""

from __future__ import annotations

import functools
import io
import random

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from gip_pipeline.synth.doc import Grid, SynthDoc

LAYOUTS = ("grid", "wps")
FONT = "STSong-Light"
PAGE_W, PAGE_H = A4
MARGIN_X, TOP, BOTTOM = 60.0, PAGE_H - 60.0, 70.0
WIDTH = PAGE_W - 2 * MARGIN_X
_COLS = {
    "active_disclosure": [155.0, 106.0, 107.0, 107.0],
    "requests": [28.0, 58.0, 116.0] + [39.0] * 7,
    "review_litigation": [WIDTH / 15] * 15,
}


@functools.lru_cache(maxsize=1)
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


# TrueType-outline CJK fonts (reportlab cannot embed CFF ones such as Noto Sans CJK):
# mpl-font's copy of WenQuanYi Micro Hei (the test extra), then common system places.
_TTF_CANDIDATES = (
    ("mpl_font", "fonts/wqy/wqy-microhei.ttc"),
    (None, "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    (None, "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    (None, "/usr/share/fonts/truetype/arphic/uming.ttc"),
    (None, "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
EMBEDDED = "GipSynthSans"


def cjk_font_file() -> str | None:
    import importlib.util
    import os

    for package, rel in _TTF_CANDIDATES:
        if package is None:
            path = rel
        else:
            spec = importlib.util.find_spec(package)  # finds the folder without importing it
            if spec is None or not spec.submodule_search_locations:
                continue
            path = os.path.join(list(spec.submodule_search_locations)[0], rel)
        if os.path.isfile(path):
            return path
    return None


@functools.lru_cache(maxsize=1)
def embedded_font() -> str:
    """A CJK font embedded in the PDF, so a rasteriser draws the glyphs with no system
    font (the CID font STSong-Light is only named, as many real PDFs do)."""
    from reportlab.pdfbase.ttfonts import TTFont

    path = cjk_font_file()
    if path is None:
        raise RuntimeError("rendering page images needs a TrueType CJK font: install the test extra "
                           "(pip install -e '.[test]', which brings mpl-font) or fonts-wqy-microhei")
    pdfmetrics.registerFont(TTFont(EMBEDDED, path, subfontIndex=0))
    return EMBEDDED


@functools.lru_cache(maxsize=65536)
def _cw(ch: str, size: float, font: str) -> float:
    return pdfmetrics.stringWidth(ch, font, size)


def wrap(text: str, width: float, size: float, font: str = FONT) -> list[str]:
    lines, cur, w = [], "", 0.0
    for ch in text:
        cw = _cw(ch, size, font)
        if cur and w + cw > width:
            lines.append(cur)
            cur, w = "", 0.0
        cur += ch
        w += cw
    if cur or not lines:
        lines.append(cur)
    return lines


class _Writer:
    def __init__(self, doc: SynthDoc, font: str) -> None:
        self.font = font
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, invariant=1, pageCompression=0)
        self.c.setTitle(doc.title)
        self.c.setAuthor(doc.organ.name)
        self.c.setSubject("合成数据 SYNTHETIC")
        self.c.setKeywords("synthetic gip-synth")
        self.c.setCreator("gip-synth")
        self.page = 1
        self.y = TOP

    def footer(self) -> None:
        self.c.setFont(self.font, 10)
        self.c.drawCentredString(PAGE_W / 2, 40, f"- {self.page} -")

    def new_page(self) -> None:
        self.footer()
        self.c.showPage()
        self.page += 1
        self.y = TOP

    def need(self, h: float) -> None:
        if self.y - h < BOTTOM:
            self.new_page()

    def text(self, text: str, size: float = 11, center: bool = False, indent: float = 22) -> None:
        lead = size * 1.6
        for i, line in enumerate(wrap(text, WIDTH - (0 if center else indent), size, self.font)):
            self.need(lead)
            self.c.setFont(self.font, size)
            if center:
                self.c.drawCentredString(PAGE_W / 2, self.y - size, line)
            else:
                self.c.drawString(MARGIN_X + (0 if i or center else indent), self.y - size, line)
            self.y -= lead

    def table(self, grid: Grid, layout: str) -> None:
        size, lead, pad = 8.0, 10.5, 3.0
        widths = _COLS[grid.table]
        if grid.table == "requests" and grid.ncols == 11:  # with the 小计 column
            widths = [28.0, 58.0, 101.0] + [36.0] * 8
        xs = [MARGIN_X]
        for w in widths:
            xs.append(xs[-1] + w)
        placed = grid.placed()
        vertical = {id(c) for _, _, c in placed if layout == "wps" and c.kind == "group" and c.rowspan > 8}
        heights = [0.0] * len(grid.rows)
        for ri, col, cell in placed:
            if cell.rowspan == 1:
                w = xs[col + cell.colspan] - xs[col] - 2 * pad
                heights[ri] = max(heights[ri], len(wrap(cell.text, w, size, self.font)) * lead + 2 * pad)
        for ri, col, cell in placed:  # a merged label must fit in its rows
            if cell.rowspan > 1 and id(cell) not in vertical:
                w = xs[col + cell.colspan] - xs[col] - 2 * pad
                need = len(wrap(cell.text, w, size, self.font)) * lead + 2 * pad
                have = sum(heights[ri:ri + cell.rowspan])
                if need > have:
                    heights[ri + cell.rowspan - 1] += need - have
        # Lay rows out on pages (simulated), then paint page by page in row order.
        pos = []  # (page, top y, bottom y)
        page, y = self.page, self.y
        hdr = sum(heights[:grid.header_rows + 1])
        for ri, h in enumerate(heights):
            if y - h < BOTTOM or (ri == 0 and y - hdr < BOTTOM):
                page, y = page + 1, TOP
            pos.append((page, y, y - h))
            y -= h
        by_page: dict[int, list] = {}
        for ri, col, cell in placed:
            segs: dict[int, list[int]] = {}
            for r in range(ri, ri + cell.rowspan):
                segs.setdefault(pos[r][0], []).append(r)
            x0, x1 = xs[col], xs[col + cell.colspan]
            lines = (list(cell.text) if id(cell) in vertical
                     else wrap(cell.text, x1 - x0 - 2 * pad, size, self.font)) if cell.text else []
            # A merged cell cut by a page break keeps its text inside its own ruling: the lines
            # that do not fit above the break continue below it, as a word processor flows them.
            parts = []
            for k, (pg, rows) in enumerate(segs.items()):
                room = pos[rows[0]][1] - pos[rows[-1]][2] - 2 * pad
                fit = len(lines) if k == len(segs) - 1 else max(0, int(room // lead))
                parts.append(lines[:fit])
                lines = lines[fit:]
            for (pg, rows), part in zip(segs.items(), parts):
                by_page.setdefault(pg, []).append((rows[0], col, cell, rows, part))
        c = self.c
        for pg in sorted(by_page):
            while self.page < pg:
                self.new_page()
            c.setLineWidth(0.6)
            for _, col, cell, rows, lines in sorted(by_page[pg], key=lambda t: (t[0], t[1])):
                x0, x1 = xs[col], xs[col + cell.colspan]
                top, bot = pos[rows[0]][1], pos[rows[-1]][2]
                c.rect(x0, bot, x1 - x0, top - bot, stroke=1, fill=0)
                if not lines:
                    continue
                c.setFont(self.font, size)
                yy = (top + bot) / 2 + len(lines) * lead / 2 - size + 2
                for line in lines:
                    if id(cell) in vertical:  # one character per line
                        c.drawCentredString((x0 + x1) / 2, yy, line)
                    elif cell.kind == "label":
                        c.drawString(x0 + pad, yy, line)
                    else:
                        c.drawCentredString((x0 + x1) / 2, yy, line)
                    yy -= lead
        self.y = pos[-1][2] - 10


def render(doc: SynthDoc, rng: random.Random, embed_font: bool = False) -> tuple[bytes, dict]:
    w = _Writer(doc, embedded_font() if embed_font else _font())
    for kind, text in doc.blocks:
        if kind == "title":
            w.y -= 20
            w.text(text, size=16, center=True)
            w.y -= 10
        elif kind == "heading":
            w.text(text, size=12, indent=22)
        elif kind == "table":
            w.table(doc.grids[text], doc.layout)
        elif kind == "sign":
            w.text(text, size=11, indent=max(0.0, WIDTH - len(text) * 11 - 10))
        else:
            w.text(text, size=11)
    w.footer()
    w.c.showPage()
    w.c.save()
    return w.buf.getvalue(), {"index_number": False}
