"""The seed's form: a scraped page in traditional characters with tone-marked pinyin
in brackets after many characters, `??` for lost characters and `|` between cells."""

from __future__ import annotations

import functools
import random

from gip_pipeline.synth.doc import Grid, SynthDoc

LAYOUTS = ("seed",)
# The seed's scraper turned full-width punctuation into ASCII.
_ASCII_PUNCT = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";"})


@functools.lru_cache(maxsize=1)
def _converter():
    import opencc
    return opencc.OpenCC("s2t")


@functools.lru_cache(maxsize=8192)
def _pinyin(ch: str) -> str:
    from pypinyin import Style, pinyin
    return pinyin(ch, style=Style.TONE, heteronym=False)[0][0]


def traditional_with_pinyin(text: str, rng: random.Random, rate: float = 0.85) -> str:
    """s2t conversion; a changed character gets its pinyin in brackets most of the time."""
    trad = _converter().convert(text)
    if len(trad) != len(text):  # a phrase conversion changed the length: no pinyin to align
        return trad.translate(_ASCII_PUNCT)
    out = []
    for s, t in zip(text, trad):
        out.append(t)
        if s != t and rng.random() < rate:
            out.append(f"({_pinyin(s)})")
    return "".join(out).translate(_ASCII_PUNCT)


def _table(grid: Grid, rng: random.Random) -> list[str]:
    lines = []
    for row in grid.rows:
        texts = [c.text for c in row]
        pad = max(0, grid.ncols - sum(c.colspan for c in row))
        lines.append(" | ".join(texts) + " |" + "|" * pad)
    return lines


def render(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    lines = [f"标 题 | {doc.title} | ||", f"索引号 | {doc.index_number} | 文 号 | |",
             f"发布机构 | {doc.organ.name} | 发布日期 | {doc.published} {rng.randint(8, 18):02d}:"
             f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} |", " ".join(["??"] * 16)]
    for kind, text in doc.blocks:
        if kind == "table":
            lines.append(" ".join("?" * rng.randint(2, 6) for _ in range(10)))
            lines.extend(_table(doc.grids[text], rng))
        else:
            lines.append(("??" if kind == "heading" else "") + text + ("??" if kind == "heading" else ""))
        lines.append("??")
    lines.append("//是否显示作废图标")
    out = [traditional_with_pinyin(ln, rng) for ln in lines]
    return ("\n".join(out) + "\n").encode("utf-8"), {"index_number": True}
