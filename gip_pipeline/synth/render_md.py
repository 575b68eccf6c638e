"""Markdown as a PDF-to-Markdown converter leaves it (like the STCSM source.md).

`converter`: prose hard-wrapped at PDF line width, tables cut into chunks at page
breaks, header labels split into fragments that become a table row, group labels
and some row labels pushed out of the table as loose lines (label-less rows).
`clean`: one proper Markdown table per section, group labels repeated per row.
"""

from __future__ import annotations

import random

from gip_pipeline.synth.doc import Grid, SynthDoc

LAYOUTS = ("converter", "clean")


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def _md_row(texts: list[str]) -> str:
    return "| " + " | ".join(t.replace("|", "｜") for t in texts) + " |"


def _sep(n: int) -> str:
    return "|" + "---|" * n


def _clean_table(grid: Grid) -> list[str]:
    # Expand spans: a group label is repeated in every row it covers.
    active: dict[int, tuple[str, int]] = {}
    out_rows: list[list[str]] = []
    for row in grid.rows:
        texts: list[str] = []
        col, it = 0, iter(row)
        while col < grid.ncols:
            if col in active:
                text, left = active[col]
                texts.append(text)
                active[col] = (text, left - 1)
                if left - 1 == 0:
                    del active[col]
                col += 1
                continue
            c = next(it, None)
            if c is None:
                texts.append("")
                col += 1
                continue
            for k in range(c.colspan):
                texts.append(c.text if k == 0 else "")
                if c.rowspan > 1:
                    active[col + k] = (c.text if k == 0 else "", c.rowspan - 1)
            col += c.colspan
        out_rows.append(texts)
    lines = [_md_row(out_rows[0]), _sep(grid.ncols)]
    lines += [_md_row(r) for r in out_rows[1:]]
    return lines


def _converter_table(grid: Grid, rng: random.Random, title: str) -> list[str]:
    lines: list[str] = []
    header = [c for row in grid.rows[:grid.header_rows] for c in row] if grid.header_rows else []
    if header:
        # Header labels break over two lines: first halves stay loose text, second halves become a row.
        # (a label of two characters fits its cell's width and stays whole on the second line)
        loose = "".join(c.text[: max(1, len(c.text) // 2)] for c in header if len(c.text) > 2)
        lines += _wrap(loose, 24)
    lines.append(f"## {title}")
    if header:
        frag = [c.text if len(c.text) <= 2 else c.text[max(1, len(c.text) // 2):] for c in header[-8:]]
        lines += [_md_row(frag), _sep(len(frag))]
    body = grid.rows[grid.header_rows:]
    chunk_open = bool(header)
    for row in body:
        labels = [c for c in row if c.key is None]
        values = [c.text for c in row if c.key is not None]
        if not values:  # a header-only row of section 二: loose text
            lines.append("".join(c.text for c in row))
            chunk_open = False
            continue
        groups = [c for c in labels if c.kind == "group"]
        for g in groups:
            lines.append("")
            lines += _wrap(g.text, 4)
        own = [c for c in labels if c.kind != "group"]
        label = "".join(c.text for c in own)
        if label and rng.random() < 0.15:
            lines += _wrap(label, 11)  # label pushed out of the table: the row keeps only numbers
            label = ""
        cells = ([label] if label else []) + values
        if not chunk_open or rng.random() < 0.12:  # page break: a new table chunk
            lines += ["", _md_row(cells), _sep(len(cells))]
            chunk_open = True
        else:
            lines.append(_md_row(cells))
    lines.append("")
    return lines


def render(doc: SynthDoc, rng: random.Random) -> tuple[bytes, dict]:
    layout = doc.layout
    lines: list[str] = []
    for kind, text in doc.blocks:
        if kind == "table":
            g = doc.grids[text]
            if layout == "clean":
                lines += ["", *_clean_table(g), ""]
            else:
                lines += _converter_table(g, rng, f"表{'一二三'[['active_disclosure', 'requests', 'review_litigation'].index(text)]}")
        elif kind == "heading":
            lines += ["", text]
        elif layout == "converter" and kind == "para":
            lines += _wrap(text, 30)
        else:
            lines.append(text)
        if layout == "converter" and rng.random() < 0.1:
            lines.append(f"- {rng.randint(1, 9)} -")  # a page footer left in the text
    lines.insert(0, "正文")
    return ("\n".join(lines) + "\n").encode("utf-8"), {"index_number": False}
