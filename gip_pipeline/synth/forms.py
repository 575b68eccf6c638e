"""Other published forms made from a report file: scans, photos, OFD, Word 97 and Excel 97.

Tests, `gip synth` and `make forms` use these to turn a born-digital report (a real one
from ../shared/real or a synthetic one) into the forms government sites also publish,
so every reader is checked against the twin whose cells are known:

- `scan_pdf`: pages rasterised at a resolution, rotated (skew), with sensor noise and
  JPEG compression, wrapped as an image-only PDF (no text layer);
- `photo_jpeg`: one page as a phone photo: rotated, unevenly lit, blurred, JPEG;
  `photo_strip`: every page so, stacked into one long JPEG;
- `picture_html`: an HTML page of the PDF's text with each table as a picture (`<img>`
  by `data:` URI or as files beside the page), as sites post screenshots of tables;
- `to_ofd` (gip_pipeline.synth.ofd_writer): the PDF's positioned text as an OFD;
- `office_convert`: LibreOffice (where installed) to .doc or .xls, the way publishers'
  own office suites save them. The readers never need LibreOffice; only making these
  test files does, and `make forms` keeps the results in data/forms.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np


def _page_images(pdf: bytes, dpi: float) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_numpy().copy() for i in range(len(doc))]
    finally:
        doc.close()


def degrade(grey: np.ndarray, rng: np.random.Generator, skew_deg: float, noise: float,
            jpeg_quality: int) -> np.ndarray:
    import cv2

    if grey.ndim == 3:
        grey = grey[:, :, 0]
    h, w = grey.shape
    if skew_deg:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
        grey = cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if noise:
        grey = np.clip(grey.astype(np.int16) + rng.normal(0, noise, grey.shape), 0, 255).astype(np.uint8)
    if jpeg_quality:
        ok, buf = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        grey = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return grey


def images_to_pdf(pages: list[np.ndarray], dpi: float, keywords: str = "") -> bytes:
    from PIL import Image

    imgs = [Image.fromarray(p) for p in pages]
    out = io.BytesIO()
    imgs[0].save(out, format="PDF", save_all=True, append_images=imgs[1:], resolution=dpi,
                 keywords=keywords, creator="gip_pipeline forms")
    data = out.getvalue()
    # Pillow writes the keywords as UTF-16; the synthetic mark must also be plain bytes
    # (gip_pipeline.raw scans for them): a comment after the end, where readers ignore it.
    return data + (b"%" + keywords.encode("ascii", "replace") + b"\n" if keywords else b"")


def scan_pdf(pdf: bytes, dpi: float = 150, skew_deg: float = 0.0, noise: float = 0.0,
             jpeg_quality: int = 0, seed: int = 0, keywords: str = "") -> bytes:
    """An image-only PDF of `pdf`'s pages as a scanner would give them."""
    rng = np.random.default_rng(seed)
    pages = [degrade(p, rng, skew_deg, noise, jpeg_quality) for p in _page_images(pdf, dpi)]
    return images_to_pdf(pages, dpi, keywords)


