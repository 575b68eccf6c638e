"""FIELD_DOCS: what every column a researcher meets means, in English and Chinese, with its unit
and closed set of values: the tidy tables, the input-file accounting and the marts. The
datapackage, the codebook and the dbt YAML read it; it derives everything it can from the
report schema (metadata fields, tables, row and column labels, measures) and from
metadata.outputs (the marts' columns and descriptions), so that the package, the codebook, the
dbt docs and the data agree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gip_pipeline.metadata import schema
from gip_pipeline.metadata.outputs import (MART_COLUMN_ZH, MART_COLUMNS, WIDE_CELLS,
                                          column_description, wide_name)


@dataclass(frozen=True)
class FieldDoc:
    zh: str  # short Chinese title
    en: str  # English description
    zh_note: str = ""  # Chinese description beyond the title
    unit: str | None = None  # schema units (count, 10k_yuan, as_printed) or ratio
    enum: tuple[str, ...] = ()  # closed set of values, where the schema fixes one

    def description(self) -> str:
        zh = f"{self.zh}：{self.zh_note}" if self.zh_note else self.zh
        return f"{self.en} / {zh}"


def _uniq(seq: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(seq))


def _units() -> tuple[str, ...]:
    return _uniq(c.unit for t in schema.TABLES for c in t.columns)


def _dtypes() -> tuple[str, ...]:
    return _uniq(c.dtype for t in schema.TABLES for c in t.columns)


def _group_label(rows: tuple[str, ...]) -> str:
    return schema.REQUESTS.row(rows[0]).group or ""


# What the tidy columns added for regions, duplicates, blank-zero evidence and OCR mean.
_ADDED_COLUMNS_EN: dict[str, str] = {
    'province_code': 'GB/T 2260 code of the province of region_code (from the region reference '
                     'for the report year); null when region_code is null or national.',
    'prefecture_code': 'GB/T 2260 code of the prefecture of region_code; null for province and '
                       'national organs and where unknown.',
    'department_type': 'For organ_kind department: the kind of department (public_security, '
                       'education, natural_resources, ...; gip_pipeline.regions); else null.',
    'duplicate_of': 'report_id of the report this file duplicates (the same report published '
                    'again in another form); null for an original. The marts count a report '
                    'once.',
    'cells': 'The cells a finding names, as row.col of its table, space-separated: for an '
             'identity break, every cell of the instance that does not hold (both sides); for '
             '<table>.blanks_as_zero, the blank cells the identities prove are zero; null when '
             'it names none.',
    'ocr_confidence': "For an OCR'd cell: the probability of its least likely character (0-1); "
                      'a value below 0.95 that no identity confirms is left null with an '
                      'ocr.uncertain finding. Null without OCR.',
    'ocr_box': "For an OCR'd cell: its text's box in pixels of the page image, as 'x0 y0 x1 y1'"
               ' (top-left origin). Null without OCR.',
    'value_source': "How an OCR'd value was read: ocr (the recogniser's reading) or "
                    'ocr_identities (an alternative reading that the table identities prove, '
                    'raw keeping the first reading); null for a file with a text layer.',
}


def _build_field_docs() -> dict[str, FieldDoc]:
    d: dict[str, FieldDoc] = {}
    # -- report metadata: straight from schema.METADATA
    for m in schema.METADATA:
        d[m.key] = FieldDoc(m.zh, f"{m.en}. Null when unknown (never guessed).", enum=m.values)
    sources = ", ".join(schema.META_SOURCES)
    zh_of = {m.key: m.zh for m in schema.METADATA}
    for k in schema.SOURCED_META_KEYS:
        d[f"{k}_source"] = FieldDoc(
            f"{zh_of[k]}来源",
            f"Where {k} was read: {sources} (a statistics period or the signature counts as "
            "body). Where two sources disagree a metadata.sources_disagree finding names both. "
            f"Null when {k} is null.",
            "读取来源：标题、页头字段、正文、文件名", enum=schema.META_SOURCES)
    d["report_id"] = FieldDoc("报告编号", "Report id: first 16 hex digits of the sha256 of the "
                              "source file's bytes. In report_files and rejected_files null for "
                              "a file never read (hidden, or a link out of the input folder).",
                              "源文件字节 sha256 的前 16 位；未读取的文件（隐藏文件等）为空")
    # -- cell keys: closed sets from the schema's tables
    d["table"] = FieldDoc(
        "表", "Table key: " + "; ".join(f"{t.key} = {t.en}" for t in schema.TABLES) + ".",
        "；".join(f"{t.key}＝第{t.section}部分 {t.title}" for t in schema.TABLES),
        enum=tuple(t.key for t in schema.TABLES))
    d["row"] = FieldDoc("行", "Row key within the table (labels in CODEBOOK.md).",
                        "表内行键（中文标签见 CODEBOOK.md）",
                        enum=_uniq(r.key for t in schema.TABLES for r in t.rows))
    d["col"] = FieldDoc("列", "Column key within the table (labels in CODEBOOK.md).",
                        "表内列键（中文标签见 CODEBOOK.md）",
                        enum=_uniq(c.key for t in schema.TABLES for c in t.columns))
    d["value"] = FieldDoc(
        "数值", "The printed number; null when the cell was printed empty, as a dash or as "
        "a word: missing, never zero. Its unit is in the `unit` field.",
        "空白、横线或文字记为缺失（null），不记为 0；单位见 unit 字段")
    d["value_int"] = FieldDoc("整数值", "The value as an integer where the column counts things "
                              "and the value is whole; else null.", "计数列的整数值", unit="count")
    d["raw"] = FieldDoc("原文", "The cell's text exactly as extracted.", "单元格提取原文")
    d["page"] = FieldDoc("页码", "1-based page of the cell for paged formats (PDF); else null.",
                         "分页格式（PDF）中的页码，从 1 起")
    d["dtype"] = FieldDoc("数据类型", "The schema column's dtype: int (a count) or decimal "
                          "(an amount).", enum=_dtypes())
    d["unit"] = FieldDoc("单位", "The schema column's unit: count, 10k_yuan (万元) or "
                         "as_printed (the unit the report prints).", enum=_units())
    d["source_file"] = FieldDoc("源文件", "The source file, relative to the input folder.")
    d["sha256"] = FieldDoc("文件哈希", "sha256 of the source file's bytes.")
    d["source_url"] = FieldDoc("来源网址", "For a file `gip collect` fetched: the URL that "
                               "served these bytes (after redirects), from the collect manifest "
                               "(<data>/collect/manifest.jsonl), matched by sha256. Null for a "
                               "file not collected.")
    d["source_page"] = FieldDoc("来源页面", "The page that linked the file: the list page of a "
                                "report page, the report page of an attachment. Null for a file "
                                "not collected.")
    d["fetched_at"] = FieldDoc("抓取时间", "When `gip collect` first fetched these bytes (ISO "
                               "8601, UTC); the WARC file of that run holds the exchange. Null "
                               "for a file not collected.", "ISO 8601 UTC")
    d["format"] = FieldDoc("文件格式", "Source file format.", enum=schema.FORMATS)
    d["status"] = FieldDoc(
        "处理状态", "ok: tables found and every assessable identity holds; warning: a finding "
        "of severity error or warning stands; rejected: not a readable GIP report.",
        enum=schema.STATUSES)
    d["reason"] = FieldDoc("拒收原因", "Why the file was rejected (one sentence); else null.")
    d["n_cells"] = FieldDoc("单元格数", "Number of cells extracted.", unit="count")
    d["n_findings"] = FieldDoc("发现数", "Number of findings.", unit="count")
    d["is_synthetic"] = FieldDoc("合成数据", "True when the file says it was generated (test "
                                 "data), not published.")
    d["extractor_version"] = FieldDoc("提取器版本", "Version of the extractor that read the file.")
    d["seq"] = FieldDoc("序号", "Order of the finding within its report.")
    d["check"] = FieldDoc("检查项", "The check that fired, e.g. an identity key of the schema "
                          "(see CODEBOOK.md).")
    d["severity"] = FieldDoc("严重程度", "Severity of the finding.", enum=schema.SEVERITIES)
    d["message"] = FieldDoc("说明", "What was found, with the numbers.")
    # -- input-file accounting (report_files, rejected_files)
    d["path"] = FieldDoc("文件路径", "An input file name, relative to the input folder; one row "
                         "per name (identical bytes under two names: two rows, one report).",
                         "输入文件相对路径")
    d["size"] = FieldDoc("文件大小", "Size of the file in bytes.", "字节数")
    d["is_primary"] = FieldDoc("主文件名", "True for the name reports.source_file carries "
                               "(identical bytes under several names are one report).")
    d["name_hex"] = FieldDoc("原始文件名字节", "For a file name that is not UTF-8 (a GBK name "
                             "from a Windows zip): its bytes, hex; `path` is their GB18030 "
                             "decoding. Null for UTF-8 names.")
    # -- organ registry (core.organs; organ_id, organ_series_id also in reports)
    from gip_pipeline.curation.corrections import CORRECTION_STATUSES
    from gip_pipeline.curation.organs import CHANGES, ORGAN_SOURCES

    d["organ_id"] = FieldDoc(
        "机关标识", "Canonical organ id: region_code (or 'unknown') + ':' + the organ proper (the "
        "name after its region, 编制 qualifier dropped, abbreviations expanded; 'government' or "
        "'general_office' for a government and its office whatever they are called), or a "
        "curated id (core.organs). Null when the report names no organ.",
        "地区代码＋机关本名（去地区前缀、编制说明，简称展开）")
    d["organ_series_id"] = FieldDoc(
        "机关序列标识", "The organ id at the end of its successor links (renamed or merged "
        "organs): one series over years across a name change; what the marts' organ_key is "
        "built from.", "沿更名、合并链接到最新机关的标识")
    d["official_name"] = FieldDoc("正式名称", "The organ's official name: the curated one, else "
                                  "the name its reports print most often.")
    d["aliases"] = FieldDoc("别名", "Other names of the organ (abbreviations, short forms), "
                            "'|'-separated; reports printing them get this organ_id.")
    d["successor_id"] = FieldDoc("继任机关", "organ_id of the organ this one was renamed or "
                                 "merged into; null when none is recorded.")
    d["predecessor_ids"] = FieldDoc("前身机关", "organ_ids of the organs renamed or merged "
                                    "into this one, '|'-separated; null when none.")
    d["change"] = FieldDoc("变更类型", "How the organ became its successor.", enum=CHANGES)
    d["change_year"] = FieldDoc("变更年份", "Year of the change, where recorded.")
    d["source"] = FieldDoc("来源", "shipped: the package's curated registry; user: "
                           "<data>/organs.csv; reports: named by a report, not curated.",
                           enum=ORGAN_SOURCES)
    d["note"] = FieldDoc("备注", "The curator's note.")
    d["n_reports"] = FieldDoc("报告数", "Reports that name this organ.", unit="count")
    d["first_year"] = FieldDoc("最早年度", "Earliest report year of the organ.")
    d["last_year"] = FieldDoc("最近年度", "Latest report year of the organ.")
    d["names_printed"] = FieldDoc("印刷名称", "Every name the organ's reports print, "
                                  "'|'-separated.")
    # -- corrections (core.corrections; corrected, value_extracted also in cells)
    d["corrected"] = FieldDoc("人工更正", "In cells: true when value is a human correction "
                              "from <data>/corrections.csv (core.corrections has the reason; "
                              "value_extracted keeps what extraction read). In the marts: true "
                              "when a value of the row rests on a corrected cell (the report, "
                              "for trends either year's).")
    d["value_extracted"] = FieldDoc("提取值", "For a corrected cell: the value extraction read "
                                    "(null = blank); null otherwise. In core.corrections: the "
                                    "value the corrected cell had.")
    d["correction_id"] = FieldDoc("更正标识", "Stable id of a correction: first 16 hex digits "
                                  "of sha256(report|table|row|col).")
    d["line"] = FieldDoc("行号", "Line of the correction in corrections.csv (the header is "
                         "line 1).")
    d["report"] = FieldDoc("报告", "The report as the correction names it: the file's sha256 "
                           "or its report_id.")
    d["raw_extracted"] = FieldDoc("原文", "The corrected cell's printed text.")
    d["value_corrected"] = FieldDoc("更正值", "The value the correction records (null = the "
                                    "cell is blank).")
    d["correction_reason"] = FieldDoc("更正原因", "Why the value is corrected (the file's "
                                      "reason column).")
    d["corrected_by"] = FieldDoc("更正人", "Who recorded the correction (the file's who).")
    d["corrected_on"] = FieldDoc("更正时间", "When it was recorded, as written (the file's when).")
    d["correction_status"] = FieldDoc(
        "更正状态", "applied; unmatched_report (no report has those bytes: the file changed or "
        "is gone); unmatched_cell (the report has no such cell); invalid (keys or value that "
        "cannot be a cell); superseded (a later line corrects the same cell).",
        enum=CORRECTION_STATUSES)
    d["correction_message"] = FieldDoc("更正说明", "Why a correction did not apply; null when "
                                       "applied.")
    # -- legacy statistics (core.legacy_statistics)
    d["period"] = FieldDoc("统计期间", "year: the reporting year's value (本年度); cumulative: "
                           "the total since the regulation took effect (历年累计).",
                           enum=schema.LEGACY_PERIODS)
    d["label"] = FieldDoc("指标名称", "The statistic's label as printed (normalized), its item "
                          "number removed.")
    d["indicator"] = FieldDoc(
        "指标", "The legacy statistic the label names (legacy_crosswalk seed: "
        + "; ".join(f"{i.key} = {i.zh}" + (f" ~ {i.quantity}" if i.quantity else "")
                    for i in schema.LEGACY_INDICATORS)
        + "); null for a label none names.", enum=tuple(i.key for i in schema.LEGACY_INDICATORS))
    d["decoded_by"] = FieldDoc(
        "解读方式", "How the value was read: cell (its own table cell); unique_split (the only "
        "way to cut the glued digits into year and cumulative); identity (the one cut with which "
        "the line equals the sum of its 其中 lines); prose (the one cut the report's text "
        "prints); null when ambiguous.", enum=schema.LEGACY_DECODED_BY)
    d["printed_unit"] = FieldDoc("计量单位", "The unit the legacy table prints for the line.",
                                 enum=schema.LEGACY_UNITS)
    d["value_status"] = FieldDoc("数值状态", "ok: the value is read; ambiguous: glued digits "
                                 "that neither the table's sums nor the prose decode (value "
                                 "null, digits in raw).", enum=schema.LEGACY_STATUSES)
    # -- narrative sections (core.narrative)
    d["section"] = FieldDoc(
        "正文部分", "The prose section: " + "; ".join(
            f"{n.key} = {n.section}、{n.zh} ({n.en})" for n in schema.NARRATIVE_SECTIONS) + ".",
        enum=tuple(n.key for n in schema.NARRATIVE_SECTIONS))
    d["heading"] = FieldDoc("标题", "The section's heading as found (normalized), numeral "
                            "included: converters renumber sections, the phrase decides.")
    d["text"] = FieldDoc("正文", "The section's text: simplified characters, pinyin "
                         "annotations removed, spaces folded; from after its heading to the "
                         "next section heading of the national format.")
    d["raw_text"] = FieldDoc("原文段落", "The printed paragraphs the section was cut from, as "
                             "extracted (a crawler's glued page may hold other sections too).")
    # -- the region reference (core.regions) and the names the marts show beside codes
    from gip_pipeline.regions.reference import LEVELS

    d["region_id"] = FieldDoc("区划记录键", "Key of a region reference row: code|valid_from|"
                              "valid_to ('-' = open).")
    d["code"] = FieldDoc("区划代码", "GB/T 2260 code (6 digits; townships 9); 100000 = national.")
    d["name"] = FieldDoc("区划名称", "The region's name while the row is valid.")
    d["level"] = FieldDoc("区划层级", "Level of the region.", enum=LEVELS)
    d["parent_code"] = FieldDoc("上级区划代码", "Code of the region one level up; null for "
                                "provinces and the nation.")
    d["valid_from"] = FieldDoc("起始年份", "First year the code had this name; null: earlier "
                               "years unknown (townships: the snapshot only).")
    d["valid_to"] = FieldDoc("终止年份", "Last year the code had this name; null: still in force.")
    d["dated_by"] = FieldDoc("年份依据", "What dates the row: revision (a GB/T 2260 revision), "
                             "snapshot_only (seen in the current snapshot only), convention "
                             "(the national code).")
    for key, zh, what in (("region", "地区名称", "region_code"),
                          ("province", "省级名称", "province_code"),
                          ("prefecture", "地级名称", "prefecture_code")):
        d[f"{key}_name"] = FieldDoc(zh, f"Name of {what} in the report year (core.regions); "
                                    "null when the code is.")
    # -- report-level mart: request totals (column total) and measures
    for r in schema.REQUESTS.rows:
        label = f"{r.group} {r.label}" if r.group else r.label
        d[r.key] = FieldDoc(label, f"{r.en}: requests table, column total; null if any term is "
                            "missing or blank.", "申请情况表“总计”列", unit="count")
    for key, rows in (("denied", schema.DENIED_ROWS), ("unable", schema.UNABLE_ROWS),
                      ("not_processed", schema.NOT_PROCESSED_ROWS)):
        d[key] = FieldDoc(_group_label(rows), f"Sum of the {len(rows)} rows {', '.join(rows)} "
                          "(column total); null if any term is missing or blank.",
                          "各项之和（总计列）", unit="count")
    for m in schema.MEASURES:
        d[m.key] = FieldDoc(m.zh, f"{m.en}: numerator / denominator (see CODEBOOK.md); null "
                            "when a term is missing or the denominator is zero.",
                            unit="ratio")
        d[f"{m.key}_numerator"] = FieldDoc(f"{m.zh}分子", f"{m.en}: numerator.", unit="count")
        d[f"{m.key}_denominator"] = FieldDoc(f"{m.zh}分母", f"{m.en}: denominator.",
                                             unit="count")
    d["rankable"] = FieldDoc(
        "可排名", f"True when total_handled >= {schema.MIN_RANK_DENOMINATOR}: rates over smaller "
        "denominators are noise and are not ranked.",
        f"办理总数不少于 {schema.MIN_RANK_DENOMINATOR} 件方可排名")
    # -- tidy columns added for regions, duplicates and blank-zero evidence
    for name, zh in (("province_code", "省级行政区划代码"), ("prefecture_code", "地级行政区划代码"),
                     ("department_type", "部门类型"), ("duplicate_of", "重复报告"),
                     ("cells", "涉及单元格"), ("ocr_confidence", "识别置信度"),
                     ("ocr_box", "识别位置")):
        d[name] = FieldDoc(zh, _ADDED_COLUMNS_EN[name])
    d["value_source"] = FieldDoc("取值来源", _ADDED_COLUMNS_EN["value_source"],
                                 enum=("ocr", "ocr_identities"))
    # -- the other marts: English from metadata.outputs (as the dbt docs), Chinese here
    for name, zh in MART_COLUMN_ZH.items():
        if name not in d:
            d[name] = FieldDoc(zh, column_description(name))
    # the wide per-report cells not named above (request totals are): labels from the schema
    for t, r, c in WIDE_CELLS:
        td = schema.TABLES_BY_KEY[t]
        row, col, name = td.row(r), td.column(c), wide_name(t, r, c)
        if name not in d:
            d[name] = FieldDoc(f"{row.group or ''}{row.label} {col.label}".strip(),
                               column_description(name), unit=col.unit)
    for m in schema.MEASURES:
        d[f"{m.key}_n_reports"] = FieldDoc(f"{m.zh}报告数", f"{m.en}: reports pooled (all terms "
                                           "present).", unit="count")
    return d


FIELD_DOCS: dict[str, FieldDoc] = _build_field_docs()

def table_columns() -> dict[str, tuple[str, ...]]:
    """Every table of the warehouse a researcher meets, with its columns, as the code makes them:
    the tidy tables (tidy_schema), the input-file accounting (raw.accounting) and the marts
    (metadata.outputs.MART_COLUMNS, which a test holds equal to what dbt builds)."""
    from gip_pipeline.curation import CURATION_TABLES, curation_schema
    from gip_pipeline.raw.accounting import REJECTED_FILES_SCHEMA, REPORT_FILES_SCHEMA
    from gip_pipeline.regions.reference import REGIONS_COLUMNS
    from gip_pipeline.tidy import TIDY_TABLES, tidy_schema

    out = {t: tuple(tidy_schema(t).names()) for t in TIDY_TABLES}
    out["report_files"] = tuple(REPORT_FILES_SCHEMA.names())
    out["rejected_files"] = tuple(REJECTED_FILES_SCHEMA.names())
    out.update({t: tuple(curation_schema(t).names()) for t in CURATION_TABLES})
    out["regions"] = REGIONS_COLUMNS
    out.update(MART_COLUMNS)
    return out


def find_field_doc(name: str) -> FieldDoc | None:
    """FIELD_DOCS, else a mart column's English description (no Chinese title: the name)."""
    doc = FIELD_DOCS.get(name)
    if doc is not None:
        return doc
    try:
        return FieldDoc(name, column_description(name))
    except KeyError:
        return None


def field_doc(name: str) -> FieldDoc:
    """The description of a column: FIELD_DOCS, else the dbt docs; KeyError when neither has it."""
    doc = find_field_doc(name)
    if doc is None:
        raise KeyError(f"no description for column {name!r}: add it to FIELD_DOCS")
    return doc
