"""Table recognition on grids built in code: labels, stacked headers, split tables, label-less rows."""

from __future__ import annotations

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.document import Cell, Document, Paragraph, Table
from gip_pipeline.extraction.recognize import detect_era, recognize

REQ_COLS = schema.REQUEST_APPLICANT_COLUMNS + ("total",)


def default_requests(era: str = "2021") -> dict[str, list[str]]:
    """A consistent requests table: 5 new, 3 granted, 1 partial, 1 other, none carried."""
    rows = {r.key: ["0"] * 7 for r in schema.REQUESTS.rows_for(era)}
    rows["new_received"] = ["4", "1", "0", "0", "0", "0", "5"]
    rows["granted"] = ["2", "1", "0", "0", "0", "0", "3"]
    rows["partially_granted"] = ["1", "0", "0", "0", "0", "0", "1"]
    other = "other_other" if era == "2021" else "other_handling"
    rows[other] = ["1", "0", "0", "0", "0", "0", "1"]
    rows["total_handled"] = ["4", "1", "0", "0", "0", "0", "5"]
    return rows


def requests_rows(era: str = "2021", values: dict[str, list[str]] | None = None,
                  drop_labels: tuple[str, ...] = (), group_cells: bool = True) -> list[list[str]]:
    """Section 三 as printed: two header rows, then label cell(s) + 7 values per row."""
    values = values or default_requests(era)
    out = [["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "申请人情况"],
           ["自然人", "法人或其他组织", "总计"],
           ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
    last_group = None
    for r in schema.REQUESTS.rows_for(era):
        labels = [r.label]
        if r.group and group_cells and r.group != last_group:
            labels = [r.group, r.label]
        last_group = r.group
        if r.key in drop_labels:
            labels = []
        out.append(labels + list(values[r.key]))
    return out


def ad_rows_2021() -> list[list[str]]:
    return [["第二十条第(一)项"], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "4", "0", "101"], ["行政规范性文件", "53", "0", "779"],
            ["第二十条第(五)项"], ["信息内容", "本年处理决定数量"], ["行政许可", "7"],
            ["第二十条第(六)项"], ["信息内容", "本年处理决定数量"], ["行政处罚", "0"], ["行政强制", "0"],
            ["第二十条第(八)项"], ["信息内容", "本年收费金额(单位:万元)"], ["行政事业性收费", "5949.088667"]]


def rl_rows(values: list[str] | None = None) -> list[list[str]]:
    values = values or ["1", "0", "0", "0", "1"] + ["0"] * 10
    return [["行政复议", "行政诉讼"],
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
            values]


def table(rows: list[list[str]], page: int | None = None) -> Table:
    return Table(rows=[[Cell(t, page) for t in r] for r in rows], page=page)


def pipe_text(title: str = "某某县人民政府2023年政府信息公开工作年度报告", era: str = "2021",
              requests: dict[str, list[str]] | None = None, rl: list[str] | None = None) -> str:
    """A whole report as `|` text (the seed's form), for parse tests."""
    lines = [f"标题 | {title} |", "索引号 | 123/2024-1 | 文号 | |",
             "发布机构 | 某某县人民政府 | 发布日期 | 2024-01-20 |", title, "一、总体情况", "正文。",
             "二、主动公开政府信息情况"]
    ad = ad_rows_2021() if era == "2021" else [
        ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "1", "1", "9"]]
    lines += [" | ".join(r) + " |" for r in ad]
    lines.append("三、收到和处理政府信息公开申请情况")
    lines += [" | ".join(r) + " |" for r in requests_rows(era, requests)]
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines += [" | ".join(r) + " |" for r in rl_rows(rl)]
    lines += ["五、存在的主要问题及改进情况", "无。", "2024年1月19日"]
    return "\n".join(lines) + "\n"


def cells_of(rec):
    return {(c.table, c.row, c.col): c for c in rec.cells}


def test_full_2021_grid_recognised_with_raw_and_page():
    doc = Document("pdf", [table(ad_rows_2021(), 2), table(requests_rows(), 3), table(rl_rows(), 4)])
    rec = recognize(doc)
    assert rec.era == "2021" and rec.era_source == "labels"
    got = cells_of(rec)
    assert len(got) == len(schema.expected_cells("2021"))
    assert got[("requests", "new_received", "total")].value == 5
    assert got[("requests", "new_received", "total")].page == 3
    assert got[("requests", "other_other", "natural_person")].value == 1
    assert got[("active_disclosure", "administrative_fees", "fee_amount_10k_yuan")].value == 5949.088667
    assert got[("active_disclosure", "rules", "in_force")].raw == "101"
    assert got[("review_litigation", "reconsideration", "upheld")].value == 1
    assert got[("review_litigation", "reconsideration", "total")].value == 1
    assert not [f for f in rec.findings if f.severity != "info"]


