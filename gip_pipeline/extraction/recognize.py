"""Recognising the three statistical tables in a Document by their row and column labels.

Headings are not trusted (real documents mangle them). All table rows of the
document are read as one stream, whatever Table blocks they were split into
(page breaks, converters): a row is label cells followed by value cells.
Header rows (column labels) and matched row labels set the table in force;
value rows are assigned to (table, row, col) by the schema's printed column
order. Rows with no label are placed between labelled anchors in the era's
canonical row order only when their count fits the gap exactly.

Text with no usable grid goes to gip_pipeline.extraction.glued.decode_glued.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.document import Document, Paragraph, Table
from gip_pipeline.extraction.labels import (
    HEADER_WORDS, era_markers, label_key, match_column, match_group, match_row,
)
from gip_pipeline.extraction.normalize import normalize_text
from gip_pipeline.extraction.result import CellValue, Finding
from gip_pipeline.extraction.values import looks_like_value, parse_value

# (table, col) -> Column; schema.column_def scans a tuple on every call.
_COLDEF = {(t.key, c.key): c for t in schema.TABLES for c in t.columns}
REQ = schema.REQUESTS.key
AD = schema.ACTIVE_DISCLOSURE.key
RL = schema.REVIEW_LITIGATION.key

_OTHER_HANDLING = schema.REQUESTS.row("other_handling")
_RL_ROWS = tuple(r.key for r in schema.REVIEW_LITIGATION.rows)
_RL_COLS = tuple(c.key for c in schema.REVIEW_LITIGATION.columns)
_RL_WIDTH = len(_RL_ROWS) * len(_RL_COLS)
_RL_TITLE_KEYS = tuple(label_key(t) for t in (schema.REVIEW_LITIGATION.title,
                                              *schema.REVIEW_LITIGATION.title_variants))
_RL_WORD_KEYS = (label_key(schema.REVIEW_LITIGATION.rows[0].label),
                 label_key(schema.REVIEW_LITIGATION.rows[1].group or ""))
_MIN_DISTINCT_HEADER = 4  # a single column label this long marks a header row


@dataclass
class Recognition:
    era: str | None
    cells: list[CellValue] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tables_found: set[str] = field(default_factory=set)
    era_source: str | None = None  # "labels", "year", "glued" or None
    optional_columns: set[str] = field(default_factory=set)  # e.g. legal_person_subtotal
    value_notes: dict[tuple[str, str, str], str] = field(default_factory=dict)
    used_glued: bool = False
    # (table, row) of rows whose label was printed with no values: a blank template's trace.
    label_only_rows: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class _VCell:
    raw: str
    page: int | None
    pos: int | None = None  # grid column within its Table block
    ocr: object = None  # the cell's ocr.OcrReading, where OCR read it


@dataclass
class _Entry:
    """One requests value row, labelled or not, in document order."""
    key: str | None
    values: list[_VCell]
    label: str = ""
    soft: bool = False  # key read from a label-only row above (converters scramble those)


def detect_era(doc: Document, year: int | None = None) -> tuple[str | None, str | None]:
    """Era from the tables' own labels, the year second. Returns (era, source)."""
    votes = {e: 0 for e in schema.TABLE_ERAS}
    for t in doc.tables:
        for row in t.rows:
            for c in row:
                if c.text and not c.spanned:
                    for e in era_markers(c.text):
                        votes[e] += 1
    best = max(votes.values())
    if best:
        winners = [e for e, v in votes.items() if v == best]
        if len(winners) == 1:
            return winners[0], "labels"
    by_year = schema.era_for_year(year)
    if by_year in schema.TABLE_ERAS:
        return by_year, "year"
    return None, None


def _split(row, table_page):
    """(labels, values, label positions) of one grid row: values are the cells after the last
    label cell; label positions are (grid column, text) of every label cell, copies included."""
    last_label = -1
    for i, c in enumerate(row):
        if c.text and c.text.strip() and not looks_like_value(c.text):
            last_label = i
    labels: list[str] = []
    label_pos: list[tuple[int, str]] = []
    for i, c in enumerate(row[: last_label + 1]):
        t = c.text.strip()
        if t:
            label_pos.append((i, t))
        if t and (not labels or normalize_text(labels[-1]) != normalize_text(t)):
            labels.append(t)
    # Spanned copies of a value cell are not extra values.
    values = [_VCell(c.text.strip(), c.page if c.page is not None else table_page, i, c.ocr)
              for i, c in enumerate(row) if i > last_label and not c.spanned]
    return labels, values, label_pos


