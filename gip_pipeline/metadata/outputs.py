"""Every output table a researcher meets: what each table is (TABLE_DOCS), its key
(PRIMARY_KEYS, also the exports' row order), the marts (MART_MODELS), their columns
(MART_COLUMNS) and what those mean (MART_COLUMN_DOCS, column_description; Chinese names in
MART_COLUMN_ZH), and the quantities the marts compare (QUANTITIES: dbt's quantity seeds).
The field registry (metadata.fields), the dbt YAML, the datapackage and the codebook render
from here."""

from __future__ import annotations

from dataclasses import dataclass

from gip_pipeline.metadata import schema

# The Chinese name of each mart column the datapackage and the codebook show (their English
# descriptions: column_description, which the dbt YAML renders too).
MART_COLUMN_ZH: dict[str, str] = {
    "organ_key": "机关标识", "n_error_findings": "错误数", "n_warning_findings": "警告数",
    "n_identity_breaks": "勾稽不符数", "is_counted": "计入汇总", "counted_report_id": "计入的报告",
    "uses_blank_zero_evidence": "依赖空白按零（勾稽证明）", "n_blank_zero_cells": "空白按零单元格数",
    "publication_deadline": "法定发布期限", "published_on_time": "按期发布",
    "other_handling_total": "（六）其他处理（跨版本）", "region_year_id": "地区-年度键",
    "n_reports": "报告数", "n_reports_warning": "警告报告数", "n_reports_blank_zero": "空白按零报告数",
    "unit_type": "单位类型", "unit_key": "单位键", "measure": "指标", "numerator": "分子",
    "denominator": "分母", "rank_status": "排名状态", "rank": "名次", "n_ranked": "参与排名数",
    "percentile": "百分位", "ranking_id": "排名键", "trend_id": "趋势键", "quantity": "统计项",
    "comparability": "可比性", "prev_year": "上一年度", "prev_era": "上一年度格式版本",
    "prev_value": "上一年度数值", "change": "变化", "relative_change": "相对变化",
    "prev_n_reports": "上一年度报告数", "crosses_era": "跨格式版本", "uses_crosswalk": "使用口径对照",
    "prev_organ_id": "上一年度机关标识", "crosses_rename": "跨机关更名",
    "n_corrected_cells": "人工更正单元格数",
    "consistency_id": "一致性键", "prev_report_id": "上一年度报告", "difference": "差额",
    "prev_carried_forward": "上年结转下年度", "quality_id": "质量键", "n_found": "发现文件数",
    "n_counted": "计入报告数", "n_duplicates": "重复报告数", "n_ok": "正常", "n_warning": "警告",
    "n_rejected": "拒收", "n_synthetic": "合成数据数", "n_blank_zero": "空白按零报告数",
    "n_identity_assessed": "勾稽已核报告数", "n_identity_pass": "勾稽通过报告数",
    "identity_pass_rate": "勾稽通过率", "n_dated": "有发布日期数", "n_on_time": "按期数",
    "n_late": "逾期数", "on_time_rate": "按期率", "value": "数值", "col": "列",
    "result": "核对结果", "region_key": "地区键", "litigation_total": "行政诉讼合计",
}


TABLE_DOCS: dict[str, str] = {
    "cells": "One row per extracted table cell (tidy long format). Null value = printed blank, "
             "dash or word; raw keeps the printed text. 每行一个单元格。",
    "reports": "One row per distinct report file: metadata, status, counts. 每行一份报告。",
    "findings": "What the checks found, per report (identities, not-assessable, blanks-as-zero "
                "evidence). 校验发现。",
    "narrative": "One row per prose section of a report: 一 overall situation, 五 problems and "
                 "improvements, 六 other matters, as text (normalized) and as printed; search "
                 "it with SQL (text like '%...%'). 报告正文（总体情况、存在问题、其他事项）。",
    "legacy_statistics": "One row per value of a pre-2019 report's local statistics table "
                         "(指标名称 / 计量单位 / 本年度 / 历年累计): the printed label, the "
                         "indicator (legacy_crosswalk seed), unit, period (year or cumulative), "
                         "value and raw text; a glued value neither the table's sums nor the "
                         "prose decode stays null (status ambiguous). 2008-2018年度统计表。",
    "report_comparison": "One row per report: request totals (column total) and the comparison "
                         "measures with numerator and denominator. 报告级比较指标。",
}

