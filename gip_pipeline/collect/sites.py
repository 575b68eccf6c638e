"""What to collect: sites and their rules.

A sites file holds one site a line: its start URL (a 政府信息公开年报 list page), then optional
`key=value` rules; `#` starts a comment:

    https://www.example.gov.cn/zwgk/zfxxgknb/index.htm  delay=2 max_pages=300
    https://www.other.gov.cn/xxgk/nb/  title=工作年度报告 pages=list_\\d+\\.html

Rules (all optional): `title` a regex a report's link text must match (default: a year and
年度报告/年报); `pages` a regex for the pagination links of a list page (default: index_N.htm in
the list's folder, and the `createPageHTML(...)` pagers of TRS-built sites); `follow` a regex
a report page's URL must match; `delay` seconds between two requests to the host (at least
MIN_DELAY_S unless the collector is told otherwise); `max_pages` and `max_mb` bound what one
site may cost.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_TITLE = r"(?:19|20)\d{2}\s*年.{0,60}?(?:年度报告|年报)"
DEFAULT_DELAY_S = 1.0
MAX_PAGES = 500  # requests one site may cost (list pages, report pages, attachments)
MAX_MB = 500.0  # bytes one site may cost
RULES = ("title", "pages", "follow", "delay", "max_pages", "max_mb")


class SitesError(ValueError):
    """A sites file line that cannot be used (the message names the line)."""


@dataclass(frozen=True)
class Site:
    start_url: str
    title: str = DEFAULT_TITLE
    pages: str | None = None
    follow: str | None = None
    delay: float = DEFAULT_DELAY_S
    max_pages: int = MAX_PAGES
    max_mb: float = MAX_MB

    @property
    def host(self) -> str:
        return urlsplit(self.start_url).netloc.lower()

    @property
    def name(self) -> str:
        """The site's name in file paths and the manifest: its host (port as `_port`)."""
        return self.host.replace(":", "_")


def site(url: str, defaults: dict | None = None, **rules) -> Site:
    """A Site from a start URL and rules as written (strings), checked; `defaults` (e.g. the
    command line's --delay) apply where the site sets no rule of its own."""
    rules = {**(defaults or {}), **rules}
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SitesError(f"{url!r} is not an http(s) URL")
    unknown = set(rules) - set(RULES)
    if unknown:
        raise SitesError(f"{url}: unknown rule(s) {', '.join(sorted(unknown))}; the rules are "
                         f"{', '.join(RULES)}")
    s = Site(url)
    try:
        for k in ("title", "pages", "follow"):
            if k in rules:
                re.compile(rules[k])
                s = replace(s, **{k: rules[k]})
        if "delay" in rules:
            s = replace(s, delay=float(rules["delay"]))
        if "max_pages" in rules:
            s = replace(s, max_pages=int(rules["max_pages"]))
        if "max_mb" in rules:
            s = replace(s, max_mb=float(rules["max_mb"]))
    except (re.error, ValueError) as e:
        raise SitesError(f"{url}: {e}") from None
    if s.delay < 0 or s.max_pages < 1 or s.max_mb <= 0:
        raise SitesError(f"{url}: delay must be >= 0, max_pages >= 1, max_mb > 0")
    return s


def read_sites(path: str | Path, defaults: dict | None = None) -> list[Site]:
    out = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = re.sub(r"(?:^|\s)#.*$", "", line).strip()  # a URL's own # has no space before
        if not line:
            continue
        try:
            words = _words(line)
            rules = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            bad = [w for w in words[1:] if "=" not in w]
            if bad:
                raise SitesError(f"{bad[0]!r} is not key=value")
            out.append(site(words[0], defaults, **rules))
        except (SitesError, ValueError) as e:
            raise SitesError(f"{path}:{i}: {e}") from None
    return out


def _words(line: str) -> list[str]:
    """Words split like a shell's, quotes allowed, but backslashes kept: rules are regexes."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split, lexer.escape, lexer.commenters = True, "", ""
    return list(lexer)
