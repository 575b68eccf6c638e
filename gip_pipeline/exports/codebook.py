"""CODEBOOK.md, generated from gip_pipeline/metadata/schema.py alone.

Every key, label, era, identity and measure is read from the schema, so the
codebook cannot drift from the code that extracts and checks the data. The
only hand-written text here is prose that explains the schema's concepts
(what a unit or a status means), each keyed by the schema's own vocabulary
and checked against it: a new unit or status in the schema without an
explanation here raises instead of being silently left out.

Output is deterministic (no timestamps, schema order), so the file can be
committed and diffed.
"""

from __future__ import annotations

from pathlib import Path

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.validate import BLANKS_HIDE_VALUES_CHECK

# Explanations of the schema's closed vocabularies (keys checked against the schema).
UNIT_DOCS: dict[str, tuple[str, str]] = {
    "count": ("a count of items, documents, requests or cases", "件/个/次"),
    "10k_yuan": ("an amount in units of 10,000 yuan", "万元"),
    "as_printed": ("an amount in the unit the report prints (usually 10,000 yuan); "
                   "not converted", "按原表单位"),
}
DTYPE_DOCS: dict[str, str] = {
    "int": "whole number (a count)",
    "decimal": "decimal number (an amount of money)",
}
STATUS_DOCS: dict[str, str] = {
    "ok": "the tables were found and every identity that can be assessed holds",
    "warning": "the tables were found but a finding of severity error or warning stands",
    "rejected": "not a readable GIP report (corrupt, encrypted, empty, a blank template, "
                "another kind of document); no cells",
}
SEVERITY_DOCS: dict[str, str] = {
    "error": "an identity or rule the printed table breaks (the numbers are kept as printed)",
    "warning": "a soft rule broken, or something a reader should check",
    "info": "context: e.g. an identity not assessable because a term is missing",
}


def _check_vocab(name: str, docs: dict, keys) -> None:
    missing = sorted(set(keys) - set(docs))
    if missing:
        raise KeyError(f"codebook: no explanation for {name} {missing}: add it to the codebook")


def _esc(s: object) -> str:
    """Markdown table cell text: pipes would split the cell."""
    return str(s).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_esc(c) for c in r) + " |" for r in rows]
    return out + [""]


def _code(s: str) -> str:
    return f"`{s}`" if s else ""


def _codes(keys) -> str:
    return ", ".join(f"`{k}`" for k in keys)


def _term_text(term: schema.Term) -> str:
    cells = [f"{term.table}.{r}.{c}" for r in term.rows for c in term.cols]
    return " + ".join(cells)


def _terms_text(terms: tuple[schema.Term, ...]) -> str:
    return " + ".join(_term_text(t) for t in terms)


def measure_formula(m: schema.Measure) -> str:
    """The measure as a formula over cell addresses table.row.col."""
    num = _terms_text(m.numerator)
    if m.numerator_minus:
        num = f"({num}) - ({_terms_text(m.numerator_minus)})"
    den = _terms_text(m.denominator)
    if m.denominator_minus:
        den = f"({den}) - ({_terms_text(m.denominator_minus)})"
    return f"({num}) / ({den})"


def _row_label(r: schema.Row) -> str:
    return f"{r.group} {r.label}" if r.group else r.label


