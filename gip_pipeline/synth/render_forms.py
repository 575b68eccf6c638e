"""The published forms made from a born-digital rendering (gip_pipeline.synth.forms):

- `scan`: the PDF rasterised at 150 dpi with skew, sensor noise and JPEG compression, as
  an image-only PDF (layouts are the PDF's);
- `photo`: each page photographed (uneven light, blur, skew) and the photos stacked into
  one long JPEG, as reports are posted as a "long picture";
- `imghtml`: an HTML page of the report's text with each table as a screenshot (`data:`
  URI) at 96, 110 or 150 dpi;
- `ofd`: the PDF's positioned text and rulings as OFD;
- `doc`, `xls`: the DOCX / HTML rendering saved by LibreOffice as Word 97 / Excel 97
  (making them needs LibreOffice; reading them does not).

The scans, photos and screenshots are drawn with an embedded TrueType CJK font
(render_pdf.embedded_font), so no system font is needed to make them.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from types import SimpleNamespace

from gip_pipeline.synth import render_docx, render_html, render_pdf
from gip_pipeline.synth.doc import SynthDoc

SCAN_DPI = 150
SYNTH_KEYWORDS = "synthetic gip-synth"


def _pdf(doc: SynthDoc, rng: random.Random, embed: bool) -> bytes:
    return render_pdf.render(doc, rng, embed_font=embed)[0]


def _scan(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    from gip_pipeline.synth.forms import scan_pdf

    knobs = {"dpi": SCAN_DPI, "skew_deg": round(rng.uniform(-1.5, 1.5), 2), "noise": round(rng.uniform(0, 15), 1),
             "jpeg_quality": rng.choice((50, 60, 70, 85))}
    doc.knobs["scan"] = knobs
    return scan_pdf(_pdf(doc, rng, True), seed=rng.randrange(2**31), keywords=SYNTH_KEYWORDS, **knobs), \
        {"index_number": False}


def _photo(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    from gip_pipeline.synth.forms import photo_strip

    dpi = rng.choice((170, 200))
    doc.knobs["photo"] = {"dpi": dpi}
    return photo_strip(_pdf(doc, rng, True), dpi=dpi, seed=rng.randrange(2**31), comment=SYNTH_KEYWORDS), \
        {"index_number": False}


def _imghtml(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    from gip_pipeline.synth.forms import picture_html

    dpi = rng.choice((96, 110, 150))
    doc.knobs["picture_dpi"] = dpi
    page, _ = picture_html(_pdf(doc, rng, True), dpi=dpi, inline=True, title=doc.title, keywords=SYNTH_KEYWORDS)
    return page.encode("utf-8"), {"index_number": False}


def _ofd(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    from gip_pipeline.synth.forms import to_ofd

    return to_ofd(_pdf(doc, rng, False), doc.title, SYNTH_KEYWORDS), {"index_number": False}


def _office(renderer, suffix: str, fmt: str):
    def render(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
        from gip_pipeline.synth.forms import office_convert

        data, meta = renderer.render(doc, rng)
        if suffix == "html":
            # A cell of ASCII alone is stored as plain bytes in the workbook: the synthetic
            # mark gip_pipeline.raw scans for (the report's own text is stored as UTF-16).
            mark = b"<p>" + SYNTH_KEYWORDS.encode() + b"</p>"
            data = data.replace(b"</body>", mark + b"</body>") if b"</body>" in data else data + mark
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / f"report.{suffix}"
            src.write_bytes(data)
            (out,) = office_convert([src], Path(tmp) / "out", fmt)
            return out.read_bytes(), meta
    return render


FORMS = {
    "scan": SimpleNamespace(LAYOUTS=render_pdf.LAYOUTS, render=_scan, EXT="pdf"),
    "photo": SimpleNamespace(LAYOUTS=render_pdf.LAYOUTS, render=_photo, EXT="jpg"),
    "imghtml": SimpleNamespace(LAYOUTS=render_pdf.LAYOUTS, render=_imghtml, EXT="html"),
    "ofd": SimpleNamespace(LAYOUTS=render_pdf.LAYOUTS, render=_ofd, EXT="ofd"),
    "doc": SimpleNamespace(LAYOUTS=render_docx.LAYOUTS, render=_office(render_docx, "docx", "doc"), EXT="doc"),
    # LibreOffice's HTML import keeps merged cells; the cssdiv layout has no <table> to keep.
    "xls": SimpleNamespace(LAYOUTS=("govsite", "fragment"), render=_office(render_html, "html", "xls"), EXT="xls"),
}
