"""Re-runs, interrupted runs (SIGKILL, for real, in a subprocess) and concurrent use."""

import os
import shlex
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from gip_pipeline.tidy.build import build_core_warehouse
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.warehouse.load import (building_marts, load_tables, publish_snapshot,
                                         writer_lock)
from gip_pipeline_tests.pipeline_fixtures import make_result, requests_cells
from gip_pipeline.tidy import build_tidy

# Whole pipeline runs (Dagster, dbt, subprocesses): `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

N_FILES = 24


def _corpus(raw: Path, seed_text: str, n: int = N_FILES) -> None:
    """n distinct reports: the seed with one number changed per copy (cheap to parse)."""
    raw.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (raw / f"r{i:03d}.txt").write_text(seed_text + f"\n附注{i}\n", encoding="utf-8")
    (raw / "junk.pdf").write_bytes(b"not a pdf")


def _tables(db: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.sql("select table_name from duckdb_tables() "
                                       "where schema_name = 'core' order by 1").fetchall()]
        return {n: pl.from_arrow(con.sql(f'select * from core."{n}"').to_arrow_table())
                for n in names}
    finally:
        con.close()


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, seed_path):
    """An uninterrupted run: the warehouse every other run must equal."""
    data = tmp_path_factory.mktemp("ref")
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"))
    paths = GipPaths(data_dir=str(data), extract_workers=2)
    build_core_warehouse(paths)
    return _tables(paths.published()), data


def test_rerun_is_identical_and_incremental(reference, tmp_path, seed_path):
    ref, ref_data = reference
    paths = GipPaths(data_dir=str(ref_data), extract_workers=2)
    build_core_warehouse(paths)  # again, all from cache
    assert _same(_tables(paths.published()), ref)
    assert ref["reports"].height == N_FILES + 1 and "rejected_files" in ref

    # a fresh data dir, files listed in another creation order: same warehouse
    other = tmp_path / "d"
    _corpus(other / "raw", seed_path.read_text(encoding="utf-8"))
    for p in sorted((other / "raw").iterdir(), reverse=True):
        p.write_bytes(p.read_bytes())
    build_core_warehouse(GipPaths(data_dir=str(other), extract_workers=1))
    assert _same(_tables(GipPaths(data_dir=str(other)).published()), ref)

    # removing a file removes its rows, from the warehouse and from the exported Parquet
    # (the tables this dbt-less path builds; test_pipeline_integration exports the marts too)
    gone = other / "raw" / "r000.txt"
    gone_id = __import__("hashlib").sha256(gone.read_bytes()).hexdigest()[:16]
    out = other / "exports"
    assert all(gone_id in t["report_id"].to_list() for t in _exported(other, out).values())
    gone.unlink()
    build_core_warehouse(GipPaths(data_dir=str(other), extract_workers=1))
    after = _tables(GipPaths(data_dir=str(other)).published())
    for name in ("reports", "cells", "report_files"):
        assert gone_id not in after[name]["report_id"].to_list(), name
    assert after["reports"].height == N_FILES
    exported = _exported(other, out)
    for name, frame in exported.items():
        assert gone_id not in frame["report_id"].to_list(), name
        assert frame.height == after[name].height, name
    assert "r000.txt" not in exported["report_files"]["path"].to_list()


def _exported(data: Path, out: Path) -> dict[str, pl.DataFrame]:
    """The exports of the report-level tables, written from the published warehouse as the
    exports step writes them (gip_pipeline.exports.export_warehouse), read back."""
    from gip_pipeline.exports import export_warehouse

    names = ("cells", "reports", "report_files")
    export_warehouse(GipPaths(data_dir=str(data)).published(), out, names)
    return {n: pl.read_parquet(out / f"{n}.parquet") for n in names}


_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from gip_pipeline.tidy.build import build_core_warehouse
    from gip_pipeline.assets.resources import GipPaths

    data, mode = sys.argv[1], sys.argv[2]
    marker = Path(data) / "marker"

    class Stall(dict):
        # the load iterates the tables inside its transaction: stall after the first one
        def items(self):
            for k, (name, frame) in enumerate(dict.items(self)):
                if k == 1:
                    marker.write_text("in load")
                    time.sleep(600)
                yield name, frame

    if __name__ == "__main__":
        if mode == "extract":
            # every file 0.2 s slower, so that the kill lands mid-extraction
            import functools
            import gip_pipeline.tidy.build as core
            core.extract_files = functools.partial(
                core.extract_files, chunk_size=1,
                parser="gip_pipeline_tests.batch_helpers:slow_parse")
            build_core_warehouse(GipPaths(data_dir=data, extract_workers=2))
        else:
            build_core_warehouse(GipPaths(data_dir=data, extract_workers=2),
                                 tables_hook=lambda t: Stall(t))
