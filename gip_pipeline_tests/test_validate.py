"""Identities: passing, failing (with the numbers), not assessable, blanks-as-zero, non-negativity."""

from gip_pipeline.metadata import schema
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
    # the disagreeing cells, for a program (findings.cells): both sides of the instance
    assert bal[0].cells == ["new_received.total", "carried_over.total", "total_handled.total",
                            "carried_forward.total"]
    assert bal[0].to_dict()["cells"] == bal[0].cells
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


def _bz(fs, table="requests"):
    got = [f for f in fs if f.check == f"{table}.blanks_as_zero"]
    assert len(got) <= 1
    return got[0] if got else None


def test_blanks_as_zero_evidence_lists_each_proven_cell_without_writing_zeros():
    vals = default_requests()
    vals["carried_over"] = ["", "", "", "", "", "", ""]
    vals["denied_state_secret"] = ["0", "", "", "0", "0", "0", "0"]
    cells = report_cells(requests=vals)
    fs = validate(cells, "2021")
    bz = _bz(fs)
    assert bz is not None and bz.severity == "info" and bz.message.startswith("9 of 9 blank cells")
    assert sorted(bz.cells) == sorted([f"carried_over.{c}" for c in REQ_COLS]
                                      + ["denied_state_secret.commercial_enterprise",
                                         "denied_state_secret.research_institution"])
    assert all(c.value is None for c in cells if c.raw == "")
    # the JSON carries the list; findings without one keep their old shape
    assert bz.to_dict()["cells"] == bz.cells
    assert "cells" not in next(f for f in fs if f is not bz).to_dict()


def test_blank_forced_to_a_non_zero_value_is_not_zero_but_the_rest_are():
    # Shanghai 2019: zeros printed blank, and granted.total blank although the row is 2 + 1.
    vals = default_requests()
    vals["granted"] = ["2", "1", "", "", "", "", ""]
    vals["carried_forward"] = ["", "", "", "", "", "", ""]
    fs = validate(report_cells(requests=vals), "2021")
    bz = _bz(fs)
    assert "granted.total" not in bz.cells
    assert {"granted.research_institution", "granted.other_org", "carried_forward.total"} <= set(bz.cells)
    assert "granted.total=3" in bz.message
    assert len(bz.cells) == 4 + 7
    # the report is incomplete: a printed row proves its blank total is 3, kept null, flagged
    hidden = [f for f in bad(fs) if f.check == "requests.blanks_hide_values"]
    assert len(bad(fs)) == len(hidden) == 1 and hidden[0].severity == "warning"
    assert "requests.outcomes for total: blank granted.total must hold 3" in hidden[0].message
    assert hidden[0].cells == ["granted.total"]


def test_blanks_not_forced_are_not_listed():
    # Two blanks in one row whose printed part falls short: neither is determined.
    vals = default_requests()
    vals["granted"] = ["", "", "0", "0", "0", "0", "3"]
    vals["new_received"] = ["", "", "0", "0", "0", "0", "5"]
    vals["total_handled"] = ["", "", "0", "0", "0", "0", "5"]
    fs = validate(report_cells(requests=vals), "2021")
    assert _bz(fs) is None
    # neither blank is determined, but together they must hold 3 (and 5): not a clean report
    hidden = [f for f in bad(fs) if f.check == "requests.blanks_hide_values"]
    assert len(bad(fs)) == len(hidden) == 1
    assert "blank granted.natural_person, granted.commercial_enterprise must hold 3" in hidden[0].message


def test_blanks_that_may_all_be_zero_are_not_flagged():
    vals = default_requests()
    vals["granted"] = ["2", "1", "", "0", "0", "0", "3"]  # the blank can only be 0
    vals["carried_forward"] = ["", "", "", "", "", "", ""]  # a blank row: 0 = 0
    assert bad(validate(report_cells(requests=vals), "2021")) == []


def test_blanks_on_the_larger_side_make_a_broken_identity():
    # 5 + 1 printed against a total of 3: no non-negative blank can fix it.
    vals = default_requests()
    vals["granted"] = ["5", "1", "", "0", "0", "0", "3"]
    fs = validate(report_cells(requests=vals), "2021")
    rt = [f for f in fs if f.check == "requests.row_total"]
    assert len(rt) == 1 and rt[0].severity == "error" and "row granted" in rt[0].message
    assert "6" in rt[0].message and "3" in rt[0].message


def test_blanks_that_break_an_identity_get_no_blanks_as_zero_finding():
    vals = default_requests()
    vals["granted"] = ["2", "1", "0", "0", "0", "0", ""]  # total printed empty: zero would not add up
    fs = validate(report_cells(requests=vals), "2021")
    assert not any(f.check.endswith("blanks_as_zero") for f in fs)
    assert any(f.check == "requests.row_total.not_assessable" for f in fs)


def test_identity_instances_statuses():
    from gip_pipeline.extraction.validate import identity_instances

    vals = default_requests()
    vals["granted"] = ["2", "1", "0", "0", "0", "0", "4"]
    vals["carried_over"][6] = ""
    values = {(c.table, c.row, c.col): c.value for c in report_cells(requests=vals)}
    insts = list(identity_instances(values, "2021"))
    by = {(i.check, i.key): i for i in insts}
    g = by[("requests.row_total", "granted")]
    assert (g.status, g.left, g.right) == ("broken", 4, 3)
    assert g.left_terms == (("requests", "granted", "total"),)
    assert by[("requests.balance", "total")].status == "not_assessable"
    assert by[("requests.balance", "natural_person")].status == "holds"
    assert by[("review_litigation.row_total", "reconsideration")].status == "holds"
    # optional 小计 identity absent where the column is not printed
    assert not any(i.check == "requests.legal_person_subtotal" for i in insts)
    assert list(identity_instances(values, "legacy")) == []


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
    # no phantom row findings on the sub-rows the report does not print
    assert bad(fs) == []
    assert not any("other_no_correction" in f.message or "other_unpaid_fee" in f.message for f in fs)


