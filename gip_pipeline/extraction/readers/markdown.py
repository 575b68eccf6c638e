"""Markdown reader: pipe tables and lines from PDF-to-Markdown converters.

Converters cut one printed table into many pipe-table fragments: a page break,
a multi-line label or a merged cell ends a fragment, and the label text falls
out into plain lines between fragments (`（三）不` / `予公开`), while the numbers
stay in a row without a label. The reader keeps every row in its printed
order (the recognizer assigns label-less rows by the canonical row order
between labelled anchors, so order is the information) and merges fragments
that only such lines, footers and non-table headings separate into one Table.

Nothing here interprets numbers: cells keep their text, markup removed.
Markdown has no pages, so pages stay None even where a footer names one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

from gip_pipeline.extraction.document import Cell, Document, Paragraph, Table, Unreadable
from gip_pipeline.extraction.readers.encoding import decode_bytes
from gip_pipeline.extraction.values import looks_like_value
from gip_pipeline.metadata.schema import METADATA, TABLES

StrayMode = Literal["rows", "paragraphs", "drop"]

# A line of only pipes, dashes, colons and spaces, with at least one pipe and dash.
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s*(.*?)\s*#*\s*$")
# Page footers a converter leaves in the flow: `3`, `- 3 -`, `— 3 —`, `第3页`, `第 3 页 共 9 页`, `3/9`.
_FOOTER = re.compile(
    r"^\s*(?:[-—–]\s*)?\d{1,3}(?:\s*[-—–])?\s*$"
    r"|^\s*第\s*\d{1,3}\s*页(?:\s*[，,/]?\s*共\s*\d{1,3}\s*页)?\s*$"
    r"|^\s*\d{1,3}\s*/\s*\d{1,3}\s*$"
    r"|^\s*(?:page|Page|PAGE)\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?\s*$"
)
_FOOTNOTE_DEF = re.compile(r"^\s*\[\^[^\]]+\]:")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
_SUP = re.compile(r"<sup>.*?</sup>", re.IGNORECASE | re.DOTALL)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
# A table heading such as `## 表三：…` starts a new table whatever its text.
_TABLE_HEADING = re.compile(r"^\s*表\s*[一二三四五六七八九十\d]")
# The start of a row label: `（三）`, `3.`, `三、`. A stray line without one continues the previous label.
_LABEL_START = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|\d{1,2}\s*[.．、]|[一二三四五六七八九十]+、)")
# A table row printed as plain text: `行政许可 97`, `3.其他 4 0 0 0 0 0 4`.
_LABEL_VALUES = re.compile(
    r"^(?P<label>(?:\d{1,2}\s*[.．、])?[^\d\s|](?:.*?[^\d\s|,.])?)"
    r"\s+(?P<values>\d[\d,]*(?:\.\d+)?(?:\s+\d[\d,]*(?:\.\d+)?)*)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Prose, not a label: sentence punctuation or long text.
_MAX_LABEL_LINE = 40
# More non-blank lines than this between fragments means they are separate tables.
_MAX_GAP_LINES = 20

_TABLE_TITLES = tuple(
    sorted({t.title for t in TABLES} | {v for t in TABLES for v in t.title_variants}, key=len,
           reverse=True)
)
_META_LABELS = tuple(sorted({lab for m in METADATA for lab in m.labels}, key=len, reverse=True))
_META_LINE = re.compile(r"^\s*(" + "|".join(map(re.escape, _META_LABELS)) + r")\s*[:：]\s*(\S.*?)\s*$")


@dataclass
class _Line:
    kind: str  # row | sep | blank | heading | footer | footnote | text
    text: str
    cells: list[str] | None = None


def read(data: bytes, name: str, stray: StrayMode = "rows") -> Document:
    """Read Markdown bytes into a Document.

    stray: what to do with plain lines inside a merged table (labels that fell out of
    it): "rows" keeps them in place as one-cell rows, "paragraphs" emits them after the
    table, "drop" discards them.
    """
    text = _decode(data, name)
    lines = [_classify(l) for l in _body_lines(text)]
    if not any(l.kind not in ("blank", "sep") for l in lines):
        raise Unreadable(f"{name} holds no text")
    doc = Document(format="md")
    doc.blocks = _blocks(lines, stray)
    doc.title = _title(lines)
    doc.fields = _fields(doc.blocks)
    return doc


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise Unreadable(f"{name} is empty")
    text = decode_bytes(data)
    if "\x00" in text:
        raise Unreadable(f"{name} is binary, not Markdown text")
    return text


def _body_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # YAML front matter some converters add: metadata of the conversion, not of the report.
    if lines and lines[0].strip() == "---":
        for i in range(1, min(len(lines), 40)):
            if lines[i].strip() in ("---", "..."):
                return lines[i + 1:]
    return lines


def _clean_inline(s: str) -> str:
    """Markdown/HTML markup removed; printed text kept. `<br>` becomes a newline so two
    numbers in one cell stay two numbers (never glued into one)."""
    s = _SUP.sub("", s)
    s = _FOOTNOTE_REF.sub("", s)
    s = _BR.sub("\n", s)
    s = _TAG.sub("", s)
    s = _EMPHASIS.sub(r"\2", s)
    s = _ESCAPE.sub(r"\1", s)
    return html.unescape(s).replace("\xa0", " ").strip()


def split_row(line: str) -> list[str]:
    """The cells of a pipe-table line, trailing empty cells dropped (converters pad rows)."""
    return _trim(split_cells(line))


def _trim(cells: list[str]) -> list[str]:
    cells = list(cells)
    while cells and not cells[-1]:
        cells.pop()
    return cells


def split_cells(line: str) -> list[str]:
    """Every cell of a pipe-table line, as printed (markup removed), trailing empties included."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells, cur, i = [], [], 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            cur.append("\\|")
            i += 2
            continue
        if ch == "|":
            cells.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur))
    return [_clean_inline(c) for c in cells]


