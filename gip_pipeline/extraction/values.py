"""Parsing one printed table cell into a number, or a reason why it is none.

Empty, dash, slash and words are missing values (None), never zero. A cell
holding two numbers is an extraction error (kind `multiple`), not something
to guess from. A bracketed note after a number (`22（其中修订 16 件）`) and a
unit (`251000元`) are allowed: the number is taken, the rest goes to `.note`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gip_pipeline.extraction.normalize import normalize_text

# Kinds: number, blank, dash, word, multiple, negative (a minus where the column
# forbids it), fraction (a non-integer in an integer column), invalid (anything else).
VALUE_KINDS = ("number", "blank", "dash", "word", "multiple", "negative", "fraction", "invalid")


@dataclass(frozen=True)
class ParsedValue:
    value: int | float | None
    kind: str
    note: str | None = None


_DASHES = set("-—–―‐‑−~/\\－／…")
# Words printed instead of a number; all mean "not given" (not zero).
_WORDS = {"无", "空", "暂无", "没有", "不适用", "未统计", "未发生", "未涉及", "na", "n/a", "null", "none"}
_UNITS = ("万元", "亿元", "千元", "元", "件", "条", "个", "项", "次", "人", "家", "份", "宗", "笔")

MAX_DIGITS = 24  # beyond this int()/float() overflow or hit Python's digit limit
_BRACKET_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
# A number: optional sign, digits with optional thousands commas, optional decimals.
_NUM_RE = re.compile(r"[-−－]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_NUM_FULL_RE = re.compile(r"^([-−－]?)\s?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)$")


def parse_value(raw: str, dtype: str = "int", allow_negative: bool = False) -> ParsedValue:
    """Parse one printed cell (see module doc). dtype is "int" or "decimal"."""
    return _parse(raw or "", dtype, allow_negative)


@lru_cache(maxsize=100_000)
def _parse(raw: str, dtype: str, allow_negative: bool) -> ParsedValue:
    if raw.isdigit() and raw.isascii() and len(raw) <= MAX_DIGITS:  # fast path: the common case
        v = int(raw)
        return ParsedValue(float(v) if dtype == "decimal" else v, "number")
    t = normalize_text(raw)
    if not t:
        return ParsedValue(None, "blank")
    if set(t.replace(" ", "")) <= _DASHES:
        return ParsedValue(None, "dash")
    if t.lower() in _WORDS:
        return ParsedValue(None, "word", t)

    note_parts = []
    # Bracketed notes: kept as note, never read as the value.
    core = _BRACKET_RE.sub(lambda m: note_parts.append(m.group(0)) or " ", t).strip()
    for unit in _UNITS:
        if core.endswith(unit) and len(core) > len(unit):
            core = core[: -len(unit)].strip()
            note_parts.append(f"unit {unit}")
            break
    nums = _NUM_RE.findall(core)
    if len(nums) > 1:
        return ParsedValue(None, "multiple", f"{len(nums)} numbers in one cell")
    m = _NUM_FULL_RE.match(core)
    if not m:
        if not nums and not any(ch.isdigit() for ch in t):
            return ParsedValue(None, "word", t)
        return ParsedValue(None, "invalid", t)
    sign, digits = m.group(1), m.group(2).replace(",", "")
    if len(digits) > MAX_DIGITS:  # no report count or amount is this long: a misread, not a value
        return ParsedValue(None, "invalid", f"implausibly long number ({len(digits)} digits)")
    note = "; ".join(note_parts) or None
    if "." in digits:
        f = float(digits)
        if dtype != "decimal":
            if f != int(f):
                return ParsedValue(None, "fraction", f"non-integer {digits} in a count column")
            v: int | float = int(f)
        else:
            v = f
    else:
        v = float(digits) if dtype == "decimal" else int(digits)
    if sign:
        if not allow_negative:
            return ParsedValue(None, "negative", f"negative number {sign}{digits} in a column that cannot be negative")
        v = -v
    return ParsedValue(v, "number", note)


# The text OCR gives print it could not read: it stands where a value was printed.
UNREADABLE = "\ufffd"


def looks_like_value(raw: str) -> bool:
    """True when a cell is a value cell (number, blank, dash, a no-value word or print OCR
    could not read), not a label."""
    if raw and raw.strip() == UNREADABLE:
        return True
    pv = _parse(raw or "", "decimal", True)
    return pv.kind in ("number", "blank", "dash", "multiple") or (
        pv.kind == "word" and (pv.note or "").lower() in _WORDS)
