"""HTML reader: a saved government page (or a content fragment) to a Document.

The page is parsed with lxml (never executed, nothing fetched), the chrome
around the report (scripts, navigation, breadcrumbs, share and print links) is
dropped, and the body is walked in document order into Paragraphs and Tables.

Tables are first read into a RawTable (cells with their spans and their content
as text pieces and nested tables). The grid logic below is shared with the
DOCX reader: spans are expanded into a rectangular grid; a table that merely
lays out the page (holds the report's text, or wraps the data tables) is
unwrapped so its inner data tables surface as Table blocks; a data table with a
small table inside a cell gets the inner rows spliced into its grid.

Pictures: where a page does not carry the three tables as markup, its large `<img>`
pictures (`data:` URIs, or files beside the page: never fetched over a network) are
read by OCR (gip_pipeline.extraction.ocr) in their place in the reading order, as
many sites publish the tables as screenshots.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import lxml.etree

from gip_pipeline.extraction.document import Cell, Document, Paragraph, Table, Unreadable
from gip_pipeline.extraction.readers.encoding import detect
from gip_pipeline.metadata.schema import METADATA

# ----------------------------------------------------------------- shared grid


@dataclass
class RawTable:
    rows: list[list["RawCell"]] = field(default_factory=list)


class RawCell:
    """Content in order: text pieces (one per paragraph-like block; "\n" marks a soft line
    break) and nested tables. `parts` is not changed after construction (text and nested are
    cached; a plain slot cache, as functools.cached_property takes a lock per access)."""

    __slots__ = ("parts", "colspan", "rowspan", "_text", "_nested")

    def __init__(self, parts: list["str | RawTable"] | None = None, colspan: int = 1,
                 rowspan: int = 1):  # rowspan 0 = to the end of the table (HTML)
        self.parts = parts if parts is not None else []
        self.colspan = colspan
        self.rowspan = rowspan
        self._text: str | None = None
        self._nested: list[RawTable] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            pieces = (_ws(p) for p in self.parts if isinstance(p, str))
            self._text = " ".join(x for x in pieces if x)
        return self._text

    @property
    def nested(self) -> list[RawTable]:
        if self._nested is None:
            self._nested = [p for p in self.parts if isinstance(p, RawTable) and p.rows]
        return self._nested

    def __repr__(self) -> str:
        return f"RawCell({self.parts!r}, colspan={self.colspan}, rowspan={self.rowspan})"


_WS = re.compile(r"[ \t\r\n\f\v\xa0]+")
MAX_COLSPAN = 1000  # the HTML limit
MAX_GRID_CELLS = 500_000  # no report table comes near; guards memory against hostile spans
# A cell holding this much text is page layout, not a table cell of a report.
LAYOUT_CELL_CHARS = 300


def _ws(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _place(raw: RawTable) -> tuple[list[list[tuple[RawCell, int, int] | None]], int]:
    """Slot grid: each slot holds (cell, origin_row, origin_col) of the cell covering it."""
    nrows = len(raw.rows)
    slots: list[list[tuple[RawCell, int, int] | None]] = [[] for _ in range(nrows)]
    width = 0
    for i, row in enumerate(raw.rows):
        j = 0
        for cell in row:
            line = slots[i]
            while j < len(line) and line[j] is not None:
                j += 1
            if cell.colspan == 1 and cell.rowspan == 1:  # the common cell: one slot
                if j == len(line):
                    line.append((cell, i, j))
                else:
                    line[j] = (cell, i, j)
                j += 1
                if j > width:
                    width = j
                continue
            cs = min(max(cell.colspan, 1), MAX_COLSPAN)
            rs = cell.rowspan if cell.rowspan >= 1 else nrows - i
            rs = min(rs, nrows - i)
            for r in range(i, i + rs):
                line_r = slots[r]
                if len(line_r) < j + cs:
                    line_r.extend([None] * (j + cs - len(line_r)))
                for c in range(j, j + cs):
                    if line_r[c] is None:  # overlapping spans: the first cell keeps the slot
                        line_r[c] = (cell, i, j)
            j += cs
            width = max(width, j)
        if width * nrows > MAX_GRID_CELLS:
            raise Unreadable("a table's row and column spans expand beyond any plausible report table")
    return slots, width


def expand(raw: RawTable) -> list[list[Cell]]:
    """The rectangular grid of a table without nested tables."""
    slots, width = _place(raw)
    grid: list[list[Cell]] = []
    for i, line in enumerate(slots):
        out = []
        for j, s in enumerate(line):
            if s is None:
                out.append(Cell(""))  # ragged row: nothing printed here
                continue
            cell, r0, c0 = s
            out.append(Cell(cell.text, None, i != r0 or j != c0))
        out.extend(Cell("") for _ in range(width - len(line)))
        grid.append(out)
    return grid


def _subgrid(cell: RawCell) -> list[list[Cell]]:
    """A cell's content as rows: its text (one row) and its nested tables' grids."""
    rows: list[list[Cell]] = []
    for p in cell.parts:
        if isinstance(p, RawTable):
            if p.rows:
                rows.extend(_grid(p))
        elif _ws(p):
            rows.append([Cell(_ws(p))])
    w = max((len(r) for r in rows), default=0)
    for r in rows:  # narrower rows extend like a colspan would
        r.extend(Cell(r[-1].text, spanned=True) for _ in range(w - len(r)))
    return rows


def _grid(raw: RawTable) -> list[list[Cell]]:
    """Grid of a data table; nested tables' rows are spliced into it."""
    if not any(c.nested for row in raw.rows for c in row):
        return expand(raw)
    slots, width = _place(raw)
    nrows = len(slots)
    subs: dict[int, list[list[Cell]]] = {}
    region: dict[int, tuple[int, int, int, int]] = {}  # id -> r0, c0, r1, c1
    for i, line in enumerate(slots):
        for j, s in enumerate(line):
            if s is None:
                continue
            cell, r0, c0 = s
            a, b, r1, c1 = region.get(id(cell), (r0, c0, i, j))
            region[id(cell)] = (r0, c0, max(r1, i), max(c1, j))
            if id(cell) not in subs and cell.nested:
                subs[id(cell)] = _subgrid(cell)
    # Stretch the last row/column a nested cell covers until its sub-grid fits.
    h, w = [1] * nrows, [1] * width
    for key, sub in subs.items():
        r0, c0, r1, c1 = region[key]
        need_r = len(sub) - sum(h[r0:r1 + 1])
        if need_r > 0:
            h[r1] += need_r
        need_c = max((len(r) for r in sub), default=1) - sum(w[c0:c1 + 1])
        if need_c > 0:
            w[c1] += need_c
    roff, coff = [0], [0]
    for x in h:
        roff.append(roff[-1] + x)
    for x in w:
        coff.append(coff[-1] + x)
    if roff[-1] * coff[-1] > MAX_GRID_CELLS:
        raise Unreadable("a table's nested tables expand beyond any plausible report table")
    grid = [[Cell("") for _ in range(coff[-1])] for _ in range(roff[-1])]
    for i, line in enumerate(slots):
        for j, s in enumerate(line):
            if s is None:
                continue
            cell, r0, c0 = s
            top, left = roff[r0], coff[c0]
            sub = subs.get(id(cell))
            for fr in range(roff[i], roff[i + 1]):
                for fc in range(coff[j], coff[j + 1]):
                    if sub:
                        sr, sc = fr - top, fc - left
                        srow = sub[min(sr, len(sub) - 1)]
                        src = srow[min(sc, len(srow) - 1)]
                        inside = sr < len(sub) and sc < len(srow)
                        grid[fr][fc] = Cell(src.text, spanned=src.spanned or not inside)
                    else:
                        grid[fr][fc] = Cell(cell.text, spanned=(fr, fc) != (top, left))
    return grid