def test_split_tables_and_label_less_rows_fit_between_anchors():
    rows = requests_rows(drop_labels=("partially_granted", "denied_prohibited_by_law"))
    doc = Document("md", [table(rows[:8]), Paragraph("- 3 -"), table(rows[8:])])
    rec = recognize(doc, 2023)
    got = cells_of(rec)
    assert got[("requests", "partially_granted", "natural_person")].value == 1
    assert ("requests", "denied_prohibited_by_law", "total") in got
    assert any(f.check == "requests.rows_by_position" for f in rec.findings)


def test_label_less_rows_that_do_not_fit_are_left_out():
    rows = requests_rows(drop_labels=("partially_granted",))
    # an extra label-less row of numbers: the gap has one open row but two rows of numbers
    i = next(k for k, r in enumerate(rows) if r and r[0] == "1" and len(r) == 7)
    rows.insert(i, ["9"] * 7)
    rec = recognize(Document("md", [table(rows)]), 2023)
    got = cells_of(rec)
    assert ("requests", "partially_granted", "natural_person") not in got
    assert not any(c.value == 9 for c in rec.cells)
    assert any(f.check == "requests.unplaced_rows" and f.severity == "warning" for f in rec.findings)


def test_group_label_in_same_cell_and_typo_labels():
    rows = requests_rows()
    for r in rows:
        if r and r[-8:-7] and r[-8] == "2.其他法律行政法规禁止公开":
            r[-8] = "（三）不予公开 2.其他法律行政止公开"
        if r and r[-8:-7] and r[-8] == "4.无正当理由大量反复申请":
            r[-8] = "4.无正当理由大量反复 申请"
    rows = [r[1:] if r and r[0] == "（三）不予公开" else r for r in rows]
    rec = recognize(Document("html", [table(rows)]), 2023)
    got = cells_of(rec)
    assert ("requests", "denied_prohibited_by_law", "total") in got
    assert ("requests", "not_processed_excessive", "total") in got
    assert ("requests", "denied_state_secret", "total") in got


def test_merged_cells_expanded_and_subtotal_column():
    vals = default_requests()
    rows = [["申请人情况"] * 9,
            ["自然人", "法人或其他组织", "法人或其他组织", "法人或其他组织", "法人或其他组织",
             "法人或其他组织", "法人或其他组织", "总计"],
            ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "小计"]]
    grid = [[Cell(t) for t in r] for r in rows]
    for r in schema.REQUESTS.rows_for("2021"):
        v = vals[r.key]
        sub = str(sum(int(x) for x in v[1:6]))
        cells = [Cell(r.group or r.label), Cell(r.label, spanned=r.group is None)]
        cells += [Cell(x) for x in v[:6]] + [Cell(sub), Cell(v[6])]
        grid.append(cells)
    rec = recognize(Document("html", [Table(grid)]), 2023)
    got = cells_of(rec)
    assert "legal_person_subtotal" in rec.optional_columns
    assert got[("requests", "new_received", "legal_person_subtotal")].value == 1
    assert got[("requests", "new_received", "total")].value == 5
    assert got[("requests", "denied_state_secret", "total")].value == 0


