"""Running the pipeline as `make run` does, for benchmarks: a `dagster asset materialize`
subprocess over a data folder, its peak memory (the whole process tree) and per-step seconds
from the run's event log. Used by bench.pipeline and bench.throughput (neither imports the
other)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

from gip_pipeline.warehouse.paths import REPO, executable

# ---------------------------------------------------------------------------------------------
# Measuring a process tree

class TreeMemory:
    """Peak memory of a process and all its descendants, sampled every `every` seconds: the
    summed RSS, and the summed PSS (proportional set size, Linux), which counts a page shared
    by n processes as 1/n in each. The extraction workers fork from one server that has loaded
    the readers, and every process maps the same libraries, so summed RSS counts those pages
    once per process; PSS is the tree's own memory. `peak_by_process` names the processes at
    the PSS peak (command, RSS and PSS in MB)."""

    def __init__(self, pid: int, every: float = 0.2):
        import psutil

        self.proc, self.every, self.peak, self.peak_pss = psutil.Process(pid), every, 0, 0
        self.peak_by_process: list[tuple[str, float, float]] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> tuple[int, int, list[tuple[str, float, float]]]:
        import psutil

        rss = pss = 0
        each = []
        try:
            procs = [self.proc, *self.proc.children(recursive=True)]
        except psutil.Error:
            return 0, 0, []
        for p in procs:
            try:
                info = p.memory_full_info()
                label = " ".join(a.rsplit("/", 1)[-1] for a in p.cmdline()[:4])[:90]
            except psutil.Error:
                continue
            p_pss = getattr(info, "pss", info.rss)
            rss += info.rss
            pss += p_pss
            each.append((label, round(info.rss / 2 ** 20, 1), round(p_pss / 2 ** 20, 1)))
        return rss, pss, each

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, pss, each = self._sample()
            self.peak = max(self.peak, rss)
            if pss > self.peak_pss:
                self.peak_pss, self.peak_by_process = pss, sorted(each, key=lambda x: -x[2])
            self._stop.wait(self.every)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2 ** 20, 1)

    @property
    def peak_pss_mb(self) -> float:
        return round(self.peak_pss / 2 ** 20, 1)


# Set by use_code_snapshot(): the runs import a frozen copy of the code, so edits made to the
# working tree while a benchmark runs (a shared checkout) cannot change the code mid-run.
CODE_ENV: dict = {}
CODE_DIR: Path | None = None


def use_code_snapshot() -> Path:
    global CODE_DIR
    from gip_pipeline.bench.scale_out import snapshot_code
    from gip_pipeline.warehouse.paths import prepare_manifest

    dest = REPO / "data" / "bench" / "code"
    shutil.rmtree(dest, ignore_errors=True)
    CODE_ENV.update(snapshot_code(dest))
    prepare_manifest(dest / "dbt_project")
    CODE_DIR = dest
    return dest


def dagster_run(data_dir: Path, dagster_home: Path, log: Path, env_extra: dict | None = None) -> dict:
    """One `dagster asset materialize --select '*'` over data_dir: seconds, peak tree memory,
    and each step's seconds from the run's event log."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GIP_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(dagster_home),
           **CODE_ENV, **(env_extra or {})}
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(log, "w") as f:
        p = subprocess.Popen([executable("dagster"), "asset", "materialize", "--select", "*",
                              "-m", "gip_pipeline.definitions"], env=env, stdout=f,
                             stderr=subprocess.STDOUT, cwd=CODE_DIR or REPO)
        with TreeMemory(p.pid) as mem:
            rc = p.wait()
    secs = time.perf_counter() - t0
    out = {"seconds": round(secs, 2), "peak_tree_rss_mb": mem.peak_mb,
           "peak_tree_pss_mb": mem.peak_pss_mb, "peak_by_process": mem.peak_by_process,
           "exit_code": rc, "log": str(log)}
    out.update(step_times(dagster_home))
    return out


def step_times(dagster_home: Path) -> dict:
    """The latest run's status and per-step seconds (start to success/failure)."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as inst:
        runs = inst.get_runs(limit=1)
        if not runs:
            return {"status": None, "steps": {}}
        run = runs[0]
        start, end = {}, {}
        for rec in inst.all_logs(run.run_id):
            ev = rec.dagster_event
            if ev is None or not rec.step_key:
                continue
            if ev.event_type == DagsterEventType.STEP_START:
                start[rec.step_key] = rec.timestamp
            elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                end[rec.step_key] = rec.timestamp
        steps = {k: round(end[k] - start[k], 2) for k in sorted(start) if k in end}
        return {"status": run.status.value, "run_id": run.run_id, "steps": steps}


def stage_totals(steps: dict[str, float]) -> dict[str, float]:
    """Step seconds grouped into the pipeline's stages (extraction shards summed: work, not wall)."""
    def stage(key: str) -> str:
        if key.startswith("raw_"):
            return "discovery"
        if key.startswith("core_parsed_reports"):
            return "extraction"
        if key.startswith("core_tables"):
            return "tidy"
        if key.startswith("warehouse") or key.startswith("publish"):
            return "load"
        if "dbt" in key:
            return "dbt"
        if key == "exports" or key.startswith("out_"):
            return "exports"
        return "other"
    out: dict[str, float] = {}
    for k, v in steps.items():
        out[stage(k)] = round(out.get(stage(k), 0.0) + v, 2)
    return out
