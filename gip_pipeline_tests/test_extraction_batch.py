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


@pytest.mark.slow
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
    (tmp_path / "gip" / "metadata").mkdir()
    shutil.copyfile(Path(B.__file__).parents[1] / "metadata" / "schema.py",
                    tmp_path / "gip" / "metadata" / "schema.py")
    before = B._source_digest(pkg)
    assert B._source_digest(pkg) == before
    reader = pkg / "readers" / "text.py"
    reader.write_text(reader.read_text() + "\n# changed\n")
    assert B._source_digest(pkg) != before
    # Region coding runs inside metadata extraction: a change there is an extractor change.
    before = B._source_digest(pkg)
    (tmp_path / "gip" / "regions").mkdir()
    (tmp_path / "gip" / "regions" / "coding.py").write_text("# township rule\n")
    assert B._source_digest(pkg) != before


@pytest.fixture(scope="module")
def synthetic_pdf(tmp_path_factory):
    """A synthetic report drawn with an embedded font, so its pages rasterise anywhere."""
    import random

    from gip_pipeline.synth import render_pdf
    from gip_pipeline.synth.generate import Options, make_doc
    from gip_pipeline.synth.organs import load_default_regions, make_organs
    from gip_pipeline.synth.values import OrganState, gen_report_cells

    rng = random.Random("batch-ocr")
    organ = make_organs(load_default_regions(2023), rng, 1)[0]
    cells = gen_report_cells(rng, "2021", organ.organ_kind, organ.admin_level, organ.scale, OrganState())
    doc = make_doc(rng, "x.pdf", organ, 2023, cells, "pdf", Options(error_rate=0, typo_rate=0))
    return render_pdf.render(doc, rng, embed_font=True)[0]


@pytest.mark.slow
def test_pages_read_by_ocr_extend_the_time_limit(tmp_path, synthetic_pdf):
    from gip_pipeline.bench.throughput import pdf_pages
    from gip_pipeline.synth import forms

    scan = forms.scan_pdf(synthetic_pdf, dpi=150)
    pages, without_text = pdf_pages(scan)
    assert pages >= 2 and without_text == pages and pdf_pages(synthetic_pdf)[1] == 0
    # The limit grows by a page's allowance as the OCR starts each page, never for text.
    limits, text_limits = [], []
    assert B.extract_one("scan.pdf", scan, 3, on_limit=limits.append).status != "rejected"
    assert limits == [3 + B.OCR_PAGE_S * k for k in range(1, pages + 1)]
    B.extract_one("x.pdf", synthetic_pdf, 3, on_limit=text_limits.append)
    assert text_limits == []
    # 3 s would not read even one page; the OCR allowance does, and the parent's hard
    # deadline (3 s + grace) follows the worker's.
    batch = extract_files([_job(tmp_path, "scan.pdf", scan)], cache_dir=tmp_path / "cache", workers=1,
                          timeout=3, hard_grace=1)
    (res,) = batch.results
    assert res.status != "rejected" and len(res.cells) >= 190 and batch.n_timeouts == 0


@pytest.mark.slow
def test_pictures_beside_a_page_are_read_in_the_workers(tmp_path, synthetic_pdf):
    from gip_pipeline.synth import forms

    page, files = forms.picture_html(synthetic_pdf, dpi=110, inline=False)
    raw = tmp_path / "raw"
    (raw / "pics").mkdir(parents=True)
    for name, data in files.items():
        (raw / "pics" / name).write_bytes(data)
    html = page.replace('src="table_', 'src="pics/table_').encode()
    (raw / "report.html").write_bytes(html)
    # Results name the file by its path in the raw folder; the worker reads it (and what is
    # beside it) from where it lies.
    job = Job("report.html", hashlib.sha256(html).hexdigest(), len(html), str(raw / "report.html"))
    (res,) = extract_files([job], cache_dir=tmp_path / "cache", workers=1).results
    assert len(res.cells) >= 190 and all(c.value_source in ("ocr", "ocr_identities") for c in res.cells if c.raw)


