"""The other published forms: Word 97/.wps, Excel 97/.et, OFD, scans and photos.

Each is checked against its born-digital twin: the same report in another form must
give the same cells, status and metadata (OCR: the same or null with a finding, never
another number). Twins are made from ../shared/real (skipped where absent): office
conversions live in data/forms (`make forms`), OFD and scans are made here.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from gip_pipeline.extraction.document import Unreadable
from gip_pipeline.extraction.parse import parse_bytes, parse_file, sniff_format
from gip_pipeline.extraction.readers import ofd, spreadsheet, word97
from gip_pipeline.synth import forms

from gip_pipeline.bench.truth import load_truth, score

from .conftest import REPO, SHARED, real_file, real_truth

FORMS = REPO / "data" / "forms"
HTML = "shanghai-govoffice-2019.content-fragment.html"
HONGZE = "jiangsu-huaian-hongze-2023.pdf"


def cells(res) -> dict:
    return {(c.table, c.row, c.col): (c.value, c.raw) for c in res.cells}


def same_report(a, b) -> None:
    assert b.status == a.status
    assert cells(b) == cells(a)
    assert b.report == a.report
    assert sorted(f.check for f in b.findings) == sorted(f.check for f in a.findings)


@pytest.mark.parametrize("ext,fmt", [("doc", "doc"), ("wps", "doc"), ("xls", "xls"), ("et", "xls")])
def test_office_twins_read_as_the_original(ext, fmt):
    original = parse_file(real_file(HTML))
    twin = parse_file(FORMS / f"{HTML}.{ext}")
    assert twin.format == fmt
    assert len(twin.cells) == 198
    same_report(original, twin)


@pytest.mark.parametrize("ext", ["doc", "wps"])
def test_blank_template_as_word97_is_rejected(ext):
    res = parse_file(FORMS / f"TEMPLATE-blank-guoban-2021-format.docx.{ext}")
    assert res.status == "rejected" and res.reason.startswith("blank template")


def test_format_is_sniffed_by_content_not_extension():
    doc = (FORMS / f"{HTML}.doc").read_bytes()
    xls = (FORMS / f"{HTML}.xls").read_bytes()
    assert sniff_format(doc, "report.pdf") == "doc"
    assert sniff_format(xls, "report.doc") == "xls"
    assert sniff_format(doc, "x.wps") == "doc" and sniff_format(xls, "x.et") == "xls"
    assert parse_bytes(doc, "misnamed.pdf").format == "doc"


def test_word97_merged_cells_become_spans():
    d = word97.read((FORMS / f"{HTML}.doc").read_bytes(), "x.doc")
    requests = next(t for t in d.tables if any("申请人情况" in c.text for r in t.rows for c in r))
    top = requests.rows[0]
    assert top[0].text.startswith("（本列数据的勾稽关系") and not top[0].spanned
    # 申请人情况 spans the seven applicant columns: one origin, six copies
    origin = [i for i, c in enumerate(top) if c.text == "申请人情况"]
    assert [top[i].spanned for i in origin] == [False] + [True] * (len(origin) - 1) and len(origin) == 7


def test_spreadsheet_numbers_print_as_typed():
    import xlrd

    class C:
        def __init__(self, ctype, value):
            self.ctype, self.value = ctype, value

    assert spreadsheet.cell_text(C(xlrd.XL_CELL_NUMBER, 13.0), 0) == "13"
    assert spreadsheet.cell_text(C(xlrd.XL_CELL_NUMBER, 0.538), 0) == "0.538"
    assert spreadsheet.cell_text(C(xlrd.XL_CELL_NUMBER, 7730.28), 0) == "7730.28"
    assert spreadsheet.cell_text(C(xlrd.XL_CELL_EMPTY, ""), 0) == ""
    assert spreadsheet.cell_text(C(xlrd.XL_CELL_DATE, 43861.0), 0) == "2020-01-31"


def test_damaged_office_files_are_unreadable_with_a_reason():
    doc = (FORMS / f"{HTML}.doc").read_bytes()
    with pytest.raises(Unreadable, match="compound-file container"):
        word97.read(doc[:4096], "cut.doc")
    with pytest.raises(Unreadable, match="workbook|damaged"):
        spreadsheet.read((FORMS / f"{HTML}.xls").read_bytes()[:3000], "cut.xls")
    # the FIB's encryption flag
    import olefile

    ole = olefile.OleFileIO(doc)
    wd = bytearray(ole.openstream("WordDocument").read())
    ole.close()
    flags = struct.unpack_from("<H", wd, 0x0A)[0] | 0x0100
    struct.pack_into("<H", wd, 0x0A, flags)
    with pytest.raises(Unreadable, match="encrypted"):
        r = word97._Reader.__new__(word97._Reader)
        r.wd, r.ole = bytes(wd), olefile.OleFileIO(doc)
        r._fib()
    res = parse_bytes(doc[:4096], "cut.doc")
    assert res.status == "rejected" and res.format == "doc"


def test_ofd_of_the_real_pdf_reads_as_the_pdf():
    pdf_bytes = real_file(HONGZE).read_bytes()
    original = parse_bytes(pdf_bytes, HONGZE)
    twin = parse_bytes(forms.to_ofd(pdf_bytes), "hongze.ofd")
    assert twin.format == "ofd" and len(twin.cells) == 186
    same_report(original, twin)
    assert {c.page for c in twin.cells} == {c.page for c in original.cells}


def test_hostile_ofd_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><ofd:OFD/>')
    with pytest.raises(Unreadable, match="entity"):
        ofd.read(buf.getvalue(), "x.ofd")
    with pytest.raises(Unreadable, match="valid OFD"):
        ofd.read(b"PK\x03\x04junk", "x.ofd")


def _scored(res):
    """The bench's own scoring against the real truth file: (right, null, wrong numbers)."""
    real_truth(HONGZE)  # skips where absent
    s = score(res.to_dict(), load_truth(SHARED / "real" / "truth" / f"{HONGZE}.json"))
    wrong = [i for i in s.wrong if i.got is not None]
    return s.right, len(s.missing) + len(s.wrong) - len(wrong), wrong


