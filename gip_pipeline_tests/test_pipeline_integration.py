"""Materialise every asset (dbt included) on the seed (../shared/seed, else the project's own
copy in data/raw: it always runs), a broken copy of it and a few rejected files, in a temp
data dir; then the same input again in another data dir (re-run, removal, concurrency)."""

import hashlib
import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster import materialize

from gip_pipeline.metadata import schema
from gip_pipeline.assets import ALL_ASSETS, GipPaths, default_resources
from gip_pipeline.definitions import defs
from gip_pipeline.raw import HIDDEN_FILE
from gip_pipeline_tests.pipeline_fixtures import break_balance

# Whole pipeline runs (Dagster, dbt, subprocesses): `make test`, not `make test-fast`.
pytestmark = pytest.mark.slow

# Rejected inputs beside the two reports: name -> a word its reason must hold.
REJECTS = {"empty report.pdf": "empty", "junk.pdf": "pdf", "notes.xyz": "extension",
           ".~lock.报告.docx#": "hidden"}


def _write_input(raw: Path, seed_path: Path) -> None:
    raw.mkdir(parents=True)
    shutil.copyfile(seed_path, raw / seed_path.name)
    text = seed_path.read_text(encoding="utf-8")
    (raw / "broken_balance.txt").write_text(break_balance(text), encoding="utf-8")
    (raw / "empty report.pdf").write_bytes(b"")
    (raw / "junk.pdf").write_bytes(random.Random(3).randbytes(3000))
    (raw / "notes.xyz").write_bytes(b"a file of no report format")
    (raw / ".~lock.报告.docx#").write_bytes(b"an office lock file")
    # A researcher's corrections beside the input: one cell of the broken copy read right, and
    # a line for a file that is not there.
    broken = hashlib.sha256((raw / "broken_balance.txt").read_bytes()).hexdigest()
    (raw.parent / "corrections.csv").write_text(
        "report,table,row,col,value,reason,who,when\n"
        f"{broken},requests,new_received,natural_person,13,misprinted,tester,2026-12-04\n"
        f"{'0' * 64},requests,new_received,total,1,gone,tester,2026-12-04\n", encoding="utf-8")


def _materialize(data: Path, exports_url: str | None = None):
    # The dbt step names its warehouse in its own profiles dir; nothing reads or sets the
    # environment variable a hand-run dbt uses.
    mp = pytest.MonkeyPatch()
    mp.delenv("GIP_DUCKDB_PATH", raising=False)
    try:
        paths = GipPaths(data_dir=str(data), exports_url=exports_url)
        before = dict(os.environ)
        result = materialize(ALL_ASSETS, resources=default_resources(paths), raise_on_error=False)
        assert dict(os.environ) == before, "a step changed the environment"
        return result
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, seed_path):
    data = tmp_path_factory.mktemp("data")
    _write_input(data / "raw", seed_path)
    # The download folder is also published to a URL (object storage by configuration).
    copy = tmp_path_factory.mktemp("bucket") / "download"
    return _materialize(data, exports_url=copy.as_uri()), data, seed_path


def _ids(seed_path, data):
    seed_id = hashlib.sha256(seed_path.read_bytes()).hexdigest()[:16]
    broken_id = hashlib.sha256((data / "raw" / "broken_balance.txt").read_bytes()).hexdigest()[:16]
    return seed_id, broken_id


def _query(data, sql):
    con = duckdb.connect(str(data / "warehouse" / "gip.duckdb"), read_only=True)
    try:
        return pl.from_arrow(con.sql(sql).to_arrow_table())
    finally:
        con.close()


def test_every_asset_materialises(pipeline_run):
    result, _, _ = pipeline_run
    assert result.success
    materialised = {e.asset_key for e in result.get_asset_materialization_events()}
    expected = set(defs.resolve_asset_graph().get_all_asset_keys())
    assert materialised == expected


