"""The identities as the judge of OCR'd digits (gip_pipeline.extraction.ocr_check)."""

from __future__ import annotations

import copy

import pytest

from gip_pipeline.extraction.ocr_check import CHOICE_CHECK, UNCERTAIN_CHECK, check_ocr_cells
from gip_pipeline.extraction.parse import parse_file
from gip_pipeline.extraction.validate import validate
from gip_pipeline.synth.generate import generate


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A synthetic 2021-era report whose identities hold, with every cell marked as OCR'd."""
    out = tmp_path_factory.mktemp("synth")
    generate(out, 1, seed=21, forms=("docx",), eras=("2021",), opts=_clean())
    res = parse_file(next(out.glob("*.docx")))
    assert res.status == "ok"
    for c in res.cells:
        c.value_source, c.confidence, c.box = "ocr", 0.99, [0.0, 0.0, 1.0, 1.0]
    return res


def _clean():
    from gip_pipeline.synth.generate import Options

    return Options(error_rate=0, blank_zero_rate=0, typo_rate=0, units_rate=0, subtotal_rate=0)


def _cell(cells, table, row, col):
    return next(c for c in cells if (c.table, c.row, c.col) == (table, row, col))


def _misread(report, value_delta: int, alternatives, confidence=0.6):
    cells = copy.deepcopy(report.cells)
    c = _cell(cells, "requests", "granted", "natural_person")
    true = c.value
    c.value, c.raw = true + value_delta, str(true + value_delta)
    c.confidence = confidence
    c.alternatives = tuple(alternatives(true))
    return cells, c, true


def test_the_identities_choose_the_alternative_that_makes_them_hold(report):
    cells, c, true = _misread(report, 5, lambda t: (str(t + 3), str(t)))
    findings = check_ocr_cells(cells, "2021")
    assert c.value == true and c.value_source == "ocr_identities" and c.raw == str(true + 5)
    assert [f.check for f in findings] == [CHOICE_CHECK]
    assert not [f for f in validate(cells, "2021") if f.severity == "error"]


def test_no_alternative_that_fits_leaves_the_uncertain_cell_null(report):
    cells, c, true = _misread(report, 5, lambda t: (str(t + 7),))
    findings = check_ocr_cells(cells, "2021")
    assert c.value is None and UNCERTAIN_CHECK in [f.check for f in findings]


def test_a_confident_misreading_is_not_repaired_silently(report):
    # Read with high confidence and no alternative: the broken identity stands and is reported.
    cells, c, true = _misread(report, 5, lambda t: (), confidence=0.999)
    assert check_ocr_cells(cells, "2021") == []
    assert c.value == true + 5
    assert any(f.severity == "error" for f in validate(cells, "2021"))


def test_an_uncertain_cell_no_identity_confirms_is_null(report):
    cells = copy.deepcopy(report.cells)
    c = _cell(cells, "active_disclosure", "rules", "issued")  # in no identity
    c.confidence = 0.7
    findings = check_ocr_cells(cells, "2021")
    assert c.value is None
    assert [f.cells for f in findings if f.check == UNCERTAIN_CHECK] == [["rules.issued"]]


def test_confirmed_uncertain_cells_keep_their_reading(report):
    cells = copy.deepcopy(report.cells)
    c = _cell(cells, "requests", "granted", "natural_person")
    value = c.value
    c.confidence = 0.7  # low, but the row and column identities hold with it
    assert check_ocr_cells(cells, "2021") == []
    assert c.value == value and c.value_source == "ocr"


def test_text_layer_cells_are_untouched(report):
    cells = copy.deepcopy(report.cells)
    for c in cells:
        c.value_source = c.confidence = None
    assert check_ocr_cells(cells, "2021") == []
