"""Word 97-2003 reader (.doc, and Kingsoft Writer .wps, which saves the same binary format).

No maintained Python library reads these, and a converter (LibreOffice, antiword) would be
a system tool the user must install as root, so the format is read here, from the
documented structures of [MS-DOC], with olefile for the compound-file container:

- the FIB gives the table stream, the main text's length and the piece table (Clx);
- the piece table maps character positions to the bytes of the WordDocument stream
  (UTF-16, or 8-bit "compressed" pieces);
- paragraph properties (PAPX in their FKP pages) say which paragraphs are in a table
  (sprmPFInTable) and which one ends a row (sprmPFTtp); the row-end paragraph carries
  the row's geometry (sprmTDefTable: cell boundaries and merge flags, sprmTVertMerge).

Cells end with the cell mark (0x07), rows with a row-end mark. Cell boundaries of all
rows of a table make its column grid, so a cell wider than its neighbours spans the
columns it covers, and vertical merges become row spans: the grid then goes through the
span expansion shared with the HTML and DOCX readers. Field codes are dropped and their
results kept. .doc has no reliable page numbers: pages are None.
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass, field

from gip_pipeline.extraction.document import Document, Paragraph, Unreadable
from gip_pipeline.extraction.readers.html import fields_from_blocks, RawCell, RawTable, emit_table

FORMAT = "doc"
W_IDENT = 0xA5EC
MAX_TEXT_CHARS = 20_000_000  # far beyond any report; guards memory against a lying FIB

SPRM_P_IN_TABLE = 0x2416
SPRM_P_TTP = 0x2417
SPRM_P_ITAP = 0x6649
SPRM_P_INNER_TTP = 0x244C
SPRM_T_DEF_TABLE = 0xD608
SPRM_T_VERT_MERGE = 0xD62B
SPRM_P_CHG_TABS = 0xC615
SPRM_P_HUGE_PAPX = 0x6646  # the paragraph's properties are too long for the FKP: in the Data stream

# Characters of the text stream that are structure, not text.
CELL_MARK, PARA_END, LINE_BREAK, PAGE_BREAK = "\x07", "\r", "\x0b", "\x0c"
FIELD_BEGIN, FIELD_SEP, FIELD_END = "\x13", "\x14", "\x15"
_DROP = dict.fromkeys(map(ord, "\x01\x02\x03\x04\x05\x08\x1f"), None) | {0x1E: "-", 0xA0: " "}


@dataclass
class _Props:
    in_table: bool = False
    ttp: bool = False
    itap: int = 0
    # Row geometry of a row-end paragraph: cell boundaries (twips) and merge flags per cell.
    centers: list[int] | None = None
    hmerge: list[int] = field(default_factory=list)
    vmerge: dict[int, int] = field(default_factory=dict)


def _u16(b: bytes, o: int) -> int:
    return struct.unpack_from("<H", b, o)[0]


def _u32(b: bytes, o: int) -> int:
    return struct.unpack_from("<I", b, o)[0]


def _sprms(grpprl: bytes):
    """(sprm, operand bytes) of a grpprl; stops at a truncated sprm."""
    i, n = 0, len(grpprl)
    while i + 2 <= n:
        sprm = _u16(grpprl, i)
        i += 2
        spra = sprm >> 13
        if spra in (0, 1):
            size = 1
        elif spra in (2, 4, 5):
            size = 2
        elif spra == 3:
            size = 4
        elif spra == 7:
            size = 3
        elif sprm == SPRM_T_DEF_TABLE:
            if i + 2 > n:
                return
            size = _u16(grpprl, i) + 1  # cb counts the operand after itself, plus one
        elif sprm == SPRM_P_CHG_TABS:
            if i >= n:
                return
            size = grpprl[i] + 1
        else:
            if i >= n:
                return
            size = grpprl[i] + 1
        if i + size > n:
            return
        yield sprm, grpprl[i:i + size]
        i += size


def _expand_huge(grpprl: bytes, data_stream: bytes) -> bytes:
    out = b""
    for sprm, op in _sprms(grpprl):
        if sprm == SPRM_P_HUGE_PAPX and len(op) >= 4:
            off = _u32(op, 0)
            if off + 2 <= len(data_stream):
                out += data_stream[off + 2:off + 2 + _u16(data_stream, off)]
    return grpprl + out if out else grpprl


def _props(grpprl: bytes) -> _Props:
    p = _Props()
    for sprm, op in _sprms(grpprl):
        if sprm == SPRM_P_IN_TABLE:
            p.in_table = op[0] != 0
        elif sprm == SPRM_P_TTP:
            p.ttp = op[0] != 0
        elif sprm == SPRM_P_ITAP:
            p.itap = _u32(op, 0) if len(op) >= 4 else 0
        elif sprm == SPRM_T_DEF_TABLE and len(op) >= 3:
            body = op[2:]
            ncells = body[0]
            need = 1 + 2 * (ncells + 1)
            if ncells == 0 or len(body) < need:
                continue
            p.centers = list(struct.unpack_from(f"<{ncells + 1}h", body, 1))
            tcs = body[need:]
            p.hmerge = []
            for k in range(ncells):
                if len(tcs) >= 20 * (k + 1):
                    grf = _u16(tcs, 20 * k)
                    p.hmerge.append(grf & 0x3)
                    vm = (grf >> 5) & 0x3
                    if vm:
                        p.vmerge.setdefault(k, vm)
                else:
                    p.hmerge.append(0)
        elif sprm == SPRM_T_VERT_MERGE and len(op) >= 3:
            p.vmerge[op[1]] = op[2]  # the later sprm wins over the TC80 flags
    if p.itap == 0 and p.in_table:
        p.itap = 1
    return p


class _Reader:
    def __init__(self, data: bytes) -> None:
        import olefile

        try:
            self.ole = olefile.OleFileIO(data)
        except Exception:
            raise Unreadable("not a Word 97-2003 file: the compound-file container cannot be opened") from None
        if not self.ole.exists("WordDocument"):
            raise Unreadable("the file is a compound document without a WordDocument stream "
                             "(not Word 97-2003 or WPS; an old WPS 2000 file is not read)")
        try:
            self.wd = self.ole.openstream("WordDocument").read()
        except Exception:
            raise Unreadable("damaged Word file: its WordDocument stream cannot be read") from None
        self._fib()

    def close(self) -> None:
        self.ole.close()

    def _fib(self) -> None:
        wd = self.wd
        if len(wd) < 0x200 or _u16(wd, 0) != W_IDENT:
            raise Unreadable("damaged Word file: the file information block is missing")
        flags = _u16(wd, 0x0A)
        if flags & 0x0100 or flags & 0x8000:
            raise Unreadable("encrypted Word file: it needs a password to open")
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not self.ole.exists(table_name):
            raise Unreadable(f"damaged Word file: the {table_name} stream is missing")
        self.table = self.ole.openstream(table_name).read()
        self.data_stream = self.ole.openstream("Data").read() if self.ole.exists("Data") else b""
        csw = _u16(wd, 32)
        o = 34 + 2 * csw
        cslw = _u16(wd, o)
        lw = o + 2
        self.ccp_text = _u32(wd, lw + 12) if cslw > 3 else 0
        o = lw + 4 * cslw
        self.fclcb = o + 2
        if self.ccp_text > MAX_TEXT_CHARS:
            raise Unreadable("damaged Word file: it claims more text than any report holds")

    def _fc_lcb(self, index: int) -> tuple[int, int]:
        o = self.fclcb + 8 * index
        if o + 8 > len(self.wd):
            return 0, 0
        return _u32(self.wd, o), _u32(self.wd, o + 4)

    def pieces(self) -> list[tuple[int, int, int, bool]]:
        """(cp_start, cp_end, fc, compressed) of the piece table."""
        fc, lcb = self._fc_lcb(33)  # fcClx
        clx = self.table[fc:fc + lcb]
        i = 0
        while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
            i += 3 + _u16(clx, i + 1)
        if i >= len(clx) or clx[i] != 0x02:
            raise Unreadable("damaged Word file: the piece table is missing")
        lcb_pcd = _u32(clx, i + 1)
        plc = clx[i + 5:i + 5 + lcb_pcd]
        n = (len(plc) - 4) // 12
        if n <= 0:
            raise Unreadable("damaged Word file: the piece table is empty")
        cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
        out = []
        for k in range(n):
            raw = _u32(plc, 4 * (n + 1) + 8 * k + 2)
            compressed = bool(raw & 0x40000000)
            fcv = raw & 0x3FFFFFFF
            out.append((cps[k], cps[k + 1], fcv // 2 if compressed else fcv, compressed))
        return out

    def text(self) -> tuple[str, list[int]]:
        """The main document's text and, per character, its byte offset (for PAPX look-ups)."""
        chars: list[str] = []
        fcs: list[int] = []
        for cp0, cp1, fc, compressed in self.pieces():
            if cp0 >= self.ccp_text:
                break
            cp1 = min(cp1, self.ccp_text)
            n = cp1 - cp0
            if n <= 0:
                continue
            if compressed:
                chunk = self.wd[fc:fc + n].decode("cp1252", errors="replace")
                fcs.extend(range(fc, fc + len(chunk)))
            else:
                chunk = self.wd[fc:fc + 2 * n].decode("utf-16-le", errors="replace")
                fcs.extend(range(fc, fc + 2 * len(chunk), 2))
            chars.append(chunk)
        return "".join(chars), fcs

    def papx_runs(self) -> tuple[list[int], list[tuple[int, _Props]]]:
        """Sorted run starts and (run end, properties) from every PAPX FKP page."""
        fc, lcb = self._fc_lcb(13)  # fcPlcfBtePapx
        plc = self.table[fc:fc + lcb]
        n = (len(plc) - 4) // 8
        starts: list[int] = []
        runs: list[tuple[int, _Props]] = []
        cache: dict[bytes, _Props] = {}
        for k in range(max(n, 0)):
            pn = _u32(plc, 4 * (n + 1) + 4 * k) & 0x3FFFFF
            page = self.wd[pn * 512:pn * 512 + 512]
            if len(page) < 512:
                continue
            crun = page[511]
            if 4 * (crun + 1) + 13 * crun > 511:
                continue
            rgfc = struct.unpack_from(f"<{crun + 1}I", page, 0)
            for j in range(crun):
                b = page[4 * (crun + 1) + 13 * j] * 2
                grpprl = b""
                if b:
                    cb = page[b]
                    if cb == 0:
                        size, at = 2 * page[b + 1], b + 2
                    else:
                        size, at = 2 * cb - 1, b + 1
                    grpprl = page[at + 2:at + size]  # after the 2-byte istd
                props = cache.get(grpprl)
                if props is None:
                    props = cache[grpprl] = _props(_expand_huge(grpprl, self.data_stream))
                starts.append(rgfc[j])
                runs.append((rgfc[j + 1], props))
        order = sorted(range(len(starts)), key=starts.__getitem__)
        return [starts[i] for i in order], [runs[i] for i in order]

    def title(self) -> str | None:
        try:
            meta = self.ole.get_metadata()
        except Exception:
            return None
        t = meta.title
        if isinstance(t, bytes):
            try:
                t = t.decode(_codepage(meta.codepage), errors="replace")
            except LookupError:
                t = t.decode("gbk", errors="replace")
        t = (t or "").strip("\x00 \r\n\t")
        return t or None


