"""The synthetic report generator: determinism, identities, carry-over, truth coverage, well-formed files,
and (once extraction lands) re-parsing generated files against their truth."""

from __future__ import annotations

import io
import json
import random
from collections import defaultdict

import pytest

from gip_pipeline.metadata import schema
from gip_pipeline.synth import generate as gen
from gip_pipeline.regions.reference import Region as FakeRegion
from gip_pipeline.synth.organs import make_organs
from gip_pipeline.synth.truth import truth_cell_keys
from gip_pipeline.synth.values import OrganState, gen_report_cells, plant_error


# A tiny injected region list (the real one comes from gip_pipeline.regions).
REGIONS = [
    FakeRegion("320000", "江苏省", "province", None, "320000", None),
    FakeRegion("320800", "淮安市", "prefecture", "320000", "320000", "320800"),
    FakeRegion("320813", "洪泽区", "county", "320800", "320000", "320800"),
    FakeRegion("540000", "西藏自治区", "province", None, "540000", None),
    FakeRegion("310000", "上海市", "province", None, "310000", None),
    FakeRegion("310104", "徐汇区", "county", "310000", "310000", None),
    FakeRegion("350128", "平潭县", "county", "350100", "350000", "350100"),
    FakeRegion("350100", "福州市", "prefecture", "350000", "350000", "350100"),
]


# ------------------------------------------------ an identity checker written from the schema alone

def independent_failures(cells: dict, era: str) -> set[str]:
    """Which schema identities fail: terms read straight from schema.IDENTITIES, a 2021 table with
    one other_handling row read through schema.ERA_CROSSWALK."""
    failed = set()
    for ident in schema.IDENTITIES:
        if era not in ident.eras:
            continue
        t = cells.get(ident.table, {})
        if ident.over == "columns":
            def terms(rows):
                out = []
                for r in rows:
                    if r in t:
                        out.append(r)
                    elif "other_handling" in t and r in schema.ERA_CROSSWALK["other_handling"]:
                        if "other_handling" not in out:
                            out.append("other_handling")
                    else:
                        out.append(r)
                return out
            left, right = terms(ident.left), terms(ident.right)
            for col in schema.row_columns(ident.table, era, "total_handled"):
                a = [t.get(r, {}).get(col) for r in left]
                b = [t.get(r, {}).get(col) for r in right]
                if None not in a and None not in b and sum(a) != sum(b):
                    failed.add(ident.check)
        else:
            for row in t.values():
                a = [row.get(c) for c in ident.left]
                b = [row.get(c) for c in ident.right]
                if None not in a and None not in b and sum(a) != sum(b):
                    failed.add(ident.check)
    return failed


def _docs_per_form(seed: int = 3) -> list:
    """One document per form and layout, built directly (fast, covers every renderer)."""
    rng = random.Random(seed)
    organs = make_organs(REGIONS, rng, 6)
    out = []
    i = 0
    for form in gen.FORMS:  # the born-digital forms; the others: test_other_forms_*
        for layout in gen.RENDERERS[form].LAYOUTS:
            organ = organs[i % len(organs)]
            year = 2020 if i % 3 == 0 else 2023
            drng = random.Random(f"t/{seed}/{i}")
            cells = gen_report_cells(drng, schema.era_for_year(year), organ.organ_kind, organ.admin_level,
                                     max(organ.scale, 40.0), OrganState())
            doc = gen.make_doc(drng, f"d{i}", organ, year, cells, form, gen.Options(error_rate=0))
            doc.layout = layout
            out.append((form, layout, doc, drng))
            i += 1
    return out


def _render(doc, seed_text: str) -> bytes:
    return gen.RENDERERS[doc.form].render(doc, random.Random(seed_text))[0]


# ------------------------------------------------ determinism

def test_same_seed_same_bytes_every_form():
    a, b = _docs_per_form(5), _docs_per_form(5)
    for (form, layout, da, _), (_, _, db, _) in zip(a, b):
        assert _render(da, "x") == _render(db, "x"), (form, layout)


@pytest.mark.slow
def test_generate_is_deterministic_and_seed_sensitive(tmp_path):
    def run(d, seed):
        gen.generate(d, 14, seed, regions=REGIONS)
        return {p.name: p.read_bytes() for p in sorted(d.iterdir())}
    one, two, other = run(tmp_path / "a", 11), run(tmp_path / "b", 11), run(tmp_path / "c", 12)
    assert one == two
    assert one != other
    manifest = json.loads(one["manifest.json"])
    assert manifest["n"] == 14 and len(manifest["files"]) == 14
    assert all(f["truth"] in one and f["file"] in one for f in manifest["files"])


