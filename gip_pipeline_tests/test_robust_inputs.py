"""Every bad input gets a one-sentence reason and the run goes on; tricky good inputs are read."""

import polars as pl
import pytest

from gip_pipeline.tidy.build import core_frames, extract_raw_files
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.raw import HIDDEN_FILE, HIDDEN_FOLDER, discover
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
    """path -> its report row (files never read have none)."""
    reports = {r["report_id"]: r for r in frames["reports"].iter_rows(named=True)}
    return {f["path"]: reports[f["report_id"]] for f in frames["report_files"].iter_rows(named=True)
            if f["report_id"] is not None}


def _on_disk(raw):
    return sorted(p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file())


@pytest.mark.slow
def test_every_file_is_accounted_for(run):
    data, expected, _, batch, frames = run
    on_disk = _on_disk(data / "raw")
    assert on_disk == sorted(expected)  # the fixture wrote what it says (names kept as data)
    assert sorted(frames["report_files"]["path"]) == on_disk  # every name listed once
    rejected = set(frames["rejected_files"]["path"])
    reports = _by_path(frames)
    for name in on_disk:  # each one either has a report that was read, or a rejection
        assert (name in rejected) != (reports.get(name, {}).get("status") in ("ok", "warning")), \
            name
    n_read = sum(e != "not_read" for e in expected.values())
    assert len(batch.results) == n_read  # hidden files are never parsed
    assert batch.n_crashes == 0 and batch.n_timeouts == 0  # the readers bound themselves


def test_hidden_files_are_rejected_with_a_reason_and_never_parsed(run):
    _, expected, _, batch, frames = run
    hidden = {n for n, e in expected.items() if e == "not_read"}
    assert {"..seed.txt", ".DS_Store", ".hidden dir/报告.txt"} <= hidden
    rej = {r["path"]: r for r in frames["rejected_files"].iter_rows(named=True)}
    for name in hidden:
        want = HIDDEN_FOLDER if "/" in name else HIDDEN_FILE
        assert rej[name]["reason"] == want and rej[name]["report_id"] is None, name
        assert rej[name]["sha256"] is not None  # hashed, so a researcher can tell what it was
    assert not hidden & {r.file for r in batch.results}
    files = frames["report_files"].filter(pl.col("path").is_in(sorted(hidden)))
    assert files["report_id"].null_count() == len(hidden) and not files["is_primary"].any()
    # ..seed.txt holds the seed's bytes: the seed still loads once, under its own name only
    seed_id = dict(zip(frames["report_files"]["path"], frames["report_files"]["report_id"]))[
        "seed.txt"]
    assert frames["reports"].filter(pl.col("report_id") == seed_id)["source_file"].to_list() \
        == ["seed.txt"]


def test_each_input_gets_its_expected_outcome(run):
    _, expected, _, _, frames = run
    got = _by_path(frames)
    wrong = []
    for name, want in expected.items():
        if want == "not_read":
            continue  # no report: test_hidden_files_are_rejected_with_a_reason_and_never_parsed
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
    must = {n for n, e in expected.items() if e in ("rejected", "not_read")}
    assert must <= set(rej["path"]) and rej["reason"].null_count() == 0
    assert rej["reason"].str.strip_chars().str.len_chars().min() > 0
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
    data, expected, listing_before, _, frames = run
    assert sorted(p.name for p in data.rglob("*") if "cache" not in p.parts) == listing_before
    assert not (data / "x").exists() and not (data / "raw" / "pwned").exists()
    assert not any((d / "pwned").exists() for d in (data, data / "raw", data.parent))
    # a name that looks like a climb (..\\, ..子目录) is recorded exactly as written, in place
    paths = set(frames["report_files"]["path"])
    for name in ("..\\..\\x.txt", "a..b/x..\\y; rm -rf ~.html", "new\nline 报告.txt",
                 "sub ..子目录/-rf 报告 $(touch pwned); echo 'x' \"y\".txt"):
        assert name in expected and name in paths, name


def test_rejected_files_reach_the_warehouse(run, tmp_path):
    _, _, _, _, frames = run
    db = tmp_path / "gip.duckdb"
    load_tables(db, frames)
    rej = read_table(db, "core.rejected_files")
    assert rej.equals(frames["rejected_files"])
    assert read_table(db, "core.report_files").equals(frames["report_files"])
    reasons = dict(zip(rej["path"], rej["reason"]))
    assert reasons["..seed.txt"] == HIDDEN_FILE and reasons["new\nline 报告.txt"]
