"""CODEBOOK.md: every schema key appears, output is deterministic, missing-value rule stated."""

from __future__ import annotations

import re

import pytest

from gip_pipeline.metadata import schema
from gip_pipeline.exports import codebook
from gip_pipeline.exports.codebook import codebook_markdown, measure_formula, write_codebook


@pytest.fixture(scope="module")
def text() -> str:
    return codebook_markdown()


def _schema_keys() -> set[str]:
    keys: set[str] = set()
    for t in schema.TABLES:
        keys.add(t.key)
        keys.update(r.key for r in t.rows)
        keys.update(c.key for c in t.columns)
    keys.update(e.key for e in schema.ERA_DEFS)
    keys.update(i.check for i in schema.IDENTITIES)
    keys.update(c.check for c in schema.CROSS_YEAR_IDENTITIES)
    keys.update(m.key for m in schema.MEASURES)
    keys.update(m.key for m in schema.METADATA)
    for m in schema.METADATA:
        keys.update(m.values)
    keys.update(schema.STATUSES)
    keys.update(schema.SEVERITIES)
    keys.update(schema.FORMATS)
    keys.update(schema.ERA_CROSSWALK)
    keys.update(p for parts in schema.ERA_CROSSWALK.values() for p in parts)
    keys.update(schema.PUBLICATION_DEADLINE)
    return keys


def test_every_schema_key_appears_as_code(text):
    # Keys are written as `key`: a bare substring match would let `total` hide behind
    # `total_handled` and `organ` behind the prose word, so require the quoted form.
    missing = [k for k in sorted(_schema_keys()) if f"`{k}`" not in text]
    assert missing == []


def test_every_label_variant_unit_and_marker_appears(text):
    for t in schema.TABLES:
        assert t.title in text and t.en in text
        for v in t.title_variants:
            assert v in text
        for r in t.rows:
            assert r.label in text and r.en in text, r.key
            for v in r.variants:
                assert v in text, (r.key, v)
        for c in t.columns:
            assert c.label in text and c.en in text, c.key
            for v in c.variants:
                assert v in text, (c.key, v)
            assert f"`{c.unit}`" in text
    for e in schema.ERA_DEFS:
        assert e.defined_by in text
        for m in e.marker_labels:
            assert m in text
    for m in schema.METADATA:
        assert m.zh in text and m.en in text
    for m in schema.MEASURES:
        assert m.zh in text and m.en in text
        assert measure_formula(m) in text
    assert f"at least {schema.MIN_RANK_DENOMINATOR}" in text


def test_cells_per_era_section_lists_every_expected_cell(text):
    section = text.split("## Cells each era prints", 1)[1].split("\n## ", 1)[0]
    for era in schema.TABLE_ERAS:
        body = section.split(f"### Era `{era}`", 1)[1].split("### Era", 1)[0]
        listed = set()
        for line in body.splitlines():
            cells = line.split(" | ")
            if len(cells) != 3 or not cells[0].startswith("| `"):
                continue
            t = cells[0].strip("| `")
            rows = re.findall(r"`(\w+)`", cells[1])
            cols = re.findall(r"`(\w+)`", cells[2])
            listed.update((t, r, c) for r in rows for c in cols)
        assert listed == set(schema.expected_cells(era)), era
        # the era's row subsets differ: 2019-only rows must not appear under 2021
    assert "`other_external_services`" not in section.split("### Era `2019`")[0]


def test_missing_rule_and_blanks_as_zero_finding(text):
    assert "a blank is not zero" in text
    assert "missing (null)" in text
    assert "`requests.blanks_as_zero`" in text


def test_crosswalk_row(text):
    section = text.split("## Crosswalk", 1)[1].split("\n## ", 1)[0]
    for combined, parts in schema.ERA_CROSSWALK.items():
        line = next(l for l in section.splitlines() if f"`requests.{combined}`" in l)
        assert " + ".join(f"`{p}`" for p in parts) in line


def test_measure_formula_shape():
    m = next(m for m in schema.MEASURES if m.key == "reconsideration_correction_rate")
    assert measure_formula(m) == ("(review_litigation.reconsideration.corrected) / "
                                  "((review_litigation.reconsideration.total) - "
                                  "(review_litigation.reconsideration.pending))")


def test_deterministic_and_written(tmp_path):
    a = write_codebook(tmp_path / "a" / "CODEBOOK.md")
    (tmp_path / "b").mkdir()
    b = write_codebook(tmp_path / "b")  # a folder: CODEBOOK.md inside it
    assert b.name == "CODEBOOK.md"
    assert a.read_bytes() == b.read_bytes() == codebook_markdown().encode("utf-8")
    assert b"\r\n" not in a.read_bytes()


def test_unexplained_vocabulary_raises(monkeypatch):
    monkeypatch.setattr(codebook, "UNIT_DOCS", {"count": ("a count", "个")})
    with pytest.raises(KeyError, match="10k_yuan"):
        codebook_markdown()


def _section(text: str, table: str) -> str:
    start = text.index(f"### `{table}`\n")
    end = text.find("\n### ", start + 1)
    return text[start:end if end > 0 else len(text)]


def test_every_table_and_column_a_researcher_meets_is_described(text):
    from gip_pipeline.exports import EXPORTS
    from gip_pipeline.metadata.fields import field_doc, table_columns
    from gip_pipeline.metadata.outputs import MART_MODELS

    tables = table_columns()
    # every exported file, the marts and the input-file accounting tables have a section
    assert set(EXPORTS) | set(MART_MODELS) | {"report_files", "rejected_files"} <= set(tables)
    n = 0
    for table, cols in tables.items():
        section = _section(text, table)
        assert cols, table
        for c in cols:
            line = next((ln for ln in section.splitlines() if ln.startswith(f"| `{c}` |")), None)
            assert line is not None, (table, c)
            doc = field_doc(c)
            assert doc.zh and doc.en and doc.en in line.replace("\\|", "|"), (table, c)
            n += 1
    assert n > 250  # tidy tables and six marts: a few hundred columns
    assert "`rejected_files.parquet` in the download" in _section(text, "rejected_files")
    assert "`report_files.parquet` in the download" in _section(text, "report_files")
    assert "`report_comparison.parquet` in the download" in _section(text, "report_comparison")


def test_a_column_without_description_stops_the_codebook(monkeypatch):
    from gip_pipeline.metadata import fields

    real = fields.table_columns
    monkeypatch.setattr(fields, "table_columns",
                        lambda: {**real(), "trends": real()["trends"] + ("no_such_column",)})
    with pytest.raises(KeyError, match="no_such_column"):
        codebook_markdown()
