"""OCR of page images (scans, photos, pictures of tables) into the positioned text the
PDF reader's geometry turns into paragraphs and grids.

The engine is PP-OCRv4's text recogniser as packaged by rapidocr-onnxruntime: its ONNX
model ships inside the wheel and runs on onnxruntime's CPU provider, so nothing is
downloaded at run time. Its detector is not used: report pages are ruled tables and
lines of print, which classic image processing lays out faster and more predictably:

1. grey, deskew (the angle that makes the rows of ink sharpest), adaptive threshold;
2. ruling lines by morphology (long thin openings), handed to pdfplumber's table
   geometry as edges, exactly as a PDF's strokes are (so merged cells, tables across
   pages and the unruled fallback all work as for PDF);
3. text lines by projection inside each ruled cell and, outside the tables, across
   the page (split on wide gaps, so an unruled table still comes out as cells);
4. each text line's crop goes to the recogniser, batched by width; the CTC output is
   decoded greedily, keeping for every digit the other digits the model found likely.

Every cell text keeps an `OcrReading`: raw text, page, box (pixels of the page image),
confidence (the least likely character's probability) and the alternative readings of
a number, which the identities use to choose (gip_pipeline.extraction.ocr_check).
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gip_pipeline.extraction.readers.pdf import Char, _edge, geometry_blocks
from gip_pipeline.extraction.values import UNREADABLE

# Pixels are converted to PDF points so the PDF geometry's tolerances apply unchanged.
PT = 72.0
MAX_PIXELS = 40_000_000  # a page image beyond this is downscaled first (A4 at 600 dpi is 35M)
MAX_SKEW_DEG = 6.0
ALT_MIN_PROB = 0.02  # a digit the model gives at least this probability is an alternative
MAX_ALTERNATIVES = 16
REC_HEIGHT = 48
BATCH = 16
BATCH_SPREAD = 1.25
SPECK_CONFIDENCE = 0.5  # a number read beside a stray letter
PROSE_LINE = 0.8  # of the page's text width: a line of running text, not a heading or a date
PROSE_HEAD, PROSE_TAIL = 8, 6  # full lines read at a report's start and end


def prose_for(k: int, n: int) -> tuple[int, int]:
    """The running-text lines to read on page k (0-based) of n: the opening lines of the
    first page (title, organ, index number), the closing lines of the last (signature and
    date); headings, short lines and every table cell are read on every page."""
    return (PROSE_HEAD if k == 0 else 0, PROSE_TAIL if k == n - 1 else 0)

_DIGIT_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1",
                                  "i": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "g": "9",
                                  "q": "9", "。": ".", "，": ",", "．": "."})


@dataclass
class OcrReading:
    text: str
    confidence: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the page image
    page: int | None
    alternatives: tuple[str, ...] = ()  # other readings of a number, likeliest first

    def to_box(self) -> list[float]:
        return [round(float(v), 1) for v in self.box]


def merge_readings(readings: list["OcrReading"]) -> "OcrReading | None":
    """One reading for a cell whose text came from several lines."""
    if not readings:
        return None
    if len(readings) == 1:
        return readings[0]
    xs0, ys0, xs1, ys1 = zip(*(r.box for r in readings))
    return OcrReading(" ".join(r.text for r in readings), min(r.confidence for r in readings),
                      (min(xs0), min(ys0), max(xs1), max(ys1)), readings[0].page, ())


# ---------------------------------------------------------------- the recogniser


def _threads() -> int:
    try:
        return max(1, int(os.environ.get("GIP_OCR_THREADS", "1")))
    except ValueError:
        return 1


class Recognizer:
    """PP-OCRv4 text-line recogniser (ONNX) with a decoder that keeps digit alternatives."""

    def __init__(self, threads: int | None = None) -> None:
        import onnxruntime as ort
        import rapidocr_onnxruntime

        model = Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
        if not model.is_file():
            raise RuntimeError(f"the OCR model is missing from the installed package ({model})")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or _threads()
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(model), sess_options=opts,
                                            providers=["CPUExecutionProvider"])
        chars = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.chars = ["", *chars, " "]  # CTC blank first; the model's last class is a space
        self.digits = np.array([i for i, c in enumerate(self.chars) if c and c.isdigit() and c.isascii()])
        self.numeric = np.array([i for i, c in enumerate(self.chars) if c and c in "0123456789,.-%"] + [0])
        self.index = {self.chars[i]: i for i in self.numeric[:-1]}

    def _prepare(self, crop: np.ndarray, width: int) -> np.ndarray:
        import cv2

        h, w = crop.shape[:2]
        new_w = max(1, min(width, int(math.ceil(REC_HEIGHT * w / max(h, 1)))))
        img = cv2.resize(crop, (new_w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR if h < REC_HEIGHT
                         else cv2.INTER_AREA).astype(np.float32)
        img = (img / 255.0 - 0.5) / 0.5
        out = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
        out[:, :, :new_w] = img[None, :, :]
        # Padded with 0 (mid grey once normalised) as the model was trained: padding with
        # white reads a lone 0 batched beside wider lines as a full stop.
        return out

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float, tuple[str, ...]]]:
        """(text, confidence, alternatives) per grey crop of one text line."""
        out: list[tuple[str, float, tuple[str, ...]]] = [("", 0.0, ())] * len(crops)
        widths = [int(math.ceil(REC_HEIGHT * c.shape[1] / max(c.shape[0], 1))) for c in crops]
        order = sorted(range(len(crops)), key=widths.__getitem__)
        # Batches of lines of about one width: every line is padded to its batch's widest.
        batches: list[list[int]] = []
        for i in order:
            if batches and len(batches[-1]) < BATCH and widths[i] <= BATCH_SPREAD * widths[batches[-1][0]] + 16:
                batches[-1].append(i)
            else:
                batches.append([i])
        for idx in batches:
            width = max(16, min(max(widths[i] for i in idx), 48 * 60))
            width = int(math.ceil(width / 8) * 8)
            batch = np.stack([self._prepare(crops[i], width) for i in idx])
            probs = self.session.run(None, {"x": batch})[0]
            for k, i in enumerate(idx):
                out[i] = self._decode(probs[k])
        return out

    def _decode(self, p: np.ndarray) -> tuple[str, float, tuple[str, ...]]:
        best = p.argmax(axis=1)
        text, confs, steps = self._greedy(p, best)
        if not text:
            return "", 0.0, ()
        stray = _number_beside_speck(text)
        if stray is not None:
            # A speck (a ruling's end, dirt) read as a letter beside a number: the number is
            # kept but never trusted on its own reading; only an identity can confirm it.
            return stray, min(SPECK_CONFIDENCE, min(confs)), ()
        # A line that is a number, give or take a letter the model took for a digit: read it
        # again with only the numeric classes, which keeps the digit alternatives honest.
        looks = text.translate(_DIGIT_LOOKALIKE).replace(" ", "")
        if looks and any(ch.isdigit() for ch in looks) and all(ch in "0123456789,.-%" for ch in looks):
            sub = p[:, self.numeric]
            nbest = self.numeric[sub.argmax(axis=1)]
            text, _, steps = self._greedy(p, nbest)
            # Confidence is a digit's share among the digits at its step: which digit was
            # printed, not how sharply the model placed it against the blank or a full stop.
            digit_mass = p[:, self.digits].sum(axis=1)
            all_mass = p[:, self.numeric[:-1]].sum(axis=1)
            confs = [float(p[t, self.index[ch]] / max((digit_mass if ch.isdigit() else all_mass)[t], 1e-9))
                     for ch, t in zip(text, steps)]
            alts = self._alternatives(p, text, steps)
            return text, min(confs) if confs else 0.0, alts
        return text, min(confs), ()

    def _greedy(self, p: np.ndarray, best: np.ndarray) -> tuple[str, list[float], list[int]]:
        text, confs, steps = [], [], []
        prev = -1
        for t, c in enumerate(best):
            c = int(c)
            if c != prev and c != 0:
                text.append(self.chars[c] if c < len(self.chars) else "")
                confs.append(float(p[t, c]))
                steps.append(t)
            elif c == prev and c != 0 and p[t, c] > confs[-1]:
                confs[-1], steps[-1] = float(p[t, c]), t
            prev = c
        return "".join(text), [min(1.0, c) for c in confs], steps

    def _alternatives(self, p: np.ndarray, text: str, steps: list[int]) -> tuple[str, ...]:
        options: list[list[tuple[str, float]]] = []
        for ch, t in zip(text, steps):
            row = p[t]
            if not ch.isdigit():
                options.append([(ch, 1.0)])
                continue
            cand = [(self.chars[i], float(row[i])) for i in self.digits if row[i] >= ALT_MIN_PROB]
            cand.sort(key=lambda x: -x[1])
            options.append(cand or [(ch, 1.0)])
        if all(len(o) == 1 for o in options):
            return ()
        combos = []
        for combo in itertools.islice(itertools.product(*options), 4096):
            s = "".join(c for c, _ in combo)
            if s != text:
                combos.append((math.prod(pr for _, pr in combo), s))
        combos.sort(key=lambda x: -x[0])
        return tuple(s for _, s in combos[:MAX_ALTERNATIVES])


def _number_beside_speck(text: str) -> str | None:
    tokens = text.split()
    if len(tokens) < 2:
        return None
    kept = [t for t in tokens if not (len(t) == 1 and t.isascii() and not t.isdigit()
                                      and t.translate(_DIGIT_LOOKALIKE) == t)]
    if len(kept) == 1 and len(kept) < len(tokens) and any(ch.isdigit() for ch in kept[0]) and \
            all(ch in "0123456789,.-%" for ch in kept[0]):
        return kept[0]
    return None


@functools.lru_cache(maxsize=1)
def recognizer() -> Recognizer:
    import cv2

    # OpenCV's own threads too: OCR's figures and worker limits are for GIP_OCR_THREADS cores.
    cv2.setNumThreads(_threads())
    return Recognizer()


# ---------------------------------------------------------------- page layout


def to_grey(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 3:
        if img.shape[2] == 4:
            alpha = img[:, :, 3:4].astype(np.float32) / 255.0
            img = (img[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return img


def _binary(grey: np.ndarray, dpi: float, median: bool = True) -> np.ndarray:
    import cv2

    block = max(15, int(dpi / 6) | 1)
    # The median removes scanner speckle and JPEG ringing, which would otherwise split
    # text lines and stand in for glyphs; glyph strokes survive it, one-pixel rulings
    # may not, so rulings are found without it.
    src = cv2.medianBlur(grey, 3) if median else grey
    return cv2.adaptiveThreshold(src, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                 cv2.THRESH_BINARY_INV, block, 15)


def deskew_angle(binary: np.ndarray) -> float:
    """The rotation (degrees) that makes the page's rows of ink sharpest."""
    import cv2

    h, w = binary.shape
    scale = min(1.0, 800 / max(w, 1))
    small = cv2.resize(binary, (max(1, int(w * scale)), max(1, int(h * scale))),
                       interpolation=cv2.INTER_AREA)
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def sharpness(a: float) -> float:
        m = cv2.getRotationMatrix2D(centre, a, 1.0)
        rot = cv2.warpAffine(small, m, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        prof = rot.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(prof)).sum())

    best = max(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.5), key=sharpness)
    fine = max(np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05), key=sharpness)
    return float(fine)


def rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    if abs(angle) < 0.05:
        return grey
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    # The corners the rotation uncovers mirror the picture's edge: white corners against a
    # photo's grey paper would draw a slanted line down the page, bridging its text lines,
    # and repeating the edge row would smear its noise into streaks read as text.
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def ruling_masks(binary: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    k = max(10, int(dpi * 0.35))  # ~9 mm: longer than any glyph stroke
    bridge = max(3, int(dpi / 40))  # close the gaps noise and compression leave in a ruling
    rect = cv2.getStructuringElement
    h = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (bridge, 1)))
    h = cv2.morphologyEx(h, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (k, 1)))
    v = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (1, bridge)))
    v = cv2.morphologyEx(v, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (1, k)))
    return h, v


def _segments_of(mask: np.ndarray, horizontal: bool, scale: float) -> list[dict]:
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for x, y, w, h, _area in stats[1:n]:
        if horizontal and w > 3 * h:
            yc = (y + h / 2) * scale
            out.append(_edge(x * scale, yc, (x + w) * scale, yc, "h"))
        elif not horizontal and h > 3 * w:
            xc = (x + w / 2) * scale
            out.append(_edge(xc, y * scale, xc, (y + h) * scale, "v"))
    return out


def _runs(ink: np.ndarray, axis: int, gap: int) -> list[list[int]]:
    """[start, end) runs of rows (axis 1) or columns (axis 0) holding ink, split on gaps."""
    idx = np.flatnonzero(ink.sum(axis=axis) > 0)
    if idx.size == 0:
        return []
    runs, start, prev = [], idx[0], idx[0]
    for i in idx[1:]:
        if i - prev > gap:
            runs.append([start, prev + 1])
            start = i
        prev = i
    runs.append([start, prev + 1])
    return runs