def _fit(values: list[_VCell], n: int, check=None) -> list[_VCell] | None:
    """Exactly n values, dropping only blank padding at either end; None when impossible.

    When blanks at both ends could be the padding, the choice moves every value by
    a column: `check` (a row identity on the candidate) must rule out all but one
    printing; where it cannot, None: a row left out beats shifted numbers. A
    candidate the check rules out is never taken, even when it is the only one.
    """
    if len(values) == n:
        return values
    extra = len(values) - n
    if extra < 0:
        return None
    cands = []
    for lead in range(extra + 1):
        trail = extra - lead
        if all(not v.raw for v in values[:lead]) and all(not v.raw for v in values[len(values) - trail:]):
            cands.append(values[lead:len(values) - trail])
    if not cands:
        return None
    if check is not None:
        # Dropped cells mean the row is wider than the table thinks (an unseen 小计 column?):
        # an alignment its own row identity rules out is a misreading, not a publisher error.
        cands = [c for c in cands if check(c)]
    if len({tuple(v.raw for v in c) for c in cands}) == 1:
        return cands[0]
    return None


def _sum_check(total_idx: int, part_idx: tuple[int, ...], dtype: str = "int"):
    """A row identity on a candidate alignment, cells that are not numbers read as unknown
    non-negative numbers: False where no such numbers can make it hold, else True."""
    def check(vals: list[_VCell]) -> bool:
        nums = [parse_value(v.raw, dtype) for v in vals]
        total = nums[total_idx].value if nums[total_idx].kind == "number" else None
        parts = [nums[i].value if nums[i].kind == "number" else None for i in part_idx]
        if total is None:
            return True
        known = sum(p for p in parts if p is not None)
        if any(p is None for p in parts):
            return known <= total + 1e-6
        return abs(total - known) < 1e-6
    return check


