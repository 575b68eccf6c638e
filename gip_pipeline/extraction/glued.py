"""Decode crawler text whose table cells were glued together.

Crawlers often drop cell separators, so `一、本年新收政府信息公开申请数量 713000074` holds the
seven cells 71,3,0,0,0,0,74. The digits alone do not say where one cell ends; the table's
identities (schema.IDENTITIES) usually do. This module finds the rows by their schema
labels, enumerates the splits of each digit run that are valid numbers, keeps those that
satisfy the identities, and takes a split only when exactly one survives. Anything else
stays null with a `glued.ambiguous` warning: a wrong number that passes silently is worse
than a missing one.

Identities are used in two steps. A row's own identity (`requests.row_total`,
`review_litigation.row_total`) filters that row's splits. The column identities
(`requests.balance`, `requests.outcomes`) then prune jointly across rows. A column identity
that no combination of splits can satisfy (a publisher's arithmetic error) is dropped, not
forced: rows it would have decided stay null, and the error stays visible to the validator.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.result import CellValue, Finding

# More candidate splits than this for one row (or one table) is "ambiguous", not enumerated on.
MAX_SPLITS = 64
# Longest number one cell may hold (keeps enumeration bounded on long runs).
MAX_CELL_CHARS = 12
# Forward/backward sum sets larger than this make a column identity unusable (never reached
# on real reports; it bounds the work on adversarial input).
MAX_SUM_STATES = 200_000
# Candidate cells one row's split search may try: a run of hundreds of digits has
# astronomically many splits, and the cap on results alone does not bound the steps.
MAX_SEARCH_STEPS = 50_000
# Compact characters searched for the next row label after the previous one.
LABEL_WINDOW = 300
# Non-digit characters tolerated between two requests rows besides group labels/numbering.
MAX_GAP_NOISE = 12

# Full-width ASCII forms -> ASCII, one char for one (positions stay valid). normalize.py folds
# the same way, so labels and text agree whether or not the text was normalised first.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
# Characters dropped before label matching: whitespace and quotes (crawlers vary them).
_SKIP = set(" \t\r\n\u3000\xa0“”\"‘’'「」")
_RUN_CHARS = set("0123456789.- \t\u3000\xa0")
_CELL_SUFFIX = re.compile(r"(?:万元|元|件|个|项)?(?:[（(]其中[^）)]{0,20}[）)])?")
_PREFIX_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+[.、])")


@dataclass
class GluedResult:
    cells: list[CellValue] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    era: str | None = None


# ---------------------------------------------------------------- text and labels


class _Text:
    """The text plus a compact copy (no whitespace/quotes) with a map back to positions."""

    def __init__(self, text: str):
        self.text = text
        keep = [i for i, ch in enumerate(text) if ch not in _SKIP]
        self.idx = keep
        self.compact = "".join(text[i] for i in keep)
        # compact position of the first compact char at or after each original position
        self._c_of = [0] * (len(text) + 1)
        j = len(keep)
        for i in range(len(text), -1, -1):
            while j > 0 and keep[j - 1] >= i:
                j -= 1
            self._c_of[i] = j

    def cpos(self, orig: int) -> int:
        return self._c_of[min(max(orig, 0), len(self.text))]

    def orig_start(self, c: int) -> int:
        return self.idx[c] if c < len(self.idx) else len(self.text)

    def orig_end(self, c_end: int) -> int:
        return self.idx[c_end - 1] + 1 if c_end > 0 else 0


@lru_cache(maxsize=4096)  # called again and again on the same schema labels
def _compact(s: str) -> str:
    return "".join(ch for ch in s.translate(_FOLD) if ch not in _SKIP)


@dataclass(frozen=True)
class _Label:
    prefix: str  # printed numbering: "2.", "（一）", "一、" or ""
    core: str  # compact label text after the numbering


def _split_prefix(label: str) -> _Label:
    c = _compact(label)
    m = _PREFIX_RE.match(c)
    return _Label(m.group(0), c[m.end():]) if m else _Label("", c)


@lru_cache(maxsize=None)
def _row_labels(table: str, row: str) -> tuple[_Label, ...]:
    r = schema.TABLES_BY_KEY[table].row(row)
    labels = {_split_prefix(x) for x in (r.label,) + r.variants}
    return tuple(sorted(labels, key=lambda lb: -len(lb.core)))  # longest first


def _max_edits(core: str) -> int:
    n = len(core)
    return 0 if n < 6 else 1 if n < 10 else 2 if n < 20 else 3


def _fuzzy_find(hay: str, core: str, k: int) -> tuple[int, int] | None:
    """Earliest (start, end) of a substring of hay within k edits of core (Sellers).

    A digit in hay never matches or is inserted into a label: labels must not eat cells.
    Among the ends within k characters of the first hit, the closest match wins (ties: the
    longer), so a typo in a label's last character does not leave it behind as noise.
    """
    m = len(core)
    # Pigeonhole: k edits touch at most k of k+1 disjoint pieces of core, so any match holds
    # one piece intact. No piece in hay: no match, without the O(len(hay) * m) scan.
    step = m // (k + 1)
    if step and not any(core[i * step:(i + 1) * step if i < k else m] in hay for i in range(k + 1)):
        return None
    return _sellers(hay, core, k)


def _sellers(hay: str, core: str, k: int) -> tuple[int, int] | None:
    """_fuzzy_find's scan itself (no prefilter)."""
    m = len(core)
    big = k + 1
    prev = list(range(m + 1))  # D[i][before hay]: a match may start anywhere
    first, ends = None, []
    for j in range(len(hay)):
        ch = hay[j]
        digit = ch.isdigit()
        cur = [0] * (m + 1)
        for i in range(1, m + 1):
            sub = prev[i - 1] + (big if digit else 0 if ch == core[i - 1] else 1)
            ins = prev[i] + (big if digit else 1)  # hay char extra
            dele = cur[i - 1] + 1  # core char missing
            cur[i] = min(sub, ins, dele)
        prev = cur
        if first is None and cur[m] <= k:
            first = j
        if first is not None:
            ends.append((cur[m], -(j + 1)))
            if j >= first + k:
                break
    if first is None:
        return None
    _, neg_end = min(ends)
    end = -neg_end
    best = None
    for s in range(max(0, end - m - k), end):
        frag = hay[s:end]
        if any(c.isdigit() for c in frag):
            continue
        d = _edit_distance(frag, core)
        if d <= k and (best is None or d <= best[0]):  # ties: the later (shorter) start
            best = (d, s)
    return (best[1], end) if best is not None else None


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j - 1] + (ca != cb), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return prev[-1]


