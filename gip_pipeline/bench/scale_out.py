"""The scale-out demo: the pipeline once in one process and once through a dask scheduler and
>= 2 worker processes on 127.0.0.1 (the executor of assets/executors.py), then a check that
the two warehouses hold identical tables; it stops everything it started.

    python -m gip_pipeline.bench.scale_out demo    (make scale-out-demo)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gip_pipeline.assets.executors import DASK_ADDRESS_ENV
from gip_pipeline.warehouse.paths import executable, prepare_manifest

# ---------------------------------------------------------------------------------------------
# Warehouse equality: the check that a distributed run produced what a single process does.

def warehouse_tables(db_path: str | Path) -> dict[str, "object"]:
    """Every base table and view outside the system schemas, each as a polars frame sorted
    on all its columns (row order is not part of a table's content)."""
    import duckdb
    import polars as pl

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() "
            "AND table_schema NOT IN ('information_schema', 'pg_catalog') "
            "ORDER BY 1, 2").fetchall()
        out = {}
        for schema_name, table in names:
            frame = pl.from_arrow(con.sql(f'SELECT * FROM "{schema_name}"."{table}"').to_arrow_table())
            out[f"{schema_name}.{table}"] = frame.sort(frame.columns, nulls_last=True) if frame.width else frame
        return out
    finally:
        con.close()


def compare_warehouses(a: str | Path, b: str | Path) -> list[str]:
    """Differences between two warehouses (empty: every table has the same columns, types
    and rows). Each difference is one sentence."""
    ta, tb = warehouse_tables(a), warehouse_tables(b)
    diffs = []
    for name in sorted(set(ta) | set(tb)):
        if name not in ta or name not in tb:
            diffs.append(f"{name}: only in {'the first' if name in ta else 'the second'} warehouse")
            continue
        fa, fb = ta[name], tb[name]
        if fa.schema != fb.schema:
            diffs.append(f"{name}: columns differ ({dict(fa.schema)} vs {dict(fb.schema)})")
        elif fa.height != fb.height:
            diffs.append(f"{name}: {fa.height} rows vs {fb.height}")
        elif not fa.equals(fb):
            diffs.append(f"{name}: same shape ({fa.height} rows) but different values")
    return diffs


# ---------------------------------------------------------------------------------------------
# The demo.

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log(msg: str) -> None:
    sys.stderr.write(f"[scale-out] {msg}\n")
    sys.stderr.flush()


def make_corpus(out: Path, n: int, seed: int) -> int:
    """`gip synth` into out/ (report files only; the truth files go to out/../truth)."""
    from gip_pipeline.synth.generate import FORMS, generate

    tmp = out.parent / "synth"
    generate(str(tmp), n, seed, list(FORMS), ["2019", "2021"], (2019, 2025))
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for p in sorted(tmp.iterdir()):
        if p.name.endswith(".json"):
            continue
        p.rename(out / p.name)
        count += 1
    return count


class Cluster:
    """A dask scheduler and worker processes on 127.0.0.1; stop() ends exactly those."""

    def __init__(self, n_workers: int, env: dict, log_dir: Path, cwd: Path | None = None):
        self.cwd = cwd
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        self.env, self.log_dir, self.n_workers = env, log_dir, n_workers

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")
        # Own session: stop() signals the process group of each process this object started.
        p = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True, cwd=self.cwd)
        self.procs.append(p)
        return p

    def start(self, timeout: float = 90) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        dask = executable("dask")
        self._start("scheduler", [dask, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                  "--no-dashboard"])
        for i in range(self.n_workers):
            self._start(f"worker{i + 1}", [dask, "worker", self.address, "--name", f"gip-w{i + 1}",
                                           "--host", "127.0.0.1", "--nworkers", "1",
                                           "--nthreads", "1", "--no-dashboard"])
        from distributed import Client

        deadline = time.monotonic() + timeout
        while True:  # the scheduler needs a moment before it accepts connections
            try:
                with Client(self.address, timeout=5) as c:
                    c.wait_for_workers(self.n_workers, timeout=max(1.0, deadline - time.monotonic()))
                    names = {a: w.get("name", a) for a, w in
                             c.scheduler_info(n_workers=-1)["workers"].items()}
                    self.worker_pids = {str(names.get(a, a)): pid
                                        for a, pid in c.run(os.getpid).items()}
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> None:
        for p in reversed(self.procs):  # workers first, scheduler last
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


DEFS_MODULE = "gip_pipeline.definitions"


def materialize(data_dir: Path, dagster_home: Path, env_extra: dict, log: Path,
                module: str = DEFS_MODULE, cwd: Path | None = None) -> float:
    """`dagster asset materialize --select '*'` over data_dir; seconds taken."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GIP_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(dagster_home),
           **env_extra}
    t0 = time.perf_counter()
    with open(log, "w") as f:
        rc = subprocess.run([executable("dagster"), "asset", "materialize", "--select", "*",
                             "-m", module], env=env, stdout=f,
                            stderr=subprocess.STDOUT, cwd=cwd).returncode
    secs = time.perf_counter() - t0
    if rc != 0:
        raise RuntimeError(f"dagster run failed (exit {rc}); see {log}")
    return secs


def step_processes(dagster_home: Path) -> dict[str, int]:
    """step key -> pid of the process that ran it, from the Dagster instance's event log."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as inst:
        runs = inst.get_runs(limit=1)
        if not runs:
            return {}
        recs = inst.all_logs(runs[0].run_id, of_type=DagsterEventType.STEP_START)
        return {r.step_key: r.dagster_event.pid for r in recs if r.dagster_event}


