"""Tidy rows per shard as Parquet (tidy.shards), reused per report; the Parquet IO manager."""

from pathlib import Path

import polars as pl
import pytest
from dagster import AssetIn, asset, materialize

from gip_pipeline.tidy.build import _accounted
from gip_pipeline.assets.resources import ParquetFrames
from gip_pipeline.raw import RawFile
from gip_pipeline.tidy import TIDY_TABLES, build_tidy
from gip_pipeline.tidy.identities import evaluate, evaluate_all, identity_checks
from gip_pipeline.tidy.shards import SHARD_TABLES, ReportOrdered, build_shard, read_shards
from gip_pipeline_tests.pipeline_fixtures import finding, make_result, requests_cells, sha


def _file(name: str, content: str | None = None, synthetic: bool = False) -> RawFile:
    return RawFile(name, sha(content if content is not None else name), 10, "txt", synthetic)


def _result(f: RawFile, k: int) -> object:
    r = make_result(f.path, cells=requests_cells(10 + k, 2, 7 + k, 3, 2),
                    findings=[finding()] if k % 3 == 0 else [])
    r.sha256 = f.sha256
    return r


class Extractor:
    """results_for: records which files it was asked for (the work a run did)."""

    def __init__(self):
        self.asked: list[str] = []

    def __call__(self, files):
        self.asked += [f.path for f in files]
        return [_result(f, int(f.sha256[:4], 16) % 7) for f in files], {"n_parsed": len(files)}


def _corpus(n: int = 6) -> list[RawFile]:
    files = [_file(f"r{i}.txt") for i in range(n)]
    files.append(_file("z_copy_of_r1.txt", "r1.txt"))  # identical bytes under a second name
    files.append(_file("s.txt", synthetic=True))
    return files


def _via_build_tidy(files: list[RawFile]) -> dict[str, pl.DataFrame]:
    ex = Extractor()
    results, _ = ex(files)
    t = build_tidy(results, synthetic=[f.path for f in files if f.synthetic])
    return {**t.as_dict(), "identities": evaluate_all(t.cells, t.reports)}


def _read(dirs) -> dict[str, pl.DataFrame]:
    return {t: read_shards(dirs, t) for t in SHARD_TABLES}


def _equal(a: dict, b: dict) -> None:
    for t in SHARD_TABLES:
        assert a[t].equals(b[t]), t
    assert a["cells"].height > 0 and a["identities"].height > 0


def _build(files, root, ex, n=2, version="v1"):
    from gip_pipeline.tidy.build import shard_of

    return [build_shard([f for f in files if shard_of(f, n) == k], root, f"shard{k}", ex,
                        version=version) for k in range(n)]


def test_shards_equal_build_tidy_over_all_files(tmp_path):
    files = _corpus()
    ex = Extractor()
    builds = _build(files, tmp_path, ex)
    _equal(_read([b.dir for b in builds]), _via_build_tidy(files))
    assert sorted(ex.asked) == sorted(f.path for f in files if f.path != "z_copy_of_r1.txt")


