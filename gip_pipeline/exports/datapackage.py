"""datapackage.json: a Frictionless Data Package (v2) describing the export folder.

Each Parquet and CSV file in the folder becomes a tabular resource with its
fields (types from the file's own Arrow schema), primary key, row count, byte
size and sha256. Field descriptions come from FIELD_DOCS, the one registry of
what an exported column means, in English and Chinese; it derives everything
it can from gip_pipeline.metadata.schema (metadata fields, tables, row and column
labels, measures) so that the package, the codebook and the data agree.

License: CC-BY-4.0 by default. The package is a database built from official
documents; CC BY 4.0 (unlike 3.0) licenses sui generis database rights as well
as copyright, covers the non-database parts too (codebook, HTML report), is the
licence research repositories (Zenodo, Dataverse) and funders know best, and its
attribution condition keeps the provenance chain visible. ODC-BY would cover
the database alone. The source reports themselves are published by the organs
under the Regulation on Open Government Information; this licence is for the
derived files, not a claim over the reports.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gip_pipeline.metadata import schema
from gip_pipeline.metadata.outputs import (MART_COLUMN_ZH, MART_COLUMNS, PRIMARY_KEYS,
                                          TABLE_DOCS, TIDY_COLUMN_DOCS, WIDE_CELLS,
                                          column_description, wide_name)
from gip_pipeline.atomic import atomic_write_text
from gip_pipeline.exports.provenance import PROVENANCE_FILE, iso_utc, sha256_file

DATAPACKAGE_FILE = "datapackage.json"
PROFILE_V2 = "https://datapackage.org/profiles/2.0/datapackage.json"

DEFAULT_LICENSES: tuple[dict, ...] = (
    {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
     "title": "Creative Commons Attribution 4.0 International"},
)

# ------------------------------------------------------------ field registry


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


def _build_field_docs() -> dict[str, FieldDoc]:
    d: dict[str, FieldDoc] = {}
    # -- report metadata: straight from schema.METADATA
    for m in schema.METADATA:
        d[m.key] = FieldDoc(m.zh, f"{m.en}. Null when unknown (never guessed).", enum=m.values)
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
        d[name] = FieldDoc(zh, _tidy_doc(name))
    d["value_source"] = FieldDoc("取值来源", _tidy_doc("value_source"), enum=("ocr", "ocr_identities"))
    # -- the other marts: English from metadata.outputs (as the dbt docs), Chinese here
    for name, zh in MART_COLUMN_ZH.items():
        d.setdefault(name, FieldDoc(zh, column_description(name)))
    # the wide per-report cells not named above (request totals are): labels from the schema
    for t, r, c in WIDE_CELLS:
        td = schema.TABLES_BY_KEY[t]
        row, col, name = td.row(r), td.column(c), wide_name(t, r, c)
        d.setdefault(name, FieldDoc(f"{row.group or ''}{row.label} {col.label}".strip(),
                                    column_description(name), unit=col.unit))
    for m in schema.MEASURES:
        d[f"{m.key}_n_reports"] = FieldDoc(f"{m.zh}报告数", f"{m.en}: reports pooled (all terms "
                                           "present).", unit="count")
    return d


def _tidy_doc(name: str) -> str:
    return next(docs[name] for docs in TIDY_COLUMN_DOCS.values() if name in docs)


FIELD_DOCS: dict[str, FieldDoc] = _build_field_docs()

def table_columns() -> dict[str, tuple[str, ...]]:
    """Every table of the warehouse a researcher meets, with its columns, as the code makes them:
    the tidy tables (tidy_schema), the input-file accounting (raw.accounting) and the marts
    (metadata.outputs.MART_COLUMNS, which a test holds equal to what dbt builds)."""
    from gip_pipeline.raw.accounting import REJECTED_FILES_SCHEMA, REPORT_FILES_SCHEMA
    from gip_pipeline.tidy import TIDY_TABLES, tidy_schema

    out = {t: tuple(tidy_schema(t).names()) for t in TIDY_TABLES}
    out["report_files"] = tuple(REPORT_FILES_SCHEMA.names())
    out["rejected_files"] = tuple(REJECTED_FILES_SCHEMA.names())
    out.update(MART_COLUMNS)
    return out


def field_doc(name: str) -> FieldDoc:
    """The description of a column: FIELD_DOCS, else the dbt docs; KeyError when neither has it."""
    doc = FIELD_DOCS.get(name) or _mart_field_doc(name)
    if doc is None:
        raise KeyError(f"no description for column {name!r}: add it to FIELD_DOCS")
    return doc

# ------------------------------------------------------------ resources


def table_schema_type(t: pa.DataType) -> str:
    """Table Schema field type of an Arrow type."""
    if pa.types.is_dictionary(t):
        return table_schema_type(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "datetime"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_duration(t):
        return "duration"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "array"
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return "object"
    return "any"


def _mart_field_doc(name: str) -> FieldDoc | None:
    """Columns of the marts not in FIELD_DOCS: metadata.outputs (as the dbt docs)."""
    try:
        return FieldDoc(name, column_description(name))
    except KeyError:
        return None


def field_descriptor(name: str, arrow_type: pa.DataType) -> dict:
    f: dict = {"name": name, "type": table_schema_type(arrow_type)}
    doc = FIELD_DOCS.get(name) or _mart_field_doc(name)
    if doc is not None:
        f["title"] = doc.zh
        f["description"] = doc.description()
        if doc.unit:
            f["unit"] = doc.unit  # not a Table Schema property; kept as an extension
        if doc.enum and f["type"] == "string":
            f["constraints"] = {"enum": list(doc.enum)}
    return f


def _arrow_schema_and_rows(path: Path, fmt: str) -> tuple[pa.Schema, int]:
    if fmt == "parquet":
        pf = pq.ParquetFile(path)
        return pf.schema_arrow, pf.metadata.num_rows
    import polars as pl

    frame = pl.read_csv(path, infer_schema_length=None, try_parse_dates=True)
    return frame.to_arrow().schema, frame.height


def resource_name(path: Path) -> str:
    """A Data Package resource name (lower case, -._ allowed) from a file name."""
    return re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-") or "resource"


def describe_resource(path: str | Path, name: str | None = None, *, base: str | Path | None = None,
                      description: str | None = None,
                      primary_key: Sequence[str] | None = None) -> dict:
    """The Data Package resource for one Parquet or CSV file.

    name defaults to the file stem; path is written relative to `base` (default: the
    file's folder). primary_key defaults to PRIMARY_KEYS[name] and is kept only where
    every key field exists in the file.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"{path}: only Parquet and CSV files are described, not {fmt!r}")
    name = name or resource_name(path)
    arrow_schema, rows = _arrow_schema_and_rows(path, fmt)
    fields = [field_descriptor(f.name, f.type) for f in arrow_schema]
    tschema: dict = {"fields": fields}
    if fmt == "csv":
        tschema["missingValues"] = [""]  # a blank CSV cell is null, never zero
    pk = tuple(primary_key) if primary_key is not None else PRIMARY_KEYS.get(
        path.stem, PRIMARY_KEYS.get(name, ()))
    names = {f["name"] for f in fields}
    if pk and all(k in names for k in pk):
        tschema["primaryKey"] = list(pk)
    res: dict = {
        "name": name,
        "type": "table",
        "path": path.relative_to(Path(base) if base is not None else path.parent).as_posix(),
        "format": fmt,
        "mediatype": "application/vnd.apache.parquet" if fmt == "parquet" else "text/csv",
    }
    if fmt == "csv":
        res["encoding"] = "utf-8"
    desc = description or TABLE_DOCS.get(path.stem) or TABLE_DOCS.get(name)
    if desc:
        res["description"] = desc
    res["bytes"] = path.stat().st_size
    res["hash"] = f"sha256:{sha256_file(path)}"
    res["rows"] = rows  # not in the spec; readers use it to check a download is complete
    res["schema"] = tschema
    return res