def test_warehouse_holds_the_seed(pipeline_run):
    """Without the truth file: all 200 cells of the three tables, status ok, no findings."""
    _, data, seed_path = pipeline_run
    seed_id, _ = _ids(seed_path, data)
    cells = _query(data, f"select * from core.cells where report_id = '{seed_id}'")
    assert cells.height == 200
    assert set(cells["table"]) == {t.key for t in schema.TABLES}
    assert cells.select(pl.struct("table", "row", "col").n_unique()).item() == 200
    assert cells["raw"].null_count() == 0  # every value keeps its printed text
    rep = _query(data, f"select * from core.reports where report_id = '{seed_id}'").row(0, named=True)
    assert rep["status"] == "ok" and rep["source_file"] == seed_path.name
    assert rep["n_cells"] == 200 and rep["n_findings"] == 0 and rep["era"] == "2021"
    assert _query(data, f"select * from core.findings where report_id = '{seed_id}'").is_empty()


def test_warehouse_holds_the_seed_values_of_the_truth(pipeline_run, seed_truth):
    _, data, seed_path = pipeline_run
    seed_id, _ = _ids(seed_path, data)
    cells = _query(data, f"select * from core.cells where report_id = '{seed_id}'")
    got = {(r["table"], r["row"], r["col"]): r["value"] for r in cells.iter_rows(named=True)}
    want = {(t, r, c): v for t, rows in seed_truth["cells"].items()
            for r, cols in rows.items() for c, v in cols.items()}
    assert got == want
    rep = _query(data, f"select * from core.reports where report_id = '{seed_id}'").row(0, named=True)
    for k, v in seed_truth["report"].items():
        assert (str(rep[k]) if k == "published" else rep[k]) == v, k


def test_mart_matches_measures_computed_from_the_cells(pipeline_run):
    _, data, seed_path = pipeline_run
    seed_id, _ = _ids(seed_path, data)
    row = _query(data, f"select * from marts.report_comparison where report_id = '{seed_id}'"
                 ).row(0, named=True)
    # The warehouse cells (equal to the truth where it is present, test above).
    cells = _query(data, f"select \"row\", value from core.cells where report_id = '{seed_id}' "
                   "and \"table\" = 'requests' and col = 'total'")
    req = dict(zip(cells["row"], cells["value"]))
    handled = req["total_handled"]
    assert row["new_received"] == req["new_received"] and row["total_handled"] == handled
    assert row["denied"] == sum(req[r] for r in schema.DENIED_ROWS)
    assert row["grant_rate_denominator"] == handled
    assert row["grant_rate"] == pytest.approx((req["granted"] + req["partially_granted"]) / handled)
    assert row["unable_rate"] == pytest.approx(sum(req[r] for r in schema.UNABLE_ROWS) / handled)
    assert row["rankable"] is (handled >= schema.MIN_RANK_DENOMINATOR)


def test_parquet_exports_equal_the_warehouse(pipeline_run):
    _, data, _ = pipeline_run
    from gip_pipeline.exports import EXPORTS, ORDER_KEYS

    for name, rel in EXPORTS.items():
        exported = pl.read_parquet(data / "exports" / f"{name}.parquet")
        keys = ", ".join(f'"{k}"' for k in ORDER_KEYS[name])
        assert exported.equals(_query(data, f"select * from {rel} order by {keys}")), name
        assert exported.height > 0 or name in ("findings", "trends", "cross_year_consistency",
                                               "legacy_statistics")
    for f in ("datapackage.json", "provenance.json", "CODEBOOK.md", "report.html"):
        assert (data / "exports" / f).is_file(), f


def test_report_html_shows_the_data_quality_marts_pass_rate(pipeline_run):
    """One published number, one definition: the page's identity pass counts per year are the
    data_quality mart's, summed over regions."""
    import lxml.html

    _, data, _ = pipeline_run
    dq = (pl.read_parquet(data / "exports" / "data_quality.parquet")
          .group_by("year").agg(pl.col("n_identity_pass", "n_identity_assessed").sum()))
    doc = lxml.html.fromstring((data / "exports" / "report.html").read_bytes())
    shown = {r.get("data-key"): (int(r.get("data-pass")), int(r.get("data-assessed")))
             for r in doc.xpath('//tr[@data-chart="quality"]')}
    want = {str(y) if y is not None else "unknown": (p, a) for y, p, a in dq.iter_rows()}
    assert shown == want and sum(a for _, a in want.values()) > 0


