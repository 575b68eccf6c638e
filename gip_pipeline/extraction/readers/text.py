"""Plain-text reader: lines with `|` are table rows, other lines paragraphs.

Consecutive `|` lines form one Table; trailing empty cells (`||||` padding)
are dropped. Header lines such as `索引號 | 000014349/2024-00469 | 文 號 | |`
or `发布时间: 2021-03-05` also fill Document.fields (raw keys) where a known
metadata label is followed by a value.
"""

from __future__ import annotations

import codecs
import re

from gip_pipeline.extraction.document import Cell, Document, Paragraph, Table, Unreadable
from gip_pipeline.extraction.metadata import meta_field_for

_KV_RE = re.compile(r"^\s*([^:：|]{1,12}?)\s*[:：]\s*(.*?)\s*$")


def decode(data: bytes) -> str:
    """Text of a file: BOM first, then strict UTF-8, strict GB18030, then charset-normalizer."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except Exception:  # detection is best effort; fall through to lossy UTF-8
        pass
    return data.decode("utf-8", errors="replace")


def _split_row(line: str) -> list[str]:
    parts = [p.strip() for p in line.split("|")]
    if line.lstrip().startswith("|") and parts and parts[0] == "":
        parts = parts[1:]
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def read(data: bytes, name: str) -> Document:
    if not data.strip():
        raise Unreadable("the file is empty")
    text = decode(data)
    if "\x00" in text:
        raise Unreadable("the file is binary, not text")
    doc = Document(format="txt")
    rows: list[list[Cell]] = []

    def flush() -> None:
        if rows:
            doc.blocks.append(Table(rows=list(rows)))
            rows.clear()

    for line in text.splitlines():
        if "|" in line:
            cells = _split_row(line)
            if not cells:
                continue
            rows.append([Cell(c) for c in cells])
            # `key | value | key | value`: header fields.
            for i in range(0, len(cells) - 1):
                if cells[i] and cells[i + 1] and meta_field_for(cells[i]):
                    _set_field(doc, cells[i], cells[i + 1])
            continue
        flush()
        if line.strip():
            doc.blocks.append(Paragraph(line))
            m = _KV_RE.match(line)
            if m and m.group(2) and meta_field_for(m.group(1)):
                _set_field(doc, m.group(1), m.group(2))
    flush()
    return doc


def _set_field(doc: Document, key: str, value: str) -> None:
    if meta_field_for(key) == "title":
        doc.title = doc.title or value
    else:
        doc.fields.setdefault(key, value)
