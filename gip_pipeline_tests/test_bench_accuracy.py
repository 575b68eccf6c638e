"""`gip bench accuracy`: truth lookup, scoring and exit codes.

Scoring is tested with a stub parser returning fixed parse results (so each rule is
checked on its own), then end to end with the real parser on a pipe-text report
written here.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gip_pipeline.bench import accuracy, cli
from gip_pipeline.bench.truth import find_truth, load_truth, score
from gip_pipeline.metadata.schema import (ACTIVE_DISCLOSURE_COLUMNS, META_KEYS, REQUEST_APPLICANT_COLUMNS,
                                 REQUESTS, REVIEW_LITIGATION)

# ---------------------------------------------------------------- helpers


def result(cells, status="ok", findings=(), report=None, fmt="txt"):
    rep = {k: None for k in META_KEYS}
    rep.update(report or {})
    return {"file": "x", "sha256": "0", "format": fmt, "status": status, "reason": None,
            "report": rep,
            "cells": [{"table": t, "row": r, "col": c, "value": v, "raw": raw, "page": None}
                      for (t, r, c, v, raw) in cells],
            "findings": [{"check": f[0], "severity": f[1], "table": f[2], "message": "",
                          **({"cells": f[3]} if len(f) > 3 else {})}
                         for f in findings]}


def write_truth(path: Path, cells: dict, report=None, **extra) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    d = {"file": path.name, "report": report or {"year": 2023, "era": "2021"}, "cells": cells,
         "notes": []}
    d.update(extra)
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return path


def stub(results: dict[str, dict]):
    """A parser returning a fixed result per file name; raises for names mapped to an exception."""
    def parse(path: Path):
        r = results[path.name]
        if isinstance(r, Exception):
            raise r
        return r
    return parse


def run_cli(argv, parser):
    out = io.StringIO()
    import sys
    old = sys.stdout
    sys.stdout = out
    try:
        code = accuracy.main([str(a) for a in argv], parser=parser)
    finally:
        sys.stdout = old
    return code, out.getvalue()


TRUTH3 = {"requests": {"new_received": {"natural_person": 13, "total": 13},
                       "carried_over": {"total": 0}}}


@pytest.fixture
def truth_of(tmp_path):
    return lambda cells: load_truth(write_truth(tmp_path / "t.json", cells))


# ---------------------------------------------------------------- truth lookup


def test_truth_lookup_order_and_truth_dir(tmp_path):
    rep = tmp_path / "000_x.txt"
    rep.write_text("x")
    assert find_truth(rep) is None
    stem = write_truth(tmp_path / "000_x.truth.json", {})
    assert find_truth(rep) == stem
    beside = write_truth(tmp_path / "000_x.txt.truth.json", {})
    assert find_truth(rep) == beside
    sub = write_truth(tmp_path / "truth" / "000_x.txt.json", {})
    assert find_truth(rep) == sub
    other = write_truth(tmp_path / "elsewhere" / "000_x.txt.json", {})
    assert find_truth(rep, tmp_path / "elsewhere") == other


def test_truth_with_non_number_is_refused(tmp_path):
    p = write_truth(tmp_path / "a.json", {"requests": {"new_received": {"total": "13"}}})
    with pytest.raises(ValueError):
        load_truth(p)


# ---------------------------------------------------------------- scoring rules


def test_right_wrong_missing_and_silent_error(truth_of):
    t = truth_of(TRUTH3)
    s = score(result([("requests", "new_received", "natural_person", 13, "13"),
                      ("requests", "new_received", "total", 31, "31")]), t)
    assert (s.cells_scored, s.right, len(s.wrong), len(s.missing)) == (3, 1, 1, 1)
    assert s.wrong[0].key == "requests.new_received.total" and s.wrong[0].got == 31
    assert s.missing[0].key == "requests.carried_over.total"
    assert s.silent_error and not s.passed
    warned = score(result([("requests", "new_received", "total", 31, "31")], status="warning"), t)
    assert not warned.silent_error and not warned.passed


def test_all_right_passes(truth_of):
    t = truth_of(TRUTH3)
    s = score(result([("requests", "new_received", "natural_person", 13, "13"),
                      ("requests", "new_received", "total", 13.0, "13"),
                      ("requests", "carried_over", "total", 0, "0")]), t)
    assert (s.right, len(s.wrong), len(s.missing), s.passed) == (3, 0, 0, True)


def test_blank_is_not_zero_without_the_blanks_as_zero_finding(truth_of):
    t = truth_of({"requests": {"carried_over": {"total": 0, "natural_person": 0}}})
    cells = [("requests", "carried_over", "total", None, ""),
             ("requests", "carried_over", "natural_person", None, "—")]
    plain = score(result(cells), t)
    assert plain.right == 0 and len(plain.wrong) == 2 and plain.silent_error
    both = ["carried_over.total", "carried_over.natural_person"]
    ev = score(result(cells, findings=[("requests.blanks_as_zero", "info", "requests", both)]), t)
    # The blank counts by evidence; the dash never does (a dash is not a blank).
    assert (ev.right, ev.right_blank_zero, len(ev.wrong)) == (1, 1, 1)
    assert ev.wrong[0].raw == "—"
    other_table = score(result(cells, findings=[("x.blanks_as_zero", "info", "review_litigation",
                                                 both)]), t)
    assert other_table.right == 0


def test_blank_is_zero_only_where_the_finding_names_the_cell(truth_of):
    t = truth_of({"requests": {"carried_over": {"total": 0, "natural_person": 0}}})
    cells = [("requests", "carried_over", "total", None, ""),
             ("requests", "carried_over", "natural_person", None, "")]
    one = score(result(cells, findings=[("requests.blanks_as_zero", "info", "requests",
                                         ["carried_over.total"])]), t)
    assert (one.right, one.right_blank_zero, [w.key for w in one.wrong]) == \
        (1, 1, ["requests.carried_over.natural_person"])
    # A finding that names no cell proves none (the whole-table reading is gone).
    bare = score(result(cells, findings=[("requests.blanks_as_zero", "info", "requests")]), t)
    assert bare.right == 0 and len(bare.wrong) == 2


def test_synthetic_blank_cells_are_right_as_null_never_as_a_number(tmp_path):
    p = write_truth(tmp_path / "s.md.truth.json",
                    {"requests": {"carried_over": {"total": 0, "natural_person": 0, "other_org": 0}}},
                    blank_cells=[["requests", "carried_over", "total"],
                                 ["requests", "carried_over", "natural_person"]])
    t = load_truth(p)
    s = score(result([("requests", "carried_over", "total", None, ""),
                      ("requests", "carried_over", "natural_person", 5, "5"),
                      ("requests", "carried_over", "other_org", None, "")]), t)
    assert (s.right, s.right_blank_null) == (1, 1)
    assert sorted(w.key for w in s.wrong) == ["requests.carried_over.natural_person",
                                              "requests.carried_over.other_org"]


def test_blank_against_nonzero_truth_is_wrong_even_with_evidence(truth_of):
    t = truth_of({"requests": {"carried_over": {"total": 5}}})
    s = score(result([("requests", "carried_over", "total", None, "")],
                     findings=[("requests.blanks_as_zero", "info", "requests", ["carried_over.total"])]), t)
    assert len(s.wrong) == 1 and s.right == 0


def test_duplicate_cell_disagreeing_is_wrong(truth_of):
    t = truth_of({"requests": {"carried_over": {"total": 2}}})
    s = score(result([("requests", "carried_over", "total", 2, "2"),
                      ("requests", "carried_over", "total", 3, "3")]), t)
    assert s.right == 0 and len(s.wrong) == 1


def test_metadata_expected_status_and_findings(tmp_path):
    t = load_truth(write_truth(tmp_path / "t.json", {}, report={"year": 2023, "era": "2021",
                                                                "organ": "某局"},
                               expected_status="warning", expected_findings=["requests.balance"]))
    s = score(result([], status="ok", report={"year": 2023, "era": "2019", "organ": "某局"}), t)
    assert s.meta_right == 2 and s.meta_wrong == [("era", "2021", "2019")]
    assert s.status_mismatch and s.findings_missing == ["requests.balance"] and not s.passed
    s = score(result([], status="warning", findings=[("requests.balance", "error", "requests")],
                     report={"year": 2023, "era": "2021", "organ": "某局"}), t)
    assert s.passed and s.era == "2021"


def test_ambiguous_cells_null_right_other_number_wrong(tmp_path):
    cells = {"active_disclosure": {"rules": {"issued": 7, "repealed": 1, "in_force": 30}}}
    t = load_truth(write_truth(tmp_path / "t.json", cells, layout="glued", form="text",
                               ambiguous_cells=[["active_disclosure", "rules", c]
                                                for c in ("issued", "repealed", "in_force")]))
    s = score(result([("active_disclosure", "rules", "issued", None, "7130"),
                      ("active_disclosure", "rules", "repealed", 1, "1"),
                      ("active_disclosure", "rules", "in_force", 13, "7130")]), t)
    assert (s.right, s.right_ambiguous_null, len(s.wrong), s.wrong_numbers) == (2, 1, 1, 1)
    assert s.layout == "text/glued"


def test_wrong_numbers_counted_apart_from_nulls(truth_of):
    t = truth_of({"requests": {"carried_over": {"total": 2, "natural_person": 2}}})
    s = score(result([("requests", "carried_over", "total", None, ""),
                      ("requests", "carried_over", "natural_person", 3, "3")]), t)
    assert len(s.wrong) == 2 and s.wrong_numbers == 1 and s.silent_error


# ---------------------------------------------------------------- the command


def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    for name in ("a.txt", "b.md", "c.html", "README.md"):
        (d / name).write_text("x", encoding="utf-8")
    write_truth(d / "truth" / "a.txt.json", TRUTH3)
    write_truth(d / "b.md.truth.json", TRUTH3, report={"era": "2019"})
    write_truth(d / "c.truth.json", TRUTH3)
    return d


RIGHT = [("requests", "new_received", "natural_person", 13, "13"),
         ("requests", "new_received", "total", 13, "13"), ("requests", "carried_over", "total", 0, "0")]


def test_command_all_right_exits_zero_and_counts(tmp_path):
    d = corpus(tmp_path)
    parser = stub({"a.txt": result(RIGHT), "b.md": result(RIGHT, fmt="md"),
                   "c.html": result(RIGHT, fmt="html")})
    code, out = run_cli([d, "--json"], parser)
    j = json.loads(out)
    assert code == 0 and j["exit"] == 0
    assert j["totals"]["files"] == 3 and j["totals"]["cells_scored"] == 9 and j["totals"]["right"] == 9
    assert j["unscored"] == 1  # README.md has no truth
    assert set(j["by_format"]) == {"txt", "md", "html"} and set(j["by_era"]) == {"2021", "2019"}
    assert j["by_era"]["2019"]["files"] == 1 and j["by_layout"] == {}
    assert all(f["ms"] >= 0 for f in j["files"])


def test_command_one_wrong_value_exits_nonzero_and_reports_it(tmp_path):
    d = corpus(tmp_path)
    wrong = [RIGHT[0], ("requests", "new_received", "total", 14, "14"), RIGHT[2]]
    parser = stub({"a.txt": result(RIGHT), "b.md": result(wrong, fmt="md"),
                   "c.html": result(RIGHT[:2], status="warning", fmt="html")})
    code, out = run_cli([d, "--json"], parser)
    j = json.loads(out)
    assert code == 1
    t = j["totals"]
    assert (t["right"], t["wrong"], t["missing"], t["silent_errors"], t["passed"]) == (7, 1, 1, 1, 1)
    b = next(f for f in j["files"] if f["file"].endswith("b.md"))
    assert b["silent_error"] and b["wrong"] == [
        {"cell": "requests.new_received.total", "expected": 13, "got": 14, "raw": "14"}]
    code, text = run_cli([d], parser)
    assert code == 1 and "SILENT-ERROR" in text and "expected 13, got 14" in text
    assert "TOTAL" in text and "wrong 1" in text


def test_command_deliberately_wrong_truth_exits_nonzero(tmp_path):
    d = corpus(tmp_path)
    parser = stub({"a.txt": result(RIGHT), "b.md": result(RIGHT, fmt="md"),
                   "c.html": result(RIGHT, fmt="html")})
    assert run_cli([d], parser)[0] == 0
    bad = dict(TRUTH3, requests=dict(TRUTH3["requests"], carried_over={"total": 1}))
    write_truth(d / "c.truth.json", bad)
    code, out = run_cli([d], parser)
    assert code == 1 and "expected 1, got 0" in out


def test_command_list_of_files_truth_dir_crash_and_usage(tmp_path):
    d = corpus(tmp_path)
    tdir = tmp_path / "t"
    write_truth(tdir / "a.txt.json", TRUTH3)
    parser = stub({"a.txt": RuntimeError("boom")})
    code, out = run_cli([d / "a.txt", "--truth-dir", tdir, "--json"], parser)
    j = json.loads(out)
    assert code == 1 and j["totals"]["crashed"] == 1 and j["totals"]["missing"] == 3
    assert "RuntimeError: boom" in j["files"][0]["error"]
    assert run_cli([d / "README.md"], parser)[0] == 2  # nothing to score
    assert run_cli([tmp_path / "nope"], parser)[0] == 2
    assert run_cli([d, "--truth-dir", tmp_path / "nope"], parser)[0] == 2


def test_status_mismatch_alone_fails(tmp_path):
    d = tmp_path / "c"
    d.mkdir()
    (d / "blank.docx").write_bytes(b"x")
    write_truth(d / "truth" / "blank.docx.json", {}, report={}, expected_status="rejected")
    assert run_cli([d], stub({"blank.docx": result(RIGHT)}))[0] == 1
    assert run_cli([d], stub({"blank.docx": result([], status="rejected")}))[0] == 0


def test_bench_dispatcher():
    assert cli.main([]) == 2
    assert cli.main(["nope"]) == 2
    assert "accuracy" in cli.SUBCOMMANDS


# ---------------------------------------------------------------- end to end, real parser

def pipe_report(req: dict[str, list[int]], review: list[int]) -> str:
    """A simplified-Chinese pipe-text report in the seed's layout, labels from the schema."""
    lines = ["标题 | 某市某局2023年政府信息公开工作年度报告 |",
             "发布机构 | 某市某局 | 发布日期 | 2024-01-20 |",
             "某市某局2023年政府信息公开工作年度报告", "一、总体情况", "本机关依法做好政府信息公开工作。",
             "二、主动公开政府信息情况",
             "第二十条第（一）项 | |||", "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |",
             "规章 | 1 | 0 | 5 |", "行政规范性文件 | 2 | 1 | 9 |",
             "第二十条第（五）项 | |||", "信息内容 | 本年处理决定数量 | ||", "行政许可 | 7 | ||",
             "第二十条第（六）项 | |||", "信息内容 | 本年处理决定数量 | ||", "行政处罚 | 0 | ||",
             "行政强制 | 0 | ||", "第二十条第（八）项 | |||",
             "信息内容 | 本年收费金额（单位：万元） | ||", "行政事业性收费 | 0 |",
             "三、收到和处理政府信息公开申请情况",
             "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |",
             "自然人 | 法人或其他组织 | 总计 |",
             "商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |"]
    seen = set()
    for row in REQUESTS.rows_for("2021"):
        label = row.label
        if row.group and row.group not in seen:
            seen.add(row.group)
            label = f"{row.group} | {label}"
        lines.append(label + " | " + " | ".join(str(v) for v in req[row.key]) + " |")
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 | 行政诉讼 |",
              "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |",
              "结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |",
              " | ".join(str(v) for v in review) + " |",
              "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]
    return "\n".join(lines) + "\n"


