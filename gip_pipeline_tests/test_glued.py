"""decode_glued: crawler text whose table cells lost their separators.

Fixtures are built here from schema labels and values that satisfy the identities, then
glued the way crawlers glue them. An independent brute-force oracle (itertools) says how
many splits a row's own identity allows, so the decoder is checked in both directions:
it decodes what is decidable and never returns a value that differs from the truth.
"""

from __future__ import annotations

import functools
import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.glued import decode_glued, detect_era
from gip_pipeline.extraction.normalize import normalize_text
from gip_pipeline_tests.conftest import real_file, real_truth

REQ = schema.REQUESTS
RL = schema.REVIEW_LITIGATION
APPL = schema.REQUEST_APPLICANT_COLUMNS
REQ_COLS = schema.row_columns("requests", "2021", "new_received")  # the 7 printed columns


# ---------------------------------------------------------------- fixture builders


def _with_total(six):
    return tuple(six) + (sum(six),)


def valid_requests(era: str, rng: random.Random, big: bool = False) -> dict[str, tuple[int, ...]]:
    """Request rows satisfying row_total, balance and outcomes (built, not hand-typed)."""
    hi = 250 if big else 40

    def six():
        return [rng.choice([0, 0, 0, rng.randint(0, hi)]) for _ in APPL]

    vals = {r: _with_total(six()) for r in schema.OUTCOME_ROWS[era]}
    handled = tuple(sum(vals[r][i] for r in schema.OUTCOME_ROWS[era]) for i in range(7))
    forward = _with_total(six())
    over6 = [rng.randint(0, handled[i] + forward[i]) for i in range(6)]
    new6 = [handled[i] + forward[i] - over6[i] for i in range(6)]
    vals.update(total_handled=handled, carried_forward=forward,
                carried_over=_with_total(over6), new_received=_with_total(new6))
    return vals


def glue(vals) -> str:
    return "".join(str(v) for v in vals)


def glued(_key, vals) -> str:
    return glue(vals)


def requests_text(vals, era: str, fmt=glued, rows=None) -> str:
    """Section 三 as a crawler prints it: labels, then digits glued to the next label."""
    out = [f"{REQ.section}、{REQ.title} 申请人情况 "
           + " ".join(schema.column_def("requests", c).label for c in REQ_COLS) + " "]
    group = None
    for row in REQ.rows_for(era):
        if rows is not None and row.key not in rows:
            continue
        if row.group and row.group != group:
            out.append(row.group + " ")
        group = row.group
        out.append(row.label + " " + fmt(row.key, vals[row.key]))
    return "".join(out) + " 五、存在的主要问题及改进情况 无。"


def review_text(vals15: list[int], fmt=glued) -> str:
    cols = " ".join(c.label for c in RL.columns)
    r0, r1, r2 = RL.rows
    return (f"{RL.section}、{RL.title}{r0.label} {r1.group} {cols} {r1.label} {r2.label} {cols} {cols} "
            f"{fmt(None, vals15)} 五、存在的主要问题")


def cells_of(result, table=None):
    return {(c.table, c.row, c.col): c for c in result.cells if table in (None, c.table)}


@functools.lru_cache(maxsize=None)
def oracle_row_splits(digits: str) -> list[tuple[int, ...]]:
    """All splits of a fully glued row into 7 numbers with total = sum of the six."""
    out = []
    for cuts in itertools.combinations(range(1, len(digits)), 6):
        parts = [digits[a:b] for a, b in zip((0,) + cuts, cuts + (len(digits),))]
        if any(len(p) > 1 and p[0] == "0" for p in parts):
            continue
        v = tuple(int(p) for p in parts)
        if v[6] == sum(v[:6]):
            out.append(v)
    return out


# ---------------------------------------------------------------- requests


def test_glued_2021_table_decodes_exactly():
    rng = random.Random(7)
    vals = valid_requests("2021", rng)
    vals["new_received"] = (71, 3, 0, 0, 0, 0, 74)  # the Pingtan shape, kept balanced below
    vals["carried_over"] = tuple(h + f - n for h, f, n in
                                 zip(vals["total_handled"], vals["carried_forward"], vals["new_received"]))
    if min(vals["carried_over"]) < 0:  # rebalance the other way round
        vals["carried_over"] = (0,) * 7
        vals["new_received"] = tuple(h + f for h, f in zip(vals["total_handled"], vals["carried_forward"]))
    text = requests_text(vals, "2021", lambda k, v: glue(v))
    res = decode_glued(text, "2021")
    assert res is not None and res.era == "2021"
    got = cells_of(res, "requests")
    assert len(got) == len(REQ.rows_for("2021")) * 7
    for row, v in vals.items():
        for col, x in zip(REQ_COLS, v):
            c = got[("requests", row, col)]
            assert c.value == x, (row, col, c)
            assert c.raw == str(x) and c.page is None
    assert any(f.check == "glued.decoded" and "new_received" in f.message for f in res.findings)
    assert not [f for f in res.findings if f.severity != "info"]


