"""Parsing one report file: bytes -> ParseResult (what `gip parse --json` prints).

Never raises on bad input: unreadable, empty, blank-template and non-report
files come back `rejected` with a one-sentence reason and no cells.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import logging
import re
import zipfile
from pathlib import Path

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.document import Document, Unreadable
from gip_pipeline.extraction.metadata import extract_metadata, find_title, is_gip_title
from gip_pipeline.extraction.legacy import legacy_findings, legacy_values
from gip_pipeline.extraction.narrative import narrative_sections
from gip_pipeline.extraction.normalize import normalize_text
from gip_pipeline.extraction.ocr_check import check_ocr_cells
from gip_pipeline.extraction.recognize import recognize
from gip_pipeline.extraction.result import Finding, ParseResult
from gip_pipeline.extraction.validate import validate
from gip_pipeline.raw import EXTENSION_FORMATS

log = logging.getLogger(__name__)

READERS = {
    "txt": "gip_pipeline.extraction.readers.text:read",
    "html": "gip_pipeline.extraction.readers.html:read",
    "pdf": "gip_pipeline.extraction.readers.pdf:read",
    "docx": "gip_pipeline.extraction.readers.docx:read",
    "md": "gip_pipeline.extraction.readers.markdown:read",
    "doc": "gip_pipeline.extraction.readers.word97:read",
    "xls": "gip_pipeline.extraction.readers.spreadsheet:read",
    "ofd": "gip_pipeline.extraction.readers.ofd:read",
    "image": "gip_pipeline.extraction.readers.image:read",
}
_EXT = EXTENSION_FORMATS
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a")
_HTML_RE = re.compile(rb"<(?:!doctype\s+html|html|head|body|table|div|p|span|meta|tr|td)[\s>/]", re.I)
_MD_TABLE_RE = re.compile(rb"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$", re.M)
BLANK_TEMPLATE_MIN_ROWS = 5  # recognised row labels, no values anywhere
LEGACY_MAX_YEAR = schema.ERA_DEFS[-1].years[1]  # the last year without national tables


def _ole_format(data: bytes) -> str | None:
    """doc or xls by the streams of an OLE compound file (a .wps is a Word file, an .et an
    Excel one); None for other or damaged containers."""
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            if ole.exists("WordDocument"):
                return "doc"
            if ole.exists("Workbook") or ole.exists("Book"):
                return "xls"
    except Exception:  # olefile raises OSError, struct.error, IndexError... on damage
        return None
    return None


def sniff_format(data: bytes, name: str = "") -> str:
    """Format by content first (PDF magic, OLE streams, zip parts, image magic, HTML markup,
    Markdown table rule), extension second."""
    head = data[:4096]
    if head.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if head[:8] == _OLE_MAGIC:
        return _ole_format(data) or _EXT.get(Path(name).suffix.lower(), "doc")
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = z.namelist()
                if "word/document.xml" in names:
                    return "docx"
                if "OFD.xml" in names:
                    return "ofd"
        except zipfile.BadZipFile:
            pass
    if head.startswith(_IMAGE_MAGIC) or (head[:2] == b"BM" and len(head) > 26) or (
            head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if _HTML_RE.search(head):
        return "html"
    if _MD_TABLE_RE.search(data[:200_000]):
        return "md"
    return _EXT.get(Path(name).suffix.lower(), "txt")


def _reader(fmt: str):
    module, func = READERS[fmt].split(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return None
        raise
    return getattr(mod, func, None)


def _reject(res: ParseResult, reason: str) -> ParseResult:
    res.status, res.reason, res.cells, res.narrative, res.legacy = "rejected", reason, [], [], []
    return res


def parse_file(path) -> ParseResult:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        res = ParseResult(file=str(path), sha256="", format=_EXT.get(p.suffix.lower(), "txt"))
        return _reject(res, f"the file cannot be read ({e.strerror or e}).")
    return parse_bytes(data, str(path))


def parse_bytes(data: bytes, name: str, origin: str | None = None) -> ParseResult:
    """origin: the file's path on disk where `name` is not one (readers look beside it: an
    HTML page's pictures)."""
    res = ParseResult(file=name, sha256=hashlib.sha256(data).hexdigest(), format="txt")
    try:
        res.format = sniff_format(data, name)
    except Exception:  # sniffing is best effort
        res.format = _EXT.get(Path(name).suffix.lower(), "txt")
    if not data.strip():
        return _reject(res, "the file is empty.")
    try:
        read = _reader(res.format)
    except Exception as e:
        return _reject(res, f"the {res.format} reader failed to load ({type(e).__name__}: {e}).")
    if read is None:
        return _reject(res, f"no reader for format {res.format}.")
    try:
        doc = read(data, origin or name)
    except Unreadable as e:
        return _reject(res, str(e) or "the file is unreadable.")
    except Exception as e:  # any reader failure is a rejection, never a crash
        log.warning("reader %s failed on %s: %r", res.format, name, e)
        return _reject(res, f"the {res.format} reader failed ({type(e).__name__}: {e}).")
    try:
        return _interpret(doc, res)
    except Exception as e:
        log.exception("recognition failed on %s", name)
        res.report = {k: None for k in schema.META_KEYS}
        res.findings = []
        return _reject(res, f"recognition failed ({type(e).__name__}: {e}).")


