"""Load the tidy tables into DuckDB: one writer, one transaction, bulk from Arrow.

DuckDB admits one writing process per file, and a reader in another process blocks it too.
So the pipeline writes a working copy (warehouse/work/gip.duckdb) under a file lock that
every writer takes (`writer_lock`), and `publish_snapshot` copies the finished warehouse
over warehouse/gip.duckdb by rename: researchers open that file, and a connection held open
on it keeps seeing the old snapshot, never a lock error nor a half-built one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator, Mapping

import duckdb
import polars as pl

from gip_pipeline.atomic import atomic_write, atomic_write_text

RAW_SCHEMA = "core"  # the loaded tidy tables; dbt's sources read them from here
log = logging.getLogger(__name__)
LOCK_TIMEOUT_S = 1800.0  # a writer waits this long for another to finish, then fails clearly

_locks: dict[str, threading.RLock] = {}  # lock path -> in-process lock (threads, nesting)
_depth: dict[str, int] = {}
_locks_guard = threading.Lock()


def lock_path(db_path: str | Path) -> Path:
    p = Path(db_path)
    return p.with_name(p.name + ".writer.lock")


@contextlib.contextmanager
def writer_lock(db_path: str | Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive across processes (flock on <db>.writer.lock) and threads; re-entrant in a thread.

    The kernel drops the flock when its holder dies, so a killed run never leaves it stuck.
    """
    lp = lock_path(db_path)
    lp.parent.mkdir(parents=True, exist_ok=True)
    key = str(lp.resolve())
    with _locks_guard:
        rlock = _locks.setdefault(key, threading.RLock())
    if not rlock.acquire(timeout=timeout):
        raise TimeoutError(f"another writer in this process has held {lp} for over {timeout:g} s")
    try:
        depth = _depth.get(key, 0)
        _depth[key] = depth + 1
        if depth:  # this thread holds the file lock already
            yield
            return
        fd = os.open(lp, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"another writer has held {lp} for over {timeout:g} s")
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    finally:
        _depth[key] -= 1
        rlock.release()


def _is_lock_error(e: Exception) -> bool:
    return "lock" in str(e).lower()


def set_aside(db_path: Path, why: str) -> Path:
    """Move a damaged working copy (and its WAL) out of the way, keeping it for inspection."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = db_path.with_name(f"{db_path.name}.damaged-{stamp}")
    os.replace(db_path, aside)
    wal = db_path.with_name(db_path.name + ".wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    log.warning("the working warehouse %s could not be opened (%s): moved to %s; it is "
                "rebuilt from the tidy tables by this run", db_path, why, aside)
    return aside


def connect_writer(db_path: str | Path, timeout: float = LOCK_TIMEOUT_S) -> duckdb.DuckDBPyConnection:
    """A read-write connection, waiting out a process that holds DuckDB's own file lock
    without taking ours (e.g. a researcher who opened the working copy read-write).

    The working copy holds nothing the run does not write again (the load replaces every
    core table, dbt builds every model): one DuckDB cannot open (a damaged or foreign
    file) is set aside and started afresh. Called under the writer lock."""
    db_path = Path(db_path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(db_path))
        except duckdb.IOException as e:
            if _is_lock_error(e) and time.monotonic() <= deadline:
                time.sleep(0.2)
                continue
            if _is_lock_error(e) or not db_path.exists():
                raise
            set_aside(db_path, str(e).splitlines()[0][:200])
        except (duckdb.SerializationException, duckdb.InternalException, duckdb.CatalogException) as e:
            if not db_path.exists():
                raise
            set_aside(db_path, str(e).splitlines()[0][:200])


def load_tables(db_path: str | Path, tables: Mapping[str, pl.DataFrame | pl.LazyFrame | Path],
                schema_name: str = RAW_SCHEMA) -> dict[str, int]:
    """Replace `schema_name.<name>` for every table, all or nothing.

    Readers never see a half-loaded warehouse: the tables are swapped inside one
    transaction, and a failure rolls every one of them back. Returns row counts
    as read back from the database. A table given as a Path is a Parquet file DuckDB reads
    itself (bulk, no copy through this process).
    """
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(db_path):
        return _load(db_path, tables, schema_name)


def _load(db_path: Path, tables: Mapping, schema_name: str) -> dict[str, int]:
    # Before the tables change: a crash after this point leaves the marts marked stale.
    _write_state(db_path, loaded=uuid.uuid4().hex)
    con = connect_writer(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema_name}"')
            for name, frame in tables.items():
                target = f'"{schema_name}"."{name}"'
                if isinstance(frame, Path):
                    src = str(frame).replace("'", "''")
                    con.execute(f"CREATE OR REPLACE TABLE {target} AS "
                                f"SELECT * FROM read_parquet('{src}')")
                    continue
                if isinstance(frame, pl.LazyFrame):
                    frame = frame.collect()
                view = f"__gip_load_{name}"
                con.register(view, frame.to_arrow())
                con.execute(f'CREATE OR REPLACE TABLE {target} AS SELECT * FROM "{view}"')
                con.unregister(view)
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # a failed COMMIT (a full disk) has ended the transaction already
            raise
        return {name: con.execute(f'SELECT count(*) FROM "{schema_name}"."{name}"').fetchone()[0]
                for name in tables}
    finally:
        con.close()


def read_table(db_path: str | Path, qualified_name: str) -> pl.DataFrame:
    """One table or view, read-only (so readers never take the writer's lock)."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return pl.from_arrow(con.sql(f"SELECT * FROM {qualified_name}").to_arrow_table())
    finally:
        con.close()


# Which load the marts were built from, beside the working copy (never in the snapshot). Two
# runs overlapping on changing input take the writer lock step by step: A loads, A's dbt
# builds, B loads, then A's snapshot would pair B's core tables with A's marts. The load
# marks the marts stale; dbt marks them built from the load it saw; a snapshot publishes only
# a warehouse whose marts were built from its core tables.
def _state_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".state.json")


