"""Where a collected file came from, for `reports`: the collect manifest read by content.

A report file is matched to its fetches by sha256 (the manifest's and the report's), so a
file renamed or moved inside the input folder keeps its provenance, and the same bytes served
at two URLs name the first one fetched.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from gip_pipeline.collect.manifest import read_records

PROVENANCE_COLUMNS = {"source_url": pl.Utf8, "source_page": pl.Utf8, "fetched_at": pl.Utf8}


def provenance(manifest: Path | None) -> pl.DataFrame:
    """sha256 -> source_url (the final URL that served the bytes), source_page (the page
    linking it: the list page of a report page, the report page of an attachment) and
    fetched_at (the first fetch, ISO 8601 UTC) of every stored file of the manifest."""
    first: dict[str, dict] = {}
    for r in read_records(manifest):
        if r.outcome != "ok" or not r.sha256 or not r.path:
            continue
        if r.sha256 not in first or r.fetched_at < first[r.sha256]["fetched_at"]:
            first[r.sha256] = {"sha256": r.sha256, "source_url": r.final_url or r.url,
                               "source_page": r.found_on, "fetched_at": r.fetched_at}
    return pl.DataFrame(list(first.values()), schema={"sha256": pl.Utf8, **PROVENANCE_COLUMNS})


def with_provenance(reports: pl.DataFrame, manifest: Path | None) -> pl.DataFrame:
    """reports with source_url, source_page and fetched_at from the manifest (null for a
    file not collected), columns in their order."""
    order = reports.columns + [c for c in PROVENANCE_COLUMNS if c not in reports.columns]
    prov = provenance(manifest)
    return (reports.drop(list(PROVENANCE_COLUMNS), strict=False)
            .join(prov, on="sha256", how="left").select(order))
