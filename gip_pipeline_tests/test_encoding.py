"""Byte decoding: BOMs, lying declarations, GBK vs Big5 vs UTF-8."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gip_pipeline.extraction.readers.encoding import decode_bytes, detect, normalize_charset, plausibility

SIMPLIFIED = "二〇一九年政府信息公开工作年度报告：本年新收政府信息公开申请数量，予以公开，部分公开，行政复议，行政诉讼。"
# The same text in traditional characters (Big5 cannot encode 〇 or simplified forms).
TRADITIONAL = "二零一九年政府資訊公開工作年度報告：本年新收政府資訊公開申請數量，予以公開，部分公開，行政復議，行政訴訟。"


@pytest.mark.parametrize("enc", ["utf-8", "gbk", "gb18030"])
@pytest.mark.parametrize("declared", [None, "utf-8", "gbk", "gb2312", "big5", "iso-8859-1", "nonsense"])
def test_simplified_any_declaration(enc, declared):
    assert decode_bytes(SIMPLIFIED.encode(enc), declared) == SIMPLIFIED


@pytest.mark.parametrize("declared", [None, "utf-8", "gbk", "big5"])
def test_big5(declared):
    d = detect(TRADITIONAL.encode("big5"), declared)
    assert d.text == TRADITIONAL
    assert d.encoding in ("cp950", "big5hkscs")


@pytest.mark.parametrize("bom,enc", [
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8"),
])
def test_bom_wins_over_declaration(bom, enc):
    data = bom + SIMPLIFIED.encode(enc)
    d = detect(data, "gbk")
    assert d.text == SIMPLIFIED and d.strict


def test_damaged_gbk_keeps_gbk():
    # One stray byte between two GBK runs: nothing decodes strictly; GB18030 with a
    # replacement character still reads both runs.
    data = SIMPLIFIED.encode("gbk") + b"\xff" + SIMPLIFIED.encode("gbk")
    d = detect(data, "utf-8")
    assert not d.strict and d.encoding == "gb18030"
    assert d.text == SIMPLIFIED + "\ufffd" + SIMPLIFIED


def test_utf16_without_bom():
    html = "<html><body><p>" + SIMPLIFIED + " 123</p></body></html>"
    assert decode_bytes(html.encode("utf-16-le")) == html


def test_lying_meta_both_ways():
    # Declared GBK, bytes UTF-8; declared UTF-8, bytes GBK.
    assert decode_bytes(SIMPLIFIED.encode("utf-8"), "gbk") == SIMPLIFIED
    assert decode_bytes(SIMPLIFIED.encode("gbk"), "utf-8") == SIMPLIFIED


def test_ascii_and_empty():
    assert decode_bytes(b"") == ""
    assert decode_bytes(b"<p>123</p>", "gbk") == "<p>123</p>"


def test_undecodable_bytes_replaced_not_raised():
    data = b"\x80\xff\xfa" * 3 + SIMPLIFIED.encode("utf-8")[:-1]  # garbage, truncated last char
    d = detect(data)  # 0xFF is invalid in every candidate
    assert not d.strict
    assert "\ufffd" in d.text


def test_plausibility_separates_right_from_wrong():
    good = plausibility(SIMPLIFIED)
    wrong = plausibility(TRADITIONAL.encode("big5").decode("gb18030"))
    assert good > 0.5 and wrong < 0
    assert plausibility("plain ascii") == 0.0


def test_normalize_charset():
    assert normalize_charset("GB2312") == "gb18030"
    assert normalize_charset(" 'UTF8' ") == "utf-8"
    assert normalize_charset("no-such") is None


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(SIMPLIFIED + "0123456789 ，。")), min_size=8, max_size=80),
       st.sampled_from(["utf-8", "gb18030"]), st.sampled_from([None, "gbk", "utf-8", "big5"]))
def test_roundtrip_property(text, enc, declared):
    # Frequent-character text must survive any declaration when it is long enough to judge.
    if sum(ch >= "\u4e00" for ch in text) < 6:
        return
    assert decode_bytes(text.encode(enc), declared) == text
