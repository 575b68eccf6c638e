"""Batch extraction: cache by content + version, worker isolation, bounded time and memory."""

import hashlib
import json

import pytest

from gip_pipeline.extraction import batch as B
from gip_pipeline.extraction.batch import Job, extract_files
from gip_pipeline.raw import discover, jobs_for
from gip_pipeline_tests.batch_helpers import PARSER


def _job(tmp_path, name, data: bytes) -> Job:
    p = tmp_path / "in" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return Job(name, hashlib.sha256(data).hexdigest(), len(data), str(p))


def test_cache_reuses_results_and_version_change_reextracts(tmp_path, seed_path):
    cache = tmp_path / "cache"
    seed = seed_path.read_bytes()
    jobs = [_job(tmp_path, "seed.txt", seed), _job(tmp_path, "junk.txt", b"nothing here")]
    first = extract_files(jobs, cache_dir=cache, workers=0)
    assert (first.n_cached, first.n_extracted) == (0, 2)
    assert [r.file for r in first.results] == ["seed.txt", "junk.txt"]
    assert first.results[0].status in ("ok", "warning") and first.results[0].cells
    assert first.results[1].status == "rejected"

    again = extract_files(jobs, cache_dir=cache, workers=0)
    assert (again.n_cached, again.n_extracted) == (0 + 2, 0)
    assert [r.to_dict() for r in again.results] == [r.to_dict() for r in first.results]

    added = jobs + [_job(tmp_path, "copy/seed again.txt", seed + b"\n")]
    inc = extract_files(added, cache_dir=cache, workers=0)
    assert (inc.n_cached, inc.n_extracted) == (2, 1)  # only the new file parsed

    bumped = extract_files(added, cache_dir=cache, workers=0, version="other")
    assert (bumped.n_cached, bumped.n_extracted) == (0, 3)


def test_cache_key_is_content_and_name_is_the_current_one(tmp_path):
    cache = tmp_path / "cache"
    extract_files([_job(tmp_path, "a.txt", b"same bytes")], cache_dir=cache, workers=0)
    r = extract_files([_job(tmp_path, "b.txt", b"same bytes")], cache_dir=cache, workers=0)
    assert r.n_cached == 1 and r.results[0].file == "b.txt"
    entries = list(cache.rglob("*.json"))
    assert len(entries) == 1 and json.loads(entries[0].read_text())["sha256"]
    assert not list(cache.rglob(".tmp-*"))  # atomic writes leave no temp files


def test_a_corrupt_cache_entry_is_a_miss(tmp_path):
    cache = tmp_path / "cache"
    job = _job(tmp_path, "a.txt", b"x y z")
    extract_files([job], cache_dir=cache, workers=0)
    [entry] = cache.rglob("*.json")
    entry.write_text('{"file": "a.txt", "sha2')  # a torn write from some other tool
    r = extract_files([job], cache_dir=cache, workers=0)
    assert (r.n_cached, r.n_extracted) == (0, 1)


def test_oversized_file_is_rejected_unread(tmp_path):
    job = Job("big.pdf", "0" * 64, 60 * 2 ** 20, str(tmp_path / "missing.pdf"))
    r = extract_files([job], cache_dir=tmp_path / "c", workers=2).results[0]
    assert r.status == "rejected" and r.reason.startswith("file too large for a report: 60.0 MB")


def test_hang_crash_and_memory_hog_are_rejected_and_the_rest_goes_on(tmp_path, seed_path):
    seed = seed_path.read_bytes()
    jobs = [_job(tmp_path, "a_hang.txt", b"HANG"), _job(tmp_path, "b_crash.txt", b"CRASH"),
            _job(tmp_path, "c_seed.txt", seed), _job(tmp_path, "d_hog.txt", b"HOG"),
            _job(tmp_path, "e_stuck.txt", b"STUCK"), _job(tmp_path, "f_junk.txt", b"junk")]
    out = extract_files(jobs, cache_dir=tmp_path / "c", workers=2, timeout=3.0, hard_grace=1.0,
                        memory_limit=2 * 1024 ** 3, chunk_size=3, parser=PARSER)
    got = {r.file: r for r in out.results}
    assert list(got) == [j.name for j in jobs]
    assert got["a_hang.txt"].status == "rejected" and "longer than 3 s" in got["a_hang.txt"].reason
    assert got["e_stuck.txt"].status == "rejected" and "longer than 3 s" in got["e_stuck.txt"].reason
    assert got["b_crash.txt"].status == "rejected" and "SIGSEGV" in got["b_crash.txt"].reason
    assert got["d_hog.txt"].status == "rejected" and "memory" in got["d_hog.txt"].reason
    assert got["c_seed.txt"].status in ("ok", "warning") and got["c_seed.txt"].cells
    assert got["f_junk.txt"].status == "rejected"
    assert out.n_timeouts == 2 and out.n_crashes == 2
    assert all(r.sha256 == j.sha256 for r, j in zip(out.results, jobs))


def test_memory_filesystem_input_through_workers(tmp_path, seed_path):
    import fsspec

    fs = fsspec.filesystem("memory")
    root = "memory://gip-test-batch"
    fs.pipe(f"{root}/报告 一.txt", seed_path.read_bytes())
    fs.pipe(f"{root}/sub/$(x) 'q'.txt", b"not a report")
    try:
        files = discover(root)
        jobs = jobs_for(files, root)
        assert all(j.local_path is None and j.read is not None for j in jobs)
        out = extract_files(jobs, cache_dir=tmp_path / "c", workers=2)
        assert [r.file for r in out.results] == ["sub/$(x) 'q'.txt", "报告 一.txt"]
        assert out.results[1].cells and out.results[0].status == "rejected"
    finally:
        fs.rm(root, recursive=True)


def test_version_tracks_the_extraction_sources(tmp_path):
    import shutil
    from pathlib import Path

    assert B.EXTRACTOR_VERSION.startswith(B.gip_pipeline.__version__ + "+")
    pkg = tmp_path / "gip" / "extraction"
    shutil.copytree(Path(B.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(Path(B.__file__).parents[1] / "schema.py", tmp_path / "gip" / "schema.py")
    before = B._source_digest(pkg)
    assert B._source_digest(pkg) == before
    reader = pkg / "readers" / "text.py"
    reader.write_text(reader.read_text() + "\n# changed\n")
    assert B._source_digest(pkg) != before