def is_layout(raw: RawTable) -> bool:
    """A table that lays out a page (or wraps other tables) rather than holding data."""
    cells = [c for row in raw.rows for c in row]
    if any(len(c.text) > LAYOUT_CELL_CHARS for c in cells):
        return True
    holders = [c for c in cells if c.nested]
    if not holders:
        return False
    if any(len(c.nested) > 1 for c in holders):
        return True
    width = max((sum(max(c.colspan, 1) for c in row) for row in raw.rows), default=0)
    if width <= 2:
        return True
    # Mostly made of its inner tables: a wrapper. A data table with a small
    # table in one cell has far more rows of its own.
    inner_rows = sum(len(t.rows) for c in holders for t in c.nested)
    return inner_rows >= len(raw.rows)


def emit_table(raw: RawTable, blocks: list, page: int | None = None) -> None:
    """Append `raw` to blocks: as one Table, or unwrapped when it is page layout."""
    if not raw.rows:
        return
    if is_layout(raw):
        for row in raw.rows:
            for cell in row:
                for p in cell.parts:
                    if isinstance(p, RawTable):
                        emit_table(p, blocks, page)
                    else:
                        for line in p.split("\n"):
                            t = _ws(line)
                            if t:
                                blocks.append(Paragraph(t, page))
        return
    grid = _grid(raw)
    if grid:
        for row in grid:
            for c in row:
                c.page = page
        blocks.append(Table(grid, page))


