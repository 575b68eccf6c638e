"""The repository's sample input (data/raw): real published reports with their sources, report
files only (truth stays in ../shared), every one readable."""

import csv
from pathlib import Path

import pytest

from gip_pipeline.warehouse.paths import DEFAULT_DATA_DIR

RAW = DEFAULT_DATA_DIR / "raw"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _sources() -> dict[str, dict]:
    with (DEFAULT_DATA_DIR / "SOURCES.csv").open(encoding="utf-8", newline="") as f:
        return {r["file"]: r for r in csv.DictReader(f)}


def test_every_sample_file_has_its_source_and_no_truth_is_shipped():
    files = sorted(p.name for p in RAW.iterdir())
    assert files == sorted(_sources())
    assert not [f for f in files if "truth" in f or f.startswith("TEMPLATE")]
    rows = _sources().values()
    assert len({r["organ"] for r in rows}) >= 8 and len({r["year"] for r in rows}) >= 6
    assert {r["admin_level"] for r in rows} >= {"province", "county"}
    assert all(r["source"] for r in rows)


def test_sample_files_are_the_shared_reports_byte_for_byte():
    if not (SHARED / "real").is_dir():
        pytest.skip("../shared/real is absent")
    shared = {p.name: p for p in (SHARED / "real").glob("*.*")}
    shared |= {p.name: p for p in (SHARED / "real" / "unlabeled").glob("*.*")}
    shared |= {p.name: p for p in (SHARED / "seed").glob("*.txt")}
    for p in RAW.iterdir():
        assert p.read_bytes() == shared[p.name].read_bytes(), p.name


@pytest.mark.slow
def test_every_sample_report_is_read():
    from gip_pipeline.extraction.parse import parse_file

    for p in sorted(RAW.iterdir()):
        r = parse_file(p)
        assert r.status != "rejected", (p.name, r.reason)
        assert r.report["organ"] and r.report["year"] == int(_sources()[p.name]["year"]), p.name