""")


def _spawn(data: Path, mode: str, env_extra=None) -> subprocess.Popen:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-c", _SCRIPT, str(data), mode], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(cond, limit=90.0):  # generous: a loaded machine starts Python slowly
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def test_sigkill_during_extraction_then_rerun_equals_uninterrupted(reference, tmp_path, seed_path):
    ref, _ = reference
    data = tmp_path / "d"
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"))
    cache = GipPaths(data_dir=str(data)).cache()
    proc = _spawn(data, "extract")
    assert _wait_for(lambda: len(list(cache.rglob("*.json"))) >= 2), "extraction never started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n_cached = len(list(cache.rglob("*.json")))
    assert n_cached < N_FILES + 1, "the kill came too late to interrupt extraction"
    assert not GipPaths(data_dir=str(data)).published().exists()
    build_core_warehouse(GipPaths(data_dir=str(data), extract_workers=2))
    assert _same(_tables(GipPaths(data_dir=str(data)).published()), ref)


def test_sigkill_during_the_load_then_rerun_equals_uninterrupted(reference, tmp_path, seed_path):
    ref, ref_data = reference
    data = tmp_path / "d"
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"))
    paths = GipPaths(data_dir=str(data), extract_workers=2)
    # a previous good warehouse with other content, to see that the killed load left it whole
    load_tables(paths.warehouse(), build_tidy([make_result("old.txt", content="old")]).as_dict())
    proc = _spawn(data, "load")
    assert _wait_for(lambda: (data / "marker").exists()), "the load was never reached"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # the killed transaction is gone: the working copy holds the old tables, intact
    before = _tables(paths.warehouse())
    assert before["reports"]["source_file"].to_list() == ["old.txt"]
    build_core_warehouse(paths)
    assert _same(_tables(paths.published()), ref)


def test_reader_holding_the_published_file_never_blocks_the_pipeline(reference, tmp_path,
                                                                     seed_path):
    ref, _ = reference
    data = tmp_path / "d"
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"), n=3)
    paths = GipPaths(data_dir=str(data), extract_workers=1)
    build_core_warehouse(paths)
    # a researcher's session in another process (as the DuckDB CLI would be) stays open
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(paths.published())!r}, read_only=True)
            print(con.execute("select count(*) from core.reports").fetchone()[0], flush=True)
            sys.stdin.readline()
            print(con.execute("select count(*) from core.reports").fetchone()[0], flush=True)
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "4"
        _corpus(data / "raw", seed_path.read_text(encoding="utf-8"))  # more files arrive
        build_core_warehouse(paths)  # no lock error although the reader holds the file
        assert _same(_tables(paths.published()), ref)
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "4"  # its snapshot stayed consistent
    finally:
        reader.kill()
        reader.wait()


def test_concurrent_writers_are_serialised(tmp_path):
    db = tmp_path / "work" / "gip.duckdb"
    tables = [build_tidy([make_result(f"{k}.txt", content=f"{k}",
                                      cells=requests_cells(10 + k, 2, 7 + k, 3, 2))]).as_dict()
              for k in range(4)]
    errors = []

    def write(k):
        try:
            for _ in range(3):
                load_tables(db, tables[k])
                publish_snapshot(db, tmp_path / "gip.duckdb", with_marts=False)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    got = _tables(tmp_path / "gip.duckdb")
    assert any(_same({n: got[n] for n in tables[k]}, tables[k]) for k in range(4))


def _build_marts(db: Path) -> None:
    """What the dbt step does, in small: a mart from the core tables, under building_marts."""
    with building_marts(db):
        con = duckdb.connect(str(db))
        try:
            con.execute("create schema if not exists marts")
            con.execute("create or replace table marts.n_reports as "
                        "select count(*) n from core.reports")
        finally:
            con.close()


def _published_pair(db: Path) -> tuple[int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql("select (select count(*) from core.reports), "
                       "(select n from marts.n_reports)").fetchall()[0]
    finally:
        con.close()


def test_a_snapshot_never_pairs_one_runs_core_tables_with_anothers_marts(tmp_path):
    """A loads and builds, then B loads before A publishes (two runs overlapping on changing
    input): A's snapshot step leaves the published warehouse as it was; B's publishes."""
    db, published = tmp_path / "work" / "gip.duckdb", tmp_path / "gip.duckdb"
    one, two = ([make_result(f"{k}.txt", content=f"{k}", cells=requests_cells(10, 2, 7, 3, 2))
                 for k in range(n)] for n in (1, 2))
    load_tables(db, build_tidy(one).as_dict())
    _build_marts(db)
    assert publish_snapshot(db, published) == published and _published_pair(published) == (1, 1)
    load_tables(db, build_tidy(two).as_dict())  # run A
    _build_marts(db)
    load_tables(db, build_tidy(one).as_dict())  # run B, before A's snapshot
    assert publish_snapshot(db, published) is None  # A's: would pair 1 report with marts of 2
    assert _published_pair(published) == (1, 1)
    _build_marts(db)  # B's dbt
    assert publish_snapshot(db, published) == published
    assert _published_pair(published) == (1, 1)
    load_tables(db, build_tidy(two).as_dict())
    with pytest.raises(RuntimeError):  # a failed dbt build leaves the marts marked stale
        with building_marts(db):
            raise RuntimeError("dbt failed")
    assert publish_snapshot(db, published) is None


def test_the_first_snapshot_waits_for_the_build_of_the_newer_load(tmp_path):
    """With nothing published yet, a superseded run waits for the newer run's marts (and
    publishes them) rather than leave researchers no warehouse; with none coming, it fails
    with what to do."""
    db, published = tmp_path / "work" / "gip.duckdb", tmp_path / "gip.duckdb"
    tables = build_tidy([make_result("a.txt", cells=requests_cells(10, 2, 7, 3, 2))]).as_dict()
    load_tables(db, tables)
    with pytest.raises(TimeoutError, match="make run"):
        publish_snapshot(db, published, timeout=0.3)
    later = threading.Timer(0.5, _build_marts, args=(db,))
    later.start()
    try:
        assert publish_snapshot(db, published, timeout=60) == published
    finally:
        later.join()
    assert _published_pair(published) == (1, 1)


def test_writer_lock_excludes_other_processes(tmp_path):
    db = tmp_path / "gip.duckdb"
    code = textwrap.dedent(f"""
        from gip_pipeline.warehouse.load import writer_lock
        try:
            with writer_lock({str(db)!r}, timeout=0.3):
                print("got it")
        except TimeoutError:
            print("waited")
    """)
    with writer_lock(db):
        with writer_lock(db):  # re-entrant in one process
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "waited"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "got it"


def _truncate(p: Path, keep: float = 0.5) -> None:
    data = p.read_bytes()
    p.chmod(0o644)
    p.write_bytes(data[:int(len(data) * keep)])


@pytest.mark.parametrize("damage", ["working warehouse", "published snapshot", "cache entry",
                                    "tidy shard", "all at once"])
def test_damaged_state_is_rebuilt_by_the_next_run(reference, tmp_path, seed_path, damage):
    """What a crash, a full disk or a careless hand can leave behind (a truncated or
    overwritten warehouse, cache entry or shard): the next run rebuilds it and equals an
    uninterrupted run; a damaged working copy is kept aside, never silently reused."""
    ref, _ = reference
    data = tmp_path / "d"
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"))
    paths = GipPaths(data_dir=str(data), extract_workers=2)
    build_core_warehouse(paths)
    if damage in ("working warehouse", "all at once"):
        paths.warehouse().write_bytes(b"not a database" * 1000)
    if damage in ("published snapshot", "all at once"):
        _truncate(paths.published())
    if damage in ("cache entry", "all at once"):
        for entry in sorted(paths.cache().rglob("*.json"))[:3]:
            _truncate(entry)
    if damage in ("tidy shard", "all at once"):
        for shard in sorted(paths.tidy_shards().glob("*/cells.parquet"))[:2]:
            _truncate(shard, 0.3)
    build_core_warehouse(paths)
    assert _same(_tables(paths.published()), ref)
    aside = list(paths.warehouse().parent.glob("gip.duckdb.damaged-*"))
    assert len(aside) == (1 if damage in ("working warehouse", "all at once") else 0)


FULL_DISK = textwrap.dedent("""
    import resource, signal, sys
    from gip_pipeline.tidy.build import build_core_warehouse
    from gip_pipeline.assets.resources import GipPaths
    from gip_pipeline.exports import export_folder

    data, step, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    paths = GipPaths(data_dir=data, extract_workers=1)
    # A file may not grow past `limit` bytes: writes fail as on a full disk (EFBIG, not
    # the signal that would kill the process outright).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    if step == "load":
        build_core_warehouse(paths)
    else:
        export_folder(paths.published(), paths.exports())
