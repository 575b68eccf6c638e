"""Truth files: finding them, loading them, and scoring one parse result against one.

A truth file (format of ../shared/real/truth/) is
`{"file", "report": {organ, year, era, ...}, "cells": {table: {row: {col: value}}}, "notes"}`,
optionally with `"expected_status"` and `"expected_findings"` (check names). It lists a
subset of cells: the extractor is judged on the cells listed, and only on them.
Synthetic truth may add `"ambiguous_cells"` ([table, row, col] printed so that no reader
can split them): there null is right, a different number wrong; and `"layout"` (/`"form"`),
which the bench breaks results down by.

Synthetic truth may also list `"blank_cells"` ([table, row, col] printed empty, whose truth
value is the 0 the generator meant): a correct reader returns those as null with a blank raw
text, never as a number it did not see, so null-and-blank is right there (counted apart).

Scoring is strict: a cell is right only when the value printed by `gip parse` equals the
truth value. A blank cell (value null, raw blank) is never taken as 0, except where the
report itself gives the evidence: a `<table>.blanks_as_zero` finding whose `cells` ("row.col")
name that cell (the identities force it to be zero), or the weaker
`<table>.blanks_as_zero_consistent` (every identity holds with it read as zero); those are counted
apart, the weaker class separately again. A finding without a `cells` list names no cell.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gip_pipeline.metadata.schema import META_KEYS

BLANK_ZERO_CHECK = "blanks_as_zero"

CellKey = tuple[str, str, str]  # (table, row, col)


@dataclass
class Truth:
    path: Path
    file: str | None
    report: dict[str, Any]
    cells: dict[CellKey, Any]
    expected_status: str | None = None
    expected_findings: list[str] | None = None
    ambiguous: frozenset[CellKey] = frozenset()
    layout: str | None = None
    blank: frozenset[CellKey] = frozenset()  # synthetic: printed empty
    form: str | None = None  # synthetic: the form it was rendered in (txt and pipe are both .txt)

    @property
    def era(self) -> str | None:
        era = self.report.get("era")
        return None if era is None else str(era)


def truth_candidates(report: Path, truth_dir: Path | None = None) -> list[Path]:
    """Where the truth of a report may be, in lookup order: `truth/F.json`, `F.truth.json`
    beside it, `<stem>.truth.json` beside it (the seed's form). With truth_dir, the same
    three names are looked up in truth_dir instead."""
    name, stem = report.name, report.stem
    if truth_dir is not None:
        return [truth_dir / f"{name}.json", truth_dir / f"{name}.truth.json",
                truth_dir / f"{stem}.truth.json"]
    d = report.parent
    return [d / "truth" / f"{name}.json", d / f"{name}.truth.json", d / f"{stem}.truth.json"]


def find_truth(report: Path, truth_dir: Path | None = None) -> Path | None:
    for p in truth_candidates(report, truth_dir):
        if p.is_file():
            return p
    return None


def is_truth_file(path: Path) -> bool:
    return path.name.endswith(".truth.json") or path.parent.name == "truth"


class TruthError(ValueError):
    """A truth file that does not have the expected shape."""


def load_truth(path: Path) -> Truth:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TruthError(f"{path}: cannot read truth: {e}") from e
    if not isinstance(d, dict):
        raise TruthError(f"{path}: truth is not a JSON object")
    cells: dict[CellKey, Any] = {}
    raw_cells = d.get("cells") or {}
    if not isinstance(raw_cells, dict):
        raise TruthError(f"{path}: 'cells' is not an object")
    for table, rows in raw_cells.items():
        if not isinstance(rows, dict):
            raise TruthError(f"{path}: cells.{table} is not an object")
        for row, cols in rows.items():
            if not isinstance(cols, dict):
                raise TruthError(f"{path}: cells.{table}.{row} is not an object")
            for col, value in cols.items():
                if isinstance(value, bool) or not (value is None or isinstance(value, (int, float))):
                    raise TruthError(f"{path}: cells.{table}.{row}.{col} is not a number: {value!r}")
                cells[(table, row, col)] = value
    findings = d.get("expected_findings")
    if findings is not None and not (isinstance(findings, list)
                                     and all(isinstance(f, str) for f in findings)):
        raise TruthError(f"{path}: 'expected_findings' is not a list of check names")
    ambiguous = d.get("ambiguous_cells") or []
    if not (isinstance(ambiguous, list) and all(isinstance(k, list) and len(k) == 3 for k in ambiguous)):
        raise TruthError(f"{path}: 'ambiguous_cells' is not a list of [table, row, col]")
    blank = d.get("blank_cells") or []
    if not (isinstance(blank, list) and all(isinstance(k, list) and len(k) == 3 for k in blank)):
        raise TruthError(f"{path}: 'blank_cells' is not a list of [table, row, col]")
    layout = "/".join(str(d[k]) for k in ("form", "layout") if d.get(k)) or None
    return Truth(path=path, file=d.get("file"), report=dict(d.get("report") or {}), cells=cells,
                 expected_status=d.get("expected_status"), expected_findings=findings,
                 ambiguous=frozenset(tuple(k) for k in ambiguous), layout=layout,
                 blank=frozenset(tuple(k) for k in blank), form=d.get("form"))


# ---------------------------------------------------------------- scoring


@dataclass
class CellIssue:
    table: str
    row: str
    col: str
    expected: Any
    got: Any = None
    raw: str | None = None

    @property
    def key(self) -> str:
        return f"{self.table}.{self.row}.{self.col}"


@dataclass
class FileScore:
    file: str
    format: str | None = None
    era: str | None = None  # the truth's era, else the parsed one: groups never move on a misread
    status: str | None = None
    expected_status: str | None = None
    reason: str | None = None
    error: str | None = None  # the parser raised: nothing was scored against its output
    cells_scored: int = 0
    right: int = 0
    right_blank_zero: int = 0  # of `right`: blank cells right only by the blanks-as-zero findings
    right_blank_zero_consistent: int = 0  # of those: by the weaker `_consistent` evidence only
    right_ambiguous_null: int = 0  # of `right`: null where the truth says no reader can split the cell
    right_blank_null: int = 0  # of `right`: null for a cell printed empty (synthetic blank_cells)
    wrong: list[CellIssue] = field(default_factory=list)
    missing: list[CellIssue] = field(default_factory=list)
    meta_right: int = 0
    meta_wrong: list[tuple[str, Any, Any]] = field(default_factory=list)
    findings_missing: list[str] = field(default_factory=list)
    ms: float = 0.0
    layout: str | None = None

    @property
    def wrong_numbers(self) -> int:
        """Wrong cells holding a number (the rest are null where the truth has a number)."""
        return sum(1 for i in self.wrong if _is_number(i.got))

    @property
    def silent_error(self) -> bool:
        """Status `ok` while a cell is wrong: the failure the pipeline must never have."""
        return self.status == "ok" and bool(self.wrong)

    @property
    def status_mismatch(self) -> bool:
        return self.expected_status is not None and self.status != self.expected_status

    @property
    def passed(self) -> bool:
        return not (self.error or self.wrong or self.missing or self.silent_error
                    or self.status_mismatch or self.findings_missing)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "era": self.era,
            "status": self.status, "expected_status": self.expected_status,
            "status_mismatch": self.status_mismatch, "reason": self.reason, "error": self.error,
            "cells_scored": self.cells_scored, "right": self.right,
            "right_blank_zero": self.right_blank_zero,
            "right_blank_zero_consistent": self.right_blank_zero_consistent,
            "right_ambiguous_null": self.right_ambiguous_null,
            "right_blank_null": self.right_blank_null,
            "wrong_numbers": self.wrong_numbers, "layout": self.layout,
            "wrong": [{"cell": i.key, "expected": i.expected, "got": i.got, "raw": i.raw}
                      for i in self.wrong],
            "missing": [{"cell": i.key, "expected": i.expected} for i in self.missing],
            "metadata_right": self.meta_right,
            "metadata_wrong": [{"field": k, "expected": e, "got": g} for k, e, g in self.meta_wrong],
            "expected_findings_missing": self.findings_missing,
            "silent_error": self.silent_error, "passed": self.passed, "ms": round(self.ms, 1),
        }


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def values_equal(expected: Any, got: Any) -> bool:
    if expected is None:
        return got is None
    if not _is_number(got):
        return False
    return math.isclose(float(expected), float(got), rel_tol=1e-9, abs_tol=1e-9)


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _meta_equal(expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is got
    return str(expected).strip() == str(got).strip()


def score(result: dict[str, Any], truth: Truth, ms: float = 0.0) -> FileScore:
    """Score one `gip parse --json` object (a dict) against its truth."""
    report = result.get("report") or {}
    findings = result.get("findings") or []
    s = FileScore(
        file=str(result.get("file") or truth.file or truth.path.name),
        format=result.get("format"),
        era=truth.era or (None if report.get("era") is None else str(report.get("era"))),
        status=result.get("status"),
        expected_status=truth.expected_status,
        reason=result.get("reason"),
        ms=ms,
        layout=truth.layout,
    )
    proven_zero = proven_zero_cells(findings)

    got: dict[CellKey, list[dict[str, Any]]] = {}
    for c in result.get("cells") or []:
        got.setdefault((c.get("table"), c.get("row"), c.get("col")), []).append(c)

    for key, expected in truth.cells.items():
        s.cells_scored += 1
        printed = got.get(key)
        if not printed:
            s.missing.append(CellIssue(*key, expected=expected))
            continue
        # A cell printed twice is right only if every copy is right.
        verdicts = []
        for c in printed:
            value, raw = c.get("value"), c.get("raw")
            if values_equal(expected, value):
                verdicts.append("right")
            elif value is None and key in truth.ambiguous:
                verdicts.append("ambiguous_null")
            elif value is None and _is_blank(raw) and _is_number(expected) and expected == 0 \
                    and key in proven_zero:
                verdicts.append("blank_zero" if proven_zero[key] == "proven" else "blank_zero_consistent")
            elif value is None and _is_blank(raw) and key in truth.blank:
                verdicts.append("blank_null")
            else:
                verdicts.append("wrong")
                s.wrong.append(CellIssue(*key, expected=expected, got=value, raw=raw))
                break
        if verdicts[-1] == "wrong":
            continue
        s.right += 1
        if "blank_zero" in verdicts or "blank_zero_consistent" in verdicts:
            s.right_blank_zero += 1
            s.right_blank_zero_consistent += "blank_zero" not in verdicts
        elif "ambiguous_null" in verdicts:
            s.right_ambiguous_null += 1
        elif "blank_null" in verdicts:
            s.right_blank_null += 1

    for k, expected in truth.report.items():
        if k not in META_KEYS:
            continue
        if _meta_equal(expected, report.get(k)):
            s.meta_right += 1
        else:
            s.meta_wrong.append((k, expected, report.get(k)))

    if truth.expected_findings:
        checks = {str(f.get("check")) for f in findings}
        s.findings_missing = [c for c in truth.expected_findings if c not in checks]
    return s


def proven_zero_cells(findings: list[dict[str, Any]]) -> dict[CellKey, str]:
    """Blank cells the report's own evidence reads as zero, by evidence class: the
    `<table>.blanks_as_zero` finding (identities force them to 0: "proven") and the weaker
    `<table>.blanks_as_zero_consistent` (every identity holds with them read as 0: "consistent"),
    from each finding's `cells` ("row.col"); a finding without the list names no cell."""
    from gip_pipeline.extraction.validate import BLANKS_CONSISTENT_CHECK, BLANKS_PROVEN_CHECK

    out: dict[CellKey, str] = {}
    for f in findings:
        table, check = f.get("table"), str(f.get("check", ""))
        if not table:
            continue
        if check == f"{table}.{BLANKS_PROVEN_CHECK}":
            kind = "proven"
        elif check == f"{table}.{BLANKS_CONSISTENT_CHECK}":
            kind = "consistent"
        else:
            continue
        for rc in f.get("cells") or ():
            row, _, col = str(rc).partition(".")
            if row and col and out.get((table, row, col)) != "proven":
                out[(table, row, col)] = kind
    return out


def crashed(file: str, truth: Truth, error: str, fmt: str | None, ms: float) -> FileScore:
    """The score of a file whose parse raised: every listed cell missing."""
    s = FileScore(file=file, format=fmt, era=truth.era, expected_status=truth.expected_status,
                  error=error, ms=ms, layout=truth.layout)
    for key, expected in truth.cells.items():
        s.cells_scored += 1
        s.missing.append(CellIssue(*key, expected=expected))
    s.meta_wrong = [(k, v, None) for k, v in truth.report.items() if k in META_KEYS]
    s.findings_missing = list(truth.expected_findings or [])
    return s
