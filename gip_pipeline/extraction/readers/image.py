"""Image reader: a scan or phone photo of report pages (PNG, JPEG, TIFF, BMP, WEBP, GIF),
read by OCR (gip_pipeline.extraction.ocr). Each frame of a multi-page TIFF is a page.

Pillow decodes the file (it applies no EXIF rotation itself: done here, as a phone
stores a portrait photo sideways with an orientation tag). The resolution is the
file's own where it states one; otherwise a page is taken to be A4 wide, which only
scales the layout thresholds (the recogniser normalises every text line's height).
"""

from __future__ import annotations

import io

import numpy as np

from gip_pipeline.extraction.document import Document, Paragraph, Unreadable

FORMAT = "image"
MAX_PIXELS = 60_000_000  # per frame; a larger picture is a decompression bomb, not a page
MAX_FRAMES = 200
A4_WIDTH_IN = 8.27
MIN_DPI, MAX_DPI = 60.0, 1200.0


def stated_dpi(img) -> float | None:
    dpi = img.info.get("dpi")
    try:
        d = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        d = 0.0
    if not (MIN_DPI <= d <= MAX_DPI) or abs(d - 72.0) < 0.5:  # 72 is a default, not a scan's
        return None
    return d


def page_dpi(width: int, height: int) -> float:
    """The resolution of a picture of an A4 page (a tall one is a long strip of pages)."""
    w = width if height > 1.6 * width else max(width, height * 0.707)
    return max(MIN_DPI, min(w / A4_WIDTH_IN, MAX_DPI))


def decode_frames(data: bytes, guess_dpi=page_dpi) -> list[tuple[np.ndarray, float]]:
    """(RGB array, dpi) of every frame; Unreadable when the bytes are no image. The dpi is
    the file's own, else guess_dpi(width, height)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Image.DecompressionBombError:
        raise Unreadable("image too large: more pixels than any scanned page (a possible "
                         "decompression bomb)") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise Unreadable(f"the image cannot be decoded ({type(e).__name__})") from None
    frames = []
    for k in range(min(getattr(img, "n_frames", 1), MAX_FRAMES)):
        try:
            img.seek(k)
            frame = ImageOps.exif_transpose(img.copy()).convert("RGB")
        except (OSError, ValueError, EOFError) as e:
            raise Unreadable(f"damaged image: frame {k + 1} cannot be decoded ({type(e).__name__})") from None
        if frame.width * frame.height > MAX_PIXELS:
            raise Unreadable("image too large: more pixels than any scanned page")
        frames.append((np.asarray(frame), stated_dpi(frame) or guess_dpi(frame.width, frame.height)))
    return frames


def ocr_blocks(frames: list[tuple[np.ndarray, float]], first_page: int | None = 1) -> list:
    from gip_pipeline.extraction.ocr import image_blocks

    blocks: list = []
    for k, (arr, dpi) in enumerate(frames):
        blocks.extend(image_blocks(arr, dpi, None if first_page is None else first_page + k))
    return blocks


def read(data: bytes, name: str) -> Document:
    frames = decode_frames(data)
    doc = Document(format=FORMAT, pages=len(frames))
    doc.blocks = ocr_blocks(frames)
    if not doc.blocks:
        raise Unreadable("the image holds no text that OCR could read")
    from gip_pipeline.extraction.readers.pdf import TITLE_LINES, find_title

    doc.title = find_title([b.text for b in doc.blocks[:TITLE_LINES] if isinstance(b, Paragraph)])
    return doc
