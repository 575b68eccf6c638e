"""report.html: self-contained, and its numbers match aggregates computed here by hand."""

from __future__ import annotations

import re

import lxml.html
import polars as pl
import pytest

from gip_pipeline.metadata import schema
from gip_pipeline.exports.html_report import quantile, render_html, write_html_report

MIN = schema.MIN_RANK_DENOMINATOR


def _rep(rid, year, region, level, status, handled, granted, partial, denied=0, unable=0):
    """A report_comparison row: each charted measure's numerator and denominator as the mart
    makes them (null when a term is missing)."""
    grant = None if granted is None or partial is None else granted + partial
    return dict(report_id=rid, organ=f"机关{rid}", year=year, region_code=region,
                admin_level=level, status=status,
                grant_rate_numerator=grant, grant_rate_denominator=handled,
                denial_rate_numerator=denied, denial_rate_denominator=handled,
                unable_rate_numerator=unable, unable_rate_denominator=handled)


# Beijing (110000), 2023: b1 18/20 and b2 60/100 pool to 78/120 = 65.0% (the mean of
# the two report rates would be 75.0%). b3 has partially_granted missing (printed blank):
# it must be left out of both sums, not counted as zero. b4 is rejected.
ROWS = [
    _rep("b1", 2023, "110101", "county", "ok", 20, 16, 2, 1, 1),
    _rep("b2", 2023, "110000", "province", "warning", 100, 60, 0, 10, 20),
    _rep("b3", 2023, "110102", "county", "ok", 50, 5, None, 0, 0),
    _rep("b4", 2023, "110000", "province", "rejected", None, None, None, None, None),
    # Shanghai (310000): 40/50 = 80.0%
    _rep("s1", 2023, "310000", "province", "ok", 30, 20, 4, 2, 3),
    _rep("s2", 2023, "310104", "county", "ok", 20, 15, 1, 0, 2),
    # Tibet (540000): highest rate but only 10 handled: shown, not ranked
    _rep("t1", 2023, "540000", "province", "ok", 10, 10, 0, 0, 0),
    # 2022, for the trend
    _rep("b9", 2022, "110000", "province", "ok", 200, 50, 10, 30, 40),
    _rep("s9", 2022, "310000", "province", "ok", 40, 30, 0, None, 5),
]
# The data_quality mart's rows (per region and year) for these reports: the page sums them.
DATA_QUALITY = [
    dict(region_code="110000", year=2023, n_ok=3, n_warning=1, n_rejected=1,
         n_identity_pass=3, n_identity_assessed=4),
    dict(region_code="310000", year=2023, n_ok=1, n_warning=0, n_rejected=0,
         n_identity_pass=1, n_identity_assessed=1),
    dict(region_code="310104", year=2023, n_ok=1, n_warning=0, n_rejected=0,
         n_identity_pass=0, n_identity_assessed=1),
    dict(region_code="110000", year=2022, n_ok=1, n_warning=0, n_rejected=0,
         n_identity_pass=1, n_identity_assessed=1),
    dict(region_code=None, year=None, n_ok=0, n_warning=0, n_rejected=2,
         n_identity_pass=0, n_identity_assessed=0),
]


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return pl.DataFrame(ROWS)


@pytest.fixture(scope="module")
def doc(frame):
    return lxml.html.fromstring(render_html(frame, pl.DataFrame(DATA_QUALITY)))


@pytest.fixture(scope="module")
def text(frame) -> str:
    return render_html(frame, pl.DataFrame(DATA_QUALITY))


def _rows(doc, chart):
    return {r.get("data-key"): r for r in doc.xpath(f'//tr[@data-chart="{chart}"]')}


def _cells(tr):
    return [td.text_content() for td in tr.xpath("./td")]


def _pct(num, den):
    return f"{100 * num / den:.1f}%"


def test_self_contained(text, doc):
    assert "<svg" in text and len(doc.xpath("//svg")) == 4
    for el in doc.xpath("//*[@src or @href]"):
        assert "http" not in (el.get("src") or "") + (el.get("href") or "")
    assert "http" not in text  # no namespace URLs, CDNs or links anywhere
    assert "<script" not in text and "<link" not in text and "url(" not in text
    assert "Noto Sans CJK SC" in text  # a CJK font stack for the Chinese labels
    assert doc.xpath("//meta/@charset") == ["utf-8"]


