"""DOCX reader: a Word report to a Document, paragraphs and tables in body order.

python-docx opens the package (it checks the content types, so a zip that is
not a Word document is refused); the body XML is then walked directly, since
python-docx's table API repeats merged cells without saying which are copies.
Merges become spans (gridSpan, legacy hMerge, vMerge) and the span expansion
shared with the HTML reader makes the rectangular grid, so both formats mark
copies the same way. DOCX has no reliable page numbers: pages are None.

Hostile files: the zip's declared sizes are checked before anything is
decompressed (zipfile never inflates a member beyond its declared size, so the
check holds), and XML with a DOCTYPE or entity declarations is refused before
python-docx parses it (its parser also has resolve_entities=False).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from gip_pipeline.extraction.document import Document, Paragraph, Unreadable
from gip_pipeline.extraction.readers.html import RawCell, RawTable, emit_table

MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_MEMBERS = 5000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
_SDT, _SDT_CONTENT, _CUSTOM_XML = _W + "sdt", _W + "sdtContent", _W + "customXml"
_T, _TAB, _BR, _CR = _W + "t", _W + "tab", _W + "br", _W + "cr"
_NB_HYPHEN, _SOFT_HYPHEN, _SYM = _W + "noBreakHyphen", _W + "softHyphen", _W + "sym"
_VAL = _W + "val"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def _check_package(data: bytes) -> None:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    # NotImplementedError: a damaged header claiming a zip version zipfile does not support
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise Unreadable("The file is not a valid DOCX (not a readable zip archive).") from None
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Unreadable("The DOCX archive holds an implausible number of parts.")
        if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
            raise Unreadable("The DOCX is too large when uncompressed (a possible zip bomb).")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names:
            raise Unreadable("The zip archive is not a Word document (no [Content_Types].xml).")
        for i in infos:
            if i.filename.endswith((".xml", ".rels")) and i.file_size:
                try:
                    head = z.read(i)
                except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError,
                        zlib.error):
                    raise Unreadable(f"The DOCX part {i.filename} is corrupt or truncated.") from None
                # UTF-16 XML would hide the markup from a byte search: drop NULs first.
                if _DTD.search(head) or (b"\x00" in head[:4] and _DTD.search(head.replace(b"\x00", b""))):
                    raise Unreadable("The DOCX contains XML entity declarations (refused as unsafe).")


def _para_text(p) -> str:
    out = []
    for el in p.iter(_T, _TAB, _BR, _CR, _NB_HYPHEN, _SYM, _MC_FALLBACK):
        tag = el.tag
        if tag == _T:
            if el.text:
                out.append(el.text)
        elif tag == _TAB:
            out.append("\t")
        elif tag in (_BR, _CR):
            out.append("\n")
        elif tag == _NB_HYPHEN:
            out.append("-")
    return "".join(out)


def _strip_fallbacks(root) -> None:
    # mc:AlternateContent repeats a drawing's text (text boxes) in Choice and
    # Fallback; keep only the Choice so nothing is read twice.
    for fb in list(root.iter(_MC_FALLBACK)):
        parent = fb.getparent()
        if parent is not None:
            parent.remove(fb)


def _children(el):
    """Block children, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag in (_SDT, _CUSTOM_XML):
            content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
            if content is not None:
                yield from _children(content)
        else:
            yield child


def _int_val(el, default: int = 1) -> int:
    if el is None:
        return default
    try:
        return int(el.get(_VAL))
    except (TypeError, ValueError):
        return default


def _cell_parts(tc) -> list:
    parts: list = []
    for child in _children(tc):
        if child.tag == _P:
            t = _para_text(child)
            if t.strip():
                parts.append(t)
        elif child.tag == _TBL:
            parts.append(_read_table(child))
    return parts


def _read_table(tbl) -> RawTable:
    """Rows of RawCells; a vMerge continuation becomes its origin cell's rowspan."""
    rows: list[list[RawCell]] = []
    first_row: dict[int, int] = {}  # id(cell) -> row index of its origin
    owner_above: dict[int, RawCell] = {}  # grid column -> cell covering it in the row above
    for tr in _children(tbl):
        if tr.tag != _TR:
            continue
        trpr = tr.find(_W + "trPr")
        col = _int_val(trpr.find(_W + "gridBefore"), 0) if trpr is not None else 0
        row: list[RawCell] = []
        if col > 0:
            row.append(RawCell([], colspan=col))  # grid columns this row leaves unprinted
        owner_here: dict[int, RawCell] = {}
        for tc in _children(tr):
            if tc.tag != _TC:
                continue
            tcpr = tc.find(_W + "tcPr")
            span, vmerge, hmerge = 1, None, None
            if tcpr is not None:
                span = max(1, min(_int_val(tcpr.find(_W + "gridSpan")), 1000))
                vm = tcpr.find(_W + "vMerge")
                if vm is not None:
                    vmerge = vm.get(_VAL) or "continue"
                hm = tcpr.find(_W + "hMerge")
                if hm is not None:
                    hmerge = hm.get(_VAL) or "continue"
            target = None
            if hmerge == "continue" and row:
                # Legacy horizontal merge: this cell widens the one to its left.
                target = row[-1]
                target.colspan += span
            elif vmerge == "continue" and owner_above.get(col) is not None:
                # Grows the merged cell above; expand() then skips these slots here.
                target = owner_above[col]
                target.rowspan = max(target.rowspan, len(rows) - first_row[id(target)] + 1)
            if target is None:
                target = RawCell(_cell_parts(tc), colspan=span)
                first_row[id(target)] = len(rows)
                row.append(target)
            for c in range(col, col + span):
                owner_here[c] = target
            col += span
        rows.append(row)
        owner_above = owner_here
    return RawTable(rows)


def read(data: bytes, name: str) -> Document:
    """Read a .docx into a Document (paragraphs and tables in body order)."""
    if not data:
        raise Unreadable("The DOCX file is empty.")
    _check_package(data)
    try:
        import docx  # python-docx

        wd = docx.Document(io.BytesIO(data))
    except Unreadable:
        raise
    except Exception as e:  # python-docx raises a variety: KeyError, ValueError, lxml errors
        raise Unreadable(f"The file could not be opened as a Word document ({type(e).__name__}).") from None
    body = wd.element.body
    _strip_fallbacks(body)
    doc = Document(format="docx")
    for child in _children(body):
        if child.tag == _P:
            for line in _para_text(child).split("\n"):
                t = line.strip()
                if t:
                    doc.blocks.append(Paragraph(t))
        elif child.tag == _TBL:
            emit_table(_read_table(child), doc.blocks)
    try:
        title = (wd.core_properties.title or "").strip()
    except Exception:
        title = ""
    doc.title = title or None
    return doc