def test_2021_single_other_handling_row_total_is_checked():
    vals = default_requests()
    for k in schema.OTHER_ROWS_2021:
        vals.pop(k)
    vals["other_handling"] = ["1", "0", "0", "0", "0", "0", "2"]
    fs = validate(report_cells(requests=vals), "2021")
    assert any(f.check == "requests.row_total" and "row other_handling" in f.message for f in fs)


# ------------------------------------------------- blanks consistent with zero (weaker evidence)

RL_ROWS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")


def _cz(fs, table="review_litigation"):
    got = [f for f in fs if f.check == f"{table}.blanks_as_zero_consistent"]
    assert len(got) <= 1
    return got[0] if got else None


def test_wholly_blank_row_is_consistent_with_zero_not_proven():
    # Shanghai 2019's 复议后起诉 row: all five cells blank, total included. No identity forces
    # them, but the row total holds as 0 = 0: consistent, recorded apart from the proof.
    rl = ["1", "0", "0", "0", "1"] + ["2", "", "", "0", "2"] + [""] * 5
    cells = report_cells(rl=rl)
    fs = validate(cells, "2021")
    bz, cz = _bz(fs, "review_litigation"), _cz(fs)
    assert sorted(bz.cells) == ["litigation_direct.corrected", "litigation_direct.other"]
    assert cz is not None and cz.severity == "info"
    assert cz.cells == [f"litigation_after_reconsideration.{c}"
                        for c in ("upheld", "corrected", "other", "pending", "total")]
    assert not set(cz.cells) & set(bz.cells)
    assert cz.to_dict()["cells"] == cz.cells
    assert all(c.value is None for c in cells if c.raw == "")  # nothing written
    assert bad(fs) == []


def test_blank_forced_non_zero_is_never_consistent_with_zero():
    # granted.total blank next to 2 + 1: reading it as 0 breaks its row; it is forced to 3.
    vals = default_requests()
    vals["granted"] = ["2", "1", "", "", "", "", ""]
    fs = validate(report_cells(requests=vals, rl=["1", "0", "0", "0", "1"] + [""] * 10), "2021")
    assert "granted.total" not in (_bz(fs).cells + (_cz(fs, "requests") or _bz(fs)).cells)
    cz = _cz(fs)
    assert len(cz.cells) == 10  # both blank section 四 rows, each 0 = 0
    assert _cz(fs, "requests") is None  # every requests blank other than the total is proven


def test_blanks_not_consistent_when_zero_breaks_a_row_or_a_term_is_a_dash():
    # pending 2 printed, the rest blank (blanks on both sides: nothing forced): zero breaks
    # the row; a dash is missing, not a number, so its row cannot hold.
    rl = ["1", "0", "0", "0", "1"] + ["", "", "", "2", ""] + ["", "", "—", "", ""]
    fs = validate(report_cells(rl=rl), "2021")
    assert _cz(fs) is None and _bz(fs, "review_litigation") is None
    # the same rows without the 2 and the dash are consistent with zero
    fs = validate(report_cells(rl=["1", "0", "0", "0", "1"] + [""] * 10), "2021")
    assert len(_cz(fs).cells) == 10


def test_blank_in_a_row_with_two_open_blanks_that_cannot_both_be_zero():
    # upheld blank, total blank, corrected 1: reading the blanks as 0 gives 0 != 1.
    rl = ["1", "0", "0", "0", "1"] * 2 + ["", "1", "0", "0", ""]
    fs = validate(report_cells(rl=rl), "2021")
    assert _cz(fs) is None and _bz(fs, "review_litigation") is None


def _truth(tmp_path, truth_cells):
    import json

    from gip_pipeline.bench.truth import load_truth
    p = tmp_path / "x.html.json"
    p.write_text(json.dumps({"file": "x.html", "report": {}, "cells": truth_cells}))
    return load_truth(p)


def test_bench_scores_both_evidence_classes_and_keeps_them_apart(tmp_path):
    # The bench reads a blank as 0 where either finding lists the cell; the two checks differ.
    from gip_pipeline.bench.truth import score
    from gip_pipeline.extraction.result import ParseResult

    rl = ["1", "0", "0", "0", "1"] + ["2", "", "", "0", "2"] + [""] * 5
    cells = report_cells(rl=rl)
    res = ParseResult(file="x.html", sha256="0" * 64, format="html", report={"era": "2021"},
                      cells=cells, findings=validate(cells, "2021")).to_dict()
    truth_cells = {"review_litigation": {r: {c: 0 for c in ("corrected", "other", "total")}
                                         for r in RL_ROWS[1:]}}
    truth_cells["review_litigation"]["litigation_direct"]["total"] = 2
    truth = _truth(tmp_path, truth_cells)
    s = score(res, truth)
    assert s.wrong == [] and s.missing == [] and s.right == 6
    assert s.right_blank_zero == 5  # 2 proven + 3 consistent
    checks = {f["check"] for f in res["findings"] if f.get("cells")}
    assert checks == {"review_litigation.blanks_as_zero", "review_litigation.blanks_as_zero_consistent"}
    # without the weaker finding the wholly blank row is not read as zero
    res["findings"] = [f for f in res["findings"] if not f["check"].endswith("_consistent")]
    assert len(score(res, truth).wrong) == 3