def test_broken_report_loads_with_warning_and_checks_flag_it(pipeline_run):
    result, data, seed_path = pipeline_run
    seed_id, broken_id = _ids(seed_path, data)
    rep = _query(data, f"select status from core.reports where report_id = '{broken_id}'")
    assert rep["status"].to_list() == ["warning"]
    f = _query(data, f"select * from core.findings where report_id = '{broken_id}'")
    assert "requests.balance" in f["check"].to_list()
    cell = _query(data, f"select value from core.cells where report_id = '{broken_id}' "
                  "and \"row\" = 'new_received' and col = 'total'")
    assert cell["value"].to_list() == [14.0]
    checks = {c.asset_check_key.name: c for c in result.get_asset_check_evaluations()}
    assert checks["requests__balance"].passed is False  # Dagster check on the tidy cells
    assert checks["requests__balance"].metadata["broken_reports"].value == [broken_id]
    # named by file (and organ, year in the preview), not only by a 16-hex id
    assert checks["requests__balance"].metadata["broken_files"].value == ["broken_balance.txt"]
    assert "identity_requests__balance" not in checks  # identities have one home: the above
    assert checks["requests__row_total"].passed is True
    assert checks["cell_keys_known"].passed is True
    # the cell key (report_id, table, row, col), tested once, on int_cells
    key = [c for name, c in checks.items() if name.startswith("unique_key_int_cells")]
    assert len(key) == 1 and key[0].passed is True


def test_corrections_are_applied_audited_and_checked(pipeline_run):
    result, data, seed_path = pipeline_run
    _, broken_id = _ids(seed_path, data)
    cell = _query(data, f"select value, value_extracted, corrected, raw from core.cells where "
                  f"report_id = '{broken_id}' and \"row\" = 'new_received' and "
                  "col = 'natural_person'")
    assert cell.rows() == [(13.0, 14.0, True, "14")]
    audit = _query(data, "select line, correction_status from core.corrections order by line")
    assert audit.rows() == [(2, "applied"), (3, "unmatched_report")]
    checks = {c.asset_check_key.name: c for c in result.get_asset_check_evaluations()}
    assert checks["corrections_applied"].passed is False  # a warning: one line did not apply
    assert checks["corrections_applied"].metadata["n_applied"].value == 1
    mart = _query(data, "select corrected, n_corrected_cells from marts.report_comparison "
                  f"where report_id = '{broken_id}'")
    assert mart.rows() == [(True, 1)]