def _photographed(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A page as a phone sees it: lit from one side, slightly blurred, skewed, noisy."""
    import cv2

    grey = grey.astype(np.float32)
    h, w = grey.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 0.80 + 0.20 * (xx / w) * (1 - 0.5 * yy / h)  # brighter on one side, like a window
    grey = np.clip(grey * light + 25 * (1 - light), 0, 255).astype(np.uint8)
    grey = cv2.GaussianBlur(grey, (3, 3), 0.8)
    return degrade(grey, rng, float(rng.uniform(-3, 3)), 6.0, 0)


def _jpeg(grey: np.ndarray, comment: str, quality: int = 70) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(grey).convert("RGB").save(out, format="JPEG", quality=quality,
                                              comment=comment.encode() if comment else None)
    return out.getvalue()


def photo_jpeg(pdf: bytes, page: int, dpi: float = 200, seed: int = 0, comment: str = "") -> bytes:
    """One page as a phone photo: skewed, unevenly lit, slightly blurred, JPEG."""
    rng = np.random.default_rng(seed)
    return _jpeg(_photographed(_page_images(pdf, dpi)[page], rng), comment)


def photo_strip(pdf: bytes, dpi: float = 200, seed: int = 0, comment: str = "") -> bytes:
    """Every page photographed and the photos stacked top to bottom in one JPEG (a
    "long picture", as reports are posted on social media)."""
    rng = np.random.default_rng(seed)
    photos = [_photographed(p, rng) for p in _page_images(pdf, dpi)]
    width = max(p.shape[1] for p in photos)
    photos = [np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=255) for p in photos]
    return _jpeg(np.vstack(photos), comment)


def page_pngs(pdf: bytes, dpi: float = 150) -> list[bytes]:
    from PIL import Image

    out = []
    for p in _page_images(pdf, dpi):
        buf = io.BytesIO()
        Image.fromarray(p).save(buf, format="PNG", dpi=(dpi, dpi))
        out.append(buf.getvalue())
    return out


def picture_html(pdf: bytes, dpi: float = 110, inline: bool = True, title: str = "",
                 keywords: str = "") -> tuple[str, dict[str, bytes]]:
    """(page, pictures): the PDF's text outside its ruled tables as paragraphs and each
    table (a piece per page where it runs across pages) as a PNG screenshot. inline puts
    the pictures in data: URIs; otherwise they are files `<name>` beside the page (the
    returned dict), referenced by relative path."""
    import base64
    import html

    import pdfplumber
    from PIL import Image

    images = _page_images(pdf, dpi)
    body, files = [], {}
    f = dpi / 72
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for k, page in enumerate(doc.pages):
            boxes = [t.bbox for t in page.find_tables({"vertical_strategy": "lines",
                                                       "horizontal_strategy": "lines"})]

            def outside(obj, boxes=boxes):
                cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                return not any(x0 - 2 <= cx <= x1 + 2 and t - 2 <= cy <= b + 2 for x0, t, x1, b in boxes)

            # Text and pictures in reading order: by the top of each.
            items = [(ln["top"], "p", ln["text"]) for ln in page.filter(outside).extract_text_lines()]
            for j, (x0, top, x1, bottom) in enumerate(boxes):
                pad = 3
                crop = images[k][max(0, int((top - pad) * f)):int((bottom + pad) * f),
                                 max(0, int((x0 - pad) * f)):int((x1 + pad) * f)]
                buf = io.BytesIO()
                Image.fromarray(crop).save(buf, format="PNG")
                fname = f"table_p{k + 1}_{j + 1}.png"
                if inline:
                    src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
                else:
                    files[fname] = buf.getvalue()
                    src = fname
                items.append((top, "img", src))
            for _, kind, val in sorted(items, key=lambda t: t[0]):
                body.append(f'<p>{html.escape(val)}</p>' if kind == "p" else f'<p><img src="{val}" alt=""></p>')
    head = (f"<title>{html.escape(title)}</title>" if title else "") + (
        f'<meta name="keywords" content="{html.escape(keywords)}">' if keywords else "")
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>\n' + "\n".join(body) + \
        "\n</body></html>\n"
    return page, files


def to_ofd(pdf: bytes, title: str = "", keywords: str = "") -> bytes:
    from gip_pipeline.synth.ofd_writer import pdf_to_ofd

    return pdf_to_ofd(pdf, title, keywords)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


KINGSOFT_EXT = {"doc": "wps", "xls": "et"}
OFFICE_FILTERS = {"doc": ("doc:MS Word 97", None), "xls": ("xls:MS Excel 97", "HTML (StarCalc)")}


def office_convert(files: list[Path], out_dir: Path, fmt: str, timeout: float = 600) -> list[Path]:
    """Convert files with LibreOffice to fmt (doc or xls); RuntimeError where it is absent."""
    exe = soffice()
    if exe is None:
        raise RuntimeError(f"making .{fmt} files needs LibreOffice (soffice), which is not installed")
    target, infilter = OFFICE_FILTERS[fmt]
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless"]
        if infilter and any(f.suffix.lower() in (".html", ".htm") for f in files):
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", target, "--outdir", str(out_dir), *map(str, files)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
    out = [out_dir / f"{f.stem}.{fmt}" for f in files]
    missing = [p for p in out if not p.is_file()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing[0].name}")
    return out


# The real reports that have an office-suite twin in data/forms (`make forms`).
OFFICE_TWINS = {
    "shanghai-govoffice-2019.content-fragment.html": ("doc", "xls"),
    "TEMPLATE-blank-guoban-2021-format.docx": ("doc",),
}


def make_office_twins(real_dir: Path, out_dir: Path) -> list[Path]:
    """data/forms: .doc/.xls conversions of real reports, plus the same bytes named .wps/.et
    (Kingsoft's suite saves these formats under its own extensions)."""
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, fmts in OFFICE_TWINS.items():
            src = Path(tmp) / name
            shutil.copyfile(real_dir / name, src)
            for fmt in fmts:
                (made,) = office_convert([src], Path(tmp), fmt)
                dest = out_dir / f"{name}.{fmt}"
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(made, dest)
                written.append(dest)
                twin = out_dir / f"{name}.{KINGSOFT_EXT[fmt]}"
                shutil.copyfile(made, twin)
                written.append(twin)
    return written


if __name__ == "__main__":
    import sys

    real, out = (Path(a) for a in sys.argv[1:3])
    for p in make_office_twins(real, out):
        print(p)