@dataclass
class _Match:
    row: str
    c_start: int  # compact start, numbering prefix included when printed
    c_end: int


def _prefix_start(t: _Text, c_core: int, prefix: str) -> int:
    """Where the printed numbering before a label core starts (or the core itself)."""
    if not prefix:
        return c_core
    if prefix[0].isdigit():
        n = prefix[:-1]
        before = t.compact[max(0, c_core - len(n) - 1):c_core]
        if len(before) == len(n) + 1 and before[:-1] == n and before[-1] in ".、":
            return c_core - len(before)
        return c_core
    if t.compact[max(0, c_core - len(prefix)):c_core] == prefix:
        return c_core - len(prefix)
    return c_core


def _find_row(t: _Text, table: str, row: str, c_from: int, c_to: int) -> _Match | None:
    hay = t.compact[c_from:c_to]
    best: tuple[int, int, _Label] | None = None
    for lb in _row_labels(table, row):  # exact first, earliest wins, longest label on a tie
        i = hay.find(lb.core)
        if i >= 0 and (best is None or i < best[0]):
            best = (i, i + len(lb.core), lb)
    if best is None:
        for lb in _row_labels(table, row):
            k = _max_edits(lb.core)
            if k == 0:
                continue
            hit = _fuzzy_find(hay, lb.core, k)
            if hit and (best is None or hit[0] < best[0]):
                best = (hit[0], hit[1], lb)
    if best is None:
        return None
    s, e, lb = best
    return _Match(row, _prefix_start(t, c_from + s, lb.prefix), c_from + e)


def _run_after(t: _Text, c_end: int, stop_orig: int | None = None) -> tuple[str, int]:
    """The digit run (digits, spaces, '.', '-') right after a label: (run, end in original)."""
    i = t.orig_end(c_end)
    stop = len(t.text) if stop_orig is None else stop_orig
    while i < stop and t.text[i] in _SKIP:  # e.g. the closing quote of 危及“三安全一稳定”
        i += 1
    j = i
    parts: list[str] = []
    while True:
        k = j
        while j < stop and t.text[j] in _RUN_CHARS:
            j += 1
        parts.append(t.text[k:j])
        # A unit or a note printed in a cell (`43件`, `0.5万元`, `13（其中修订1件）`) ends that
        # cell: it reads as a boundary, and the digits after it continue the row.
        m = _CELL_SUFFIX.match(t.text, j, stop) if j > k and t.text[k:j].strip() else None
        if m is None or m.end() >= stop or t.text[m.end()] not in _RUN_CHARS:
            break
        parts.append(" ")
        j = m.end()
    run = "".join(parts).strip(" \t\u3000\xa0")
    return (run if run and (run[0].isdigit() or run[0] == "-") else ""), j


