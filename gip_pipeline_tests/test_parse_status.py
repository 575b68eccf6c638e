"""Status from findings: any error or warning makes `warning`; info findings never change it."""

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.parse import parse_bytes
from gip_pipeline_tests.test_glued import glue, requests_text, review_text


def _zero_table(era):
    vals = {r.key: (0,) * 7 for r in schema.REQUESTS.rows_for(era)}
    for r in ("new_received", "total_handled", "granted"):
        vals[r] = (11, 0, 0, 0, 0, 0, 11)
    return vals


def _report(fmt) -> bytes:
    title = "某某县人民政府2023年政府信息公开工作年度报告"
    text = (f"{title}\n一、总体情况 正文。\n" + requests_text(_zero_table("2021"), "2021", fmt)
            + "\n" + review_text([1, 0, 0, 0, 1] + [0] * 10) + "\n")
    return text.encode()


def test_glued_ambiguous_warning_makes_status_warning():
    # Three rows glue `110000011` (11,0,0,0,0,0,11 or 1,10,0,0,0,0,11): nothing decides.
    fmt = {r: "110000011" for r in ("new_received", "total_handled", "granted")}
    res = parse_bytes(_report(lambda k, v: fmt.get(k, glue(v))), "r.txt")
    assert any(f.check == "glued.ambiguous" and f.severity == "warning" for f in res.findings)
    assert res.status == "warning"


def test_info_findings_alone_leave_status_ok():
    from gip_pipeline_tests.test_recognize import default_requests, pipe_text

    vals = default_requests()
    vals["carried_over"] = ["0", "", "0", "0", "0", "0", "0"]  # a zero printed blank: info, not a problem
    res = parse_bytes(pipe_text(requests=vals).encode(), "r.txt")
    assert any(f.check == "requests.blanks_as_zero" for f in res.findings)
    assert all(f.severity == "info" for f in res.findings), [f for f in res.findings if f.severity != "info"]
    assert res.status == "ok"
