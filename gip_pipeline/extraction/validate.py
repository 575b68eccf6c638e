"""Checking a report's cells against the schema's identities.

Each identity instance (a column or a row, as Identity.over says) is either
holding, failing (a finding with the numbers) or not assessable (a term is
missing or null: reported as such, never as passed). Publisher errors are
reported, never repaired; no value is written here.
"""

from __future__ import annotations

from collections.abc import Iterable

from gip_pipeline import schema
from gip_pipeline.extraction.normalize import normalize_text
from gip_pipeline.extraction.result import CellValue, Finding
from gip_pipeline.extraction.values import parse_value

# (table, col) -> Column; schema.column_def scans a tuple on every call.
_COLDEF = {(t.key, c.key): c for t in schema.TABLES for c in t.columns}
_TOL = 1e-6

Key = tuple[str, str, str]


def _fmt(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _instances(ident: schema.Identity, era: str, present: dict[Key, CellValue]):
    """(label, [(left keys)], [(right keys)]) per instance, iterating as Identity.over says."""
    t = schema.TABLES_BY_KEY[ident.table]
    if ident.over == "columns":
        printed = {k[2] for k in present if k[0] == t.key}
        for c in t.columns:
            if c.key in schema.OPTIONAL_COLUMNS.get(t.key, ()) and c.key not in printed:
                continue
            yield ("column", c.key, [(t.key, r, c.key) for r in ident.left],
                   [(t.key, r, c.key) for r in ident.right])
    else:
        for r in t.rows_for(era):
            yield ("row", r.key, [(t.key, r.key, c) for c in ident.left],
                   [(t.key, r.key, c) for c in ident.right])


def _substitute(keys: list[Key], era: str, present: dict[Key, CellValue]) -> list[Key]:
    """Era crosswalk: a 2021 report printing one （六）其他处理 row stands for its three sub-rows."""
    if era != "2021":
        return keys
    out = list(keys)
    for combined, parts in schema.ERA_CROSSWALK.items():
        part_keys = [k for k in keys if k[1] in parts]
        if not part_keys:
            continue
        t, _, c = part_keys[0]
        if all(k not in present for k in part_keys) and (t, combined, c) in present:
            out = [k for k in out if k not in part_keys] + [(t, combined, c)]
    return out


def _eval(keys: list[Key], values: dict[Key, float | int | None]):
    vals = [values.get(k) for k in keys]
    return vals, (None if any(v is None for v in vals) else sum(vals))


def validate(cells: Iterable[CellValue], era: str | None) -> list[Finding]:
    cells = list(cells)
    findings: list[Finding] = []
    present: dict[Key, CellValue] = {}
    for c in cells:
        present.setdefault((c.table, c.row, c.col), c)

    findings.extend(_non_negative(present))
    if era not in schema.TABLE_ERAS:
        return findings

    values = {k: c.value for k, c in present.items()}
    blanks = {k for k, c in present.items() if c.value is None and not normalize_text(c.raw or "")}
    zeroed = {**values, **{k: 0 for k in blanks}}
    # Per table: did reading blanks as zero make something assessable, and does all hold then?
    bz_gain: dict[str, int] = {}
    bz_broken: set[str] = set()

    for ident in schema.identities_for(era):
        not_assessable: list[str] = []
        for kind, name, left, right in _instances(ident, era, present):
            left = _substitute(left, era, present)
            right = _substitute(right, era, present)
            if ident.optional and not all(k in present for k in left + right):
                continue
            if not any(k in present for k in left + right):
                not_assessable.append(f"{name} (not printed)")
                continue
            lv, ls = _eval(left, values)
            rv, rs = _eval(right, values)
            involves_blank = any(k in blanks for k in left + right)
            if involves_blank:
                zl, zls = _eval(left, zeroed)
                zr, zrs = _eval(right, zeroed)
                if zls is None or zrs is None or abs(zls - zrs) > _TOL:
                    bz_broken.add(ident.table)
                elif ls is None or rs is None:
                    bz_gain[ident.table] = bz_gain.get(ident.table, 0) + 1
            if ls is None or rs is None:
                missing = [f"{k[1]}.{k[2]}" if kind == "column" else k[2]
                           for k, v in zip(left + right, lv + rv) if v is None]
                not_assessable.append(f"{name} (missing {', '.join(missing[:4])}"
                                      f"{' …' if len(missing) > 4 else ''})")
                continue
            if abs(ls - rs) > _TOL:
                lhs = " + ".join(k[1] if kind == "column" else k[2] for k in left)
                rhs = " + ".join(k[1] if kind == "column" else k[2] for k in right)
                findings.append(Finding(
                    ident.check, ident.severity, ident.table,
                    f"{lhs} != {rhs} for {kind} {name}: "
                    f"{' + '.join(_fmt(v) for v in lv)} != {' + '.join(_fmt(v) for v in rv)}"))
        if not_assessable:
            findings.append(Finding(
                f"{ident.check}.not_assessable", "info", ident.table,
                f"{ident.description}: not assessable for {len(not_assessable)} "
                f"{'columns' if ident.over == 'columns' else 'rows'}: {'; '.join(not_assessable)}"))

    for table, gain in bz_gain.items():
        if table in bz_broken:
            continue
        n = sum(1 for k in blanks if k[0] == table)
        findings.append(Finding(
            f"{table}.blanks_as_zero", "info", table,
            f"{n} cells are printed blank; every identity involving them holds when blanks are "
            f"read as zero ({gain} identity instances become assessable that way); "
            f"they are kept as null"))
    return findings


def _non_negative(present: dict[Key, CellValue]) -> list[Finding]:
    out = []
    for (t, r, c), cell in present.items():
        col = _COLDEF[(t, c)]
        if col.allow_negative:
            continue
        v = cell.value
        if v is None and cell.raw:
            pv = parse_value(cell.raw, col.dtype, allow_negative=True)
            v = pv.value if pv.kind == "number" else None
        if v is not None and v < 0:
            out.append(Finding(f"{t}.non_negative", "error", t,
                               f"cell {r}/{c} is negative ({cell.raw!r}); the column cannot be negative"))
    return out