def _classify(raw: str) -> _Line:
    s = raw.strip()
    if not s:
        return _Line("blank", "")
    if "|" in s and "-" in s and _SEPARATOR.match(s):
        return _Line("sep", s)
    if s.startswith("|"):
        return _Line("row", s, split_cells(s))
    m = _HEADING.match(raw)
    if m:
        return _Line("heading", _clean_inline(m.group(2)))
    if _FOOTNOTE_DEF.match(s):
        return _Line("footnote", s)  # kept whole: the marker ties it to its cell
    if _FOOTER.match(s):
        return _Line("footer", s)
    if set(s) <= set("-*_ ") and len(s.replace(" ", "")) >= 3:
        return _Line("blank", "")  # thematic break
    return _Line("text", _clean_inline(s))


def _promote_pipe_rows(lines: list[_Line]) -> None:
    """GFM allows rows without a leading pipe (`a | b`): take those that sit right before a
    separator or right after a table line as rows."""
    for i, l in enumerate(lines):
        if l.kind != "text" or "|" not in l.text:
            continue
        nxt = lines[i + 1].kind if i + 1 < len(lines) else None
        prev = lines[i - 1].kind if i > 0 else None
        if nxt == "sep" or prev in ("row", "sep"):
            l.kind, l.cells = "row", split_cells(l.text)


def _label_values(text: str) -> list[str] | None:
    m = _LABEL_VALUES.match(text)
    if not m or not _CJK.search(m.group("label")):
        return None
    return [m.group("label").strip()] + m.group("values").split()


