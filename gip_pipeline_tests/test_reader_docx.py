"""DOCX reader: body order, merged cells, nested tables, hostile files, the blank template."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest

from gip_pipeline.extraction.document import Paragraph, Table, Unreadable
from gip_pipeline.extraction.readers.docx import MAX_UNCOMPRESSED, read

from .conftest import real_file


def grid(t: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in t.rows]


def spans(t: Table) -> list[list[bool]]:
    return [[c.spanned for c in row] for row in t.rows]


def save(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def fill(table, rows: list[list[str]]) -> None:
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            table.cell(r, c).text = v


@pytest.fixture
def merged_docx(tmp_path) -> bytes:
    d = docx.Document()
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=5, cols=4)
    fill(t, [
        ["", "", "申请人情况", ""],
        ["", "", "自然人", "总计"],
        ["三、本年度办理结果", "（一）予以公开", "12", "12"],
        ["", "（二）部分公开", "3", ""],
        ["四、结转", "", "0", "0"],
    ])
    t.cell(0, 0).merge(t.cell(1, 1)).text = "（勾稽关系）"   # a 2x2 block
    t.cell(0, 2).merge(t.cell(0, 3)).text = "申请人情况"      # horizontal (gridSpan)
    t.cell(2, 0).merge(t.cell(3, 0)).text = "三、本年度办理结果"  # vertical (vMerge)
    t.cell(4, 0).merge(t.cell(4, 1)).text = "四、结转"
    cell = t.cell(3, 3)
    cell.text = "第一段"
    cell.add_paragraph("第二段")  # a cell's paragraphs are joined
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    p = tmp_path / "merged.docx"
    d.save(p)
    return p.read_bytes()


def test_body_order_and_merged_cells(merged_docx):
    doc = read(merged_docx, "merged.docx")
    assert doc.format == "docx"
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert doc.blocks[0].text == "二、主动公开政府信息情况"
    assert doc.blocks[2].text == "三、收到和处理政府信息公开申请情况"
    [t] = doc.tables
    assert grid(t) == [
        ["（勾稽关系）", "（勾稽关系）", "申请人情况", "申请人情况"],
        ["（勾稽关系）", "（勾稽关系）", "自然人", "总计"],
        ["三、本年度办理结果", "（一）予以公开", "12", "12"],
        ["三、本年度办理结果", "（二）部分公开", "3", "第一段 第二段"],
        ["四、结转", "四、结转", "0", "0"],
    ]
    assert spans(t) == [
        [False, True, False, True],
        [True, True, False, False],
        [False, False, False, False],
        [True, False, False, False],
        [False, True, False, False],
    ]
    assert all(c.page is None for row in t.rows for c in row)


def test_nested_table_rows_are_kept(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=4, cols=3)
    fill(t, [["行", "甲", "乙"], ["一、本年新收", "5", "6"], ["三、办理结果", "", ""], ["四、结转", "7", "8"]])
    holder = t.cell(2, 1).merge(t.cell(2, 2))
    holder.text = ""
    inner = holder.add_table(rows=2, cols=2)
    fill(inner, [["（一）予以公开", "1"], ["（二）部分公开", "2"]])
    doc = read(save(d), "n.docx")
    [tab] = doc.tables
    # python-docx leaves the holder's empty first paragraph: it adds no row.
    assert grid(tab) == [
        ["行", "甲", "乙"],
        ["一、本年新收", "5", "6"],
        ["三、办理结果", "（一）予以公开", "1"],
        ["三、办理结果", "（二）部分公开", "2"],
        ["四、结转", "7", "8"],
    ]
    assert spans(tab)[3] == [True, False, False]


def test_layout_table_wrapping_the_report_is_unwrapped():
    d = docx.Document()
    outer = d.add_table(rows=1, cols=1)
    cell = outer.cell(0, 0)
    cell.text = "一、总体情况"
    cell.add_paragraph("三、收到和处理政府信息公开申请情况")
    inner = cell.add_table(rows=2, cols=2)
    fill(inner, [["行", "自然人"], ["一、本年新收", "9"]])
    cell.add_paragraph("四、行政复议")
    doc = read(save(d), "w.docx")
    kinds = [b.text if isinstance(b, Paragraph) else grid(b) for b in doc.blocks]
    assert kinds == ["一、总体情况", "三、收到和处理政府信息公开申请情况",
                     [["行", "自然人"], ["一、本年新收", "9"]], "四、行政复议"]


def test_title_from_core_properties():
    d = docx.Document()
    d.core_properties.title = "某某局2023年政府信息公开工作年度报告"
    d.add_paragraph("正文")
    doc = read(save(d), "t.docx")
    assert doc.title == "某某局2023年政府信息公开工作年度报告"
    assert [b.text for b in doc.blocks] == ["正文"]


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return out.getvalue()


def test_corrupt_and_foreign_files_are_unreadable(merged_docx):
    cases = {
        "empty": b"",
        "not a zip": b"%PDF-1.7 not a docx",
        "truncated zip": merged_docx[: len(merged_docx) // 2],
    }
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("hello.txt", "not a word document")
    cases["zip without word parts"] = other.getvalue()
    xlsx_like = _rezip(merged_docx, {"[Content_Types].xml": b'<?xml version="1.0"?><Types '
                                     b'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'})
    cases["package without a document"] = xlsx_like
    for why, data in cases.items():
        with pytest.raises(Unreadable):
            read(data, f"{why}.docx")


def test_unsupported_zip_version_is_unreadable(merged_docx):
    # A damaged central directory claiming "version needed to extract" 20.9: zipfile raises
    # NotImplementedError when opening the archive; that is an unreadable file, not a crash.
    data = bytearray(merged_docx)
    k = data.find(b"PK\x01\x02")
    assert k >= 0
    data[k + 6:k + 8] = (209).to_bytes(2, "little")
    with pytest.raises(Unreadable):
        read(bytes(data), "version.docx")


def test_zip_bomb_refused_before_inflating(merged_docx):
    big = b"\0" * (MAX_UNCOMPRESSED + 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        src = zipfile.ZipFile(io.BytesIO(merged_docx))
        for info in src.infolist():
            z.writestr(info.filename, src.read(info.filename))
        z.writestr("word/media/padding.bin", big)
    data = bomb.getvalue()
    assert len(data) < 1_000_000  # small on disk
    with pytest.raises(Unreadable, match="too large when uncompressed"):
        read(data, "bomb.docx")


def test_xml_entity_bomb_refused(merged_docx):
    src = zipfile.ZipFile(io.BytesIO(merged_docx)).read("word/document.xml").decode()
    laughs = ('<!DOCTYPE w:document [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    evil = src.replace("?>", "?>" + laughs, 1).replace("二、主动公开政府信息情况", "&c;", 1)
    with pytest.raises(Unreadable, match="entity"):
        read(_rezip(merged_docx, {"word/document.xml": evil.encode()}), "evil.docx")


def test_python_docx_parser_does_not_expand_entities():
    # Second line of defence behind the DOCTYPE check.
    from docx.oxml.parser import parse_xml

    el = parse_xml(b'<!DOCTYPE r [<!ENTITY a "EXPANDED">]><r xmlns="urn:x">&a;</r>')
    assert "EXPANDED" not in "".join(el.itertext())


# --------------------------------------------------------------- real template

TEMPLATE = "TEMPLATE-blank-guoban-2021-format.docx"
NUMBER = re.compile(r"^\s*[-+]?[\d０-９][\d０-９,，.]*\s*$")


def test_real_blank_template_read_faithfully():
    doc = read(real_file(TEMPLATE).read_bytes(), TEMPLATE)
    assert [(len(t.rows), t.width) for t in doc.tables] == [(14, 4), (28, 10), (4, 15)]
    assert all(len(r) == t.width for t in doc.tables for r in t.rows)
    ad, req, rl = doc.tables
    # No number anywhere in any cell, and the value regions are empty.
    assert not [c.text for t in doc.tables for r in t.rows for c in r if NUMBER.match(c.text)]
    assert [c.text for c in ad.rows[2]] == ["规章", "", "", ""]
    assert [c.text for c in ad.rows[6]] == ["行政许可", "", "", ""]
    assert [c.spanned for c in ad.rows[6]] == [False, False, True, True]
    for r in req.rows[3:]:
        assert [c.text for c in r[3:]] == [""] * 7, r[0].text
    assert [c.text for c in req.rows[3][:3]] == ["一、本年新收政府信息公开申请数量"] * 3
    assert req.rows[23][2].text.startswith("1.申请人无正当理由逾期不补正")
    assert [c.text for c in rl.rows[3]] == [""] * 15
    assert rl.rows[1][5].text == "未经复议直接起诉" and rl.rows[2][5].text.replace(" ", "") == "结果维持"
    heads = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert "三、收到和处理政府信息公开申请情况" in heads


def test_end_to_end_template_is_rejected():
    parse = pytest.importorskip("gip_pipeline.extraction.parse")
    result = parse.parse_file(real_file(TEMPLATE))
    assert result.format == "docx"
    assert result.status == "rejected"
    assert result.reason
    assert result.cells == []