""")


def snapshot_of(data: Path) -> dict:
    return {p.relative_to(data).as_posix(): p.read_bytes()
            for d in ("warehouse", "exports") for p in sorted((data / d).glob("*")) if p.is_file()}


def test_a_full_disk_during_the_load_fails_clearly_and_keeps_the_previous_snapshot(
        reference, tmp_path, seed_path):
    ref, _ = reference
    data = tmp_path / "d"
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"), n=6)
    paths = GipPaths(data_dir=str(data), extract_workers=1)
    build_core_warehouse(paths)
    before = snapshot_of(data)
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"))  # more reports: files grow
    limit = paths.warehouse().stat().st_size + 4096
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, str(data), "load", str(limit)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "File too large" in proc.stderr.strip().splitlines()[-1], proc.stderr[-2000:]
    assert snapshot_of(data) == before  # the published snapshot, untouched
    build_core_warehouse(paths)  # space again: the next run completes
    assert _same(_tables(paths.published()), ref)


def test_a_reader_querying_in_a_loop_while_runs_write_never_fails_nor_sees_half_a_run(
        tmp_path, seed_path):
    """A researcher's script reconnecting and querying as fast as it can, while runs with
    changing input (files added, removed) publish: every query succeeds, and each sees one
    run's whole warehouse (its reports and cells agree), never a mixture."""
    import json

    data = tmp_path / "d"
    seed = seed_path.read_text(encoding="utf-8")
    _corpus(data / "raw", seed, n=4)
    paths = GipPaths(data_dir=str(data), extract_workers=1)
    build_core_warehouse(paths)
    query = ("select (select count(*) from core.reports), "
             "(select count(distinct report_id) from core.cells), "
             "(select count(*) from core.cells c anti join core.reports r using (report_id))")

    def state():
        con = duckdb.connect(str(paths.published()), read_only=True)
        try:
            return list(con.execute(query).fetchall()[0])
        finally:
            con.close()

    published = [state()]
    stop = data / "stop"
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, json, os
        seen, errors, n = set(), [], 0
        while not os.path.exists({str(stop)!r}):
            try:
                con = duckdb.connect({str(paths.published())!r}, read_only=True)
                try:
                    seen.add(tuple(con.execute({query!r}).fetchall()[0]))
                finally:
                    con.close()
                n += 1
            except Exception as e:
                errors.append(repr(e))
        print(json.dumps({{"n": n, "seen": sorted(seen), "errors": errors[:3], "n_errors": len(errors)}}))
    """)], stdout=subprocess.PIPE, text=True)
    try:
        for n in (12, 2, 20, 6):  # files added and removed between the runs
            for p in (data / "raw").glob("r*.txt"):
                p.unlink()
            _corpus(data / "raw", seed, n=n)
            build_core_warehouse(paths)
            published.append(state())
    finally:
        stop.write_text("")
        out = json.loads(reader.communicate(timeout=120)[0])
    assert out["n_errors"] == 0, out["errors"]
    assert out["n"] > 20 and len(out["seen"]) >= 2  # it did read while the runs published
    assert {tuple(s) for s in out["seen"]} <= {tuple(s) for s in published}
    assert all(orphans == 0 for _, _, orphans in out["seen"])


_RUN_CORE = "import sys; from gip_pipeline.tidy.build import build_core_warehouse; " \
            "from gip_pipeline.assets.resources import GipPaths; " \
            "build_core_warehouse(GipPaths(data_dir=sys.argv[1], extract_workers=1))"


def _run_with_read_only(data: Path, read_only: Path) -> subprocess.CompletedProcess:
    """build_core_warehouse on `data` with the folder `read_only` truly read-only. Root
    ignores file modes, so as root the folder is bind-mounted read-only in a mount namespace
    of the run's own (unshare -m); another user gets the modes (0555 folders, 0444 files)."""
    cmd = [sys.executable, "-c", _RUN_CORE, str(data)]
    if os.geteuid() == 0:
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip("running as root without mount namespaces: no way to make a folder "
                        "read-only to this process")
        ro = shlex.quote(str(read_only))
        cmd = ["unshare", "-m", "sh", "-c", f"mount --bind {ro} {ro} && mount -o remount,bind,ro "
               f"{ro} {ro} && exec " + " ".join(shlex.quote(c) for c in cmd)]
    else:
        for p in sorted([read_only, *read_only.rglob("*")], reverse=True):
            p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    finally:
        for p in [read_only, *read_only.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)


def _contents(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


def test_a_read_only_input_folder_is_read_and_left_as_it_was(tmp_path, seed_path, reference):
    """The run reads raw/, writes only its own folders, and equals a run on a writable copy."""
    data = tmp_path / "data"
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"))
    before = _contents(data / "raw")
    proc = _run_with_read_only(data, data / "raw")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _contents(data / "raw") == before
    assert _same(_tables(data / "warehouse" / "gip.duckdb"), reference[0])


def test_a_data_folder_the_run_cannot_write_fails_with_the_folder_named(tmp_path, seed_path):
    data = tmp_path / "data"
    _corpus(data / "raw", seed_path.read_text(encoding="utf-8"), n=2)
    proc = _run_with_read_only(data, data)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert str(data) in last and ("Read-only file system" in last or "Permission denied" in last), \
        proc.stderr[-3000:]
    assert sorted(p.name for p in data.iterdir()) == ["raw"]
