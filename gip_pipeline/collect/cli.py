"""`gip collect [URL ...] [--sites FILE] [--out DIR] [--state DIR]`: government sites' annual
report columns into the input folder.

Each URL (or each line of the sites file: a start URL and optional key=value rules, see
gip_pipeline.collect.sites) is a 政府信息公开年报 list page. The collector follows its
pagination, fetches the pages whose link text reads like a report title and their attachments,
and stores each file once by content under DIR/<site>/. The state (manifest.jsonl, the HTML
pages read, a WARC file per run) lives in --state, by default `collect/` beside DIR; run it
again to fetch only what is new or changed (conditional requests), or to resume a killed run.

Polite by design: robots.txt obeyed, one request at a time, a delay between two requests to a
host (--delay, default 1 s; a site's own delay= rule wins), retries with backoff on 429/5xx
and time-outs, a User-Agent naming the project, page and byte limits per site.

Prints one line per file stored (new) and a summary; exit 0 when every site was read, 1 when
some URL failed (the manifest says which and why), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gip_pipeline.collect.crawl import collect
from gip_pipeline.collect.manifest import MANIFEST
from gip_pipeline.collect.sites import DEFAULT_DELAY_S, MAX_PAGES, SitesError, read_sites, site
from gip_pipeline.warehouse.paths import raw_dir


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gip collect", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("urls", nargs="*", metavar="URL", help="start URLs (list pages)")
    ap.add_argument("--sites", help="a sites file: one start URL a line, with optional rules")
    ap.add_argument("--out", default=None,
                    help="the input folder to fill (default: $GIP_DATA_DIR/raw, else data/raw)")
    ap.add_argument("--state", default=None,
                    help="manifest, pages read and WARC files (default: collect/ beside --out)")
    ap.add_argument("--delay", type=float, default=None,
                    help=f"seconds between two requests to a host (default {DEFAULT_DELAY_S:g}; "
                         "a site's delay= rule wins)")
    ap.add_argument("--max-pages", type=int, default=None,
                    help=f"requests one site may cost (default {MAX_PAGES}; a site's max_pages= "
                         "rule wins)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per request (30)")
    ap.add_argument("--retries", type=int, default=3,
                    help="retries on 429/5xx and time-outs, with backoff (3)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    # The command line's --delay and --max-pages apply where a site sets no rule of its own.
    defaults = {k: v for k, v in (("delay", args.delay), ("max_pages", args.max_pages))
                if v is not None}
    try:
        sites = [site(u, defaults) for u in args.urls] + (
            read_sites(args.sites, defaults) if args.sites else [])
    except (SitesError, OSError) as e:
        sys.stderr.write(f"gip collect: {e}\n")
        return 2
    if not sites:
        ap.print_usage(sys.stderr)
        sys.stderr.write("gip collect: give start URLs or --sites FILE\n")
        return 2
    out = Path(args.out) if args.out else raw_dir()
    state = Path(args.state) if args.state else out.resolve().parent / "collect"
    res = collect(sites, out, state, timeout_s=args.timeout, retries=args.retries)
    for rel in res.new_files:
        sys.stdout.write(f"{out / rel}\n")
    summary = res.summary()
    if args.json:
        sys.stdout.write(json.dumps({**summary, "manifest": str(state / MANIFEST),
                                     "failures": [{"url": f.url, "outcome": f.outcome,
                                                   "error": f.error} for f in res.failures],
                                     "stopped": {s.site: s.stopped for s in res.sites
                                                 if s.stopped}},
                                    ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stderr.write(
            f"gip collect: {summary['n_sites']} site(s), {summary['n_requests']} requests, "
            f"{summary['n_report_pages']} report pages, {summary['n_attachments']} attachments, "
            f"{summary['n_new_files']} new files, {summary['n_not_modified']} not modified, "
            f"{summary['n_failed']} failed, {summary['n_robots_disallowed']} disallowed by "
            f"robots.txt; manifest {state / MANIFEST}\n")
        for f in res.failures:
            sys.stderr.write(f"  {f.outcome}\t{f.url}\t{f.error or ''}\n")
        for s in res.sites:
            if s.stopped:
                sys.stderr.write(f"  {s.site}: stopped, {s.stopped}\n")
    return 1 if any(f.outcome != "robots_disallowed" for f in res.failures) else 0