# ---------------------------------------------------------------- splitting a digit run


@dataclass(frozen=True)
class _Spec:
    decimal: bool
    negative: bool


@lru_cache(maxsize=1 << 16)  # pure, and called on the same few strings thousands of times a file
def _parse(part: str, spec: _Spec) -> int | float | None:
    if len(part) > MAX_CELL_CHARS + (1 if spec.negative else 0) + (5 if spec.decimal else 0):
        return None
    body = part
    if body.startswith("-"):
        if not spec.negative:
            return None
        body = body[1:]
    intpart, dot, frac = body.partition(".")
    if not intpart.isdigit() or (len(intpart) > 1 and intpart[0] == "0"):
        return None
    if dot:
        if not spec.decimal or not frac.isdigit():
            return None
        v: int | float = float(body)
    else:
        v = float(intpart) if spec.decimal else int(intpart)
    if part.startswith("-"):
        if v == 0:
            return None
        v = -v
    return v


class _TooMany(Exception):
    pass


class _TooLong(_TooMany):
    """The search ran out of steps (MAX_SEARCH_STEPS) before it could list the splits."""


def _segments(n_cells: int, groups: list[tuple[int, tuple[int, ...]]]):
    """Cell ranges: ('sum', a, b) when cells a..b-2 sum to cell b-1, else ('free', a, a+1)."""
    by_start = {}
    for total, parts in groups:
        a = min(parts)
        if tuple(parts) == tuple(range(a, total)):
            by_start[a] = total + 1
    segs, i = [], 0
    while i < n_cells:
        if i in by_start:
            segs.append(("sum", i, by_start[i]))
            i = by_start[i]
        else:
            segs.append(("free", i, i + 1))
            i += 1
    return segs


def _enumerate_splits(run: str, specs: list[_Spec], groups: list[tuple[int, tuple[int, ...]]],
                      cap: int = MAX_SPLITS) -> list[tuple[str, ...]]:
    """Every split of `run` into len(specs) valid numbers satisfying the sum groups.

    Spaces in the run are cell boundaries (a cell never spans one). Raises _TooMany past cap,
    _TooLong past MAX_SEARCH_STEPS tried cells.
    """
    s, cuts = "", set()
    for tok in run.split():
        if s:
            cuts.add(len(s))
        s += tok
    n = len(s)
    if n > sum(MAX_CELL_CHARS + sp.negative + 5 * sp.decimal for sp in specs):
        return []  # longer than the longest numbers the cells can hold together
    steps = [MAX_SEARCH_STEPS]

    def step() -> None:
        steps[0] -= 1
        if steps[0] < 0:
            raise _TooLong
    digits_only = s.isdigit() and s.isascii()
    crosses = [0] * (n + 1)  # prefix count of cut positions, for "does (a,b) span a cut"
    for p in range(1, n + 1):
        crosses[p] = crosses[p - 1] + (1 if p in cuts else 0)

    def ok_span(a: int, b: int) -> bool:
        return crosses[b - 1] - crosses[a] == 0 if b - a > 1 else True

    segs = _segments(len(specs), groups)
    results: list[tuple[str, ...]] = []

    def seg_ways(seg, p: int, rest_min: int, last: bool):
        kind, a, b = seg
        k = b - a
        lo = n if last else None  # the last segment must end at the end of the run
        if kind == "free":
            for q in range(lo or p + 1, n - rest_min + 1):
                step()
                if not ok_span(p, q):
                    break
                if _parse(s[p:q], specs[a]) is not None:
                    yield q, (s[p:q],)
            return
        # sum group: choose the total (last cell) then split the parts to match it
        for q in range(max(lo or 0, p + k), n - rest_min + 1):
            for tl in range(1, q - p - (k - 1) + 1):
                step()
                tstr = s[q - tl:q]
                if not ok_span(q - tl, q):
                    break
                total = _parse(tstr, specs[b - 1])
                if total is None:
                    continue
                for parts in _parts(p, q - tl, a, k - 1, total):
                    yield q, parts + (tstr,)

    @lru_cache(maxsize=None)
    def _parts(p: int, q: int, a: int, k: int, remaining) -> tuple[tuple[str, ...], ...]:
        """Splits of s[p:q] into k cells (specs a..a+k-1) summing to `remaining`."""
        if remaining < 0 or q - p < k:
            return ()
        plain = digits_only and not any(specs[i].negative or specs[i].decimal for i in range(a, a + k))
        if plain:
            # k non-negative integers summing to `remaining`: none has more digits than it,
            # and together they are below k * 10**(longest possible part)
            if q - p > k * len(str(remaining)) or remaining >= k * 10 ** (q - p - k + 1):
                return ()
        if k == 1:
            ok = ok_span(p, q) and _parse(s[p:q], specs[a]) == remaining
            return ((s[p:q],),) if ok else ()
        out = []
        for e in range(p + 1, q - (k - 1) + 1):
            step()
            if not ok_span(p, e):
                break
            if plain:
                if e - p > MAX_CELL_CHARS:
                    break
                v = int(s[p:e]) if (e - p == 1 or s[p] != "0") else None
            else:
                v = _parse(s[p:e], specs[a])
            if v is None:
                continue
            if not specs[a].negative and v > remaining:
                break  # longer prefixes only grow
            for rest in _parts(e, q, a + 1, k - 1, remaining - v):
                out.append((s[p:e],) + rest)
                if len(out) > cap:
                    raise _TooMany
        return tuple(out)

    min_chars = [0] * (len(segs) + 1)
    for i in range(len(segs) - 1, -1, -1):
        min_chars[i] = min_chars[i + 1] + (segs[i][2] - segs[i][1])

    def walk(i: int, p: int, acc: tuple[str, ...]):
        if i == len(segs):
            if p == n:
                results.append(acc)
                if len(results) > cap:
                    raise _TooMany
            return
        for q, cells in seg_ways(segs[i], p, min_chars[i + 1], i == len(segs) - 1):
            walk(i + 1, q, acc + cells)

    if n:
        walk(0, 0, ())
    # Belt and braces: every group identity must hold on every kept split.
    good = []
    for split in results:
        vals = [_parse(x, sp) for x, sp in zip(split, specs)]
        if None not in vals and all(vals[t] == sum(vals[j] for j in parts) for t, parts in groups):
            good.append(split)
    return good


