"""`gip collect`: start URLs (a site's 政府信息公开年报 list pages) in, the raw folder out.

Each site is walked from its list page through its pagination (index_1.htm, ... and the
`createPageHTML(...)` pagers of TRS-built sites); a link whose text reads like a report title
(schema of sites.py) is a report page; the page is fetched, and each attachment it links
(PDF, Word, WPS, OFD, spreadsheets; pictures where the page holds no table and no document).
Links to other hosts are never followed.

Files land in `<out>/<site>/<sha256[:16]><ext>`, once per content. The state beside them
(`<state>/manifest.jsonl`: one line per fetch, appended as it happens; the HTML pages read,
by content; one WARC file per run) makes a run resumable and the next one incremental: a URL
fetched before is asked for again with its ETag / Last-Modified, and a 304 costs no download.
A killed run loses at most the fetch in progress.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from gip_pipeline.atomic import atomic_write
from gip_pipeline.collect.http import Fetched, PoliteClient
from gip_pipeline.collect.manifest import MANIFEST, Record, append_record, read_records
from gip_pipeline.collect.sites import Site
from gip_pipeline.extraction.batch import MAX_FILE_BYTES
from gip_pipeline.raw import EXTENSION_FORMATS

PAGES = "pages"  # the HTML pages read (list and report pages), by content, to re-read on a 304
WARC_DIR = "warc"
# What the pipeline reads (raw.EXTENSION_FORMATS): documents are fetched from a report page's
# links, pictures only where the page holds no table and links no document.
PICTURE_EXT = tuple(x for x, f in EXTENSION_FORMATS.items() if f == "image")
DOCUMENT_EXT = tuple(x for x, f in EXTENSION_FORMATS.items() if f not in ("image", "html", "md"))
PAGE_EXT = (".htm", ".html", ".shtml", ".jhtml", ".xhtml")  # web pages, kept as .html
_CONTENT_EXT = {"application/pdf": ".pdf", "text/html": ".html", "application/msword": ".doc",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
                "application/vnd.ms-excel": ".xls", "application/ofd": ".ofd",
                "image/jpeg": ".jpg", "image/png": ".png", "text/plain": ".txt"}
_PAGER_RE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*"
                       r"['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_INDEX_RE = re.compile(r"/index(?:_\d+)?\.s?html?$")


@dataclass
class SiteResult:
    site: str
    n_list_pages: int = 0
    n_report_pages: int = 0
    n_attachments: int = 0
    n_new_files: int = 0
    n_not_modified: int = 0
    n_failed: int = 0
    n_robots_disallowed: int = 0
    n_off_site_links: int = 0
    n_bytes: int = 0
    stopped: str | None = None  # why the site was left before its end (a limit)


@dataclass
class CollectResult:
    sites: list[SiteResult] = field(default_factory=list)
    n_requests: int = 0
    new_files: list[str] = field(default_factory=list)
    failures: list[Record] = field(default_factory=list)

    def summary(self) -> dict:
        total = Counter()
        for s in self.sites:
            total.update({k: v for k, v in asdict(s).items() if isinstance(v, int)})
        return {"n_sites": len(self.sites), "n_requests": self.n_requests, **total}


class Manifest:
    """The manifest (collect.manifest) and the latest successful fetch of each URL in it."""

    def __init__(self, state: Path) -> None:
        self.path = state / MANIFEST
        self.latest: dict[str, Record] = {}
        for r in read_records(self.path):
            self._note(r)

    def _note(self, r: Record) -> None:
        if r.outcome in ("ok", "not_modified") and r.sha256:
            self.latest[r.url] = r

    def append(self, r: Record) -> None:
        append_record(self.path, r)
        self._note(r)


def decode_html(body: bytes, content_type_header: str = "") -> str:
    """The page's text by the readers' own decoding (extraction.readers.encoding): the charset
    the header or the meta tag declares is evidence, not the verdict (GBK pages often claim
    UTF-8, and the other way round)."""
    from gip_pipeline.extraction.readers.encoding import decode_bytes
    from gip_pipeline.extraction.readers.html import declared_charset

    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type_header or "", re.I)
    return decode_bytes(body, m.group(1) if m else declared_charset(body))


@dataclass
class PageLinks:
    """What one parse of a page gives: its links (URL, text), its pictures, whether it holds
    a table."""
    links: list[tuple[str, str]]
    pictures: list[str]
    has_table: bool


def page_links(html: str, base: str) -> PageLinks:
    """Absolute URLs (fragment dropped) of every <a href> with its text or title, of every
    <img src>, and whether the page holds a <table>; an unparsable page holds nothing."""
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception:  # an empty or unparsable page has no links
        return PageLinks([], [], False)
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        text = re.sub(r"\s+", "", a.get("title") or a.text_content() or "")
        out.append((urldefrag(urljoin(base, href))[0], text))
    pics = [urldefrag(urljoin(base, i.get("src")))[0] for i in root.iter("img") if i.get("src")]
    return PageLinks(out, pics, next(root.iter("table"), None) is not None)


def pager_pages(html: str, base: str) -> list[str]:
    """The pages a TRS `createPageHTML(count, current, "index", "htm")` pager stands for:
    index.htm, index_1.htm, ... index_<count-1>.htm in the list's folder."""
    out = []
    for m in _PAGER_RE.finditer(html):
        count, stem, ext = int(m.group(1)), m.group(3), m.group(4)
        out += [urljoin(base, f"{stem}.{ext}" if k == 0 else f"{stem}_{k}.{ext}")
                for k in range(min(count, 1000))]
    return out