def read_state(db_path: str | Path) -> dict:
    try:
        return json.loads(_state_path(Path(db_path)).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_state(db_path: Path, **changes) -> None:
    state = {**read_state(db_path), **changes}
    atomic_write_text(_state_path(db_path), json.dumps(state, sort_keys=True))


@contextlib.contextmanager
def building_marts(db_path: str | Path) -> Iterator[None]:
    """Hold the writer lock while dbt builds; on success, mark the marts built from the load
    they read (a failed build leaves them marked stale)."""
    db_path = Path(db_path)
    with writer_lock(db_path):
        loaded = read_state(db_path).get("loaded")
        yield
        _write_state(db_path, built_from=loaded)


def marts_current(db_path: str | Path) -> bool:
    state = read_state(db_path)
    return state.get("loaded") == state.get("built_from")


SUPERSEDED = ("not published: another run loaded new core tables after this run's dbt build; "
              "that run publishes them with its marts (the snapshot stays one run's whole warehouse)")


# How long a first snapshot waits, outside the lock, for the dbt build of a newer load: the gap
# between one run's load step and its dbt step (a build in progress holds the lock, and
# waiting for the lock is not counted against this).
FIRST_SNAPSHOT_WAIT_S = 120.0


def publish_snapshot(work_db: str | Path, published_db: str | Path, *, with_marts: bool = True,
                     timeout: float = FIRST_SNAPSHOT_WAIT_S) -> Path | None:
    """Copy the working warehouse over the published one by rename (readers see old or new).

    Taken under the writer lock, after a CHECKPOINT, so the copy is a closed, complete file.
    The snapshot is made read-only: it is replaced, never written, by the pipeline.
    with_marts: publish only when the marts were built from the loaded core tables; when
    another run's load came between (see read_state) return None and leave the published
    snapshot as it is, or, where none exists yet, wait for that run's dbt build (and fail,
    saying what to do, when none comes: the dbt assets were not materialised after a load).
    """
    work_db, published_db = Path(work_db), Path(published_db)
    waited = 0.0
    while True:
        with writer_lock(work_db):
            if not with_marts or marts_current(work_db):
                con = connect_writer(work_db)
                try:
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                atomic_write(published_db, lambda tmp: shutil.copyfile(work_db, tmp),
                             mode=0o444, fsync=True)
                return published_db
            if published_db.exists():
                return None
        if waited > timeout:
            raise TimeoutError(f"{work_db} holds core tables no dbt build has read, and none "
                               f"started in {timeout:g} s: materialise the dbt assets too, or "
                               "run the whole pipeline (make run)")
        time.sleep(0.5)
        waited += 0.5