@pytest.fixture(scope="module")
def degraded_scan():
    """The real PDF scanned at 150 dpi, 1.2 degrees of skew, sensor noise and JPEG 55."""
    pdf_bytes = real_file(HONGZE).read_bytes()
    return parse_bytes(forms.scan_pdf(pdf_bytes, dpi=150, skew_deg=1.2, noise=18, jpeg_quality=55, seed=1),
                       "hongze-scan.pdf")


@pytest.mark.slow
def test_scan_of_the_real_pdf_is_right_or_flagged(degraded_scan):
    res = degraded_scan
    truth = real_truth(HONGZE)
    right, null, wrong = _scored(res)
    assert wrong == []  # never another number
    assert right >= 0.9 * (right + null)
    # Against every cell of the born-digital original: the same number or null, 97% the same.
    original = cells(parse_bytes(real_file(HONGZE).read_bytes(), HONGZE))
    got = cells(res)
    assert set(got) == set(original)
    differ = [k for k in original if got[k][0] != original[k][0]]
    assert all(got[k][0] is None for k in differ)
    assert len(differ) <= 0.03 * len(original)
    assert res.report["organ"] == truth["report"]["organ"] and res.report["year"] == truth["report"]["year"]
    assert res.status == "warning"
    flagged = {(f.table, cell) for f in res.findings if f.check.startswith("ocr.")
               for cell in (f.cells or [])}
    for c in res.cells:
        assert c.value_source in ("ocr", "ocr_identities") and c.box and 0 <= c.confidence <= 1
        if c.value is None and c.raw.strip():  # printed, left null: a finding names the cell
            assert (c.table, f"{c.row}.{c.col}") in flagged or any(
                f.check.endswith("value_invalid") and f"cell {c.row}/{c.col} " in f.message
                for f in res.findings)
    assert [c.to_dict()["value_source"] for c in res.cells[:1]] == ["ocr"]