@pytest.mark.parametrize("ranges", ["one per report", 3, 1])
def test_report_ordered_write_equals_the_sorted_table(tmp_path, ranges):
    """Written range by range (one report per range, a few, or one range), the cells file is
    the sorted table itself: same rows, order, types; cells without a report id first."""
    files = _corpus(9)
    builds = _build(files, tmp_path, Extractor(), n=3)
    dirs = [b.dir for b in builds]
    cells = read_shards(dirs, "cells", lazy=True)
    stray = cells.head(2).collect().with_columns(pl.lit(None, pl.Utf8).alias("report_id"))
    stray_dir = tmp_path / "stray"
    stray_dir.mkdir()
    stray.write_parquet(stray_dir / "cells.parquet")
    cells = read_shards([*dirs, stray_dir], "cells", lazy=True)
    reports = read_shards(dirs, "reports")["report_id"]
    n_cells, n_ids = cells.select(pl.len()).collect().item(), reports.n_unique()
    per_range = 1 if ranges == "one per report" else -(-n_cells // ranges)
    out = ReportOrdered.over(cells, reports, n_cells, per_range)
    assert len(out.bounds) == (n_ids if ranges == "one per report" else ranges) - 1
    out.write_parquet(tmp_path / "cells.parquet")
    got, want = pl.read_parquet(tmp_path / "cells.parquet"), cells.collect()
    assert got.equals(want) and got.schema == want.schema
    assert got["report_id"].head(2).is_null().all() and got.height > 20


def test_one_new_file_tidies_one_report_and_equals_a_cold_build(tmp_path):
    files = _corpus()
    _build(files, tmp_path, Extractor())
    ex = Extractor()
    more = [*files, _file("new.txt")]
    builds = _build(more, tmp_path, ex)
    assert ex.asked == ["new.txt"]
    assert sum(b.n_tidied for b in builds) == 1 and sum(b.unchanged for b in builds) == 1
    _equal(_read([b.dir for b in builds]), _via_build_tidy(more))
    # One generation per shard is kept.
    assert len([p for p in tmp_path.iterdir() if not p.name.startswith(".")]) == 2


def test_unchanged_run_reads_nothing_and_removal_removes_rows(tmp_path):
    files = _corpus()
    _build(files, tmp_path, Extractor())
    ex = Extractor()
    assert all(b.unchanged for b in _build(files, tmp_path, ex)) and ex.asked == []
    gone = files[0]
    fewer = [f for f in files if f is not gone]
    builds = _build(fewer, tmp_path, ex)
    assert ex.asked == []  # the others' rows are reused
    got = _read([b.dir for b in builds])
    for t in SHARD_TABLES:
        assert not got[t]["report_id"].is_in([gone.sha256[:16]]).any(), t
    _equal(got, _via_build_tidy(fewer))


def test_renamed_or_remarked_file_is_tidied_again(tmp_path):
    files = _corpus()
    _build(files, tmp_path, Extractor())
    ex = Extractor()
    renamed = [RawFile("a_" + f.path, f.sha256, f.size, f.format, f.synthetic)
               if f.path == "r2.txt" else f for f in files]
    builds = _build(renamed, tmp_path, ex)
    assert ex.asked == ["a_r2.txt"]  # source_file is in its rows
    _equal(_read([b.dir for b in builds]), _via_build_tidy(renamed))


def test_new_version_reuses_nothing(tmp_path):
    files = _corpus()
    _build(files, tmp_path, Extractor())
    ex = Extractor()
    _build(files, tmp_path, ex, version="v2")
    assert sorted(ex.asked) == sorted(f.path for f in files if f.path != "z_copy_of_r1.txt")


def test_killed_build_leaves_no_generation(tmp_path):
    files = _corpus()

    def dies(todo):
        raise KeyboardInterrupt  # as a kill mid-extraction would, before anything is renamed

    with pytest.raises(KeyboardInterrupt):
        build_shard(files, tmp_path, "shard0", dies, version="v1")
    assert list(tmp_path.iterdir()) == []
    ex = Extractor()
    b = build_shard(files, tmp_path, "shard0", ex, version="v1")
    assert not b.unchanged and len(ex.asked) == b.n_reports


def test_evaluate_all_equals_evaluate_per_check():
    t = build_tidy([make_result("a.txt", cells=requests_cells(10, 2, 7, 3, 2)),
                    make_result("b.txt", cells=requests_cells(10, 2, 9, 3, 2))])
    every = evaluate_all(t.cells, t.reports)
    assert (every["status"] == "broken").any()
    for c in identity_checks():
        assert every.filter(pl.col("check") == c).equals(evaluate(t.cells, t.reports, c)), c


def test_parquet_io_manager_hands_frames_or_paths(tmp_path):
    frame = pl.DataFrame({"a": [1, None, 3], "b": ["x", "y", None]})
    seen = {}

    @asset(io_manager_key="pq")
    def lazy_table() -> pl.LazyFrame:
        return frame.lazy()

    @asset(io_manager_key="pq")
    def eager_table() -> pl.DataFrame:
        return frame

    @asset
    def as_frame(eager_table: pl.DataFrame) -> None:
        seen["frame"] = eager_table

    @asset(ins={"lazy_table": AssetIn("lazy_table")})
    def as_path(lazy_table: Path) -> None:
        seen["path"] = lazy_table

    res = materialize([lazy_table, eager_table, as_frame, as_path],
                      resources={"pq": ParquetFrames(data_dir=str(tmp_path))})
    assert res.success
    assert seen["frame"].equals(frame)
    assert isinstance(seen["path"], Path) and pl.read_parquet(seen["path"]).equals(frame)
    assert not [p for p in seen["path"].parent.iterdir() if p.name.startswith(".")]


def test_each_run_reads_its_own_hand_over_files(tmp_path):
    """Another run writing the same asset between this run's steps (two runs at once on
    changing input) does not change what this run's later steps read."""
    mine, theirs = pl.DataFrame({"path": ["a.txt"]}), pl.DataFrame({"path": ["b.txt"]})
    seen = {}

    @asset(io_manager_key="pq")
    def listing() -> pl.DataFrame:
        return mine

    @asset(io_manager_key="pq", deps=[listing])
    def another_run_writes() -> pl.DataFrame:
        materialize([listing_of_theirs], resources={"pq": ParquetFrames(data_dir=str(tmp_path))})
        return theirs

    @asset(io_manager_key="pq", name="listing")
    def listing_of_theirs() -> pl.DataFrame:
        return theirs

    @asset
    def reader(listing: pl.DataFrame, another_run_writes: pl.DataFrame) -> None:
        seen["listing"] = listing

    res = materialize([listing, another_run_writes, reader],
                      resources={"pq": ParquetFrames(data_dir=str(tmp_path))})
    assert res.success
    assert seen["listing"].equals(mine)
    latest = tmp_path / "tidy" / "assets" / "listing.parquet"
    assert pl.read_parquet(latest).equals(theirs)  # the latest materialisation, linked


def test_hand_over_files_of_runs_gone_long_ago_are_swept(tmp_path):
    """Files of a run this instance does not know are kept RUN_FILES_KEPT_S (it may be a run
    of another instance in progress), then removed by the next run that writes."""
    import os
    import time

    from gip_pipeline.assets.resources import RUN_FILES_KEPT_S

    runs = tmp_path / "tidy" / "assets" / "runs"
    old, recent = runs / "old-run", runs / "recent-run"
    for d in (old, recent):
        d.mkdir(parents=True)
        (d / "x.parquet").write_bytes(b"")
    past = time.time() - RUN_FILES_KEPT_S - 60
    os.utime(old, (past, past))

    @asset(io_manager_key="pq")
    def listing() -> pl.DataFrame:
        return pl.DataFrame({"path": ["a.txt"]})

    assert materialize([listing], resources={"pq": ParquetFrames(data_dir=str(tmp_path))}).success
    left = sorted(p.name for p in runs.iterdir())
    assert "old-run" not in left and "recent-run" in left and len(left) == 2


def test_accounted_frames_from_shards_link_duplicates(tmp_path):
    files = _corpus()
    builds = _build(files, tmp_path, Extractor())
    dirs = [b.dir for b in builds]
    got = _accounted(files, {t: read_shards(dirs, t) for t in TIDY_TABLES})
    files_frame = got["report_files"]
    assert files_frame.height == len(files)
    assert files_frame.filter(~pl.col("is_primary"))["path"].to_list() == ["z_copy_of_r1.txt"]
    # Same organ and year in every fixture report: one original, the rest linked to it.
    assert got["reports"]["duplicate_of"].null_count() == 1
