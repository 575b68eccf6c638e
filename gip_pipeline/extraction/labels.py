"""Matching printed row and column labels to schema keys.

Everything here derives from gip_pipeline.metadata.schema (labels, variants, group
labels, era marker labels). A printed label is reduced to a key: normalised
text with numbering (`一、` `（三）` `1.` `1、`), punctuation, quotes and
whitespace removed. Keys are matched exactly first, then by a unique prefix,
then by difflib similarity above a threshold with a margin over the runner-up.
No match (None) is preferred to a doubtful one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.normalize import normalize_text

_CN_NUM = "一二三四五六七八九十"
# Numbering tokens: （一） (1) 一、 1. 1、 1． ① and bare digits (labels hold no other digits).
_NUMBERING_RE = re.compile(
    rf"[(\[【][{_CN_NUM}\d]+[)\]】]|[{_CN_NUM}]+、|\d+\s*[.、:]?|[①-⑳]"
)
_PAREN_RE = re.compile(r"\([^()]*\)")
# Anything that is not a CJK char or a latin letter is dropped from a key.
_NONWORD_RE = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffa-zA-Z]+")

SIMILARITY = 0.8  # difflib ratio a fuzzy match needs
MARGIN = 0.08  # ... and its lead over the best candidate of another key
MIN_FUZZY_LEN = 4  # keys shorter than this match exactly or not at all
MIN_PREFIX_LEN = 5


@lru_cache(maxsize=100_000)
def label_key(text: str, keep_parenthetical: bool = True) -> str:
    """The comparable key of a printed label (see module doc)."""
    t = normalize_text(text)
    t = _NUMBERING_RE.sub("", t)
    if not keep_parenthetical:
        t = _PAREN_RE.sub("", t)
    return _NONWORD_RE.sub("", t)


@dataclass(frozen=True)
class Match:
    key: str  # row or column key
    group: str | None  # the schema group label the row belongs to (rows only)
    score: float
    how: str  # exact | prefix | fuzzy


class _Index:
    """Candidate keys -> schema key for one table's rows or columns."""

    def __init__(self, entries: list[tuple[str, str, str | None, int]]):
        # entries: (candidate key, schema key, group label, flags)
        self.exact: dict[str, list[tuple[str, str | None, int]]] = {}
        for cand, key, group, needs_ctx in entries:
            if cand:
                lst = self.exact.setdefault(cand, [])
                if (key, group, needs_ctx) not in lst:
                    lst.append((key, group, needs_ctx))
        self.cands = list(self.exact)


NEEDS_CONTEXT = 1  # generic label: matches only under its group
EXACT_ONLY = 2  # never a prefix or fuzzy candidate


def _row_entries(table: schema.TableDef) -> list[tuple[str, str, str | None, int]]:
    out = []
    col_keys = {label_key(c.label) for c in table.columns}
    for r in table.rows:
        for lab in (r.label, *r.variants):
            for keep in (True, False):
                k = label_key(lab, keep)
                # A bare generic label (`3.其他`) only means this row under its group.
                generic = r.group is not None and (len(k) < MIN_FUZZY_LEN or k in col_keys)
                out.append((k, r.key, r.group, NEEDS_CONTEXT if generic else 0))
                if r.group:
                    # group + label in one cell: exact only (fuzzy goes through group stripping,
                    # else `（六）其他处理` alone would look like `（六）其他处理 3.其他`).
                    out.append((label_key(r.group, keep) + k, r.key, r.group, EXACT_ONLY))
    return out


def _col_entries(table: schema.TableDef) -> list[tuple[str, str, str | None, int]]:
    out = []
    for c in table.columns:
        for lab in (c.label, *c.variants):
            for keep in (True, False):
                out.append((label_key(lab, keep), c.key, None, 0))
    return out


_ROW_INDEX = {t.key: _Index(_row_entries(t)) for t in schema.TABLES}
_COL_INDEX = {t.key: _Index(_col_entries(t)) for t in schema.TABLES}
# Group labels (merged cells to the left), per table: key -> printed group label.
GROUPS: dict[str, dict[str, str]] = {
    t.key: {label_key(r.group): r.group for r in t.rows if r.group} for t in schema.TABLES
}
# Header words that are neither rows nor columns but say "this is a table header".
HEADER_WORDS = {label_key(w) for w in (schema.LEGAL_PERSON_GROUP_LABEL, "申请人情况", "信息内容")}