def test_marts_show_row_counts_and_previews(pipeline_run):
    """After dbt (which holds the database while it runs) every table it built is observed:
    its row count and first rows, as the UI shows them."""
    result, data, _ = pipeline_run
    seen = {e.asset_key.to_user_string(): e.event_specific_data.asset_observation.metadata
            for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"}
    rc = seen["marts/report_comparison"]
    n = _query(data, "select count(*) n from marts.report_comparison")["n"].item()
    assert rc["dagster/row_count"].value == n > 0
    assert "report_id" in rc["preview"].value
    assert "staging/stg_cells" not in seen  # a view is not counted (that would run it)


def _materialization_metadata(result, key: str) -> dict:
    [event] = [e for e in result.get_asset_materialization_events()
               if e.asset_key.to_user_string() == key]
    return event.materialization.metadata


def test_exports_are_copied_to_the_configured_url(pipeline_run):
    result, data, _ = pipeline_run
    local = _files(data / "exports")
    urls = {e.asset_key.to_user_string(): e.materialization.metadata["copied_to"].value
            for e in result.get_asset_materialization_events()
            if e.asset_key.to_user_string().startswith("out_")}
    assert len(urls) == len(local)  # one asset per file of the download, each copied
    for url in urls.values():
        path = Path(url.removeprefix("file://"))
        assert path.read_bytes() == local[path.name], url
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(local)


def test_rejected_files_in_the_run_metadata_and_the_warehouse(pipeline_run):
    result, data, _ = pipeline_run
    rejected = _query(data, "select * from core.rejected_files order by path")
    assert rejected["path"].to_list() == sorted(REJECTS)  # each once, nothing else
    reasons = dict(zip(rejected["path"], rejected["reason"]))
    for name, word in REJECTS.items():
        assert word in reasons[name].lower(), (name, reasons[name])
    assert reasons[".~lock.报告.docx#"] == HIDDEN_FILE
    # the hidden file has no report; every other name is a report row with status rejected
    parsed = [n for n in REJECTS if not n.startswith(".")]
    rows = _query(data, "select source_file, status, reason from core.reports "
                  "where status = 'rejected' order by source_file")
    assert rows["source_file"].to_list() == sorted(parsed)
    all_files = _query(data, "select path from core.report_files order by path")["path"]
    assert all_files.to_list() == sorted(p.name for p in (data / "raw").iterdir())

    meta = _materialization_metadata(result, "core_rejected_files")
    assert meta["dagster/row_count"].value == len(REJECTS)
    parsed_meta = _materialization_metadata(result, "core_parsed_reports")
    assert parsed_meta["n_rejected"].value == len(REJECTS)
    for table in (meta["rejected"].value, parsed_meta["rejected"].value):
        for name in REJECTS:
            [line] = [ln for ln in table.splitlines() if name in ln]
            assert reasons[name][:40] in line, (name, line)


# -- the same input again, into another data dir, by two `dagster asset materialize` processes
# launched at once (one instance, configured as `make` does), while a researcher's process holds
# the published snapshot open: two more materialisations in all. The runs must both succeed,
# and the result must equal the first run's, byte for byte (a re-run gives the same data).

_DUCKDB_LOCK_ERRORS = ("could not set lock", "conflicting lock", "database is locked")


def _tables(db: Path) -> dict[str, pl.DataFrame]:
    """Every table and view of every schema, rows sorted (order is not part of the contents)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [f'"{s}"."{t}"' for s, t in con.sql(
            "select schema_name, table_name from duckdb_tables() union all "
            "select schema_name, view_name from duckdb_views() where not internal "
            "order by all").fetchall()]
        return {n: pl.from_arrow(con.sql(f"select * from {n} order by all").to_arrow_table())
                for n in names}
    finally:
        con.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _dagster_home(path: Path) -> Path:
    """An instance configured as `make` configures .dagster_home, created here once: two
    processes creating a fresh instance together race on its SQLite schema, which `make`'s
    long-lived .dagster_home never meets."""
    from gip_pipeline.assets.instance import prepare

    prepare(path)
    return path


def _launch_cli_run(data: Path, home: Path, log: Path, prepare_first: bool = False,
                    cwd: Path | None = None) -> subprocess.Popen:
    """`dagster asset materialize` as `gip run` (make run) starts it (prepare_first: after its
    instance step), in its own process group; from the repository unless `cwd`."""
    env = dict(os.environ, GIP_DATA_DIR=str(data), DAGSTER_HOME=str(home),
               GIP_EXTRACT_WORKERS="1")
    env.pop("GIP_DUCKDB_PATH", None)
    bin_dir = Path(sys.executable).parent
    cmd = f"{bin_dir / 'dagster'} asset materialize --select '*' -m gip_pipeline.definitions"
    if prepare_first:
        cmd = f"{bin_dir / 'python'} -m gip_pipeline.assets.instance {home} && {cmd}"
    return subprocess.Popen(["sh", "-c", f"exec {cmd}" if not prepare_first else cmd], env=env,
                            cwd=cwd or Path(__file__).resolve().parents[1], start_new_session=True,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def second_dir(pipeline_run, tmp_path_factory):
    _, a, _ = pipeline_run
    b = tmp_path_factory.mktemp("second")
    shutil.copytree(a / "raw", b / "raw")  # copy2: the same bytes, names and times
    shutil.copy2(a / "corrections.csv", b / "corrections.csv")
    # A snapshot published earlier (here: the first run's), open in a researcher's process.
    snapshot = b / "warehouse" / "gip.duckdb"
    snapshot.parent.mkdir()
    shutil.copy2(a / "warehouse" / "gip.duckdb", snapshot)
    # A mark only this old snapshot holds: a reader that still sees it still has its own copy
    # (the runs' snapshot, the same data otherwise, has no such table).
    con = duckdb.connect(str(snapshot))
    con.execute("create table main.held_copy as select 'old snapshot' as mark")
    con.close()
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(snapshot)!r}, read_only=True)
        q = ("select count(*), min(report_id), (select any_value(mark) from main.held_copy) "
             "from core.reports")
        print(con.execute(q).fetchone(), flush=True)
        sys.stdin.readline()
        print(con.execute(q).fetchone(), flush=True)
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        held_before = reader.stdout.readline().strip()
        home = _dagster_home(tmp_path_factory.mktemp("dagster") / "home")
        logs = [b.parent / f"{b.name}-run{k}.log" for k in (1, 2)]
        procs = [_launch_cli_run(b, home, log) for log in logs]
        codes = [p.wait(timeout=600) for p in procs]
        reader.stdin.write("\n")
        reader.stdin.flush()
        held_after = reader.stdout.readline().strip()
    finally:
        reader.kill()
        reader.wait()
    return {"dir": b, "codes": codes, "logs": [log.read_text(errors="replace") for log in logs],
            "reader": (held_before, held_after)}


def _event_time(log: str, event: str) -> str:
    """The timestamp (to the second, sortable) of the run event in a `dagster` CLI log."""
    [line] = [ln for ln in log.splitlines() if f" - {event} - " in ln]
    return line[:19]


def test_two_materialisations_at_once_both_succeed_without_a_lock_error(second_dir):
    logs = second_dir["logs"]
    for code, log in zip(second_dir["codes"], logs):
        assert code == 0, log[-3000:]
        assert "RUN_SUCCESS" in log, log[-3000:]
        assert not any(e in log.lower() for e in _DUCKDB_LOCK_ERRORS), log[-3000:]
    # they did run at the same time: each started before the other finished
    starts = [_event_time(log, "RUN_START") for log in logs]
    ends = [_event_time(log, "RUN_SUCCESS") for log in logs]
    assert max(starts) < min(ends), (starts, ends)


def test_a_reader_holding_the_snapshot_keeps_its_copy_and_does_not_block(pipeline_run,
                                                                         second_dir):
    _, a, _ = pipeline_run
    before, after = second_dir["reader"]
    n = _query(a, "select count(*) n from core.reports")["n"].item()
    assert before.startswith(f"({n}, ") and before.endswith("'old snapshot')")
    assert after == before  # its own copy, consistent throughout the two runs
    assert all(c == 0 for c in second_dir["codes"])  # and the runs replaced it regardless
    assert (second_dir["dir"] / "warehouse" / "gip.duckdb").stat().st_ino != \
        (a / "warehouse" / "gip.duckdb").stat().st_ino


def test_rerun_of_the_same_input_gives_an_identical_warehouse(pipeline_run, second_dir):
    """Consistent after two writers at once, and equal to the first run's, table by table."""
    _, a, _ = pipeline_run
    got, want = _tables(second_dir["dir"] / "warehouse" / "gip.duckdb"), \
        _tables(a / "warehouse" / "gip.duckdb")
    assert {'"core"."cells"', '"core"."rejected_files"', '"staging"."stg_cells"',
            '"intermediate"."int_reports"', '"marts"."report_comparison"'} <= want.keys()
    assert sorted(got) == sorted(want)
    assert [n for n in want if not got[n].equals(want[n])] == []
    assert got['"core"."reports"']["report_id"].is_unique().all()


def test_rerun_of_the_same_input_gives_byte_identical_exports(pipeline_run, second_dir):
    _, a, _ = pipeline_run
    got, want = _files(second_dir["dir"] / "exports"), _files(a / "exports")
    assert {"cells.parquet", "report_comparison.parquet", "provenance.json"} <= want.keys()
    assert sorted(got) == sorted(want)
    assert [n for n in want if got[n] != want[n]] == []


def _wait_for_log(log: Path, needle: str, proc: subprocess.Popen, limit: float = 300) -> bool:
    import time

    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if log.exists() and needle in log.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def killed_dir(pipeline_run, tmp_path_factory):
    """Runs killed with SIGKILL on their process group (in the load, in dbt, at a random
    moment), then one more run (from another working directory), all on one Dagster
    instance as `make` configures it."""
    import random
    import signal
    import time

    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter


    _, a, _ = pipeline_run
    d = tmp_path_factory.mktemp("killed")
    shutil.copytree(a / "raw", d / "raw")
    shutil.copy2(a / "corrections.csv", d / "corrections.csv")
    home = _dagster_home(tmp_path_factory.mktemp("dagster") / "home")
    rng = random.Random(13)
    # (what the log must show before the kill, then a random extra delay in seconds)
    moments = [("warehouse_load - STEP_START", 0.0), ("gip_dbt_models - STEP_START", rng.uniform(0.5, 3)),
               ("RUN_START", rng.uniform(1, 8)), ("gip_dbt_models - STEP_START", rng.uniform(3, 8))]
    killed = []
    for k, (needle, delay) in enumerate(moments):
        log = d.parent / f"{d.name}-kill{k}.log"
        proc = _launch_cli_run(d, home, log)
        reached = _wait_for_log(log, needle, proc)
        time.sleep(delay)
        alive = proc.poll() is None
        if alive:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        killed.append((needle, reached, alive))
    with DagsterInstance.from_config(str(home)) as instance:
        stuck = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.STARTED]))
    log = d.parent / f"{d.name}-after.log"
    # The next run is started from another working directory (nothing depends on it).
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    proc = _launch_cli_run(d, home, log, prepare_first=True, cwd=elsewhere)
    code = proc.wait(timeout=600)
    with DagsterInstance.from_config(str(home)) as instance:
        failed = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.FAILURE]))
    return {"dir": d, "killed": killed, "stuck": len(stuck), "failed": len(failed), "code": code,
            "log": log.read_text(errors="replace")}