def _promote_text_rows(lines: list[_Line]) -> None:
    """A run of short lines of which at least two read `label number...` is a table the
    converter printed as text (section 二 often is): its lines become rows, in order, the
    others as one-cell label rows (`第二十条第（五）项`, `信息内容本年处理决定数量`)."""
    i = 0
    while i < len(lines):
        if not _short_text(lines[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and _short_text(lines[j]):
            j += 1
        split = [_label_values(l.text) for l in lines[i:j]]
        if sum(c is not None for c in split) >= 2:
            for l, cells in zip(lines[i:j], split):
                l.kind, l.cells = "row", cells or [l.text]
        i = j


def _short_text(line: _Line) -> bool:
    return line.kind == "text" and not _is_boundary(line) and "|" not in line.text


def _is_boundary(line: _Line) -> bool:
    """A line that starts another table: it names a table, or is a table heading, or prose."""
    t = line.text
    if line.kind == "heading" and _TABLE_HEADING.match(t):
        return True
    if any(title in t for title in _TABLE_TITLES):
        return True
    if line.kind == "text" and (len(t) > _MAX_LABEL_LINE or "。" in t):
        return True
    return False


def _fragments(lines: list[_Line]) -> list[tuple[int, int]]:
    """[start, end) line ranges of pipe-table fragments (runs of row and separator lines)."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].kind in ("row", "sep"):
            j = i
            while j < len(lines) and lines[j].kind in ("row", "sep"):
                j += 1
            if any(lines[k].kind == "row" for k in range(i, j)):
                out.append((i, j))
            i = j
        else:
            i += 1
    return out


# Header words that only the first row of a section 三 or 四 table prints: a fragment opening
# with one starts a new table even where the heading between them was lost (`???`).
_TABLE_START_WORDS = ("申请人情况", "勾稽关系", "行政诉讼")


def _starts_table(lines: list[_Line], frag: tuple[int, int]) -> bool:
    first = next((l for l in lines[frag[0]:frag[1]] if l.kind == "row"), None)
    return first is not None and any(w in c for c in first.cells or () for w in _TABLE_START_WORDS)


def _mergeable_gap(gap: list[_Line]) -> bool:
    content = [l for l in gap if l.kind != "blank"]
    if len(content) > _MAX_GAP_LINES:
        return False
    return not any(_is_boundary(l) for l in content)


def _join_labels(lines: list[_Line]) -> list[str]:
    """Stray label lines joined where a label wrapped: a line that does not start a new label
    (`（三）`, `3.`, `三、`) continues the previous one."""
    out: list[str] = []
    for l in lines:
        # A line that is itself a row label (`行政处罚` after `信息内容本年处理决定数量`)
        # starts a new one: glued to the header line above, the row would lose its label.
        if out and not _LABEL_START.match(l.text) and not _names_row(l.text):
            out[-1] += l.text
        else:
            out.append(l.text)
    return out


def _blocks(lines: list[_Line], stray: StrayMode) -> list:
    _promote_pipe_rows(lines)
    _promote_text_rows(lines)
    frags = _fragments(lines)
    # Group fragments into tables: merge a fragment into the previous group when the gap
    # between them holds only blank lines, footers, footnotes, non-table headings and labels.
    groups: list[list[tuple[int, int]]] = []
    for f in frags:
        if groups and _mergeable_gap(lines[groups[-1][-1][1]:f[0]]) and not _starts_table(lines, f):
            groups[-1].append(f)
        else:
            groups.append([f])

    blocks: list = []
    pos = 0
    for group in groups:
        start, end = group[0][0], group[-1][1]
        lead = _leading_label(lines, pos, start) if stray == "rows" else None
        blocks.extend(_paragraphs([l for l in lines[pos:start] if l is not lead]))
        rows: list[list[Cell]] = [[Cell(lead.text)]] if lead is not None else []
        context: str | None = None  # the group label in force (`（六）其他处理`), for `3.其他`
        after: list[_Line] = []
        group_rows = [l.cells for a, b in group for l in lines[a:b] if l.kind == "row"]
        widths = _value_widths(group_rows)
        # Columns some line of the table prints text in: a blank under a heading is a cell.
        used = max((max((i + 1 for i, c in enumerate(r) if c), default=0) for r in group_rows),
                   default=0)
        for n, (a, b) in enumerate(group):
            for k, l in enumerate(lines[a:b]):
                if l.kind != "row":
                    continue
                # The widest other line of the table (separators included): padding never
                # makes a row wider than that, so cells beyond it are printed cells.
                others = [len(x.cells or ()) if x.kind == "row" else x.text.count("|") - 1
                          for x in lines[a:b] if x is not l]
                cells = _row_cells(l.cells, widths, max(others, default=0), used, context)
                if not cells and rows and _is_header_row([c.text for c in rows[-1]]) and len(l.cells) > 1:
                    # A row of only blanks right under the column headings is a value row
                    # whose zeros were printed empty (section 四's one row), not padding.
                    cells = list(l.cells)
                if cells:
                    rows.append([Cell(c) for c in cells])
                    context = _group_context(cells, context)
            if n + 1 < len(group):
                gap = lines[b:group[n + 1][0]]
                labels = [l for l in gap if l.kind == "text"]
                # Footers, footnotes and headings are not the table's: keep them as text.
                after.extend(l for l in gap if l.kind in ("heading", "footnote"))
                if stray == "rows":
                    for t in _join_labels(labels):
                        rows.append([Cell(t)])
                        context = _group_context([t], context)
                elif stray == "paragraphs":
                    after.extend(labels)
        blocks.append(Table(rows=rows))
        blocks.extend(_paragraphs(after))
        pos = end
    blocks.extend(_paragraphs(lines[pos:]))
    return blocks


def _value_count(cells: list[str]) -> int:
    """Value cells after the last label cell (the recognizer's view of a row)."""
    last_label = max((i for i, c in enumerate(cells) if c and not looks_like_value(c)), default=-1)
    return len(cells) - last_label - 1


def _value_widths(rows: list[list[str]]) -> int | None:
    """The table's usual number of value cells: the most common count among rows with a number."""
    counts: dict[int, int] = {}
    for cells in rows:
        t = _trim(cells)
        if any(c and looks_like_value(c) for c in t):
            n = _value_count(t)
            counts[n] = counts.get(n, 0) + 1
    return max(counts, key=lambda n: (counts[n], n)) if counts else None


def _leading_label(lines: list[_Line], pos: int, start: int) -> _Line | None:
    """A row label printed just before a table's first fragment whose first row has no label
    (`规章` then `| 0 | 0 | 0 |`): the converter pushed it out of the table."""
    k = start - 1
    while k >= pos and lines[k].kind == "blank":
        k -= 1
    if k < pos or lines[k].kind != "text" or _is_boundary(lines[k]) or not _names_row(lines[k].text):
        return None
    first = next((l for l in lines[start:] if l.kind == "row"), None)
    if first is None or any(c and not looks_like_value(c) for c in first.cells or ()):
        return None
    return lines[k]


def _group_context(cells: list[str], context: str | None) -> str | None:
    """The group label in force after a row: the last group label it prints, else unchanged."""
    from gip_pipeline.extraction.labels import match_group

    for c in reversed(cells):
        if c and any(match_group(c, t.key) for t in TABLES):
            return c
    return context


def _row_cells(cells: list[str], width: int | None, pad_width: int | None = None,
               used: int | None = None, context: str | None = None) -> list[str]:
    """Trailing empty cells are padding and dropped, except those a row prints short of the
    table's usual value count: there the empty cell is a blank value (`| 1 | 0 |  |` where the
    total was left empty), and dropping it would leave the row too short to place.

    A row with more cells than any other line of its table (`pad_width`) is not padded: all
    its cells are printed (section 四's one row of 15 under an 8-cell header fragment). A
    label-less row of only blanks as wide as the table's value count is a row of zeros
    printed empty."""
    t = _trim(cells)
    if pad_width and len(cells) > pad_width and len(cells) > 1:
        return list(cells)
    if used and t and all(looks_like_value(c) for c in t if c):
        # A row of only values (section 四's) keeps its trailing blanks under printed headings.
        t = cells[:max(len(t), min(len(cells), used))]
    if not t:
        return list(cells) if width is not None and len(cells) == width and width > 1 else t
    if width is None:
        return t
    # A row of only blanks after its label (zeros printed empty) keeps its blanks when the
    # label names a canonical row; header and group rows (`信息内容 | 本年处理决定数量`) do not.
    if not any(c and looks_like_value(c) for c in t) and (
            sum(1 for c in t if c) > 3 or not _names_row(t[-1], ([context] if context else []) + t[:-1])):
        return t
    short = width - _value_count(t)
    if short > 0:
        t = cells[: min(len(cells), len(t) + short)]
    return t


def _is_header_row(texts: list[str]) -> bool:
    """Column headings: at least three texts, none a value, mostly not row labels (`总计`
    heads a column and also ends a row label)."""
    filled = [t for t in texts if t]
    return (len(filled) >= 3 and not any(looks_like_value(t) for t in filled)
            and 2 * sum(1 for t in filled if _names_row(t)) < len(filled))


def _group_rows() -> frozenset[str]:
    """Label keys that are both a group label and a row of their own (2021's （六）其他处理
    heads three sub-rows; a report printing it as one row means other_handling)."""
    from gip_pipeline.extraction.labels import label_key

    groups = {r.group for t in TABLES for r in t.rows if r.group}
    return frozenset(label_key(r.label) for t in TABLES for r in t.rows if r.label in groups)


def label_key(label: str) -> str:
    from gip_pipeline.extraction.labels import label_key as key

    return key(label)


_GROUP_ROWS = _group_rows()


def _names_row(label: str, before: list[str] = ()) -> bool:
    """The label names a canonical row; `before` are the row's cells to its left, whose group
    label (`（六）其他处理`) a generic label (`3.其他`) needs."""
    from gip_pipeline.extraction.labels import match_group, match_row

    # Section 四's row names are printed as column headers; its one data row has no label.
    for t in TABLES:
        if t.key == "review_litigation" or (match_group(label, t.key) and label_key(label) not in _GROUP_ROWS):
            continue
        groups = [g for g in (match_group(b, t.key) for b in before if b) if g] or [None]
        if any(match_row(label, t.key, context_group=g) for g in groups):
            return True
    return False


def _paragraphs(lines: list[_Line]) -> list[Paragraph]:
    return [Paragraph(l.text) for l in lines if l.kind in ("text", "heading", "footnote") and l.text]


def _title(lines: list[_Line]) -> str | None:
    """The report title: a heading naming the report, else the first lines up to the one that
    ends in 报告 (converters split a centred title over lines)."""
    for l in lines:
        if l.kind == "heading" and "报告" in l.text and "表" not in l.text[:2]:
            return l.text
    head = [l.text for l in lines if l.kind in ("text", "heading")][:8]
    for i, t in enumerate(head):
        if t.endswith("报告") and len(t) <= _MAX_LABEL_LINE:
            joined = t
            # A short tail (`年度报告`) belongs to the line before it.
            if len(t) <= 6 and i > 0:
                joined = head[i - 1] + t
            return joined if "公开" in joined else None
    return None


def _fields(blocks: list) -> dict[str, str]:
    """Header fields printed as `索引号：…` lines or as two-cell table rows."""
    fields: dict[str, str] = {}
    for b in blocks:
        if isinstance(b, Paragraph):
            m = _META_LINE.match(b.text)
            if m:
                fields.setdefault(m.group(1), m.group(2))
        else:
            for row in b.rows:
                for k in range(len(row) - 1):
                    label = row[k].text.strip().rstrip(":：")
                    if label in _META_LABELS and row[k + 1].text.strip():
                        fields.setdefault(label, row[k + 1].text.strip())
    return fields