# Key of each table; the exports also write their rows in this order.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "cells": ("report_id", "table", "row", "col"),
    "reports": ("report_id",),
    "findings": ("report_id", "seq"),
    "narrative": ("report_id", "section"),
    "legacy_statistics": ("report_id", "seq", "period"),
    "report_files": ("path",),
    "rejected_files": ("path",),
    "organs": ("organ_id",),
    "corrections": ("line",),
    "regions": ("region_id",),
    "report_comparison": ("report_id",),
    "region_year": ("region_year_id",),
    "rankings": ("ranking_id",),
    "trends": ("trend_id",),
    "cross_year_consistency": ("consistency_id",),
    "data_quality": ("quality_id",),
}
TABLE_DOCS.update({
    "region_year": "Per region, year, admin level, organ kind and department type: sums of the "
                   "counted reports and measures recomputed from pooled sums (a government's "
                   "summary report is never added to its departments). 地区-年度汇总。",
    "rankings": f"Rank and percentile on each measure within year, level, organ kind and "
                f"department type; units with fewer than {schema.MIN_RANK_DENOMINATOR} handled "
                f"requests (total_handled) listed as too_small. 排名。",
    "trends": "Year-over-year change per organ series (organ_key: renamed organs are one "
              "series, crosses_rename) and region, across the format changes: legacy (pre-2019 "
              "statistics tables, through the legacy_crosswalk seed) → 2019 → 2021 (crosswalk "
              "for （六）其他处理). 年度变化。",
    "cross_year_consistency": "carried_over(t) against carried_forward(t-1) per organ and "
                              "column; status differs is a finding. 跨年结转一致性。",
    "data_quality": "Per region and year: reports found, ok/warning/rejected, identity pass "
                    "rate, publication against the legal deadline. 数据质量与及时性。",
    "report_files": "One row per input file name and the report it holds (identical bytes "
                    "under two names: two rows, one report). 输入文件清单。",
    "rejected_files": "One row per rejected input file name, with the one-sentence reason. "
                      "拒收文件及原因。",
    "organs": "The organ registry: one row per canonical organ id (region code + organ "
              "proper: 上海市科委 and 上海市科学技术委员会 are one organ) with its official name, "
              "aliases, level, kind, the organ it was renamed or merged into (successor_id) and "
              "its series (organ_series_id, which trends and marts join on); shipped entries, "
              "the user's <data>/organs.csv, and every organ a report names. 机关名录。",
    "corrections": "Every row of <data>/corrections.csv with the extracted value beside the "
                   "corrected one and whether it applied (applied, unmatched_report, "
                   "unmatched_cell, invalid, superseded): the corrections are applied after "
                   "extraction on every run. 人工更正及审计。",
    "regions": "The GB/T 2260 region reference: every code with its name, level and parent "
               "for each period of validity (the marts' names come from it). 行政区划参照表。",
})


# The marts dbt builds, in the order the download folder lists them.
MART_MODELS = ("report_comparison", "region_year", "rankings", "trends",
               "cross_year_consistency", "data_quality")
# （六）其他处理 carried across the 2019/2021 formats (schema.ERA_CROSSWALK), a mart column.
CROSSWALK_COLUMN = "other_handling_total"

