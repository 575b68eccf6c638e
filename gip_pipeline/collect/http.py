"""The polite HTTP side of `gip collect`, over httpx: robots.txt obeyed (urllib.robotparser),
one request at a time with a delay between two requests to a host, a descriptive User-Agent,
retries with backoff on 429/5xx and time-outs (Retry-After honoured up to a cap), conditional
requests (If-None-Match / If-Modified-Since), a byte cap per response, redirects followed hop
by hop (each one a polite request of its own) with the final URL kept, and every exchange written to a WARC file (warcio) as the bytes the site
served (`Accept-Encoding: identity`, so the archived body is the body)."""

from __future__ import annotations

import datetime as dt
import io
import time
import urllib.robotparser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import gip_pipeline
from gip_pipeline.extraction.batch import MAX_FILE_BYTES

USER_AGENT = (f"gip_pipeline/{gip_pipeline.__version__} (collector of government information "
              "publicity annual reports for open research; one request at a time)")
ROBOTS_AGENT = "gip_pipeline"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass
class Fetched:
    url: str
    final_url: str | None
    status: int | None  # None: no answer (time-out, connection error, robots, too large)
    outcome: str  # ok | not_modified | http_error | robots_disallowed | timeout | error | too_large
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    fetched_at: str = ""
    warc_file: str | None = None
    warc_offset: int | None = None
    attempts: int = 0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class TooLarge(Exception):
    pass


