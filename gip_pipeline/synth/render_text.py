"""Crawler text: the page's text with table cells glued together (like the Pingtan crawl).

Layouts: `glued` (row values concatenated: `713000074`), `spaced` (irregular
separators: `200 000121`), `lines` (one table row per line, cells space-separated).
"""

from __future__ import annotations

import random

from gip_pipeline.synth.doc import Grid, SynthDoc

LAYOUTS = ("glued", "spaced", "lines")


def _row_text(cells, layout: str, rng: random.Random, ambiguous: list) -> str:
    labels = [c.text for c in cells if c.key is None]
    keys = [c.key for c in cells if c.key is not None]
    values = [c.text for c in cells if c.key is not None]
    if layout == "lines":
        return " ".join(labels + values)
    seps = [""] * len(values) if layout == "glued" else [rng.choice(("", " ", " ", "")) for _ in values]
    vals = "".join(v + s for v, s in zip(values, seps)).rstrip()
    # Section 二 rows have no identity to split glued digits: the values cannot be read back.
    if keys and keys[0][0] == "active_disclosure" and any(s == "" for s in seps[:-1]):
        ambiguous.extend(list(k) for k in keys)
    return " ".join(labels) + rng.choice(("", " ")) + vals


def _table(grid: Grid, layout: str, rng: random.Random, ambiguous: list) -> str:
    rows = [_row_text(r, layout, rng, ambiguous) for r in grid.rows]
    if layout == "lines":
        return "\n".join(rows)
    if grid.table == "review_litigation" and rng.random() < 0.5:
        # the one value row often keeps its spaces (`0 1 1 0 2 ...`)
        rows[-1] = " ".join(c.text for c in grid.rows[-1])
    return "".join(r + rng.choice(("", " ")) for r in rows).strip()


def render(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    layout = doc.layout
    head = [f"标题: {doc.title}", f"发布时间: {doc.published} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}",
            "文号: ", f"发布机构: {doc.organ.name}", "栏目: 政府信息公开年报",
            f"原文链接: https://www.example.gov.cn/zwgk/nb/{doc.name}.htm", "【合成数据 SYNTHETIC】",
            "==================== 正文 ===================="]
    parts, ambiguous = [], []
    for kind, text in doc.blocks[1:]:
        if kind == "mark":
            continue
        parts.append(_table(doc.grids[text], layout, rng, ambiguous) if kind == "table" else text)
    sep = "\n" if layout == "lines" else " "
    body = sep.join(parts)
    return ("\n".join(head) + "\n" + body + "\n").encode("utf-8"), {"index_number": False, "ambiguous_cells": ambiguous}