class _Scanner:
    def __init__(self, era: str | None):
        self.era = era
        self.context: str | None = None
        self.group: str | None = None
        self.pending: list[str] = []
        self.req_cols: set[str] = set()
        self.ad_cols: list[str] = []
        self.req_entries: list[_Entry] = []
        self.ad_rows: dict[str, tuple[list[str], list[_VCell]]] = {}
        self.rl_values: list[_VCell] = []
        self.rl_rows: dict[str, list[_VCell]] = {}
        self.rl_done = False
        self.seen_requests = False
        self.findings: list[Finding] = []
        self.label_only_rows: set[tuple[str, str]] = set()
        # Column positions printed by the header rows of the current Table block:
        # table -> {grid column: column key}. Values are aligned on them where they cover a row.
        self.colpos: dict[str, dict[int, str]] = {}
        self._at: dict[tuple[str, tuple[str, ...]], dict[str, list[int]]] = {}

    def new_block(self) -> None:
        self.colpos = {}
        self._at = {}

    def _positions_of(self, table: str, cols: list[str]) -> dict[str, list[int]]:
        key = (table, tuple(cols))
        at = self._at.get(key)
        if at is None:
            pos = self.colpos.get(table, {})
            at = self._at[key] = {k: [i for i, c in pos.items() if c == k] for k in cols}
        return at

    def _note_positions(self, label_pos: list[tuple[int, str]]) -> None:
        self._at = {}
        for t in schema.TABLES:
            hits = {}
            for i, text in label_pos:
                m = match_column(text, t.key)
                if m:
                    hits[i] = m.key
            if len(hits) >= 2 or (len(hits) == 1 and t.key == AD):
                if t.key == AD:  # each section 二 sub-table prints its own header: it replaces
                    self.colpos[AD] = {}
                pos = self.colpos.setdefault(t.key, {})
                for i, k in hits.items():
                    # a later header row's label at a position wins (stacked headers)
                    pos[i] = k

    def _by_position(self, table: str, cols: list[str], values: list[_VCell]) -> list[_VCell] | None:
        """Values aligned on the printed header positions; None unless every column is placed
        and nothing printed falls outside them."""
        pos = self.colpos.get(table)
        if not pos or any(v.pos is None for v in values):
            return None
        if table == RL:
            return None  # section 四 has its own 15-position block (see _rl_by_position)
        at = self._positions_of(table, cols)
        if any(len(v) != 1 for v in at.values()):
            return None
        by_pos = {v.pos: v for v in values}
        wanted = {at[k][0] for k in cols}
        if any(v.raw and v.pos not in wanted for v in values):
            return None
        if not all(p in by_pos for p in wanted):
            return None
        return [by_pos[at[k][0]] for k in cols]

    def _rl_by_position(self, values: list[_VCell]) -> list[_VCell] | None:
        """Section 四's 15 values on the positions of its stacked header's outcome labels."""
        pos = self.colpos.get(RL)
        if not pos or any(v.pos is None for v in values):
            return None
        order = sorted(pos)
        labels = [pos[i] for i in order]
        if len(order) != _RL_WIDTH or labels != list(_RL_COLS) * len(_RL_ROWS):
            return None
        by_pos = {v.pos: v for v in values}
        if any(v.raw and v.pos not in pos for v in values) or not all(p in by_pos for p in order):
            return None
        return [by_pos[p] for p in order]

    # ------------------------------------------------------------ header rows
    def header(self, labels: list[str], label_pos: list[tuple[int, str]] | None = None) -> bool:
        if label_pos and len(label_pos) >= 2:
            self._note_positions(label_pos)
        best_table, best_cols = None, []
        for t in schema.TABLES:
            cols = []
            for lab in labels:
                m = match_column(lab, t.key)
                if m and m.key not in cols:
                    cols.append(m.key)
            distinct = any(len(label_key(_COLDEF[(t.key, c)].label)) >= _MIN_DISTINCT_HEADER
                           and c not in ("total", "other_org") for c in cols)
            if (len(cols) >= 2 or distinct) and len(cols) > len(best_cols):
                best_table, best_cols = t.key, cols
        if best_table is None:
            keys = {label_key(x) for x in labels}
            if keys & HEADER_WORDS:
                return True
            if any(match_row(x, RL, self.era) or label_key(x) in _RL_WORD_KEYS for x in labels):
                self.context = RL
                return True
            return False
        self.context = best_table
        if best_table == REQ:
            self.req_cols.update(best_cols)
        elif best_table == AD:
            self.ad_cols = best_cols
        return True

    def paragraph(self, text: str) -> None:
        self.pending = []
        k = label_key(text)
        if len(k) < 80 and (any(t in k for t in _RL_TITLE_KEYS)
                            or all(w in k for w in _RL_WORD_KEYS)):
            self.context = RL

    # ------------------------------------------------------------ rows
    def _header_like(self, labels: list[str]) -> bool:
        """Two or more column labels or section 四 heading words: a header row, whatever blank
        cells follow it (flat layouts print a merged label once and leave its span empty)."""
        n = 0
        for lab in labels:
            if any(match_column(lab, t.key) for t in schema.TABLES) or label_key(lab) in HEADER_WORDS:
                n += 1
            elif label_key(lab) in _RL_WORD_KEYS or match_row(lab, RL, self.era):
                n += 1
        return n >= 2

    def row(self, labels: list[str], values: list[_VCell],
            label_pos: list[tuple[int, str]] | None = None) -> None:
        if values and all(not v.raw for v in values) and self._header_like(labels):
            values = []
        if not values:
            if labels and not self.header(labels, label_pos):
                g = match_group(labels[-1], REQ) or match_group(" ".join(labels), REQ)
                if g:
                    self.group = g
                    self.context = REQ
                    # （六）其他处理 alone may be a 2021 report's one （六） row with its numbers on
                    # the next line: kept so a label-less row below reads as other_handling (soft,
                    # so three label-less sub-rows still fit by position).
                    self.pending = [g] if g == _OTHER_HANDLING.label else []
                else:
                    self.pending = (self.pending + [" ".join(labels)])[-2:]
                    for t in (REQ, AD):
                        m = match_row(" ".join(labels), t, self.era, self.group)
                        if m:
                            self.label_only_rows.add((t, m.key))
                            if m.group:
                                self.group = m.group
                            break
            else:
                self.pending = []
            return
        try:
            self._value_row(labels, values)
        finally:
            self.pending = []

    def _candidates(self, labels: list[str]) -> list[tuple[str, str | None]]:
        """Label texts to try with the group context for each, most specific first."""
        own = " ".join(labels)
        ctx = self.group
        out = []
        if labels:
            out.append((own, ctx))
            if len(labels) > 1:
                g = match_group(" ".join(labels[:-1]), REQ)
                out.append((labels[-1], g or ctx))
            if self.pending:
                out.append((" ".join(self.pending + labels), ctx))
        elif self.pending:
            out.append((" ".join(self.pending), ctx))
            if len(self.pending) > 1:
                out.append((self.pending[-1], ctx))
        return out

    def _value_row(self, labels: list[str], values: list[_VCell]) -> None:
        cands = self._candidates(labels)
        order = (self.context,) if self.context else ()
        for table in order + tuple(t for t in (REQ, AD, RL) if t not in order):
            for text, ctx in cands:
                m = match_row(text, table, self.era, ctx)
                if m:
                    self._assign_row(table, m.key, m.group, values, text, soft=not labels)
                    return
        # A 2021-era report printing （六）其他处理 as one row: it is other_handling.
        for text, _ in cands:
            if match_group(text, REQ) == _OTHER_HANDLING.label:
                self._assign_row(REQ, _OTHER_HANDLING.key, None, values, text, soft=not labels)
                return
        label = " ".join(labels or self.pending)
        # Section 四's one data row of 15 numbers (possibly split over rows).
        if not self.rl_done and (self.context == RL or (self.seen_requests and not label)):
            placed = self._rl_by_position(values) if not self.rl_values else None
            if placed is not None:
                self.rl_values = []
                self._rl_values(placed)
                return
            if len(values) == _RL_WIDTH or self.context == RL:
                if self._rl_values(values):
                    return
        if self.context == REQ or (self.context is None and self.seen_requests):
            fitted = self._fit_req(values)
            if fitted is not None:
                self.req_entries.append(_Entry(None, fitted, label))
                return
        if len(values) >= 2:
            where = f" (label {label!r})" if label else ""
            self.findings.append(Finding(
                "recognize.unplaced_row", "info", self.context,
                f"a row of {len(values)} values{where} was not placed in any table"))

    def _req_cols(self) -> list[str]:
        return [c for c in schema.all_col_keys(REQ)
                if c != "legal_person_subtotal" or "legal_person_subtotal" in self.req_cols]

    def _fit_req(self, values: list[_VCell]) -> list[_VCell] | None:
        cols = self._req_cols()
        placed = self._by_position(REQ, cols, values)
        if placed is not None:
            return placed
        idx = {c: i for i, c in enumerate(cols)}
        check = _sum_check(idx["total"], tuple(idx[c] for c in schema.REQUEST_APPLICANT_COLUMNS))
        return _fit(values, len(cols), check)

    def _req_width(self) -> int:
        return len(schema.row_columns(REQ, self.era or "2021", "new_received")) + (
            1 if "legal_person_subtotal" in self.req_cols else 0)

    def _rl_values(self, values: list[_VCell]) -> bool:
        if len(self.rl_values) + len(values) > _RL_WIDTH:
            fitted = _fit(values, _RL_WIDTH - len(self.rl_values))
            if fitted is None:
                self.findings.append(Finding(
                    "review_litigation.width", "warning", RL,
                    f"value row of {len(values)} cells does not fit the {_RL_WIDTH}-cell data row "
                    f"({len(self.rl_values)} already read): not used"))
                self.rl_values = []
                return False
            values = fitted
        self.rl_values.extend(values)
        self.context = RL
        if len(self.rl_values) == _RL_WIDTH:
            k = 0
            for r in _RL_ROWS:
                self.rl_rows.setdefault(r, self.rl_values[k:k + len(_RL_COLS)])
                k += len(_RL_COLS)
            self.rl_done = True
        return True

    def _assign_row(self, table: str, key: str, group: str | None, values: list[_VCell],
                    label: str, soft: bool = False) -> None:
        self.context = table
        if table == REQ:
            self.seen_requests = True
            self.group = group
            n = self._req_width()
            fitted = self._fit_req(values)
            if fitted is None:
                self.findings.append(Finding(
                    "requests.row_width", "warning", REQ,
                    f"row {key} has {len(values)} value cells, expected {n}: not used"))
                return
            self.req_entries.append(_Entry(key, fitted, label, soft))
        elif table == AD:
            cols = self._ad_cols(key)
            fitted = (self._by_position(AD, cols, values) or _fit(values, len(cols))) if cols else None
            if fitted is None:
                self.findings.append(Finding(
                    "active_disclosure.row_width", "warning", AD,
                    f"row {key} has {len(values)} value cells, expected {len(cols)}: not used"))
                return
            if key in self.ad_rows:
                self.findings.append(Finding("active_disclosure.duplicate_row", "warning", AD,
                                             f"row {key} printed twice: the first is kept"))
                return
            self.ad_rows[key] = (cols, fitted)
        elif table == RL:
            fitted = _fit(values, len(_RL_COLS), _sum_check(4, (0, 1, 2, 3)))
            if fitted is None or key in self.rl_rows:
                self.findings.append(Finding(
                    "review_litigation.row_width", "warning", RL,
                    f"row {key} has {len(values)} value cells, expected {len(_RL_COLS)}: not used"))
                return
            self.rl_rows[key] = fitted

    def _ad_cols(self, row: str) -> list[str]:
        """Section 二 columns of a row: the era's, in the printed header's order where it has them."""
        eras = [self.era] if self.era in schema.TABLE_ERAS else list(schema.TABLE_ERAS)
        for era in eras:
            cols = list(schema.ACTIVE_DISCLOSURE_COLUMNS[era].get(row, ()))
            if not cols:
                continue
            if self.era is None and self.ad_cols and not set(cols) & set(self.ad_cols):
                continue
            if set(self.ad_cols) == set(cols):
                return list(self.ad_cols)
            return cols
        return []


