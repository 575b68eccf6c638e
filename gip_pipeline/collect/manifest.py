"""The collect manifest: one JSON line per fetch (or a URL not fetched, with why), appended as
it happens. The collector reads it back to ask again conditionally; the tidy layer reads it for
the reports' provenance. Nothing here touches the network."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

MANIFEST = "manifest.jsonl"


@dataclass
class Record:
    """One line of the manifest."""
    url: str
    site: str
    kind: str  # list | report_page | attachment
    outcome: str  # collect.http.Fetched.outcome
    fetched_at: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None  # the Content-Type header as served (charset included)
    sha256: str | None = None
    bytes: int | None = None
    path: str | None = None  # relative to the output folder, when the content is a report file
    found_on: str | None = None  # the list page (or the report page of an attachment)
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    error: str | None = None


def read_records(path: Path | None) -> Iterator[Record]:
    """Every whole line of the manifest at `path` (none if it is absent); a line torn by a
    killed run is skipped, and its fetch is simply done again."""
    if path is None or not Path(path).is_file():
        return
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            yield Record(**json.loads(line))
        except (ValueError, TypeError):
            continue


def append_record(path: Path, r: Record) -> None:
    """One line, flushed to disk before the next fetch: a kill loses at most the one in hand."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