def _bands(ink: np.ndarray, min_h: int, gap: int, glyph: int) -> list[tuple[int, int]]:
    """Row bands holding ink (text lines) of a binary crop.

    Glyphs made of separate strokes (三, 二, 旦) project as several thin bands: a band
    shorter than a glyph joins its neighbour while the two together still fit one glyph.
    """
    merged: list[list[int]] = []
    for b in _runs(ink, 1, gap):
        if merged:
            a = merged[-1]
            thin = (a[1] - a[0]) < 0.75 * glyph or (b[1] - b[0]) < 0.75 * glyph
            # A stroke the threshold cut off its glyph (the bar of a 5) sits right against it.
            if thin and ((b[1] - a[0] <= 1.15 * glyph and b[0] - a[1] <= 0.5 * glyph)
                         or (b[1] - a[0] <= 2 * glyph and b[0] - a[1] <= max(2, 0.2 * glyph))):
                a[1] = b[1]
                continue
        merged.append(b)
    return [(a, b) for a, b in merged if b - a >= min_h]


def glyph_height(text_ink: np.ndarray, dpi: float) -> int:
    """The page's usual glyph height: the median height of its ink blobs of glyph size."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(text_ink, connectivity=8)
    hs = stats[1:n, 3]
    ws = stats[1:n, 2]
    lo, hi = dpi / 20, dpi / 2.5  # 3.6 pt to 29 pt
    sel = hs[(hs >= lo) & (hs <= hi) & (ws >= lo / 2) & (ws <= hi)]
    return int(np.median(sel)) if sel.size else int(dpi / 7)


@dataclass
class _Line:
    x0: int
    y0: int
    x1: int
    y1: int

    def __post_init__(self) -> None:  # numpy ints would leak into the JSON boxes
        self.x0, self.y0, self.x1, self.y1 = int(self.x0), int(self.y0), int(self.x1), int(self.y1)


def _lines_in(text_ink: np.ndarray, x0: int, y0: int, x1: int, y1: int, dpi: float,
              split_gap: float | None, glyph: int) -> list[_Line]:
    crop = text_ink[y0:y1, x0:x1]
    min_h = max(3, int(dpi / 50))
    out = []
    for a, b in _bands(crop, min_h, max(1, int(dpi / 75)), glyph):
        band = crop[a:b]
        if int(band.sum() // 255) < max(6, int(dpi / 20)):
            continue  # specks: noise, not a glyph
        speck = max(6, int(dpi / 20))
        if split_gap:
            for s, e in _runs(band, 0, int(split_gap * (b - a))):
                if int(band[:, s:e].sum() // 255) >= speck:
                    out.append(_Line(x0 + s, y0 + a, x0 + e, y0 + b))
            continue
        # In a cell the line stays whole, less the specks apart from its glyphs (what is left
        # of a ruling, dirt): a lone 0 in a crop as wide as the cell reads as a full stop.
        kept = [(s, e) for s, e in _runs(band, 0, max(2, glyph // 2)) if int(band[:, s:e].sum() // 255) >= speck]
        if kept:
            out.append(_Line(x0 + kept[0][0], y0 + a, x0 + kept[-1][1], y0 + b))
    return out


STRIP_RATIO = 1.6  # taller than wide by this much: a "long picture" of several pages
STRIP_GAP_IN = 0.35  # blank height (inches) between two pages of a long picture


def strip_pieces(image: np.ndarray, dpi: float) -> list[tuple[int, int]]:
    """Row ranges of the pages a long picture stacks (each photographed at its own skew,
    so each is laid out on its own), cut at wide blank bands; one range for a page."""
    h, w = image.shape[:2]
    if h <= STRIP_RATIO * w:
        return [(0, h)]
    ink = _binary(to_grey(image), dpi).sum(axis=1) // 255
    blank = ink <= max(3, w // 200)  # sensor noise and JPEG leave a few dots in a blank row
    gap, piece_min = int(STRIP_GAP_IN * dpi), w // 2
    cuts, run = [], 0
    for y, b in enumerate(blank):
        run = run + 1 if b else 0
        if run == gap:
            cuts.append(y - gap // 2)
    pieces, start = [], 0
    for c in cuts + [h]:
        if c - start >= piece_min or c == h:
            pieces.append((start, c))
            start = c
    if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] < piece_min:  # a short tail joins the last page
        pieces[-2:] = [(pieces[-2][0], h)]
    return pieces


def image_blocks(image: np.ndarray, dpi: float, page_no: int | None, rec: Recognizer | None = None):
    """OCR a picture: one page, or each page of a long picture in turn (running text as
    for a scanned PDF: prose_for)."""
    blocks: list = []
    pieces = strip_pieces(image, dpi)
    for k, (y0, y1) in enumerate(pieces):
        blocks.extend(page_blocks(image[y0:y1], dpi, page_no, rec, prose=prose_for(k, len(pieces))))
    return blocks


def page_blocks(image: np.ndarray, dpi: float, page_no: int | None, rec: Recognizer | None = None,
                prose: tuple[int, int] | None = None):
    """OCR one page image (RGB, RGBA or grey array) into Document blocks. prose=(a, b)
    reads only the first a and the last b full-width lines of running text outside the
    tables (see prose_for); None reads every line."""
    import cv2

    from gip_pipeline.extraction import deadline
    from gip_pipeline.extraction.readers.pdf import find_cell_tables

    deadline.ocr_page_started()  # the file's time limit grows by a page's allowance
    rec = rec or recognizer()
    grey = to_grey(image)
    if grey.size > MAX_PIXELS:
        f = math.sqrt(MAX_PIXELS / grey.size)
        grey = cv2.resize(grey, (int(grey.shape[1] * f), int(grey.shape[0] * f)), interpolation=cv2.INTER_AREA)
        dpi *= f
    binary = _binary(grey, dpi)
    angle = deskew_angle(binary)
    if abs(angle) >= 0.05:
        grey = rotate(grey, angle)
        binary = _binary(grey, dpi)
    hmask, vmask = ruling_masks(_binary(grey, dpi, median=False), dpi)
    scale = PT / dpi
    edges = _segments_of(hmask, True, scale) + _segments_of(vmask, False, scale)
    lines_mask = cv2.dilate(hmask | vmask, np.ones((3, 3), np.uint8))
    text_ink = cv2.bitwise_and(binary, cv2.bitwise_not(lines_mask))
    glyph = glyph_height(text_ink, dpi)
    lines: list[_Line] = []
    unread = text_ink.copy()  # what no cell has read yet: after the cells, the text outside
    inset = max(2, int(dpi / 50))
    for table in find_cell_tables(edges):
        for x0, top, x1, bottom in table:
            # Inset from the rulings: what survives of a ruling's edge beside a digit is
            # read as a letter or a minus sign.
            a, b = int(x0 / scale) + inset, int(top / scale) + inset
            c, d = int(x1 / scale) - inset + 1, int(bottom / scale) - inset + 1
            if c - a < 3 or d - b < 3:
                continue
            # Ink is read once: cells found twice or overlapping (rulings of a page photographed
            # askew) would otherwise read the same glyphs into two cells.
            lines.extend(_lines_in(unread, a, b, c, d, dpi, None, glyph))
            unread[b:d, a:c] = 0
    outside = _lines_in(unread, 0, 0, unread.shape[1], unread.shape[0], dpi, 1.5, glyph)
    if prose is not None and outside:
        # Full lines of running text are most of a page's recognition time and hold no
        # number or field the pipeline keeps: only the first and last few the caller asks
        # for are read (the title and opening lines of a report, its closing lines).
        left, right = min(ln.x0 for ln in outside), max(ln.x1 for ln in outside)
        full = sorted((ln for ln in outside if ln.x1 - ln.x0 >= PROSE_LINE * (right - left)),
                      key=lambda ln: ln.y0)
        head, tail = prose
        skip = {id(ln) for ln in full[head:len(full) - tail]}
        outside = [ln for ln in outside if id(ln) not in skip]
    lines.extend(outside)
    H, W = grey.shape

    def crop(ln: _Line, pad: int) -> np.ndarray:
        return grey[max(0, ln.y0 - pad):min(H, ln.y1 + pad), max(0, ln.x0 - pad):min(W, ln.x1 + pad)]

    pad = max(2, int(dpi / 40), glyph // 4)
    results = rec.read([crop(ln, pad) for ln in lines]) if lines else []
    # A small glyph cropped tight (a lone digit at screen resolution) can read as nothing:
    # read it again with more paper around it before calling it unreadable.
    again = [i for i, r in enumerate(results) if not r[0].strip()]
    for i, r in zip(again, rec.read([crop(lines[i], 2 * pad + 2) for i in again]) if again else []):
        results[i] = r
    chars: list[Char] = []
    for ln, (text, conf, alts) in zip(lines, results):
        text = text.strip()
        if not text:
            if ln.y1 - ln.y0 < 0.5 * glyph:
                continue  # a speck
            # A glyph was printed: never let it pass for an empty (blank) cell.
            text, conf = UNREADABLE, 0.0
        reading = OcrReading(text, conf, (ln.x0, ln.y0, ln.x1, ln.y1), page_no, alts)
        step = (ln.x1 - ln.x0) / len(text)
        for i, ch in enumerate(text):
            cx0 = ln.x0 + i * step
            chars.append(Char(ch, cx0 * scale, (cx0 + step) * scale, ln.y0 * scale, ln.y1 * scale, reading))
    return geometry_blocks(chars, edges, H * scale, page_no)