def _label_agrees(e: _Entry, slot: str, era: str) -> bool:
    """A printed (hard) label that did not match on its own must name the slot under its group."""
    if e.soft or not e.label or not label_key(e.label):
        return True
    m = match_row(e.label, REQ, era, schema.REQUESTS.row(slot).group)
    return m is not None and m.key == slot


def _fit_positional(run: list[_Entry], slots: list[str], era: str) -> list[str] | None:
    if len(run) != len(slots):
        return None
    if all(_label_agrees(e, k, era) for e, k in zip(run, slots)):
        return slots
    return None


def _fit_soft(run: list[_Entry], lo: int, hi: int, order: list[str], pos: dict[str, int],
              taken: set[str], era: str) -> list[str] | None:
    """Soft keys as anchors: they must ascend within the gap and every sub-gap must fit."""
    out: list[str] = []
    cur = lo
    pending: list[_Entry] = []
    for e in run + [None]:
        if e is not None and not (e.soft and e.key in pos):
            pending.append(e)
            continue
        stop = hi if e is None else pos[e.key]
        if stop < cur or (e is not None and stop >= hi):
            return None
        slots = [k for k in order[cur:stop] if k not in taken]
        got = _fit_positional(pending, slots, era)
        if got is None:
            return None
        out.extend(got)
        if e is not None:
            out.append(e.key)
            # one 2021 （六） row stands for all three sub-rows
            cur = pos.get(schema.OTHER_ROWS_2021[-1], stop) if e.key == _OTHER_HANDLING.key else stop
            cur += 1
        pending = []
    return out