def snapshot_code(dest: Path) -> dict:
    """Copy the package and the dbt project to dest; the env that makes Python (the runs and
    the workers) import that copy. Both runs then use the same code even while the working
    tree is being edited (the extractor version hashes the extraction sources)."""
    from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR, REPO

    ignore = shutil.ignore_patterns("__pycache__", "target", "logs", "dbt_packages", ".user.yml")
    shutil.copytree(REPO / "gip_pipeline", dest / "gip_pipeline", ignore=ignore)
    shutil.copytree(DBT_PROJECT_DIR, dest / "dbt_project", ignore=ignore)
    return {"PYTHONPATH": str(dest) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def demo(work: Path, n: int, seed: int, workers: int, module: str = DEFS_MODULE) -> dict:
    work = work.resolve()
    if work.exists():
        shutil.rmtree(work)
    code_env = snapshot_code(work / "code")
    os.environ.update(code_env)  # every subprocess below (runs, scheduler, workers) inherits it
    corpus = work / "corpus"
    n_files = make_corpus(corpus, n, seed)
    _log(f"generated {n_files} report files in {corpus}")
    single, dist = work / "single", work / "dask"
    for d in (single, dist):
        shutil.copytree(corpus, d / "raw")

    prepare_manifest(work / "code" / "dbt_project")
    _log("single-process run (in_process_executor) ...")
    t_single = materialize(single, work / "home_single", {"GIP_EXECUTOR": "in_process"},
                           work / "single.log", module, cwd=work / "code")

    # Workers run the steps: they need the same code, data dir and shard count as the run.
    wenv = {**os.environ, "GIP_DATA_DIR": str(dist), "DAGSTER_HOME": str(work / "home_dask"),
            "GIP_EXTRACT_WORKERS": "1",  # one process per worker: dask parallelises
            "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}  # so a step may still start a pool
    cluster = Cluster(workers, wenv, work / "cluster_logs", cwd=work / "code")
    try:
        cluster.start()
        _log(f"dask scheduler at {cluster.address}, {workers} workers: {cluster.worker_pids}")
        t_dask = materialize(dist, work / "home_dask",
                             {"GIP_EXECUTOR": "dask", DASK_ADDRESS_ENV: cluster.address,
                              "GIP_EXTRACT_WORKERS": "1"}, work / "dask.log", module,
                             cwd=work / "code")
        worker_pids = set(cluster.worker_pids.values())
    finally:
        cluster.stop()
        _log("scheduler and workers stopped")

    steps = step_processes(work / "home_dask")
    by_worker: dict[str, list[str]] = {}
    for step, pid in sorted(steps.items()):
        name = next((w for w, p in cluster.worker_pids.items() if p == pid), f"pid {pid} (not a worker)")
        by_worker.setdefault(name, []).append(step)
    diffs = compare_warehouses(single / "warehouse" / "gip.duckdb", dist / "warehouse" / "gip.duckdb")
    tables = warehouse_tables(single / "warehouse" / "gip.duckdb")
    result = {
        "files": n_files, "workers": workers, "scheduler": cluster.address,
        "code": str(work / "code"), "dagster_home_dask": str(work / "home_dask"),
        "seconds_single": round(t_single, 1), "seconds_dask": round(t_dask, 1),
        "steps_by_worker": by_worker,
        "workers_used": sum(1 for p in set(steps.values()) if p in worker_pids),
        "tables_compared": {k: v.height for k, v in tables.items()},
        "differences": diffs, "equal": not diffs,
        "leftover_processes": [p.pid for p in cluster.procs if p.poll() is None],
    }
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gip_pipeline.bench.scale_out")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="single-process vs dask-cluster run over a generated corpus")
    d.add_argument("--work", default="data/bench/scale_out", help="scratch folder (wiped)")
    d.add_argument("--n", type=int, default=120, help="generated reports")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--workers", type=int, default=2)
    d.add_argument("--json-out", default="data/bench/scale_out.json")
    d.add_argument("--module", default=DEFS_MODULE, help="the Dagster definitions module")
    c = sub.add_parser("compare", help="compare two warehouse files")
    c.add_argument("a")
    c.add_argument("b")
    a = p.parse_args(argv)
    if a.cmd == "compare":
        diffs = compare_warehouses(a.a, a.b)
        sys.stdout.write("\n".join(diffs) + "\n" if diffs else "equal\n")
        return 1 if diffs else 0
    if a.workers < 2:
        p.error("--workers must be >= 2")
    result = demo(Path(a.work), a.n, a.seed, a.workers, a.module)
    out = Path(a.json_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    ok = result["equal"] and result["workers_used"] >= 2 and not result["leftover_processes"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
