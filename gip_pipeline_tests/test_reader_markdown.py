"""The Markdown reader, on small converter-style fixtures built here, one per layout problem,
and on the real Shanghai STCSM conversion (read from ../shared/real when present)."""

from __future__ import annotations

import pytest

from gip_pipeline.extraction.document import Paragraph, Table, Unreadable
from gip_pipeline.extraction.readers.markdown import read, split_row
from gip_pipeline_tests.conftest import real_file, real_truth


def md(text: str, **kw):
    return read(text.encode("utf-8"), "t.md", **kw)


def grid(t: Table) -> list[list[str]]:
    return [[c.text for c in r] for r in t.rows]


def only_table(doc) -> Table:
    assert len(doc.tables) == 1, [grid(t) for t in doc.tables]
    return doc.tables[0]


def test_pipe_table_separator_dropped_trailing_empties_dropped_inner_blank_kept():
    doc = md("| 信息内容 | 本年制发件数 | 本年废止件数 |  |  |\n"
             "|---|:---:|---:|---|---|\n"
             "| 规章 |  | 0 |  |\n")
    assert grid(only_table(doc)) == [["信息内容", "本年制发件数", "本年废止件数"], ["规章", "", "0"]]
    assert all(c.page is None for r in doc.tables[0].rows for c in r)


def test_blocks_in_document_order():
    doc = md("# 标题\n前言一句。\n\n| a | 1 |\n|---|---|\n| b | 2 |\n\n结束语。\n")
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    assert doc.blocks[0].text == "标题"  # heading markers are markup, not text
    assert doc.blocks[3].text == "结束语。"


def test_consecutive_fragments_merge_in_order_with_unlabelled_rows():
    doc = md("| 一、本年新收政府信息公开申请数量 | 3 | 1 | 4 |\n"
             "|---|---|---|---|\n"
             "\n"
             "| 5 | 0 | 5 |\n"
             "|---|---|---|\n"
             "\n"
             "| 6 | 0 | 6 |\n"
             "| （七）总计 | 7 | 0 | 7 |\n")
    assert grid(only_table(doc)) == [
        ["一、本年新收政府信息公开申请数量", "3", "1", "4"],
        ["5", "0", "5"], ["6", "0", "6"], ["（七）总计", "7", "0", "7"]]


def test_header_fragments_kept_as_rows():
    doc = md("| 业 | 构 | 益组织 | 务机构 |  |  |  |  |  |\n"
             "|---|---|---|---|---|---|---|---|---|\n"
             "| 一、本年新收政府信息公开申请数量 | 32 | 2 | 0 | 0 | 0 | 0 | 34 |  |\n")
    assert grid(only_table(doc)) == [["业", "构", "益组织", "务机构"],
                                     ["一、本年新收政府信息公开申请数量", "32", "2", "0", "0", "0", "0", "34"]]


def test_page_footer_and_plain_heading_inside_table_do_not_split_it_and_are_not_rows():
    doc = md("| 1.属于国家秘密 | 0 | 0 |\n"
             "|---|---|---|\n"
             "\n- 3 -\n\n## 续表\n第 4 页 共 9 页\n"
             "| 0 | 0 | 0 |\n"
             "|---|---|---|\n"
             "| 3.危及“三安全一稳定” | 1 | 1 |\n")
    t = only_table(doc)
    assert grid(t) == [["1.属于国家秘密", "0", "0"], ["0", "0", "0"], ["3.危及“三安全一稳定”", "1", "1"]]
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts == ["续表"]  # the heading stays as text; footers are not content


def test_footnotes_stripped_from_cells_and_kept_as_text():
    doc = md("| 行政许可 | 97[^1] |\n|---|---|\n\n[^1]: 含变更。\n\n| 行政处罚 | 0<sup>2</sup> |\n")
    assert grid(only_table(doc)) == [["行政许可", "97"], ["行政处罚", "0"]]
    assert any(isinstance(b, Paragraph) and b.text.startswith("[^1]:") for b in doc.blocks)


STRAY = ("| 4.保护第三方合法权益 | 0 | 0 |\n"
         "\n"
         "（三）不\n"
         "予公开\n"
         "5.属于三类内部事务信\n"
         "息\n"
         "| 1 | 0 | 1 |\n"
         "|---|---|---|\n"
         "| 6.属于四类过程性信息 | 1 | 1 |\n")


def test_stray_label_lines_become_label_rows_in_place_joined_where_wrapped():
    t = only_table(md(STRAY))
    assert grid(t) == [["4.保护第三方合法权益", "0", "0"], ["（三）不予公开"], ["5.属于三类内部事务信息"],
                       ["1", "0", "1"], ["6.属于四类过程性信息", "1", "1"]]