@pytest.mark.parametrize("workers", [0, 1])
def test_a_file_changed_or_deleted_after_the_listing_is_rejected_for_this_run_only(
        tmp_path, seed_path, workers):
    """A folder being filled while a run reads it: the file whose bytes no longer match the
    listing, or that went away, is rejected with why; nothing of it is cached, so the next
    run reads it as it now is."""
    cache = tmp_path / "cache"
    seed = seed_path.read_bytes()
    changed, gone = _job(tmp_path, "changed.txt", seed), _job(tmp_path, "gone.txt", seed + b"\n")
    kept = _job(tmp_path, "kept.txt", seed + b"\n\n")
    (tmp_path / "in" / "changed.txt").write_bytes(b"nothing here")
    (tmp_path / "in" / "gone.txt").unlink()
    got = extract_files([changed, gone, kept], cache_dir=cache, workers=workers)
    by = {r.file: r for r in got.results}
    assert by["changed.txt"].status == "rejected" and by["changed.txt"].reason == B.CHANGED_REASON
    assert by["changed.txt"].sha256 == changed.sha256  # the listing's, as every other table has
    assert by["gone.txt"].status == "rejected" and "FileNotFoundError" in by["gone.txt"].reason
    assert "next run" in by["gone.txt"].reason
    assert by["kept.txt"].status in ("ok", "warning")

    (tmp_path / "in" / "changed.txt").write_bytes(seed)  # back as listed, and the other restored
    (tmp_path / "in" / "gone.txt").write_bytes(seed + b"\n")
    again = extract_files([changed, gone, kept], cache_dir=cache, workers=workers)
    assert (again.n_cached, again.n_extracted) == (1, 2)
    assert [r.status for r in again.results] == [by["kept.txt"].status] * 3


def test_workers_write_the_same_cache_entries_as_the_parent(tmp_path, seed_path, monkeypatch):
    """The workers write their results' cache entries themselves (in parallel, not in the
    parent between files): byte for byte what the in-process path writes, and read back."""
    seed = seed_path.read_bytes()
    jobs = [_job(tmp_path, "seed.txt", seed), _job(tmp_path, "junk.txt", b"nothing here"),
            _job(tmp_path, "sub/seed2.txt", seed + b"\n")]
    extract_files(jobs, cache_dir=tmp_path / "c0", workers=0)
    # The workers fork from a server with its own copy of this module: only the parent's
    # writes are seen here, and there must be none.
    parent_writes = []
    monkeypatch.setattr(B, "_cache_put", lambda path, result: parent_writes.append(path))
    pooled = extract_files(jobs, cache_dir=tmp_path / "c2", workers=2)
    monkeypatch.undo()
    assert pooled.n_extracted == 3 and parent_writes == []

    def entries(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.json")}
    assert entries(tmp_path / "c2") == entries(tmp_path / "c0") and len(entries(tmp_path / "c0")) == 3
    assert not list((tmp_path / "c2").rglob(".tmp-*"))
    again = extract_files(jobs, cache_dir=tmp_path / "c2", workers=2)
    assert (again.n_cached, again.n_extracted) == (3, 0)
    assert [r.to_dict() for r in again.results] == [r.to_dict() for r in pooled.results]


_MAIN_SCRIPT = '''
import hashlib, os, sys
if __name__ != "__main__":  # run again as __mp_main__: a worker preparing itself
    with open(os.environ["MAIN_RUNS"], "a") as f:
        f.write(f"{os.getpid()}\\n")
if __name__ == "__main__":
    from pathlib import Path
    from gip_pipeline.extraction.batch import Job, extract_files
    jobs = [Job(p.name, hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size, str(p))
            for p in sorted(Path(sys.argv[1]).iterdir())]
    b = extract_files(jobs, cache_dir=sys.argv[2], workers=2, chunk_size=1)
    print(b.n_extracted, b.n_workers_started, *sorted({r.status for r in b.results}))
'''


@pytest.mark.parametrize("how", ["path", "module"])
def test_workers_do_not_run_the_parents_main_again(tmp_path, seed_path, how):
    """Under Dagster the parent's __main__ is the dagster CLI: each worker ran it again (0.5 s
    of imports; seconds for a heavier main). The workers fork from a server that never runs it
    either (the script as a file or as `python -m`)."""
    import os
    import subprocess
    import sys

    src = tmp_path / "in"
    src.mkdir()
    for k in range(4):
        (src / f"r{k}.txt").write_bytes(seed_path.read_bytes() + b"\n" * k)
    pkg = tmp_path / "mainpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "run.py").write_text(_MAIN_SCRIPT)
    runs = tmp_path / "main_runs.txt"
    cmd = ([str(pkg / "run.py")] if how == "path" else ["-m", "mainpkg.run"])
    env = {**os.environ, "MAIN_RUNS": str(runs),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    out = subprocess.run([sys.executable, *cmd, str(src), str(tmp_path / "cache")], env=env,
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["4", "2", "ok"]
    assert not runs.exists(), runs.read_text()
