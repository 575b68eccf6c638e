"""Human corrections: a researcher who reads a misprinted or misread cell records the right value
once, in `<data>/corrections.csv`, and every run applies it after extraction (so a rebuilt
cache, a new extractor version or a new warehouse never loses it).

One row per correction: report (the file's sha256, or its report_id), table, row, col (the
canonical keys of the spec), value (the right number; empty: the cell is blank, i.e. missing),
reason, who, when. The audit table keeps every row with the extracted value beside the
corrected one and a status: applied; unmatched_report (no report has those bytes: the file
changed or is gone); unmatched_cell (the report has no such cell); invalid (keys or value that
cannot be a cell); superseded (a later row corrects the same cell). Nothing is dropped silently.
The table identities are evaluated again on the corrected values (recheck).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from gip_pipeline.metadata import schema

CORRECTION_COLUMNS = ("report", "table", "row", "col", "value", "reason", "who", "when")
CORRECTION_STATUSES = ("applied", "unmatched_report", "unmatched_cell", "invalid", "superseded")
APPLIED_CHECK = "correction.applied"
_HEX_RE = re.compile(r"^[0-9a-f]{16}$|^[0-9a-f]{64}$")

CORRECTIONS_SCHEMA = pl.Schema({
    "correction_id": pl.Utf8, "line": pl.Int32, "report": pl.Utf8, "report_id": pl.Utf8,
    "table": pl.Utf8, "row": pl.Utf8, "col": pl.Utf8,
    "value_extracted": pl.Float64, "raw_extracted": pl.Utf8, "value_corrected": pl.Float64,
    "correction_reason": pl.Utf8, "corrected_by": pl.Utf8, "corrected_on": pl.Utf8,
    "correction_status": pl.Utf8, "correction_message": pl.Utf8,
})


class CorrectionsError(ValueError):
    """A corrections file that cannot be read at all (no header, missing columns)."""


@dataclass(frozen=True)
class Correction:
    line: int
    report: str
    table: str
    row: str
    col: str
    value: str
    reason: str = ""
    who: str = ""
    when: str = ""

    @property
    def report_id(self) -> str | None:
        r = self.report.lower()
        return r[:16] if _HEX_RE.match(r) else None

    @property
    def correction_id(self) -> str:
        """Stable across re-runs and line moves: what it corrects, not where it stands."""
        key = "|".join((self.report.lower(), self.table, self.row, self.col))
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def read_corrections(path: Path) -> list[Correction]:
    """The rows of a corrections file (none when it does not exist)."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = set(CORRECTION_COLUMNS[:5]) - set(reader.fieldnames or ())
        if missing:
            raise CorrectionsError(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                                   f"the columns are {', '.join(CORRECTION_COLUMNS)}")
        return [Correction(i, *((r.get(c) or "").strip() for c in CORRECTION_COLUMNS))
                for i, r in enumerate(reader, start=2) if any((v or "").strip() for v in r.values())]


def _parse_value(c: Correction) -> tuple[float | None, str | None]:
    """(value, problem): an empty value is a blank cell (null); else a number the column holds."""
    if c.value == "":
        return None, None
    try:
        v = float(c.value.replace(",", ""))
    except ValueError:
        return None, f"value {c.value!r} is not a number (leave it empty for a blank cell)"
    if v < 0:
        return None, f"value {c.value!r} is negative: no cell counts below zero"
    col = schema.column_def(c.table, c.col)
    if col.dtype == "int" and v != int(v):
        return None, f"{c.table}.{c.col} counts things: {c.value!r} is not a whole number"
    return v, None


def _keys_problem(c: Correction) -> str | None:
    if c.report_id is None:
        return f"report {c.report!r} is neither a sha256 (64 hex digits) nor a report_id (16)"
    if c.table not in schema.TABLES_BY_KEY:
        return f"table {c.table!r} is not one of {', '.join(schema.TABLES_BY_KEY)}"
    if c.row not in schema.all_row_keys(c.table):
        return f"row {c.row!r} is not a row of {c.table}"
    if c.col not in schema.all_col_keys(c.table):
        return f"col {c.col!r} is not a column of {c.table}"
    return None


