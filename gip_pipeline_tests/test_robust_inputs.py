"""Every bad input gets a one-sentence reason and the run goes on; tricky good inputs are read."""

import polars as pl
import pytest

from gip_pipeline.assets.core import core_frames, extract_raw_files
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.raw import discover
from gip_pipeline.warehouse.load import load_tables, read_table
from gip_pipeline_tests import bad_inputs


@pytest.fixture(scope="module")
def run(tmp_path_factory, seed_path):
    data = tmp_path_factory.mktemp("robust")
    raw = data / "raw"
    expected = bad_inputs.build(raw, seed_path.read_text(encoding="utf-8"))
    listing_before = sorted(p.name for p in data.rglob("*"))
    files = discover(raw)
    batch = extract_raw_files(files, GipPaths(data_dir=str(data), raw_dir=str(raw),
                                              extract_workers=2))
    frames = core_frames(files, batch.results)
    return data, expected, listing_before, batch, frames


def _by_path(frames):
    reports = {r["report_id"]: r for r in frames["reports"].iter_rows(named=True)}
    return {f["path"]: reports[f["report_id"]] for f in frames["report_files"].iter_rows(named=True)}


def test_every_file_is_accounted_for(run):
    _, expected, _, batch, frames = run
    assert sorted(frames["report_files"]["path"]) == sorted(expected)
    assert len(batch.results) == len(expected)
    assert batch.n_crashes == 0 and batch.n_timeouts == 0  # the readers bound themselves


def test_each_input_gets_its_expected_outcome(run):
    _, expected, _, _, frames = run
    got = _by_path(frames)
    wrong = []
    for name, want in expected.items():
        rep = got[name]
        status, reason = rep["status"], rep["reason"]
        ok = {"rejected": status == "rejected",
              "read": status in ("ok", "warning"),
              "duplicate": status in ("ok", "warning"),
              "rejected_or_warning": status in ("rejected", "warning")}[want]
        if status == "rejected":
            # one sentence: non-empty, one line
            ok = ok and bool(reason) and "\n" not in reason.strip() and len(reason) < 300
        if not ok:
            wrong.append((name, want, status, reason))
    assert not wrong


def test_rejected_files_table_lists_each_rejection_with_its_reason(run):
    _, expected, _, _, frames = run
    rej = frames["rejected_files"]
    assert rej.columns == ["path", "report_id", "sha256", "format", "reason"]
    must = {n for n, e in expected.items() if e == "rejected"}
    assert must <= set(rej["path"]) and rej["reason"].null_count() == 0
    reasons = dict(zip(rej["path"], rej["reason"]))
    assert reasons["huge.pdf"].startswith("file too large for a report")
    assert reasons["empty.txt"] == "the file is empty."
    assert "encrypt" in reasons["encrypted.pdf"].lower()
    assert "zip bomb" in reasons["zip bomb.docx"] and "entity" in reasons["xml bomb.docx"]
    assert rej["path"].to_list() == sorted(rej["path"].to_list())


def test_encodings_read_to_the_same_numbers_as_utf8(run):
    _, _, _, batch, _ = run
    cells = {r.file: {(c.table, c.row, c.col): c.value for c in r.cells} for r in batch.results}
    ref = cells["same report.html"]
    assert len(ref) > 50
    for name in ("gbk page.html", "gb18030 page.html", "big5 page.html", "utf16 bom page.html"):
        assert cells[name] == ref, name


def test_same_bytes_under_two_names_load_once_and_both_names_are_recorded(run):
    _, _, _, _, frames = run
    files = frames["report_files"]
    twin = "报告 (copy) $(rm -rf x); 'q' \"d\" `id` a..b.txt"
    ids = dict(zip(files["path"], files["report_id"]))
    assert ids["seed.txt"] == ids[twin]
    assert frames["reports"].filter(pl.col("report_id") == ids["seed.txt"]).height == 1
    primary = dict(zip(files["path"], files["is_primary"]))
    assert primary["seed.txt"] != primary[twin]  # exactly one name carries the report row


def test_same_report_in_two_forms_is_kept_and_linked(run):
    _, _, _, _, frames = run
    got = _by_path(frames)
    group = ["same report.html", "same report.docx", "gbk page.html", "big5 page.html"]
    ids = {got[n]["report_id"] for n in group}
    assert len(ids) == len(group)  # different bytes: all kept
    canonical = {got[n]["duplicate_of"] or got[n]["report_id"] for n in group}
    assert len(canonical) == 1  # all point at one report that counts
    [root] = canonical
    assert sum(got[n]["duplicate_of"] is None for n in group) <= 1
    assert frames["reports"].filter(pl.col("report_id") == root)["duplicate_of"].to_list() == [None]
    assert got["seed.txt"]["duplicate_of"] is None  # another organ: not linked


def test_names_are_data_not_commands(run):
    data, _, listing_before, _, _ = run
    assert sorted(p.name for p in data.rglob("*") if "cache" not in p.parts) == listing_before
    assert not (data / "x").exists()


def test_rejected_files_reach_the_warehouse(run, tmp_path):
    _, _, _, _, frames = run
    db = tmp_path / "gip.duckdb"
    load_tables(db, frames)
    assert read_table(db, "core.rejected_files").equals(frames["rejected_files"])
    assert read_table(db, "core.report_files").equals(frames["report_files"])