def test_stray_label_lines_as_paragraphs_or_dropped():
    doc = md(STRAY, stray="paragraphs")
    assert grid(only_table(doc)) == [["4.保护第三方合法权益", "0", "0"], ["1", "0", "1"],
                                     ["6.属于四类过程性信息", "1", "1"]]
    assert [b.text for b in doc.blocks[1:]] == ["（三）不", "予公开", "5.属于三类内部事务信", "息"]
    doc = md(STRAY, stray="drop")
    assert len(grid(only_table(doc))) == 3 and len(doc.blocks) == 1


def test_table_title_or_section_heading_between_fragments_splits_tables():
    doc = md("| 规章 | 0 | 0 | 0 |\n|---|---|---|---|\n"
             "\n二、收到和处理政府信息公开申请情况\n\n"
             "| 一、本年新收政府信息公开申请数量 | 1 | 1 |\n"
             "\n## 表四\n"
             "| 1 | 0 | 0 | 0 | 1 |\n")
    assert [grid(t) for t in doc.tables] == [[["规章", "0", "0", "0"]],
                                             [["一、本年新收政府信息公开申请数量", "1", "1"]],
                                             [["1", "0", "0", "0", "1"]]]


def test_prose_between_fragments_splits_tables():
    doc = md("| a | 1 |\n\n本机关全年共收到申请，均已按期办结。\n\n| b | 2 |\n")
    assert len(doc.tables) == 2


def test_cell_markup_and_two_numbers_never_glued():
    doc = md("| **规章** | 1<br>2 | 3\\|4 | &nbsp; |\n")
    assert grid(only_table(doc)) == [["规章", "1\n2", "3|4"]]


def test_rows_without_leading_pipe_before_separator():
    doc = md("信息内容 | 本年制发件数\n---|---\n规章 | 4\n")
    assert grid(only_table(doc)) == [["信息内容", "本年制发件数"], ["规章", "4"]]


def test_blank_last_cell_kept_where_row_is_short_padding_dropped_elsewhere():
    doc = md("| （七）总计 | 33 | 2 | 35 |  |\n"
             "|---|---|---|---|---|\n"
             "| 四、结转下年度继续办理 | 1 | 0 |  |\n"
             "| 行政许可 | 4 |  |  |\n")
    assert grid(only_table(doc)) == [["（七）总计", "33", "2", "35"], ["四、结转下年度继续办理", "1", "0", ""],
                                     ["行政许可", "4", "", ""]]


def test_zeros_printed_blank_keep_their_cells_header_rows_do_not():
    doc = md("| 信息内容 | 自然人 | 商业企业 | 总计 |  |\n"
             "|---|---|---|---|---|\n"
             "| 一、本年新收政府信息公开申请数量 | 3 |  | 3 |  |\n"
             "| 1.属于国家秘密 |  |  |  |  |\n"
             "| 信息内容 | 本年处理决定数量 |  |  |  |\n"
             "| 复议后起诉 |  |  |  |  |\n")
    assert grid(only_table(doc)) == [["信息内容", "自然人", "商业企业", "总计"],
                                     ["一、本年新收政府信息公开申请数量", "3", "", "3"],
                                     ["1.属于国家秘密", "", "", ""],
                                     ["信息内容", "本年处理决定数量"], ["复议后起诉"]]


def test_text_lines_reading_label_numbers_become_rows_prose_does_not():
    doc = md("第二十条第（五）项\n信息内容本年处理决定数量\n行政许可 97\n第二十条第（六）项\n行政处罚 0\n"
             "\n共收到申请 34 件，办结 33 件。\n全年发布信息 2139\n")
    assert grid(only_table(doc)) == [["第二十条第（五）项"], ["信息内容本年处理决定数量"], ["行政许可", "97"],
                                     ["第二十条第（六）项"], ["行政处罚", "0"]]
    # One `label number` line alone is not a table.
    assert [b.text for b in doc.blocks[1:]] == ["共收到申请 34 件，办结 33 件。", "全年发布信息 2139"]


def test_split_row_escaped_pipe():
    assert split_row("| a\\|b | c |  |") == ["a|b", "c"]


def test_title_and_header_fields():
    doc = md("正文\n2024 年上海市科委政府信息公开工作\n年度报告\n索引号：ABC/2025-001\n发布日期: 2025-01-20\n")
    assert doc.title == "2024 年上海市科委政府信息公开工作年度报告"
    assert doc.fields == {"索引号": "ABC/2025-001", "发布日期": "2025-01-20"}
    assert doc.format == "md" and doc.pages is None


