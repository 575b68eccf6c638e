"""The table identities as the judge of OCR'd numbers.

OCR misreads digits (8/3, 1/7, 6/5) with varying confidence; the report's own
identities (requests balance and outcomes, row totals) tie most cells to others. For
the cells of a report read by OCR:

1. while an identity instance is broken, try the recogniser's alternative readings of
   the cells in broken instances; a change is taken only when it is the one change that
   makes every instance containing that cell hold (value_source "ocr_identities", with an
   info finding naming the first reading);
2. a cell read with less than CONFIDENT confidence stands only where a holding identity
   instance confirms it; otherwise it becomes null with an `ocr.uncertain` warning,
   never a guess; so does one left in a broken instance (a misreading cannot be told
   from a publisher's error there).

Broken instances whose terms were all read confidently stay as they are: the
validation then reports them as the publisher's errors, as for a born-digital file.
"""

from __future__ import annotations

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.result import CellValue, Finding
from gip_pipeline.extraction.validate import BROKEN, HOLDS, identity_instances
from gip_pipeline.extraction.values import UNREADABLE, parse_value

CONFIDENT = 0.95
MAX_ROUNDS = 50
UNCERTAIN_CHECK = "ocr.uncertain"
CHOICE_CHECK = "ocr.identity_choice"
UNREADABLE_CHECK = "ocr.unreadable"

Key = tuple[str, str, str]


def _candidates(c: CellValue) -> list[float | int]:
    cdef = schema.column_def(c.table, c.col)
    out = []
    for text in c.alternatives:
        v = parse_value(text, cdef.dtype, cdef.allow_negative).value
        if v is not None and v != c.value and v not in out:
            out.append(v)
    return out


def _instances_of(insts, key: Key):
    return [i for i in insts if key in i.left_terms or key in i.right_terms]


def check_ocr_cells(cells: list[CellValue], era: str | None) -> list[Finding]:
    """Correct or null the OCR'd cells by the identities (in place); the findings to add."""
    ocr = {(c.table, c.row, c.col): c for c in cells if c.value_source is not None}
    if not ocr:
        return []
    findings: list[Finding] = [
        Finding(UNREADABLE_CHECK, "warning", c.table,
                f"cell {c.row}/{c.col}: OCR found print but could not read it; left null",
                cells=[f"{c.row}.{c.col}"])
        for c in ocr.values() if UNREADABLE in c.raw]
    values: dict[Key, float | int | None] = {(c.table, c.row, c.col): c.value for c in cells}
    first = {k: c.value for k, c in ocr.items()}
    cands = {k: _candidates(c) for k, c in ocr.items() if c.value is not None}

    for _ in range(MAX_ROUNDS):
        insts = list(identity_instances(values, era))
        broken = [i for i in insts if i.status == BROKEN]
        if not broken:
            break
        n_broken = len(broken)
        suspects = {k for i in broken for k in (*i.left_terms, *i.right_terms) if cands.get(k)}
        fixes = []
        for k in sorted(suspects):
            for v in cands[k]:
                trial = dict(values)
                trial[k] = v
                after = list(identity_instances(trial, era))
                mine = _instances_of(after, k)
                if mine and all(i.status == HOLDS for i in mine) and \
                        sum(i.status == BROKEN for i in after) < n_broken:
                    fixes.append((k, v))
        if len(fixes) != 1:
            break  # none, or several that each fit: the identities cannot choose
        k, v = fixes[0]
        values[k] = v
        cands[k] = [x for x in cands[k] if x != v] + ([first[k]] if first[k] not in cands[k] else [])
        c = ocr[k]
        c.value, c.value_source = v, "ocr_identities"
        findings.append(Finding(CHOICE_CHECK, "info", c.table,
                                f"cell {c.row}/{c.col}: OCR read {c.raw!r} (confidence "
                                f"{c.confidence:.2f}); the identities choose {_fmt(v)}",
                                cells=[f"{c.row}.{c.col}"]))
    insts = list(identity_instances(values, era))
    confirmed = {k for i in insts if i.status == HOLDS for k in (*i.left_terms, *i.right_terms)}
    uncertain = {k for k, c in ocr.items()
                 if c.value is not None and c.value_source == "ocr"
                 and (c.confidence or 0.0) < CONFIDENT}
    in_broken = {k for i in insts if i.status == BROKEN for k in (*i.left_terms, *i.right_terms)}
    doubtful = {k for k in uncertain if k in in_broken or k not in confirmed}
    for k in sorted(doubtful, key=lambda k: (k[0], k[1], k[2])):
        c = ocr[k]
        if c.value is None:
            continue
        findings.append(Finding(UNCERTAIN_CHECK, "warning", c.table,
                                f"cell {c.row}/{c.col}: OCR read {c.raw!r} with confidence "
                                f"{c.confidence:.2f} and no identity confirms it; left null",
                                cells=[f"{c.row}.{c.col}"]))
        c.value = None
    return findings


def _fmt(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