def _count_structural(run: str, specs: list[_Spec]) -> int:
    """How many splits exist ignoring identities (1 means the digits alone decide)."""
    try:
        return len(_enumerate_splits(run, specs, [], cap=1))
    except _TooMany:
        return 2


def _row_groups(table: str, cols: tuple[str, ...]) -> list[tuple[int, tuple[int, ...]]]:
    """The table's per-row identities as (total index, part indices) over `cols`."""
    out = []
    for ident in schema.IDENTITIES:
        if ident.table != table or ident.over != "rows":  # optional ones apply where printed
            continue
        if len(ident.left) == 1 and all(c in cols for c in ident.left + ident.right):
            out.append((cols.index(ident.left[0]), tuple(cols.index(c) for c in ident.right)))
    return out


@lru_cache(maxsize=None)
def _spec(table: str, col: str) -> _Spec:
    c = schema.column_def(table, col)
    return _Spec(c.dtype == "decimal", c.allow_negative)


# ---------------------------------------------------------------- rows and decoding


@dataclass
class _Row:
    table: str
    row: str
    cols: tuple[str, ...]
    run: str
    splits: list[tuple[str, ...]] | None  # None: too many to list
    forced: bool  # the digits allow one split only, identities aside
    spaced: bool  # printed with exactly one separator between cells
    cross: tuple[str, ...] = ()  # column identities that narrowed the row
    too_long: bool = False  # the split search ran out of steps (splits is None)


def _make_row(table: str, row: str, cols: tuple[str, ...], run: str, groups) -> _Row:
    specs = [_spec(table, c) for c in cols]
    toks = run.split()
    if len(toks) == len(cols) and all(_parse(x, sp) is not None for x, sp in zip(toks, specs)):
        return _Row(table, row, cols, run, [tuple(toks)], True, True)
    if _count_structural(run, specs) == 1:
        return _Row(table, row, cols, run, _enumerate_splits(run, specs, [], cap=1), True, False)
    try:
        return _Row(table, row, cols, run, _enumerate_splits(run, specs, groups), False, False)
    except _TooLong:
        return _Row(table, row, cols, run, None, False, False, too_long=True)
    except _TooMany:
        return _Row(table, row, cols, run, None, False, False)