def test_province_numbers_are_pooled_sums(doc):
    prov = _rows(doc, "province")
    assert set(prov) == {"110000", "310000", "540000"}
    # Beijing: b1 (16+2)/20 and b2 (60+0)/100; b3 has a blank term, b4 is rejected
    bj = prov["110000"]
    num, den = 16 + 2 + 60 + 0, 20 + 100
    assert (int(bj.get("data-num")), int(bj.get("data-den")), int(bj.get("data-reports"))) \
        == (num, den, 2)
    assert _pct(num, den) in _cells(bj)
    assert _pct(num, den) == "65.0%"  # not the mean of rates (75.0%)
    assert "75.0%" not in _cells(bj)
    sh = prov["310000"]
    assert (int(sh.get("data-num")), int(sh.get("data-den"))) == (20 + 4 + 15 + 1, 30 + 20)
    assert _pct(40, 50) in _cells(sh)


def test_ranking_only_above_the_minimum_denominator(doc):
    ordered = [tr.get("data-key") for tr in doc.xpath('//tr[@data-chart="province"]')]
    # Shanghai 80% > Beijing 65%; Tibet (100% on 10 handled) is listed last, unranked
    assert ordered == ["310000", "110000", "540000"]
    prov = _rows(doc, "province")
    assert _cells(prov["310000"])[0] == "1" and _cells(prov["110000"])[0] == "2"
    assert _cells(prov["540000"])[0] == "—" and prov["540000"].get("class") == "unranked"
    assert int(prov["540000"].get("data-den")) < MIN
    assert "北京市" in _cells(prov["110000"])  # name from the region reference


def test_level_spread_numbers(doc):
    lv = _rows(doc, "level")
    assert list(lv) == ["province", "county"]  # schema order of admin levels
    # province 2023: b2 60/100, s1 24/30, t1 10/10 (b4 rejected)
    p = lv["province"]
    assert (int(p.get("data-num")), int(p.get("data-den")), int(p.get("data-reports"))) \
        == (60 + 24 + 10, 100 + 30 + 10, 3)
    cells = _cells(p)
    assert _pct(94, 140) == cells[1]
    # dots: reports with denominator >= MIN: b2 (0.6) and s1 (0.8); t1 (10) is left out
    assert cells[4] == "2" and cells[5] == "1"
    assert cells[6:9] == [f"{100 * quantile([0.6, 0.8], q):.1f}%" for q in (0.25, 0.5, 0.75)]
    assert cells[7] == "70.0%"
    c = lv["county"]  # b1 18/20, s2 16/20; b3 has a blank term
    assert (int(c.get("data-num")), int(c.get("data-den"))) == (18 + 16, 40)


def test_trend_numbers(doc):
    tr = _rows(doc, "trend")
    assert list(tr) == ["2022", "2023"]
    y22 = tr["2022"]
    assert (int(y22.get("data-grant-rate-num")), int(y22.get("data-grant-rate-den"))) \
        == (60 + 30, 240)
    # s9 has a blank denied: the 2022 denial rate is b9 alone, 30/200
    assert (int(y22.get("data-denial-rate-num")), int(y22.get("data-denial-rate-den"))) \
        == (30, 200)
    assert _pct(30, 200) in _cells(y22)
    y23 = tr["2023"]
    # b1, b2, s1, s2, t1 (b3 blank partial, b4 rejected)
    assert int(y23.get("data-grant-rate-num")) == 18 + 60 + 24 + 16 + 10
    assert int(y23.get("data-grant-rate-den")) == 20 + 100 + 30 + 20 + 10
    assert int(y23.get("data-unable-rate-num")) == 1 + 20 + 0 + 3 + 2 + 0  # b3 has unable 0
    assert int(y23.get("data-unable-rate-den")) == 20 + 100 + 50 + 30 + 20 + 10


def test_quality_numbers_are_the_data_quality_marts_summed_by_year(doc):
    q = _rows(doc, "quality")
    y23 = q["2023"]
    assert [int(y23.get(f"data-{s}")) for s in schema.STATUSES] == [5, 1, 1]
    assert (int(y23.get("data-pass")), int(y23.get("data-assessed"))) == (4, 6)
    assert _pct(4, 6) in _cells(y23)
    assert (int(q["2022"].get("data-pass")), int(q["2022"].get("data-assessed"))) == (1, 1)
    assert int(q["unknown"].get("data-rejected")) == 2


def test_without_the_data_quality_mart_the_page_says_so(frame):
    doc = lxml.html.fromstring(render_html(frame))
    assert _rows(doc, "quality") == {}
    assert "No data_quality mart was given" in doc.text_content()


def test_year_choice_and_missing_columns(frame):
    doc = lxml.html.fromstring(render_html(frame, year=2022))
    prov = _rows(doc, "province")
    assert (int(prov["110000"].get("data-num")), int(prov["110000"].get("data-den"))) == (60, 200)
    with pytest.raises(ValueError, match="grant_rate_denominator"):
        render_html(frame.drop("grant_rate_denominator"))


