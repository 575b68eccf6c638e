"""The pre-2019 local statistics table (extraction.legacy), on the real Pingtan 2016 report."""

from __future__ import annotations

import json

import pytest

from gip_pipeline.extraction.document import Cell, Document, Paragraph, Table
from gip_pipeline.extraction.legacy import cuts, legacy_values
from gip_pipeline.extraction.parse import parse_bytes, parse_file
from gip_pipeline.tidy import build_tidy
from gip_pipeline_tests.conftest import real_file

PROSE = "2016年全区主动公开政府信息3460条"


@pytest.fixture(scope="module")
def pingtan_2016():
    return parse_file(real_file("fujian-pingtan-2016.page.txt"))


def _by(res) -> dict[tuple[str, str], object]:
    return {(v.label, v.period): v for v in res.legacy}


def test_the_glued_2016_table_is_decoded(pingtan_2016):
    res = pingtan_2016
    assert res.report["era"] == "legacy" and res.status == "warning" and res.cells == []
    v = _by(res)
    assert len(res.legacy) == 32  # 16 lines, year and cumulative
    top = v[("主动公开文件数", "year")], v[("主动公开文件数", "cumulative")]
    assert [(x.value, x.raw, x.decoded_by) for x in top] == [
        (3460, "346085376", "prose"), (85376, "346085376", "prose")]
    # its first 其中 line prints the same digits with the next item number glued on: the
    # number is peeled off and the sum (website + gazette = total) decides the cut
    web = v[("政府网站公开数", "year")]
    assert (web.value, web.raw, web.decoded_by, web.indicator) == (3460, "346085376", "identity",
                                                                   "active_website")
    assert v[("信函、传真申请数", "year")].value == 0  # a 、 inside a label is no item number
    assert v[("行政复议数", "cumulative")].indicator == "reconsideration"
    assert v[("接受行政诉讼、举报数", "year")].indicator == "complaints"  # not a lawsuit count
    assert v[("行政诉讼数", "year")].indicator == "litigation"
    assert v[("同意部分公开答复数", "year")].indicator == "partially_granted"
    assert v[("对申请的答复总数", "year")].indicator == "replies_total"
    assert {x.decoded_by for x in res.legacy} <= {"prose", "identity", "unique_split"}
    assert any(f.check == "era.legacy" and "16 lines" in f.message for f in res.findings)


def test_legacy_values_stay_out_of_the_spec_json_and_reach_the_tidy_table(pingtan_2016):
    assert "legacy" not in json.loads(pingtan_2016.to_json(narrative=False))
    t = build_tidy([pingtan_2016]).legacy_statistics
    assert t.height == 32 and t["value_status"].unique().to_list() == ["ok"]
    row = t.filter(t["indicator"] == "active_total").sort("period", descending=True).row(0, named=True)
    assert (row["period"], row["value"], row["printed_unit"]) == ("year", 3460.0, "条")


def test_without_the_prose_the_ambiguous_cut_is_left_null_never_guessed(pingtan_2016):
    text = real_file("fujian-pingtan-2016.page.txt").read_text(encoding="utf-8")
    assert PROSE in text
    res = parse_bytes(text.replace(PROSE, "2016年全区主动公开政府信息若干条").encode(), "p.txt")
    v = _by(res)
    for label in ("主动公开文件数", "政府网站公开数"):
        assert v[(label, "year")].value is None and v[(label, "year")].decoded_by is None
        assert v[(label, "year")].raw == "346085376"
    assert v[("政府公报公开数", "year")].value == 0  # `00` has one cut only
    amb = [f for f in res.findings if f.check == "legacy.ambiguous"]
    assert amb and "主动公开文件数" in amb[0].message and amb[0].severity == "warning"


def test_cuts():
    assert cuts("346085376") == [(3, 46085376), (34, 6085376), (3460, 85376)]
    assert cuts("00") == [(0, 0)]
    assert cuts("105") == []  # 10 > 5, and 1|05 has a leading zero
    assert cuts("0") == []
    assert cuts("9" * 10_000) == []  # no pair of counts; int() of it would raise


def test_a_huge_glued_run_is_read_in_bounded_work():
    doc = _glued("主动公开信息数条" + "7" * 10_000 + "行政复议数件00" * 2_000)
    values = legacy_values(doc)
    assert values[0].value is None and values[0].decoded_by is None
    assert len(values) == 2 * 2_001


def _glued(run: str) -> Document:
    return Document("txt", [Paragraph("平潭综合实验区2015年度政府信息公开工作年度报告"),
                            Paragraph("指标名称计量单位2015年度历年累计" + run)])


def test_the_table_sums_decide_a_parent_line():
    # 受理 12 | 14, of which in person 5 | 6 and online 7 | 8 (the 2 of `562` is the next item)
    doc = _glued("受理申请总数件1214其中：1、当面申请数件562、网上申请数件78")
    got = {(v.label, v.period): (v.value, v.decoded_by) for v in legacy_values(doc)}
    assert got[("受理申请总数", "year")] == (12, "identity")
    assert got[("受理申请总数", "cumulative")] == (14, "identity")
    assert got[("当面申请数", "year")] == (5, "unique_split")
    assert got[("网上申请数", "cumulative")] == (8, "unique_split")


def test_sums_that_do_not_hold_decide_nothing():
    doc = _glued("受理申请总数件1214其中：1、当面申请数件562、网上申请数件99")
    got = {(v.label, v.period): v.value for v in legacy_values(doc)}
    assert got[("受理申请总数", "year")] is None


def test_a_legacy_table_as_cells():
    rows = [["指标名称", "计量单位", "2012年度", "历年累计"], ["主动公开信息数", "条", "1,204", "9876"],
            ["行政复议数", "件", "2", "-"]]
    doc = Document("html", [Paragraph("某县2012年政府信息公开工作年度报告"),
                            Table([[Cell(t) for t in r] for r in rows])])
    got = {(v.label, v.period): (v.value, v.decoded_by) for v in legacy_values(doc)}
    assert got == {("主动公开信息数", "year"): (1204, "cell"), ("主动公开信息数", "cumulative"): (9876, "cell"),
                   ("行政复议数", "year"): (2, "cell"), ("行政复议数", "cumulative"): (None, "cell")}


def test_an_undated_report_with_an_old_table_is_a_legacy_report():
    text = real_file("fujian-pingtan-2016.page.txt").read_text(encoding="utf-8")
    undated = text.replace("2016", "").replace("2017", "")
    res = parse_bytes(undated.encode(), "undated.txt")
    assert res.report["year"] is None and res.report["era"] == "legacy"
    assert len(res.legacy) == 32 and any("undated" in f.message for f in res.findings)