def _values(r: _Row, split: tuple[str, ...]) -> tuple:
    return tuple(_parse(x, _spec(r.table, c)) for x, c in zip(split, r.cols))


def _emit(r: _Row, cells: list[CellValue], findings: list[Finding], how: str = "") -> None:
    splits = r.splits
    if splits is not None and len(splits) == 1:
        split = splits[0]
        for c, raw, v in zip(r.cols, split, _values(r, split)):
            cells.append(CellValue(r.table, r.row, c, v, raw, None))
        if not r.spaced:
            why = how or ("the digits allow one split only" if r.forced
                          else "one split satisfies the row identity")
            findings.append(Finding(
                "glued.decoded", "info", r.table,
                f"{r.table}.{r.row}: glued digits '{r.run}' decoded as {' '.join(split)} ({why})"))
        return
    for c in r.cols:
        cells.append(CellValue(r.table, r.row, c, None, r.run, None))
    if splits is None and r.too_long:
        msg = (f"too long to decode: the search for its split stopped after {MAX_SEARCH_STEPS:,} "
               "tried cells")
    elif splits is None:
        msg = f"more than {MAX_SPLITS} splits satisfy the identities"
    elif not splits:
        msg = "no split into valid numbers satisfies the identities"
    else:
        shown = "; ".join(" ".join(s) for s in splits[:4])
        msg = f"{len(splits)} splits satisfy the identities ({shown}{'; ...' if len(splits) > 4 else ''})"
    findings.append(Finding("glued.ambiguous", "warning", r.table,
                            f"{r.table}.{r.row}: glued digits '{r.run}' left null: {msg}"
                            + (f" {how}" if how else "")))


def detect_era(text: str) -> str | None:
    """The era whose marker labels the text prints, when exactly one era's do."""
    c = _compact(text)
    hits = {e.key: sum(m in c for m in e.marker_labels) for e in schema.ERA_DEFS if e.marker_labels}
    found = [k for k, n in hits.items() if n]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        top = max(hits.values())
        best = [k for k, n in hits.items() if n == top]
        return best[0] if len(best) == 1 else None
    return None


def _group_labels(table: str) -> list[str]:
    t = schema.TABLES_BY_KEY[table]
    labels = {_compact(r.group) for r in t.rows if r.group}
    return sorted(labels, key=len, reverse=True)


def _gap_noise(t: _Text, a: int, b: int, table: str) -> int:
    gap = t.compact[a:b]
    for g in _group_labels(table):
        gap = gap.replace(g, "")
        core = _split_prefix(g).core
        if core:
            gap = gap.replace(core, "")
    return sum(1 for ch in gap if not (ch.isdigit() or ch in ".-、()"))


def _locate_rows(t: _Text, table: str, rows: list[str], c_from: int, strict_gap: bool,
                 first_anywhere: bool) -> list[_Match]:
    """Row labels in canonical order, each searched shortly after the previous one."""
    out: list[_Match] = []
    pos = c_from
    for n, key in enumerate(rows):
        if not out and first_anywhere and n >= 2:
            continue  # anchor only on the long opening labels, never on e.g. 总计
        if not out and first_anywhere:
            m = None
            start = pos
            while start < len(t.compact):
                m = _find_row(t, table, key, start, len(t.compact))
                if m is None or _run_after(t, m.c_end)[0]:
                    break
                start, m = m.c_end, None
        else:
            m = _find_row(t, table, key, pos, min(len(t.compact), pos + LABEL_WINDOW))
            if m is not None and strict_gap and out and _gap_noise(t, pos, m.c_start, table) > MAX_GAP_NOISE:
                m = None
        if m is None:
            continue
        out.append(m)
        pos = m.c_end
        run, end = _run_after(t, m.c_end)
        if len(run) > LABEL_WINDOW // 2:
            # A run longer than the window (hundreds of glued digits): the next label is
            # looked for after it, so the rows that follow still read.
            pos = max(pos, t.cpos(end))
    return out


def _rows_from_matches(t: _Text, table: str, era: str, matches: list[_Match],
                       optional: tuple[str, ...] = ()):
    """(_Row list, end of the last run in the original text, rows with no digits)."""
    rows, end, empty = [], None, []
    for i, m in enumerate(matches):
        stop = t.orig_start(matches[i + 1].c_start) if i + 1 < len(matches) else None
        run, j = _run_after(t, m.c_end, stop)
        if not run:
            empty.append(m.row)
            continue
        end = j
        cols = schema.row_columns(table, era, m.row)
        if optional:  # printed optional columns sit where the schema lists them
            cols = tuple(c.key for c in schema.TABLES_BY_KEY[table].columns
                         if c.key in cols or c.key in optional)
        rows.append(_make_row(table, m.row, cols, run, _row_groups(table, cols)))
    return rows, end, empty