@pytest.mark.parametrize("data", [b"", b"  \n\n", b"|---|---|\n"])
def test_empty_is_unreadable(data):
    with pytest.raises(Unreadable):
        read(data, "e.md")


def test_gb18030_is_decoded():
    doc = read("| 规章 | 4 |\n".encode("gb18030"), "g.md")
    assert grid(only_table(doc)) == [["规章", "4"]]


# ---------------------------------------------------------------- the real conversion

REAL = "shanghai-stcsm-2024.source.md"


def _real_doc(**kw):
    return read(real_file(REAL).read_bytes(), REAL, **kw)


def _table_with(doc, prefix: str) -> list[list[str]]:
    """The one table holding a row whose first cell starts with prefix."""
    found = [grid(t) for t in doc.tables if any(r and r[0].startswith(prefix) for r in grid(t))]
    assert len(found) == 1, [g[:2] for g in found]
    return found[0]


def _values(row: list[str]) -> list[str]:
    return [c for c in row if c.strip().isdigit()]


def test_real_requests_table_is_one_table_with_rows_in_printed_order():
    truth = real_truth(REAL)["cells"]
    doc = _real_doc(stray="drop")
    assert len(doc.tables) == 4, [grid(t)[:2] for t in doc.tables]  # 二 (text + pipes), 三, 四
    req = _table_with(doc, "一、本年新收")
    assert req[0] == ["业", "构", "益组织", "务机构"]  # the header fragment, kept as printed
    body = req[1:]
    labelled = [r for r in body if not r[0].strip().isdigit()]
    unlabelled = [r for r in body if r[0].strip().isdigit()]
    # 2021 era: 25 rows; 15 keep their label in the pipe rows, 10 lost it to the plain lines.
    assert len(body) == 25 and len(labelled) == 15 and len(unlabelled) == 10
    cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total"]
    first = body[0]
    assert first[0].startswith("一、") and _values(first) == [
        str(truth["requests"]["new_received"][c]) for c in cols]
    last = body[-1]
    # The total is printed empty: its blank cell is kept (not dropped as padding) so that the
    # row still has the table's seven value cells.
    assert last[0].startswith("四、") and last[1:] == [
        str(truth["requests"]["carried_forward"][c]) for c in cols[:-1]] + [""]
    # Read by hand from the file: the label-less rows' totals, in printed order (partially_granted,
    # prohibited_by_law, internal_affairs, not_held, needs_creation, unclear, excessive,
    # confirmation, no_correction, unpaid_fee). Order is what lets them be assigned.
    assert [r[-1] for r in unlabelled] == ["0", "0", "1", "4", "6", "0", "0", "0", "10", "0"]
    assert all(len(r) == 7 for r in unlabelled)
    labels = [r[0] for r in labelled]
    assert labels.index("（七）总计") == len(labels) - 2 and labels[2] == "三、"


def test_real_review_table_row_in_printed_order():
    truth = real_truth(REAL)["cells"]["review_litigation"]
    doc = _real_doc()
    rows = grid(doc.tables[-1])
    order = ["reconsideration", "litigation_direct", "litigation_after_reconsideration"]
    cols = ["upheld", "corrected", "other", "pending", "total"]
    assert rows[-1] == [str(truth[r][c]) for r in order for c in cols]


def test_real_section_two_printed_as_text_becomes_rows():
    ad = _table_with(_real_doc(), "行政许可")
    assert ["行政许可", "97"] in ad and ["行政事业性收费", "0"] in ad
    assert ad.index(["信息内容本年处理决定数量"]) < ad.index(["行政许可", "97"])


def test_real_stray_labels_carried_as_label_rows():
    req = _table_with(_real_doc(stray="rows"), "一、本年新收")
    label_only = [r[0] for r in req if len(r) == 1]
    assert "5.属于三类内部事务信息" in label_only
    assert "（三）不予公开" in label_only
    assert "3.补正后申请内容仍不明确" in label_only
    assert not any(r == ["1"] for r in req)  # the page number between fragments is not a row


# ---------------------------------------------------------------- end to end through parse_file


def test_real_end_to_end_every_truth_cell_right():
    parse = pytest.importorskip("gip_pipeline.extraction.parse")
    truth = real_truth(REAL)
    res = parse.parse_file(real_file(REAL))
    got = {(c.table, c.row, c.col): c.value for c in res.cells}
    want = {(t, r, c): v for t, rows in truth["cells"].items() for r, cols in rows.items()
            for c, v in cols.items()}
    wrong = {k: (v, got.get(k, "missing")) for k, v in want.items() if got.get(k, "missing") != v}
    assert not wrong, wrong
    assert res.format == "md" and res.report["year"] == truth["report"]["year"]
    assert res.report["era"] == truth["report"]["era"]


