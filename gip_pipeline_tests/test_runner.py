"""`gip run`: a quiet run that shows stages and progress and ends with what it made; a failure
is one sentence and the log's path."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gip_pipeline.runner import RunWatch, bar, main, stage_of

LOG = [
    "2026-12-04 03:07:34 +0000 - dagster - DEBUG - __ASSET_JOB - 57c10604-8657-4536-8219-3eb88d45780d - 30016 - raw_report_files - STEP_START - Started execution of step \"raw_report_files\".",
    "2026-12-04 03:07:34 +0000 - dagster - DEBUG - __ASSET_JOB - 57c10604-8657-4536-8219-3eb88d45780d - 30016 - core_parsed_reports.extract_shard_0 - STEP_START - Started execution of step \"core_parsed_reports.extract_shard_0\".",
    "2026-12-04 03:07:35 +0000 - dagster - INFO - __ASSET_JOB - 57c10604-8657-4536-8219-3eb88d45780d - core_parsed_reports.extract_shard_0 - progress: shard 0: 2/3",
    "2026-12-04 03:07:36 +0000 - dagster - DEBUG - __ASSET_JOB - 57c10604-8657-4536-8219-3eb88d45780d - 30016 - core_parsed_reports.extract_shard_1 - STEP_START - Started execution of step \"core_parsed_reports.extract_shard_1\".",
    "2026-12-04 03:07:36 +0000 - dagster - INFO - __ASSET_JOB - 57c10604-8657-4536-8219-3eb88d45780d - core_parsed_reports.extract_shard_1 - progress: shard 1: 4/4",
    "2026-12-04 03:07:46 +0000 - dagster - DEBUG - __ASSET_JOB - 57c10604-8657-4536-8219-3eb88d45780d - 30016 - core_tables - ASSET_CHECK_EVALUATION - Asset check 'requests__outcomes' on 'core_cells' did not pass.",
    "2026-12-04 03:12:14 +0000 - dagster - ERROR - __ASSET_JOB - c40c5729-d12f-4fc9-a9c1-0067595ac40f - 31832 - warehouse_load - STEP_FAILURE - Execution of step \"warehouse_load\" failed.",
    "",
    "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op \"warehouse_load\"::",
    "",
    "NotADirectoryError: [Errno 20] Not a directory: '/d/warehouse/work'",
    "",
    "Stack Trace:",
    "  File \"x.py\", line 1, in f",
]


def test_the_event_log_becomes_stages_progress_checks_and_one_sentence():
    w = RunWatch()
    changes = [w.feed(line) for line in LOG]
    assert w.stages == ["listing the input files", "extracting the tables"]
    assert changes[:3] == ["stage", "stage", "progress"]
    assert changes[3] is None  # the second shard is the same stage
    assert w.extracted() == (6, 7)
    assert w.failed_checks == [("requests__outcomes", "core_cells")]
    assert w.failed_step == "warehouse_load" and stage_of(w.failed_step) == "loading the warehouse"
    assert w.error == "NotADirectoryError: [Errno 20] Not a directory: '/d/warehouse/work'"
    assert not w.succeeded
    assert bar(3, 12, width=4) == "[#---] 3/12 files"


def test_the_collect_step_is_a_stage_only_when_there_are_sites():
    start = LOG[0].replace("raw_report_files", "raw_collected_files")
    shown, quiet = RunWatch(), RunWatch(quiet_steps=frozenset({"raw_collected_files"}))
    assert shown.feed(start) == "stage" and shown.stages == [
        "collecting reports from the sites of sites.txt"]
    assert quiet.feed(start) is None and quiet.stages == []
    assert quiet.feed(LOG[0]) == "stage" and quiet.stages == ["listing the input files"]


def test_a_missing_or_empty_input_folder_is_one_sentence(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere/raw does not exist" in err
    (tmp_path / "d" / "raw").mkdir(parents=True)
    assert main(["--data-dir", str(tmp_path / "d")]) == 2
    assert "is empty" in capsys.readouterr().err


def _gip_run(data: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "GIP_DATA_DIR")}
    return subprocess.run([str(Path(sys.executable).parent / "gip"), "run", "--data-dir",
                           str(data)], env={**env, "GIP_EXTRACT_WORKERS": "1"},
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_gip_run_is_quiet_and_ends_with_what_it_made(tmp_path, seed_path):
    data = tmp_path / "d"
    (data / "raw").mkdir(parents=True)
    (data / "raw" / "seed.txt").write_bytes(seed_path.read_bytes())
    (data / "raw" / "notes.xyz").write_text("not a report")
    proc = _gip_run(data)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert len(out.splitlines()) < 40 and "DEBUG" not in out
    assert "Found 2 files" in out and "[5] building the marts (dbt)" in out
    assert "Read 2 report files: 1 ok, 0 warning, 1 rejected." in out
    assert "Rejected files (1):\n  notes.xyz: not a report file" in out
    assert f"warehouse   {data / 'warehouse' / 'gip.duckdb'}" in out
    log = next((data / "logs").glob("run-*.log"))
    assert "RUN_SUCCESS" in log.read_text(encoding="utf-8")
    assert (data / ".dagster" / "dagster.yaml").is_file()  # this folder's own instance
    query = out.split("Try:  ", 1)[1].strip()
    shown = subprocess.run(query.replace(".venv/bin/gip", str(Path(sys.executable).parent / "gip"))
                           .replace("gip sql", f"gip sql --data-dir {data}", 1), shell=True,
                           capture_output=True, text=True)
    assert "西藏自治区人民政府办公厅" in shown.stdout, shown.stderr


@pytest.mark.slow
def test_a_failed_run_says_where_and_why_in_one_sentence(tmp_path, seed_path):
    data = tmp_path / "d"
    (data / "raw").mkdir(parents=True)
    (data / "raw" / "seed.txt").write_bytes(seed_path.read_bytes())
    (data / "warehouse").write_text("a file where the warehouse folder should be")
    proc = _gip_run(data)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "the run failed while loading the warehouse: NotADirectoryError" in proc.stderr
    assert "Traceback" not in proc.stderr and str(data / "logs") in proc.stderr
