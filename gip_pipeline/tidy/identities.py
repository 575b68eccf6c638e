"""The schema's identities, evaluated again on the tidy cells table.

The extractor reports identity findings itself; evaluating again on what was
actually loaded backs the Dagster asset checks (double entry on the data: a
finding lost between parser and warehouse would show here). The evaluation
itself is the extractor's (validate.identity_instances): identity logic exists once.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.validate import identity_instances

RESULT_SCHEMA = pl.Schema({
    "report_id": pl.Utf8, "check": pl.Utf8, "key": pl.Utf8,
    "left": pl.Float64, "right": pl.Float64, "status": pl.Utf8,
})
# status: holds | broken | not_assessable (a term is missing or printed blank), as
# validate.HOLDS / BROKEN / NOT_ASSESSABLE


def identity_checks() -> tuple[str, ...]:
    """Distinct identity check names, in schema order (one identity may differ by era)."""
    return tuple(dict.fromkeys(i.check for i in schema.IDENTITIES))


def evaluate_all(cells: pl.DataFrame, reports: pl.DataFrame,
                 checks: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Every identity check in one pass over the cells (evaluate() filters it to one check):
    one row per (report, check, column or row) the identity ranges over, for the tables,
    columns and rows the report prints, sorted by report then in identity_instances order.
    The evaluation is validate.identity_instances (one evaluator for parser and warehouse):
    a 2021 report's single （六）其他处理 row stands for its three sub-rows, the optional 小计
    identity only where all its terms are printed."""
    wanted = set(identity_checks() if checks is None else checks)
    eras = dict(zip(reports["report_id"].to_list(), reports["era"].to_list()))
    by_report: dict[str, dict[tuple[str, str, str], float | None]] = {}
    for rid, t, r, c, v in cells.select("report_id", "table", "row", "col", "value").iter_rows():
        by_report.setdefault(rid, {})[(t, r, c)] = v
    out = []
    for rid in sorted(by_report):
        values = by_report[rid]
        printed = {(k[0], "columns", k[2]) for k in values} | {(k[0], "rows", k[1]) for k in values}
        for inst in identity_instances(values, eras.get(rid)):
            if inst.check not in wanted or (inst.table, inst.over, inst.key) not in printed:
                continue
            out.append({"report_id": rid, "check": inst.check, "key": inst.key,
                        "left": None if inst.left is None else float(inst.left),
                        "right": None if inst.right is None else float(inst.right),
                        "status": inst.status})
    if not out:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    return pl.DataFrame(out, schema=RESULT_SCHEMA)


def evaluate(cells: pl.DataFrame, reports: pl.DataFrame, check: str) -> pl.DataFrame:
    """evaluate_all for one check."""
    return evaluate_all(cells, reports, (check,))


@dataclass
class IdentitySummary:
    check: str
    assessed: int
    broken: int
    not_assessable: int
    broken_reports: list[str]


def summarise(result: pl.DataFrame, check: str) -> IdentitySummary:
    broken = result.filter(pl.col("status") == "broken")
    return IdentitySummary(
        check=check,
        assessed=result.filter(pl.col("status") != "not_assessable").height,
        broken=broken.height,
        not_assessable=result.filter(pl.col("status") == "not_assessable").height,
        broken_reports=sorted(set(broken["report_id"].to_list())),
    )
