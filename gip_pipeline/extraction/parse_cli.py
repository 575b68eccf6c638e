"""`gip parse FILE [--json] [--timeout S] [--max-mb N] [--memory-mb N] [--no-limits]`:
extract one report and print what was found.

The file is read as the pipeline reads it: in a worker process bounded in time (60 s, plus
15 s a page read by OCR), address space (2048 MB) and file size (50 MB); past a limit the
file is rejected with the pipeline's reason. The flags raise the limits; --no-limits
parses in this process (for debugging). With --json exactly one JSON object goes to
stdout (logs to stderr). Exit status: 0 ok/warning, 3 rejected, 2 usage error or
missing file.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import tempfile
from pathlib import Path

from gip_pipeline.extraction import batch
from gip_pipeline.extraction.parse import parse_file

USAGE = "usage: gip parse FILE [--json] [--timeout S] [--max-mb N] [--memory-mb N] [--no-limits]\n"


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
    if res.narrative:
        lines.append("  prose: " + ", ".join(f"{n.section} {len(n.text)} chars"
                                            for n in res.narrative))
    if res.sources:
        lines.append("  read from: " + ", ".join(f"{k} {v}" for k, v in res.sources.items()))
    if res.legacy:
        n_amb = sum(v.decoded_by is None for v in res.legacy)
        lines.append(f"  legacy statistics: {len({v.seq for v in res.legacy})} lines, "
                     f"{len(res.legacy) - n_amb} values read, {n_amb} ambiguous")
    for f in res.findings:
        if f.severity != "info":
            lines.append(f"  {f.severity}: {f.check}: {f.message}")
    n_info = sum(f.severity == "info" for f in res.findings)
    if n_info:
        lines.append(f"  ({n_info} info findings; --json lists them)")
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gip parse", add_help=False, usage=USAGE[7:].strip(),
        description="Extract one report file as the pipeline does and print what was found: "
        "metadata, cells per table, findings. Exit status 0 ok/warning, 3 rejected, 2 usage "
        "error or missing file.")
    p.add_argument("file", help="the report file (HTML, PDF, Word, Excel, OFD, text, image)")
    p.add_argument("--json", action="store_true",
                   help="print exactly one JSON object instead: file, sha256, format, status, "
                   "reason, report metadata, every cell with its raw text and page, every "
                   "finding (the format of shared/spec/parse-output.md)")
    p.add_argument("--timeout", type=float, default=batch.FILE_TIMEOUT_S,
                   help="seconds before the file is rejected (plus the OCR allowance a page; "
                   "default %(default)s)")
    p.add_argument("--max-mb", type=float, default=batch.MAX_FILE_BYTES / 2 ** 20,
                   help="largest file read, MB (default %(default)s)")
    p.add_argument("--memory-mb", type=float, default=batch.WORKER_MEMORY_BYTES / 2 ** 20,
                   help="the worker's address-space limit, MB (default %(default)s)")
    p.add_argument("--no-limits", action="store_true",
                   help="parse in this process, without the limits (for debugging)")
    return p


def parse_limited(path: Path, timeout: float = batch.FILE_TIMEOUT_S,
                  max_bytes: int = batch.MAX_FILE_BYTES,
                  memory_limit: int | None = batch.WORKER_MEMORY_BYTES):
    """parse_file in a worker under the pipeline's limits (gip_pipeline.extraction.batch)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    job = batch.Job(str(path), h.hexdigest(), path.stat().st_size, str(path.resolve()))
    with tempfile.TemporaryDirectory(prefix="gip-parse-") as cache:
        (res,) = batch.extract_files([job], cache_dir=cache, workers=1, timeout=timeout,
                                     max_bytes=max_bytes, memory_limit=memory_limit).results
    return res


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        sys.stdout.write(_parser().format_help())
        return 0
    try:
        a = _parser().parse_args(argv)
    except SystemExit:
        return 2
    if a.file.startswith("-") or min(a.timeout, a.max_mb, a.memory_mb) <= 0:
        sys.stderr.write(USAGE)
        return 2
    path = Path(a.file)
    if not path.is_file():
        sys.stderr.write(f"gip parse: no such file: {path}\n")
        return 2
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    if a.no_limits:
        res = parse_file(path)
    else:
        res = parse_limited(path, a.timeout, int(a.max_mb * 2 ** 20), int(a.memory_mb * 2 ** 20))
    if a.json:
        sys.stdout.write(res.to_json(narrative=False) + "\n")  # the spec's keys, exactly
    else:
        sys.stdout.write(_summary(res))
    return 3 if res.status == "rejected" else 0