def consistent_requests() -> dict[str, list[int]]:
    """Numbers satisfying every identity: 5 new + 1 carried = 5 handled + 1 forward."""
    zero = [0] * 7
    req = {r.key: list(zero) for r in REQUESTS.rows_for("2021")}
    def put(row, natural, commercial):
        req[row] = [natural, commercial, 0, 0, 0, 0, natural + commercial]
    put("new_received", 4, 1)
    put("carried_over", 1, 0)
    put("granted", 3, 1)
    put("unable_not_held", 1, 0)
    put("total_handled", 4, 1)
    put("carried_forward", 1, 0)
    return req


def test_end_to_end_real_parser_scores_and_catches_a_wrong_truth(tmp_path):
    pytest.importorskip("gip_pipeline.extraction.parse", reason="the parser has not landed yet")
    req = consistent_requests()
    review = [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    d = tmp_path / "c"
    d.mkdir()
    (d / "r.txt").write_text(pipe_report(req, review), encoding="utf-8")
    cells = {"requests": {row: dict(zip(REQUEST_APPLICANT_COLUMNS + ("total",), vals))
                          for row, vals in req.items()},
             "review_litigation": {r.key: dict(zip([c.key for c in REVIEW_LITIGATION.columns],
                                                   review[5 * i:5 * i + 5]))
                                   for i, r in enumerate(REVIEW_LITIGATION.rows)},
             "active_disclosure": {"rules": {"issued": 1, "repealed": 0, "in_force": 5},
                                   "administrative_licensing": {"decisions": 7}}}
    assert set(cells["active_disclosure"]) <= set(ACTIVE_DISCLOSURE_COLUMNS["2021"])
    write_truth(d / "r.txt.truth.json", cells, report={"year": 2023, "era": "2021"})
    code, out = run_cli([d, "--json"], None)
    j = json.loads(out)
    f = j["files"][0]
    assert code == 0, f
    assert f["cells_scored"] == 25 * 7 + 15 + 4 and f["right"] == f["cells_scored"]
    # One deliberately wrong truth value: the bench must say so and exit non-zero.
    cells["requests"]["granted"]["total"] = 5
    write_truth(d / "r.txt.truth.json", cells, report={"year": 2023, "era": "2021"})
    code, out = run_cli([d, "--json"], None)
    f = json.loads(out)["files"][0]
    assert code == 1 and f["wrong"] == [{"cell": "requests.granted.total", "expected": 5, "got": 4,
                                         "raw": "4"}]
    assert f["silent_error"] == (f["status"] == "ok")


def test_formats_option_scores_only_those_forms(tmp_path):
    d = corpus(tmp_path)
    parser = stub({"a.txt": result(RIGHT), "b.md": result(RIGHT, fmt="md"),
                   "c.html": result(RIGHT, fmt="html")})
    code, out = run_cli([d, "--json", "--formats", "md,html"], parser)
    j = json.loads(out)
    assert code == 0 and set(j["by_format"]) == {"md", "html"} and j["totals"]["files"] == 2
    # synthetic truth names its form: pipe text is told apart from crawler text
    write_truth(d / "truth" / "a.txt.json", TRUTH3, form="pipe")
    code, out = run_cli([d, "--json", "--formats", "txt"], parser)
    assert json.loads(out)["totals"]["files"] == 0 and code == 2


def test_consistent_blanks_count_as_zero_apart_from_proven_ones(truth_of):
    t = truth_of({"review_litigation": {"litigation_after_reconsideration": {"total": 0, "upheld": 0}}})
    cells = [("review_litigation", "litigation_after_reconsideration", "total", None, ""),
             ("review_litigation", "litigation_after_reconsideration", "upheld", None, "")]
    s = score(result(cells, findings=[
        ("review_litigation.blanks_as_zero", "info", "review_litigation",
         ["litigation_after_reconsideration.total"]),
        ("review_litigation.blanks_as_zero_consistent", "info", "review_litigation",
         ["litigation_after_reconsideration.upheld"])]), t)
    assert (s.right, s.right_blank_zero, s.right_blank_zero_consistent) == (2, 2, 1)
    # a check named for another table, or a look-alike name, is no evidence
    s = score(result(cells, findings=[
        ("requests.blanks_as_zero", "info", "review_litigation",
         ["litigation_after_reconsideration.total"]),
        ("review_litigation.blanks_as_zero_guess", "info", "review_litigation",
         ["litigation_after_reconsideration.upheld"])]), t)
    assert s.right == 0
