"""The PDF reader: grids from PDFs built in code, the real Hongze PDF, and unreadable files."""

from __future__ import annotations

import pytest

from gip_pipeline.extraction.document import Paragraph, Table, Unreadable
from gip_pipeline.extraction.readers import pdf
from gip_pipeline_tests import pdf_fixtures as fx
from gip_pipeline_tests.conftest import real_file, real_truth

REAL = "jiangsu-huaian-hongze-2023.pdf"


def texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def find_row(tables: list[Table], label: str) -> tuple[Table, list]:
    """The (table, row) whose non-spanned cells include exactly `label`."""
    hits = [(t, row) for t in tables for row in t.rows
            if any(c.text == label and not c.spanned for c in row)]
    assert len(hits) == 1, f"{label!r}: {len(hits)} rows"
    return hits[0]


def values(row: list, n: int) -> list[str]:
    return [c.text for c in row[-n:]]


@pytest.fixture(scope="module")
def two_page():
    return pdf.read(fx.two_page_report(), "two.pdf")


# ---------------------------------------------------------------- built fixtures


def test_table_broken_across_pages_keeps_each_part_on_its_page(two_page):
    doc = two_page
    assert doc.format == "pdf" and doc.pages == 2
    tables = doc.tables
    assert [t.page for t in tables] == [1, 2, 2]
    for t in tables:
        assert all(c.page == t.page for row in t.rows for c in row)
    _, new = find_row(tables[:1], "一、本年新收政府信息公开申请数量")
    assert values(new, 7) == [str(v) for v in fx.REQ_VALUES["new"]]
    # The continuation on page 2 has no header rows: its first row is data.
    first = texts(tables[1])[0]
    assert first[1] == "5.要求行政机关确认或重新出具已获取信息"
    _, fwd = find_row(tables[1:2], "四、结转下年度继续办理")
    assert values(fwd, 7) == ["0"] * 7 and fwd[0].page == 2


def test_page_numbers_are_dropped_even_inside_open_table(two_page):
    # `- 1 -` prints inside the open tail of the page-1 table, `- 2 -` above page 2's.
    _, last = find_row(two_page.tables, "2.其他法律行政止公开")
    assert values(last, 7) == [str(v) for v in fx.REQ_VALUES["prohibited"]]
    _, cont = find_row(two_page.tables, "5.要求行政机关确认或重新出具已获取信息")
    assert values(cont, 7) == [str(v) for v in fx.REQ_VALUES["confirm"]]
    all_text = two_page.text()
    assert "- 1 -" not in all_text and "- 2 -" not in all_text


def test_vertical_merged_label_is_one_cell_not_rows(two_page):
    t = two_page.tables[0]
    col0 = [row[0] for row in t.rows]
    origins = [c for c in col0 if c.text == "三、本年度办理结果" and not c.spanned]
    copies = [c for c in col0 if c.text == "三、本年度办理结果" and c.spanned]
    assert len(origins) == 1 and len(copies) == 3
    # Its rows keep their own labels and values: no row of single characters.
    _, granted = find_row([t], "（一）予以公开")
    assert granted[0].text == "三、本年度办理结果"
    assert values(granted, 7) == [str(v) for v in fx.REQ_VALUES["granted"]]
    assert not any(len(row[0].text) == 1 for row in t.rows)
    assert len(t.rows) == 3 + 6  # three header rows, six data rows


def test_wrapped_label_rejoined_with_its_numbers_on_one_row(two_page):
    t, row = find_row(two_page.tables, "5.要求行政机关确认或重新出具已获取信息")
    assert values(row, 7) == ["2", "1", "0", "0", "0", "0", "3"]
    assert not any(c.text == "已获取信息" for r in t.rows for c in r)


def test_split_header_words_and_merged_header_cells(two_page):
    header = texts(two_page.tables[0])[:3]
    assert header[2][3:8] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert header[0][2:] == ["申请人情况"] * 7
    assert header[1][2] == "自然人" and header[2][2] == "自然人"  # rowspan copy
    assert header[1][3:8] == ["法人或其他组织"] * 5
    assert header[0][0].startswith("（本列数据的勾稽关系为：第一项加第二项之和，等于")


def test_section_four_three_stacked_header_rows(two_page):
    rows = texts(two_page.tables[2])
    assert len(rows) == 4 and all(len(r) == 15 for r in rows)
    assert rows[0] == ["行政复议"] * 5 + ["行政诉讼"] * 10
    assert rows[1][5:] == ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert rows[1][:5] == heads and rows[2][:5] == heads  # rowspan copies below
    assert rows[2][5:] == heads * 2
    assert rows[3] == [str(v) for v in fx.REVIEW_VALUES]