def _interpret(doc: Document, res: ParseResult) -> ParseResult:
    if not doc.blocks and not doc.fields and not (doc.title or "").strip():
        return _reject(res, "the file holds no text.")
    report, meta_findings, res.sources = extract_metadata(doc, res.file)
    res.report = report
    res.narrative = narrative_sections(doc)
    rec = recognize(doc, report["year"])
    has_values = any(c.value is not None or normalize_text(c.raw or "") for c in rec.cells)
    title = find_title(doc)
    gip = title is not None and is_gip_title(title)

    # Tables whose rows are all printed but hold no value (or text readers dropped the empty cells).
    if (rec.cells and not has_values) or (not rec.cells and len(rec.label_only_rows) >= BLANK_TEMPLATE_MIN_ROWS):
        return _reject(res, "blank template: the tables hold no values.")
    if not rec.cells:
        year = report["year"]
        if not gip:
            return _reject(res, "not a GIP annual report: no report tables and no report title.")
        res.findings.extend(meta_findings)
        # A pre-2019 year, or no year but a local statistics table of the old kind.
        old = year is not None and year <= LEGACY_MAX_YEAR
        legacy = legacy_values(doc) if old or year is None else []
        if old or legacy:
            report["era"] = "legacy"
            res.status = "warning"
            res.legacy = legacy
            res.findings.extend(legacy_findings(year, res.legacy))
            return res
        report["era"] = rec.era
        res.findings.extend(rec.findings)
        res.findings.append(Finding("recognize.no_tables", "error", None,
                                    "a GIP report title but none of the three tables was recognised"))
        res.status = "warning"
        return res

    report["era"] = rec.era
    res.cells = rec.cells
    res.findings.extend(meta_findings)
    res.findings.extend(rec.findings)
    if rec.era is None:
        res.findings.append(Finding("era.unknown", "warning", None,
                                    "the format era could not be told from the labels or the year"))
    elif rec.era_source == "labels" and report["year"] is not None:
        by_year = schema.era_for_year(report["year"])
        if by_year != rec.era:
            res.findings.append(Finding(
                "era.year_mismatch", "info", None,
                f"the tables print the {rec.era} format but the year {report['year']} implies {by_year}"))
    res.findings.extend(check_ocr_cells(rec.cells, rec.era))
    res.findings.extend(validate(rec.cells, rec.era))
    bad = any(f.severity in ("error", "warning") for f in res.findings)
    res.status = "warning" if bad else "ok"
    return res