def _codepage(cp: int | None) -> str:
    return {936: "gbk", 54936: "gb18030", 950: "big5", 65001: "utf-8", 1200: "utf-16-le"}.get(cp or 0, "gbk")


def _clean(text: str) -> str:
    """Drop field codes (keep field results) and control characters."""
    out: list[str] = []
    depth_code: list[bool] = []  # per open field: still in its code part
    for ch in text:
        if ch == FIELD_BEGIN:
            depth_code.append(True)
            continue
        if ch == FIELD_SEP:
            if depth_code:
                depth_code[-1] = False
            continue
        if ch == FIELD_END:
            if depth_code:
                depth_code.pop()
            continue
        if depth_code and depth_code[-1]:
            continue
        out.append(ch)
    return "".join(out).translate(_DROP)


@dataclass
class _Row:
    cells: list[list[str]]
    props: _Props


def _table_from_rows(rows: list[_Row]) -> RawTable:
    """Rows of cells to a RawTable: boundaries across rows give the column grid."""
    bounds = sorted({x for r in rows if r.props.centers for x in r.props.centers})
    grid_bounds = []
    for x in bounds:  # boundaries a few twips apart are the same ruling
        if not grid_bounds or x - grid_bounds[-1] > 30:
            grid_bounds.append(x)

    def col_of(x: int) -> int:
        return min(range(len(grid_bounds)), key=lambda k: abs(grid_bounds[k] - x))

    placed: list[list[tuple[int, int, RawCell, int]]] = []  # (c0, c1, cell, vmerge flag)
    for r in rows:
        c = r.props.centers
        out: list[tuple[int, int, RawCell, int]] = []
        for k, parts in enumerate(r.cells):
            if c and len(c) == len(r.cells) + 1 and grid_bounds:
                c0, c1 = col_of(c[k]), col_of(c[k + 1])
            else:
                c0 = out[-1][1] if out else 0
                c1 = c0 + 1
            hm = r.props.hmerge[k] if k < len(r.props.hmerge) else 0
            if hm in (2, 3) and out:  # legacy horizontal merge: widen the cell on the left
                p0, _, cell, vm = out[-1]
                out[-1] = (p0, max(c1, p0 + 1), cell, vm)
                continue
            out.append((c0, max(c1, c0 + 1), RawCell([t for t in parts if t.strip()]),
                        r.props.vmerge.get(k, 0)))
        placed.append(out)
    # Vertical merges: a continuation (flag 1) grows the cell above that starts in its column.
    owner: dict[int, RawCell] = {}
    origin_row: dict[int, int] = {}
    raw_rows: list[list[RawCell]] = []
    for i, out in enumerate(placed):
        row: list[RawCell] = []
        here: dict[int, RawCell] = {}
        col = 0
        for c0, c1, cell, vm in out:
            if c0 > col:
                row.append(RawCell([], colspan=c0 - col))  # columns this row leaves unprinted
            cell.colspan = c1 - c0
            above = owner.get(c0)
            if vm == 1 and above is not None:
                above.rowspan = max(above.rowspan, i - origin_row[id(above)] + 1)
                here[c0] = above
                col = c1
                continue
            origin_row[id(cell)] = i
            here[c0] = cell
            row.append(cell)
            col = c1
        raw_rows.append(row)
        owner = here
    return RawTable(raw_rows)