def apply_corrections(cells: pl.DataFrame | pl.LazyFrame, reports: pl.DataFrame,
                      corrections: list[Correction]):
    """(cells with the corrections applied, the audit table, findings rows to add).

    A corrected cell keeps its printed raw text; `value_extracted` holds what extraction read
    and `corrected` is true. The findings say, per report, which cells were corrected: the
    identity findings before them describe the extracted values."""
    lazy = isinstance(cells, pl.LazyFrame)
    known = set(reports["report_id"].to_list())
    audit: list[dict] = []
    last: dict[tuple, int] = {}
    for i, c in enumerate(corrections):
        row = {"correction_id": c.correction_id, "line": c.line, "report": c.report,
               "report_id": c.report_id, "table": c.table, "row": c.row, "col": c.col,
               "value_extracted": None, "raw_extracted": None, "value_corrected": None,
               "correction_reason": c.reason or None, "corrected_by": c.who or None,
               "corrected_on": c.when or None, "correction_status": None,
               "correction_message": None}
        problem = _keys_problem(c)
        value = None
        if problem is None:
            value, problem = _parse_value(c)
        if problem is not None:
            _set(row, "invalid", problem)
        elif c.report_id not in known:
            _set(row, "unmatched_report", (
                f"no report has these bytes ({c.report}): the file changed or is gone; "
                "check the value against the new file and record it under its sha256"))
        else:
            row["value_corrected"] = value
            key = (c.report_id, c.table, c.row, c.col)
            if key in last:
                _set(audit[last[key]], "superseded", f"line {c.line} corrects the same cell")
            last[key] = i
        audit.append(row)

    wanted = {k: audit[i] for k, i in last.items()}
    keys = ["report_id", "table", "row", "col"]
    if wanted:
        want = pl.DataFrame([{"report_id": k[0], "table": k[1], "row": k[2], "col": k[3],
                              "_new": a["value_corrected"]} for k, a in wanted.items()],
                            schema={"report_id": pl.Utf8, "table": pl.Utf8, "row": pl.Utf8,
                                    "col": pl.Utf8, "_new": pl.Float64})
        frame = cells if lazy else cells.lazy()
        found = (frame.join(want.lazy(), on=keys, how="inner")
                 .select(*keys, "value", "raw").collect())
        by_key = {tuple(r[k] for k in keys): r for r in found.iter_rows(named=True)}
        for k, a in wanted.items():
            hit = by_key.get(k)
            if hit is None:
                _set(a, "unmatched_cell", (
                    f"report {k[0]} has no cell {k[1]}.{k[2]}.{k[3]}: the file changed, or the "
                    "cell is not one this report's format prints"))
            else:
                _set(a, "applied")
                a.update(value_extracted=hit["value"], raw_extracted=hit["raw"])
        applied = want.filter(pl.Series([wanted[k]["correction_status"] == "applied"
                                         for k in wanted]))
        joined = frame.join(applied.lazy().with_columns(pl.lit(True).alias("_hit")), on=keys,
                            how="left", maintain_order="left")
        hit = pl.col("_hit").fill_null(False)
        frame = joined.with_columns(
            pl.when(hit).then(pl.col("value")).otherwise(pl.col("value_extracted"))
            .alias("value_extracted"),
            hit.alias("corrected"),
            pl.when(hit).then(pl.col("_new")).otherwise(pl.col("value")).alias("value"),
        ).with_columns(
            pl.when(pl.col("corrected"))
            .then(pl.when((pl.col("dtype") == "int") & pl.col("value").is_not_null())
                  .then(pl.col("value").cast(pl.Int64)).otherwise(None))
            .otherwise(pl.col("value_int")).alias("value_int"),
        ).select(cells.collect_schema().names() if lazy else cells.columns)
        cells = frame if lazy else frame.collect()
    applied_rows = [a for a in audit if a["correction_status"] == "applied"]
    findings = _findings(applied_rows)
    if applied_rows:
        findings += recheck(cells, reports, {a["report_id"] for a in applied_rows})
    audit_frame = (pl.DataFrame(audit, schema=CORRECTIONS_SCHEMA) if audit
                   else pl.DataFrame(schema=CORRECTIONS_SCHEMA))
    return cells, audit_frame, findings