# ------------------------------------------------ identities and planted errors

def test_identities_hold_by_construction_and_planted_errors_are_found():
    rng = random.Random(1)
    planted = 0
    for i in range(400):
        era = "2019" if i % 2 else "2021"
        cells = gen_report_cells(rng, era, "government", "prefecture", rng.choice((3.0, 40.0, 2000.0)),
                                 OrganState())
        assert independent_failures(cells, era) == set(), i
        if i % 4 == 0:
            plant_error(rng, cells)
            planted += 1
            assert independent_failures(cells, era), i  # an error must show
    assert planted == 100


@pytest.mark.slow
def test_truth_findings_match_an_independent_check(tmp_path):
    gen.generate(tmp_path, 40, 2, regions=REGIONS, opts=gen.Options(error_rate=0.5))
    statuses = defaultdict(int)
    for p in tmp_path.glob("*.truth.json"):
        t = json.loads(p.read_text(encoding="utf-8"))
        assert t["synthetic"] is True
        era = t["report"]["era"]
        # cells printed so that no reader can read them are not assessable
        cells = {tb: {r: {c: (None if [tb, r, c] in t["ambiguous_cells"] else v) for c, v in cols.items()}
                      for r, cols in rows.items()} for tb, rows in t["cells"].items()}
        failures = independent_failures(cells, era)
        # Glued digits no reader can split call for a warning whatever the values.
        expected = failures | ({"glued.ambiguous"} if t.get("ambiguous_cells") else set())
        assert set(t["expected_findings"]) == expected, p.name
        assert t["expected_status"] == ("warning" if expected else "ok")
        statuses[t["expected_status"]] += 1
        planted = any(n.startswith("publisher error") for n in t["notes"])
        assert planted == bool(independent_failures(t["cells"], era)), p.name
    assert statuses["warning"] and statuses["ok"]