def test_normalised_text_with_ascii_brackets_decodes_the_same():
    vals = valid_requests("2021", random.Random(21))
    text = normalize_text(requests_text(vals, "2021"))
    assert "(一)予以公开" in text  # full-width brackets folded by normalize_text
    got = cells_of(decode_glued(text, "2021"), "requests")
    for row, v in vals.items():
        decoded = tuple(got[("requests", row, c)].value for c in REQ_COLS)
        assert decoded == v or (decoded == (None,) * 7 and len(oracle_row_splits(glue(v))) > 1), row


def test_numbering_digit_of_next_label_is_not_taken_as_a_cell():
    # '...0000002.其他法律...': the trailing '2.' is the next row's numbering.
    vals = valid_requests("2021", random.Random(3))
    vals["denied_state_secret"] = (0,) * 7
    text = requests_text(vals, "2021")
    assert "00000002.其他法律行政法规禁止公开" in text
    res = decode_glued(text, "2021")
    got = cells_of(res, "requests")
    assert [got[("requests", "denied_state_secret", c)].value for c in REQ_COLS] == [0] * 7
    assert [got[("requests", "denied_prohibited_by_law", c)].value for c in REQ_COLS] == \
        list(vals["denied_prohibited_by_law"])


def test_irregular_spacing_2019_is_respected():
    vals = valid_requests("2019", random.Random(11))
    vals["new_received"] = (20, 0, 0, 0, 0, 1, 21)
    vals["carried_over"] = (0,) * 7
    vals["total_handled"] = (20, 0, 0, 0, 0, 1, 21)
    vals["carried_forward"] = (0,) * 7
    for r in schema.OUTCOME_ROWS["2019"]:
        vals[r] = (0,) * 7
    vals["granted"] = (14, 0, 0, 0, 0, 1, 15)
    vals["other_handling"] = (6, 0, 0, 0, 0, 0, 6)
    spaced = {"new_received": "200 000121", "total_handled": "20 0 00 0 121",
              "carried_forward": "0 0 00 00 0", "other_handling": "6 0 0 0 0 0 6"}
    text = requests_text(vals, "2019", lambda k, v: spaced.get(k, glue(v)))
    assert "200 000121" in text and "20 0 00 0 121" in text
    res = decode_glued(text, "2019")
    got = cells_of(res, "requests")
    for row, v in vals.items():
        assert tuple(got[("requests", row, c)].value for c in REQ_COLS) == v, row
    # a row printed with exactly one separator per cell is taken as printed, no decoding finding
    assert not any("other_handling" in f.message for f in res.findings)
    assert got[("requests", "total_handled", "total")].raw == "21"


def test_ambiguous_row_is_null_with_warning():
    # '110000011' is 11,0,0,0,0,0,11 or 1,10,0,0,0,0,11: both satisfy the row total.
    assert len(oracle_row_splits("110000011")) == 2
    text = requests_text({"new_received": None}, "2021", lambda k, v: "110000011", rows={"new_received"})
    res = decode_glued(text, "2021")
    row = [c for c in res.cells if c.row == "new_received"]
    assert len(row) == 7 and all(c.value is None and c.raw == "110000011" for c in row)
    warn = [f for f in res.findings if f.check == "glued.ambiguous"]
    assert len(warn) == 1 and warn[0].severity == "warning" and "new_received" in warn[0].message


def test_no_valid_split_is_null_with_warning():
    assert oracle_row_splits("10000019") == []
    text = requests_text({"new_received": None}, "2021", lambda k, v: "10000019", rows={"new_received"})
    res = decode_glued(text, "2021")
    row = [c for c in res.cells if c.row == "new_received"]
    assert row and all(c.value is None and c.raw == "10000019" for c in row)
    assert any(f.check == "glued.ambiguous" and "no split" in f.message for f in res.findings)