def test_paragraphs_in_reading_order_around_tables(two_page):
    kinds = [(type(b).__name__, b.page, b.text if isinstance(b, Paragraph) else None)
             for b in two_page.blocks]
    paras = [k[2] for k in kinds if k[0] == "Paragraph"]
    assert paras[0] == "某某区人民政府2023年政府信息公开工作年度报告"
    i_head = kinds.index(("Paragraph", 1, "三、收到和处理政府信息公开申请情况"))
    assert kinds[i_head + 1][0] == "Table"
    i_four = kinds.index(("Paragraph", 2, "四、政府信息公开行政复议、行政诉讼情况"))
    assert kinds[i_four + 1][:2] == ("Table", 2)
    assert kinds[-1] == ("Paragraph", 2, "五、存在的主要问题及改进情况")


def test_unruled_table_falls_back_to_text_grid():
    doc = pdf.read(fx.unruled_report(), "unruled.pdf")
    tables = doc.tables
    assert [t.page for t in tables] == [1, 2]
    _, new = find_row(tables, "一、本年新收政府信息公开申请数量")
    assert values(new, 7) == [str(v) for v in fx.REQ_VALUES["new"]]
    t, wrapped = find_row(tables, "5.要求行政机关确认或重新出具已获取信息")
    assert t.page == 2 and values(wrapped, 7) == [str(v) for v in fx.REQ_VALUES["confirm"]]
    assert "- 1 -" not in doc.text()
    assert not any(isinstance(b, Paragraph) and b.text == "已获取信息" for b in doc.blocks)


def test_pages_without_table_labels_are_plain_paragraphs():
    doc = pdf.read(fx.multipage_report(4), "long.pdf")
    assert doc.pages == 6
    assert [t.page for t in doc.tables] == [3, 4, 4]
    prose = [b for b in doc.blocks if isinstance(b, Paragraph) and b.page == 1]
    assert len(prose) == 40 and not any(pdf.is_page_number(b.text) for b in prose)


# ---------------------------------------------------------------- unreadable


def test_pdf_without_text_layer_or_readable_print_is_unreadable():
    # Only drawing (lines, boxes, a grey picture): OCR runs and finds no text to read.
    with pytest.raises(Unreadable, match=r"^scanned PDF: OCR found no text on its pages$"):
        pdf.read(fx.scanned_pdf(), "scan.pdf")


def test_encrypted_pdf_is_unreadable():
    with pytest.raises(Unreadable, match="encrypted"):
        pdf.read(fx.encrypted_pdf(), "enc.pdf")


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf_is_unreadable(cut):
    data = fx.two_page_report()
    with pytest.raises(Unreadable, match="truncated"):
        pdf.read(data[: int(len(data) * cut)], "cut.pdf")


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not a pdf", bytes(range(256)) * 8,
                                  "<html>报告</html>".encode()])
def test_junk_bytes_are_unreadable(data):
    with pytest.raises(Unreadable, match="not a PDF"):
        pdf.read(data, "junk.pdf")


def test_damaged_body_is_unreadable():
    data = b"%PDF-1.7\n" + b"garbage " * 50 + b"\n%%EOF\n"
    with pytest.raises(Unreadable):
        pdf.read(data, "bad.pdf")


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize("text,expected", [
    ("- 3 -", True), ("－ 12 －", True), ("—3—", True), ("第 3 页", True), ("第3页 共9页", True),
    ("3/9", True), ("3", False), ("-", False), ("0", False), ("- 3", False), ("第三项", False),
    ("7730.28", False),
])
def test_is_page_number(text, expected):
    assert pdf.is_page_number(text) is expected


def test_table_markers_come_from_schema_labels():
    assert "本年新收政府信息公开申请数量" in pdf.TABLE_MARKERS
    assert "结果维持" in pdf.TABLE_MARKERS
    assert pdf.is_table_page("3.补正后申请内容仍不明确 0 0 0")
    assert not pdf.is_table_page("一、总体情况\n本机关坚持以公开为常态。")


def test_close_open_ends_adds_edge_only_where_rulings_dangle():
    v = [pdf._edge(x, 10, x, 100, "v") for x in (0, 50, 100)]
    closed_top = [pdf._edge(0, 10, 100, 10, "h")]
    extra = pdf.close_open_ends(v + closed_top)
    assert [(e["orientation"], e["top"], e["x0"], e["x1"]) for e in extra] == [("h", 100, 0, 100)]
    assert pdf.close_open_ends(v + closed_top + [pdf._edge(0, 100, 100, 100, "h")]) == []


# ---------------------------------------------------------------- the real PDF


@pytest.fixture(scope="module")
def real_doc():
    path = real_file(REAL)
    return pdf.read(path.read_bytes(), REAL)