# ------------------------------------------------------------------ HTML input

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL_RE = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)

# Dropped with their content (the tail text after them is kept).
_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
    "svg", "canvas", "nav", "header", "footer", "button", "input", "select", "textarea", "option",
    "audio", "video", "map", "head",
)
# class/id tokens of site chrome (split on -, _ and case changes ignored).
_CHROME_TOKENS = frozenset("""
nav navbar navigation menu menubar breadcrumb breadcrumbs crumb crumbs bread header footer foot
head top topbar bottom banner share bdshare jiathis fenxiang social toolbar tools print dayin
position location weizhi dqwz curpos current sidebar sidenav search sousuo skip login qrcode ewm
erweima copyright relate related xgxx xglj links friendlink yqlj
""".split())
_TOKEN_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
# Whole text of a link/span that is a page control, not content.
_CHROME_TEXT = re.compile(
    r"^[\s\[【〖（(]*(打印(本页|此页|正文)?|关闭(本页|窗口|页面|本窗口)?|返回顶部|返回|收藏(本页)?|"
    r"分享(到)?|字号|[大中小]|加入收藏|设为首页|我要纠错|纠错|下载|扫一扫|微信|微博|"
    r"打印本页|保存本页|【?\s*[大中小]\s*[大中小]\s*[大中小]\s*】?)[\s\]】〗）)：:]*$"
)
_CHROME_FIRST = frozenset("[【〖（(打关返收分字大中小加设我纠下扫微保当您所现")
_POSITION_TEXT = re.compile(r"^\s*(当前位置|您现在的位置|您的位置|您当前的位置|所在位置|现在位置)\s*[:：]?")

_BLOCK_TAGS = frozenset("""
p div h1 h2 h3 h4 h5 h6 ul ol li dl dt dd section article aside main blockquote pre address
center form fieldset hr caption figure figcaption details summary legend body html tr tbody thead
tfoot
""".split())

_META_LABELS: tuple[str, ...] = tuple(dict.fromkeys(l for m in METADATA for l in m.labels))
_LABEL_ALT = "|".join(map(re.escape, _META_LABELS))
_FIELD_IN_TEXT = re.compile(
    rf"({_LABEL_ALT})\s*[:：]\s*(.+?)(?=\s{{2,}}|\s*(?:{_LABEL_ALT})\s*[:：]|$)"
)
_ANY_LABEL = re.compile(_LABEL_ALT)
_FIELD_LABEL_CELL = re.compile(rf"^\s*({_LABEL_ALT})\s*[:：]?\s*$")


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_BLANK = " \t\r\n\f\v\xa0"  # what _Collector treats as no text
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text_content(el) -> str:
    return "".join(el.itertext())


def _drop_tree(el) -> None:
    """Remove el with its content, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares in its first bytes (meta or XML declaration)."""
    head = data[:4096]
    m = _XML_DECL_RE.search(head) or _CHARSET_RE.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


class _Collector:
    """Accumulates inline text; block boundaries cut it into pieces."""

    __slots__ = ("parts", "buf", "in_cell")

    def __init__(self, in_cell: bool):
        self.parts: list[str | RawTable] = []
        self.buf: list[str] = []
        self.in_cell = in_cell

    def add(self, s: str | None) -> None:
        if s:
            self.buf.append(s)

    def flush(self) -> None:
        if self.buf:
            s = "".join(self.buf)
            self.buf = []
            if s.strip(_BLANK):
                self.parts.append(s)


def _walk(el, col: _Collector) -> None:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return
    tag = tag.lower()
    if tag == "table":
        col.flush()
        col.parts.append(_read_table(el))
        return
    if tag == "br":
        # In a cell a line break is a space (the text keeps a "\n" so unwrapping
        # a layout cell can still split lines); outside, it ends a paragraph.
        if col.in_cell:
            col.add("\n")
        else:
            col.flush()
        return
    block = tag in _BLOCK_TAGS
    if block:
        col.flush()
    col.add(el.text)
    for child in el:
        _walk(child, col)
        col.add(child.tail)
    if block:
        col.flush()


