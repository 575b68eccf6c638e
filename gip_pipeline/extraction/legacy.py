"""The local statistics table of a pre-2019 report (指标名称 / 计量单位 / 本年度 / 历年累计),
as printed lines with their two values, and the indicator of schema.LEGACY_INDICATORS each
line is (None for a line no indicator names: kept, with its label).

A table read as cells gives its values directly. A crawler's page glues the table into one
run, `主动公开文件数条346085376其中：1、政府网站公开数条3460853762、…`: each line is a label,
a unit of schema.LEGACY_UNITS and the two values' digits run together, followed by the next
line's item number. The item number is peeled off (it is the next expected index), then the
digits are cut into year and cumulative values (no leading zeros, the year's no larger than the
cumulative). Where several cuts are possible the one the table's own identity (a line equals the
sum of its 其中 lines) or the report's prose (`主动公开政府信息3460条`) allows is taken; else the
value stays null with status ambiguous, its digits kept in raw. Nothing is guessed.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.document import Document, Paragraph, Table
from gip_pipeline.extraction.normalize import normalize_text
from gip_pipeline.extraction.result import Finding, LegacyValue
from gip_pipeline.extraction.values import MAX_DIGITS, parse_value

_UNITS = "|".join(schema.LEGACY_UNITS)
_HEADER_RE = re.compile(r"指标名称计量单位(?:\d{4}年度?|本年度?|年度)(?:数)?历年累计(?:数)?")
_LINE_RE = re.compile(rf"(?P<label>.+?)(?P<unit>{_UNITS})(?P<digits>\d+)")
_ITEM_RE = re.compile(r"^(?:其中[:：]?)?(\d{1,2})[、.．]")
_SUB_RE = re.compile(r"^其中[:：]?")
_WS_RE = re.compile(r"\s+")
MAX_COMBINATIONS = 20000  # an identity group with more cuts than this is left to the prose


@dataclass
class LegacyLine:
    label: str  # printed, normalised, without its item number
    unit: str
    raw: str  # the value text as printed (for glued text, the digits of both values)
    page: int | None = None
    item: int | None = None  # its number under 其中 (1、2、…)
    parent: int | None = None  # index of the line it is part of (the line before 其中)
    candidates: list[tuple[int, int]] = field(default_factory=list)
    decoded_by: str | None = None
    indicator: str | None = None

    @property
    def values(self) -> tuple[int | None, int | None]:
        return self.candidates[0] if len(self.candidates) == 1 else (None, None)


def indicator_for(label: str) -> str | None:
    t = _WS_RE.sub("", normalize_text(label))
    for ind in schema.LEGACY_INDICATORS:
        if any(re.search(p, t) for p in ind.labels):
            return ind.key
    return None


def cuts(digits: str) -> list[tuple[int, int]]:
    """Every way to read a digit run as (year, cumulative): no leading zeros, year <= cumulative;
    none for a run longer than two counts can be (it is no pair of values)."""
    out = []
    if len(digits) > 2 * MAX_DIGITS:
        return out
    for k in range(1, len(digits)):
        a, b = digits[:k], digits[k:]
        if (a != "0" and a.startswith("0")) or (b != "0" and b.startswith("0")):
            continue
        if int(a) <= int(b):
            out.append((int(a), int(b)))
    return out


def _glued_lines(run: str, page: int | None) -> list[LegacyLine]:
    lines: list[LegacyLine] = []
    pos, next_item, parent = 0, None, None
    while True:
        m = _LINE_RE.match(run, pos)
        if not m:
            break
        label, digits = m.group("label"), m.group("digits")
        end = m.end()
        sub = bool(_SUB_RE.match(label))
        item_m = _ITEM_RE.match(label)
        item = int(item_m.group(1)) if item_m else None
        if next_item is not None and item is None:
            item = next_item
        label = _ITEM_RE.sub("", _SUB_RE.sub("", label))
        # The next line's number is glued to these digits when a 、 follows them.
        nxt = None
        if run.startswith("、", end):
            want = (item + 1) if item is not None else 1
            w = str(want)
            if digits.endswith(w) and len(digits) > len(w):
                digits, nxt = digits[: -len(w)], want
        owner = parent if (item is not None or sub) else None
        lines.append(LegacyLine(label, m.group("unit"), digits, page, item, owner, cuts(digits)))
        if item is None:
            parent = len(lines) - 1  # a line without a number may head the next 其中
        next_item = nxt
        pos = end + (1 if nxt is not None else 0)
    return lines


def _table_lines(t: Table) -> list[LegacyLine]:
    """A legacy table as cells: label, unit, year value, cumulative value."""
    lines: list[LegacyLine] = []
    parent = None
    for row in t.rows:
        texts = [normalize_text(c.text).strip() for c in row]
        if len(texts) < 4 or not texts[0] or "指标名称" in texts[0]:
            continue
        item_m = _ITEM_RE.match(texts[0])
        part = bool(item_m or _SUB_RE.match(texts[0]))
        vals = [parse_value(s, "decimal").value for s in texts[2:4]]
        vals = [int(v) if v is not None and v == int(v) else v for v in vals]
        lines.append(LegacyLine(_ITEM_RE.sub("", _SUB_RE.sub("", texts[0])), texts[1],
                                " | ".join(texts[2:4]), row[0].page or t.page,
                                int(item_m.group(1)) if item_m else None,
                                parent if part else None, [tuple(vals)], "cell"))
        if not part:
            parent = len(lines) - 1
    return lines


def _identity_pass(lines: list[LegacyLine]) -> bool:
    """Keep only the cuts with which every parent equals the sum of its parts; True if any
    line lost a candidate."""
    changed = False
    groups: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.parent is not None:
            groups.setdefault(ln.parent, []).append(i)
    for p, kids in groups.items():
        members = [p, *kids]
        if any(not lines[i].candidates or None in lines[i].candidates[0] for i in members):
            continue
        n = 1
        for i in members:
            n *= len(lines[i].candidates)
        if n == 1 or n > MAX_COMBINATIONS:
            continue
        ok = [combo for combo in itertools.product(*(lines[i].candidates for i in members))
              if all(combo[0][k] == sum(c[k] for c in combo[1:]) for k in (0, 1))]
        if not ok:
            continue  # the publisher's sums do not hold: the identity decides nothing
        for j, i in enumerate(members):
            keep = sorted({combo[j] for combo in ok})
            if len(keep) < len(lines[i].candidates):
                lines[i].candidates = keep
                lines[i].decoded_by = lines[i].decoded_by or "identity"
                changed = True
    return changed


def _prose_pass(lines: list[LegacyLine], prose: str) -> bool:
    changed = False
    for ln in lines:
        if len(ln.candidates) < 2 or ln.indicator is None:
            continue
        words = schema.LEGACY_INDICATORS_BY_KEY[ln.indicator].prose
        if not words:
            continue
        printed = set()
        for w in words:
            for m in re.finditer(rf"{re.escape(w)}[^。；;\d]{{0,12}}?(\d+){re.escape(ln.unit)}", prose):
                printed.add(int(m.group(1)))
        keep = [c for c in ln.candidates if c[0] in printed]
        if len(keep) == 1:
            ln.candidates, ln.decoded_by, changed = keep, "prose", True
    return changed


def legacy_lines(doc: Document) -> list[LegacyLine]:
    """Every line of the report's legacy statistics table(s), decoded as far as the table and
    the prose allow."""
    lines: list[LegacyLine] = []
    prose_parts = []
    for b in doc.blocks:
        if isinstance(b, Table):
            head = " ".join(normalize_text(c.text) for row in b.rows[:2] for c in row)
            if "指标名称" in head and "计量单位" in head:
                lines += _table_lines(b)
            continue
        flat = _WS_RE.sub("", normalize_text(b.text))
        m = _HEADER_RE.search(flat)
        if m is None:
            prose_parts.append(flat)
            continue
        prose_parts.append(flat[: m.start()])
        found = _glued_lines(flat[m.end():], b.page)
        lines += found
    prose = "".join(prose_parts)
    for ln in lines:
        ln.indicator = indicator_for(ln.label)
        if ln.decoded_by is None and len(ln.candidates) == 1:
            ln.decoded_by = "unique_split"
    while _identity_pass(lines) | _prose_pass(lines, prose):
        pass
    for ln in lines:
        if len(ln.candidates) != 1:
            ln.decoded_by = None
    return lines


def legacy_values(doc: Document) -> list[LegacyValue]:
    """The legacy table's values, two per line (schema.LEGACY_PERIODS), in printed order."""
    out = []
    for seq, ln in enumerate(legacy_lines(doc)):
        for period, v in zip(schema.LEGACY_PERIODS, ln.values):
            out.append(LegacyValue(seq, ln.label, ln.indicator, ln.unit, period,
                                   None if v is None else float(v), ln.raw, ln.decoded_by,
                                   ln.page))
    return out


def legacy_findings(year: int | None, values: list[LegacyValue]) -> list[Finding]:
    lines = {v.seq for v in values}
    which = (f"a {year} report predates the national format" if year is not None else
             "an undated report prints a local statistics table of the years before the "
             "national format")
    out = [Finding("era.legacy", "warning", None,
                   f"{which}: no cells of the national tables; {len(lines)} lines of its local "
                   "statistics table are read into legacy_statistics" if lines else
                   f"{which}: no cells of the national tables and no local statistics table "
                   "was found")]
    ambiguous = sorted({v.label for v in values if v.decoded_by is None})
    if ambiguous:
        out.append(Finding("legacy.ambiguous", "warning", None,
                           "glued values that neither the table's sums nor the prose decode "
                           "(left null, digits kept in raw): " + ", ".join(ambiguous)))
    return out
