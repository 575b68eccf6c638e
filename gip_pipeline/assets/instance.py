"""The Dagster instance `make` runs in (.dagster_home), and runs whose process is gone.

Writers to the DuckDB warehouse are serialised by `writer_lock` (an flock the kernel drops
when its holder dies), not by a Dagster concurrency pool: a pool's slot is freed only by
the run that claimed it, so a run killed with SIGKILL (or by the OOM killer, or a reboot)
would block every later run's writer step forever.

The instance still queues the runs it launches (UI, sensor) one at a time. A run whose
process was killed stays STARTED in the run storage and would hold that queue: run
monitoring (the daemon) fails the runs it launched, and `reap_dead_runs` fails the others
(a killed `dagster asset materialize`), judged by the process that logged the run's events.

`python -m gip_pipeline.assets.instance HOME` writes HOME/dagster.yaml (unless the user wrote
their own) and reaps; `make run` and `make ui` call it first.
"""

from __future__ import annotations

import sys
from pathlib import Path

MANAGED = "# Written by gip_pipeline.assets.instance; rewritten by make. Remove this line to keep your own."
INSTANCE_YAML = f"""{MANAGED}
concurrency:
  runs:
    max_concurrent_runs: 1
run_monitoring:
  enabled: true
  poll_interval_seconds: 30
  free_slots_after_run_end_seconds: 30
"""
_LIVE = ("STARTING", "STARTED", "CANCELING")


def write_config(home: Path) -> bool:
    """HOME/dagster.yaml as this module writes it; True if written. A file the user wrote
    (without the MANAGED line) is left alone, unless it is the one `make` wrote before
    (a `duckdb` pool limit), which wedged after a killed run."""
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if cfg.exists():
        old = cfg.read_text(encoding="utf-8", errors="replace")
        legacy = old == "concurrency:\n  runs:\n    max_concurrent_runs: 1\n  pools:\n    default_limit: 1\n"
        if old == INSTANCE_YAML or not (old.startswith(MANAGED) or legacy):
            return False
    cfg.write_text(INSTANCE_YAML, encoding="utf-8")
    return True


def _process_alive(pid: int, since: float) -> bool:
    """A process with this pid that started before `since` (a later one reuses the pid)."""
    import psutil

    try:
        return psutil.Process(pid).create_time() <= since + 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def _run_pids(instance, run_id: str) -> list[tuple[int, float]]:
    """(pid, timestamp) of the processes that started the run and its steps (those events
    only: the sensor asks every 30 s, and a long run logs many thousands)."""
    from dagster import DagsterEventType

    out = {}
    for e in instance.all_logs(run_id, of_type={DagsterEventType.RUN_START, DagsterEventType.STEP_START}):
        pid = getattr(e.dagster_event, "pid", None) if e.dagster_event else None
        if pid and pid not in out:
            out[pid] = e.timestamp
    return list(out.items())


def reap_dead_runs(instance) -> list[str]:
    """Fail the runs still marked in progress whose every process is gone; their pool slots
    (if any) are freed. Returns their run ids."""
    from dagster import DagsterRunStatus, RunsFilter

    statuses = [getattr(DagsterRunStatus, s) for s in _LIVE]
    reaped = []
    for run in instance.get_runs(filters=RunsFilter(statuses=statuses)):
        pids = _run_pids(instance, run.run_id)
        if not pids:
            continue  # nothing logged yet: queued or just launching, not ours to judge
        if any(_process_alive(pid, ts) for pid, ts in pids):
            continue
        instance.report_run_failed(run, "the run's process is gone (killed, or the machine "
                                   "restarted): marked failed by gip_pipeline so later runs proceed")
        storage = instance.event_log_storage
        if getattr(storage, "supports_global_concurrency_limits", False):
            storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped


def prepare(home: Path) -> list[str]:
    from dagster import DagsterInstance

    write_config(home)
    with DagsterInstance.from_config(str(home)) as instance:
        return reap_dead_runs(instance)


if __name__ == "__main__":
    for run_id in prepare(Path(sys.argv[1])):
        sys.stderr.write(f"run {run_id}: its process is gone; marked failed\n")