def _rows_of(table) -> list:
    rows = []
    for child in table:
        t = child.tag.lower() if isinstance(child.tag, str) else ""
        if t == "tr":
            rows.append(child)
        elif t in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if isinstance(c.tag, str) and c.tag.lower() == "tr")
    return rows


_SPAN_RE = re.compile(r"\s*(\d+)")


def _span(el, name: str) -> int:
    v = el.get(name)
    if not v:
        return 1
    if v.isdigit():
        return int(v)
    m = _SPAN_RE.match(v)
    return int(m.group(1)) if m else 1


def _read_table(table) -> RawTable:
    raw = RawTable()
    caption = [c for c in table if isinstance(c.tag, str) and c.tag.lower() == "caption"]
    cap_parts: list[str | RawTable] = []
    for c in caption:
        col = _Collector(True)
        _walk(c, col)
        col.flush()
        cap_parts.extend(col.parts)
    for tr in _rows_of(table):
        row = []
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            if len(td) == 0:  # a leaf cell (most are): its text is its one piece
                t = td.text
                parts = [t] if t and t.strip(_BLANK) else []
            else:
                col = _Collector(True)
                col.add(td.text)
                for child in td:
                    _walk(child, col)
                    col.add(child.tail)
                col.flush()
                parts = col.parts
            row.append(RawCell(parts, _span(td, "colspan"), _span(td, "rowspan")))
        if row:
            raw.rows.append(row)
        elif raw.rows:  # an empty <tr> still takes a row where spans run through it
            raw.rows.append([])
    while raw.rows and not raw.rows[-1]:
        raw.rows.pop()
    if cap_parts and raw.rows:
        # A caption is a heading of the table: keep it as a paragraph before it,
        # which emit() achieves by wrapping the two in a one-column layout table.
        wrapper = RawTable([[RawCell(cap_parts + [raw])]])
        return wrapper
    return raw


def _is_data_table(t) -> bool:
    return len(t.findall(".//tr")) >= 4 and any(
        re.fullmatch(r"\s*\d[\d,.]*\s*", _text_content(td) or "") for td in t.iter("td"))


def _has_data_table(el) -> bool:
    return any(_is_data_table(t) for t in el.iter("table"))


