"""Tidy layer: ParseResults in, three long polars tables out (cells, reports, findings).

Column names and dtypes are fixed by `tidy_schema`, which derives from
gip_pipeline.metadata.schema; every frame this module returns is cast to it, so the
warehouse and the exports always see the same types whatever the input.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Iterable

import polars as pl

import gip_pipeline
from gip_pipeline.collect.provenance import PROVENANCE_COLUMNS
from gip_pipeline.metadata import schema
from gip_pipeline.extraction.result import CellValue, Finding, ParseResult

TIDY_TABLES: tuple[str, ...] = ("cells", "reports", "findings", "narrative", "legacy_statistics")

_META_DTYPES = {"str": pl.Utf8, "int": pl.Int32, "date": pl.Date}

# Schema order of keys: cells sort in the order the report prints them, not alphabetically.
_TABLE_ORDER = {t.key: i for i, t in enumerate(schema.TABLES)}
_ROW_ORDER = {(t.key, r.key): i for t in schema.TABLES for i, r in enumerate(t.rows)}
_COL_ORDER = {(t.key, c.key): i for t in schema.TABLES for i, c in enumerate(t.columns)}

NON_INTEGER_CHECK = "tidy.non_integer_count"
MAX_EXACT = 2 ** 53  # larger counts cannot be stored exactly in the Float64 value column
INVALID_OUTPUT_REASON = "pipeline: the extractor's output broke the parse contract: "


def tidy_schema(name: str) -> pl.Schema:
    """The column names and dtypes of one tidy table."""
    if name == "cells":
        return pl.Schema({
            "report_id": pl.Utf8, "table": pl.Utf8, "row": pl.Utf8, "col": pl.Utf8,
            # Float64 holds every printed value (decimals included) exactly up to 2**53;
            # value_int is set only where the schema column counts things (dtype int).
            "value": pl.Float64, "value_int": pl.Int64,
            "dtype": pl.Utf8, "unit": pl.Utf8,
            "raw": pl.Utf8, "page": pl.Int32, "source_file": pl.Utf8,
            # OCR'd cells only (null for a text layer).
            "value_source": pl.Utf8, "ocr_confidence": pl.Float64, "ocr_box": pl.Utf8,
            # Set by a human correction (curation.corrections), applied after extraction.
            "corrected": pl.Boolean, "value_extracted": pl.Float64,
        })
    if name == "reports":
        cols: dict[str, pl.DataType] = {"report_id": pl.Utf8}
        cols.update({m.key: _META_DTYPES[m.dtype] for m in schema.METADATA})
        cols.update({f"{k}_source": pl.Utf8 for k in schema.SOURCED_META_KEYS})
        cols.update({
            "source_file": pl.Utf8, "sha256": pl.Utf8, "format": pl.Utf8, "status": pl.Utf8,
            "reason": pl.Utf8, "n_cells": pl.Int64, "n_findings": pl.Int64,
            "is_synthetic": pl.Boolean, "extractor_version": pl.Utf8,
            # Derived from region_code / organ (gip_pipeline.regions), never guessed.
            "province_code": pl.Utf8, "prefecture_code": pl.Utf8, "department_type": pl.Utf8,
            # The report_id this one duplicates (same report, another form); null = original.
            "duplicate_of": pl.Utf8,
            # The organ registry's ids (curation.organs), set over the whole corpus.
            "organ_id": pl.Utf8, "organ_series_id": pl.Utf8,
            # Where `gip collect` fetched the file (collect.provenance); null otherwise.
            **PROVENANCE_COLUMNS,
        })
        return pl.Schema(cols)
    if name == "findings":
        return pl.Schema({
            "report_id": pl.Utf8, "seq": pl.Int32, "check": pl.Utf8, "severity": pl.Utf8,
            "table": pl.Utf8, "message": pl.Utf8,
            # Cells the finding is about, "row.col" of its table, space-separated (e.g. the
            # per-cell evidence of a blanks_as_zero finding); null when it names none.
            "cells": pl.Utf8,
        })
    if name == "narrative":
        return pl.Schema({
            "report_id": pl.Utf8, "section": pl.Utf8, "heading": pl.Utf8, "text": pl.Utf8,
            "raw_text": pl.Utf8, "page": pl.Int32, "source_file": pl.Utf8,
        })
    if name == "legacy_statistics":
        return pl.Schema({
            "report_id": pl.Utf8, "seq": pl.Int32, "period": pl.Utf8, "label": pl.Utf8,
            "indicator": pl.Utf8, "printed_unit": pl.Utf8, "value": pl.Float64, "raw": pl.Utf8,
            "decoded_by": pl.Utf8, "value_status": pl.Utf8, "page": pl.Int32,
            "source_file": pl.Utf8,
        })
    raise KeyError(name)


def report_id(sha256: str) -> str:
    """A report's id: from its file's bytes, so it does not depend on run order or file name."""
    if len(sha256) < 16 or any(ch not in "0123456789abcdef" for ch in sha256.lower()):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return sha256.lower()[:16]


def extractor_version() -> str:
    """Package version + digest of the extraction sources (the extraction cache key)."""
    try:
        from gip_pipeline.extraction.batch import EXTRACTOR_VERSION
    except ImportError:
        import gip_pipeline.extraction as extraction

        return str(getattr(extraction, "__version__", None) or gip_pipeline.__version__)
    return EXTRACTOR_VERSION


def contract_problems(result: ParseResult) -> list[str]:
    """Ways a ParseResult breaks the parse-output contract (keys, statuses, metadata values)."""
    problems = []
    if result.status not in schema.STATUSES:
        problems.append(f"status {result.status!r} is not one of {schema.STATUSES}")
    seen = set()
    for c in result.cells:
        if c.table not in schema.TABLES_BY_KEY:
            problems.append(f"unknown table {c.table!r}")
            continue
        if (c.table, c.row) not in _ROW_ORDER:
            problems.append(f"unknown row {c.table}.{c.row}")
        if (c.table, c.col) not in _COL_ORDER:
            problems.append(f"unknown column {c.table}.{c.col}")
        key = (c.table, c.row, c.col)
        if key in seen:
            problems.append(f"cell {'.'.join(key)} given twice")
        seen.add(key)
        v = c.value
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                              or (isinstance(v, float) and not math.isfinite(v))):
            problems.append(f"cell {'.'.join(key)} has a value that is not a finite number: {v!r}")
        elif v is not None and abs(v) > MAX_EXACT:
            # Float64 (the value column) holds integers exactly only up to 2**53.
            problems.append(f"cell {'.'.join(key)} has a value beyond 2**53: "
                            f"{str(v)[:20]}{'…' if len(str(v)) > 20 else ''}")
        if c.raw is None:
            problems.append(f"cell {'.'.join(key)} has no raw text")
    for m in schema.METADATA:
        v = (result.report or {}).get(m.key)
        if v is None:
            continue
        if m.values and v not in m.values:
            problems.append(f"metadata {m.key}={v!r} is not one of {m.values}")
        if m.dtype == "int" and (isinstance(v, bool) or not isinstance(v, int)):
            problems.append(f"metadata {m.key}={v!r} is not an integer")
        if m.dtype == "date":
            try:
                dt.date.fromisoformat(str(v))
            except ValueError:
                problems.append(f"metadata {m.key}={v!r} is not an ISO date")
    for f in result.findings:
        if f.severity not in schema.SEVERITIES:
            problems.append(f"finding {f.check} has severity {f.severity!r}")
        if f.table is not None and f.table not in schema.TABLES_BY_KEY:
            problems.append(f"finding {f.check} names unknown table {f.table!r}")
    if result.status == "rejected" and result.cells:
        problems.append("a rejected result carries cells")
    return problems


@dataclass
class PreparedReport:
    """One ParseResult after the tidy layer's own checks, ready to become rows."""

    result: ParseResult
    report_id: str
    status: str
    reason: str | None
    cells: list[CellValue]
    findings: list[Finding]
    is_synthetic: bool = False


