"""The schema's identities, evaluated again on the tidy cells table.

The extractor reports identity findings itself; this independent evaluation on
what was actually loaded backs the Dagster asset checks (double entry: a
finding lost between parser and warehouse would show here).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from gip_pipeline import schema

RESULT_SCHEMA = pl.Schema({
    "report_id": pl.Utf8, "check": pl.Utf8, "key": pl.Utf8,
    "left": pl.Float64, "right": pl.Float64, "status": pl.Utf8,
})
# status: holds | broken | not_assessable (a term is missing or printed blank)

# Sums of printed counts are exact in Float64; decimals get a rounding tolerance.
TOLERANCE = 1e-6


def identity_checks() -> tuple[str, ...]:
    """Distinct identity check names, in schema order (one identity may differ by era)."""
    return tuple(dict.fromkeys(i.check for i in schema.IDENTITIES))


def _sum(values: dict, keys) -> float | None:
    total = 0.0
    for k in keys:
        v = values.get(k)
        if v is None:
            return None
        total += v
    return total


def evaluate(cells: pl.DataFrame, reports: pl.DataFrame, check: str) -> pl.DataFrame:
    """One row per (report, column or row) the identity ranges over."""
    eras = dict(zip(reports["report_id"].to_list(), reports["era"].to_list()))
    by_report: dict[str, dict[tuple[str, str, str], float | None]] = {}
    for rid, t, r, c, v in cells.select("report_id", "table", "row", "col", "value").iter_rows():
        by_report.setdefault(rid, {})[(t, r, c)] = v
    out = []
    for rid in sorted(by_report):
        era = eras.get(rid)
        idents = [i for i in schema.IDENTITIES if i.check == check and era in i.eras]
        for ident in idents:
            table_cells = {k[1:]: v for k, v in by_report[rid].items() if k[0] == ident.table}
            if not table_cells:
                continue
            if ident.over == "columns":
                keys = sorted({c for (_, c) in table_cells},
                              key=schema.all_col_keys(ident.table).index)
                def addr(key, name): return (name, key)  # noqa: E301
            else:
                keys = sorted({r for (r, _) in table_cells},
                              key=schema.all_row_keys(ident.table).index)
                def addr(key, name): return (key, name)  # noqa: E301
            for key in keys:
                if ident.optional and not any(addr(key, n) in table_cells for n in ident.left):
                    continue  # the report does not print this optional term
                lv = {n: table_cells.get(addr(key, n)) for n in ident.left}
                rv = {n: table_cells.get(addr(key, n)) for n in ident.right}
                left = _sum(lv, ident.left)
                right = _sum(rv, ident.right)
                if left is None or right is None:
                    status = "not_assessable"
                else:
                    status = "holds" if abs(left - right) <= TOLERANCE else "broken"
                out.append({"report_id": rid, "check": check, "key": key, "left": left,
                            "right": right, "status": status})
    if not out:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    return pl.DataFrame(out, schema=RESULT_SCHEMA)


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
