"""`gip parse FILE [--json]`: extract one report and print what was found.

With --json exactly one JSON object goes to stdout (logs to stderr). Exit
status: 0 ok/warning, 3 rejected, 2 usage error or missing file.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from gip_pipeline.extraction.parse import parse_file

USAGE = "usage: gip parse FILE [--json]\n"


def _summary(res) -> str:
    r = res.report
    lines = [f"{res.file}: {res.status}" + (f" ({res.reason})" if res.reason else ""),
             f"  format {res.format}, era {r.get('era')}, year {r.get('year')}, organ {r.get('organ')}",
             f"  published {r.get('published')}, index {r.get('index_number')}, "
             f"region {r.get('region_code')} ({r.get('admin_level')}, {r.get('organ_kind')})"]
    by_table: dict[str, int] = {}
    for c in res.cells:
        by_table[c.table] = by_table.get(c.table, 0) + 1
    lines.append("  cells: " + (", ".join(f"{t} {n}" for t, n in by_table.items()) or "none"))
    for f in res.findings:
        if f.severity != "info":
            lines.append(f"  {f.severity}: {f.check}: {f.message}")
    n_info = sum(f.severity == "info" for f in res.findings)
    if n_info:
        lines.append(f"  ({n_info} info findings; --json lists them)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    rest = [a for a in argv if a != "--json"]
    if any(a in ("-h", "--help") for a in rest):
        sys.stdout.write(USAGE)
        return 0
    if len(rest) != 1 or rest[0].startswith("-"):
        sys.stderr.write(USAGE)
        return 2
    path = Path(rest[0])
    if not path.is_file():
        sys.stderr.write(f"gip parse: no such file: {path}\n")
        return 2
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    res = parse_file(path)
    if as_json:
        sys.stdout.write(res.to_json() + "\n")
    else:
        sys.stdout.write(_summary(res))
    return 3 if res.status == "rejected" else 0
