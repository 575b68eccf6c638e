import pytest

from gip_pipeline.extraction.values import looks_like_value, parse_value


@pytest.mark.parametrize("raw,dtype,value,kind", [
    ("13", "int", 13, "number"),
    ("1,234", "int", 1234, "number"),
    ("1，234", "int", 1234, "number"),
    ("１３", "int", 13, "number"),
    ("5949.088667", "decimal", 5949.088667, "number"),
    ("0.5", "decimal", 0.5, "number"),
    ("251000元", "decimal", 251000.0, "number"),
    ("12件", "int", 12, "number"),
    ("22（其中修订 16 件）", "int", 22, "number"),
    ("", "int", None, "blank"),
    ("\u00a0", "int", None, "blank"),
    ("—", "int", None, "dash"),
    ("-", "int", None, "dash"),
    ("/", "int", None, "dash"),
    ("／", "int", None, "dash"),
    ("无", "int", None, "word"),
    ("12 3", "int", None, "multiple"),
    ("1.5", "int", None, "fraction"),
    ("-3", "int", None, "negative"),
])
def test_parse_value(raw, dtype, value, kind):
    pv = parse_value(raw, dtype)
    assert pv.kind == kind
    assert pv.value == value
    if value is not None:
        assert type(pv.value) is (float if dtype == "decimal" else int)


def test_negative_only_where_allowed():
    assert parse_value("-3", allow_negative=True).value == -3
    assert parse_value("－12", allow_negative=True).value == -12
    assert parse_value("-3").value is None


def test_notes_and_units_are_kept():
    assert "其中修订" in parse_value("22（其中修订 16 件）").note
    assert parse_value("251000元", "decimal").note == "unit 元"


def test_blank_is_never_zero():
    for raw in ("", " ", "—", "无", "/"):
        assert parse_value(raw).value is None


def test_value_vs_label_cells():
    assert looks_like_value("13") and looks_like_value("") and looks_like_value("无")
    assert looks_like_value("22（其中修订 16 件）")
    assert not looks_like_value("1.属于国家秘密")
    assert not looks_like_value("（七）总计")


def test_implausibly_long_number_is_invalid_not_an_overflow():
    from gip_pipeline.extraction.values import parse_value

    for dtype in ("int", "decimal"):
        pv = parse_value("9" * 400 + ".5", dtype)
        assert pv.value is None and pv.kind == "invalid"
        assert parse_value("9" * 5000, dtype).kind == "invalid"
    assert parse_value("123456789012", "int").value == 123456789012