def test_seven_digits_for_seven_cells_are_taken_even_if_the_row_total_fails():
    # Only one split exists at all; the printed (wrong) total must reach the validator.
    text = requests_text({"new_received": None}, "2021", lambda k, v: "6000018", rows={"new_received"})
    res = decode_glued(text, "2021")
    assert [c.value for c in res.cells if c.row == "new_received"] == [6, 0, 0, 0, 0, 1, 8]


def _zero_table(era):
    return {r.key: (0,) * 7 for r in REQ.rows_for(era)}


def test_cross_row_identity_resolves_an_ambiguous_row():
    vals = _zero_table("2021")
    for r in ("new_received", "total_handled", "granted"):
        vals[r] = (11, 0, 0, 0, 0, 0, 11)
    fmt = {"new_received": "110000011", "granted": "11 0 0 0 0 0 11", "total_handled": "11 0 0 0 0 0 11"}
    res = decode_glued(requests_text(vals, "2021", lambda k, v: fmt.get(k, glue(v))), "2021")
    got = cells_of(res, "requests")
    assert tuple(got[("requests", "new_received", c)].value for c in REQ_COLS) == vals["new_received"]
    f = [f for f in res.findings if f.check == "glued.decoded" and "new_received" in f.message]
    assert f and "requests.balance" in f[0].message


def test_jointly_ambiguous_rows_stay_null():
    # Same digits in three rows, both splits keep every identity: nothing decides.
    vals = _zero_table("2021")
    fmt = {r: "110000011" for r in ("new_received", "total_handled", "granted")}
    res = decode_glued(requests_text(vals, "2021", lambda k, v: fmt.get(k, glue(v))), "2021")
    got = cells_of(res, "requests")
    for r in fmt:
        assert all(got[("requests", r, c)].value is None for c in REQ_COLS), r
    assert sum(f.check == "glued.ambiguous" for f in res.findings) == 3


def test_publisher_error_neither_blocks_unique_rows_nor_forces_ambiguous_ones():
    # Outcomes print 26+ while 总计 says 20: the identity is broken whatever the split.
    vals = _zero_table("2019")
    vals.update(new_received=(20, 0, 0, 0, 0, 1, 21), total_handled=(20, 0, 0, 0, 0, 1, 21),
                granted=(6, 0, 0, 0, 0, 1, 7), partially_granted=(6, 0, 0, 0, 0, 0, 6),
                unable_not_held=(4, 0, 0, 0, 0, 0, 4), other_handling=(4, 0, 0, 0, 0, 0, 4))
    fmt = {"not_processed_repeat": "110000011"}  # ambiguous on its own
    res = decode_glued(requests_text(vals, "2019", lambda k, v: fmt.get(k, glue(v))), "2019")
    got = cells_of(res, "requests")
    assert tuple(got[("requests", "total_handled", c)].value for c in REQ_COLS) == (20, 0, 0, 0, 0, 1, 21)
    assert tuple(got[("requests", "granted", c)].value for c in REQ_COLS) == (6, 0, 0, 0, 0, 1, 7)
    assert all(got[("requests", "not_processed_repeat", c)].value is None for c in REQ_COLS)
    assert any(f.check == "glued.identity_unusable" and "requests.outcomes" in f.message
               for f in res.findings)


def test_unique_split_chosen_by_outcomes_is_taken():
    # The same ambiguous row, now the only unknown of a consistent table: one split fits.
    vals = _zero_table("2019")
    vals.update(new_received=(11, 0, 0, 0, 0, 0, 11), total_handled=(11, 0, 0, 0, 0, 0, 11),
                not_processed_repeat=(11, 0, 0, 0, 0, 0, 11))
    fmt = {"not_processed_repeat": "110000011", "new_received": "11 0 0 0 0 0 11"}
    res = decode_glued(requests_text(vals, "2019", lambda k, v: fmt.get(k, glue(v))), "2019")
    got = cells_of(res, "requests")
    assert tuple(got[("requests", "not_processed_repeat", c)].value for c in REQ_COLS) == (11, 0, 0, 0, 0, 0, 11)


def test_long_row_decodes_without_blowing_up():
    v = (123456, 234567, 0, 0, 0, 1, 358024)
    digits = glue(v)
    assert len(digits) >= 18
    text = requests_text({"new_received": v}, "2021", rows={"new_received"})
    res = decode_glued(text, "2021")
    vals = tuple(c.value for c in res.cells if c.row == "new_received")
    want = v if len(oracle_row_splits(digits)) == 1 else (None,) * 7
    assert vals == want