def _strip_chrome(body) -> None:
    for el in list(body.iter(*_DROP_TAGS)):
        if el is not body:
            _drop_tree(el)
    total = -1  # the body's text length, measured only if some element carries a hint
    for el in list(body.xpath(".//*[@class or @id]")):
        if el.getparent() is None or el.tag in ("td", "th", "tr", "table", "tbody"):
            continue
        tokens = set()
        for attr in (el.get("class"), el.get("id")):
            if attr:
                tokens.update(t.lower() for t in _TOKEN_SPLIT.split(attr) if t)
        if not tokens & _CHROME_TOKENS:
            continue
        n = len(_ws(_text_content(el)))
        if total < 0:
            total = len(_ws(_text_content(body)))
        # Hints are only hints: never drop what holds much of the page or a data table.
        if n > max(200, total // 5) or _has_data_table(el):
            continue
        _drop_tree(el)
    for el in list(body.iter("a", "span", "div", "p", "li", "font", "label")):
        parent = el.getparent()
        if parent is None:
            continue
        # Cheap pre-check on the first text piece before joining all the text.
        first = el.text
        if not first or not first.strip(" \t\r\n\xa0"):
            first = next((t for t in el.itertext() if t.strip(" \t\r\n\xa0")), "")
        if not first or first.lstrip(" \t\r\n\xa0")[0] not in _CHROME_FIRST:
            continue
        text = _text_content(el)
        if len(text) > 150:
            continue
        if _POSITION_TEXT.match(text) and el.find(".//table") is None:
            _drop_tree(el)
        elif _CHROME_TEXT.match(text) and (el.tag == "a" or _standalone(el, parent)):
            # A word like 下载 or 中 inside a sentence is content; only a link
            # or an element standing alone is a page control.
            _drop_tree(el)


def _standalone(el, parent) -> bool:
    if _ws(parent.text or "") or _ws(el.tail or ""):
        return False
    return all(not _ws(_text_content(s)) and not _ws(s.tail or "")
               for s in parent if s is not el and isinstance(s.tag, str)) or parent.tag in ("li", "div")


def fields_from_blocks(blocks: list, fields: dict[str, str]) -> None:
    def put(label: str, value: str) -> None:
        value = _ws(value)
        if value and len(value) <= 100 and label not in fields:
            fields[label] = value

    for b in blocks:
        if isinstance(b, Paragraph):
            if _ANY_LABEL.search(b.text):
                for m in _FIELD_IN_TEXT.finditer(b.text):
                    put(m.group(1), m.group(2))
        else:
            for row in b.rows:
                for k, c in enumerate(row):
                    if c.spanned or not _ANY_LABEL.search(c.text):
                        continue
                    m = _FIELD_LABEL_CELL.match(c.text)
                    if m:
                        nxt = next((x for x in row[k + 1:] if not x.spanned), None)
                        if nxt is not None:
                            put(m.group(1), nxt.text)
                    else:
                        for m in _FIELD_IN_TEXT.finditer(c.text):
                            put(m.group(1), m.group(2))


# ------------------------------------------------------------------ pictures

PICTURE_MIN_SIDE = 80  # px; icons and logos are smaller than a table picture (four rows at 96 dpi: 110)
PICTURE_MIN_PIXELS = 40_000
MAX_PICTURES = 40
MAX_PICTURE_BYTES = 25_000_000
SCREEN_DPI = 96.0
PAGE_PICTURE_WIDTH = 1000  # px: a page scanned at 120 dpi or more
_PICTURE_MARK = re.compile("\ue000(\\d+)\ue001")
_DATA_TABLES_FOR_ALL = 3  # markup tables with numbers: the report's tables are not pictures


def _picture_bytes(src: str, base: Path | None) -> bytes | None:
    """The bytes of an <img src>: a data: URI, or a file inside the page's own folder."""
    src = src.strip()
    if src[:5].lower() == "data:":
        head, _, payload = src.partition(",")
        try:
            if ";base64" in head.lower():
                return base64.b64decode(re.sub(r"\s+", "", payload), validate=False)
            return urllib.parse.unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            return None
    url = urllib.parse.urlsplit(src)
    if base is None or (url.scheme and url.scheme.lower() != "file") or url.netloc:
        return None  # nothing is fetched: a remote picture is not read
    try:
        root = base.resolve()
        path = (root / urllib.parse.unquote(url.path).lstrip("/\\")).resolve()
        # A saved page's pictures sit beside it; never read outside its folder.
        if not path.is_relative_to(root) or not path.is_file() or path.stat().st_size > MAX_PICTURE_BYTES:
            return None
        return path.read_bytes()
    except (OSError, ValueError, RuntimeError):
        return None


def _picture_frames(data: bytes) -> list | None:
    """Decoded frames of a picture large enough to hold a table, else None."""
    from PIL import Image, UnidentifiedImageError

    from gip_pipeline.extraction.readers.image import decode_frames

    try:
        with Image.open(io.BytesIO(data)) as img:
            w, h = img.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    if min(w, h) < PICTURE_MIN_SIDE or w * h < PICTURE_MIN_PIXELS:
        return None
    try:
        return decode_frames(data, _picture_dpi)
    except Unreadable:
        return None


def _picture_dpi(width: int, height: int) -> float:
    from gip_pipeline.extraction.readers.image import page_dpi

    # Narrower than a page scan: a screenshot of a table, at screen resolution.
    return page_dpi(width, height) if width >= PAGE_PICTURE_WIDTH else SCREEN_DPI


def _mark_pictures(body, name: str) -> dict[int, list]:
    """Replace each table-sized <img> by a marker paragraph; returns marker -> frames."""
    if body.find(".//img") is None:
        return {}
    n_data = 0
    for t in body.iter("table"):
        n_data += _is_data_table(t)
        if n_data >= _DATA_TABLES_FOR_ALL:
            return {}
    base = None
    if name:
        p = Path(name)
        base = p.parent if p.is_file() else None
    found: dict[int, list] = {}
    for el in list(body.iter("img")):
        if len(found) >= MAX_PICTURES:
            break
        src = el.get("src") or el.get("data-src") or el.get("data-original") or ""
        data = _picture_bytes(src, base) if src else None
        frames = _picture_frames(data) if data else None
        if not frames:
            continue
        k = len(found)
        found[k] = frames
        mark = lxml.etree.Element("div")
        mark.text = f"\ue000{k}\ue001"
        mark.tail = el.tail
        el.getparent().replace(el, mark)
    return found


def _expand_pictures(blocks: list, pictures: dict[int, list]) -> list:
    from gip_pipeline.extraction.readers.image import ocr_blocks

    out: list = []
    for b in blocks:
        if isinstance(b, Paragraph) and "\ue000" in b.text:
            pos = 0
            for m in _PICTURE_MARK.finditer(b.text):
                before = _ws(b.text[pos:m.start()])
                if before:
                    out.append(Paragraph(before, b.page))
                out.extend(ocr_blocks(pictures.get(int(m.group(1)), []), None))
                pos = m.end()
            after = _ws(b.text[pos:])
            if after:
                out.append(Paragraph(after, b.page))
            continue
        if isinstance(b, Table):
            for row in b.rows:
                for c in row:
                    if "\ue000" in c.text:  # a picture inside a data cell is not read
                        c.text = _ws(_PICTURE_MARK.sub(" ", c.text))
        out.append(b)
    return out


MAX_DEPTH = 600  # element nesting read (unclosed <font> tags pile up on real pages)


def _too_deep(parser) -> bool:
    return any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message for e in parser.error_log)