def _resolve_requests(sc: _Scanner, era: str | None, rec: Recognition) -> dict[str, list[_VCell]]:
    """Labelled rows by their key; label-less runs by position between anchors when they fit.

    Hard anchors are rows whose own label matched. Rows keyed only from a label-only
    row above (soft) and rows with no label are resolved per gap between hard
    anchors: by position when the gap's open rows equal the run exactly, else by
    the soft keys when they ascend and every sub-gap fits; otherwise not used.
    """
    rows: dict[str, list[_VCell]] = {}
    order = [r.key for r in schema.REQUESTS.rows_for(era or "2021")]
    pos = {k: i for i, k in enumerate(order)}
    if _OTHER_HANDLING.key not in pos:  # 2021 report printing one （六） row
        pos[_OTHER_HANDLING.key] = pos[schema.OTHER_ROWS_2021[0]]
    entries = sc.req_entries
    hard = [e.key is not None and not e.soft for e in entries]
    i = 0
    while i < len(entries):
        e = entries[i]
        if hard[i]:
            if e.key in rows:
                rec.findings.append(Finding("requests.duplicate_row", "warning", REQ,
                                            f"row {e.key} printed twice: the first is kept"))
            else:
                rows[e.key] = e.values
            i += 1
            continue
        j = i
        while j < len(entries) and not hard[j]:
            j += 1
        run = entries[i:j]
        prev = entries[i - 1].key if i > 0 else None
        nxt = entries[j].key if j < len(entries) else None
        lo = pos[prev] + 1 if prev in pos else 0
        hi = pos[nxt] if nxt in pos else len(order)
        if prev == _OTHER_HANDLING.key and era == "2021":
            lo = pos[schema.OTHER_ROWS_2021[-1]] + 1
        later_hard = {x.key for x, h in zip(entries[j:], hard[j:]) if h}
        taken = set(rows) | later_hard
        slots = [k for k in order[lo:hi] if k not in taken]
        got = None
        how = ""
        if era is not None:
            # Bounded by a labelled row, or the whole table: then position alone is safe.
            if prev is not None or nxt is not None or len(slots) == len(order):
                got = _fit_positional(run, slots, era)
                how = "by position"
            if got is None and any(x.soft for x in run):
                got = _fit_soft(run, lo, hi, order, pos, taken, era)
                how = "by the labels printed above them"
        span = f"between {prev or 'table start'} and {nxt or 'table end'}"
        if got is not None:
            for k, e2 in zip(got, run):
                rows[k] = e2.values
            disagree = [f"{e2.key}->{k}" for k, e2 in zip(got, run) if e2.soft and e2.key != k]
            rec.findings.append(Finding(
                "requests.rows_by_position", "info", REQ,
                f"{len(run)} row(s) without their own label placed {how} {span}: {', '.join(got)}"
                + (f" (labels above them disagreed: {', '.join(disagree)})" if disagree else "")))
        else:
            rec.findings.append(Finding(
                "requests.unplaced_rows", "warning", REQ,
                f"{len(run)} row(s) without their own label {span} do not fit the "
                f"{len(slots)} open row(s) there: not used"))
        i = j
    return rows


