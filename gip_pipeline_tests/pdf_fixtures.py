"""Small PDFs built in code with reportlab, for the PDF reader's tests.

The CID font STSong-Light ships inside reportlab (no font file), and pdfium maps
it back to Unicode, so these PDFs have a real Chinese text layer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
PAGE_W, PAGE_H = A4
SIZE = 9.0
LEADING = 10.5


@dataclass
class C:
    """One printed cell: rows r0..r1 and columns c0..c1, inclusive (a merged cell spans)."""

    text: str
    r0: int
    c0: int
    r1: int | None = None
    c1: int | None = None
    vertical: bool = False  # one character per line, as narrow merged labels print


def draw_grid(c: canvas.Canvas, x0: float, top: float, col_w: list[float],
              row_h: list[float], cells: list[C], open_top: float = 0.0,
              open_bottom: float = 0.0) -> None:
    """Draw a ruled table; `top` counts from the page top.

    open_top/open_bottom leave the table unclosed at that side (as where it breaks
    across pages): no ruling there, and the vertical rulings run on that far.
    """
    xs = [x0]
    for w in col_w:
        xs.append(xs[-1] + w)
    ys = [top]
    for h in row_h:
        ys.append(ys[-1] + h)
    last = len(row_h) - 1
    c.setLineWidth(0.75)
    for cell in cells:
        r1 = cell.r0 if cell.r1 is None else cell.r1
        c1 = cell.c0 if cell.c1 is None else cell.c1
        left, right = xs[cell.c0], xs[c1 + 1]
        t, b = ys[cell.r0], ys[r1 + 1]
        vt = t - (open_top if cell.r0 == 0 else 0)
        vb = b + (open_bottom if r1 == last else 0)
        if not (open_top and cell.r0 == 0):
            c.line(left, PAGE_H - t, right, PAGE_H - t)
        if not (open_bottom and r1 == last):
            c.line(left, PAGE_H - b, right, PAGE_H - b)
        c.line(left, PAGE_H - vt, left, PAGE_H - vb)
        c.line(right, PAGE_H - vt, right, PAGE_H - vb)
        lines = list(cell.text) if cell.vertical else cell.text.split("\n")
        block = LEADING * len(lines)
        y = (t + b) / 2 - block / 2 + SIZE  # first baseline, from the page top
        for line in lines:
            if len(line) == 1 and ord(line) >= 0x2E80:
                # pdfium drops a Tj of one CJK glyph in this non-embedded CID font;
                # a trailing space keeps it in the text layer (the reader strips it).
                line += " "
            if cell.vertical or len(line) <= 4:
                c.drawCentredString((left + right) / 2, PAGE_H - y, line)
            else:
                c.drawString(left + 2, PAGE_H - y, line)
            y += LEADING


def _canvas(buf: io.BytesIO, **kw) -> canvas.Canvas:
    c = canvas.Canvas(buf, pagesize=A4, **kw)
    c.setFont(FONT, SIZE)
    return c


def _text(c: canvas.Canvas, x: float, top: float, s: str, size: float = SIZE) -> None:
    c.setFont(FONT, size)
    c.drawString(x, PAGE_H - top, s)
    c.setFont(FONT, SIZE)


# The requests table of the 2-page fixture: label columns, then 7 value columns.
REQ_COLS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
REQ_VALUES = {  # distinct numbers, so a value in the wrong row or column shows
    "new": [11, 2, 0, 0, 1, 3, 17],
    "carried": [4, 0, 0, 0, 0, 0, 4],
    "granted": [6, 1, 0, 0, 0, 2, 9],
    "partial": [3, 0, 0, 0, 1, 0, 4],
    "secret": [1, 0, 0, 0, 0, 0, 1],
    "prohibited": [0, 0, 0, 0, 0, 1, 1],
    "confirm": [2, 1, 0, 0, 0, 0, 3],
    "total": [15, 2, 0, 0, 1, 3, 21],
    "forward": [0, 0, 0, 0, 0, 0, 0],
}
REVIEW_VALUES = [3, 1, 0, 0, 4, 2, 0, 0, 1, 3, 1, 1, 0, 0, 2]


def _value_cells(row: int, values: list[int], first_col: int) -> list[C]:
    return [C(str(v), row, first_col + j) for j, v in enumerate(values)]


def two_page_report() -> bytes:
    """A report whose requests table breaks across pages 1-2, with page numbers in the gap.

    Page 1: title, paragraphs, the header of the requests table (the 商业企/业 header
    split over two lines, three stacked header rows), rows 一 and 二, and a vertically
    merged label 三、本年度办理结果 printed one character per line; the table is left
    open at the bottom and the page number `- 1 -` is printed inside its open tail.
    Page 2: `- 2 -` inside the table's open top, a row with a label wrapped above and
    below its numbers, （七）总计, 四、结转下年度继续办理; then section 四's table
    with its three stacked header rows and one row of 15 numbers.
    """
    buf = io.BytesIO()
    c = _canvas(buf)
    _table_pages(c)
    c.save()
    return buf.getvalue()


def _table_pages(c: canvas.Canvas) -> None:
    _text(c, 150, 70, "某某区人民政府2023年政府信息公开工作年度报告", 14)
    _text(c, 60, 110, "一、总体情况")
    _text(c, 60, 126, "2023年，本区认真贯彻落实《中华人民共和国政府信息公开条例》。")
    _text(c, 60, 500, "三、收到和处理政府信息公开申请情况")
    col_w = [24, 150] + [40] * 7
    row_h = [20, 20, 36, 22, 22, 26, 26, 26, 26]
    cells = [
        C("（本列数据的勾稽关系为：\n第一项加第二项之和，\n等于第三项加第四项之和）", 0, 0, 2, 1),
        C("申请人情况", 0, 2, 0, 8),
        C("自然人", 1, 2, 2, 2),
        C("法人或其他组织", 1, 3, 1, 7),
        C("总计", 1, 8, 2, 8),
        C("商业企\n业", 2, 3), C("科研\n机构", 2, 4), C("社会\n公益\n组织", 2, 5),
        C("法律\n服务\n机构", 2, 6), C("其他", 2, 7),
        C("一、本年新收政府信息公开申请数量", 3, 0, 3, 1),
        C("二、上年结转政府信息公开申请数量", 4, 0, 4, 1),
        C("三、本年度办理结果", 5, 0, 8, 0, vertical=True),
        C("（一）予以公开", 5, 1),
        C("（二）部分公开", 6, 1),
        C("1.属于国家秘密", 7, 1),
        C("2.其他法律行政止公开", 8, 1),
    ]
    for r, key in ((3, "new"), (4, "carried"), (5, "granted"), (6, "partial"),
                   (7, "secret"), (8, "prohibited")):
        cells += _value_cells(r, REQ_VALUES[key], 2)
    # The table runs to the page foot, open; the page number lands in its open tail.
    draw_grid(c, 60, 515, col_w, row_h, cells, open_bottom=40)
    c.drawCentredString(PAGE_W / 2, PAGE_H - (515 + sum(row_h) + 24), "- 1 -")
    c.showPage()

    c.setFont(FONT, SIZE)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 62, "- 2 -")
    row_h2 = [34, 26, 22]
    cells2 = [
        C("", 0, 0, 1, 0),  # the merged label's continuation: empty on this page
        C("5.要求行政机关确认或重新出具\n已获取信息", 0, 1),
        C("（七）总计", 1, 1),
        C("四、结转下年度继续办理", 2, 0, 2, 1),
    ]
    for r, key in ((0, "confirm"), (1, "total"), (2, "forward")):
        cells2 += _value_cells(r, REQ_VALUES[key], 2)
    draw_grid(c, 60, 80, col_w, row_h2, cells2, open_top=30)

    _text(c, 60, 200, "四、政府信息公开行政复议、行政诉讼情况")
    heads = ["结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计"]
    cells4 = [C("行政复议", 0, 0, 0, 4), C("行政诉讼", 0, 5, 0, 14),
              C("未经复议直接起诉", 1, 5, 1, 9), C("复议后起诉", 1, 10, 1, 14)]
    cells4 += [C(h, 1, j, 2, j) for j, h in enumerate(heads)]
    cells4 += [C(h, 2, 5 + j) for j, h in enumerate(heads)]
    cells4 += [C(h, 2, 10 + j) for j, h in enumerate(heads)]
    cells4 += _value_cells(3, REVIEW_VALUES, 0)
    draw_grid(c, 60, 215, [30] * 15, [20, 20, 30, 22], cells4)
    _text(c, 60, 330, "五、存在的主要问题及改进情况")
    c.showPage()


def unruled_report() -> bytes:
    """A requests table printed without rulings (text only), broken across two pages.

    Numbers sit in wide-gapped columns; one label wraps above and below its numbers;
    the page number `- 1 -` follows the last row of page 1.
    """
    buf = io.BytesIO()
    c = _canvas(buf)
    xs = [300 + 35 * j for j in range(7)]

    def row(top: float, label: str | None, values: list[int]) -> None:
        if label:
            c.drawString(60, PAGE_H - top, label)
        for x, v in zip(xs, values):
            c.drawRightString(x + 20, PAGE_H - top, str(v))

    _text(c, 60, 80, "三、收到和处理政府信息公开申请情况")
    c.drawString(300, PAGE_H - 100, "自然人")
    c.drawString(510, PAGE_H - 100, "总计")
    row(120, "一、本年新收政府信息公开申请数量", REQ_VALUES["new"])
    row(140, "二、上年结转政府信息公开申请数量", REQ_VALUES["carried"])
    row(160, "（一）予以公开", REQ_VALUES["granted"])
    c.drawCentredString(PAGE_W / 2, PAGE_H - 800, "- 1 -")
    c.showPage()
    c.setFont(FONT, SIZE)
    c.drawString(60, PAGE_H - 95, "5.要求行政机关确认或重新出具")
    row(105, None, REQ_VALUES["confirm"])
    c.drawString(60, PAGE_H - 115, "已获取信息")
    row(135, "（七）总计", REQ_VALUES["total"])
    row(155, "四、结转下年度继续办理", REQ_VALUES["forward"])
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """Pages with only drawing (lines, a filled box, an inline image): no text layer."""
    from PIL import Image

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    img = Image.new("RGB", (40, 20), (200, 200, 200))
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(img), 100, 500, 200, 100)
    c.line(60, 400, 500, 400)
    c.rect(60, 300, 200, 50, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    buf = io.BytesIO()
    c = _canvas(buf, encrypt="secret")
    c.drawString(60, 700, "一、本年新收政府信息公开申请数量 3")
    c.showPage()
    c.save()
    return buf.getvalue()


def multipage_report(prose_pages: int = 8) -> bytes:
    """A longer report for timing: the two table pages between pages of prose."""
    buf = io.BytesIO()
    c = _canvas(buf)
    prose = "本机关坚持以公开为常态、不公开为例外，推进政府信息公开工作规范有序开展。"
    for p in range(prose_pages):
        if p == prose_pages // 2:
            _table_pages(c)
        c.setFont(FONT, SIZE)  # showPage resets the font
        for k in range(40):
            # Numbered: pdfium drops a long line identical to the one before it when
            # the CJK font is not embedded (its guessed glyph boxes overlap).
            c.drawString(60, PAGE_H - 60 - 18 * k, f"{k + 1}.{prose}")
        c.drawCentredString(PAGE_W / 2, 40, f"- {p + 1} -")
        c.showPage()
    c.save()
    return buf.getvalue()


def blank_cells_report() -> bytes:
    """Ruled tables whose zeros are printed empty: a requests row with blank cells, a column
    blank in every row (科研机构), and a section 四 value row with no text at all. The
    title wraps over two lines, as a long centred title does."""
    buf = io.BytesIO()
    c = _canvas(buf)
    _text(c, 80, 60, "某某自治县住房和城乡建设局2023年政府信息公开工作年度", 14)
    _text(c, 260, 80, "报告", 14)
    _text(c, 60, 110, "三、收到和处理政府信息公开申请情况")
    col_w = [150] + [40] * 7
    # No header row, as on a continuation page: nothing but rulings marks the blank columns.
    cells = [C("一、本年新收政府信息公开申请数量", 0, 0), C("二、上年结转政府信息公开申请数量", 1, 0)]
    for r, vals in ((0, ["5", "1", "", "", "", "2", "8"]), (1, ["", "", "", "", "", "", ""])):
        cells += [C(v, r, 1 + j) for j, v in enumerate(vals)]
    draw_grid(c, 60, 125, col_w, [26, 26], cells)
    _text(c, 60, 230, "四、政府信息公开行政复议、行政诉讼情况")
    cells4 = [C("行政复议", 0, 0, 0, 4), C("行政诉讼", 0, 5, 0, 14)]
    cells4 += [C(h, 1, j) for j, h in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3)]
    cells4 += [C("", 2, j) for j in range(15)]
    draw_grid(c, 60, 245, [30] * 15, [20, 30, 22], cells4)
    c.showPage()
    c.save()
    return buf.getvalue()


def text_pdf(lines: list[str]) -> bytes:
    """Plain lines of text, wrapped at the printed width and paged, as a born-digital PDF."""
    from gip_pipeline.synth.render_pdf import wrap

    buf = io.BytesIO()
    c = _canvas(buf)
    y = 60.0
    for line in lines:
        for part in wrap(line, PAGE_W - 100, SIZE, FONT):
            if y > PAGE_H - 60:
                c.showPage()
                c.setFont(FONT, SIZE)
                y = 60.0
            _text(c, 50, y, part)
            y += 14
    c.save()
    return buf.getvalue()