def codebook_markdown() -> str:
    """The codebook as Markdown text (deterministic)."""
    units = {c.unit for t in schema.TABLES for c in t.columns}
    dtypes = {c.dtype for t in schema.TABLES for c in t.columns}
    _check_vocab("unit", UNIT_DOCS, units)
    _check_vocab("dtype", DTYPE_DOCS, dtypes)
    _check_vocab("status", STATUS_DOCS, schema.STATUSES)
    _check_vocab("severity", SEVERITY_DOCS, schema.SEVERITIES)

    L: list[str] = []
    L += ["# Codebook: government information publicity annual reports (政府信息公开工作年度报告)",
          "",
          "Generated from `gip_pipeline/metadata/schema.py` by `gip_pipeline.exports.codebook`; do not edit.",
          "Keys are the identifiers used in every file of the export; labels are the Chinese "
          "text the national format prints (simplified, after normalisation).",
          ""]

    # -- missing values first: the rule that matters most when using the numbers
    bz = ", ".join(f"`{t.key}.blanks_as_zero`" for t in schema.TABLES)
    bzc = ", ".join(f"`{t.key}.blanks_as_zero_consistent`" for t in schema.TABLES)
    bhv = ", ".join(f"`{t.key}.{BLANKS_HIDE_VALUES_CHECK}`" for t in schema.TABLES)
    L += ["## Missing values: a blank is not zero", "",
          "A printed cell is a number, empty, a dash or slash (—, -, /), or a word (无). "
          "Only a number becomes a value. Empty, dash and word cells are kept as **missing "
          "(null)**, with the printed text in `raw`; they are never turned into 0.",
          "",
          "Many publishers leave a cell blank where they mean zero. Where the report's "
          "identities force a blank cell to be zero, the report carries an `info` finding "
          f"({bz}) listing those cells (`cells`); where no identity forces a blank but every "
          "identity containing it holds when the blanks are read as zero (e.g. a wholly blank "
          f"row), a separate, weaker `info` finding ({bzc}) lists it. Evidence a researcher "
          "may use to read those blanks as zero; the tidy data still holds null. The marts "
          "read a blank as zero only on the proof (the first finding), never on the weaker "
          "evidence, and every mart row whose values may rest on such a zero says so "
          "(`uses_blank_zero_evidence` = true).",
          "",
          "The other way round: where the printed numbers prove that blank cells cannot all "
          "be zero (a total of 5 over parts printed as 3 and two blanks), the report carries a "
          f"`warning` ({bhv}) naming the cells and what they must hold: a value printed blank, "
          "or one the reader could not see. The cells stay null, and the report's status is "
          "`warning`, never `ok`.",
          "",
          "A measure or identity with a missing term is *not assessable*: it is null, "
          "never computed from a partial sum and never reported as passed.",
          ""]

    # -- units and dtypes
    L += ["## Units and data types", ""]
    L += _table(["unit", "meaning", "中文"],
                [[_code(u), UNIT_DOCS[u][0], UNIT_DOCS[u][1]] for u in sorted(units)])
    L += _table(["dtype", "meaning"], [[_code(d), DTYPE_DOCS[d]] for d in sorted(dtypes)])

    # -- eras
    L += ["## Format eras", "",
          "The era is decided by the tables' own labels first (marker labels below), the "
          "reporting year second.", ""]
    L += _table(["era", "reporting years", "defined by", "marker labels"],
                [[_code(e.key), f"{e.years[0]}–{e.years[1] if e.years[1] < 9999 else 'onward'}",
                  e.defined_by, "、".join(e.marker_labels) or "—"] for e in schema.ERA_DEFS])

    # -- tables
    L += ["## Tables", ""]
    for t in schema.TABLES:
        L += [f"### `{t.key}` — 第{t.section}部分 {t.title}", "", f"{t.en}.", ""]
        if t.title_variants:
            L += ["Heading variants: " + "；".join(t.title_variants), ""]
        L += ["Rows:", ""]
        L += _table(["row key", "label (中文)", "English", "eras", "label variants"],
                    [[_code(r.key), _row_label(r), r.en, ", ".join(r.eras),
                      "；".join(r.variants)] for r in t.rows])
        L += ["Columns:", ""]
        optional = schema.OPTIONAL_COLUMNS.get(t.key, ())
        L += _table(["column key", "label (中文)", "English", "dtype", "unit", "negative allowed",
                     "label variants", "note"],
                    [[_code(c.key), c.label, c.en, c.dtype, c.unit,
                      "yes" if c.allow_negative else "no", "；".join(c.variants),
                      "printed only by some local variants" if c.key in optional else ""]
                     for c in t.columns])
        if t.key == "requests":
            L += [f"The columns {_codes(schema.REQUEST_ORG_COLUMNS)} sit under the group "
                  f"label {schema.LEGAL_PERSON_GROUP_LABEL}.", ""]

    # -- which cells each era prints
    L += ["## Cells each era prints", "",
          "Every (table, row, column) the national format of an era prints (optional "
          "columns excluded). The `legacy` era has no national table.", ""]
    for era in schema.TABLE_ERAS:
        cells = schema.expected_cells(era)
        L += [f"### Era `{era}` ({len(cells)} cells)", ""]
        by_row: dict[tuple[str, str], list[str]] = {}
        for t, r, c in cells:
            by_row.setdefault((t, r), []).append(c)
        # Rows printing the same columns share a line (requests: all rows, all columns).
        groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for (t, r), cols in by_row.items():
            groups.setdefault((t, tuple(cols)), []).append(r)
        L += _table(["table", "rows", "columns (each of these rows prints each of these)"],
                    [[_code(t), _codes(rs), _codes(cols)] for (t, cols), rs in groups.items()])

    # -- identities
    L += ["## Identities", "",
          "Checks every report must satisfy. A failing identity is a finding with the "
          "printed numbers; the numbers are never repaired. An identity with a missing term "
          "is reported as not assessable (`<check>.not_assessable`, severity `info`).", ""]
    L += _table(["check", "table", "over", "left", "right", "eras", "severity", "optional",
                 "description"],
                [[_code(i.check), i.table,
                  "each column" if i.over == "columns" else "each row",
                  " + ".join(i.left), " + ".join(i.right), ", ".join(i.eras), i.severity,
                  "yes (only where printed)" if i.optional else "no", i.description]
                 for i in schema.IDENTITIES])
    L += ["Across years (same organ):", ""]
    L += _table(["check", "table", "row at t", "row at t-1", "severity", "description"],
                [[_code(c.check), c.table, _code(c.row_t), _code(c.row_prev), c.severity,
                  c.description] for c in schema.CROSS_YEAR_IDENTITIES])

    # -- crosswalk
    L += ["## Crosswalk between eras (2019 → 2021)", "",
          "For trends across the 2021 format change, a 2019-era row equals the sum of these "
          "2021-era rows (same table, same column):", ""]
    rows = []
    for combined, parts in schema.ERA_CROSSWALK.items():
        for t in schema.TABLES:
            keys = schema.all_row_keys(t.key)
            if combined in keys:
                rows.append([_code(f"{t.key}.{combined}"), _row_label(t.row(combined)),
                             " + ".join(f"`{p}`" for p in parts),
                             " + ".join(_row_label(t.row(p)) for p in parts)])
    L += _table(["2019 row", "label", "= sum of 2021 rows", "labels"], rows)

    # -- legacy
    L += ["## The years before the national format (2008-2018)", "",
          "A legacy report's local statistics table is in `legacy_statistics` (one row per "
          "printed line and period: `year` = 本年度, `cumulative` = 历年累计), with the printed "
          "label and the raw text. Glued crawler text is cut by the item numbers, the table's "
          "own sums (a line = the sum of its 其中 lines) and the numbers the prose prints "
          "(`decoded_by`); a value nothing decides is null (`value_status` ambiguous). The "
          "year values of these indicators enter the marts as the 2019+ quantity beside them "
          "(trends: `crosses_era`, `uses_crosswalk`); the others stay in `legacy_statistics`:",
          ""]
    L += _table(["indicator", "中文", "English", "2019+ quantity", "note"],
                [[_code(i.key), i.zh, i.en, _code(i.quantity) if i.quantity else "",
                  i.note] for i in schema.LEGACY_INDICATORS])

    # -- organs and corrections
    L += ["## Organ identity", "",
          "`organ_id` (in `reports` and `organs`) is the region code and the organ's name after "
          "its region, with the 编制 qualifier dropped and abbreviations expanded "
          "(上海市科委 = 上海市科学技术委员会); a government and its general office are "
          "`<code>:government` and `<code>:general_office` whatever they are called. "
          "`organ_series_id` follows renamings and mergers (`organs.successor_id`) to the last "
          "organ: the marts' `organ_key` is built from it, so a series over years survives a "
          "name change (`trends.crosses_rename`). Curated entries: the package's registry and "
          "the user's `organs.csv` (`organs.source`).", ""]
    L += ["## Human corrections", "",
          "A value a researcher has read right and recorded in the data folder's "
          "`corrections.csv` (report sha256 or report_id, table, row, col, value, reason, who, "
          "when) replaces the extracted one on every run: `cells.corrected` is true, "
          "`cells.value_extracted` keeps what extraction read, `raw` stays the printed text, a "
          "`correction.applied` finding names the change, and the marts' `corrected` flags "
          "every row resting on one. `corrections` lists every line of the file with its "
          "status; a line that no longer matches a report or a cell is listed there, never "
          "dropped. The extraction's identity findings describe the printed values; the "
          "identities are evaluated again on the corrected ones: `correction.identity_break` "
          "(a warning) where they still break or a correction breaks them, "
          "`correction.identities_hold` where the corrections mend every break.", ""]

    # -- measures
    L += ["## Comparison measures", "",
          "Computed from sums of cells (for an aggregate: sum the numerators and the "
          "denominators over reports, then divide; never average rates). A measure is null "
          "when any term is missing or the denominator is zero. Rates over small "
          f"denominators are noise: rank only units with a denominator of at least "
          f"{schema.MIN_RANK_DENOMINATOR}.", ""]
    L += _table(["measure", "中文", "English", "definition (table.row.col)"],
                [[_code(m.key), m.zh, m.en, measure_formula(m)] for m in schema.MEASURES])

    # -- metadata
    from gip_pipeline.exports import CSV_FORMULA_START

    starts = ", ".join(repr(c)[1:-1] if c.isprintable() else {"\t": "tab", "\r": "CR"}[c]
                       for c in CSV_FORMULA_START)
    L += ["## CSV files", "",
          "The optional CSV copies (`gip export --csv`) hold the same rows as the Parquet files; "
          "an empty field is null. A text field beginning with one of " + starts + " is written "
          "with a leading `'`, so that a spreadsheet shows it as text instead of running it as "
          "a formula (the OWASP rule against CSV injection: a file name such as "
          "`=HYPERLINK(...)`, or a raw cell text `-`). Parquet keeps the text exactly as read.", ""]
    L += ["## Report metadata", "", "Unknown metadata is null, never a guess.", ""]
    L += _table(["field", "中文", "English", "type", "printed under", "values"],
                [[_code(m.key), m.zh, m.en, m.dtype, "、".join(m.labels),
                  _codes(m.values)] for m in schema.METADATA])

    L += _columns_section()

    # -- statuses, severities, formats, deadlines
    L += ["## Report status", ""]
    L += _table(["status", "meaning"], [[_code(s), STATUS_DOCS[s]] for s in schema.STATUSES])
    L += ["## Finding severities", ""]
    L += _table(["severity", "meaning"],
                [[_code(s), SEVERITY_DOCS[s]] for s in schema.SEVERITIES])
    L += ["## Source file formats", ""]
    L += [f"- `{k}`: {v}" for k, v in schema.FORMAT_DOCS.items()]
    L += ["", "A value read by OCR has `value_source` `ocr` (or `ocr_identities` where the table's "
          "identities chose it among the recogniser's digit readings), its `ocr_confidence` and "
          "`ocr_box`; an OCR reading that stays uncertain is null with an `ocr.*` finding.", ""]
    L += ["## Publication deadlines", "",
          "Month and day of the year after the reporting year (Regulation on Open "
          "Government Information, Art. 49-50), by organ kind:", ""]
    L += _table(["organ_kind", "deadline"],
                [[_code(k), f"{m:02d}-{d:02d}"] for k, (m, d) in
                 schema.PUBLICATION_DEADLINE.items()])
    return "\n".join(L).rstrip("\n") + "\n"


