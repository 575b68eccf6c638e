"""Crawler text: the page's text with table cells glued together (like the Pingtan crawl).

Layouts: `glued` (row values concatenated: `713000074`), `spaced` (irregular
separators: `200 000121`), `lines` (one table row per line, cells space-separated).
"""

from __future__ import annotations

import random
import re

from gip_pipeline.metadata.schema import TABLES_BY_KEY
from gip_pipeline.synth.doc import Grid, SynthDoc

LAYOUTS = ("glued", "spaced", "lines")


_HALF = str.maketrans("０１２３４５６７８９．", "0123456789.")
_WITH_SUFFIX = re.compile(r"([0-9０-９.．]+)((?:万元|元|件)?(?:（其中[^）]{0,20}）)?)")
_NUMBER = re.compile(r"0|[1-9]\d*")
_DECIMAL = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?")


def split_count(run: str, decimal: list[bool]) -> int:
    """How many ways the printed run splits into len(decimal) numbers, each written as printed
    (no leading zeros; a decimal column may carry a fraction). A space is always a boundary,
    but a reader cannot know how many numbers lie between two spaces. 1: only one reading."""
    run = run.translate(_HALF)
    ways = {0: 1}  # position -> ways to read run[:position] as the first k numbers
    for dec in decimal:
        pat = _DECIMAL if dec else _NUMBER
        nxt: dict[int, int] = {}
        for pos, n in ways.items():
            while pos < len(run) and run[pos] == " ":
                pos += 1
            for end in range(pos + 1, len(run) + 1):
                if run[end - 1] == " ":
                    break
                if pat.fullmatch(run, pos, end):
                    nxt[end] = nxt.get(end, 0) + n
        ways = nxt
    return sum(n for pos, n in ways.items() if not run[pos:].strip())


def _readable(values: list[str], seps: list[str], decimal: list[bool]) -> bool:
    """Whether a section 二 row's printed values have exactly one reading (section 二 has no
    identity to choose between splits, so a row with two readings cannot be read back)."""
    run = ""
    for v, s in zip(values, seps):
        m = _WITH_SUFFIX.fullmatch(v)
        if m is None:
            return not any(x == "" for x in seps[:-1])
        # A unit or note printed after a number ends its cell, as a space would.
        run += m.group(1) + (" " if m.group(2) else s)
    return split_count(run, decimal) == 1


def _row_text(cells, layout: str, rng: random.Random, ambiguous: list, broken: bool = False) -> str:
    labels = [c.text for c in cells if c.key is None]
    keys = [c.key for c in cells if c.key is not None]
    values = [c.text for c in cells if c.key is not None]
    if layout == "lines":
        return " ".join(labels + values)
    seps = [""] * len(values) if layout == "glued" else [rng.choice(("", " ", " ", "")) for _ in values]
    vals = "".join(v + s for v, s in zip(values, seps)).rstrip()
    # Section 二 rows have no identity to split glued digits: where a run has more than one
    # reading, no reader can get the values back (decided from the printed text alone).
    dec = [TABLES_BY_KEY[k[0]].column(k[2]).dtype == "decimal" for k in keys]
    if keys and keys[0][0] == "active_disclosure" and not _readable(values, seps, dec):
        ambiguous.extend(list(k) for k in keys)
    # A requests row is pinned down by its own total and, jointly, by the column identities; a
    # planted publisher error in the table breaks the latter, so a row whose own total does not
    # give one reading cannot be read back there.
    if (broken and keys and keys[0][0] == "requests" and len(keys) == 7
            and split_count(vals, [False] * 7) != 1 and row_total_split_count(vals, 1, 7) != 1):
        ambiguous.extend(list(k) for k in keys)
    return " ".join(labels) + rng.choice(("", " ")) + vals


def row_total_split_count(run: str, groups: int, size: int, cap: int = 2) -> int:
    """How many readings of the run as `groups` rows of `size` numbers satisfy each row's total
    (last = sum of the others), up to `cap`; spaces are boundaries as in split_count."""
    run = run.translate(_HALF)
    memo: dict[tuple[int, int], int] = {}

    def numbers_from(pos: int):
        while pos < len(run) and run[pos] == " ":
            pos += 1
        for end in range(pos + 1, min(len(run), pos + 12) + 1):
            if run[end - 1] == " ":
                break
            if _NUMBER.fullmatch(run, pos, end):
                yield int(run[pos:end]), end

    def group(pos: int, k: int, acc: list[int]):
        if k == size:
            if acc[-1] == sum(acc[:-1]):
                yield pos
            return
        for v, end in numbers_from(pos):
            yield from group(end, k + 1, acc + [v])

    def count(pos: int, g: int) -> int:
        if g == groups:
            return 1 if not run[pos:].strip() else 0
        if (pos, g) not in memo:
            n = 0
            for end in group(pos, 0, []):
                n += count(end, g + 1)
                if n >= cap:
                    break
            memo[(pos, g)] = min(n, cap)
        return memo[(pos, g)]

    return count(0, 0)


def _table(grid: Grid, layout: str, rng: random.Random, ambiguous: list, broken: bool = False) -> str:
    rows = [_row_text(r, layout, rng, ambiguous, broken) for r in grid.rows]
    if layout == "lines":
        return "\n".join(rows)
    if grid.table == "review_litigation" and rng.random() < 0.5:
        # the one value row often keeps its spaces (`0 1 1 0 2 ...`)
        rows[-1] = " ".join(c.text for c in grid.rows[-1])
    if grid.table == "review_litigation":
        # Section 四's only identities are its row totals: a glued run they do not pin down
        # to one reading cannot be read back (decided from the printed text).
        keys = [c.key for c in grid.rows[-1]]
        texts = [c.text for c in grid.rows[-1]]
        run = rows[-1].strip()
        if (all(re.fullmatch(r"[0-9０-９]+", x) for x in texts) and split_count(run, [False] * 15) != 1
                and row_total_split_count(run, 3, 5) != 1):
            ambiguous.extend(list(k) for k in keys)
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
        broken = doc.knobs.get("publisher_error") == text
        parts.append(_table(doc.grids[text], layout, rng, ambiguous, broken) if kind == "table" else text)
    sep = "\n" if layout == "lines" else " "
    body = sep.join(parts)
    return ("\n".join(head) + "\n" + body + "\n").encode("utf-8"), {"index_number": False, "ambiguous_cells": ambiguous}