# What each mart column means where the schema does not say it (column_description
# derives the rest: cells, measures, request totals).
MART_COLUMN_DOCS: dict[str, str] = {
    "organ_key": "Stable organ identity across years and renamings: the organ registry's "
                 "organ_series_id (core.organs), prefixed 'synthetic:' for synthetic reports; "
                 "null when the organ is unknown.",
    "n_corrected_cells": "Cells of the report whose value is a human correction "
                         "(core.corrections).",
    "n_error_findings": "Findings of severity error.",
    "n_warning_findings": "Findings of severity warning.",
    "n_identity_breaks": "Findings of a schema identity (severity error or warning).",
    "is_counted": "True for the one report of an organ and year the aggregate marts use: not "
                  "rejected, not a duplicate (duplicate_of), and first of its (organ_key, year) "
                  "by status ok, then most cells, then report_id.",
    "counted_report_id": "The report counted for this one's organ and year (itself when "
                         "is_counted); null for rejected reports.",
    "uses_blank_zero_evidence": "True when a value of this row may rest on a blank cell read as "
                                "0, which the marts do only where the report's identities PROVE "
                                "it zero (the cell is listed in a <table>.blanks_as_zero "
                                "finding). Aggregates: any report behind the row; rankings: the "
                                "unit's report(s); trends: the unit in either year (section 二: "
                                "the cell itself); cross-year rows: either of the two cells. "
                                "Blanks merely consistent with zero "
                                "(<table>.blanks_as_zero_consistent) and all other blanks stay "
                                "null.",
    "n_blank_zero_cells": "Blank cells read as 0 because the extraction proved them zero "
                          "(<table>.blanks_as_zero).",
    "publication_deadline": "Legal deadline of publication (schema.PUBLICATION_DEADLINE, the "
                            "year after the reporting year) for the organ kind.",
    "published_on_time": "published <= publication_deadline; null when either is unknown.",
    "value_used": "The value the marts use: the printed value, or 0 for a blank cell the "
                  "extraction proved zero (<table>.blanks_as_zero); every other blank is null.",
    "value_used_int": "value_used as an integer where the column counts things (dtype int); "
                      "null in an amount column. The marts' counts are these.",
    "filled_from_evidence": "True when value_used is a blank read as 0 on proof "
                            "(<table>.blanks_as_zero).",
    "blank_zero_evidence": "The blanks-as-zero evidence the extraction recorded for a blank "
                           "cell: 'proven' (<table>.blanks_as_zero: read as 0) or 'consistent' "
                           "(<table>.blanks_as_zero_consistent: weaker, NOT read as 0, "
                           "value_used stays null); null otherwise.",
    CROSSWALK_COLUMN: "（六）其他处理 in both eras (schema.ERA_CROSSWALK): 2019's other_handling, "
                      "a 2021 report's single （六） row, else 2021's three （六） rows summed; null "
                      "if a term is missing.",
    "rankable": f"total_handled >= {schema.MIN_RANK_DENOMINATOR}: rates over fewer handled "
                "requests are noise and are not ranked.",
    "region_year_id": "Key: region_code|year|admin_level|organ_kind|department_type|"
                      "is_synthetic ('-' = null).",
    "n_reports": "Number of counted reports behind the row.",
    "n_reports_warning": "Of those, reports with status warning.",
    "n_reports_blank_zero": "Of those, reports with a blank read as 0 on proof "
                            "(uses_blank_zero_evidence).",
    "unit_type": "organ (one counted report of an organ) or region (a region_year row).",
    "unit_key": "organ_key for organs, region_key for regions (both without the year).",
    "measure": "Measure key (schema.MEASURES).",
    "numerator": "The measure's numerator for the unit.",
    "denominator": "The measure's denominator for the unit.",
    "value": "numerator / denominator.",
    "rank_status": f"ranked; too_small (the unit's total_handled < "
                   f"{schema.MIN_RANK_DENOMINATOR}, schema.MIN_RANK_DENOMINATOR, whatever the "
                   "measure); not_assessable (the value is null, or the unit's total_handled is "
                   "unknown).",
    "rank": "1 = highest value among the ranked peers (same unit type, year, admin level, "
            "organ kind, department type); null unless ranked.",
    "n_ranked": "Number of ranked peers.",
    "percentile": "Share of the ranked peers with a lower value (0 lowest, 1 highest); null "
                  "unless ranked with at least one peer.",
    "ranking_id": "Key: unit_type|unit_key|year|measure.",
    "trend_id": "Key: unit_type|unit_key|quantity|year.",
    "quantity": "What changed: a requests row (total column), a requests group, "
                f"{CROSSWALK_COLUMN}, a review_litigation row__col, a measure, or (organs) "
                "active_disclosure.<row>.<col>.",
    "comparability": "all_eras: the meaning is the same in the 2019 and 2021 formats; "
                     "same_era: joined only between two years of one era.",
    "prev_year": "year - 1.",
    "prev_era": "Format era of the previous year.",
    "prev_value": "The value in the previous year.",
    "change": "value - prev_value.",
    "relative_change": "change / prev_value; null when prev_value is 0.",
    "prev_n_reports": "Reports behind the previous year's value.",
    "crosses_era": "True when the two years are in different format eras (legacy, 2019, "
                   "2021).",
    "uses_crosswalk": f"True when {CROSSWALK_COLUMN} is compared across the era change, or a "
                      "legacy year's value (its local statistics table, through the "
                      "legacy_crosswalk seed) is compared with a 2019+ one.",
    "prev_organ_id": "organ_id of the previous year's report (organ units); null for regions.",
    "crosses_rename": "True when the two years' reports name different organs of one series "
                      "(a renamed or merged organ: core.organs successor_id).",
    "consistency_id": "Key: organ_key|year|col.",
    "check": "The cross-year check (schema.CROSS_YEAR_IDENTITIES).",
    "severity": "Severity of a difference.",
    "prev_report_id": "The organ's counted report of the previous year.",
    "col": "requests column.",
    "carried_over": "carried_over of year t (requests).",
    "prev_carried_forward": "carried_forward of year t-1, same organ and column.",
    "difference": "carried_over(t) - carried_forward(t-1).",
    "result": "holds; differs (a finding); not_assessable (a value missing or blank).",
    "region_key": "The region row's key without the year: region_code|admin_level|organ_kind|"
                  "department_type|is_synthetic ('-' = null); the unit of trends and rankings.",
    "quality_id": "Key: region_code|year ('unknown' for null), '|synthetic' for synthetic "
                  "reports.",
    "n_found": "Report files found (all statuses, duplicates included).",
    "n_counted": "Reports counted (is_counted).",
    "n_duplicates": "Readable reports not counted: duplicates of a counted one.",
    "n_ok": "Reports with status ok.",
    "n_warning": "Reports with status warning.",
    "n_rejected": "Reports with status rejected.",
    "n_synthetic": "Synthetic (generated) reports.",
    "n_blank_zero": "Counted reports with a blank read as 0 on proof (<table>.blanks_as_zero).",
    "n_identity_assessed": "Counted reports whose identities were checked.",
    "n_identity_pass": "Of those, reports without an identity finding.",
    "identity_pass_rate": "n_identity_pass / n_identity_assessed.",
    "n_dated": "Counted reports with a publication date.",
    "n_on_time": "Of those, published by the legal deadline.",
    "n_late": "Of those, published after the legal deadline.",
    "on_time_rate": "n_on_time / n_dated.",
}