def test_runs_killed_at_any_moment_never_wedge_the_next(killed_dir):
    k = killed_dir
    assert all(reached and alive for _, reached, alive in k["killed"]), k["killed"]
    # The killed runs stayed STARTED in the instance; the next run's preparation failed them.
    assert k["stuck"] == len(k["killed"]) and k["failed"] == len(k["killed"])
    assert k["code"] == 0 and "RUN_SUCCESS" in k["log"], k["log"][-3000:]
    assert "blocked by limit" not in k["log"] and not any(e in k["log"].lower() for e in _DUCKDB_LOCK_ERRORS)


def test_the_run_after_the_kills_equals_a_clean_run(pipeline_run, killed_dir):
    _, a, _ = pipeline_run
    got, want = _tables(killed_dir["dir"] / "warehouse" / "gip.duckdb"), _tables(a / "warehouse" / "gip.duckdb")
    assert sorted(got) == sorted(want) and [n for n in want if not got[n].equals(want[n])] == []
    got, want = _files(killed_dir["dir"] / "exports"), _files(a / "exports")
    assert sorted(got) == sorted(want) and [n for n in want if got[n] != want[n]] == []


def _listing(raw: Path) -> set[tuple[str, str]]:
    return {(p.relative_to(raw).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest())
            for p in raw.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def changing_dir(pipeline_run, tmp_path_factory):
    """Two runs on one instance (as `make run` twice) while the input changes: files added,
    changed and deleted after the first run lists the folder, and again after the second
    does, while both extract."""
    _, a, seed_path = pipeline_run
    c = tmp_path_factory.mktemp("changing")
    raw = c / "raw"
    shutil.copytree(a / "raw", raw)
    text = seed_path.read_text(encoding="utf-8")
    home = _dagster_home(tmp_path_factory.mktemp("dagster") / "home")
    listed, procs, logs = [], [], [c.parent / f"{c.name}-run{k}.log" for k in (1, 2)]
    changes = [lambda: ((raw / "added.txt").write_text(text + "\n附注一\n", encoding="utf-8"),
                        (raw / "broken_balance.txt").write_text(break_balance(text, 16),
                                                                encoding="utf-8"),
                        (raw / "notes.xyz").unlink()),
               lambda: ((raw / "added later.txt").write_text(text + "\n附注二\n",
                                                            encoding="utf-8"),
                        (raw / "added.txt").write_text(text + "\n附注三\n", encoding="utf-8"),
                        (raw / "junk.pdf").unlink())]
    for log, change in zip(logs, changes):
        listed.append(_listing(raw))
        procs.append(_launch_cli_run(c, home, log))
        assert _wait_for_log(log, "raw_report_files - STEP_SUCCESS", procs[-1]), \
            log.read_text(errors="replace")[-3000:]
        change()
    codes = [p.wait(timeout=600) for p in procs]
    return {"dir": c, "codes": codes, "listed": listed,
            "logs": [log.read_text(errors="replace") for log in logs]}


def test_two_runs_on_changing_input_both_succeed_and_publish_one_runs_warehouse(
        changing_dir, tmp_path):
    """No lock error, no mixed state: the published core tables are one run's listing, its
    marts are what dbt builds from them, and the download folder holds that warehouse."""
    from gip_pipeline.exports import EXPORTS, ORDER_KEYS
    from gip_pipeline_tests.test_marts import run_dbt

    c = changing_dir
    for code, log in zip(c["codes"], c["logs"]):
        assert code == 0 and "RUN_SUCCESS" in log, log[-3000:]
        assert not any(e in log.lower() for e in _DUCKDB_LOCK_ERRORS), log[-3000:]
    published = c["dir"] / "warehouse" / "gip.duckdb"
    files = _query(c["dir"], "select path, sha256 from core.report_files")
    assert set(files.iter_rows()) in c["listed"]  # one run's listing, whole
    reports = _query(c["dir"], "select report_id from core.reports")["report_id"].to_list()
    assert sorted(reports) == sorted(set(files.filter(pl.col("path") != ".~lock.报告.docx#")
                                         ["sha256"].str.slice(0, 16)))
    # dbt over a copy of the published core tables builds exactly the published marts
    copy = tmp_path / "gip.duckdb"
    shutil.copyfile(published, copy)
    copy.chmod(0o644)
    run_dbt(copy, tmp_path / "target")
    got, want = _tables(published), _tables(copy)
    assert sorted(got) == sorted(want) and [n for n in want if not got[n].equals(want[n])] == []
    for name, rel in EXPORTS.items():
        keys = ", ".join(f'"{k}"' for k in ORDER_KEYS[name])
        assert pl.read_parquet(c["dir"] / "exports" / f"{name}.parquet").equals(
            _query(c["dir"], f"select * from {rel} order by {keys}")), name


def test_a_full_disk_during_the_export_fails_clearly_and_keeps_the_previous_folder(pipeline_run,
                                                                                   tmp_path):
    """The download folder is swapped in whole: a write that fails half way (a full disk)
    leaves the previous folder, file for file, and no staging folder behind."""
    from gip_pipeline_tests.test_robust_runs import FULL_DISK, snapshot_of

    _, a, _ = pipeline_run
    data = tmp_path / "d"
    for d in ("raw", "warehouse", "exports"):
        shutil.copytree(a / d, data / d, ignore=shutil.ignore_patterns("work"))
    before = snapshot_of(data)
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, str(data), "export", "20000"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]  # names the file it could not write, and why
    assert last.startswith("OSError: could not write ") and "exports" in last and "MB free" in last, last
    assert snapshot_of(data) == before
    assert [p.name for p in data.iterdir() if p.name.startswith(".")] == []
