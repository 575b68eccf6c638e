"""Identities: passing, failing (with the numbers), not assessable, blanks-as-zero, non-negativity."""

from gip_pipeline import schema
from gip_pipeline.extraction.result import CellValue
from gip_pipeline.extraction.validate import validate
from gip_pipeline_tests.test_recognize import REQ_COLS, default_requests


def report_cells(era="2021", requests=None, rl=None):
    cells = []
    for row, vals in (requests or default_requests(era)).items():
        for col, raw in zip(REQ_COLS, vals):
            v = int(raw) if raw.strip().lstrip("-").isdigit() else None
            cells.append(CellValue("requests", row, col, v, raw))
    rl = rl or ["1", "0", "0", "0", "1"] + ["0"] * 10
    k = 0
    for r in ("reconsideration", "litigation_direct", "litigation_after_reconsideration"):
        for c in ("upheld", "corrected", "other", "pending", "total"):
            raw = rl[k]
            cells.append(CellValue("review_litigation", r, c, int(raw) if raw.isdigit() else None, raw))
            k += 1
    return cells


def bad(findings):
    return [f for f in findings if f.severity in ("error", "warning")]


def test_consistent_report_has_no_errors_in_both_eras():
    for era in ("2021", "2019"):
        fs = validate(report_cells(era), era)
        assert bad(fs) == [], fs
        assert not any(f.check.endswith("not_assessable") for f in fs)


def test_balance_failure_message_has_terms_and_numbers():
    vals = default_requests()
    vals["total_handled"] = ["4", "1", "0", "0", "0", "0", "4"]
    fs = validate(report_cells(requests=vals), "2021")
    bal = [f for f in fs if f.check == "requests.balance"]
    assert len(bal) == 1 and bal[0].severity == "error"
    assert bal[0].message == ("new_received + carried_over != total_handled + carried_forward "
                              "for column total: 5 + 0 != 4 + 0")
    # the same cell breaks the outcome sum and the row total too
    assert any(f.check == "requests.outcomes" and "column total" in f.message for f in fs)
    assert any(f.check == "requests.row_total" and "row total_handled" in f.message for f in fs)


def test_review_litigation_row_total():
    fs = validate(report_cells(rl=["10", "1", "0", "0", "0"] + ["0"] * 10), "2021")
    rt = [f for f in fs if f.check == "review_litigation.row_total"]
    assert len(rt) == 1
    assert rt[0].message == ("total != upheld + corrected + other + pending for row reconsideration: "
                             "0 != 10 + 1 + 0 + 0")


def test_missing_term_is_not_assessable_never_passed():
    vals = default_requests()
    vals["carried_forward"] = ["0", "0", "0", "0", "0", "0", "—"]
    fs = validate(report_cells(requests=vals), "2021")
    na = [f for f in fs if f.check == "requests.balance.not_assessable"]
    assert len(na) == 1 and na[0].severity == "info" and "total" in na[0].message
    assert not any(f.check == "requests.balance" for f in fs)
    assert not any(f.check.endswith("blanks_as_zero") for f in fs)  # a dash is not a blank


def test_blanks_as_zero_evidence_reported_once_without_writing_zeros():
    vals = default_requests()
    vals["carried_over"] = ["", "", "", "", "", "", ""]
    vals["denied_state_secret"] = ["0", "", "", "0", "0", "0", "0"]
    cells = report_cells(requests=vals)
    fs = validate(cells, "2021")
    bz = [f for f in fs if f.check == "requests.blanks_as_zero"]
    assert len(bz) == 1 and bz[0].severity == "info" and bz[0].message.startswith("9 cells")
    assert all(c.value is None for c in cells if c.raw == "")


def test_blanks_that_break_an_identity_get_no_blanks_as_zero_finding():
    vals = default_requests()
    vals["granted"] = ["2", "1", "0", "0", "0", "0", ""]  # total printed empty: zero would not add up
    fs = validate(report_cells(requests=vals), "2021")
    assert not any(f.check.endswith("blanks_as_zero") for f in fs)
    assert any(f.check == "requests.row_total.not_assessable" for f in fs)


def test_subtotal_identity_only_where_printed():
    cells = report_cells()
    assert not any("legal_person_subtotal" in f.check for f in validate(cells, "2021"))
    cells.append(CellValue("requests", "new_received", "legal_person_subtotal", 2, "2"))
    fs = validate(cells, "2021")
    assert any(f.check == "requests.legal_person_subtotal" and "2 != 1" in f.message for f in fs)


def test_non_negative_except_net_change():
    cells = report_cells()
    cells.append(CellValue("active_disclosure", "rules", "issued", None, "-3"))
    cells.append(CellValue("active_disclosure", "administrative_licensing", "net_change", -2, "-2"))
    fs = [f for f in validate(cells, "2019") if f.check.endswith("non_negative")]
    assert len(fs) == 1 and "rules/issued" in fs[0].message and fs[0].severity == "error"


def test_2021_single_other_handling_row_stands_for_the_three_sub_rows():
    vals = default_requests()
    for k in schema.OTHER_ROWS_2021:
        vals.pop(k)
    vals["other_handling"] = ["1", "0", "0", "0", "0", "0", "1"]
    fs = validate(report_cells(requests=vals), "2021")
    assert not any(f.check.startswith("requests.outcomes") for f in fs)