IDENTITY_BREAK_CHECK = "correction.identity_break"
IDENTITIES_HOLD_CHECK = "correction.identities_hold"


def _identity_breaks(cells: list, era: str | None) -> list:
    from gip_pipeline.extraction.validate import validate

    checks = {i.check for i in schema.IDENTITIES}
    return [f for f in validate(cells, era) if f.check in checks and f.severity != "info"]


def recheck(cells: pl.DataFrame | pl.LazyFrame, reports: pl.DataFrame, report_ids: set[str]):
    """The table identities evaluated again on the corrected values of each corrected report:
    a break they still show (or a correction introduces) is a `correction.identity_break`
    warning; a report whose printed values broke an identity and whose corrected ones break
    none gets `correction.identities_hold`. The extraction's own findings stay as they were."""
    from gip_pipeline.extraction.result import CellValue

    frame = cells.lazy() if isinstance(cells, pl.DataFrame) else cells
    rows = (frame.filter(pl.col("report_id").is_in(sorted(report_ids)))
            .select("report_id", "table", "row", "col", "value", "value_extracted", "corrected",
                    "raw", "page").collect())
    era = dict(reports.select("report_id", "era").iter_rows())
    out = []
    for (rid,), part in rows.group_by("report_id", maintain_order=True):
        now, then = [], []
        for r in part.iter_rows(named=True):
            now.append(CellValue(r["table"], r["row"], r["col"], r["value"], r["raw"], r["page"]))
            then.append(CellValue(r["table"], r["row"], r["col"],
                                  r["value_extracted"] if r["corrected"] else r["value"],
                                  r["raw"], r["page"]))
        after = _identity_breaks(now, era.get(rid))
        for f in after:
            out.append({"report_id": rid, "check": IDENTITY_BREAK_CHECK, "severity": "warning",
                        "table": f.table, "message": f"with the corrections applied: {f.message}",
                        "cells": " ".join(f.cells) if f.cells else None})
        if not after and _identity_breaks(then, era.get(rid)):
            out.append({"report_id": rid, "check": IDENTITIES_HOLD_CHECK, "severity": "info",
                        "table": None, "message": "with the corrections applied every table "
                        "identity that can be assessed holds (the findings above describe the "
                        "printed values)", "cells": None})
    return out


def _set(row: dict, status: str, message: str | None = None) -> None:
    row["correction_status"], row["correction_message"] = status, message


def _fmt(v: float | None) -> str:
    return "blank" if v is None else f"{v:g}"


def _findings(applied: list[dict]) -> list[dict]:
    return [{"report_id": a["report_id"], "check": APPLIED_CHECK, "severity": "info",
             "table": a["table"],
             "message": (f"{a['table']}.{a['row']}.{a['col']} corrected from "
                         f"{_fmt(a['value_extracted'])} (printed {a['raw_extracted']!r}) to "
                         f"{_fmt(a['value_corrected'])}: "
                         f"{a['correction_reason'] or 'no reason given'} "
                         f"({a['corrected_by'] or 'unknown'}, {a['corrected_on'] or 'undated'}); the identity "
                         "findings describe the extracted values"),
             "cells": f"{a['row']}.{a['col']}"} for a in applied]


def add_findings(findings: pl.DataFrame, new: list[dict]) -> pl.DataFrame:
    """findings with rows appended to their reports, numbered after the report's own."""
    if not new:
        return findings
    base = findings.group_by("report_id").agg(pl.col("seq").max().alias("_max"))
    extra = (pl.DataFrame(new).with_columns(pl.int_range(pl.len()).over("report_id").alias("_k"))
             .join(base, on="report_id", how="left")
             .with_columns((pl.col("_max").fill_null(-1) + 1 + pl.col("_k")).alias("seq"))
             .select(findings.columns).cast(dict(findings.schema)))
    return pl.concat([findings, extra]).sort("report_id", "seq")
