"""The document model every reader produces, so table recognition is written once.

A Document is an ordered list of blocks: paragraphs of text and tables as cell
grids. Merged cells are expanded (the copy keeps the text and is marked), and
every block and cell carries the 1-based page it came from where the format
has pages. Text here is raw, as printed: normalisation happens downstream,
which keeps each cell's raw text available for provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Unreadable(Exception):
    """The file is not a readable report; the message is the one-sentence reason."""


@dataclass
class Cell:
    text: str
    page: int | None = None
    # True for the copies a rowspan/colspan expansion made (the text repeats the origin's).
    spanned: bool = False
    # Where the text was read by OCR: its ocr.OcrReading (confidence, box, alternatives).
    ocr: object = None


@dataclass
class Table:
    rows: list[list[Cell]]
    page: int | None = None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class Paragraph:
    text: str
    page: int | None = None


Block = Paragraph | Table


@dataclass
class Document:
    format: str  # one of schema.FORMATS
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    # Header fields the page itself labels (e.g. HTML <meta> or an info table), raw text.
    fields: dict[str, str] = field(default_factory=dict)
    title: str | None = None

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text(self) -> str:
        """All text in reading order, table cells joined by ' | '."""
        out = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                out.extend(" | ".join(c.text for c in row) for row in b.rows)
        return "\n".join(out)