def prepare(result: ParseResult, is_synthetic: bool = False) -> PreparedReport:
    rid = report_id(result.sha256)
    problems = contract_problems(result)
    if problems:
        # Not loaded as data, but kept visible: a rejected row that says why.
        reason = INVALID_OUTPUT_REASON + "; ".join(sorted(set(problems))[:5])
        return PreparedReport(result, rid, "rejected", reason, [], list(result.findings) + [
            Finding("pipeline.contract", "error", None, reason)], is_synthetic)
    findings = list(result.findings)
    status = result.status
    for c in result.cells:
        col = schema.column_def(c.table, c.col)
        if col.dtype == "int" and c.value is not None and float(c.value) != int(c.value):
            findings.append(Finding(
                NON_INTEGER_CHECK, "warning", c.table,
                f"{c.table}.{c.row}.{c.col} counts things but reads {c.value!r} (raw {c.raw!r})"))
            if status == "ok":
                status = "warning"
    return PreparedReport(result, rid, status, result.reason, list(result.cells), findings,
                          is_synthetic)


def dedupe(results: Iterable[ParseResult]) -> tuple[list[ParseResult], list[str]]:
    """Keep one result per file content (the first by file path); return the dropped paths."""
    kept: dict[str, ParseResult] = {}
    dropped = []
    for r in sorted(results, key=lambda r: r.file):
        rid = report_id(r.sha256)
        if rid in kept:
            dropped.append(r.file)
        else:
            kept[rid] = r
    return list(kept.values()), dropped