def _columns_section() -> list[str]:
    """Every table and column a researcher meets, from the field registry (FIELD_DOCS)."""
    from gip_pipeline.exports import ALL_EXPORTS
    from gip_pipeline.metadata.fields import field_doc, table_columns
    from gip_pipeline.metadata.outputs import PRIMARY_KEYS, TABLE_DOCS

    L = ["## Tables and their columns", "",
         "The tidy tables (one row per cell, report, finding, input file), then the marts dbt "
         "builds from them. Each file of the download is one of these tables; units: see "
         "above (`ratio` = a share between 0 and 1).", ""]
    for name, cols in table_columns().items():
        where = (f"`{name}.parquet` in the download" if name in ALL_EXPORTS
                 else "in the warehouse only (schema `core`), not in the download")
        L += [f"### `{name}`", "", TABLE_DOCS[name], "",
              f"Key: {_codes(PRIMARY_KEYS[name])}; {where}.", ""]
        rows = []
        for c in cols:
            doc = field_doc(c)
            if doc.unit and doc.unit not in UNIT_DOCS and doc.unit != "ratio":
                raise KeyError(f"codebook: column {c!r} has unit {doc.unit!r} the codebook does "
                               "not explain")
            values = _codes(doc.enum) if 0 < len(doc.enum) <= 12 else ""
            rows.append([_code(c), doc.zh, doc.en + (f" {doc.zh_note}" if doc.zh_note else ""),
                         doc.unit or "", values])
        L += _table(["column", "中文", "description", "unit", "values"], rows)
    return L


def write_codebook(path: str | Path) -> Path:
    """Write CODEBOOK.md to `path` (a file, or a folder to hold CODEBOOK.md)."""
    path = Path(path)
    if path.is_dir():
        path = path / "CODEBOOK.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(codebook_markdown(), encoding="utf-8", newline="\n")
    return path