# ---------------------------------------------------------------- quantities of the marts
# Every number the marts compare, per report and per region-year row, as one long list: a cell,
# a sum of request rows, the （六） crosswalk or a measure. dbt reads them as seeds (quantities,
# quantity_terms) and computes them long (int_report_quantities); the wide marts pivot last.

def wide_name(table: str, row: str, col: str) -> str:
    """Column name of one cell in the wide marts: requests' total column is named by its row
    (granted); other cells row__col (reconsideration__corrected, new_received__natural_person)."""
    if table == "requests" and col == "total":
        return row
    return f"{row}__{col}"


REQUEST_ROWS: tuple[str, ...] = schema.all_row_keys("requests")
REVIEW_CELLS: tuple[tuple[str, str], ...] = tuple(
    (r, c) for r in schema.all_row_keys("review_litigation")
    for c in schema.all_col_keys("review_litigation"))
# Groups of request rows (column total), summed; null if any term is missing or blank.
COMPARISON_TOTALS: dict[str, tuple[str, ...]] = {
    "denied": schema.DENIED_ROWS,
    "unable": schema.UNABLE_ROWS,
    "not_processed": schema.NOT_PROCESSED_ROWS,
}
LITIGATION_TOTAL = "litigation_total"
# （六）其他处理 in both eras: 2019's row (or a 2021 report's single （六） row), else 2021's rows.
CROSSWALK_ROW = next(iter(schema.ERA_CROSSWALK))


def _cells_of(terms: tuple[schema.Term, ...]) -> list[tuple[str, str, str]]:
    return [(t.table, r, c) for t in terms for r in t.rows for c in t.cols]


def _wide_cells() -> tuple[tuple[str, str, str], ...]:
    cells = [("requests", r, "total") for r in REQUEST_ROWS]
    cells += [("review_litigation", r, c) for r, c in REVIEW_CELLS]
    for m in schema.MEASURES:
        cells += _cells_of(m.numerator + m.denominator + m.denominator_minus + m.numerator_minus)
    return tuple(dict.fromkeys(cells))