def _emit(rec: Recognition, table: str, row: str, col: str, v: _VCell) -> None:
    cdef = _COLDEF[(table, col)]
    pv = parse_value(v.raw, cdef.dtype, cdef.allow_negative)
    cell = CellValue(table, row, col, pv.value, v.raw, v.page)
    if v.ocr is not None:
        cell.confidence, cell.box = round(v.ocr.confidence, 4), v.ocr.to_box()
        cell.value_source, cell.alternatives = "ocr", v.ocr.alternatives
    rec.cells.append(cell)
    if pv.note:
        rec.value_notes[(table, row, col)] = pv.note
    # Negative numbers are validate's non-negativity check (it reads the raw text).
    if pv.kind in ("multiple", "fraction", "invalid"):
        rec.findings.append(Finding(
            f"{table}.value_{pv.kind}", "warning", table,
            f"cell {row}/{col} printed {v.raw!r}: {pv.note or pv.kind}; left null"))


def recognize(doc: Document, year: int | None = None) -> Recognition:
    era, source = detect_era(doc, year)
    rec = Recognition(era=era, era_source=source)
    sc = _Scanner(era)
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            sc.paragraph(b.text)
            continue
        assert isinstance(b, Table)
        sc.new_block()
        for row in b.rows:
            labels, values, label_pos = _split(row, b.page)
            sc.row(labels, values, label_pos)
    rec.findings.extend(sc.findings)
    rec.label_only_rows = sc.label_only_rows

    if sc.ad_rows and era:
        for r in schema.ACTIVE_DISCLOSURE.rows_for(era):
            if r.key in sc.ad_rows:
                cols, vals = sc.ad_rows[r.key]
                for c, v in zip(cols, vals):
                    _emit(rec, AD, r.key, c, v)
        rec.tables_found.add(AD)
    req_rows = _resolve_requests(sc, era, rec) if sc.req_entries else {}
    if era == "2021" and _OTHER_HANDLING.key in req_rows:
        rec.findings.append(Finding(
            "requests.other_handling_single_row", "info", REQ,
            f"{_OTHER_HANDLING.label} printed as one row in a 2021-era table: read as "
            f"{_OTHER_HANDLING.key}"))
    if req_rows:
        cols = [c for c in schema.all_col_keys(REQ)
                if c != "legal_person_subtotal" or "legal_person_subtotal" in sc.req_cols]
        if "legal_person_subtotal" in cols:
            rec.optional_columns.add("legal_person_subtotal")
        for r in schema.REQUESTS.rows:
            if r.key in req_rows:
                for c, v in zip(cols, req_rows[r.key]):
                    _emit(rec, REQ, r.key, c, v)
        rec.tables_found.add(REQ)
    if sc.rl_rows:
        for r in _RL_ROWS:
            for c, v in zip(_RL_COLS, sc.rl_rows.get(r, ())):
                _emit(rec, RL, r, c, v)
        rec.tables_found.add(RL)
    elif sc.rl_values:
        rec.findings.append(Finding("review_litigation.width", "warning", RL,
                                    f"only {len(sc.rl_values)} of {_RL_WIDTH} section 四 values found: not used"))

    if REQ not in rec.tables_found:
        _glued_fallback(doc, rec, year)
    _completeness(rec)
    return rec