def test_values_are_non_negative_and_heavy_tailed():
    rng = random.Random(4)
    totals = []
    for _ in range(300):
        cells = gen_report_cells(rng, "2021", "department", "county", 20.0, OrganState())
        for t, rows in cells.items():
            for r, cols in rows.items():
                for c, v in cols.items():
                    assert v >= 0 or schema.column_def(t, c).allow_negative
        totals.append(cells["requests"]["new_received"]["total"])
    totals.sort()
    median, top = totals[len(totals) // 2], totals[-1]
    assert top > 5 * max(median, 1)  # a long right tail


# ------------------------------------------------ carry-over across years

@pytest.mark.slow
def test_carry_over_consistency_across_years(tmp_path):
    gen.generate(tmp_path, 40, 9, regions=REGIONS, opts=gen.Options(error_rate=0))
    by_organ = defaultdict(dict)
    for p in tmp_path.glob("*.truth.json"):
        t = json.loads(p.read_text(encoding="utf-8"))
        by_organ[t["report"]["organ"]][t["report"]["year"]] = t["cells"]["requests"]
    pairs = 0
    for organ, years in by_organ.items():
        assert len(years) == len(set(years))
        for y, req in years.items():
            if y - 1 in years:
                # per national column (the optional 小计 column is printed in some years only)
                def national(row):
                    return {c: v for c, v in row.items() if c != "legal_person_subtotal"}
                assert national(req["carried_over"]) == national(years[y - 1]["carried_forward"]), (organ, y)
                pairs += 1
    assert pairs > 5


# ------------------------------------------------ truth coverage

def test_truth_lists_every_expected_cell(tmp_path):
    gen.generate(tmp_path, 30, 5, regions=REGIONS, opts=gen.Options(single_other_rate=0.5))
    seen_single = 0
    for p in tmp_path.glob("*.truth.json"):
        t = json.loads(p.read_text(encoding="utf-8"))
        era = t["report"]["era"]
        got = {(tb, r, c) for tb, rows in t["cells"].items() for r, cols in rows.items() for c in cols}
        single = "other_handling" in t["cells"]["requests"] and era == "2021"
        seen_single += single
        want = set(schema.expected_cells(era))
        if single:
            want = {k for k in want if k[1] not in schema.OTHER_ROWS_2021}
            want |= {("requests", "other_handling", c) for c in schema.row_columns("requests", era, "granted")}
        if t["knobs"].get("subtotal"):
            want |= {("requests", r, "legal_person_subtotal") for (tb, r, _) in want if tb == "requests"}
        assert got == want, p.name
        assert all(isinstance(v, (int, float)) for rows in t["cells"].values()
                   for cols in rows.values() for v in cols.values())
        assert set(t["report"]) == set(schema.META_KEYS)
    assert seen_single


def test_truth_cell_keys_single_other_row():
    keys = truth_cell_keys("2021", True)
    rows = {r for _, r, _ in keys}
    assert "other_handling" in rows and not rows & set(schema.OTHER_ROWS_2021)


# ------------------------------------------------ well-formed files

def test_each_form_is_well_formed_and_marked_synthetic():
    import docx
    import lxml.html
    import pypdfium2

    for form, layout, doc, _ in _docs_per_form(8):
        data = _render(doc, "w")
        if form == "html":
            enc = "gbk" if doc.knobs.get("gbk") else "utf-8"
            text = data.decode(enc)
            if layout != "fragment":
                assert f"charset={enc}" in text
            tree = lxml.html.fromstring(text)
            assert len(tree.findall(".//table")) >= 3, layout
            assert "合成数据" in tree.text_content()
        elif form == "pdf":
            pdf = pypdfium2.PdfDocument(data)
            text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
            assert "合成数据" in text and "- 1 -" in text and len(pdf) >= 2, layout
            assert "本年新收政府信息公开申请数量" in text
        elif form == "docx":
            d = docx.Document(io.BytesIO(data))
            assert len(d.tables) == 3 and "SYNTHETIC" in d.core_properties.subject, layout
        elif form == "pipe":
            text = data.decode("utf-8")
            assert "合成數" in text and "|" in text and "(" in text
        else:
            assert "合成数据" in data.decode("utf-8"), (form, layout)


def test_cli_usage_errors():
    from gip_pipeline.synth.cli import main
    assert main(["--out", "/nonexistent-x", "--n", "1", "--formats", "xlsx"]) == 2
    assert main([]) == 2


# ------------------------------------------------ re-parsing generated files (the eventual check)

def compare_to_truth(res, truth: dict) -> list[tuple[str, str, str, object, object]]:
    """Mismatches (table, row, col, expected, got) for the cells the truth lists.

    A blank printed for a zero is expected to come back null (blanks are missing, not zero)."""
    got = {(c.table, c.row, c.col): c.value for c in res.cells}
    blanks = truth.get("knobs", {}).get("blank_zeros")
    ambiguous = {tuple(k) for k in truth.get("ambiguous_cells", [])}
    out = []
    for t, rows in truth["cells"].items():
        for r, cols in rows.items():
            for c, v in cols.items():
                g = got.get((t, r, c), "absent")
                if g is None and ((blanks and v == 0 and t != "active_disclosure") or (t, r, c) in ambiguous):
                    continue
                if g == "absent" or g is None or abs(float(g) - float(v)) > 1e-6:
                    out.append((t, r, c, v, g))
    return out


def _reparse_sample(tmp_path):
    parse = pytest.importorskip("gip_pipeline.extraction.parse")
    results = {}
    for form, layout, doc, _ in _docs_per_form(21):
        data, meta = gen.RENDERERS[form].render(doc, random.Random("p"))
        path = tmp_path / f"{doc.name}.{gen.EXT[form]}"
        path.write_bytes(data)
        res = parse.parse_file(path)
        truth = {"cells": {}, "knobs": doc.knobs, "ambiguous_cells": meta.get("ambiguous_cells", [])}
        for t, r, c in truth_cell_keys(doc.era, doc.single_other):
            truth["cells"].setdefault(t, {}).setdefault(r, {})[c] = doc.cells[t][r][c]
        total = sum(len(cols) for rows in truth["cells"].values() for cols in rows.values())
        results[(form, layout)] = (res.status, total, compare_to_truth(res, truth))
    lines = [f"{f}/{l}: status={s} missed={len(m)}/{n} e.g. {m[:3]}" for (f, l), (s, n, m) in results.items()]
    print("\n".join(lines))
    return results, "\n".join(lines)


def test_reparse_never_reads_a_wrong_number(tmp_path):
    """A re-parsed synthetic file may miss cells, but a number that differs from the truth is the worst bug."""
    results, text = _reparse_sample(tmp_path)
    wrong = {k: [m for m in v[2] if m[4] not in (None, "absent")] for k, v in results.items()}
    assert not any(wrong.values()), text
    assert not [k for k, v in results.items() if v[0] == "rejected"], text


def test_reparse_reads_every_cell(tmp_path):
    results, text = _reparse_sample(tmp_path)
    assert not [k for k, v in results.items() if v[2]], text


# ------------------------------------------------ wave 2: marks, subtotal, late dates, lying charset, ambiguity

def test_every_form_carries_the_plain_bytes_synthetic():
    # raw/ detects synthetic files by a byte scan; DOCX is a compressed package, so its zip
    # comment carries the mark.
    for form, layout, doc, _ in _docs_per_form(8):
        data = _render(doc, "m")
        assert b"SYNTHETIC" in data or b"gip-synth" in data, (form, layout)
        if form == "docx":
            assert b"SYNTHETIC" in data


def test_subtotal_column_late_dates_and_lying_charset(tmp_path):
    opts = gen.Options(subtotal_rate=1.0, late_rate=1.0, lying_charset_rate=1.0, error_rate=0,
                       blank_zero_rate=0)
    gen.generate(tmp_path, 12, 4, forms=("html", "md"), regions=REGIONS, opts=opts)
    import datetime as dt
    for p in tmp_path.glob("*.truth.json"):
        t = json.loads(p.read_text(encoding="utf-8"))
        for r, cols in t["cells"]["requests"].items():
            assert cols["legal_person_subtotal"] == sum(cols[c] for c in schema.REQUEST_ORG_COLUMNS), r
        pub, year = dt.date.fromisoformat(t["report"]["published"]), t["report"]["year"]
        deadline = dt.date(year + 1, 3, 31) if t["report"]["organ_kind"] == "government" else dt.date(year + 1, 1, 31)
        assert pub > deadline
        data = (tmp_path / t["file"]).read_bytes()
        if t["form"] == "html":
            assert "小计".encode("utf-8") in data or "小计".encode("gbk") in data
        if t["form"] == "html" and t["layout"] != "fragment":
            enc = "gbk" if t["knobs"].get("gbk") else "utf-8"
            other = "utf-8" if enc == "gbk" else "gbk"
            assert f"charset={other}".encode() in data and "合成数据" in data.decode(enc)


def test_on_time_dates_keep_the_deadline(tmp_path):
    import datetime as dt
    gen.generate(tmp_path, 20, 6, forms=("md",), regions=REGIONS, opts=gen.Options(late_rate=0))
    for p in tmp_path.glob("*.truth.json"):
        t = json.loads(p.read_text(encoding="utf-8"))
        year = t["report"]["year"]
        deadline = dt.date(year + 1, 3, 31) if t["report"]["organ_kind"] == "government" else dt.date(year + 1, 1, 31)
        assert dt.date(year + 1, 1, 1) <= dt.date.fromisoformat(t["report"]["published"]) <= deadline


def _brute_splits(run: str, n: int, dec: list[bool]) -> int:
    """Every way to cut the digits into n numbers, cutting at every space."""
    import itertools
    import re as _re
    digits, forced = "", set()
    for ch in run:
        if ch == " ":
            forced.add(len(digits))
        else:
            digits += ch
    forced -= {0, len(digits)}
    count = 0
    for cuts in itertools.combinations(range(1, len(digits)), n - 1):
        if not forced <= set(cuts):
            continue
        parts = [digits[a:b] for a, b in zip((0,) + cuts, cuts + (len(digits),))]
        count += all(_re.fullmatch(r"(0|[1-9]\d*)(\.\d+)?" if d else r"0|[1-9]\d*", p)
                     for p, d in zip(parts, dec))
    return count


def test_row_total_split_count():
    from gip_pipeline.synth.render_text import row_total_split_count
    assert row_total_split_count("1 0 1 0 2 0 0 0 0 0 1 0 0 0 1", 3, 5) == 1
    assert row_total_split_count("000000000000000", 3, 5) == 1
    assert row_total_split_count("12100132110420002", 3, 5) == 2  # 12,1,0,0,13 and 1,2,10,0,13 both add up
    assert row_total_split_count("1", 3, 5) == 0


def test_split_count_agrees_with_brute_force():
    from gip_pipeline.synth.render_text import split_count
    rng = random.Random(5)
    for _ in range(400):
        n = rng.randint(1, 4)
        dec = [rng.random() < 0.2 for _ in range(n)]
        vals = [str(rng.choice((0, 0, 1, 7, 12, 105, 3000))) if not d else rng.choice(("0", "2.5", "13.75"))
                for d in dec]
        run = "".join(v + rng.choice(("", "", " ")) for v in vals).strip()
        assert split_count(run, dec) == _brute_splits(run, n, dec) >= 1, (run, dec)


@pytest.mark.parametrize("units", [0.0, 1.0])
def test_glued_ambiguity_in_truth_matches_the_decoder(tmp_path, units):
    """The generator marks section 二 rows and the section 四 run ambiguous from the printed text
    alone (split_count, row_total_split_count); the decoder must warn on exactly those: two
    independent readings of one text."""
    import re as _re
    parse = pytest.importorskip("gip_pipeline.extraction.parse")
    gen.generate(tmp_path, 24, 12, forms=("txt",), regions=REGIONS,
                 opts=gen.Options(error_rate=0, units_rate=units))
    seen = set()
    for p in sorted(tmp_path.glob("*.truth.json")):
        t = json.loads(p.read_text(encoding="utf-8"))
        res = parse.parse_file(tmp_path / t["file"])
        warned = {m.group(1) for f in res.findings if f.check == "glued.ambiguous"
                  for m in [_re.match(r"(active_disclosure\.\w+|review_litigation)", f.message)] if m}
        marked = {f"{k[0]}.{k[1]}" if k[0] == "active_disclosure" else k[0] for k in t["ambiguous_cells"]}
        assert warned == marked, (t["file"], marked, warned)
        seen.add(bool(marked))
    assert seen == {True, False}


def test_organs_report_only_for_years_their_region_is_in_force(tmp_path):
    # 白杨市-like: a region set up in 2022 has no 2019-2021 report.
    regions = [dict(code="659099", name="新设市", level="county", parent_code="650000",
                    province_code="650000", prefecture_code=None, valid_from=2022, valid_to=None),
               dict(code="650000", name="新疆维吾尔自治区", level="province", parent_code=None,
                    province_code="650000", prefecture_code=None)]
    gen.generate(tmp_path, 12, 3, forms=("md",), regions=regions, opts=gen.Options(error_rate=0))
    years = [json.loads(p.read_text(encoding="utf-8"))["report"]["year"]
             for p in tmp_path.glob("*.truth.json")
             if json.loads(p.read_text(encoding="utf-8"))["report"]["region_code"] == "659099"]
    assert years and min(years) >= 2022


# ------------------------------------------------ the other published forms (issue 12)

OTHER = ("scan", "photo", "imghtml", "ofd", "doc", "xls")


@pytest.fixture(scope="module")
def other_forms(tmp_path_factory):
    from gip_pipeline.synth.forms import soffice

    forms = [f for f in OTHER if soffice() or f not in ("doc", "xls")]
    out = tmp_path_factory.mktemp("other_forms")
    files = []
    for k, form in enumerate(forms):  # two reports of each form
        res = gen.generate(out / form, 2, 40 + k, [form])
        files += [{**f, "file": f"{form}/{f['file']}", "truth": f"{form}/{f['truth']}"}
                  for f in res["manifest"]["files"]]
    return out, forms, {"files": files}


@pytest.mark.slow
def test_other_forms_are_made_with_truth_and_marked_synthetic(other_forms):
    from gip_pipeline.raw import is_synthetic
    from gip_pipeline.extraction.parse import sniff_format

    out, forms, manifest = other_forms
    made = {f["form"] for f in manifest["files"]}
    assert made == set(forms)
    sniffed = {"scan": "pdf", "photo": "image", "imghtml": "html", "ofd": "ofd", "doc": "doc", "xls": "xls"}
    for f in manifest["files"]:
        path = out / f["file"]
        assert (out / f["truth"]).is_file() and is_synthetic(path), f["file"]
        assert sniff_format(path.read_bytes(), path.name) == sniffed[f["form"]]


def test_doc_and_xls_are_made_where_libreoffice_is(other_forms):
    from gip_pipeline.synth.forms import soffice

    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: the doc and xls forms cannot be made")
    _, forms, manifest = other_forms
    assert {"doc", "xls"} <= {f["form"] for f in manifest["files"]} and {"doc", "xls"} <= set(forms)


@pytest.mark.slow
def test_other_forms_score_right_or_flagged(other_forms):
    """Every form through `gip bench accuracy`: never a wrong number, at least 99% right."""
    from gip_pipeline.bench import accuracy

    out, forms, _ = other_forms
    summary = accuracy.run([out], io.StringIO(), recursive=True)
    assert set(summary.by_form) == set(forms)
    for form, t in summary.by_form.items():
        assert t.wrong_numbers == 0 and t.silent_errors == 0, form
        assert t.right >= 0.99 * t.cells_scored, (form, t.right, t.cells_scored)
    for form in ("doc", "xls", "ofd"):  # born-digital twins: every cell and field
        if form in summary.by_form:
            t = summary.by_form[form]
            assert t.right == t.cells_scored and t.meta_wrong == 0 and t.passed == t.files, form