def data_files(export_dir: str | Path) -> list[Path]:
    """Every Parquet and CSV file under export_dir (hidden and temporary files skipped), sorted."""
    root = Path(export_dir)
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if p.suffix.lower() in (".parquet", ".csv"):
            out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def build_datapackage(export_dir: str | Path, resources: Sequence[dict] | None = None,
                      provenance: dict | None = None, *,
                      created: dt.datetime | str | None = None,
                      licenses: Sequence[dict] = DEFAULT_LICENSES,
                      name: str = "gip-annual-reports",
                      title: str = "China government information publicity annual reports: "
                                   "statistical tables (政府信息公开工作年度报告统计表)",
                      description: str | None = None) -> dict:
    """The datapackage.json content for export_dir.

    resources: descriptors from describe_resource (paths relative to export_dir); every
    Parquet/CSV file of the folder not among them is described here, so the package
    always lists each data file. created: default provenance["run_time"] (reproducible
    runs pass it; the wall clock is never read).
    """
    root = Path(export_dir)
    given = [dict(r) for r in (resources or [])]
    for r in given:
        if not (root / r["path"]).is_file():
            raise FileNotFoundError(f"resource {r.get('name')!r}: {root / r['path']} is absent")
    listed = {Path(r["path"]).as_posix() for r in given}
    for p in data_files(root):
        rel = p.relative_to(root).as_posix()
        if rel not in listed:
            given.append(describe_resource(p, base=root))
    given.sort(key=lambda r: r["path"])
    _dedupe_names(given)

    when = created if created is not None else (provenance or {}).get("run_time")
    pkg: dict = {
        "$schema": PROFILE_V2,
        "name": name,
        "title": title,
        "description": description or (
            "Statistical tables (sections 二, 三, 四) extracted from government information "
            "publicity annual reports, in tidy long form, with report metadata, check findings "
            "and report-level comparison measures. A blank cell is missing (null), never zero. "
            "Keys and labels: CODEBOOK.md. Source files and pipeline version: "
            f"{PROVENANCE_FILE}."),
        "licenses": [dict(l) for l in licenses],
        "keywords": ["government information disclosure", "政府信息公开", "annual reports", "China"],
    }
    if when is not None:
        pkg["created"] = iso_utc(when)
    if provenance:
        pkg["sources"] = [{
            "title": f"{provenance.get('n_source_files', '?')} report files; sha256 of each in "
                     f"{PROVENANCE_FILE} (inputs fingerprint {provenance.get('inputs_sha256')})",
            "path": PROVENANCE_FILE,
        }]
        pipe = provenance.get("pipeline") or {}
        if pipe.get("version"):
            pkg["gip_pipeline_version"] = pipe["version"]
    pkg["resources"] = given
    return pkg


def _dedupe_names(resources: list[dict]) -> None:
    """cells.parquet and cells.csv would both be `cells`: suffix the later ones with the format."""
    seen: set[str] = set()
    for r in resources:
        n = r["name"]
        if n in seen:
            n = f"{n}-{r.get('format', 'data')}"
            k = 2
            while n in seen:
                n, k = f"{r['name']}-{r.get('format', 'data')}-{k}", k + 1
            r["name"] = n
        seen.add(n)


def datapackage_json(pkg: dict) -> str:
    return json.dumps(pkg, ensure_ascii=False, indent=2) + "\n"


def write_datapackage(export_dir: str | Path, resources: Sequence[dict] | None = None,
                      provenance: dict | None = None, **kwargs) -> Path:
    """Write export_dir/datapackage.json (temp file, then rename); kwargs as build_datapackage."""
    pkg = build_datapackage(export_dir, resources, provenance, **kwargs)
    return atomic_write_text(Path(export_dir) / DATAPACKAGE_FILE, datapackage_json(pkg))