def test_2021_single_other_handling_row():
    vals = default_requests()
    vals["other_no_correction"], vals["other_other"] = vals["other_other"], ["0"] * 7
    rows = [r for r in requests_rows(values=vals) if not (r and r[0] in ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"))]
    for r in rows:
        if r and r[0] == "（六）其他处理":
            del r[0:2]
            r.insert(0, "（六）其他处理")
    rec = recognize(Document("pdf", [table(ad_rows_2021()), table(rows)]), 2023)
    got = cells_of(rec)
    assert rec.era == "2021"
    assert got[("requests", "other_handling", "total")].value == 1
    assert ("requests", "other_other", "total") not in got


def test_rl_row_split_over_two_rows():
    rows = rl_rows()
    rows[-1:] = [["1", "0", "0", "0", "1", "0", "0"], ["0"] * 8]
    rec = recognize(Document("md", [table(requests_rows()), table(rows)]), 2023)
    got = cells_of(rec)
    assert got[("review_litigation", "reconsideration", "total")].value == 1
    assert got[("review_litigation", "litigation_after_reconsideration", "total")].value == 0


def test_era_from_labels_before_year():
    doc_2019 = Document("html", [table([["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
                                        ["规章", "1", "1", "9"]])])
    assert detect_era(doc_2019, 2023) == ("2019", "labels")
    assert detect_era(Document("txt", []), 2020) == ("2019", "year")
    assert detect_era(Document("txt", []), 2015) == (None, None)


def test_2019_section_two_layout_and_unit_in_cell():
    rows = [["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "13", "13", "200"],
            ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], ["行政许可", "10", "-2", "300"],
            ["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购", "3", "251000元"]]
    rec = recognize(Document("html", [table(rows)]), 2019)
    got = cells_of(rec)
    assert rec.era == "2019"
    assert got[("active_disclosure", "rules", "newly_made")].value == 13
    assert got[("active_disclosure", "administrative_licensing", "net_change")].value == -2
    assert got[("active_disclosure", "government_procurement", "procurement_amount")].value == 251000
    assert got[("active_disclosure", "government_procurement", "procurement_amount")].raw == "251000元"


def test_two_numbers_in_one_cell_left_null_with_finding():
    vals = default_requests()
    vals["granted"] = ["2", "1", "0", "0", "0", "0", "3 1"]
    rec = recognize(Document("txt", [table(requests_rows(values=vals))]), 2023)
    c = cells_of(rec)[("requests", "granted", "total")]
    assert c.value is None and c.raw == "3 1"
    assert any(f.check == "requests.value_multiple" for f in rec.findings)


# ------------------------------------------------ alignment on printed header positions

def flat_rl_rows(values: list[str]) -> list[list[str]]:
    """Section 四 as a Word table without merges: a label only in the first cell of its span."""
    return [["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9,
            ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "", "", "", "",
             "复议后起诉", "", "", "", ""],
            [""] * 5 + ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
            values]


def test_flat_section_four_with_blank_zeros_keeps_every_value_in_its_column():
    # Blanks for zeros: the heading rows' empty span cells must not count as values, and the
    # data row must not be squeezed left (was: direct total read as 1, after-review 1, 2).
    vals = [""] * 7 + ["1", "1", "2"] + [""] * 5
    rec = recognize(Document("docx", [table(flat_rl_rows(vals))]), 2023)
    got = cells_of(rec)
    assert got[("review_litigation", "litigation_direct", "other")].value == 1
    assert got[("review_litigation", "litigation_direct", "pending")].value == 1
    assert got[("review_litigation", "litigation_direct", "total")].value == 2
    assert got[("review_litigation", "litigation_after_reconsideration", "upheld")].value is None
    assert got[("review_litigation", "reconsideration", "total")].raw == ""
    assert not [f for f in rec.findings if f.table == "review_litigation" and f.severity != "info"]


def flat_requests_rows(values: dict[str, list[str]], trailing_blank: bool = False) -> list[list[str]]:
    """Section 三 as a flat grid: 3 label columns, 7 value columns, optional empty column at the right."""
    pad = [""] if trailing_blank else []
    out = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况"] + [""] * 6 + pad,
           ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"] + pad,
           ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""] + pad]
    for r in schema.REQUESTS.rows_for("2021"):
        out.append([r.label, "", ""] + list(values[r.key]) + pad)
    return out


def test_flat_requests_with_an_extra_empty_column_do_not_shift_left():
    # natural_person blank (a zero printed empty) and an empty column at the table's right edge:
    # dropping the leading blank would move every number one column left.
    vals = default_requests()
    vals["granted"] = ["", "1", "0", "0", "0", "0", "1"]
    vals["partially_granted"] = ["3", "0", "0", "0", "0", "0", "3"]
    vals["new_received"] = ["", "1", "0", "0", "0", "0", "1"]
    rec = recognize(Document("docx", [table(flat_requests_rows(vals, trailing_blank=True))]), 2023)
    got = cells_of(rec)
    assert got[("requests", "granted", "natural_person")].raw == ""
    assert got[("requests", "granted", "commercial_enterprise")].value == 1
    assert got[("requests", "granted", "total")].value == 1
    assert got[("requests", "new_received", "total")].value == 1


def test_fit_never_guesses_between_two_shifts():
    from gip_pipeline.extraction.recognize import _fit, _sum_check, _VCell

    def cells(*raws):
        return [_VCell(r, None) for r in raws]

    check = _sum_check(6, (0, 1, 2, 3, 4, 5))
    row = cells("", "3", "0", "0", "0", "0", "3", "")  # 8 cells for 7 columns, blank at both ends
    assert _fit(row, 7) is None  # no way to tell which blank is padding
    assert _fit(row, 7, check) is None  # both printings can hold (blank total; blank first cell)
    # the row total rules one out: ["", "2", "1", 0, 0, 0, "1"] cannot hold (1 < 2 + 1)
    row = cells("", "2", "1", "0", "0", "0", "1", "")
    assert _fit(row, 7) is None
    assert [c.raw for c in _fit(row, 7, check)] == ["2", "1", "0", "0", "0", "1", ""]
    assert [c.raw for c in _fit(cells("", "", "1", "2"), 2)] == ["1", "2"]
    assert [c.raw for c in _fit(cells("", "", ""), 2)] == ["", ""]
    assert _fit(cells("1", "2", "3"), 2) is None
    # one row wider than the table (an unrecognised 小计 column): the only alignment
    # [3, "", "", "", "", 3 | 3] breaks its own row total, so nothing is taken
    row = cells("", "3", "", "", "", "", "3", "3")
    assert _fit(row, 7) is not None and _fit(row, 7, check) is None


def other_handling_on_its_own_line(sub_rows: int, total_on_own_line: bool = False) -> list[list[str]]:
    """A 2021 table whose （六）其他处理 label stands alone, followed by label-less value rows."""
    vals = default_requests()
    out = []
    for r in requests_rows(values=vals):
        if r[:1] == ["（六）其他处理"]:
            out.append(["（六）其他处理"])
            if sub_rows == 1:
                out.append(["1", "0", "0", "0", "0", "0", "1"])
            else:
                out += [vals[k] for k in schema.OTHER_ROWS_2021]
        elif len(r) == 8 and r[0] in [schema.REQUESTS.row(k).label for k in schema.OTHER_ROWS_2021[1:]]:
            continue
        elif total_on_own_line and r[:1] == [schema.REQUESTS.row("total_handled").label]:
            out += [r[:1], r[1:]]
        else:
            out.append(r)
    return out


def test_2021_other_handling_label_alone_then_one_value_row():
    # 21 cells were missing in the 2,000-report corpus: the scanner took （六） for the group
    # header and waited for its three sub-rows.
    for total_alone in (False, True):
        rows = other_handling_on_its_own_line(1, total_alone)
        rec = recognize(Document("md", [table(ad_rows_2021()), table(rows), table(rl_rows())]), 2023)
        got = cells_of(rec)
        assert got[("requests", "other_handling", "natural_person")].value == 1
        assert got[("requests", "other_handling", "total")].value == 1
        assert got[("requests", "total_handled", "total")].value == 5
        assert not set(schema.OTHER_ROWS_2021) & {c.row for c in rec.cells}
        assert not [f for f in rec.findings if f.severity != "info"], rec.findings
        assert any(f.check == "requests.other_handling_single_row" for f in rec.findings)


def test_2021_other_handling_label_alone_then_three_label_less_sub_rows():
    vals = default_requests()
    rows = other_handling_on_its_own_line(3)
    rec = recognize(Document("md", [table(ad_rows_2021()), table(rows), table(rl_rows())]), 2023)
    got = cells_of(rec)
    for k in schema.OTHER_ROWS_2021:
        assert [got[("requests", k, c)].value for c in REQ_COLS] == [int(x) for x in vals[k]]
    assert ("requests", "other_handling", "total") not in got
    assert not any(f.check == "requests.other_handling_single_row" for f in rec.findings)


def test_2019_other_handling_alone_amid_rows_that_do_not_fit_is_left_out_not_a_crash():
    rows = []
    for r in requests_rows("2019", drop_labels=("not_processed_excessive", "not_processed_confirmation")):
        if r[:1] == ["（六）其他处理"]:
            rows += [r[:1], r[1:], ["9"] * 7]  # an extra label-less row: the gap cannot fit
        else:
            rows.append(r)
    rec = recognize(Document("md", [table(rows)]), 2019)
    assert rec.era == "2019"
    assert not any(c.value == 9 for c in rec.cells)
    assert ("requests", "other_handling", "total") not in cells_of(rec)
    assert any(f.check == "requests.unplaced_rows" for f in rec.findings)