def _damaged_report(req: dict[str, list[int]]) -> str:
    """A 2021 report as a converter leaves it: the requests table cut into fragments, some
    labels fallen out into plain lines between them (wrapped), a header fragment, a page
    footer and a heading inside the table, a footnote marker in a cell."""
    from gip_pipeline.metadata.schema import REQUESTS

    rows = REQUESTS.rows_for("2021")
    lost = {"partially_granted", "denied_internal_affairs", "unable_needs_creation", "other_unpaid_fee"}
    out = ["# 某局2023年政府信息公开工作年度报告", "", "发布机构：某局", "",
           "## 二、主动公开政府信息情况", "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
           "|---|---|---|---|", "| 规章 | 0 | 0 | 2 |", "| 行政规范性文件 | 3 | 1 | 20 |", "",
           # the rest of section 二 printed as text lines
           "第二十条第（五）项", "信息内容本年处理决定数量", "行政许可 5", "第二十条第（六）项",
           "信息内容本年处理决定数量", "行政处罚 0", "行政强制 0", "第二十条第（八）项",
           "信息内容本年收费金额（单位：万元）", "行政事业性收费 0.5", "",
           "## 三、收到和处理政府信息公开申请情况", "| 业 | 构 | 益组织 |  |  |  |  |  |",
           "|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(rows):
        vals = " | ".join(str(v) for v in req[r.key])
        if r.key in lost:
            out += ["", r.label[:5], r.label[5:], f"| {vals} |", "|---|---|---|---|---|---|---|"]
        else:
            cell = f"{vals}[^1]" if r.key == "new_received" else vals
            out.append(f"| {r.label} | {cell} |")
        if i == 12:
            out += ["", "- 7 -", "", "## 续表", ""]
    out += ["", "[^1]: 含网上申请。", "", "## 四、政府信息公开行政复议、行政诉讼情况",
            "| 维持 | 纠正 | 结果 | 审结 |", "|---|---|---|---|",
            "| 0 | 1 | 0 | 0 | 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "",
            "## 五、存在的主要问题及改进情况", "工作仍有不足。"]
    return "\n".join(out) + "\n"


def test_damaged_conversion_end_to_end(tmp_path):
    parse = pytest.importorskip("gip_pipeline.extraction.parse")
    from gip_pipeline.metadata.schema import REQUESTS

    req = {r.key: [0] * 7 for r in REQUESTS.rows_for("2021")}
    # 6 new + 1 carried = 6 handled + 1 forward, spread over rows that lose their labels.
    for key, n in (("new_received", 6), ("carried_over", 1), ("partially_granted", 2),
                   ("denied_internal_affairs", 1), ("unable_needs_creation", 2),
                   ("other_unpaid_fee", 1), ("total_handled", 6), ("carried_forward", 1)):
        req[key] = [n, 0, 0, 0, 0, 0, n]
    p = tmp_path / "damaged.md"
    p.write_text(_damaged_report(req), encoding="utf-8")
    res = parse.parse_file(p)
    got = {(c.row, c.col): c.value for c in res.cells if c.table == "requests"}
    cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total"]
    want = {(r, c): v for r, vals in req.items() for c, v in zip(cols, vals)}
    assert {k: got.get(k) for k in want if got.get(k) != want[k]} == {}
    rl = {(c.row, c.col): c.value for c in res.cells if c.table == "review_litigation"}
    assert rl[("reconsideration", "corrected")] == 1 and rl[("reconsideration", "total")] == 1
    ad = {(c.row, c.col): c.value for c in res.cells if c.table == "active_disclosure"}
    assert ad[("administrative_licensing", "decisions")] == 5
    assert ad[("administrative_fees", "fee_amount_10k_yuan")] == 0.5
    assert ad[("normative_documents", "in_force")] == 20
    assert res.status == "ok", [f for f in res.findings if f.severity != "info"]


# ---------------------------------------------------------------- blanks and stray labels (wave 2)


def test_label_before_the_first_fragment_joins_the_table():
    doc = md("二、主动公开政府信息情况\n信息内容本年制发件数本年废止件数现行有效件数\n规章\n"
             "| 0 | 0 | 0 |\n|---|---|---|\n| 行政规范性文件 | 9 | 2 | 20 |\n")
    assert grid(only_table(doc)) == [["规章"], ["0", "0", "0"], ["行政规范性文件", "9", "2", "20"]]
    assert "规章" not in [p.text for p in doc.blocks if isinstance(p, Paragraph)]


def test_a_stray_row_label_is_not_glued_to_the_header_line_above():
    doc = md("| 行政许可 | 43 |\n|---|---|\n第二十条第（六）项\n信息内容本年处理决定数量\n行政处罚\n"
             "| 0 |\n|---|\n| 行政强制 | 1 |\n")
    rows = grid(only_table(doc))
    assert ["行政处罚"] in rows and rows[rows.index(["行政处罚"]) + 1] == ["0"]


def test_label_less_row_of_blanks_is_kept_at_the_table_width():
    doc = md("| 4.无正当理由大量反复申请 | 1 |  |  |  |  |  | 1 |\n|---|---|---|---|---|---|---|---|\n"
             "5.要求行政机关确认或\n重新出具已获取信息\n|  |  |  |  |  |  |  |\n"
             "| （七）总计 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n")
    rows = grid(only_table(doc))
    assert rows[1] == ["5.要求行政机关确认或重新出具已获取信息"]
    assert rows[2] == [""] * 7


def test_section_four_row_keeps_trailing_blanks_under_its_headings():
    head = "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |" * 3
    head = head.replace("||", "|")
    sep = "|" + "---|" * 15
    doc = md(f"{head}\n{sep}\n|  |  |  |  |  |  |  |  | 1 | 1 |  |  |  |  |  |\n")
    assert grid(only_table(doc))[-1] == [""] * 8 + ["1", "1"] + [""] * 5
    doc = md(f"{head}\n{sep}\n" + "|  " * 15 + "|\n")
    assert grid(only_table(doc))[-1] == [""] * 15


def test_wider_row_than_its_header_fragment_is_not_padding():
    doc = md("| 结果 | 审结 | 计 | 维持 | 纠正 | 结果 | 审结 | 计 |\n|---|---|---|---|---|---|---|---|\n"
             "|  | 1 |  |  | 1 |  |  |  |  |  |  |  |  |  |  |\n")
    assert len(grid(only_table(doc))[-1]) == 15


def test_generic_label_of_a_blank_row_is_read_with_its_group():
    doc = md("| 三、本年度办理结果 | （六）其他处理 | 2.申请人逾期未按收费通知要求缴纳费用 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
             "|---|---|---|---|---|---|---|---|---|---|\n"
             "| 三、本年度办理结果 | （六）其他处理 | 3.其他 |  |  |  |  |  |  |  |\n")
    assert grid(only_table(doc))[-1] == ["三、本年度办理结果", "（六）其他处理", "3.其他"] + [""] * 7


def test_single_other_handling_row_of_blanks_keeps_its_cells():
    # （六）其他处理 is a group label in 2021 and a row of its own where a report prints one row.
    doc = md("| 三、本年度办理结果 | （五）不予处理 | 2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
             "|---|---|---|---|---|---|---|---|---|---|\n"
             "| 三、本年度办理结果 | （六）其他处理 |  |  |  |  |  |  |  |  |\n")
    row = grid(only_table(doc))[-1]
    assert row[:2] == ["三、本年度办理结果", "（六）其他处理"] and len(row) == 9 and set(row[2:]) == {""}


def test_group_label_from_a_stray_line_reads_the_generic_label_after_it():
    doc = md("| 5.要求行政机关确认或重新出具已获取信息 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n"
             "|---|---|---|---|---|---|---|---|\n"
             "（六）其他\n处理\n"
             "| 3.其他 |  |  |  |  |  |  |  |\n")
    rows = grid(only_table(doc))
    assert rows[-1] == ["3.其他"] + [""] * 7


def test_a_lost_heading_does_not_merge_two_tables():
    # `???` where 三、收到和处理… was: the requests table must not join section 二's table
    # (its rows would be measured against section 二's three-value width).
    doc = md("| 规章 | 0 | 0 | 0 |\n|---|---|---|---|\n| 行政规范性文件 | 4 | 4 | 64 |\n\n???\n\n"
             "| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |\n|---|---|\n"
             "| 二、上年结转政府信息公开申请数量 |  |  |  |  |  |  |  |\n"
             "| 一、本年新收政府信息公开申请数量 | 13 | 2 | 0 | 0 | 0 | 0 | 15 |\n")
    assert len(doc.tables) == 2
    assert grid(doc.tables[1])[1] == ["二、上年结转政府信息公开申请数量"] + [""] * 7
