"""ParseResults built in code for the pipeline tests (no parser needed)."""

from __future__ import annotations

import hashlib

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.result import CellValue, Finding, ParseResult

SEED_META = {"organ": "某某市人民政府办公室", "year": 2023, "published": "2024-01-30",
             "index_number": "X-2024-1", "era": "2021", "region_code": "110000",
             "admin_level": "prefecture", "organ_kind": "general_office"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def requests_cells(new: int, carried: int, granted: int, not_held: int, forward: int,
                   era: str = "2021") -> list[CellValue]:
    """A requests table where natural persons made every request: the identities hold when
    new + carried == granted + not_held + forward."""
    vals = {"new_received": new, "carried_over": carried, "granted": granted,
            "unable_not_held": not_held, "total_handled": granted + not_held,
            "carried_forward": forward}
    cells = []
    for row in schema.REQUESTS.rows_for(era):
        for col in schema.row_columns("requests", era, row.key):
            v = vals.get(row.key, 0) if col in ("natural_person", "total") else 0
            cells.append(CellValue("requests", row.key, col, v, str(v), 3))
    return cells


def make_result(name: str = "a.txt", content: str | None = None, cells=None, findings=(),
                status: str = "ok", meta: dict | None = None) -> ParseResult:
    return ParseResult(
        file=name, sha256=sha(content if content is not None else name), format="txt",
        status=status, report=dict(meta or SEED_META),
        cells=list(cells if cells is not None else requests_cells(10, 2, 7, 3, 2)),
        findings=list(findings))


def finding(check="requests.balance", severity="error", table="requests", message="m"):
    return Finding(check, severity, table, message)


def break_balance(text: str, printed: int = 14) -> str:
    """The seed with new_received printed as `printed` instead of 13: the balance breaks."""
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if "本年新收" in line and "|" in line)
    changed = lines[i].replace("| 13 |", f"| {printed} |")
    assert changed != lines[i] and changed.count(f"| {printed} |") == 2
    lines[i] = changed
    return "\n".join(lines)
