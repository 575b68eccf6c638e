"""Text normalisation applied before any matching or value parsing.

Raw text stays untouched in the Document and in CellValue.raw; this produces
the comparable form: pinyin annotations removed, traditional -> simplified,
full-width ASCII folded to ASCII, `??` noise dropped, whitespace collapsed.

Decision on punctuation: every full-width form of an ASCII character
(U+FF01-U+FF5E, so `（）：，．` too) is folded to ASCII, and schema labels go
through the same function before comparison, so label matching never depends
on which bracket width a publisher used. Chinese-only punctuation (、“”《》〔〕—)
has no ASCII twin and is kept.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# Built once: constructing an OpenCC converter loads its dictionaries (slow).
_T2S = opencc.OpenCC("t2s")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Letters a pinyin annotation may use: plain latin lower case, ü, and tone-marked vowels.
_PY_LETTERS = "a-zü" + "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PY_VOWELS = set("aeiouüvāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ")
# A bracket directly after a CJK char holding one or more lower-case latin syllables
# (optional tone digit each). Real parentheses hold CJK or upper case and never match.
_PINYIN_RE = re.compile(
    rf"(?<=[{_CJK}])\s?[(（]\s*([{_PY_LETTERS}]+[1-5]?(?:[\s'’-]+[{_PY_LETTERS}]+[1-5]?)*)\s*[)）]"
)
# Traditional forms OpenCC's t2s leaves as they are, though the simplified standard
# (通用规范汉字表) folds them: place names print them (濬縣 is 浚县).
_T2S_EXTRA = str.maketrans({"濬": "浚"})
_NOISE_RE = re.compile(r"[?？]{2,}")
_WS_RE = re.compile(r"\s+")

# Full-width ASCII block -> ASCII, ideographic space -> space.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_FOLD[0x00A0] = 0x20
_FOLD[0xFEFF] = None  # stray BOM / zero-width no-break space
_FOLD[0x200B] = None  # zero-width space


def _strip_pinyin(m: re.Match[str]) -> str:
    content = m.group(1)
    # Every syllable needs a vowel: keeps `(kb)`-like abbreviations that are no pinyin.
    for syl in re.split(r"[\s'’-]+", content):
        if not (set(syl) & _PY_VOWELS):
            return m.group(0)
    return ""


@lru_cache(maxsize=200_000)
def normalize_text(s: str) -> str:
    """The comparable form of a printed text (see module doc)."""
    if not s:
        return ""
    if s.isascii():
        t = _NOISE_RE.sub("", s)
        return _WS_RE.sub(" ", t).strip()
    t = s.translate(_FOLD)
    if "(" in t:
        t = _PINYIN_RE.sub(_strip_pinyin, t)
    t = _T2S.convert(t).translate(_T2S_EXTRA)
    t = _NOISE_RE.sub("", t)
    return _WS_RE.sub(" ", t).strip()


_COMPACT_RE = re.compile(r"\s+")


def compact(s: str) -> str:
    """normalize_text without any whitespace (labels split by spaces/newlines)."""
    return _COMPACT_RE.sub("", normalize_text(s))
