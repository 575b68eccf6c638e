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

import json
import os
import re
import time
import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from gip_pipeline.atomic import atomic_write
from gip_pipeline.collect.http import Fetched, PoliteClient
from gip_pipeline.collect.sites import Site

MANIFEST = "manifest.jsonl"
PAGES = "pages"  # the HTML pages read (list and report pages), by content, to re-read on a 304
WARC_DIR = "warc"
DOCUMENT_EXT = (".pdf", ".doc", ".docx", ".wps", ".ofd", ".xls", ".xlsx", ".et", ".txt")
PICTURE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".webp")
HTML_EXT = (".htm", ".html", ".shtml", ".jhtml")
_CONTENT_EXT = {"application/pdf": ".pdf", "text/html": ".html", "application/msword": ".doc",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
                "application/vnd.ms-excel": ".xls", "application/ofd": ".ofd",
                "image/jpeg": ".jpg", "image/png": ".png", "text/plain": ".txt"}
_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.I)
_PAGER_RE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*"
                       r"['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
_INDEX_RE = re.compile(r"/index(?:_\d+)?\.s?html?$")


@dataclass
class Record:
    """One line of the manifest: one fetch (or a URL not fetched, with why)."""
    url: str
    site: str
    kind: str  # list | report_page | attachment
    outcome: str  # collect.http.Fetched.outcome
    fetched_at: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    path: str | None = None  # relative to the output folder, when the content is a report file
    found_on: str | None = None  # the list page (or the report page of an attachment)
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    error: str | None = None


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
    """The append-only log of fetches; the latest successful fetch of each URL."""

    def __init__(self, state: Path) -> None:
        self.path = state / MANIFEST
        self.latest: dict[str, Record] = {}
        self.by_sha: dict[str, Record] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    self._note(Record(**json.loads(line)))
                except (ValueError, TypeError):  # a line torn by a kill: the fetch is redone
                    continue

    def _note(self, r: Record) -> None:
        if r.outcome in ("ok", "not_modified") and r.sha256:
            self.latest[r.url] = r
            self.by_sha.setdefault(r.sha256, r)

    def append(self, r: Record) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self._note(r)


def decode_html(body: bytes, content_type_header: str = "") -> str:
    """The page's text: the charset its header or meta tag names, else UTF-8, else GB18030
    (which reads GBK and GB2312 too)."""
    names = []
    m = re.search(r"charset\s*=\s*([\w-]+)", content_type_header or "", re.I)
    if m:
        names.append(m.group(1))
    m = _META_CHARSET_RE.search(body[:4096])
    if m:
        names.append(m.group(1).decode("ascii", "replace"))
    for name in [*names, "utf-8"]:
        name = {"gb2312": "gb18030", "gbk": "gb18030"}.get(name.lower(), name)
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("gb18030", "replace")


def links(html: str, base: str) -> list[tuple[str, str]]:
    """(absolute URL without fragment, link text or title) of every <a href> of a page."""
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception:  # an empty or unparsable page has no links
        return []
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        text = re.sub(r"\s+", "", a.get("title") or a.text_content() or "")
        out.append((urldefrag(urljoin(base, href))[0], text))
    return out


def pictures(html: str, base: str) -> list[str]:
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except Exception:
        return []
    return [urldefrag(urljoin(base, i.get("src")))[0] for i in root.iter("img") if i.get("src")]


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


def _ext(url: str, content_type: str, kind: str) -> str:
    suffix = os.path.splitext(urlsplit(url).path)[1].lower()
    if kind == "report_page" and (suffix in HTML_EXT or not suffix):
        return ".html"
    if suffix in DOCUMENT_EXT + PICTURE_EXT + HTML_EXT:
        return ".html" if suffix in HTML_EXT else suffix
    return _CONTENT_EXT.get(content_type, ".bin")


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
                     got.status, got.content_type or None, found_on=found_on, title=title,
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
            found = links(html, base)
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
        html = decode_html(body, rec.content_type or "")
        docs = [u for u, _ in links(html, base)
                if os.path.splitext(urlsplit(u).path)[1].lower() in DOCUMENT_EXT]
        has_table = re.search(r"<table", html, re.I) is not None
        attach = docs
        if not docs and not has_table:  # a report printed as pictures
            attach = [u for u in pictures(html, base)
                      if os.path.splitext(urlsplit(u).path)[1].lower() in PICTURE_EXT]
        # The page is a report itself when it holds the tables, or links nothing that would.
        if rec.outcome == "ok" and (has_table or not attach):
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
            retries: int = 3, backoff_s: float = 1.0, max_file_bytes: int = 50 * 2 ** 20, transport=None) -> CollectResult:
    """Collect every site into `out` (the raw folder), keeping the state in `state`."""
    state = Path(state)
    warc = state / WARC_DIR / f"collect-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{os.getpid()}.warc.gz"
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