# The cells the marts show, one column each.
WIDE_CELLS: tuple[tuple[str, str, str], ...] = _wide_cells()
WIDE_COLUMNS: tuple[str, ...] = tuple(wide_name(*k) for k in WIDE_CELLS)

# (sign, table, row, col): one signed term of a sum.
SignedCell = tuple[int, str, str, str]


@dataclass(frozen=True)
class Quantity:
    name: str
    kind: str  # cell, total (a sum of rows), crosswalk or measure
    # part (value; numerator and denominator for a measure) -> its alternatives, first known wins;
    # an alternative is a sum of signed cells, unknown when any of them is missing or blank
    parts: dict[str, tuple[tuple[SignedCell, ...], ...]]
    # trends: all_eras (same meaning in 2019 and 2021), same_era, or None (not trended)
    comparability: str | None


def _plus(cells) -> tuple[SignedCell, ...]:
    return tuple((1, *k) for k in cells)


def _minus(cells) -> tuple[SignedCell, ...]:
    return tuple((-1, *k) for k in cells)


def _quantities() -> tuple[Quantity, ...]:
    era_specific = {r.key for r in schema.REQUESTS.rows if set(r.eras) != set(schema.TABLE_ERAS)}
    trended = {("requests", r, "total") for r in REQUEST_ROWS}
    trended |= {("review_litigation", r, c) for r, c in REVIEW_CELLS}
    out = [Quantity(wide_name(*k), "cell", {"value": (_plus([k]),)},
                    None if k not in trended else "same_era" if k[1] in era_specific
                    else "all_eras")
           for k in WIDE_CELLS]
    out += [Quantity(name, "total", {"value": (_plus(("requests", r, "total") for r in rows),)},
                     "all_eras") for name, rows in COMPARISON_TOTALS.items()]
    # Every lawsuit, direct or after reconsideration: what a legacy table's 行政诉讼数 counts.
    out.append(Quantity(LITIGATION_TOTAL, "total", {"value": (
        _plus(("review_litigation", r, "total") for r in schema.LITIGATION_ROWS),)}, "all_eras"))
    out.append(Quantity(CROSSWALK_COLUMN, "crosswalk", {"value": (
        _plus([("requests", CROSSWALK_ROW, "total")]),
        _plus(("requests", r, "total") for r in schema.ERA_CROSSWALK[CROSSWALK_ROW]))},
        "all_eras"))
    out += [Quantity(m.key, "measure", {
        "numerator": (_plus(_cells_of(m.numerator)) + _minus(_cells_of(m.numerator_minus)),),
        "denominator": (_plus(_cells_of(m.denominator))
                        + _minus(_cells_of(m.denominator_minus)),)}, "all_eras")
        for m in schema.MEASURES]
    return tuple(out)


QUANTITIES: tuple[Quantity, ...] = _quantities()
MEASURE_KEYS: tuple[str, ...] = tuple(m.key for m in schema.MEASURES)
# A wide mart shows a measure as three columns: numerator, denominator, value.
MEASURE_COLUMNS: tuple[str, ...] = tuple(f"{m}{s}" for m in MEASURE_KEYS
                                         for s in ("_numerator", "_denominator", ""))
# The non-measure quantities: one column each, in the wide marts' order.
VALUE_COLUMNS: tuple[str, ...] = tuple(q.name for q in QUANTITIES if q.kind != "measure")

# ---------------------------------------------------------------- the marts' columns

REPORT_META_COLUMNS = ("report_id",) + schema.META_KEYS + (
    "province_code", "prefecture_code", "region_name", "province_name", "prefecture_name",
    "department_type", "organ_id", "organ_key", "status", "n_findings",
    "n_error_findings", "n_warning_findings", "n_identity_breaks", "is_counted",
    "counted_report_id", "duplicate_of", "uses_blank_zero_evidence", "n_blank_zero_cells",
    "corrected", "n_corrected_cells", "is_synthetic", "source_file")
REGION_YEAR_KEYS = ("region_code", "year", "admin_level", "organ_kind", "department_type",
                    "is_synthetic")