def _same_folder(a: str, b: str) -> bool:
    return urlsplit(a).path.rsplit("/", 1)[0] == urlsplit(b).path.rsplit("/", 1)[0]


def _suffix(url: str) -> str:
    return os.path.splitext(urlsplit(url).path)[1].lower()


def _ext(url: str, content_type: str, kind: str) -> str:
    suffix = _suffix(url)
    if suffix in PAGE_EXT or (kind == "report_page" and not suffix):
        return ".html"
    if suffix in DOCUMENT_EXT + PICTURE_EXT:
        return suffix
    return _CONTENT_EXT.get(content_type.split(";")[0].strip().lower(), ".bin")


class Collector:
    def __init__(self, out: Path, state: Path, client: PoliteClient) -> None:
        self.out, self.state, self.client = Path(out), Path(state), client
        self.manifest = Manifest(self.state)
        self.result = CollectResult()

    # ------------------------------------------------------------------ storage

    def _store(self, body: bytes, site: Site, ext: str) -> tuple[str, bool]:
        """The file's path relative to the output folder, and whether it is new."""
        sha = hashlib.sha256(body).hexdigest()
        rel = f"{site.name}/{sha[:16]}{ext}"
        path = self.out / rel
        if path.is_file():
            return rel, False
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(body))
        return rel, True

    def _page(self, body: bytes) -> None:
        sha = hashlib.sha256(body).hexdigest()
        path = self.state / PAGES / f"{sha}.html"
        if not path.is_file():
            atomic_write(path, lambda tmp: Path(tmp).write_bytes(body))

    def _previous_page(self, r: Record) -> bytes | None:
        path = self.state / PAGES / f"{r.sha256}.html"
        return path.read_bytes() if path.is_file() else None

    # ------------------------------------------------------------------ fetching

    def _fetch(self, url: str, site: Site, kind: str, sr: SiteResult, found_on: str | None,
               title: str | None = None) -> tuple[Record, bytes | None]:
        """One URL: the manifest line written, and the body (fresh, or the stored page on a
        304 of an HTML page); None when there is nothing to read."""
        prev = self.manifest.latest.get(url)
        got: Fetched = self.client.get(url, site.delay, prev.etag if prev else None,
                                       prev.last_modified if prev else None)
        rec = Record(url, site.name, kind, got.outcome, got.fetched_at, got.final_url,
                     got.status, got.headers.get("content-type"), found_on=found_on, title=title,
                     etag=got.headers.get("etag"), last_modified=got.headers.get("last-modified"),
                     warc_file=got.warc_file, warc_offset=got.warc_offset, error=got.error)
        body = None
        if got.outcome == "ok":
            body = got.body
            rec.sha256, rec.bytes = hashlib.sha256(body).hexdigest(), len(body)
            sr.n_bytes += len(body)
        elif got.outcome == "not_modified" and prev is not None:
            sr.n_not_modified += 1
            rec.sha256, rec.bytes, rec.path = prev.sha256, prev.bytes, prev.path
            rec.etag, rec.last_modified = rec.etag or prev.etag, rec.last_modified or prev.last_modified
            rec.content_type = rec.content_type or prev.content_type
            body = self._previous_page(prev) if kind != "attachment" else None
        elif got.outcome == "robots_disallowed":
            sr.n_robots_disallowed += 1
        else:
            sr.n_failed += 1
            rec.error = rec.error or f"HTTP {got.status}"
        return rec, body

    def _keep(self, rec: Record, body: bytes, site: Site, sr: SiteResult) -> None:
        rec.path, new = self._store(body, site, _ext(rec.final_url or rec.url,
                                                     rec.content_type or "", rec.kind))
        if new:
            sr.n_new_files += 1
            self.result.new_files.append(rec.path)

    def _budget_left(self, site: Site, sr: SiteResult, n_start: int) -> bool:
        if self.client.n_requests - n_start >= site.max_pages:
            sr.stopped = f"max_pages ({site.max_pages}) reached"
        elif sr.n_bytes > site.max_mb * 2 ** 20:
            sr.stopped = f"max_mb ({site.max_mb:g}) reached"
        return sr.stopped is None

    def site(self, site: Site) -> SiteResult:
        sr = SiteResult(site.name)
        n_start = self.client.n_requests
        title_re, host = re.compile(site.title), site.host
        pages_re = re.compile(site.pages) if site.pages else None
        follow_re = re.compile(site.follow) if site.follow else None
        lists, seen_lists = [site.start_url], {site.start_url}
        reports: dict[str, tuple[str, str]] = {}  # url -> (title, list page), in found order
        while lists and self._budget_left(site, sr, n_start):
            url = lists.pop(0)
            rec, body = self._fetch(url, site, "list", sr, None)
            if body is not None and rec.outcome == "ok":
                self._page(body)
            self._log(rec)
            if body is None:
                continue
            sr.n_list_pages += 1
            base = rec.final_url or url
            html = decode_html(body, rec.content_type or "")
            found = page_links(html, base).links
            candidates = [u for u, _ in found] + pager_pages(html, base)
            for u in candidates:
                if urlsplit(u).netloc.lower() != host or u in seen_lists:
                    continue
                is_page = pages_re.search(u) if pages_re else (
                    _same_folder(u, base) and _INDEX_RE.search(urlsplit(u).path))
                if is_page:
                    seen_lists.add(u)
                    lists.append(u)
            for u, text in found:
                if urlsplit(u).netloc.lower() != host:
                    sr.n_off_site_links += title_re.search(text) is not None
                    continue
                if title_re.search(text) and u not in reports and u not in seen_lists:
                    if follow_re is None or follow_re.search(u):
                        reports[u] = (text, base)
        for url, (title, list_page) in reports.items():
            if not self._budget_left(site, sr, n_start):
                break
            self._report(url, title, list_page, site, sr, n_start)
        self.result.sites.append(sr)
        return sr

    def _report(self, url: str, title: str, list_page: str, site: Site, sr: SiteResult,
                n_start: int) -> None:
        rec, body = self._fetch(url, site, "report_page", sr, list_page, title)
        if body is None:
            self._log(rec)
            return
        sr.n_report_pages += 1
        if rec.outcome == "ok":
            self._page(body)
        base = rec.final_url or url
        page = page_links(decode_html(body, rec.content_type or ""), base)
        attach = [u for u, _ in page.links if _suffix(u) in DOCUMENT_EXT]
        if not attach and not page.has_table:  # a report printed as pictures
            attach = [u for u in page.pictures if _suffix(u) in PICTURE_EXT]
        # The page is a report itself when it holds the tables, or links nothing that would.
        if rec.outcome == "ok" and (page.has_table or not attach):
            self._keep(rec, body, site, sr)
        self._log(rec)
        for u in dict.fromkeys(attach):
            if urlsplit(u).netloc.lower() != site.host:
                sr.n_off_site_links += 1
                continue
            if not self._budget_left(site, sr, n_start):
                return
            arec, abody = self._fetch(u, site, "attachment", sr, base, title)
            if abody is not None and arec.outcome == "ok":
                sr.n_attachments += 1
                self._keep(arec, abody, site, sr)
            elif arec.outcome == "not_modified":
                sr.n_attachments += 1
            self._log(arec)

    def _log(self, rec: Record) -> None:
        self.manifest.append(rec)
        if rec.outcome not in ("ok", "not_modified"):
            self.result.failures.append(rec)


def collect(sites: list[Site], out: str | Path, state: str | Path, *, timeout_s: float = 30.0,
            retries: int = 3, backoff_s: float = 1.0, max_file_bytes: int = MAX_FILE_BYTES,
            transport=None) -> CollectResult:
    """Collect every site into `out` (the raw folder), keeping the state in `state`."""
    state = Path(state)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    warc = state / WARC_DIR / f"collect-{stamp}-{os.getpid()}.warc.gz"
    client = PoliteClient(warc, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s,
                          max_bytes=max_file_bytes, transport=transport)
    c = Collector(Path(out), state, client)
    try:
        for s in sites:
            c.site(s)
    finally:
        client.close()
    c.result.n_requests = client.n_requests
    return c.result
