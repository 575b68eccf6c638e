"""Truth files for synthetic reports, and the identity checks that decide their expected findings."""

from __future__ import annotations

from typing import Any

from gip_pipeline.metadata.schema import ERA_CROSSWALK, OTHER_ROWS_2021, expected_cells, identities_for


def truth_cell_keys(era: str, single_other: bool, subtotal: bool = False) -> list[tuple[str, str, str]]:
    """The cells a synthetic report of this era prints, in printed order.

    A 2021 report printing one （六）其他处理 row uses `other_handling` instead of the three rows;
    one printing the optional 法人或其他组织 小计 column has `legal_person_subtotal` before `total`.
    """
    keys = expected_cells(era)
    if subtotal:
        out = []
        for t, r, c in keys:
            if t == "requests" and c == "total":
                out.append((t, r, "legal_person_subtotal"))
            out.append((t, r, c))
        keys = out
    if era == "2021" and single_other:
        out = []
        for t, r, c in keys:
            if r == OTHER_ROWS_2021[0]:
                out.append((t, "other_handling", c))
            elif r not in OTHER_ROWS_2021:
                out.append((t, r, c))
        return out
    return keys


def failing_checks(cells: dict[str, dict[str, dict[str, Any]]], era: str) -> list[str]:
    """Names of the schema identities that do not hold on these values (sorted, unique).

    A 2021 table with the single other_handling row is checked through ERA_CROSSWALK.
    """
    failed = set()
    for ident in identities_for(era):
        table = cells.get(ident.table, {})

        def expand(rows: tuple[str, ...]) -> tuple[str, ...]:
            out: list[str] = []
            for r in rows:
                if r not in table:
                    for new, olds in ERA_CROSSWALK.items():
                        if r in olds and new in table:
                            if new not in out:
                                out.append(new)
                            break
                    else:
                        out.append(r)
                else:
                    out.append(r)
            return tuple(out)

        if ident.over == "columns":
            left, right = expand(ident.left), expand(ident.right)
            cols = {c for r in table.values() for c in r}
            for c in cols:
                lv = [table.get(r, {}).get(c) for r in left]
                rv = [table.get(r, {}).get(c) for r in right]
                if None in lv or None in rv:
                    continue  # not assessable
                if abs(sum(lv) - sum(rv)) > 1e-9:
                    failed.add(ident.check)
        else:
            for row in table.values():
                lv = [row.get(c) for c in ident.left]
                rv = [row.get(c) for c in ident.right]
                if None in lv or None in rv:
                    continue
                if abs(sum(lv) - sum(rv)) > 1e-9:
                    failed.add(ident.check)
    return sorted(failed)


def build_truth(file: str, report: dict[str, Any], cells: dict, era: str, single_other: bool,
                notes: list[str], extra: dict[str, Any] | None = None, subtotal: bool = False,
                printed_findings: tuple[str, ...] = ()) -> dict[str, Any]:
    """The truth of one report. `printed_findings` are warnings the printed text itself calls
    for whatever the values (e.g. `glued.ambiguous`: digits that no reader can split); they make
    the expected status `warning` like a failing identity does."""
    ordered: dict[str, dict[str, dict[str, Any]]] = {}
    for t, r, c in truth_cell_keys(era, single_other, subtotal):
        ordered.setdefault(t, {}).setdefault(r, {})[c] = cells[t][r][c]
    # A cell no reader can read is not assessable: identities through it yield no finding.
    unreadable = {tuple(k) for k in (extra or {}).get("ambiguous_cells", [])}
    readable = {t: {r: {c: (None if (t, r, c) in unreadable else v) for c, v in cols.items()}
                    for r, cols in rows.items()} for t, rows in ordered.items()}
    findings = sorted(set(failing_checks(readable, era)) | set(printed_findings))
    out = {
        "file": file,
        "report": report,
        "cells": ordered,
        "notes": notes,
        "expected_status": "warning" if findings else "ok",
        "expected_findings": findings,
        "synthetic": True,
    }
    if extra:
        out.update(extra)
    return out