def test_label_typos_and_spacing_are_tolerated():
    vals = valid_requests("2021", random.Random(5))
    text = requests_text(vals, "2021")
    text = text.replace("其他法律行政法规禁止公开", "其他法律行政法规禁止公卡")  # one wrong character
    text = text.replace("无正当理由大量反复申请", "无正当理由大量反复 申请")  # a stray space
    text = text.replace("“三安全一稳定”", '"三安全一稳定"')  # ASCII quotes
    res = decode_glued(text, "2021")
    got = cells_of(res, "requests")
    for row in ("denied_prohibited_by_law", "not_processed_excessive", "denied_security_stability"):
        assert ("requests", row, "total") in got, row
    for (t, row, col), c in got.items():
        if c.value is not None:
            assert c.value == vals[row][REQ_COLS.index(col)]


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), era=st.sampled_from(schema.TABLE_ERAS), big=st.booleans())
def test_property_glued_tables_never_decode_wrong(seed, era, big):
    vals = valid_requests(era, random.Random(seed), big)
    res = decode_glued(requests_text(vals, era), era)
    got = cells_of(res, "requests")
    ambiguous = " ".join(f.message for f in res.findings if f.check == "glued.ambiguous")
    for row, v in vals.items():
        decoded = tuple(got[("requests", row, c)].value for c in REQ_COLS)
        if decoded == (None,) * 7:
            assert f"requests.{row}:" in ambiguous  # every null row says why
            assert len(oracle_row_splits(glue(v))) > 1  # ...and was not decidable on its own
        else:
            assert decoded == v, row  # never a wrong number
        if len(oracle_row_splits(glue(v))) == 1:
            assert decoded == v, row  # decidable rows are decoded


@pytest.mark.parametrize("seed", range(8))
def test_subtotal_column_in_header_means_eight_cells(seed):
    sub = schema.OPTIONAL_COLUMNS["requests"][0]
    all_cols = tuple(c.key for c in REQ.columns)
    vals7 = valid_requests("2021", random.Random(seed))
    vals = {}
    for row, v in vals7.items():
        d = dict(zip(REQ_COLS, v))
        d[sub] = sum(d[c] for c in schema.REQUEST_ORG_COLUMNS)
        vals[row] = tuple(d[c] for c in all_cols)
    text = requests_text(vals, "2021")
    header_end = text.index(REQ.rows[0].label)
    text = text[:header_end] + schema.column_def("requests", sub).label + " " + text[header_end:]
    res = decode_glued(text, "2021")
    got = cells_of(res, "requests")
    for row, v in vals.items():
        decoded = tuple(got[("requests", row, c)].value for c in all_cols)
        assert decoded == v or decoded == (None,) * 8, row  # never a wrong number
    assert sum(got[("requests", r, "total")].value is not None for r in vals) >= len(vals) // 2


# ---------------------------------------------------------------- section 四 and 二


def _review_vals(rng):
    out = []
    for _ in RL.rows:
        four = [rng.choice([0, rng.randint(0, 12)]) for _ in range(4)]
        out += four + [sum(four)]
    return out


