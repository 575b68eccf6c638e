"""A government site in the shape of a real 政府信息公开年报 column, served on loopback only, built
from the real reports of ../shared/real: three list pages (TRS `createPageHTML` pagination, the
second in GBK), report pages with the report inline (HTML tables, glued text) or as a PDF / DOC
attachment, a redirect, a 404, a 500 that succeeds on retry, a page slower than the time-out, a
robots.txt that disallows /private/, and links off the site that must never be followed.

Every request is logged (path, status, conditional headers); ETags make re-runs conditional."""

from __future__ import annotations

import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from gip_pipeline_tests.conftest import real_file

REPO = Path(__file__).resolve().parents[1]
OFF_SITE = "http://203.0.113.9/zwgk/nb/t1.htm"  # TEST-NET-3: never routed, never requested
SLOW_S = 1.5


def _text_page(title: str, name: str, encoding: str = "utf-8") -> bytes:
    """A crawler-saved page text (../shared/real) as the HTML page a site served."""
    body = real_file(name).read_text(encoding="utf-8").split(
        "==================== 正文 ====================", 1)[1]
    paras = "".join(f"<p>{html.escape(line)}</p>\n" for line in body.splitlines() if line.strip())
    return (f'<html><head><meta charset="{encoding}"><title>{title}</title></head><body>'
            f"<h1>{title}</h1>{paras}</body></html>").encode(encoding, errors="replace")


def _list(items: list[tuple[str, str]], pager: str = "", encoding: str = "utf-8") -> bytes:
    lis = "".join(f'<li><a href="{u}" target="_blank">{html.escape(t)}</a><span>2024-01-19</span></li>'
                  for u, t in items)
    return (f'<html><head><meta charset="{encoding}"><title>政府信息公开年报</title></head><body>'
            f'<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>'
            f"<ul class=\"list\">{lis}</ul>{pager}</body></html>").encode(encoding)


def _attachment_page(title: str, href: str, label: str) -> bytes:
    return (f"<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}"
            f'</h1><p>附件：<a href="{href}">{label}</a></p></body></html>').encode("utf-8")


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None


def build_site() -> dict[str, Page]:
    fragment = real_file("shanghai-govoffice-2019.content-fragment.html").read_bytes()
    sh_title = "2019年上海市人民政府办公厅政府信息公开工作年度报告"
    pages = {
        "/robots.txt": Page(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/zwgk/nb/index.htm": Page(_list([
            ("./202302/t20230220_1.htm", "平潭综合实验区2022年度政府信息公开工作年度报告"),
            ("./202401/t20240119_2.htm", "2023年淮安市洪泽区人民政府政府信息公开工作年度报告"),
            ("/go/sh2019", sh_title),
            ("./missing.htm", "2020年度某某局政府信息公开工作年度报告"),
            ("/zwgk/tz/1.htm", "关于举办秋季运动会的通知"),
            ("/private/t1.htm", "2021年度内部机构政府信息公开工作年度报告"),
            (OFF_SITE, "2022年度外站政府信息公开工作年度报告"),
        ], pager='<script>createPageHTML(3, 0, "index", "htm");</script>')),
        # GBK, named only by its meta tag (the header names no charset)
        "/zwgk/nb/index_1.htm": Page(_list([
            ("./202103/t20210305_4.htm", "平潭综合实验区2020年度政府信息公开工作年度报告"),
            ("./flaky.htm", "2019年度上海市人民政府办公厅政府信息公开工作年度报告（附件）"),
        ], encoding="gbk"), "text/html"),
        "/zwgk/nb/index_2.htm": Page(_list([
            ("./slow.htm", "2017年度平潭综合实验区政府信息公开工作年度报告"),
            ("./201701/t20170118_5.htm", "平潭综合实验区2016年度政府信息公开工作年度报告"),
        ])),
        "/zwgk/nb/202302/t20230220_1.htm": Page(_text_page(
            "平潭综合实验区2022年度政府信息公开工作年度报告", "fujian-pingtan-2022.page.txt")),
        "/zwgk/nb/202401/t20240119_2.htm": Page(_attachment_page(
            "2023年淮安市洪泽区人民政府政府信息公开工作年度报告", "./P020240119.pdf",
            "洪泽区2023年政府信息公开工作年度报告.pdf")),
        "/zwgk/nb/202401/P020240119.pdf": Page(
            real_file("jiangsu-huaian-hongze-2023.pdf").read_bytes(), "application/pdf"),
        "/go/sh2019": Page(b"", status=301, location="/zwgk/nb/202001/t20200131_3.htm"),
        "/zwgk/nb/202001/t20200131_3.htm": Page(
            b'<html><head><meta charset="utf-8"></head><body>' + fragment + b"</body></html>"),
        "/zwgk/nb/202103/t20210305_4.htm": Page(_text_page(
            "平潭综合实验区2020年度政府信息公开工作年度报告", "fujian-pingtan-2020.page.txt", "gbk"),
            "text/html; charset=GBK"),
        "/zwgk/nb/flaky.htm": Page(_attachment_page(
            "2019年度上海市人民政府办公厅政府信息公开工作年度报告（附件）", "/upload/sh2019.doc",
            "年度报告.doc")),
        "/upload/sh2019.doc": Page(
            (REPO / "data" / "forms" / "shanghai-govoffice-2019.content-fragment.html.doc")
            .read_bytes(), "application/msword"),
        "/zwgk/nb/slow.htm": Page(b"<html><body>late</body></html>"),
        "/zwgk/nb/201701/t20170118_5.htm": Page(_text_page(
            "平潭综合实验区2016年度政府信息公开工作年度报告", "fujian-pingtan-2016.page.txt")),
        "/private/t1.htm": Page(b"<html><body>must never be requested</body></html>"),
        "/zwgk/tz/1.htm": Page(b"<html><body>not a report</body></html>"),
    }
    return pages


