"""`gip run` (what `make run` calls): one pipeline run, quiet, with progress and a summary.

The run itself is Dagster's (`dagster asset materialize` on every asset, in the data folder's
own Dagster instance, so the UI shows it); its full event log goes to a file under
<data>/logs/, and the terminal gets what a user needs: the files found, each stage as it
starts, extraction progress (a bar on a terminal, a line per quarter otherwise), then what the
run made (reports by status, rejected files with their reasons, checks that warn, where the
warehouse, Parquet, codebook and report are, and a query to try). A failure is one sentence
and the path of the log holding the traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from gip_pipeline.exports import CODEBOOK_FILE, HTML_FILE
from gip_pipeline.exports.workbook import WORKBOOK_FILE
from gip_pipeline.metadata import schema
from gip_pipeline.warehouse.paths import (data_dir, executable, exports_dir, raw_dir, sites_file,
                                          warehouse_path)

# A shard step logs `progress: shard K: DONE/TOTAL` (assets/core.py) as its files finish.
PROGRESS_RE = re.compile(r"progress: shard (\d+): (\d+)/(\d+)")
STEP_RE = re.compile(r" - ([\w.]+) - (STEP_START|STEP_FAILURE) - ")
CHECK_RE = re.compile(r"Asset check '([^']+)' on '([^']+)' did not pass")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
ERROR_RE = re.compile(r"^\s*(\w+(?:\.\w+)*(?:Error|Exception|Interrupt)): (.+)$")

COLLECT_STEP = "raw_collected_files"
# What each step does, in a user's words (the step keys of gip_pipeline.definitions).
STAGES = (
    (COLLECT_STEP, "collecting reports from the sites of sites.txt"),
    ("raw_report_files", "listing the input files"),
    ("core_parsed_reports.extract_shard", "extracting the tables"),
    ("core_parsed_reports.merge", "extracting the tables"),
    ("core_tables", "building the tidy tables"),
    ("warehouse_load", "loading the warehouse"),
    ("gip_dbt_models", "building the marts (dbt)"),
    ("warehouse_snapshot", "publishing the warehouse"),
    ("exports", "writing the download (Parquet, codebook, report)"),
)


def stage_of(step: str) -> str:
    return next((label for prefix, label in STAGES if step.startswith(prefix)), step)


@dataclass
class RunWatch:
    """What the event log has said so far."""

    stages: list[str] = field(default_factory=list)
    progress: dict[int, tuple[int, int]] = field(default_factory=dict)
    failed_step: str | None = None
    error: str | None = None
    failed_checks: list[tuple[str, str]] = field(default_factory=list)
    succeeded: bool = False
    _in_failure: bool = False
    quiet_steps: frozenset[str] = frozenset()  # steps not shown as stages (nothing to say)

    def feed(self, line: str) -> str | None:
        """Take one log line; returns 'stage' or 'progress' when the display should change."""
        if self._in_failure and not TIMESTAMP_RE.match(line):
            m = ERROR_RE.match(line)
            # the cause, not Dagster's wrapper of it
            if m and not m.group(1).startswith("dagster."):
                self.error = f"{m.group(1).rsplit('.', 1)[-1]}: {m.group(2).strip()}"
            return None
        self._in_failure = False
        if " - RUN_SUCCESS - " in line:
            self.succeeded = True
            return None
        m = STEP_RE.search(line)
        if m:
            step, kind = m.groups()
            if kind == "STEP_FAILURE":
                self.failed_step = self.failed_step or step
                self._in_failure = True
                return None
            if step in self.quiet_steps:
                return None
            label = stage_of(step)
            if not self.stages or self.stages[-1] != label:
                if label not in self.stages:
                    self.stages.append(label)
                    return "stage"
            return None
        m = PROGRESS_RE.search(line)
        if m:
            k, done, total = map(int, m.groups())
            self.progress[k] = (done, total)
            return "progress"
        m = CHECK_RE.search(line)
        if m:
            self.failed_checks.append((m.group(1), m.group(2)))
        return None

    def extracted(self) -> tuple[int, int]:
        return (sum(d for d, _ in self.progress.values()),
                sum(t for _, t in self.progress.values()))


def bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // total if total else width
    return "[" + "#" * filled + "-" * (width - filled) + f"] {done}/{total} files"


class Display:
    """Stage lines; extraction progress as one rewritten line on a terminal, else quarters."""

    def __init__(self, out: IO[str], total_files: int):
        self.out, self.total = out, total_files
        self.tty = out.isatty()
        self.shown_quarter = -1
        self.open_line = False

    def stage(self, n: int, label: str) -> None:
        self.close()
        self.out.write(f"  [{n}] {label}\n")
        self.out.flush()

    def progress(self, done: int, total: int) -> None:
        total = max(total, self.total)
        if self.tty:
            self.out.write("\r      " + bar(done, total))
            self.open_line = True
        else:
            quarter = 4 * done // total if total else 4
            if quarter > self.shown_quarter:
                self.shown_quarter = quarter
                self.out.write(f"      {done}/{total} files\n")
        self.out.flush()

    def close(self) -> None:
        if self.open_line:
            self.out.write("\n")
            self.open_line = False


def instance_home(data: Path) -> Path:
    """The Dagster instance of this data folder: $DAGSTER_HOME if set, else <data>/.dagster, so
    the demo, the sample and any GIP_DATA_DIR never mix their runs and check histories."""
    env = os.environ.get("DAGSTER_HOME")
    return Path(env).resolve() if env else data / ".dagster"


def summary(data: Path, watch: RunWatch, log: Path) -> str:
    import duckdb

    db = warehouse_path(data)
    con = duckdb.connect(str(db), read_only=True)
    try:
        statuses = dict(con.sql("select status, count(*) from core.reports group by 1").fetchall())
        rejected = con.sql("select path, reason from core.rejected_files order by path").fetchall()
        breaks = con.sql("select count(*) from marts.report_comparison "
                         "where n_identity_breaks > 0 and is_counted").fetchall()[0][0]
    finally:
        con.close()
    n = sum(statuses.values())
    lines = ["", f"Read {n} report file{'s' if n != 1 else ''}: "
             + ", ".join(f"{statuses.get(s, 0)} {s}" for s in schema.STATUSES)
             + "."]
    if breaks:
        lines.append(f"  {breaks} counted report(s) break a table identity (a publisher's "
                     "arithmetic; status warning, see core.findings).")
    if rejected:
        lines.append(f"Rejected files ({len(rejected)}):")
        lines += [f"  {p}: {why}" for p, why in rejected[:20]]
        if len(rejected) > 20:
            lines.append(f"  ... and {len(rejected) - 20} more (core.rejected_files)")
    checks = sorted({c for c, _ in watch.failed_checks})
    if checks:
        lines.append("Checks that warn: " + ", ".join(checks) + " (the UI lists the reports).")
    ex = exports_dir(data)
    lines += ["", "Where it is:",
              f"  warehouse   {db} (read-only snapshot: core, staging, intermediate, marts)",
              f"  download    {ex}/ (Parquet{', CSV' if any(ex.glob('*.csv')) else ''}, "
              "datapackage.json)",
              f"  workbook    {ex / WORKBOOK_FILE} (the marts, a sheet each)",
              f"  codebook    {ex / CODEBOOK_FILE}",
              f"  report      {ex / HTML_FILE}",
              f"  run log     {log}",
              "", "Try:  .venv/bin/gip sql \"select organ, year, grant_rate from "
              "marts.report_comparison where is_counted order by year\""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gip run", description="Run the whole pipeline on the "
                                 "input folder (<data>/raw): extract, tidy, load, build the "
                                 "marts, write the download; print progress and a summary.")
    ap.add_argument("--data-dir", default=None, help="the data folder (default: $GIP_DATA_DIR, "
                    "else the repository's data/)")
    ap.add_argument("--include-synthetic", action="store_true",
                    help="keep synthetic (generated) reports in the download")
    args = ap.parse_args(argv)
    out = sys.stdout
    data = data_dir(args.data_dir)
    raw = raw_dir(data)
    collecting = sites_file(data).is_file()  # the run collects into raw first
    if collecting:
        raw.mkdir(parents=True, exist_ok=True)
        out.write(f"Collecting the sites of {sites_file(data)} into {raw} first\n")
    if not raw.is_dir():
        sys.stderr.write(f"gip run: the input folder {raw} does not exist: create it and put "
                         "report files in it (or set GIP_DATA_DIR to another data folder).\n")
        return 2
    from gip_pipeline.raw import InputFolder, guess_format

    # the listing only (names and sizes): the run itself hashes and reads every file once
    entries = InputFolder(raw).entries()
    if not entries and not collecting:
        sys.stderr.write(f"gip run: the input folder {raw} is empty: put report files in it.\n")
        return 2
    formats: dict[str, int] = {}
    for rel, _, _ in entries:
        kind = guess_format(rel) or "other"
        formats[kind] = formats.get(kind, 0) + 1
    out.write(f"Found {len(entries)} file{'s' if len(entries) != 1 else ''} in {raw} ("
              + ", ".join(f"{n} {k}" for k, n in sorted(formats.items())) + ")\n")

    home = instance_home(data)
    from gip_pipeline.assets.instance import prepare

    prepare(home)
    logs = data / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"run-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.log"
    cmd = [executable("dagster"), "asset", "materialize", "--select", "*",
           "-m", "gip_pipeline.definitions"]
    if args.include_synthetic:
        cmd += ["--config-json", '{"ops": {"exports": {"config": {"include_synthetic": true}}}}']
    env = {**os.environ, "GIP_DATA_DIR": str(data), "DAGSTER_HOME": str(home),
           "PYTHONUNBUFFERED": "1"}
    # Without a sites file the collect step does nothing: it is not a stage to the user.
    quiet = frozenset() if collecting else frozenset({COLLECT_STEP})
    watch, display = RunWatch(quiet_steps=quiet), Display(out, sum(why is None for _, _, why in entries))
    with log.open("w", encoding="utf-8") as lf:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, encoding="utf-8", errors="replace",
                                cwd=Path(__file__).resolve().parents[1])
        assert proc.stdout is not None
        for line in proc.stdout:
            lf.write(line)
            change = watch.feed(line.rstrip("\n"))
            if change == "stage":
                display.stage(len(watch.stages), watch.stages[-1])
            elif change == "progress":
                display.progress(*watch.extracted())
        rc = proc.wait()
    display.close()
    if rc != 0 or not watch.succeeded:
        where = f" while {stage_of(watch.failed_step)}" if watch.failed_step else ""
        why = watch.error or "see the log"
        sys.stderr.write(f"gip run: the run failed{where}: {why}. The full log, with the "
                         f"traceback: {log}\n")
        return 1
    out.write(summary(data, watch, log) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
