"""Metadata from every header form, with the source of each field and findings where sources
disagree (issue 16, point 2), on the real Pingtan and Shanghai reports."""

import re

from gip_pipeline.extraction.document import Document, Paragraph
from gip_pipeline.extraction.metadata import (extract_metadata, header_pairs, year_from_body,
                                              year_from_file_name)
from gip_pipeline.extraction.parse import _reader, parse_bytes, parse_file, sniff_format
from gip_pipeline_tests.conftest import real_file
from gip_pipeline_tests.pdf_fixtures import text_pdf

INDEX = "11350128MB0T12345X/2025-00012"


def _tzcjj(title_year: str = "2024", organ: str = "平潭综合实验区投资促进局") -> tuple[str, list[str]]:
    """The real 投资促进局 2024 page with its labelled header replaced by the one-line form
    (`发布机构：…　发布日期：…　索引号：…`, ideographic spaces), as many sites print it."""
    text = real_file("unlabeled/fujian-pingtan-tzcjj-2024.page.txt").read_text(encoding="utf-8")
    body = text.split("==================== 正文 ====================", 1)[1].strip().splitlines()
    title = f"平潭综合实验区投资促进局{title_year}年度政府信息公开工作年度报告"
    header = f"发布机构：{organ}\u3000发布日期：2025-01-26\u3000索引号：{INDEX}"
    return title, [title, header, *body]


def test_header_pairs_split_a_one_line_header():
    assert header_pairs(f"发布机构：某局\u3000发布日期：2025-01-26\u3000索引号：{INDEX}") == [
        ("发布机构", "某局"), ("发布日期", "2025-01-26"), ("索引号", INDEX)]
    assert header_pairs("根据《条例》：本报告……") == []  # prose is no header


def test_one_line_header_in_a_text_file():
    _, lines = _tzcjj()
    res = parse_bytes("\n".join(lines).encode(), "tzcjj.txt")
    r = res.report
    assert (r["organ"], r["published"], r["index_number"], r["year"]) == (
        "平潭综合实验区投资促进局", "2025-01-26", INDEX, 2024)
    assert res.sources == {"organ": "header", "year": "title", "published": "header",
                           "index_number": "header"}
    assert res.cells, "the glued tables are still read"


def test_one_line_header_in_a_pdf():
    _, lines = _tzcjj()
    res = parse_bytes(text_pdf(lines[:12]), "tzcjj.pdf")
    r = res.report
    assert res.format == "pdf"
    assert (r["organ"], r["published"], r["index_number"], r["year"]) == (
        "平潭综合实验区投资促进局", "2025-01-26", INDEX, 2024)
    assert res.sources["published"] == res.sources["index_number"] == "header"


def test_html_fragment_without_a_title_takes_the_year_from_the_statistics_period():
    html = real_file("shanghai-govoffice-2019.content-fragment.html").read_text(encoding="utf-8")
    untitled = re.sub(r"<p style='text-align: center;font-weight: bold;'>.*?</p>", "", html, count=1)
    assert untitled != html
    res = parse_bytes(untitled.encode(), "fragment.html")
    assert res.report["year"] == 2019 and res.sources["year"] == "body"
    assert res.report["era"] == "2019" and len(res.cells) > 100


def test_statistics_period_forms_of_the_real_reports():
    for name, year in [("fujian-pingtan-2016.page.txt", 2016), ("fujian-pingtan-2020.page.txt", 2020),
                       ("fujian-pingtan-2022.page.txt", 2022),  # 统计时限为
                       ("unlabeled/fujian-pingtan-tzcjj-2024.page.txt", 2024),  # 统计数据时间段为
                       ("shanghai-stcsm-2024.source.md", 2024),  # 统计周期为 2024 年 1 月 1 日至 12 月
                       ("shanghai-govoffice-2019.content-fragment.html", 2019)]:  # 从…到12月31日止
        data = real_file(name).read_bytes()
        doc = _reader(sniff_format(data, name))(data, name)
        assert year_from_body(doc) == year, name


def test_file_name_is_the_last_source_of_the_year():
    doc = Document("txt", [Paragraph("一、总体情况"), Paragraph("本机关依法公开政府信息。")])
    report, _, sources = extract_metadata(doc, "data/raw/某县民政局-2021.txt")
    assert report["year"] == 2021 and sources["year"] == "file_name"
    assert year_from_file_name("t20170118_80485.htm") is None  # a date stamp is no year token
    assert year_from_file_name("2019-2020.txt") is None  # two years: no answer


def test_title_and_body_years_that_disagree_are_flagged():
    _, lines = _tzcjj(title_year="2023")
    res = parse_bytes("\n".join(lines).encode(), "tzcjj.txt")
    assert res.report["year"] == 2023 and res.sources["year"] == "title"
    f = [f for f in res.findings if f.check == "metadata.sources_disagree"]
    assert f and "2023" in f[0].message and "2024" in f[0].message and f[0].severity == "warning"


def test_a_publisher_field_naming_another_office_is_flagged_and_the_title_kept():
    _, lines = _tzcjj(organ="平潭综合实验区管委会办公室")
    res = parse_bytes("\n".join(lines).encode(), "tzcjj.txt")
    assert res.report["organ"] == "平潭综合实验区投资促进局" and res.sources["organ"] == "title"
    assert any(f.check == "metadata.sources_disagree" and "管委会办公室" in f.message
               for f in res.findings)


def test_short_publisher_field_gives_way_to_the_title_full_name():
    res = parse_file(real_file("unlabeled/fujian-pingtan-czjrj-2025.page.txt"))  # 发布机构: 区财政金融局
    assert res.report["organ"] == "平潭综合实验区财政金融局" and res.sources["organ"] == "title"
    assert not any(f.check == "metadata.sources_disagree" for f in res.findings)


def test_letter_title_names_the_organ_before_its_subject():
    res = parse_file(real_file("unlabeled/fujian-pingtan-suping-2020.page.txt"))
    assert res.report["organ"] == "平潭综合实验区苏平片区管理局"
    assert not any(f.check == "metadata.sources_disagree" for f in res.findings)


def test_pian_qu_bureaus_are_township_governments_of_their_county():
    for name in ("unlabeled/fujian-pingtan-junshan-2022.page.txt",
                 "unlabeled/fujian-pingtan-suping-2020.page.txt"):
        r = parse_file(real_file(name)).report
        assert (r["region_code"], r["admin_level"], r["organ_kind"]) == ("350128", "township", "government"), name
    r = parse_file(real_file("unlabeled/fujian-pingtan-tzcjj-2024.page.txt")).report
    assert (r["admin_level"], r["organ_kind"]) == ("county", "department")