def test_from_export_dir_deterministic(tmp_path, frame):
    d = tmp_path / "exports"
    d.mkdir()
    frame.write_parquet(d / "report_comparison.parquet")
    pl.DataFrame(DATA_QUALITY).write_parquet(d / "data_quality.parquet")
    a = write_html_report(d, tmp_path / "a.html").read_text(encoding="utf-8")
    b = write_html_report(d, tmp_path / "b.html").read_text(encoding="utf-8")
    assert a == b == render_html(frame, pl.DataFrame(DATA_QUALITY))
    assert re.search(r"<svg[^>]*viewBox", a)


def test_quantile():
    assert quantile([1.0], 0.5) == 1.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.25) == pytest.approx(1.75)
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(2.5)


def test_pooled_charts_use_summary_reports_once():
    # A department's requests are already in its government's summary report; a duplicate
    # (is_counted false) is the same report again: neither may be added to the pool.
    rows = [dict(_rep("g", 2023, "320100", "prefecture", "ok", 100, 60, 0), organ_kind="government",
                 is_counted=True),
            dict(_rep("d", 2023, "320100", "prefecture", "ok", 40, 10, 0), organ_kind="department",
                 is_counted=True),
            dict(_rep("g2", 2023, "320100", "prefecture", "warning", 100, 60, 0),
                 organ_kind="government", is_counted=False)]
    doc = lxml.html.fromstring(render_html(pl.DataFrame(rows)))
    prov = _rows(doc, "province")["320000"]
    assert (prov.get("data-num"), prov.get("data-den"), prov.get("data-reports")) == ("60", "100", "1")
    trend = _rows(doc, "trend")["2023"]
    assert trend.get("data-grant-rate-den") == "100"


def _office(rid, year, kind, dtype, handled, granted, received, recon=None, recon_corr=None):
    r = _rep(rid, year, "540000", "province", "ok", handled, granted, 0)
    r.update(organ_kind=kind, department_type=dtype, new_received=received,
             total_handled=handled, reconsideration__total=recon,
             litigation_direct__total=None, litigation_after_reconsideration__total=None,
             reconsideration_correction_rate_numerator=recon_corr,
             reconsideration_correction_rate_denominator=recon,
             litigation_correction_rate_numerator=None, litigation_correction_rate_denominator=None)
    return r


def test_a_page_without_a_government_report_says_why_and_compares_departments():
    """The sample's first page: a general office's report and departments' reports only. No
    heading says None; every empty chart says why; departments get their own comparison."""
    rows = [_office("o1", 2023, "general_office", None, 13, 7, 13),
            _office("d1", 2023, "department", "finance", 40, 30, 41),
            _office("d2", 2023, "department", "finance", 10, 2, 9),
            _office("d3", 2022, "department", "education", 50, 10, 50)]
    html = render_html(pl.DataFrame(rows))
    doc = lxml.html.fromstring(html)
    text = doc.text_content()
    assert not [h.text_content() for h in doc.xpath("//h2") if "None" in h.text_content()]
    assert ("None of the 4 readable reports is a government's summary report (they are: "
            "3 department, 1 general office)") in text
    dep = {tr.get("data-key"): tr for tr in doc.xpath('//tr[@data-chart="department"]')}
    assert set(dep) == {"finance", "general_office"}  # 2023, the latest department year
    assert (int(dep["finance"].get("data-num")), int(dep["finance"].get("data-den"))) == (32, 50)
    assert dep["finance"].get("class") is None and dep["general_office"].get("class") == "unranked"
    assert "财政 finance" in text and "办公厅（室） general office" in text


def test_volume_and_review_sections_sum_the_governments_reports():
    rows = [_office("g1", 2023, "government", None, 100, 60, 90, recon=10, recon_corr=2),
            _office("g2", 2023, "government", None, 50, 20, 45, recon=None),
            _office("g3", 2022, "government", None, 30, 10, 30, recon=4, recon_corr=1),
            _office("d1", 2023, "department", "finance", 999, 1, 999, recon=99, recon_corr=99)]
    doc = lxml.html.fromstring(render_html(pl.DataFrame(rows)))
    vol = {tr.get("data-key"): tr for tr in doc.xpath('//tr[@data-chart="volume"]')}
    assert int(vol["2023"].get("data-received")) == 90 + 45  # the department's is not added
    assert int(vol["2022"].get("data-handled")) == 30
    rev = {tr.get("data-key"): tr for tr in doc.xpath('//tr[@data-chart="review"]')}
    assert int(rev["2023"].get("data-reconsideration--total")) == 10  # g2 printed no cell
    cells = [td.text_content() for td in rev["2023"].xpath("td")]
    assert "20.0%" in cells  # 2 corrected of 10 concluded, pooled