def _depth(root) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        el, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in el)
    return deepest


def _parse_html(text: str):
    # Plain lxml.etree elements: lxml.html's element classes cost a lookup per node.
    def parse(huge: bool):
        parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                       default_doctype=False, huge_tree=huge)
        try:
            return lxml.etree.fromstring(text, parser=parser), parser
        except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as e:
            raise Unreadable(f"The HTML could not be parsed ({e}).") from None

    root, parser = parse(False)
    # libxml2 stops at 256 levels and drops what lies deeper. Pages with a few hundred
    # unclosed tags are read again without that limit; deeper nesting is refused (never
    # read as "no text", and never deep enough to exhaust the stack of the walk below).
    if root is not None and _too_deep(parser):
        root, parser = parse(True)
        if _too_deep(parser) or (root is not None and _depth(root) > MAX_DEPTH):
            raise Unreadable(f"the HTML is nested too deeply to read (more than {MAX_DEPTH} "
                             "levels of elements).")
    if root is None:
        raise Unreadable("The HTML file holds no markup or text.")
    return root


def read(data: bytes, name: str) -> Document:
    """Read an HTML page or fragment into a Document (page numbers are None)."""
    if not data or not data.strip():
        raise Unreadable("The HTML file is empty.")
    if data[:5] == b"%PDF-" or data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Unreadable("The file is a PDF or Office document, not an HTML page.")
    dec = detect(data, declared_charset(data))
    text = dec.text
    controls = len(_CONTROLS.findall(text, 0, 20000))
    if controls > max(5, len(text[:20000]) // 100) or (not dec.strict and "\ufffd" in text[:20000]
                                                       and text.count("\ufffd") > len(text) // 50):
        raise Unreadable("The file holds binary data, not a text page.")
    # lxml refuses to set text holding characters XML cannot carry (NUL, C0 controls, lone
    # surrogates, U+FFFE/F): a damaged page drops them here rather than failing later.
    text = _NOT_XML.sub(" ", text.replace("\x00", ""))
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise Unreadable("The HTML file is empty.")
    root = _parse_html(text)

    doc = Document(format="html")
    # Head first: title and <meta> fields, before chrome removal drops <head>.
    title_el = root.find(".//title")
    for m in root.iter("meta"):
        key, content = m.get("name") or m.get("property"), m.get("content")
        if key and content is not None and _ws(content):
            doc.fields.setdefault(key.strip(), _ws(content)[:500])
    title = _ws(_text_content(title_el)) if title_el is not None else ""
    if not title:
        h1 = root.find(".//h1")
        title = _ws(_text_content(h1)) if h1 is not None else ""
    if not title:
        title = doc.fields.get("ArticleTitle", "")
    doc.title = title or None

    body = root.find("body")
    if body is None:
        body = root
    _strip_chrome(body)
    pictures = _mark_pictures(body, name)
    col = _Collector(False)
    _walk(body, col)
    col.flush()
    for p in col.parts:
        if isinstance(p, RawTable):
            emit_table(p, doc.blocks)
        else:
            t = _ws(p)
            if t:
                doc.blocks.append(Paragraph(t))
    if pictures:
        doc.blocks = _expand_pictures(doc.blocks, pictures)
    fields_from_blocks(doc.blocks, doc.fields)
    return doc