@pytest.mark.slow
def test_photo_of_a_table_page_reads_its_numbers():
    pdf_bytes = real_file(HONGZE).read_bytes()
    res = parse_bytes(forms.photo_jpeg(pdf_bytes, page=2, dpi=200, seed=3), "photo.jpg")
    assert res.format == "image" and res.status == "warning"  # one page: the rest is missing
    assert _scored(res)[2] == []
    # Page 3 holds the end of section 二 and most of section 三: each of its cells as printed.
    born_digital = parse_bytes(pdf_bytes, HONGZE)
    original = {(c.table, c.row, c.col): c.value for c in born_digital.cells if c.page == 3}
    got = cells(res)
    assert len(original) == 101
    assert sum(got.get(k, (None,))[0] == v for k, v in original.items()) >= 98
    assert all(got[k][0] in (None, original[k]) for k in original if k in got)


@pytest.fixture(scope="module")
def hongze_digital():
    return parse_bytes(real_file(HONGZE).read_bytes(), HONGZE)


@pytest.mark.slow
@pytest.mark.parametrize("dpi", [96, 150])
def test_html_with_tables_as_inline_pictures_reads_as_the_pdf(dpi, hongze_digital):
    page, _ = forms.picture_html(real_file(HONGZE).read_bytes(), dpi=dpi, inline=True)
    assert "<table" not in page and page.count("data:image/png;base64,") >= 6
    res = parse_bytes(page.encode(), "pictures.html")
    assert res.format == "html" and _scored(res)[2] == []
    original, got = cells(hongze_digital), cells(res)
    assert set(got) == set(original)
    differ = [k for k in original if got[k][0] != original[k][0]]
    assert all(got[k][0] is None for k in differ) and len(differ) <= 3
    assert all(c.value_source in ("ocr", "ocr_identities") for c in res.cells)
    assert res.report == hongze_digital.report


@pytest.mark.slow
def test_html_pictures_beside_the_page_are_read_but_never_outside_it(tmp_path, hongze_digital):
    page, files = forms.picture_html(real_file(HONGZE).read_bytes(), dpi=110, inline=False)
    site = tmp_path / "site"
    (site / "pics").mkdir(parents=True)
    for name, data in files.items():
        (site / "pics" / name).write_bytes(data)
    saved = site / "report.html"
    saved.write_text(page.replace('src="table_', 'src="pics/table_'), encoding="utf-8")
    res = parse_file(saved)
    assert len(res.cells) == 186 and _scored(res)[2] == []
    # The same page one folder down: its pictures are then outside its folder, and a
    # remote address is never fetched: nothing is read, the report's tables are missing.
    for src in ("../pics/table_", "http://127.0.0.1:9/pics/table_"):
        (site / "sub").mkdir(exist_ok=True)
        moved = site / "sub" / "report.html"
        moved.write_text(page.replace('src="table_', f'src="{src}'), encoding="utf-8")
        res = parse_file(moved)
        assert res.cells == [] and "recognize.no_tables" in {f.check for f in res.findings}


@pytest.mark.slow
def test_pictures_are_not_read_when_the_tables_are_markup():
    import base64

    from gip_pipeline.extraction.readers import html

    png = forms.page_pngs(real_file(HONGZE).read_bytes(), dpi=100)[2]
    pic = f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">'
    table = "<table>" + "<tr><td>行</td><td>1</td></tr>" * 4 + "</table>"

    def read_by_ocr(doc):
        return [c for t in doc.tables for r in t.rows for c in r if c.ocr is not None]

    assert read_by_ocr(html.read(f"<html><body>{pic}</body></html>".encode(), "x.html"))
    marked = html.read(f"<html><body>{table * 3}{pic}</body></html>".encode(), "x.html")
    assert len(marked.tables) == 3 and not read_by_ocr(marked)