class PoliteClient:
    """One client for a collect run: call `get` for each URL, `close` at the end."""

    def __init__(self, warc_path: Path | None, timeout_s: float = 30.0, retries: int = 3,
                 backoff_s: float = 1.0, max_bytes: int = MAX_FILE_BYTES,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.retries, self.backoff_s, self.max_bytes = retries, backoff_s, max_bytes
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            timeout=httpx.Timeout(timeout_s), follow_redirects=False, transport=transport)
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._last: dict[str, float] = {}
        self.n_requests = 0
        self.warc_path = warc_path
        self._warc_fh = None
        self._warc = None
        if warc_path is not None:
            warc_path.parent.mkdir(parents=True, exist_ok=True)
            self._warc_fh = open(warc_path, "ab")
            self._warc = WARCWriter(self._warc_fh, gzip=True)
            self._warc.write_record(self._warc.create_warcinfo_record(
                warc_path.name, {"software": USER_AGENT, "format": "WARC File Format 1.1"}))
            self._warc_fh.flush()

    # ------------------------------------------------------------------ politeness

    def _wait(self, host: str, delay: float) -> None:
        last = self._last.get(host)
        if last is not None:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def robots(self, url: str, delay: float) -> urllib.robotparser.RobotFileParser | None:
        """The host's robots.txt rules; None allows everything (no robots.txt: 4xx). A server
        error or no answer disallows everything (RFC 9309 2.3.1.4)."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._robots:
            got = self._request(f"{key}/robots.txt", delay, {})
            rp = urllib.robotparser.RobotFileParser()
            if got.status == 200:
                rp.parse(got.body.decode("utf-8", "replace").splitlines())
                self._robots[key] = rp
            elif got.status is not None and 400 <= got.status < 500:
                self._robots[key] = None
            else:
                rp.parse(["User-agent: *", "Disallow: /"])
                self._robots[key] = rp
        return self._robots[key]

    def allowed(self, url: str, delay: float) -> bool:
        rp = self.robots(url, delay)
        return rp is None or rp.can_fetch(ROBOTS_AGENT, url)

    # ------------------------------------------------------------------ requests

    def get(self, url: str, delay: float, etag: str | None = None,
            last_modified: str | None = None) -> Fetched:
        """GET url politely; robots.txt first (a disallowed URL is never requested)."""
        if not self.allowed(url, delay):
            return Fetched(url, None, None, "robots_disallowed", fetched_at=_now(),
                           error="robots.txt disallows it")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        hop = url
        for _ in range(MAX_REDIRECTS + 1):
            got = self._request(hop, delay, headers)
            location = got.headers.get("location")
            if got.status not in REDIRECT_STATUSES or not location:
                got.url = url
                return got
            # Each hop is a request of its own: robots.txt and the host's delay apply to it.
            hop = urldefrag(urljoin(hop, location))[0]
            if not self.allowed(hop, delay):
                return Fetched(url, hop, None, "robots_disallowed", fetched_at=_now(),
                               error="robots.txt disallows the redirect's target")
        return Fetched(url, hop, None, "error", fetched_at=_now(),
                       error=f"more than {MAX_REDIRECTS} redirects")

    def _request(self, url: str, delay: float, headers: dict[str, str]) -> Fetched:
        """One URL (no redirect followed), retried with backoff on 429/5xx and time-outs."""
        host = urlsplit(url).netloc.lower()
        attempt = 0
        while True:
            attempt += 1
            self._wait(host, delay)
            self.n_requests += 1
            got = self._once(url, headers)
            got.attempts = attempt
            retry = got.outcome == "timeout" or got.status in RETRY_STATUSES
            if not retry or attempt > self.retries:
                return got
            pause = self.backoff_s * 2 ** (attempt - 1)
            after = got.headers.get("retry-after", "")
            if after.isdigit():
                pause = max(pause, min(float(after), MAX_RETRY_AFTER_S))
            time.sleep(pause)

    def _once(self, url: str, headers: dict[str, str]) -> Fetched:
        fetched_at = _now()
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                body = bytearray()
                for chunk in r.iter_raw():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise TooLarge()
                got = Fetched(url, str(r.url), r.status_code,
                              "ok" if r.status_code == 200 else
                              "not_modified" if r.status_code == 304 else
                              "redirect" if r.status_code in REDIRECT_STATUSES else "http_error",
                              {k.lower(): v for k, v in r.headers.items()}, bytes(body),
                              fetched_at=fetched_at)
                self._archive(got, r)
                return got
        except TooLarge:
            return Fetched(url, None, None, "too_large", fetched_at=fetched_at,
                           error=f"larger than {self.max_bytes} bytes")
        except httpx.TimeoutException as e:
            return Fetched(url, None, None, "timeout", fetched_at=fetched_at,
                           error=f"time-out ({type(e).__name__})")
        except httpx.HTTPError as e:
            return Fetched(url, None, None, "error", fetched_at=fetched_at,
                           error=f"{type(e).__name__}: {e}")

    def _archive(self, got: Fetched, r: httpx.Response) -> None:
        """The request and the response, as served, in the run's WARC file."""
        if self._warc is None:
            return
        req = r.request
        target = req.url.raw_path.decode("ascii", "replace")
        req_headers = StatusAndHeaders(f"GET {target} HTTP/1.1",
                                       [(k, v) for k, v in req.headers.items()],
                                       is_http_request=True)
        protocol = r.http_version or "HTTP/1.1"
        resp_headers = StatusAndHeaders(f"{r.status_code} {r.reason_phrase}",
                                        [(k, v) for k, v in r.headers.items()], protocol=protocol)
        uri = got.final_url or got.url
        got.warc_file = self.warc_path.name
        got.warc_offset = self._warc_fh.tell()
        resp = self._warc.create_warc_record(uri, "response", payload=io.BytesIO(got.body),
                                             http_headers=resp_headers)
        self._warc.write_record(resp)
        request = self._warc.create_warc_record(uri, "request", payload=io.BytesIO(b""),
                                                http_headers=req_headers)
        request.rec_headers.add_header("WARC-Concurrent-To",
                                       resp.rec_headers.get_header("WARC-Record-ID"))
        self._warc.write_record(request)
        self._warc_fh.flush()

    def close(self) -> None:
        self.client.close()
        if self._warc_fh is not None:
            self._warc_fh.close()
