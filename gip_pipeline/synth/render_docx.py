"""DOCX (python-docx): the national format's tables with merged cells, or flat ones.

Layouts: `merged` (group and header labels merged across rows/columns, like the
official template) and `flat` (no merges: a spanning label sits in its first cell).
Bytes are deterministic: fixed core-property times and zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from docx.table import _Cell

from gip_pipeline.synth.doc import Grid, SynthDoc

LAYOUTS = ("merged", "flat")
_FIXED = dt.datetime(2000, 1, 1, 0, 0, 0)


def _table(d, grid: Grid, merged: bool) -> None:
    t = d.add_table(rows=len(grid.rows), cols=grid.ncols)
    t.style = "Table Grid"
    # Table.cell() rescans the whole table each call; address the XML cells directly,
    # snapshotted before merging (spans are disjoint, so the snapshot stays valid).
    tcs = [list(tr.tc_lst) for tr in t._tbl.tr_lst]
    targets = []
    for ri, col, cell in grid.placed():
        target = _Cell(tcs[ri][col], t)
        if merged and (cell.rowspan > 1 or cell.colspan > 1):
            target = target.merge(_Cell(tcs[ri + cell.rowspan - 1][col + cell.colspan - 1], t))
        targets.append((target, cell))
    for target, cell in targets:
        target.text = cell.text
        if cell.kind != "label":
            target.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        # The package is compressed, so the text's mark is not in the plain bytes: the zip
        # comment carries it, where raw/'s byte scan for `SYNTHETIC` finds it.
        z.comment = b"gip-synth SYNTHETIC"
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            z.writestr(zi, src.read(info.filename))
    return out.getvalue()


def render(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.size = Pt(11)
    cp = d.core_properties
    cp.created = cp.modified = cp.last_printed = _FIXED
    cp.title, cp.author, cp.last_modified_by = doc.title, doc.organ.name, "gip-synth"
    cp.subject, cp.keywords, cp.comments = "合成数据 SYNTHETIC", "synthetic", "gip-synth synthetic report"
    cp.revision = 1
    for kind, text in doc.blocks:
        if kind == "table":
            _table(d, doc.grids[text], doc.layout == "merged")
        elif kind == "title":
            p = d.add_paragraph(text)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "sign":
            p = d.add_paragraph(text)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return normalise_zip(buf.getvalue()), {"index_number": False}
