"""The README's table of the tables a researcher meets, rendered from metadata.outputs (what
each table is, its key, its columns): `make dbt-gen` writes it between the two markers, and a
test holds the README equal to what this renders.

    python -m gip_pipeline.metadata.readme          # rewrite the block in README.md
    python -m gip_pipeline.metadata.readme --check  # exit 1 if it is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from gip_pipeline.metadata.outputs import MART_MODELS, PRIMARY_KEYS, TABLE_DOCS

README = Path(__file__).resolve().parents[2] / "README.md"
START = "<!-- tables: rendered by gip_pipeline.metadata.readme; edit metadata/outputs.py -->"
END = "<!-- /tables -->"


def _schema_of(table: str) -> str:
    return "marts" if table in MART_MODELS else "core"


def render() -> str:
    from gip_pipeline.metadata.fields import table_columns

    columns = table_columns()
    lines = [START, "", "| table | key | columns | what it is |", "|---|---|---|---|"]
    for t in PRIMARY_KEYS:
        doc = TABLE_DOCS[t].replace("|", "\\|")
        key = ", ".join(f"`{k}`" for k in PRIMARY_KEYS[t])
        lines.append(f"| `{_schema_of(t)}.{t}` | {key} | {len(columns[t])} | {doc} |")
    lines += ["", END]
    return "\n".join(lines)


def updated(text: str) -> str:
    """`text` with the block between the markers replaced by render()."""
    a, b = text.index(START), text.index(END) + len(END)
    return text[:a] + render() + text[b:]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in argv:
        if new != text:
            sys.stderr.write("stale: the tables block of README.md (make dbt-gen)\n")
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
        sys.stdout.write("wrote README.md (tables)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