def test_real_grids(real_doc):
    doc = real_doc
    assert doc.pages == 5
    tables = doc.tables
    assert [t.page for t in tables] == [2, 3, 3, 4, 4]
    t, new = find_row(tables, "一、本年新收政府信息公开申请数量")
    assert t.page == 3 and values(new, 7) == ["21", "0", "0", "0", "0", "0", "21"]
    # The merged label printed one character per line is one cell spanning its rows.
    col0 = [r[0].text for r in t.rows]
    assert col0.count("三、本年度办理结果") == 12
    _, typo = find_row(tables, "2.其他法律行政止公开")  # the label typo, as printed
    assert values(typo, 7) == ["0"] * 7
    t4, total = find_row(tables, "（七）总计")
    assert t4.page == 4 and values(total, 7) == ["21", "0", "0", "0", "0", "0", "21"]
    _, wrapped = find_row(tables, "5.要求行政机关确认或重新出具已获取信息")
    assert wrapped[0].page == 4
    header = texts(tables[2])[2]
    assert header[4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    # Section 四 as printed: totals 0 against non-zero parts (a publisher error).
    review = texts(tables[4])
    assert review[-1] == ["10", "1", "0", "0", "0", "0", "0", "0", "0", "0", "5", "0", "0", "0", "0"]
    assert review[0][:5] == ["行政复议"] * 5
    _, fees = find_row(tables, "行政事业性收费")
    assert fees[-1].text == "7730.28"
    assert not any(pdf.is_page_number(b.text) for b in doc.blocks if isinstance(b, Paragraph))
    assert "- 3 -" not in doc.text() and "- 4 -" not in doc.text()


def test_real_end_to_end_matches_truth():
    path = real_file(REAL)
    truth = real_truth(REAL)
    parse = pytest.importorskip("gip_pipeline.extraction.parse")
    result = parse.parse_file(path)
    got = {(c.table, c.row, c.col): c for c in result.cells}
    missing, wrong = [], []
    for table, rows in truth["cells"].items():
        for row, cols in rows.items():
            for col, want in cols.items():
                cell = got.get((table, row, col))
                if cell is None:
                    missing.append((table, row, col))
                elif cell.value != want:
                    wrong.append((table, row, col, cell.raw, want))
    assert not wrong, wrong
    assert not missing, missing
    assert result.status == "warning"
    assert any(f.check == "review_litigation.row_total" and f.severity in ("error", "warning")
               for f in result.findings)
    pages = {c.page for c in result.cells}
    assert pages <= {2, 3, 4}


# ---------------------------------------------------------------- blank cells and the title


@pytest.fixture(scope="module")
def blanks():
    return pdf.read(fx.blank_cells_report(), "blanks.pdf")


def test_blank_ruled_cells_come_back_as_empty_cells(blanks):
    # A zero printed empty is a cell with text "": dropping it (or its all-blank column)
    # leaves the row short, and the recognizer can no longer place the row's numbers.
    _, new = find_row(blanks.tables, "一、本年新收政府信息公开申请数量")
    assert values(new, 7) == ["5", "1", "", "", "", "2", "8"]
    _, carried = find_row(blanks.tables, "二、上年结转政府信息公开申请数量")
    assert len(carried) == 8 and values(carried, 7) == [""] * 7


def test_all_blank_section_four_value_row_is_kept(blanks):
    review = [t for t in blanks.tables if any(c.text == "行政复议" for c in t.rows[0])]
    assert len(review) == 1
    rows = texts(review[0])
    assert len(rows) == 3 and rows[-1] == [""] * 15


def test_tidy_drops_only_slivers_and_page_number_rows():
    from gip_pipeline.extraction.document import Cell

    rows = [[Cell("a"), Cell(""), Cell("1")], [Cell(""), Cell(""), Cell("")], [Cell("- 2 -"), Cell(""), Cell("")]]
    kept = pdf._tidy(rows, widths=[40.0, 1.5, 40.0], heights=[20.0, 20.0, 20.0])
    assert [[c.text for c in r] for r in kept] == [["a", "1"], ["", ""]]
    kept = pdf._tidy(rows, widths=[40.0, 1.5, 40.0], heights=[20.0, 2.0, 20.0])
    assert [[c.text for c in r] for r in kept] == [["a", "1"]]


def test_wrapped_title_is_joined(blanks):
    assert blanks.title == "某某自治县住房和城乡建设局2023年政府信息公开工作年度报告"
    assert pdf.find_title(["洪泽区人民政府", "2023 年政府信息公开工作年度报告", "正文"]) == \
        "2023 年政府信息公开工作年度报告"
    assert pdf.find_title(["一份说明", "没有标题的文字"]) is None


def test_a_page_pdfium_cannot_load_makes_the_file_unreadable(monkeypatch):
    # Found by fuzzing: a damaged page object raised PdfiumError out of the reader.
    import pypdfium2 as pdfium

    def broken(self, i):
        raise pdfium.PdfiumError("Failed to load page.")

    monkeypatch.setattr(pdfium.PdfDocument, "__getitem__", broken)
    with pytest.raises(Unreadable, match="page 1 cannot be loaded"):
        pdf.read(fx.two_page_report(), "x.pdf")


def test_lone_surrogates_of_a_damaged_text_layer_are_dropped():
    assert pdf._text_lines("某某\ud896报告\n- 2 -\n正文") == ["某某报告", "正文"]