def _pick(index: _Index, key: str, era: str | None, table: str, rows: bool,
          context_group: str | None) -> Match | None:
    def allowed(skey: str, group: str | None, flags: int) -> bool:
        if rows and era in schema.TABLE_ERAS:
            if era not in schema.TABLES_BY_KEY[table].row(skey).eras:
                return False
        if flags & NEEDS_CONTEXT and context_group != group:
            return False
        return True

    hits = [(k, g) for k, g, n in index.exact.get(key, ()) if allowed(k, g, n)]
    if len({k for k, _ in hits}) == 1:
        return Match(hits[0][0], hits[0][1], 1.0, "exact")
    if hits:
        # Same text, several rows (`（六）其他处理` in both eras): the era decides, else none.
        return None
    if len(key) < MIN_FUZZY_LEN:
        return None
    # A label cut short (wrapped onto the next line): unique prefix of a candidate.
    if len(key) >= MIN_PREFIX_LEN:
        pre = {(k, g) for cand in index.cands if cand.startswith(key) and len(cand) >= MIN_FUZZY_LEN
               for k, g, n in index.exact[cand] if not n and allowed(k, g, n)}  # n: no flags
        if len({k for k, _ in pre}) == 1:
            k, g = next(iter(pre))
            return Match(k, g, len(key) / max(len(key), 1), "prefix")
    best: dict[str, tuple[float, str | None]] = {}
    sm = difflib.SequenceMatcher(autojunk=False)
    sm.set_seq2(key)
    for cand in index.cands:
        if len(cand) < MIN_FUZZY_LEN:
            continue
        # Cheap upper bound first: difflib's quick ratio.
        sm.set_seq1(cand)
        if sm.real_quick_ratio() < SIMILARITY or sm.quick_ratio() < SIMILARITY:
            continue
        r = sm.ratio()
        for k, g, n in index.exact[cand]:
            if n or not allowed(k, g, n):  # flagged candidates are exact-only
                continue
            if r > best.get(k, (0.0, None))[0]:
                best[k] = (r, g)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    top_key, (top_score, top_group) = ranked[0]
    if top_score < SIMILARITY:
        return None
    if len(ranked) > 1 and top_score - ranked[1][1][0] < MARGIN:
        return None
    return Match(top_key, top_group, top_score, "fuzzy")


@lru_cache(maxsize=50_000)
def match_row(label: str, table: str, era: str | None = None,
              context_group: str | None = None) -> Match | None:
    """The row of `table` a printed label names, or None.

    `context_group` is the schema group label in force (from a merged cell to the
    left or the rows above); generic labels like `3.其他` need it.
    """
    index = _ROW_INDEX[table]
    for keep in (True, False):
        key = label_key(label, keep)
        if not key:
            return None
        m = _pick(index, key, era, table, True, context_group)
        if m:
            return m
        # A group label printed before the row label in the same text: strip it.
        for gkey, glabel in GROUPS[table].items():
            if key.startswith(gkey) and len(key) > len(gkey):
                m = _pick(index, key[len(gkey):], era, table, True, glabel)
                if m and m.group == glabel:
                    return m
    return None


@lru_cache(maxsize=50_000)
def match_column(label: str, table: str) -> Match | None:
    """The column of `table` a printed header label names, or None."""
    index = _COL_INDEX[table]
    for keep in (True, False):
        key = label_key(label, keep)
        if not key:
            return None
        m = _pick(index, key, None, table, False, None)
        if m:
            return m
    return None


@lru_cache(maxsize=50_000)
def match_group(label: str, table: str) -> str | None:
    """The schema group label a printed label is (e.g. `（三）不予公开`), or None."""
    return GROUPS[table].get(label_key(label))


def _marker_key(text: str) -> str:
    # Numbering is kept here: `第二十条第（九）项` differs from `第二十条第（一）项` only by it.
    return _NONWORD_RE.sub("", normalize_text(text))


_MARKERS = {era.key: tuple(_marker_key(m) for m in era.marker_labels) for era in schema.ERA_DEFS}
# Rows that only one era prints are era evidence too (e.g. the 2021 （六） sub-rows).
_ERA_ROW_KEYS = {
    era: tuple(label_key(r.label) for t in schema.TABLES for r in t.rows
               if r.eras == (era,) and len(label_key(r.label)) >= 6)
    for era in schema.TABLE_ERAS
}


@lru_cache(maxsize=50_000)
def era_markers(text: str) -> tuple[str, ...]:
    """The eras whose marker labels a printed label contains."""
    key = _marker_key(text)
    if len(key) < 4:
        return ()
    lkey = label_key(text)
    out = []
    for era, marks in _MARKERS.items():
        if any(m and m in key for m in marks) or any(m in lkey for m in _ERA_ROW_KEYS.get(era, ())):
            out.append(era)
    return tuple(out)