def _frame(rows: list[dict], name: str) -> pl.DataFrame:
    s = tidy_schema(name)
    if not rows:
        return pl.DataFrame(schema=s)
    return pl.DataFrame(rows, schema=s, strict=False).select(list(s.names()))


def cells_frame(prepared: list[PreparedReport]) -> pl.DataFrame:
    # Built column by column (a dict per cell was most of a shard's tidy time); sorted by
    # report, then in the order the report prints its tables, rows and columns.
    s = tidy_schema("cells")
    cols: dict[str, list] = {n: [] for n in (*s.names(), "_t", "_r", "_c")}
    (report_ids, tables, rows, col_keys, values, value_ints, dtypes, units, raws, pages,
     files, sources, confidences, boxes, t_order, r_order, c_order) = (
        cols[n] for n in ("report_id", "table", "row", "col", "value", "value_int", "dtype",
                          "unit", "raw", "page", "source_file", "value_source",
                          "ocr_confidence", "ocr_box", "_t", "_r", "_c"))
    for p in prepared:
        rid, file = p.report_id, p.result.file
        for c in p.cells:
            col = schema.column_def(c.table, c.col)
            v = None if c.value is None else float(c.value)
            report_ids.append(rid)
            tables.append(c.table)
            rows.append(c.row)
            col_keys.append(c.col)
            values.append(v)
            value_ints.append(int(v) if v is not None and col.dtype == "int" and v == int(v)
                              else None)
            dtypes.append(col.dtype)
            units.append(col.unit)
            raws.append(c.raw)
            pages.append(c.page)
            files.append(file)
            sources.append(c.value_source)
            confidences.append(c.confidence)
            boxes.append(" ".join(f"{v:g}" for v in c.box) if c.box else None)
            t_order.append(_TABLE_ORDER[c.table])
            r_order.append(_ROW_ORDER[(c.table, c.row)])
            c_order.append(_COL_ORDER[(c.table, c.col)])
    n = len(report_ids)
    cols["corrected"], cols["value_extracted"] = [False] * n, [None] * n
    if not n:
        return pl.DataFrame(schema=s)
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=s.get(k), strict=False)
                          for k, v in cols.items()})
    return frame.sort("report_id", "_t", "_r", "_c", maintain_order=True).select(s.names())


def reports_frame(prepared: list[PreparedReport]) -> pl.DataFrame:
    version = extractor_version()
    rows = []
    for p in prepared:
        r = p.result
        row = {"report_id": p.report_id}
        # Metadata of a result that broke the contract is not trusted either.
        broken = bool(p.reason and p.reason.startswith(INVALID_OUTPUT_REASON))
        for m in schema.METADATA:
            v = None if broken else (r.report or {}).get(m.key)
            if v is not None and m.dtype == "date":
                v = dt.date.fromisoformat(str(v))
            row[m.key] = v
        for k in schema.SOURCED_META_KEYS:
            row[f"{k}_source"] = None if broken or row[k] is None else r.sources.get(k)
        row.update({
            "source_file": r.file, "sha256": r.sha256.lower(), "format": r.format,
            "status": p.status, "reason": p.reason, "n_cells": len(p.cells),
            "n_findings": len(p.findings), "is_synthetic": p.is_synthetic,
            "extractor_version": version, "duplicate_of": None,
        })
        row.update(region_parts(row))
        rows.append(row)
    rows.sort(key=lambda r: r["report_id"])
    return _frame(rows, "reports")