def test_review_space_separated_and_glued():
    vals = [0, 1, 1, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    res = decode_glued(review_text(vals, lambda k, v: " ".join(map(str, v))), "2021")
    got = cells_of(res, "review_litigation")
    assert [got[("review_litigation", r.key, c.key)].value for r in RL.rows for c in RL.columns] == vals
    res = decode_glued(review_text(vals), "2021")  # 15 digits: one split only
    assert [c.value for c in res.cells if c.table == "review_litigation"] == vals


@pytest.mark.parametrize("seed", range(12))
def test_review_glued_multi_digit_never_wrong(seed):
    vals = _review_vals(random.Random(seed))
    res = decode_glued(review_text(vals), "2021")
    got = [c.value for c in res.cells if c.table == "review_litigation"]
    assert len(got) == 15
    if got == [None] * 15:
        assert any(f.check == "glued.ambiguous" and f.table == "review_litigation" for f in res.findings)
    else:
        assert got == vals


def _ad_text(era, runs: dict[str, str], prose: str = "") -> str:
    cols = schema.ACTIVE_DISCLOSURE_COLUMNS[era]
    out = [prose, f" {schema.ACTIVE_DISCLOSURE.section}、{schema.ACTIVE_DISCLOSURE.title} "]
    for row in schema.ACTIVE_DISCLOSURE.rows_for(era):
        if row.key in runs:
            out.append("信息内容" + "".join(schema.column_def("active_disclosure", c).label
                                            for c in cols[row.key]))
            out.append(row.label + runs[row.key])
    return "".join(out) + " 三、"


def test_active_disclosure_ambiguous_then_corroborated_by_prose():
    runs = {"rules": "000", "normative_documents": "8855698", "administrative_licensing": "10690",
            "administrative_fees": "9116.36"}
    res = decode_glued(_ad_text("2021", runs), "2021")
    got = cells_of(res, "active_disclosure")
    assert [got[("active_disclosure", "rules", c)].value for c in ("issued", "repealed", "in_force")] == [0, 0, 0]
    assert got[("active_disclosure", "administrative_licensing", "decisions")].value == 10690
    assert got[("active_disclosure", "administrative_fees", "fee_amount_10k_yuan")].value == pytest.approx(9116.36)
    assert all(got[("active_disclosure", "normative_documents", c)].value is None
               for c in ("issued", "repealed", "in_force"))
    assert any(f.check == "glued.ambiguous" and "normative_documents" in f.message for f in res.findings)

    prose = "集中公开现行有效行政规范性文件698件，动态更新本年度制发的规范性文件88件。"
    res = decode_glued(_ad_text("2021", runs, prose), "2021")
    got = cells_of(res, "active_disclosure")
    assert [got[("active_disclosure", "normative_documents", c)].value
            for c in ("issued", "repealed", "in_force")] == [88, 55, 698]
    # One stated value alone does not decide it.
    res = decode_glued(_ad_text("2021", runs, "动态更新本年度制发的规范性文件88件。"), "2021")
    assert cells_of(res)[("active_disclosure", "normative_documents", "issued")].value is None


def test_active_disclosure_2019_negative_net_change():
    runs = {"rules": "007", "administrative_fees": "35-15", "administrative_penalty": "2648-18538"}
    res = decode_glued(_ad_text("2019", runs), "2019")
    got = cells_of(res, "active_disclosure")
    assert got[("active_disclosure", "administrative_fees", "net_change")].value == -15
    assert got[("active_disclosure", "administrative_fees", "prior_year_items")].value == 35
    assert got[("active_disclosure", "administrative_penalty", "decisions")].value is None


# ---------------------------------------------------------------- era and no-table cases


def test_era_detected_from_marker_labels_overrides_argument():
    text = _ad_text("2019", {"rules": "007"}) + requests_text(_zero_table("2019"), "2019")
    assert detect_era(text) == "2019"
    res = decode_glued(text, "2021")
    assert res.era == "2019"
    assert ("requests", "other_handling", "total") in cells_of(res)


def test_no_glued_table_returns_none():
    assert decode_glued("一、总体情况 本年度共收到申请21件，均已答复。", None) is None
    piped = requests_text({"new_received": (1, 0, 0, 0, 0, 0, 1)}, "2021",
                          lambda k, v: "|" + "|".join(map(str, v)), rows={"new_received"})
    assert decode_glued(piped, "2021") is None


# ---------------------------------------------------------------- real reports


def _truth_match(name, normalise=False):
    text = real_file(name).read_text(encoding="utf-8")
    if normalise:  # as the recognizer passes it: full-width folded, whitespace collapsed
        text = normalize_text(text)
    truth = real_truth(name)
    res = decode_glued(text, None)
    assert res is not None
    got = cells_of(res)
    ok, wrong = 0, []
    for table, rows in truth["cells"].items():
        for row, cols in rows.items():
            for col, v in cols.items():
                c = got.get((table, row, col))
                if c is not None and c.value == v:
                    ok += 1
                else:
                    wrong.append((table, row, col, v, c))
    return res, ok, wrong


@pytest.mark.parametrize("normalise", [False, True])
def test_real_pingtan_2022_truth_cells(normalise):
    res, ok, wrong = _truth_match("fujian-pingtan-2022.page.txt", normalise)
    assert res.era == "2021"
    assert not wrong, wrong
    assert ok == 52


@pytest.mark.parametrize("normalise", [False, True])
def test_real_pingtan_2020_truth_cells_and_publisher_error_kept(normalise):
    res, ok, wrong = _truth_match("fujian-pingtan-2020.page.txt", normalise)
    assert res.era == "2019"
    assert not wrong, wrong
    assert ok == 51
    got = cells_of(res)
    # The printed, wrong 总计 (20/21) is kept for the validator; the outcomes sum to 26/27.
    outcome_sum = [sum(got[("requests", r, c)].value for r in schema.OUTCOME_ROWS["2019"])
                   for c in ("natural_person", "total")]
    assert outcome_sum == [26, 27]
    assert any(f.check == "glued.identity_unusable" for f in res.findings)
    # '7777166' (规范性文件) has no identity and no prose: it must stay null.
    assert got[("active_disclosure", "normative_documents", "newly_made")].value is None


def test_2021_table_with_one_other_handling_row_decodes_it():
    # Some 2021 reports print one （六）其他处理 row instead of its three sub-rows: that row is
    # other_handling, and requests.outcomes holds through it (schema.ERA_CROSSWALK).
    rng = random.Random(31)
    vals = valid_requests("2021", rng, big=True)
    merged = tuple(sum(vals[r][i] for r in schema.OTHER_ROWS_2021) for i in range(7))
    body = requests_text(vals, "2021")
    sub = [REQ.row(r) for r in schema.OTHER_ROWS_2021]
    start = body.index(sub[0].group)
    end = body.index(sub[-1].label) + len(sub[-1].label) + 1 + len(glue(vals[sub[-1].key]))
    text = body[:start] + "（六）其他处理 " + glue(merged) + body[end:]
    res = decode_glued(text, "2021")
    got = cells_of(res, "requests")
    assert [got[("requests", "other_handling", c)].value for c in REQ_COLS] == list(merged)
    assert not any(k[1] in schema.OTHER_ROWS_2021 for k in got)
    assert [got[("requests", "total_handled", c)].value for c in REQ_COLS] == list(vals["total_handled"])


def test_unit_or_note_in_a_cell_ends_that_cell():
    # `13（其中修订1件）` is one cell with a note; its digits must not run into the next cell's,
    # and the note's own digit is not a cell.
    text = ("二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 "
            "规章 0 0 5 行政规范性文件 13（其中修订1件）4 180 第二十条第（五）项 信息内容 本年处理决定数量 "
            "行政许可 43件 第二十条第（六）项 信息内容 本年处理决定数量 行政处罚 7 行政强制 0 "
            "第二十条第（八）项 信息内容 本年收费金额（单位：万元） 行政事业性收费 0")
    res = decode_glued(text, "2021")
    got = cells_of(res, "active_disclosure")
    assert [got[("active_disclosure", "normative_documents", c)].value
            for c in ("issued", "repealed", "in_force")] == [13, 4, 180]
    assert got[("active_disclosure", "administrative_licensing", "decisions")].value == 43


@settings(max_examples=300, deadline=None, derandomize=True)
@given(hay=st.text(alphabet="本年新收申请数量规章0123", max_size=40),
       core=st.text(alphabet="本年新收申请数量规章", min_size=6, max_size=14),
       k=st.integers(min_value=1, max_value=3))
def test_fuzzy_prefilter_never_changes_the_answer(hay, core, k):
    from gip_pipeline.extraction import glued as g
    assert g._fuzzy_find(hay, core, k) == g._sellers(hay, core, k)


@pytest.mark.parametrize("n_digits", [80, 90, 96, 200, 100_000])
def test_a_very_long_glued_run_is_left_null_with_a_finding_and_the_rest_decodes(n_digits):
    """The split search is bounded by work (MAX_SEARCH_STEPS), not only by results: a row
    of hundreds of glued digits gives a finding; the other rows still decode."""
    vals = valid_requests("2021", random.Random(3))
    rng = random.Random(n_digits)
    noise = "".join(rng.choice("0123456789") for _ in range(n_digits))
    text = requests_text(vals, "2021", lambda k, v: noise if k == "new_received" else glue(v))
    res = decode_glued(text, "2021")
    got = cells_of(res, "requests")
    assert all(got[("requests", "new_received", c)].value is None for c in REQ_COLS)
    msg = next(f.message for f in res.findings if f.check == "glued.ambiguous" and "new_received" in f.message)
    assert ("too long to decode" in msg) or ("no split" in msg), msg
    # every other row decodes as printed
    for row, v in vals.items():
        if row != "new_received":
            assert tuple(got[("requests", row, c)].value for c in REQ_COLS) == v, row


def test_the_search_stops_after_its_step_budget(monkeypatch):
    import gip_pipeline.extraction.glued as G

    vals = valid_requests("2021", random.Random(3))
    digits = glue(vals["new_received"]) * 4  # long enough to need a real search
    monkeypatch.setattr(G, "MAX_SEARCH_STEPS", 50)
    text = requests_text(vals, "2021", lambda k, v: digits if k == "new_received" else glue(v))
    res = decode_glued(text, "2021")
    assert any("too long to decode" in f.message and "new_received" in f.message for f in res.findings)
