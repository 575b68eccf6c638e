"""OFD reader (GB/T 33190, the national fixed-layout e-document): a zip of XML pages.

OFD.xml names the document root; Document.xml lists the pages (and template pages
drawn beneath them); each page's Content.xml holds layers of TextObjects (glyph
positions: TextCode X/Y with DeltaX advances, in millimetres, relative to the object's
Boundary, optionally under a CTM) and PathObjects (AbbreviatedData: M/L/C... drawing
the ruling lines). Characters and horizontal/vertical strokes are converted to points,
top-origin, and go through the PDF reader's geometry (ruled cells -> grids, unruled
lines -> cells split on gaps), so both formats build tables one way.

Hostile files get the DOCX reader's zip checks (declared sizes, member count) and XML
with a DOCTYPE or entity declarations is refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lxml import etree

from gip_pipeline.extraction.document import Document, Paragraph, Unreadable
from gip_pipeline.extraction.readers.pdf import (
    MIN_EDGE, TITLE_LINES, Char, _edge, _line_text, _lines, _wide, find_title, geometry_blocks,
    is_page_number, is_table_page,
)

FORMAT = "ofd"
PT_PER_MM = 72 / 25.4
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_MEMBERS = 20_000
MAX_PAGES = 2000
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _floats(s: str | None) -> list[float]:
    return [float(x) for x in _NUM.findall(s or "")]


def _deltas(s: str | None) -> list[float]:
    """DeltaX/DeltaY with the `g N d` repetition shorthand expanded."""
    toks = (s or "").split()
    out: list[float] = []
    i = 0
    while i < len(toks):
        if toks[i] == "g" and i + 2 < len(toks):
            try:
                out.extend([float(toks[i + 2])] * min(int(toks[i + 1]), 10_000))
            except ValueError:
                pass
            i += 3
            continue
        try:
            out.append(float(toks[i]))
        except ValueError:
            pass
        i += 1
    return out


class _Package:
    def __init__(self, data: bytes) -> None:
        try:
            self.z = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            raise Unreadable("The file is not a valid OFD (not a readable zip archive).") from None
        infos = self.z.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Unreadable("The OFD archive holds an implausible number of parts.")
        if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
            raise Unreadable("The OFD is too large when uncompressed (a possible zip bomb).")
        self.names = {i.filename.lstrip("/"): i.filename for i in infos}

    def xml(self, path: str):
        key = posixpath.normpath(path.lstrip("/"))
        name = self.names.get(key)
        if name is None:
            # Part names are case-insensitive on the producers' systems.
            low = {k.lower(): v for k, v in self.names.items()}
            name = low.get(key.lower())
        if name is None:
            raise Unreadable(f"The OFD part {path} is missing.")
        try:
            raw = self.z.read(name)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            raise Unreadable(f"The OFD part {path} is corrupt or truncated.") from None
        if _DTD.search(raw[:4096]) or _DTD.search(raw):
            raise Unreadable("The OFD contains XML entity declarations (refused as unsafe).")
        try:
            return etree.fromstring(raw, _PARSER)
        except etree.XMLSyntaxError as e:
            raise Unreadable(f"The OFD part {path} is not well-formed XML ({e.msg}).") from None


def _resolve(base_dir: str, loc: str) -> str:
    loc = (loc or "").strip()
    return loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)


def _find(el, name: str):
    for child in el.iter():
        if _local(child.tag) == name:
            return child
    return None


def _children(el, name: str):
    return [c for c in el if _local(c.tag) == name]


def _ctm(obj) -> tuple[float, ...]:
    v = _floats(obj.get("CTM"))
    return tuple(v) if len(v) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _text_chars(obj, out: list[Char]) -> None:
    box = _floats(obj.get("Boundary"))
    if len(box) < 4:
        return
    bx, by = box[0], box[1]
    size = (_floats(obj.get("Size")) or [3.5])[0]
    m = _ctm(obj)
    scale = max(abs(m[3]), abs(m[0]), 1e-6)
    h = size * scale
    x, y = 0.0, 0.0
    for code in _children(obj, "TextCode"):
        text = code.text or ""
        if code.get("X") is not None:
            x = (_floats(code.get("X")) or [x])[0]
        if code.get("Y") is not None:
            y = (_floats(code.get("Y")) or [y])[0]
        dx, dy = _deltas(code.get("DeltaX")), _deltas(code.get("DeltaY"))
        for k, ch in enumerate(text):
            adv = dx[k] if k < len(dx) else (dx[-1] if dx else size)
            px, py = _apply(m, x, y)
            if ch.strip():
                # The advance is the glyph's box: CJK about the font size, digits about half.
                w = abs(adv * m[0]) if k < len(dx) else (h if _wide(ch) else h / 2)
                x0 = (bx + px) * PT_PER_MM
                base = (by + py) * PT_PER_MM
                x1 = x0 + max(min(w, h), 0.1) * PT_PER_MM
                out.append(Char(ch, x0, x1, base - 0.88 * h * PT_PER_MM, base + 0.12 * h * PT_PER_MM))
            x += adv
            if k < len(dy):
                y += dy[k]


def _path_edges(obj, out: list[dict]) -> None:
    if obj.get("Stroke", "true").lower() == "false" and obj.get("Fill", "false").lower() != "true":
        return
    box = _floats(obj.get("Boundary"))
    if len(box) < 4:
        return
    bx, by = box[0], box[1]
    m = _ctm(obj)
    data = _find(obj, "AbbreviatedData")
    if data is None or not data.text:
        return
    toks = data.text.split()
    pts: list[tuple[float, float]] = []
    start: tuple[float, float] | None = None
    segs: list[tuple[tuple[float, float], tuple[float, float]]] = []
    i = 0
    argc = {"M": 2, "S": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}
    while i < len(toks):
        op = toks[i]
        n = argc.get(op)
        if n is None:
            i += 1
            continue
        try:
            args = [float(t) for t in toks[i + 1:i + 1 + n]]
        except ValueError:
            break
        i += 1 + n
        if len(args) < n:
            break
        if op in ("M", "S"):
            p = _apply(m, args[0], args[1])
            pts = [p]
            start = p
        elif op == "L" and pts:
            p = _apply(m, args[0], args[1])
            segs.append((pts[-1], p))
            pts.append(p)
        elif op in ("Q", "B", "A") and pts:
            pts.append(_apply(m, args[-2], args[-1]))  # curves are no rulings
        elif op == "C" and pts and start is not None:
            segs.append((pts[-1], start))
            pts.append(start)
    for (xa, ya), (xb, yb) in segs:
        xa, xb = (bx + xa) * PT_PER_MM, (bx + xb) * PT_PER_MM
        ya, yb = (by + ya) * PT_PER_MM, (by + yb) * PT_PER_MM
        if abs(ya - yb) < 0.5 and abs(xa - xb) >= MIN_EDGE:
            out.append(_edge(min(xa, xb), ya, max(xa, xb), ya, "h"))
        elif abs(xa - xb) < 0.5 and abs(ya - yb) >= MIN_EDGE:
            out.append(_edge(xa, min(ya, yb), xa, max(ya, yb), "v"))


def _walk(el, chars: list[Char], edges: list[dict], depth: int = 0) -> None:
    for child in el:
        name = _local(child.tag)
        if name == "TextObject":
            _text_chars(child, chars)
        elif name == "PathObject":
            _path_edges(child, edges)
        elif name in ("Layer", "PageBlock", "CompositeObject", "Content") and depth < 16:
            _walk(child, chars, edges, depth + 1)


def _page_box(page_root, doc_root) -> tuple[float, float]:
    for root in (page_root, doc_root):
        area = _find(root, "PageArea")
        phys = _find(area, "PhysicalBox") if area is not None else None
        box = _floats(phys.text) if phys is not None else []
        if len(box) >= 4:
            return box[2] * PT_PER_MM, box[3] * PT_PER_MM
    return 210 * PT_PER_MM, 297 * PT_PER_MM


def read(data: bytes, name: str) -> Document:
    """Read an OFD's pages into paragraphs and tables."""
    pkg = _Package(data)
    root = pkg.xml("OFD.xml")
    doc_root_el = _find(root, "DocRoot")
    if doc_root_el is None or not (doc_root_el.text or "").strip():
        raise Unreadable("The OFD names no document root (OFD.xml has no DocRoot).")
    doc_path = _resolve("", doc_root_el.text)
    doc_dir = posixpath.dirname(doc_path)
    droot = pkg.xml(doc_path)
    templates: dict[str, str] = {}
    common = _find(droot, "CommonData")
    if common is not None:
        for t in _children(common, "TemplatePage"):
            if t.get("ID") and t.get("BaseLoc"):
                templates[t.get("ID")] = _resolve(doc_dir, t.get("BaseLoc"))
    pages_el = _find(droot, "Pages")
    pages = _children(pages_el, "Page") if pages_el is not None else []
    if not pages:
        raise Unreadable("empty OFD: the document has no pages")
    if len(pages) > MAX_PAGES:
        raise Unreadable("The OFD has more pages than any report.")
    out = Document(format=FORMAT, pages=len(pages))
    info = _find(root, "DocInfo")
    title_el = _find(info, "Title") if info is not None else None
    for no, p in enumerate(pages, start=1):
        path = _resolve(doc_dir, p.get("BaseLoc", ""))
        proot = pkg.xml(path)
        chars: list[Char] = []
        edges: list[dict] = []
        for t in _children(proot, "Template"):
            tpath = templates.get(t.get("TemplateID", ""))
            if tpath:
                _walk(pkg.xml(tpath), chars, edges)
        _walk(proot, chars, edges)
        _, height = _page_box(proot, droot)
        text = "".join(c.text for c in chars)
        if is_table_page(text):
            out.blocks.extend(geometry_blocks(chars, edges, height, no))
        else:
            out.blocks.extend(_line_paragraphs(chars, no))
    if not out.blocks:
        raise Unreadable("OFD without text: its pages hold no text objects (an image-only OFD is not read)")
    printed = find_title([b.text for b in out.blocks[:TITLE_LINES] if isinstance(b, Paragraph)])
    out.title = printed or ((title_el.text or "").strip() if title_el is not None else None) or None
    return out


def _line_paragraphs(chars: list[Char], page_no: int) -> list[Paragraph]:
    out = []
    for line in _lines(chars):
        t = _line_text(line)
        if t and not is_page_number(t):
            out.append(Paragraph(t, page_no))
    return out