# ---------------------------------------------------------------- column identities (joint)


def _support(domains: dict[str, list[tuple]], terms: list[tuple[str, int]]):
    """Values of each term row that occur in some solution of sum(coef * row) == 0.

    None when the sum sets grow past MAX_SUM_STATES (the identity is then not used).
    """
    width = len(next(iter(domains[terms[0][0]])))
    zero = (0,) * width
    fwd = [{zero}]
    for row, c in terms:
        nxt = {tuple(f + c * x for f, x in zip(fv, xv)) for fv in fwd[-1] for xv in domains[row]}
        if len(nxt) > MAX_SUM_STATES:
            return None
        fwd.append(nxt)
    bwd = [set() for _ in terms] + [{zero}]
    for i in range(len(terms) - 1, -1, -1):
        row, c = terms[i]
        nxt = {tuple(b + c * x for b, x in zip(bv, xv)) for bv in bwd[i + 1] for xv in domains[row]}
        if len(nxt) > MAX_SUM_STATES:
            return None
        bwd[i] = nxt
    out = {}
    for i, (row, c) in enumerate(terms):
        keep = []
        for xv in domains[row]:
            if any(tuple(-(f + c * x) for f, x in zip(fv, xv)) in bwd[i + 1] for fv in fwd[i]):
                keep.append(xv)
        out[row] = keep
    return out


def _propagate(domains: dict[str, list[tuple]], idents: list[schema.Identity]):
    """Prune to a fixpoint; returns (pruned domains, identities that narrowed some row) or None
    when the identities together admit no solution."""
    doms = {k: list(v) for k, v in domains.items()}
    narrowed: dict[str, set[str]] = {}
    changed = True
    while changed:
        changed = False
        for ident in idents:
            terms = [(r, 1) for r in ident.left] + [(r, -1) for r in ident.right]
            sup = _support(doms, terms)
            if sup is None:
                continue
            for row, keep in sup.items():
                if not keep:
                    return None
                if len(keep) < len(doms[row]):
                    doms[row] = keep
                    narrowed.setdefault(row, set()).add(ident.check)
                    changed = True
    return doms, narrowed


