"""Extract many files: cached by content, in worker processes, each file bounded in time and memory.

A file that crashes, hangs or exhausts memory becomes a `rejected` ParseResult with a
one-sentence reason; the batch itself never fails because of one file. Results are cached
by (sha256 of the bytes, file extension, extractor version), so a re-run parses only files
it has not seen, and a changed extractor re-parses everything.

Workers are our own processes rather than a ProcessPoolExecutor: the executor cannot stop
one hung task, and one dead worker breaks the whole pool. Here the parent watches each
file's deadline, kills only the worker that overran, and carries on with a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import signal
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Sequence

import gip_pipeline
from gip_pipeline.extraction import deadline
from gip_pipeline.extraction.result import ParseResult

MAX_FILE_BYTES = 50 * 1024 * 1024  # the largest real reports are a few MB
FILE_TIMEOUT_S = 60.0  # soft limit, raised inside the worker
# OCR: each page read by OCR adds this much to a file's limit (measured: about 1.5 s a page
# on one core), up to OCR_TIMEOUT_MAX_S for the whole file.
OCR_PAGE_S = 15.0
OCR_TIMEOUT_MAX_S = 1800.0
HARD_GRACE_S = 10.0  # after timeout + grace the parent kills the worker (C code ignoring signals)
WORKER_MEMORY_BYTES = 2 * 1024 ** 3  # address-space limit of each worker process
CHUNK_SIZE = 8  # files sent to a worker at once (fewer round trips, still balanced)

TIMEOUT_REASON = "extraction took longer than {s:g} s, the limit for one report file."
CRASH_REASON = "the extractor crashed on this file (worker process ended: {how})."
MEMORY_REASON = "extraction needed more memory than the limit for one report file."
MEMORY_ABORT_REASON = ("extraction needed more memory than the limit for one report file (the "
                       "reader aborted when an allocation failed: e.g. a compressed stream "
                       "that inflates to gigabytes).")
TOO_LARGE_REASON = ("file too large for a report: {mb:.1f} MB exceeds the {limit:g} MB limit.")
TIMEOUT_CHECK = "pipeline.timeout"
CRASH_CHECK = "pipeline.crash"
# The file changed or went away between the listing and its extraction (another program, or a
# run over a folder being filled): rejected for this run, never cached, read by the next.
CHANGED_REASON = ("the file changed while this run read it (its bytes no longer match the "
                  "listing's sha256); the next run reads the new content.")
UNREADABLE_REASON = "the file could not be read ({how}); the next run tries it again."
TRANSIENT_CHECK = "pipeline.file_changed"


def _source_digest(pkg: Path | None = None) -> str:
    """Hash of the extraction package's source: any change to extraction changes the version."""
    pkg = pkg or Path(__file__).resolve().parent
    h = hashlib.sha256()
    for p in sorted(pkg.rglob("*.py")):
        h.update(p.relative_to(pkg).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    schema_py = pkg.parent / "metadata" / "schema.py"  # labels and keys live there
    h.update(schema_py.read_bytes())
    # Metadata extraction codes regions while it reads: its code and reference are part of it.
    for p in sorted((pkg.parent / "regions").rglob("*")):
        if p.is_file() and p.suffix in (".py", ".csv", ".json", ".gz"):
            h.update(p.relative_to(pkg.parent).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


EXTRACTOR_VERSION = f"{gip_pipeline.__version__}+{_source_digest()}"


@dataclass(frozen=True)
class Job:
    """One file to extract: `name` is what results record (relative path)."""

    name: str
    sha256: str
    size: int
    local_path: str | None = None  # the worker reads the file itself
    read: Callable[[], bytes] | None = None  # else the parent fetches the bytes (object storage)


@dataclass
class Batch:
    results: list[ParseResult]
    n_cached: int = 0
    n_extracted: int = 0
    n_timeouts: int = 0
    n_crashes: int = 0
    n_workers_started: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


# ---------------------------------------------------------------- cache

def _cache_file(cache_dir: Path, job: Job, version: str) -> Path:
    suffix = Path(job.name).suffix.lower()[:12]  # the extension decides the format fallback
    return cache_dir / version / job.sha256[:2] / f"{job.sha256}{suffix}.json"


def _cache_get(path: Path) -> ParseResult | None:
    try:
        return ParseResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: extract again


def _cacheable(result: ParseResult, sha256: str) -> bool:
    """A result of the listed bytes that is not transient (a file changed or unreadable
    during the run is read again by the next run, never served from the cache)."""
    return (result.sha256 in ("", sha256)
            and TRANSIENT_CHECK not in {f.check for f in result.findings})


def _cache_put(path: Path, result: dict) -> None:
    """A result's to_dict(), under a temp name, then renamed: a killed run never leaves a
    half-written entry to read back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(result, ensure_ascii=False))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- worker side

class _Timeout(BaseException):
    """BaseException so that a reader's `except Exception` cannot swallow the deadline."""


def _on_alarm(signum, frame):
    raise _Timeout()


def _rejected(name: str, sha: str, reason: str, check: str | None = None) -> ParseResult:
    from gip_pipeline.extraction.result import Finding

    fmt = _fmt_guess(name)
    findings = [Finding(check, "error", None, reason)] if check else []
    return ParseResult(file=name, sha256=sha, format=fmt, status="rejected", reason=reason,
                       findings=findings)


def _unreadable(name: str, e: OSError) -> ParseResult:
    """A file that could not be read back after the listing: rejected for this run only."""
    how = f"{type(e).__name__}: {e.strerror or e}"
    return _rejected(name, "", UNREADABLE_REASON.format(how=how), TRANSIENT_CHECK)


def _fmt_guess(name: str) -> str:
    from gip_pipeline.extraction.parse import _EXT

    return _EXT.get(Path(name).suffix.lower(), "txt")


PARSER = "gip_pipeline.extraction.parse:parse_bytes"


def _parser(ref: str):
    import importlib

    module, func = ref.split(":")
    return getattr(importlib.import_module(module), func)


def extract_one(name: str, data: bytes, timeout: float = FILE_TIMEOUT_S,
                parser: str = PARSER, origin: str | None = None,
                on_limit: Callable[[float], None] | None = None) -> ParseResult:
    """parse_bytes (or `parser`, "module:function") under a soft deadline (SIGALRM; main
    thread of a process only): `timeout`, plus OCR_PAGE_S for each page the OCR starts on (up
    to OCR_TIMEOUT_MAX_S for the file); on_limit(new limit) is told each time it grows."""
    parse_bytes = _parser(parser)
    sha = hashlib.sha256(data).hexdigest()
    limit = [timeout]

    def more_time() -> None:
        new = min(limit[0] + OCR_PAGE_S, max(timeout, OCR_TIMEOUT_MAX_S))
        if new > limit[0]:
            remaining, _ = signal.getitimer(signal.ITIMER_REAL)
            signal.setitimer(signal.ITIMER_REAL, remaining + new - limit[0])
            limit[0] = new
            if on_limit is not None:
                on_limit(new)

    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with deadline.on_ocr_page(more_time):
            return parse_bytes(data, name, origin) if origin else parse_bytes(data, name)
    except _Timeout:
        return _rejected(name, sha, TIMEOUT_REASON.format(s=limit[0]), TIMEOUT_CHECK)
    except MemoryError:
        return _rejected(name, sha, MEMORY_REASON, CRASH_CHECK)
    except RecursionError:
        return _rejected(name, sha, "the file is nested too deeply to read.", CRASH_CHECK)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _preload_readers() -> None:
    import importlib

    from gip_pipeline.extraction.parse import READERS

    for ref in READERS.values():
        try:
            importlib.import_module(ref.split(":")[0])
        except Exception:  # noqa: BLE001 - a reader that fails to import rejects its files later
            pass


def warm_up() -> None:
    """Readers imported, one-time tables built (each lru_cached where it lives); a failure
    here only means the worker builds them itself."""
    _preload_readers()
    for warm in ("gip_pipeline.regions.reference:name_index",
                 "gip_pipeline.regions.reference:_by_code",
                 "gip_pipeline.extraction.readers.encoding:_frequent"):
        try:
            _parser(warm)()
        except Exception:  # noqa: BLE001 - an optimisation only
            pass
    try:  # the organ coder's own one-time state (longest region name)
        from gip_pipeline.regions import code_organ

        code_organ("北京市人民政府办公厅", "", 2023)
    except Exception:  # noqa: BLE001
        pass


def _worker_main(conn, memory_limit: int | None, timeout: float, parser: str) -> None:
    import resource

    if memory_limit:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    _preload_readers()  # imports count against no file's time limit
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if chunk is None:
            return
        for idx, name, sha, cache_path, local_path, data in chunk:
            conn.send(("start", idx, timeout))
            cached = False
            try:
                if data is None:
                    try:
                        with open(local_path, "rb") as f:
                            data = f.read()
                    except OSError as e:  # deleted or made unreadable since the listing
                        conn.send(("done", idx, _unreadable(name, e).to_dict(), False))
                        continue
                # pages read by OCR move the parent's deadline with ours
                res = extract_one(name, data, timeout, parser, local_path,
                                  lambda new, i=idx: conn.send(("limit", i, new)))
                payload = res.to_dict()
                # The cache entry is written here, in parallel, not by the parent between
                # files (its JSON was a tenth of the parent's work): only what the parent
                # would cache, a result of the listed bytes that is not transient.
                if cache_path and _cacheable(res, sha):
                    payload["sha256"], payload["file"] = sha, name
                    try:
                        _cache_put(Path(cache_path), payload)
                        cached = True
                    except OSError:  # the parent writes it again, and a full disk fails there
                        pass
            except Exception as e:  # noqa: BLE001 - reported per file
                payload = _rejected(name, "", f"the file could not be read ({type(e).__name__}: "
                                    f"{e}).", CRASH_CHECK).to_dict()
            data = None
            conn.send(("done", idx, payload, cached))


# ---------------------------------------------------------------- parent side

@dataclass
class _Worker:
    proc: object
    conn: object
    chunk: list[int] = field(default_factory=list)  # indices sent, not yet done
    current: int | None = None
    started: float = 0.0
    limit: float = 0.0  # the current file's soft time limit


# Every child of a forkserver first runs its parent's __main__ again (multiprocessing prepares a
# child so that objects defined there unpickle): under Dagster the dagster CLI script, 0.5 s of
# CPU in each worker started, more for a main that imports more (2.2 s for a script importing the
# pipeline's assets), and a run starts a pair per shard. Python 3.11's forkserver means to
# import __main__ once itself, but looks it up under a key the preparation data does not have.
# Nothing a worker receives is defined in __main__ (the target is _worker_main, the parser a
# "module:function" string naming an importable module, never __main__), so the server takes
# the parent's main's name without running it (adopt_parent_main) and each child finds it
# already there.
PARENT_MAIN_ENV = "GIP_FORKSERVER_PARENT_MAIN"


def _context():
    from multiprocessing import spawn

    ctx = mp.get_context("forkserver")  # no fork of a threaded parent (Dagster), cheap starts
    # Workers fork from a server that has imported the readers and built the one-time tables.
    ctx.set_forkserver_preload(["gip_pipeline.extraction.batch_warm"])
    prep = spawn.get_preparation_data("gip-extraction")
    main = json.dumps({k: prep[k] for k in ("init_main_from_name", "init_main_from_path")
                       if k in prep})
    if os.environ.get(PARENT_MAIN_ENV) != main:  # once a process: setenv races other threads
        os.environ[PARENT_MAIN_ENV] = main
    return ctx


def adopt_parent_main() -> None:
    """In the forkserver (batch_warm): name its __main__ as the parent's, unrun (see above).
    Only the server's own `-c` main, which has neither a file nor a spec, is renamed."""
    import importlib.machinery
    import sys

    main = sys.modules["__main__"]
    parent = json.loads(os.environ.get(PARENT_MAIN_ENV) or "{}")
    if getattr(main, "__file__", None) or getattr(main, "__spec__", None):
        return
    if "init_main_from_path" in parent:
        main.__file__ = parent["init_main_from_path"]
    elif "init_main_from_name" in parent:
        main.__spec__ = importlib.machinery.ModuleSpec(parent["init_main_from_name"], None)


def extract_files(jobs: Sequence[Job], *, cache_dir: str | Path, workers: int | None = None,
                  timeout: float = FILE_TIMEOUT_S, max_bytes: int = MAX_FILE_BYTES,
                  memory_limit: int | None = WORKER_MEMORY_BYTES, chunk_size: int = CHUNK_SIZE,
                  version: str = EXTRACTOR_VERSION, hard_grace: float = HARD_GRACE_S,
                  parser: str = PARSER,
                  progress: Callable[[int, int], None] | None = None) -> Batch:
    """ParseResults for `jobs`, in the same order; never raises because of a file's content.

    workers=0 parses in this process (no crash isolation; for debugging); default: all cores.
    progress(done, total) is called as files finish (cached ones count as done at once).
    """
    cache = Path(cache_dir)
    results: list[ParseResult | None] = [None] * len(jobs)
    batch = Batch(results=[])
    todo: list[int] = []
    for i, job in enumerate(jobs):
        if job.size > max_bytes:
            results[i] = _rejected(job.name, job.sha256, TOO_LARGE_REASON.format(
                mb=job.size / 2 ** 20, limit=max_bytes / 2 ** 20))
            continue
        hit = _cache_get(_cache_file(cache, job, version))
        if hit is not None and hit.sha256 == job.sha256:
            hit.file = job.name
            results[i] = hit
            batch.n_cached += 1
        else:
            todo.append(i)
    n_done = len(jobs) - len(todo)
    if progress is not None:
        progress(n_done, len(jobs))

    def finish(i: int, res: ParseResult, cached: bool = False) -> None:
        nonlocal n_done
        job = jobs[i]
        if res.sha256 and res.sha256 != job.sha256:
            res = _rejected(job.name, job.sha256, CHANGED_REASON, TRANSIENT_CHECK)
        res.sha256 = res.sha256 or job.sha256
        res.file = job.name
        results[i] = res
        batch.n_extracted += 1
        checks = {f.check for f in res.findings}
        batch.n_timeouts += TIMEOUT_CHECK in checks
        batch.n_crashes += CRASH_CHECK in checks
        if not cached and _cacheable(res, job.sha256):
            _cache_put(_cache_file(cache, job, version), res.to_dict())
        n_done += 1
        if progress is not None:
            progress(n_done, len(jobs))

    if todo and workers == 0:
        for i in todo:
            job = jobs[i]
            try:
                data = job.read() if job.read else Path(job.local_path).read_bytes()
            except OSError as e:
                finish(i, _unreadable(job.name, e))
                continue
            finish(i, extract_one(job.name, data, timeout, parser, job.local_path))
    elif todo:
        _run_pool(jobs, todo, finish, batch, workers or os.cpu_count() or 1, timeout,
                  memory_limit, chunk_size, hard_grace, parser,
                  lambda job: str(_cache_file(cache, job, version)))
    batch.results = [r for r in results if r is not None]
    assert len(batch.results) == len(jobs)
    batch.rejected = [(r.file, r.reason or "") for r in batch.results if r.status == "rejected"]
    return batch


def _run_pool(jobs, todo, finish, batch, n_workers, timeout, memory_limit, chunk_size,
              hard_grace, parser, cache_path=lambda job: None) -> None:
    ctx = _context()
    # Small batches: split so that both cores get work.
    size = max(1, min(chunk_size, -(-len(todo) // n_workers)))
    pending = deque(todo[k:k + size] for k in range(0, len(todo), size))
    n_workers = min(n_workers, len(pending))
    pool: list[_Worker] = []

    def start() -> _Worker:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker_main, args=(child, memory_limit, timeout, parser),
                           daemon=True)
        proc.start()
        child.close()
        batch.n_workers_started += 1
        return _Worker(proc, parent)

    def send(w: _Worker, chunk: list[int]) -> None:
        payload = []
        for i in chunk:
            j = jobs[i]
            payload.append((i, j.name, j.sha256, cache_path(j), j.local_path,
                            None if j.local_path else j.read()))
        w.chunk, w.current = list(chunk), None
        w.conn.send(payload)

    def handle(w: _Worker, msg) -> None:
        if msg[0] == "start":
            w.current, w.started, w.limit = msg[1], time.monotonic(), msg[2]
        elif msg[0] == "limit":
            w.limit = msg[2]
        elif msg[0] == "done":
            finish(msg[1], ParseResult.from_dict(msg[2]), msg[3])
            w.chunk.remove(msg[1])
            w.current = None

    def retire(w: _Worker, reason: str, check: str) -> None:
        """The worker overran or died: its current file is rejected, the rest go back."""
        if w.proc.is_alive():
            w.proc.kill()
        w.proc.join()
        w.conn.close()
        bad = w.current if w.current is not None else (w.chunk[0] if w.chunk else None)
        if bad is not None:
            finish(bad, _rejected(jobs[bad].name, jobs[bad].sha256, reason, check))
            rest = [i for i in w.chunk if i != bad]
            if rest:
                pending.appendleft(rest)
        pool.remove(w)

    try:
        while pending or any(w.chunk for w in pool):
            while pending and len(pool) < n_workers:
                pool.append(start())
            for w in pool:
                if not w.chunk and pending:
                    send(w, pending.popleft())
            busy = [w for w in pool if w.chunk]
            now = time.monotonic()
            deadlines = [w.started + w.limit + hard_grace - now for w in busy
                         if w.current is not None]
            wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                 timeout=max(0.05, min(deadlines, default=1.0)))
            for w in list(busy):
                try:
                    while w.conn.poll():
                        handle(w, w.conn.recv())
                except (EOFError, OSError):
                    pass
                if not w.chunk:
                    continue
                if not w.proc.is_alive():
                    code = w.proc.exitcode
                    how = (f"signal {signal.Signals(-code).name}" if code and code < 0
                           else f"exit code {code}")
                    if memory_limit and code == -signal.SIGABRT:
                        # Under the address-space limit, C readers (pdfium's allocator) abort
                        # when an allocation fails: a decompression bomb, not a crash.
                        retire(w, MEMORY_ABORT_REASON, CRASH_CHECK)
                    else:
                        retire(w, CRASH_REASON.format(how=how), CRASH_CHECK)
                elif (w.current is not None
                      and time.monotonic() - w.started > w.limit + hard_grace):
                    retire(w, TIMEOUT_REASON.format(s=w.limit), TIMEOUT_CHECK)
    finally:
        for w in pool:
            try:
                w.conn.send(None)
            except OSError:
                pass
        for w in pool:
            w.proc.join(timeout=2)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join()