def _glued_fallback(doc: Document, rec: Recognition, year: int | None) -> None:
    try:
        from gip_pipeline.extraction.glued import decode_glued
    except ImportError:
        return
    era_hint = rec.era or schema.era_for_year(year)
    if era_hint not in schema.TABLE_ERAS:
        era_hint = None
    try:
        res = decode_glued(doc.text(), era_hint)
    except Exception as e:  # another module's failure must not lose the grid cells
        rec.findings.append(Finding("recognize.glued_failed", "warning", None,
                                    f"glued-text decoding failed: {type(e).__name__}: {e}"))
        return
    if res is None:
        return
    have = rec.tables_found
    new = [c for c in res.cells if c.table not in have]
    if not new:
        return
    rec.used_glued = True
    rec.cells.extend(new)
    rec.tables_found |= {c.table for c in new}
    rec.findings.extend(res.findings)
    if rec.era is None and res.era:
        rec.era, rec.era_source = res.era, "glued"


def _completeness(rec: Recognition) -> None:
    if not rec.tables_found or rec.era not in schema.TABLE_ERAS:
        return
    have = {(c.table, c.row, c.col) for c in rec.cells}
    expected = schema.expected_cells(rec.era)
    for t in schema.TABLES:
        exp = [x for x in expected if x[0] == t.key]
        if t.key == REQ and "legal_person_subtotal" in rec.optional_columns:
            exp += [(REQ, r.key, "legal_person_subtotal") for r in t.rows_for(rec.era)]
        if t.key not in rec.tables_found:
            rec.findings.append(Finding(f"{t.key}.not_found", "warning", t.key,
                                        f"table {t.key} (section {t.section}) was not recognised"))
            continue
        missing = [x for x in exp if x not in have]
        if t.key == REQ and any(c.row == _OTHER_HANDLING.key for c in rec.cells) and rec.era == "2021":
            missing = [x for x in missing if x[1] not in schema.OTHER_ROWS_2021]
        if missing:
            rows = sorted({m[1] for m in missing}, key=[x[1] for x in exp].index)
            rec.findings.append(Finding(
                f"{t.key}.incomplete", "warning", t.key,
                f"{len(missing)} of {len(exp)} cells not recognised (rows: {', '.join(rows)})"))