def _crosswalk(ident: schema.Identity, by_key: dict) -> schema.Identity:
    """The identity with era rows the table does not print replaced by the row that stands
    for them (a 2021 table's single other_handling row for its three sub-rows)."""
    def terms(rows: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for r in rows:
            new = next((n for n, olds in schema.ERA_CROSSWALK.items()
                        if r not in by_key and r in olds and n in by_key), r)
            if new not in out:
                out.append(new)
        return tuple(out)

    return dataclasses.replace(ident, left=terms(ident.left), right=terms(ident.right))


def _joint(rows: list[_Row], era: str, findings: list[Finding]) -> None:
    """Narrow request rows with the column identities; never force a broken identity."""
    by_key = {r.row: r for r in rows}
    idents = [_crosswalk(i, by_key) for i in schema.identities_for(era)
              if i.table == "requests" and i.over == "columns" and not i.optional]
    usable = []
    for ident in idents:
        terms = ident.left + ident.right
        if all(k in by_key and by_key[k].splits for k in terms):
            usable.append(ident)
    if not usable:
        return
    domains = {r.row: [_values(r, s) for s in r.splits] for r in rows if r.splits}
    consistent = []
    for ident in usable:
        if _propagate(domains, [ident]) is None:
            findings.append(Finding(
                "glued.identity_unusable", "info", "requests",
                f"{ident.check} ({ident.description}) holds for no split of the rows as printed "
                "(a publisher error?); it was not used to decode"))
        else:
            consistent.append(ident)
    res = _propagate(domains, consistent) if consistent else None
    if res is None:
        if consistent:
            findings.append(Finding(
                "glued.identity_unusable", "info", "requests",
                "the column identities hold one at a time but not together; none was used to decode"))
        return
    doms, narrowed = res
    for r in rows:
        if r.row in narrowed and r.splits:
            keep = set(doms[r.row])
            r.splits = [s for s in r.splits if _values(r, s) in keep]
            r.cross = tuple(sorted(narrowed[r.row]))


# ---------------------------------------------------------------- section 二 prose check


def _col_fragment(label: str) -> str:
    return re.sub(r"(件数|数量)$", "", re.sub(r"^本年", "", _compact(label)))


def _prose_mentions(prose: str, table: str, row: str, cols: tuple[str, ...]) -> dict[str, set]:
    """Values the report's prose states for (row, col): '现行有效行政规范性文件698件'."""
    r = schema.TABLES_BY_KEY[table].row(row)
    names = sorted({_compact(x) for x in (r.label,) + r.variants}, key=len, reverse=True)
    pat = re.compile("(?:" + "|".join(map(re.escape, names)) + r")(\d+)件")
    out: dict[str, set] = {}
    for clause in re.split(r"[，。；！？,;!?\n]", _compact(prose)):
        nums = pat.findall(clause)
        if len(nums) != 1:
            continue
        for c in cols:
            col = schema.column_def(table, c)
            if col.dtype != "int":
                continue
            frag = _col_fragment(col.label)
            if frag and frag in clause:
                out.setdefault(c, set()).add(int(nums[0]))
    return out


def _corroborate(r: _Row, prose: str) -> str:
    """Narrow an ambiguous section-二 row to the split the prose states; returns the reason."""
    if not r.splits or len(r.splits) < 2:
        return ""
    said = _prose_mentions(prose, r.table, r.row, r.cols)
    if not said:
        return ""
    keep = [s for s in r.splits
            if all(v in said[c] for c, v in zip(r.cols, _values(r, s)) if c in said)]
    if len(keep) == 1:
        r.splits = keep
        stated = ", ".join(f"{c}={sorted(v)[0] if len(v) == 1 else sorted(v)}" for c, v in said.items())
        return f"the one split agreeing with the report's own prose ({stated})"
    return ""


# ---------------------------------------------------------------- the tables


def _decode_active(t: _Text, era: str, cells, findings) -> tuple[int, int] | None:
    cols_by_row = schema.ACTIVE_DISCLOSURE_COLUMNS.get(era)
    if not cols_by_row:
        return None
    row_keys = [r.key for r in schema.ACTIVE_DISCLOSURE.rows_for(era) if r.key in cols_by_row]
    anchor_label = _compact(schema.column_def("active_disclosure", cols_by_row[row_keys[0]][0]).label)
    a = t.compact.find(anchor_label)
    if a < 0:
        return None
    matches = _locate_rows(t, "active_disclosure", row_keys, a, strict_gap=False, first_anywhere=False)
    rows, end, _ = _rows_from_matches(t, "active_disclosure", era, matches)
    if not rows:
        return None
    prose = t.text[:t.orig_start(a)]
    for r in rows:
        how = _corroborate(r, prose)
        _emit(r, cells, findings, how)
    return t.orig_start(a), end


def _single_other_keys(t: _Text, keys: list[str]) -> list[str]:
    """A 2021 table that prints one （六）其他处理 row instead of its three sub-rows (none of the
    sub-row labels is in the text): the row is other_handling, in the sub-rows' place."""
    subs = schema.OTHER_ROWS_2021
    # Only the two long sub-row labels are evidence: `3.其他` is also a column heading.
    if any(_find_row(t, "requests", k, 0, len(t.compact)) for k in subs[:2]):
        return keys
    i = keys.index(subs[0])
    return keys[:i] + ["other_handling"] + [k for k in keys[i:] if k not in subs]


def _decode_requests(t: _Text, era: str | None, cells, findings) -> int | None:
    if era in schema.TABLE_ERAS:
        keys = [r.key for r in schema.REQUESTS.rows_for(era)]
        if era == "2021":
            keys = _single_other_keys(t, keys)
    else:  # era unknown: only the rows both eras print
        keys = [r.key for r in schema.REQUESTS.rows if set(schema.TABLE_ERAS) <= set(r.eras)]
    matches = _locate_rows(t, "requests", keys, 0, strict_gap=True, first_anywhere=True)
    optional = ()
    if matches:  # a 小计 column in the header block means 8 cells a row, not 7
        header = t.compact[max(0, matches[0].c_start - 160):matches[0].c_start]
        optional = tuple(c for c in schema.OPTIONAL_COLUMNS.get("requests", ())
                         if _compact(schema.column_def("requests", c).label) in header)
    rows, end, empty = _rows_from_matches(t, "requests", era or schema.TABLE_ERAS[0], matches,
                                          optional)
    if not rows:
        return None
    found = {m.row for m in matches}
    missing = [k for k in keys if k not in found]
    if missing or empty:
        findings.append(Finding(
            "glued.rows_missing", "warning", "requests",
            "requests rows not decoded from the glued text: "
            + "; ".join(x for x in (f"label not found: {', '.join(missing)}" if missing else "",
                                    f"no digits after the label: {', '.join(empty)}" if empty else "") if x)))
    if era in schema.TABLE_ERAS:
        _joint(rows, era, findings)
    for r in rows:
        how = ""
        if r.cross and r.splits and len(r.splits) == 1:
            how = "the one split satisfying the row identity and " + ", ".join(r.cross)
        _emit(r, cells, findings, how)
    return t.cpos(end)


def _decode_review(t: _Text, c_from: int, era: str | None, cells, findings) -> bool:
    rl = schema.REVIEW_LITIGATION
    tokens = sorted({_compact(x) for r in rl.rows for x in (r.label, r.group or "") + r.variants if x}
                    | {_compact(c.label) for c in rl.columns}, key=len, reverse=True)
    required = {_compact(r.label) for r in rl.rows}
    comp = t.compact
    pos = c_from
    while True:
        starts = [i for i in (comp.find(tok, pos) for tok in tokens) if i >= 0]
        if not starts:
            return False
        start = min(starts)
        i, seen = start, set()
        while True:
            tok = next((x for x in tokens if comp.startswith(x, i)), None)
            if tok is None:
                break
            seen.add(tok)
            i += len(tok)
        run, _ = _run_after(t, i) if i > start else ("", 0)
        if required <= seen and run:
            break
        pos = max(i, start + 1)
    cols = tuple(c.key for c in rl.columns)
    specs = [_spec(rl.key, c) for c in cols] * len(rl.rows)
    groups = []
    for k in range(len(rl.rows)):
        groups += [(tot + k * len(cols), tuple(p + k * len(cols) for p in parts))
                   for tot, parts in _row_groups(rl.key, cols)]
    flat = _Row(rl.key, "*", tuple(f"{r.key}.{c}" for r in rl.rows for c in cols), run, None, False, False)
    toks = run.split()
    if len(toks) == len(specs) and all(_parse(x, sp) is not None for x, sp in zip(toks, specs)):
        flat.splits, flat.forced, flat.spaced = [tuple(toks)], True, True
    elif _count_structural(run, specs) == 1:
        flat.splits, flat.forced = _enumerate_splits(run, specs, [], cap=1), True
    else:
        try:
            flat.splits = _enumerate_splits(run, specs, groups)
        except _TooLong:
            flat.splits, flat.too_long = None, True
        except _TooMany:
            flat.splits = None
    # Emit per printed row so cells carry their own keys.
    one = flat.splits[0] if flat.splits and len(flat.splits) == 1 else None
    for k, r in enumerate(rl.rows):
        for j, c in enumerate(cols):
            raw = one[k * len(cols) + j] if one else run
            v = _parse(raw, specs[j]) if one else None
            cells.append(CellValue(rl.key, r.key, c, v, raw, None))
    if one and not flat.spaced:
        why = "the digits allow one split only" if flat.forced else "one split satisfies the row totals"
        findings.append(Finding("glued.decoded", "info", rl.key,
                                f"{rl.key}: glued digits '{run}' decoded as {' '.join(one)} ({why})"))
    elif not one:
        n = "more than %d" % MAX_SPLITS if flat.splits is None else str(len(flat.splits))
        why = (f"too long to decode (the search stopped after {MAX_SEARCH_STEPS:,} tried cells)"
               if flat.too_long else f"{n} splits satisfy the row totals")
        findings.append(Finding("glued.ambiguous", "warning", rl.key,
                                f"{rl.key}: glued digits '{run}' left null: {why}"))
    return True


def decode_glued(text: str, era: str | None) -> GluedResult | None:
    """Decode the statistical tables of crawler text with glued cells; None if none is found.

    `text` is normalised (simplified characters). The era is read from the table's own
    marker labels, else taken from `era`.
    """
    text = text.translate(_FOLD)  # same length: positions stay valid
    detected = detect_era(text)
    era = detected or era
    t = _Text(text)
    res = GluedResult(era=era)
    ad = _decode_active(t, era, res.cells, res.findings) if era in schema.TABLE_ERAS else None
    c_req_end = _decode_requests(t, era, res.cells, res.findings)
    c_from = c_req_end if c_req_end is not None else (t.cpos(ad[1]) if ad else 0)
    _decode_review(t, c_from, era, res.cells, res.findings)
    if not res.cells:
        return None
    return res
