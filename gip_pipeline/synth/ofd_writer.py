"""Write an OFD (GB/T 33190) from a PDF's positioned text and ruling lines.

This is how test OFDs are made from a real PDF (``jiangsu-huaian-hongze-2023.pdf``) and
how `gip synth` makes its `ofd` form from its PDF rendering: the glyph positions and the
strokes pdfium reads become TextObjects (one per text line, DeltaX advances) and
PathObjects, in millimetres, as OFD converters lay them out. Bytes are deterministic.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import pypdfium2 as pdfium

from gip_pipeline.extraction.readers.pdf import _lines, _page_chars, page_edges

NS = "http://www.ofdspec.org/2016"
MM_PER_PT = 25.4 / 72


def _mm(v: float) -> str:
    return f"{v * MM_PER_PT:.3f}".rstrip("0").rstrip(".")


def _page_xml(page: pdfium.PdfPage, next_id) -> str:
    height = page.get_height()
    textpage = page.get_textpage()
    chars = _page_chars(textpage, height)
    objs: list[str] = []
    for line in _lines(chars):
        line = [c for c in line if c.text.strip()]
        if not line:
            continue
        x0, top = min(c.x0 for c in line), min(c.top for c in line)
        x1, bottom = max(c.x1 for c in line), max(c.bottom for c in line)
        size = max(c.bottom - c.top for c in line)
        base = top + 0.88 * size  # the reader puts the box 0.88 size above the baseline
        deltas = " ".join(_mm(b.x0 - a.x0) for a, b in zip(line, line[1:]))
        text = escape("".join(c.text for c in line))
        objs.append(
            f'<ofd:TextObject ID="{next_id()}" Boundary="{_mm(x0)} {_mm(top)} {_mm(x1 - x0 + size)} '
            f'{_mm(bottom - top)}" Font="1" Size="{_mm(size)}">'
            f'<ofd:TextCode X="0" Y="{_mm(base - top)}"'
            + (f' DeltaX="{deltas}"' if deltas else "") + f">{text}</ofd:TextCode></ofd:TextObject>")
    for e in page_edges(page):
        w, h = e["x1"] - e["x0"], e["bottom"] - e["top"]
        objs.append(
            f'<ofd:PathObject ID="{next_id()}" Boundary="{_mm(e["x0"])} {_mm(e["top"])} {_mm(w) or 0} '
            f'{_mm(h) or 0}" LineWidth="0.25"><ofd:AbbreviatedData>M 0 0 L {_mm(w) or 0} {_mm(h) or 0}'
            "</ofd:AbbreviatedData></ofd:PathObject>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
            f'<ofd:Layer ID="{next_id()}">' + "".join(objs) + "</ofd:Layer></ofd:Content></ofd:Page>")


def pdf_to_ofd(pdf: bytes, title: str = "", keywords: str = "") -> bytes:
    doc = pdfium.PdfDocument(pdf)
    counter = [1]

    def next_id() -> int:
        counter[0] += 1
        return counter[0]

    try:
        w, h = doc[0].get_size()
        pages = [_page_xml(doc[i], next_id) for i in range(len(doc))]
    finally:
        doc.close()
    page_refs = "".join(f'<ofd:Page ID="{next_id()}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                        for i in range(len(pages)))
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{counter[0]}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {_mm(w)} {_mm(h)}"
        "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>")
    public = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
              '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
    ofd = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.1" DocType="OFD">'
           f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>gip-ofd</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>"
           f"<ofd:Keywords><ofd:Keyword>{escape(keywords)}</ofd:Keyword></ofd:Keywords>"
           "<ofd:Creator>gip_pipeline</ofd:Creator></ofd:DocInfo>"
           "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if keywords:
            z.comment = keywords.encode("ascii", "ignore")
        parts = [("OFD.xml", ofd), ("Doc_0/Document.xml", document), ("Doc_0/PublicRes.xml", public)]
        parts += [(f"Doc_0/Pages/Page_{i}/Content.xml", p) for i, p in enumerate(pages)]
        for name, text in parts:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, text.encode("utf-8"))
    return out.getvalue()


