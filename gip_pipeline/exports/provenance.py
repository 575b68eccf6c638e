"""provenance.json: which source files, which pipeline version, when.

A reproducible run passes `run_time` explicitly (e.g. from SOURCE_DATE_EPOCH or
the newest source file) so that two runs over the same inputs write identical
files; nothing here reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from gip_pipeline.atomic import atomic_write_text

PROVENANCE_FILE = "provenance.json"

# Libraries whose versions change what the export holds (extraction, typing, writing).
_TRACKED_PACKAGES = ("polars", "pyarrow", "duckdb", "dbt-core", "dbt-duckdb", "pdfplumber",
                     "pypdfium2", "python-docx", "lxml", "opencc", "charset-normalizer")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def iso_utc(t: dt.datetime | dt.date | str) -> str:
    """An ISO 8601 UTC timestamp ending in Z. Naive datetimes are refused: their zone is a guess."""
    if isinstance(t, str):
        t = dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    elif isinstance(t, dt.date) and not isinstance(t, dt.datetime):
        t = dt.datetime(t.year, t.month, t.day, tzinfo=dt.timezone.utc)
    if t.tzinfo is None:
        raise ValueError(f"run_time {t!r} has no time zone; pass an aware datetime or ...Z")
    return t.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def run_time_from_env(default: dt.datetime | None = None) -> dt.datetime | None:
    """SOURCE_DATE_EPOCH (the reproducible-builds convention) as a UTC datetime, else default."""
    v = os.environ.get("SOURCE_DATE_EPOCH")
    if v:
        return dt.datetime.fromtimestamp(int(v), tz=dt.timezone.utc)
    return default


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_versions(names: Iterable[str] = _TRACKED_PACKAGES) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for n in sorted(names):
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = None
    return out


def inputs_fingerprint(files: list[dict]) -> str:
    """sha256 over the sorted (path, sha256) pairs: one value that changes when any input does."""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{f['path']}\t{f['sha256']}\n".encode("utf-8"))
    return h.hexdigest()


def build_provenance(source_files: Iterable[tuple[str | Path, str]], pipeline_version: str,
                     run_time: dt.datetime | dt.date | str,
                     packages: dict[str, str | None] | None = None) -> dict:
    """The provenance record of one export.

    source_files: (path, sha256 hex) of every input file; paths are written as given
    (pass them relative to the input folder so the record does not leak local paths).
    packages: library versions to record; default: the installed versions of the
    libraries that shape the output.
    """
    files = []
    seen: dict[str, str] = {}
    for path, digest in source_files:
        p = Path(path).as_posix()
        d = str(digest).lower()
        if not _SHA256.match(d):
            raise ValueError(f"{p}: {digest!r} is not a sha256 hex digest")
        if p in seen and seen[p] != d:
            raise ValueError(f"{p} is listed twice with different sha256")
        if p not in seen:
            seen[p] = d
            files.append({"path": p, "sha256": d})
    files.sort(key=lambda f: f["path"])
    return {
        "pipeline": {"name": "gip_pipeline", "version": str(pipeline_version)},
        "run_time": iso_utc(run_time),
        "n_source_files": len(files),
        "n_distinct_contents": len({f["sha256"] for f in files}),
        "inputs_sha256": inputs_fingerprint(files),
        "packages": dict(sorted((packages if packages is not None
                                 else package_versions()).items())),
        "source_files": files,
    }


def provenance_json(prov: dict) -> str:
    return json.dumps(prov, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def write_provenance(export_dir: str | Path, prov: dict) -> Path:
    """Write export_dir/provenance.json (temp file, then rename)."""
    return atomic_write_text(Path(export_dir) / PROVENANCE_FILE, provenance_json(prov))
