"""gip collect against a government site served on loopback (collect_site): what it fetches,
what it leaves alone, what it stores and records, and that a second run fetches nothing new.
Every request goes through LoopbackOnly: no other address can be contacted."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from gip_pipeline.collect import cli
from gip_pipeline.collect.crawl import MANIFEST, collect, decode_html, pager_pages
from gip_pipeline.collect.http import USER_AGENT
from gip_pipeline.collect.provenance import provenance
from gip_pipeline.collect.sites import SitesError, read_sites, site
from gip_pipeline_tests import collect_site

DELAY = 0.2  # small for the test; the default is 1 s (sites.DEFAULT_DELAY_S)
TIMEOUT = 0.6  # below collect_site.SLOW_S: the slow page times out


def _collect(site_: collect_site.Site, out: Path, state: Path, **rules):
    transport = collect_site.LoopbackOnly()
    res = collect([site(site_.base + "/zwgk/nb/index.htm", delay=str(DELAY), **rules)], out,
                  state, timeout_s=TIMEOUT, retries=1, backoff_s=0.05, transport=transport)
    return res, transport


def _records(state: Path) -> list[dict]:
    return [json.loads(line) for line in (state / MANIFEST).read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    site_ = collect_site.start()
    root = tmp_path_factory.mktemp("collect")
    out, state = root / "raw", root / "collect"
    first, t1 = _collect(site_, out, state)
    n_first = len(site_.log)
    second, t2 = _collect(site_, out, state)
    yield {"site": site_, "out": out, "state": state, "first": first, "second": second,
           "n_first": n_first, "hosts": t1.hosts + t2.hosts}
    site_.server.shutdown()


def test_reports_found_by_title_through_the_pagination(collected):
    site_, out = collected["site"], collected["out"]
    first = site_.paths()[: collected["n_first"]]
    # the three list pages of the createPageHTML pager, the second one in GBK
    assert {"/zwgk/nb/index.htm", "/zwgk/nb/index_1.htm", "/zwgk/nb/index_2.htm"} <= set(first)
    assert "/zwgk/tz/1.htm" not in first  # a notice, not a report title
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(files) == 6, files
    assert sorted(Path(f).suffix for f in files) == [".doc", ".html", ".html", ".html", ".html",
                                                      ".pdf"]
    for f in files:  # stored by content: the name is the sha256's head
        assert hashlib.sha256((out / f).read_bytes()).hexdigest()[:16] == Path(f).stem
    pdf = next(out.rglob("*.pdf"))
    assert pdf.read_bytes() == collect_site.real_file("jiangsu-huaian-hongze-2023.pdf").read_bytes()


def test_robots_disallowed_folder_and_off_site_links_are_never_requested(collected):
    site_ = collected["site"]
    assert site_.paths().count("/robots.txt") == 2  # once per run
    assert not [p for p in site_.paths() if p.startswith("/private/")]
    assert set(collected["hosts"]) == {"127.0.0.1"}  # 203.0.113.9 (off-site) never tried
    s = collected["first"].sites[0]
    assert s.n_robots_disallowed == 1 and s.n_off_site_links >= 1
    disallowed = [r for r in _records(collected["state"]) if r["outcome"] == "robots_disallowed"]
    assert [r["url"].rsplit("/", 2)[-2:] for r in disallowed][0] == ["private", "t1.htm"]


def test_one_request_at_a_time_with_the_delay_and_the_user_agent(collected):
    log, n = collected["site"].log, collected["n_first"]
    assert {h.user_agent for h in log} == {USER_AGENT}
    for run in (log[:n], log[n:]):
        arrivals = sorted(h.at for h in run)  # the log is in order of answer (slow page late)
        gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
        assert min(gaps) >= DELAY * 0.95, min(gaps)


def test_failures_retries_redirects_and_encodings_in_the_manifest(collected):
    site_, recs = collected["site"], _records(collected["state"])
    flaky = [h.status for h in site_.log[: collected["n_first"]] if h.path == "/zwgk/nb/flaky.htm"]
    assert flaky == [500, 200]  # a 500, then the retry succeeds
    first_run = [r for r in recs if r["url"].endswith(("missing.htm", "slow.htm", "sh2019"))][:3]
    outcomes = {r["url"].rsplit("/", 1)[-1]: (r["outcome"], r["status"]) for r in first_run}
    assert outcomes["missing.htm"] == ("http_error", 404)
    assert outcomes["slow.htm"] == ("timeout", None)
    redirect = next(r for r in recs if r["url"].endswith("/go/sh2019"))
    assert redirect["final_url"].endswith("/zwgk/nb/202001/t20200131_3.htm")
    assert redirect["status"] == 200 and redirect["path"]
    gbk = next(r for r in recs if r["url"].endswith("t20210305_4.htm"))
    # the link text was read from the GBK list page (its meta tag names the charset)
    assert gbk["title"] == "平潭综合实验区2020年度政府信息公开工作年度报告"
    assert gbk["found_on"].endswith("/zwgk/nb/index_1.htm")
    doc = next(r for r in recs if r["url"].endswith("sh2019.doc"))
    assert doc["kind"] == "attachment" and doc["found_on"].endswith("/zwgk/nb/flaky.htm")
    for key in ("url", "final_url", "fetched_at", "status", "content_type", "sha256", "site"):
        assert doc[key], key


def test_second_run_fetches_nothing_new(collected):
    site_, second = collected["site"], collected["second"]
    assert second.new_files == [] and collected["first"].new_files
    again = site_.log[collected["n_first"]:]
    ok_again = [h for h in again if h.status == 200 and h.path != "/robots.txt"]
    # only what has no ETag to send (the slow page never answered) is downloaded again
    assert {h.path for h in ok_again} <= {"/zwgk/nb/slow.htm"}, ok_again
    assert sum(h.status == 304 for h in again) == second.summary()["n_not_modified"] >= 11
    assert all(h.if_none_match for h in again if h.status == 304)


def test_warc_holds_the_bytes_served(collected):
    from warcio.archiveiterator import ArchiveIterator

    state, out = collected["state"], collected["out"]
    warcs = sorted((state / "warc").glob("*.warc.gz"))
    assert len(warcs) == 2  # one per run
    served = {}
    with warcs[0].open("rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type == "response":
                served[rec.rec_headers.get_header("WARC-Target-URI")] = rec.content_stream().read()
    pdf_rec = next(r for r in _records(state) if r["url"].endswith(".pdf"))
    body = served[pdf_rec["final_url"]]
    assert hashlib.sha256(body).hexdigest() == pdf_rec["sha256"]
    assert (out / pdf_rec["path"]).read_bytes() == body
    assert pdf_rec["warc_file"] == warcs[0].name


def test_provenance_by_content(collected):
    prov = provenance(collected["state"] / MANIFEST)
    assert prov.height == 6
    assert prov["source_url"].str.starts_with(collected["site"].base).all()
    assert prov["fetched_at"].str.contains(r"^\d{4}-\d\d-\d\dT").all()
    row = prov.filter(prov["source_url"].str.ends_with("t20200131_3.htm")).row(0, named=True)
    assert row["source_page"].endswith("/zwgk/nb/index.htm")  # the list it was found on


def test_a_stopped_run_resumes_where_it_left_off(tmp_path):
    site_ = collect_site.start()
    try:
        out, state = tmp_path / "raw", tmp_path / "collect"
        part, _ = _collect(site_, out, state, max_pages="6")
        assert part.sites[0].stopped == "max_pages (6) reached"
        assert len(site_.log) == 6
        with (state / MANIFEST).open("a", encoding="utf-8") as f:
            f.write('{"url": "http://127.0.0.1/torn", "si')  # a line cut by a kill
        n_part = len(site_.log)
        rest, _ = _collect(site_, out, state)
        assert rest.sites[0].stopped is None
        assert len([p for p in out.rglob("*") if p.is_file()]) == 6
        # what the first run stored is asked for conditionally, not downloaded again
        again = {h.path: h.status for h in site_.log[n_part:]}
        assert again["/zwgk/nb/index.htm"] == 304
    finally:
        site_.server.shutdown()


def test_sites_file(tmp_path):
    f = tmp_path / "sites.txt"
    f.write_text("# the sites\n"
                 "https://www.a.gov.cn/zwgk/nb/index.htm  delay=2 max_pages=50  # comment\n"
                 "\n"
                 "https://www.b.gov.cn/xxgk/nb/ title=工作年度报告 pages=list_\\d+\\.html\n"
                 "https://www.c.gov.cn/nb/ title='20\\d\\d 年度报告'\n",
                 encoding="utf-8")
    a, b, c = read_sites(f)
    assert (a.host, a.delay, a.max_pages, a.name) == ("www.a.gov.cn", 2.0, 50, "www.a.gov.cn")
    assert b.title == "工作年度报告" and b.pages == r"list_\d+\.html" and b.delay == 1.0
    assert c.title == r"20\d\d 年度报告"  # quoted: a rule with a space
    # the command line's defaults fill the rules a line leaves out, never override them
    a, b, _ = read_sites(f, {"delay": 0.5, "max_pages": 9})
    assert (a.delay, a.max_pages, b.delay, b.max_pages) == (2.0, 50, 0.5, 9)
    f.write_text("https://www.a.gov.cn/ speed=3\n", encoding="utf-8")
    with pytest.raises(SitesError, match=r"sites.txt:1: .*unknown rule"):
        read_sites(f)
    for bad in ("ftp://x/", "https://x/ delay=-1", "https://x/ title=(", "https://x/ max_pages"):
        f.write_text(bad + "\n", encoding="utf-8")
        with pytest.raises(SitesError):
            read_sites(f)


def test_decoding_and_pagers():
    gbk = '<meta charset="gb2312"><p>年度报告</p>'.encode("gbk")
    assert "年度报告" in decode_html(gbk)
    assert "年度报告" in decode_html("<p>年度报告</p>".encode("gb18030"))  # no charset named
    assert "年度报告" in decode_html("<p>年度报告</p>".encode("gbk"), "text/html; charset=GBK")
    # a charset that lies (GBK bytes served as UTF-8): the readers' decoder is not fooled
    lying = "<p>政府信息公开工作年度报告</p>".encode("gbk")
    assert "政府信息公开工作年度报告" in decode_html(lying, "text/html; charset=utf-8")
    pages = pager_pages('createPageHTML(3, 0, "index", "htm");', "http://h/nb/index.htm")
    assert pages == ["http://h/nb/index.htm", "http://h/nb/index_1.htm", "http://h/nb/index_2.htm"]


def test_cli(tmp_path, capsys):
    site_ = collect_site.start()
    try:
        out = tmp_path / "raw"
        rc = cli.main([site_.base + "/zwgk/nb/index_2.htm", "--out", str(out), "--delay", "0.05",
                       "--timeout", str(TIMEOUT), "--retries", "0", "--json"])
        printed = capsys.readouterr().out
        summary = json.loads(printed[printed.index("{"):])
        assert rc == 1  # the slow page timed out: some URL failed
        assert summary["n_new_files"] == 1 and summary["failures"][0]["outcome"] == "timeout"
        assert (tmp_path / "collect" / MANIFEST).is_file()  # collect/ beside --out
        assert cli.main(["--out", str(out)]) == 2  # nothing to collect
        assert cli.main(["ftp://x/", "--out", str(out)]) == 2
    finally:
        site_.server.shutdown()


@pytest.mark.slow
def test_a_collected_site_through_the_pipeline(tmp_path, monkeypatch):
    """sites.txt in the data dir: the Dagster run collects the site, then builds the warehouse
    and the download with every collected report's source URL; a second collect (the CLI)
    fetches nothing new."""
    import duckdb
    import polars as pl
    from dagster import materialize

    from gip_pipeline.assets import ALL_ASSETS, GipPaths, default_resources

    site_ = collect_site.start()
    try:
        data = tmp_path / "data"
        data.mkdir()
        (data / "sites.txt").write_text(f"{site_.base}/zwgk/nb/index.htm delay=0.05\n",
                                        encoding="utf-8")
        monkeypatch.delenv("GIP_DUCKDB_PATH", raising=False)
        result = materialize(ALL_ASSETS, resources=default_resources(GipPaths(data_dir=str(data))),
                             raise_on_error=False)
        assert result.success
        meta = result.asset_materializations_for_node("raw_collected_files")[0].metadata
        assert meta["n_new_files"].value == 7  # the six reports and the slow page (no time-out)
        con = duckdb.connect(str(data / "warehouse" / "gip.duckdb"), read_only=True)
        rows = con.execute("select source_url, source_page, fetched_at, status, year from "
                           "core.reports order by year").fetchall()
        assert len(rows) == 7 and all(r[0].startswith(site_.base) and r[2] for r in rows)
        years = {r[4]: r for r in rows if r[3] != "rejected"}
        assert {2016, 2019, 2020, 2022, 2023} <= set(years)
        assert years[2023][0].endswith("/zwgk/nb/202401/P020240119.pdf")
        assert years[2023][1].endswith("/zwgk/nb/202401/t20240119_2.htm")  # its report page
        assert con.execute("select count(*) from marts.report_comparison").fetchone()[0] > 0
        con.close()
        exported = pl.read_parquet(data / "exports" / "reports.parquet")
        assert exported["source_url"].is_not_null().all()

        n_before = len(site_.log)
        assert cli.main([f"{site_.base}/zwgk/nb/index.htm", "--out", str(data / "raw"),
                         "--delay", "0.05"]) == 1  # the 404 is still missing
        assert not [h for h in site_.log[n_before:] if h.status == 200
                    and h.path not in ("/robots.txt", "/zwgk/nb/slow.htm")]
    finally:
        site_.server.shutdown()
