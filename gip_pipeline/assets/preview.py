"""Small markdown previews of frames for the Dagster UI (no pandas needed)."""

from __future__ import annotations

import polars as pl


def markdown_table(frame: pl.DataFrame, limit: int = 10, max_chars: int = 40) -> str:
    if frame.is_empty():
        return "_(no rows)_"
    head = frame.head(limit)

    def cell(v) -> str:
        s = "null" if v is None else str(v)
        s = s.replace("|", "\\|").replace("\n", " ")
        return s if len(s) <= max_chars else s[: max_chars - 1] + "…"

    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in head.iter_rows()]
    if frame.height > limit:
        lines.append(f"\n_{frame.height - limit} more rows_")
    return "\n".join(lines)


def counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    if frame.is_empty():
        return {}
    return {str(k): int(v) for k, v in
            frame.group_by(column).len().sort(column, nulls_last=True).iter_rows()}