def read(data: bytes, name: str) -> Document:
    """Read a .doc/.wps: paragraphs and tables in body order; Unreadable when damaged."""
    r = _Reader(data)
    try:
        try:
            text, fcs = r.text()
            starts, runs = r.papx_runs()
        except (struct.error, IndexError, ValueError) as e:
            raise Unreadable(f"damaged Word file: {type(e).__name__} while reading its text") from None
        title = r.title()
    finally:
        r.close()

    def props_at(fc: int) -> _Props | None:
        k = bisect.bisect_right(starts, fc) - 1
        if k >= 0 and fc < runs[k][0]:
            return runs[k][1]
        return None

    doc = Document(format=FORMAT, title=title)
    rows: list[_Row] = []
    cells: list[list[str]] = []
    cell: list[str] = []

    def flush_table() -> None:
        if cell or cells:
            cells.append(list(cell))
            rows.append(_Row(list(cells), _Props()))
            cell.clear()
            cells.clear()
        if rows:
            emit_table(_table_from_rows(rows), doc.blocks)
            rows.clear()

    start = 0
    n = len(text)
    for i in range(n):
        ch = text[i]
        if ch not in (PARA_END, CELL_MARK, PAGE_BREAK):
            continue
        para = _clean(text[start:i])
        start = i + 1
        p = props_at(fcs[i]) if i < len(fcs) else None
        if ch == CELL_MARK or (p is not None and p.in_table and p.itap <= 1):
            if p is not None and p.ttp:
                if cell:
                    cells.append(list(cell))
                    cell.clear()
                rows.append(_Row(list(cells), p))
                cells.clear()
                continue
            for line in para.split(LINE_BREAK):
                if line.strip():
                    cell.append(line.strip())
            if ch == CELL_MARK:
                cells.append(list(cell))
                cell.clear()
            continue
        if p is not None and p.itap > 1:  # a nested table's paragraph: text of the outer cell
            if para.strip():
                cell.append(para.strip())
            continue
        flush_table()
        for line in para.split(LINE_BREAK):
            if line.strip():
                doc.blocks.append(Paragraph(line.strip()))
    flush_table()
    fields_from_blocks(doc.blocks, doc.fields)
    return doc
