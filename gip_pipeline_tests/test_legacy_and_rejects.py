"""Statuses: identity break -> warning, legacy -> warning, blank template / non-report / empty -> rejected."""

from gip_pipeline.extraction.document import Cell, Document, Table
from gip_pipeline.extraction.parse import parse_bytes, parse_file, sniff_format
from gip_pipeline_tests.conftest import real_file
from gip_pipeline_tests.test_recognize import default_requests, pipe_text, requests_rows


def test_consistent_report_is_ok():
    res = parse_bytes(pipe_text().encode(), "r.txt")
    assert res.status == "ok", res.findings
    assert res.report["organ"] == "某某县人民政府" and res.report["published"] == "2024-01-20"
    assert res.report["index_number"] == "123/2024-1"


def test_broken_identity_gives_warning_with_finding():
    vals = default_requests()
    vals["total_handled"] = ["4", "1", "0", "0", "0", "0", "4"]
    res = parse_bytes(pipe_text(requests=vals).encode(), "r.txt")
    assert res.status == "warning"
    assert any(f.check == "requests.balance" and "4 + 0" in f.message for f in res.findings)
    # the printed (wrong) number is reported, not repaired
    got = {(c.table, c.row, c.col): c.value for c in res.cells}
    assert got[("requests", "total_handled", "total")] == 4


def test_gb18030_text_is_read():
    res = parse_bytes(pipe_text().encode("gb18030"), "r.txt")
    assert res.status == "ok" and len(res.cells) == 200


def test_blank_template_rejected():
    empty = {k: [""] * 7 for k in default_requests()}
    text = "\n".join(" | ".join(r) + " |" for r in requests_rows(values=empty))
    res = parse_bytes(("2021年政府信息公开工作年度报告格式\n" + text).encode(), "t.txt")
    assert res.status == "rejected"
    assert res.reason == "blank template: the tables hold no values."
    assert res.cells == []


def test_blank_template_document_grid_rejected():
    # merged-cell grid (as a docx reader gives) with no values at all
    rows = [[Cell(t) for t in r] for r in requests_rows(values={k: [""] * 7 for k in default_requests()})]
    from gip_pipeline.extraction.parse import _interpret
    from gip_pipeline.extraction.result import ParseResult

    res = _interpret(Document("docx", [Table(rows)]), ParseResult("t.docx", "x", "docx"))
    assert res.status == "rejected" and res.reason.startswith("blank template")


def test_not_a_report_rejected():
    res = parse_bytes("关于举办秋季运动会的通知\n各单位：定于十月举行。\n".encode(), "n.txt")
    assert res.status == "rejected" and "not a GIP annual report" in res.reason
    assert res.cells == []


def test_empty_and_binary_rejected_never_raise():
    assert parse_bytes(b"", "e.txt").status == "rejected"
    assert parse_bytes(b"   \n", "e.txt").reason == "the file is empty."
    res = parse_bytes(b"%PDF-1.4 garbage that is no pdf", "x.pdf")
    assert res.status == "rejected" and res.format == "pdf" and res.reason


def test_legacy_report_is_warning_without_cells():
    text = ("某某市2016年度政府信息公开工作年度报告\n一、概述\n2016年共主动公开信息100条。\n"
            "指标名称 计量单位 2016年度\n主动公开文件数 条 100\n")
    res = parse_bytes(text.encode(), "l.txt")
    assert res.status == "warning"
    assert res.report["era"] == "legacy" and res.report["year"] == 2016
    assert res.report["organ"] == "某某市"
    assert res.cells == []
    assert any(f.check == "era.legacy" and "national format" in f.message for f in res.findings)


def test_real_pingtan_2016_is_legacy():
    res = parse_file(real_file("fujian-pingtan-2016.page.txt"))
    assert res.status == "warning" and res.report["era"] == "legacy"
    assert res.report["year"] == 2016
    assert res.report["organ"] == "平潭综合实验区管委会"  # the text prints the full name
    assert res.report["published"] == "2017-01-18"
    assert res.cells == []


def test_format_sniffing_content_first():
    assert sniff_format(b"%PDF-1.7\n...", "a.txt") == "pdf"
    assert sniff_format(b"<html><body><table>", "a.txt") == "html"
    assert sniff_format(b"# t\n| a | b |\n|---|---|\n| 1 | 2 |\n", "a.txt") == "md"
    assert sniff_format("标题 | 报告 |\n".encode(), "a.md") == "md"
    assert sniff_format("标题 | 报告 |\n".encode(), "a.bin") == "txt"