def region_parts(report: dict) -> dict[str, str | None]:
    """province_code, prefecture_code and department_type of a report row.

    Parents come from the region reference for the report's year (or the next, when the
    report was published under a new name); department_type from the organ name, only
    for departments. Unknown stays null.
    """
    from gip_pipeline.regions import NATIONAL_CODE, code_organ, get_region

    out: dict[str, str | None] = {"province_code": None, "prefecture_code": None,
                                  "department_type": None}
    code, year = report.get("region_code"), report.get("year")
    if code and code != NATIONAL_CODE:
        reg = (get_region(code, year) or (get_region(code, year + 1) if year else None)
               or get_region(code))
        if reg is not None:
            out["province_code"] = reg.province_code
            out["prefecture_code"] = reg.prefecture_code if reg.level != "province" else None
    if report.get("organ_kind") == "department" and report.get("organ"):
        out["department_type"] = code_organ(report["organ"], "", year).department_type
    return out


def finding_cells(f: Finding) -> str | None:
    """The finding's structured cell list ("row.col" entries) as one space-separated string."""
    cells = getattr(f, "cells", None)
    if not cells:
        return None
    return " ".join(str(c) for c in cells)


def findings_frame(prepared: list[PreparedReport]) -> pl.DataFrame:
    rows = []
    for p in sorted(prepared, key=lambda p: p.report_id):
        for i, f in enumerate(p.findings):
            rows.append({"report_id": p.report_id, "seq": i, "check": f.check,
                         "severity": f.severity, "table": f.table, "message": f.message,
                         "cells": finding_cells(f)})
    return _frame(rows, "findings")


def narrative_frame(prepared: list[PreparedReport]) -> pl.DataFrame:
    """The prose sections of the reports read (a rejected file has none)."""
    rows = [{"report_id": p.report_id, "section": n.section, "heading": n.heading,
             "text": n.text, "raw_text": n.raw, "page": n.page, "source_file": p.result.file}
            for p in sorted(prepared, key=lambda p: p.report_id) if p.status != "rejected"
            for n in p.result.narrative]
    return _frame(rows, "narrative")


def legacy_frame(prepared: list[PreparedReport]) -> pl.DataFrame:
    """The local statistics of the pre-2019 reports read (extraction.legacy)."""
    rows = [{"report_id": p.report_id, "seq": v.seq, "period": v.period, "label": v.label,
             "indicator": v.indicator, "printed_unit": v.unit, "value": v.value, "raw": v.raw,
             "decoded_by": v.decoded_by, "value_status": "ok" if v.decoded_by else "ambiguous",
             "page": v.page, "source_file": p.result.file}
            for p in sorted(prepared, key=lambda p: p.report_id) if p.status != "rejected"
            for v in p.result.legacy]
    return _frame(rows, "legacy_statistics")


@dataclass
class TidyTables:
    cells: pl.DataFrame
    reports: pl.DataFrame
    findings: pl.DataFrame
    narrative: pl.DataFrame
    legacy_statistics: pl.DataFrame
    duplicates: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, pl.DataFrame]:
        return {t: getattr(self, t) for t in TIDY_TABLES}


def build_tidy(results: Iterable[ParseResult],
               synthetic: Iterable[str] = ()) -> TidyTables:
    """The tidy tables from parse results.

    `synthetic` names the files (ParseResult.file) that say they are synthetic.
    Files with identical bytes become one report (the first by path).
    """
    kept, dropped = dedupe(results)
    synth = set(synthetic)
    prepared = [prepare(r, r.file in synth) for r in kept]
    return TidyTables(cells_frame(prepared), reports_frame(prepared), findings_frame(prepared),
                      narrative_frame(prepared), legacy_frame(prepared), dropped)