@dataclass
class Hit:
    path: str
    status: int
    if_none_match: str | None
    user_agent: str | None
    at: float  # when the request arrived (time.monotonic)


@dataclass
class Site:
    pages: dict[str, Page]
    log: list[Hit] = field(default_factory=list)
    failures_left: dict[str, int] = field(default_factory=lambda: {"/zwgk/nb/flaky.htm": 1})
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self, status: int | None = None) -> list[str]:
        return [h.path for h in self.log if status is None or h.status == status]


def serve(site: Site) -> Site:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # the Site's log is the record
            pass

        def do_GET(self):
            arrived = time.monotonic()
            path = self.path.split("?", 1)[0]
            page = site.pages.get(path)
            status, body, headers = 404, b"not found", {"Content-Type": "text/plain"}
            if page is not None:
                if path == "/zwgk/nb/slow.htm":
                    time.sleep(SLOW_S)
                if site.failures_left.get(path, 0) > 0:
                    site.failures_left[path] -= 1
                    status, body = 500, b"busy"
                elif page.status == 301:
                    status, body, headers = 301, b"", {"Location": page.location}
                else:
                    etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
                    headers = {"Content-Type": page.content_type, "ETag": etag,
                               "Last-Modified": "Mon, 19 Jan 2024 08:00:00 GMT"}
                    if self.headers.get("If-None-Match") == etag:
                        status, body = 304, b""
                    else:
                        status, body = 200, page.body
            site.log.append(Hit(path, status, self.headers.get("If-None-Match"),
                                self.headers.get("User-Agent"), arrived))
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out)
                pass

    site.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.server.daemon_threads = True
    threading.Thread(target=site.server.serve_forever, daemon=True).start()
    return site


def start() -> Site:
    return serve(Site(build_site()))


class LoopbackOnly(httpx.HTTPTransport):
    """An httpx transport that refuses every address but 127.0.0.1 (and keeps the hosts
    asked for): a test can never reach out, and can show it never tried."""

    def __init__(self) -> None:
        super().__init__()
        self.hosts: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        if request.url.host != "127.0.0.1":
            raise httpx.ConnectError(f"test: {request.url.host} is not loopback", request=request)
        return super().handle_request(request)
