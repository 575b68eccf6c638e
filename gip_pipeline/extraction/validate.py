"""Checking a report's cells against the schema's identities.

Each identity instance (a column or a row, as Identity.over says) is either
holding, broken (a finding with the numbers) or not assessable (a term is
missing or null: reported as such, never as passed). Publisher errors are
reported, never repaired; no value is written here.

`identity_instances` is the one evaluator of the identities at instance level;
validate() and the tidy layer's checks both use it.

Blank cells (printed empty) are not zero. Where the identities prove a blank
cell is zero, that is recorded per cell (`<table>.blanks_as_zero`, with the
cells listed) so downstream can use the evidence; the cell stays null. Blanks
no identity forces but with which every identity holds when read as zero are
recorded apart, as weaker evidence (`<table>.blanks_as_zero_consistent`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.normalize import normalize_text
from gip_pipeline.extraction.result import CellValue, Finding
from gip_pipeline.extraction.values import parse_value

# (table, col) -> Column; schema.column_def scans a tuple on every call.
_COLDEF = {(t.key, c.key): c for t in schema.TABLES for c in t.columns}
_TOL = 1e-6

Key = tuple[str, str, str]
Number = int | float

HOLDS, BROKEN, NOT_ASSESSABLE = "holds", "broken", "not_assessable"

# The two classes of blanks-as-zero evidence (finding check `<table>.<class>`, cells listed):
# proven (the identities force the blank to 0) and consistent (no identity forces it, but
# every identity containing it holds with the blanks read as 0). Downstream tells them apart.
BLANKS_PROVEN_CHECK = "blanks_as_zero"
BLANKS_CONSISTENT_CHECK = "blanks_as_zero_consistent"
BLANKS_HIDE_VALUES_CHECK = "blanks_hide_values"


@dataclass(frozen=True)
class IdentityInstance:
    """One identity over one column (over="columns") or one row (over="rows")."""

    check: str
    table: str
    over: str  # columns | rows
    key: str  # the column key (over columns) or row key (over rows)
    left_terms: tuple[Key, ...]
    right_terms: tuple[Key, ...]
    left: Number | None  # the sum; None when a term is missing or null
    right: Number | None
    status: str  # holds | broken | not_assessable
    identity: schema.Identity
    printed: bool = True  # False when the report prints none of the terms

    def term_name(self, k: Key) -> str:
        """How a term is named within its instance: the row over columns, the column over rows."""
        return k[1] if self.over == "columns" else k[2]


def _crosswalk_rows(table: str, era: str, printed_rows: set[tuple[str, str]]) -> dict[str, str]:
    """part row -> combined row, where a 2021 report prints one （六）其他处理 row instead of the parts."""
    if era != "2021":
        return {}
    out = {}
    for combined, parts in schema.ERA_CROSSWALK.items():
        if (table, combined) in printed_rows and not any((table, p) in printed_rows for p in parts):
            out.update({p: combined for p in parts})
    return out


def _dedupe(keys: list[Key]) -> tuple[Key, ...]:
    return tuple(dict.fromkeys(keys))


def _instance_terms(era: str, values: Mapping[Key, object]):
    """(identity, key, left keys, right keys) per instance, as Identity.over says."""
    printed_rows = {(k[0], k[1]) for k in values}
    # The instances depend on the values only through these two facts: which crosswalks apply
    # (a 2021 single （六） row) and which optional columns are printed; cached on them, as the
    # glued decoder asks for the instances of many candidate readings of one report.
    xw_on = tuple(sorted((t, combined) for t in schema.TABLES_BY_KEY for combined, parts
                         in schema.ERA_CROSSWALK.items()
                         if era == "2021" and (t, combined) in printed_rows
                         and not any((t, p) in printed_rows for p in parts)))
    opt = tuple(sorted((t, c) for t, cols in schema.OPTIONAL_COLUMNS.items() for c in cols
                       if any(k[0] == t and k[2] == c for k in values)))
    return _instance_terms_cached(era, xw_on, opt)


@lru_cache(maxsize=256)
def _instance_terms_cached(era: str, xw_on: tuple[tuple[str, str], ...],
                           opt_printed: tuple[tuple[str, str], ...]):
    printed_rows = set(xw_on)
    out = []
    for ident in schema.identities_for(era):
        t = schema.TABLES_BY_KEY[ident.table]
        xw = _crosswalk_rows(t.key, era, printed_rows)
        if ident.over == "columns":
            for c in t.columns:
                if c.key in schema.OPTIONAL_COLUMNS.get(t.key, ()) and (t.key, c.key) not in opt_printed:
                    continue
                left = _dedupe([(t.key, xw.get(r, r), c.key) for r in ident.left])
                right = _dedupe([(t.key, xw.get(r, r), c.key) for r in ident.right])
                out.append((ident, c.key, left, right))
        else:
            rows = list(dict.fromkeys(xw.get(r.key, r.key) for r in t.rows_for(era)))
            for r in rows:
                out.append((ident, r, tuple((t.key, r, c) for c in ident.left),
                            tuple((t.key, r, c) for c in ident.right)))
    return tuple(out)


def _sum(keys: tuple[Key, ...], values: Mapping[Key, Number | None]) -> Number | None:
    total: Number = 0
    for k in keys:
        v = values.get(k)
        if v is None:
            return None
        total += v
    return total


def identity_instances(values: Mapping[Key, Number | None], era: str | None) -> Iterator[IdentityInstance]:
    """Every identity instance of an era over a report's cells.

    `values` maps (table, row, col) to the cell's value; a key that is present
    with None is printed but null (blank, dash, word), an absent key is not
    printed. Optional identities (the 小计 column) are evaluated only where all
    their terms are printed. A 2021 report printing one （六）其他处理 row has
    that row stand for the three sub-rows.
    """
    if era not in schema.TABLE_ERAS:
        return
    for ident, name, left, right in _instance_terms(era, values):
        terms = left + right
        if ident.optional and not all(k in values for k in terms):
            continue
        ls, rs = _sum(left, values), _sum(right, values)
        if ls is None or rs is None:
            status = NOT_ASSESSABLE
        else:
            status = HOLDS if abs(ls - rs) <= _TOL else BROKEN
        yield IdentityInstance(ident.check, ident.table, ident.over, name, left, right, ls, rs,
                               status, ident, any(k in values for k in terms))


def _fmt(v: Number) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------- blanks proven zero


@dataclass
class BlankDeduction:
    zero: set[Key]  # blank cells the identities force to 0
    determined: dict[Key, Number]  # blank cells forced to a non-zero value (they stay missing)
    impossible: list[tuple[IdentityInstance, Number, Number]]  # (inst, printed side, the other)
    # Instances whose blank cells must hold a positive amount (inst, blank terms, the amount):
    # a value printed blank, or one the reader could not see. Never written into the cells.
    short: list[tuple[IdentityInstance, tuple[Key, ...], Number]] = field(default_factory=list)


def deduce_blanks(instances: list[IdentityInstance], values: Mapping[Key, Number | None],
                  blanks: set[Key]) -> BlankDeduction:
    """Blank cells as unknown non-negative numbers, solved where the identities force them.

    An instance whose unknowns all sit on one side, the other side known: if the
    known part of the unknowns' side already equals the other side, every
    unknown there is 0; if exactly one unknown is left, it is the difference.
    Values found feed the other instances until nothing changes. An instance
    whose printed part already exceeds the other side cannot hold with any
    non-negative blanks: it is broken, whatever the blanks are.
    """
    det: dict[Key, Number] = {}
    impossible: dict[int, tuple[IdentityInstance, Number, Number]] = {}
    open_insts = [i for i in instances if i.status == NOT_ASSESSABLE
                  and all(k in values for k in i.left_terms + i.right_terms)
                  # a dash or word is missing, not an unknown number: no deduction through it
                  and all(values[k] is not None or k in blanks for k in i.left_terms + i.right_terms)]
    changed = True
    while changed:
        changed = False
        for n, inst in enumerate(open_insts):
            if n in impossible:
                continue
            sides = []
            for terms in (inst.left_terms, inst.right_terms):
                unknown = [k for k in terms if values[k] is None and k not in det]
                known = sum((values[k] if values[k] is not None else det[k]) for k in terms
                            if values[k] is not None or k in det)
                sides.append((unknown, known))
            (lu, lk), (ru, rk) = sides
            if (lu and ru) or not (lu or ru):
                continue
            unknown, part, other = (lu, lk, rk) if lu else (ru, rk, lk)
            if abs(part - other) <= _TOL:
                for k in unknown:
                    det[k] = 0
                changed = True
            elif part > other + _TOL:
                impossible[n] = (inst, part, other)
            elif len(unknown) == 1:
                det[unknown[0]] = other - part
                changed = True
    # Values forced by different instances that disagree: some identity is broken.
    for n, inst in enumerate(open_insts):
        if n in impossible:
            continue
        terms = inst.left_terms + inst.right_terms
        if all(values[k] is not None or k in det for k in terms):
            ls, rs = (sum(values[k] if values[k] is not None else det[k] for k in side)
                      for side in (inst.left_terms, inst.right_terms))
            if abs(ls - rs) > _TOL:
                impossible[n] = (inst, max(ls, rs), min(ls, rs))
    short = []
    for n, inst in enumerate(open_insts):
        if n in impossible:
            continue
        sides = []
        for terms in (inst.left_terms, inst.right_terms):
            blank = tuple(k for k in terms if values[k] is None)
            known = sum(values[k] for k in terms if values[k] is not None)
            sides.append((blank, known))
        (lb, lk), (rb, rk) = sides
        if lb and not rb and rk - lk > _TOL:
            short.append((inst, lb, rk - lk))
        elif rb and not lb and lk - rk > _TOL:
            short.append((inst, rb, lk - rk))
    zero = {k for k, v in det.items() if abs(v) <= _TOL}
    return BlankDeduction(zero, {k: v for k, v in det.items() if k not in zero},
                          list(impossible.values()), short)


# ---------------------------------------------------------------- validate


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
    instances = list(identity_instances(values, era))
    ded = deduce_blanks(instances, values, blanks) if blanks else BlankDeduction(set(), {}, [])
    impossible = {id(i): (p, o) for i, p, o in ded.impossible}

    by_ident: dict[int, list[IdentityInstance]] = {}
    for inst in instances:
        by_ident.setdefault(id(inst.identity), []).append(inst)
    for insts in by_ident.values():
        ident = insts[0].identity
        kind = "column" if ident.over == "columns" else "row"
        not_assessable: list[str] = []
        for inst in insts:
            if inst.status == HOLDS:
                continue
            lhs = " + ".join(inst.term_name(k) for k in inst.left_terms)
            rhs = " + ".join(inst.term_name(k) for k in inst.right_terms)
            # the cells that disagree, for a program (findings.cells in the tidy tables)
            terms = list(dict.fromkeys(f"{k[1]}.{k[2]}"
                                       for k in inst.left_terms + inst.right_terms))
            if inst.status == BROKEN:
                lv = [values[k] for k in inst.left_terms]
                rv = [values[k] for k in inst.right_terms]
                findings.append(Finding(
                    ident.check, ident.severity, ident.table,
                    f"{lhs} != {rhs} for {kind} {inst.key}: "
                    f"{' + '.join(_fmt(v) for v in lv)} != {' + '.join(_fmt(v) for v in rv)}",
                    terms))
            elif id(inst) in impossible:
                part, other = impossible[id(inst)]
                findings.append(Finding(
                    ident.check, ident.severity, ident.table,
                    f"{lhs} != {rhs} for {kind} {inst.key}: the printed terms of one side already "
                    f"sum to {_fmt(part)}, more than the other side's {_fmt(other)}; its blank "
                    f"cells cannot make up the difference", terms))
            elif inst.status == NOT_ASSESSABLE:
                if not inst.printed:
                    not_assessable.append(f"{inst.key} (not printed)")
                    continue
                missing = [inst.term_name(k) if kind == "row" else f"{k[1]}.{k[2]}"
                           for k in inst.left_terms + inst.right_terms if values.get(k) is None]
                not_assessable.append(f"{inst.key} (missing {', '.join(missing[:4])}"
                                      f"{' …' if len(missing) > 4 else ''})")
        if not_assessable:
            findings.append(Finding(
                f"{ident.check}.not_assessable", "info", ident.table,
                f"{ident.description}: not assessable for {len(not_assessable)} "
                f"{'columns' if ident.over == 'columns' else 'rows'}: {'; '.join(not_assessable)}"))

    findings.extend(_blank_findings(ded, blanks))
    findings.extend(_hidden_value_findings(ded))
    findings.extend(_consistent_findings(consistent_blanks(instances, values, blanks, ded), blanks))
    return findings


def consistent_blanks(instances: list[IdentityInstance], values: Mapping[Key, Number | None],
                      blanks: set[Key], ded: BlankDeduction) -> set[Key]:
    """Blank cells that are only *consistent* with zero: not forced by any identity, but every
    identity instance containing them holds when the report's blanks are read as zero.

    Weaker than deduce_blanks' proof (a wholly blank row satisfies its row total as 0 = 0
    whatever the publisher meant), so it is recorded apart. Blanks the identities force to a
    non-zero value take that value here and are never candidates; an instance with a term
    that is not printed, or printed as a dash or word, cannot hold, so its blanks are not
    consistent; a blank in no instance has no evidence at all.
    """
    cand = blanks - ded.zero - ded.determined.keys()
    if not cand:
        return set()
    assumed: dict[Key, Number | None] = dict(values)
    assumed.update({k: 0 for k in ded.zero | cand})
    assumed.update(ded.determined)
    seen: set[Key] = set()
    bad: set[Key] = set()
    for inst in instances:
        mine = [k for k in inst.left_terms + inst.right_terms if k in cand]
        if not mine:
            continue
        seen.update(mine)
        ls, rs = _sum(inst.left_terms, assumed), _sum(inst.right_terms, assumed)
        if ls is None or rs is None or abs(ls - rs) > _TOL:
            bad.update(mine)
    return seen - bad


def _consistent_findings(consistent: set[Key], blanks: set[Key]) -> list[Finding]:
    out = []
    for t in schema.TABLES:
        cells = sorted((k for k in consistent if k[0] == t.key), key=_cell_order)
        if not cells:
            continue
        names = [f"{k[1]}.{k[2]}" for k in cells]
        n_blank = sum(1 for k in blanks if k[0] == t.key)
        out.append(Finding(
            f"{t.key}.{BLANKS_CONSISTENT_CHECK}", "info", t.key,
            f"{len(cells)} of {n_blank} blank cells are consistent with zero (kept null): every "
            f"identity containing them holds with the blanks read as zero, but none forces them "
            f"to be zero: {', '.join(names)}", cells=names))
    return out


def _hidden_value_findings(ded: BlankDeduction) -> list[Finding]:
    """A warning per table whose printed numbers need its blank cells to hold something: the
    cells stay null (missing), and the report is not passed as clean."""
    out = []
    for t in schema.TABLES:
        short = [(inst, terms, amount) for inst, terms, amount in ded.short
                 if inst.identity.table == t.key]
        if not short:
            continue
        parts = [f"{inst.identity.check} for {inst.key}: blank "
                 f"{', '.join(f'{k[1]}.{k[2]}' for k in terms[:4])}"
                 f"{' …' if len(terms) > 4 else ''} must hold {_fmt(amount)}"
                 for inst, terms, amount in short]
        cells = list(dict.fromkeys(f"{k[1]}.{k[2]}" for _, terms, _ in short for k in terms))
        out.append(Finding(
            f"{t.key}.{BLANKS_HIDE_VALUES_CHECK}", "warning", t.key,
            f"{len(short)} identit{'y needs' if len(short) == 1 else 'ies need'} blank cells "
            f"to be non-zero (a value printed blank, or one the reader could not see; the cells "
            f"stay null): {'; '.join(parts[:6])}{' …' if len(parts) > 6 else ''}", cells))
    return out


def _blank_findings(ded: BlankDeduction, blanks: set[Key]) -> list[Finding]:
    out = []
    for t in schema.TABLES:
        zero = sorted((k for k in ded.zero if k[0] == t.key), key=_cell_order)
        if not zero:
            continue
        names = [f"{k[1]}.{k[2]}" for k in zero]
        n_blank = sum(1 for k in blanks if k[0] == t.key)
        rest = n_blank - len(zero)
        det = sorted((k for k in ded.determined if k[0] == t.key), key=_cell_order)
        msg = (f"{len(zero)} of {n_blank} blank cells are proven zero by the identities "
               f"(kept null): {', '.join(names)}")
        if det:
            msg += ("; blank but forced to a non-zero value (kept null): "
                    + ", ".join(f"{k[1]}.{k[2]}={_fmt(ded.determined[k])}" for k in det))
        if rest - len(det) > 0:
            msg += f"; {rest - len(det)} blank cells are not determined"
        out.append(Finding(f"{t.key}.{BLANKS_PROVEN_CHECK}", "info", t.key, msg, cells=names))
    return out


_ORDER = {(t.key, r.key, c.key): (ti, ri, ci) for ti, t in enumerate(schema.TABLES)
          for ri, r in enumerate(t.rows) for ci, c in enumerate(t.columns)}


def _cell_order(k: Key):
    return _ORDER.get(k, (99, 99, 99))


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