# The columns of each mart as dbt builds them (its models' SQL); a test holds the two equal.
MART_COLUMNS: dict[str, tuple[str, ...]] = {
    "report_comparison": REPORT_META_COLUMNS + VALUE_COLUMNS + MEASURE_COLUMNS + ("rankable",),
    "region_year": ("region_year_id", "region_key") + REGION_YEAR_KEYS + (
        "province_code", "prefecture_code", "region_name", "province_name", "prefecture_name",
        "era", "n_reports", "n_reports_warning",
        "n_reports_blank_zero", "uses_blank_zero_evidence", "corrected") + VALUE_COLUMNS + tuple(
        f"{m}{s}" for m in MEASURE_KEYS for s in ("_numerator", "_denominator", "_n_reports"))
        + MEASURE_KEYS + ("rankable",),
    "rankings": ("ranking_id", "unit_type", "unit_key", "report_id", "region_code",
                 "region_name", "year",
                 "admin_level", "organ_kind", "department_type", "is_synthetic", "measure",
                 "numerator", "denominator", "value", "total_handled",
                 "uses_blank_zero_evidence", "rank_status", "rank", "n_ranked", "percentile"),
    "trends": ("trend_id", "unit_type", "unit_key", "is_synthetic", "quantity", "comparability",
               "year", "prev_year", "era", "prev_era", "value", "prev_value", "change",
               "relative_change", "n_reports", "prev_n_reports", "uses_blank_zero_evidence",
               "crosses_era", "uses_crosswalk", "organ_id", "prev_organ_id", "crosses_rename",
               "corrected"),
    "cross_year_consistency": (
        "consistency_id", "check", "severity", "organ_key", "organ", "region_code",
        "is_synthetic", "year", "prev_year", "report_id", "prev_report_id", "col",
        schema.CROSS_YEAR_IDENTITIES[0].row_t, f"prev_{schema.CROSS_YEAR_IDENTITIES[0].row_prev}",
        "difference", "uses_blank_zero_evidence", "result"),
    "data_quality": ("quality_id", "region_code", "year", "is_synthetic", "province_code",
                     "region_name", "province_name", "n_found", "n_counted", "n_duplicates", "n_ok", "n_warning", "n_rejected",
                     "n_synthetic", "n_blank_zero", "n_identity_assessed", "n_identity_pass",
                     "n_dated", "n_on_time", "n_late", "identity_pass_rate", "on_time_rate"),
}
assert tuple(MART_COLUMNS) == MART_MODELS


def _row_doc(table: str, row: str, col: str) -> str:
    td = schema.TABLES_BY_KEY[table]
    r, c = td.row(row), td.column(col)
    label = f"{r.group} {r.label}" if r.group else r.label
    return f"{td.key}.{row}.{col}: {r.en}, {c.en} ({label} · {c.label})"


def column_description(name: str) -> str:
    """The English description of a mart or intermediate column, from the schema where it can
    be; KeyError when nothing describes it."""
    if name in MART_COLUMN_DOCS:
        return MART_COLUMN_DOCS[name]
    for t, r, c in WIDE_CELLS:
        if wide_name(t, r, c) == name:
            return _row_doc(t, r, c) + "; null if missing or blank."
    if name in REQUEST_ROWS:
        return _row_doc("requests", name, "total") + "; null if missing or blank."
    if name in COMPARISON_TOTALS:
        return ("requests, column total: " + " + ".join(COMPARISON_TOTALS[name])
                + "; null if any term is missing or blank.")
    if name == LITIGATION_TOTAL:
        return ("review_litigation, column total: " + " + ".join(schema.LITIGATION_ROWS)
                + " (every lawsuit, as a pre-2019 table's 行政诉讼数 counts them); null if any "
                "term is missing or blank.")
    for m in schema.MEASURES:
        if name == m.key:
            return (f"{m.en} ({m.zh}) = numerator / denominator; null when not assessable or "
                    "the denominator is 0.")
        if name == f"{m.key}_numerator":
            return f"{m.en}: numerator."
        if name == f"{m.key}_denominator":
            return f"{m.en}: denominator."
        if name == f"{m.key}_n_reports":
            return f"{m.en}: reports pooled (all terms present)."
    # a tidy column carried into a model: the field registry (which reads this module first)
    from gip_pipeline.metadata.fields import FIELD_DOCS

    if name in FIELD_DOCS:
        return FIELD_DOCS[name].en
    raise KeyError(f"no description for column {name!r}: add it to MART_COLUMN_DOCS")
