"""Whole-pipeline benchmarks (issue 7): `python -m gip_pipeline.bench.pipeline [which ...]`.

  full         N mixed generated documents (20% PDF) through the real Dagster run (`dagster asset
               materialize --select '*'`: discovery, extraction, tidy, load, dbt, exports) on a
               cold extraction cache; wall time, time per step (from the run's event log) and the
               peak memory of the whole process tree (the run and its extraction workers), sampled:
               summed PSS (shared pages split between the processes sharing them) and summed RSS.
  incremental  one new file added to that N-report warehouse, to updated marts: the same Dagster
               run again (the cache holds every other file); time until the dbt step is done and
               until the run is done. Beside it, the stack's own floor (stack_floors): a
               one-asset Dagster run and one of this code location, dbt on one view, `dbt
               build` alone on that warehouse, and `dbt build` / `dbt run` on a copy cut to
               a few reports.
  load100k     warehouse load + `dbt build` at 100,000 reports. The tidy tables are not parsed at
               that scale: the parsed tables of the `full` corpus are replicated with new report
               ids (and a numbered organ name, so every copy is a distinct organ-year) up to
               100,000 reports, then bulk-loaded from Arrow (load_tables) and built by dbt.
  load1m       the same at 1,000,000 reports, the replication done by DuckDB table by table
               (bench_load_scale): replication and dbt seconds, the slowest dbt nodes, dbt's
               peak memory.
  throughput   `gip bench throughput` on a sample of the corpus (medians of --runs).
  forms        issue 12: the other published forms (scan, photo, imghtml, ofd, and doc / xls
               where LibreOffice is installed to make them), generated with truth: extraction
               speed by form (OCR pages on one core) and `gip bench accuracy` by form; plus the
               real Hongze PDF scanned at 150 dpi (where ../shared is present).

Each writes data/bench/<which>.json (git-ignored); `python -m gip_pipeline.bench.report` writes
BENCHMARKS.md from those files. The corpus is generated once into data/bench/corpus<N>/ and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from gip_pipeline.bench import runs as _runs
from gip_pipeline.bench.runs import dagster_run, stage_totals, use_code_snapshot
from gip_pipeline.warehouse.paths import REPO, executable

BENCH_DIR = REPO / "data" / "bench"
# 20% PDF: forms are drawn uniformly from this list (the generator accepts repeats).
MIX = ("pdf", "pdf", "html", "html", "docx", "md", "md", "txt", "txt", "pipe")
SEED = 1000


# ---------------------------------------------------------------------------------------------
# Corpus

def _gen_part(out: str, n: int, seed: int) -> None:
    from gip_pipeline.synth.generate import generate

    generate(Path(out), n, seed, MIX, ("2019", "2021"), (2019, 2025))


def corpus_dir(n: int) -> Path:
    return BENCH_DIR / f"corpus{n // 1000}k" if n % 1000 == 0 else BENCH_DIR / f"corpus{n}"


def ensure_corpus(n: int, parts: int = 2) -> Path:
    """data/bench/corpus<N>/synth/part<k>/ (reports + truth), generated in `parts` processes
    (seeds SEED+k), and raw/ holding hard links to the report files only."""
    from concurrent.futures import ProcessPoolExecutor

    root = corpus_dir(n)
    sizes = [n // parts + (k < n % parts) for k in range(parts)]
    todo = [(str(root / "synth" / f"part{k + 1}"), sizes[k], SEED + k + 1) for k in range(parts)
            if not (root / "synth" / f"part{k + 1}" / "manifest.json").is_file()]
    if todo:
        with ProcessPoolExecutor(len(todo)) as ex:
            list(ex.map(_gen_part, *zip(*todo)))
    raw = root / "raw"
    if not raw.is_dir():
        tmp = root / "raw.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        for part in sorted((root / "synth").iterdir()):
            (tmp / part.name).mkdir(parents=True)
            for p in part.iterdir():
                if not p.name.endswith(".json"):
                    os.link(p, tmp / part.name / p.name)
        tmp.rename(raw)
    return root


# ---------------------------------------------------------------------------------------------
# Benchmarks

def machine() -> dict:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2 ** 30, 1),
            "os": platform.platform(), "python": platform.python_version()}


def _write(name: str, result: dict) -> Path:
    # The load average when the benchmark ended: other work on the machine (it is shared)
    # slows the figures down; above the core count, they are upper bounds.
    result = {"benchmark": name, "machine": machine(),
              "load_avg_1_5_15m_at_end": [round(x, 2) for x in os.getloadavg()],
              "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **result}
    path = BENCH_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.stderr.write(f"wrote {path}\n")
    return path


def bench_full(n: int, runs: int = 1) -> dict:
    """`runs` cold runs (no cache, no warehouse) of the whole pipeline; medians over them."""
    root = ensure_corpus(n)
    data = root / "run"
    n_files = sum(1 for p in (root / "raw").rglob("*") if p.is_file())
    n_pdf = sum(1 for p in (root / "raw").rglob("*.pdf"))
    out = []
    for k in range(runs):
        shutil.rmtree(data, ignore_errors=True)  # cold: no cache, no warehouse
        data.mkdir(parents=True)
        (data / "raw").symlink_to(root / "raw", target_is_directory=True)
        r = dagster_run(data, root / "dagster_home", root / "logs" / f"full{k}.log")
        r["stages"] = stage_totals(r["steps"])
        out.append(r)
    status = "SUCCESS" if all(r["status"] == "SUCCESS" for r in out) else \
        next(r["status"] for r in out if r["status"] != "SUCCESS")
    return {"documents": n_files, "pdf_documents": n_pdf, "runs": out,
            "seconds": statistics.median(r["seconds"] for r in out),
            "peak_tree_rss_mb": statistics.median(r["peak_tree_rss_mb"] for r in out),
            "peak_tree_rss_mb_max": max(r["peak_tree_rss_mb"] for r in out),
            "peak_tree_pss_mb": statistics.median(r["peak_tree_pss_mb"] for r in out),
            "status": status, "targets": {"seconds": 600, "peak_tree_rss_mb": 2048}}


def bench_incremental(n: int, runs: int = 3) -> dict:
    """Add one new generated file to the `full` run's data dir, run, remove it; `runs` times."""
    root = corpus_dir(n)
    data = root / "run"
    if not (data / "warehouse").is_dir():
        raise SystemExit("run the `full` benchmark first (it builds the warehouse this one extends)")
    raw = root / "raw"
    # Bring the warehouse up to date with the corpus and the current extractor first: a changed
    # extractor version re-extracts everything, which is not what this benchmark measures.
    dagster_run(data, root / "dagster_home", root / "logs" / "incremental_warmup.log")
    out = []
    for k in range(runs):
        extra = root / f"extra{k}"
        shutil.rmtree(extra, ignore_errors=True)
        _gen_part(str(extra), 1, SEED + 100 + k)
        new = next(p for p in extra.iterdir() if not p.name.endswith(".json"))
        target = raw / "incremental" / new.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(new, target)
        try:
            r = dagster_run(data, root / "dagster_home", root / "logs" / f"incremental{k}.log")
        finally:
            target.unlink()
        dbt_done = seconds_to_marts(r)
        r["stages"] = stage_totals(r["steps"])
        r["seconds_to_marts"] = dbt_done
        r["new_file"] = new.name
        out.append(r)
    # Leave the warehouse as the corpus makes it (without the extra file).
    r = dagster_run(data, root / "dagster_home", root / "logs" / "incremental_restore.log")
    return {"base_documents": sum(1 for p in raw.rglob("*") if p.is_file()), "runs": out,
            "seconds_to_marts_median": statistics.median(x["seconds_to_marts"] for x in out),
            "seconds_median": statistics.median(x["seconds"] for x in out),
            "status": [x["status"] for x in out], "targets": {"seconds_to_marts": 30},
            "stack_floors": stack_floors(root, data, runs)}


_ONE_ASSET = """from dagster import Definitions, asset


@asset
def one():
    return 1


defs = Definitions(assets=[one])
"""


def stack_floors(root: Path, data: Path, runs: int = 3) -> dict:
    """What the stack costs before any of our work, beside the incremental runs (medians):
    `dagster asset materialize` of a one-asset code location (process start, Dagster's import,
    the run's own bookkeeping), and of this project's code location with its one step that has
    nothing to do (raw_collected_files, no sites file: the location's import and asset graph);
    `dbt run` of one view on a copy of the warehouse (dbt's start, partial parse, connection);
    `dbt build` of the whole project alone on that copy (every model and test, without
    Dagster); and `dbt build` and `dbt run` (models only) on the copy cut to SMALL_REPORTS
    reports: what dbt's nodes cost with next to no data, the least a run that builds and tests
    the marts can take. A first dbt call on a copy parses in full (its profile's path is new)
    and is not counted."""
    from gip_pipeline.warehouse.paths import (DBT_PROJECT_DIR, dbt_profiles_dir,
                                              working_warehouse_path)

    source = working_warehouse_path(data)
    if not source.is_file():
        raise SystemExit(f"no working warehouse under {data}: run the `full` benchmark first")

    work = root / "floors"
    shutil.rmtree(work, ignore_errors=True)
    (work / "dagster_home").mkdir(parents=True)
    (work / "one_asset.py").write_text(_ONE_ASSET, encoding="utf-8")
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}

    def timed(cmd: list[str], cwd: Path, env: dict) -> float:
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:3])} failed: {(p.stdout + p.stderr)[-2000:]}")
        return time.perf_counter() - t0

    dagster = [timed([executable("dagster"), "asset", "materialize", "--select", "*", "-f",
                      str(work / "one_asset.py")], work, env) for _ in range(runs)]
    (work / "empty" / "raw").mkdir(parents=True)
    ours_env = {**env, **_runs.CODE_ENV, "GIP_DATA_DIR": str(work / "empty")}
    ours = [timed([executable("dagster"), "asset", "materialize", "--select",
                   "raw_collected_files", "-m", "gip_pipeline.definitions"],
                  _runs.CODE_DIR or REPO, ours_env) for _ in range(runs)]
    db = work / "warehouse" / "gip.duckdb"
    db.parent.mkdir()
    shutil.copy(source, db)
    project = (_runs.CODE_DIR / "dbt_project") if _runs.CODE_DIR else DBT_PROJECT_DIR
    dbt_env = {**os.environ, **_runs.CODE_ENV}
    opts = ["--profiles-dir", str(dbt_profiles_dir(db)), "--target-path", str(work / "dbt_target")]
    one_view = [timed([executable("dbt"), "run", "--select", "stg_reports", *opts], project,
                      dbt_env) for _ in range(runs + 1)][1:]
    build = [timed([executable("dbt"), "build", *opts], project, dbt_env) for _ in range(runs)]
    small = work / "small" / "gip.duckdb"
    small.parent.mkdir()
    shutil.copy(db, small)
    shutil.rmtree(work / "warehouse", ignore_errors=True)
    cut_to_reports(small, SMALL_REPORTS)
    opts = ["--profiles-dir", str(dbt_profiles_dir(small)), "--target-path",
            str(work / "dbt_target_small")]
    build_small = [timed([executable("dbt"), "build", *opts], project, dbt_env)
                   for _ in range(runs + 1)][1:]
    run_small = [timed([executable("dbt"), "run", *opts], project, dbt_env) for _ in range(runs)]
    shutil.rmtree(work / "small", ignore_errors=True)
    measured = {"dagster_one_asset_s": dagster, "dagster_our_location_s": ours,
                "dbt_one_view_s": one_view, "dbt_build_alone_s": build,
                "dbt_build_small_s": build_small, "dbt_run_small_s": run_small}
    return {**{k: round(statistics.median(v), 2) for k, v in measured.items()},
            "small_reports": SMALL_REPORTS,
            "runs": {k: [round(x, 2) for x in v] for k, v in measured.items()}}


# The reports kept in the warehouse dbt's floor is measured on: next to no data (the first 20 by
# id of the 10,000-report corpus leave the report and region models a few rows each, and trends
# and the cross-year checks, which need an organ's consecutive years, none).
SMALL_REPORTS = 20


def cut_to_reports(db: Path, n: int) -> None:
    """Keep the first n reports (by id) of a warehouse copy: every loaded table with a
    report_id column loses the other reports' rows."""
    import duckdb

    from gip_pipeline.warehouse.load import RAW_SCHEMA

    con = duckdb.connect(str(db))
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.columns where table_schema = ? "
            "and column_name = 'report_id'", [RAW_SCHEMA]).fetchall()]
        con.execute(f"create temp table keep as select report_id from {RAW_SCHEMA}.reports "
                    f"order by report_id limit {int(n)}")
        for t in tables:
            con.execute(f'delete from {RAW_SCHEMA}."{t}" where report_id not in '
                        "(select report_id from keep)")
        con.execute("checkpoint")
    finally:
        con.close()


def seconds_to_marts(r: dict) -> float:
    """Wall time until the marts are built and published: the whole run minus the export
    steps, which come last (in-process, steps run one after another)."""
    exports = sum(v for k, v in r["steps"].items() if k == "exports" or k.startswith("out_"))
    return round(r["seconds"] - exports, 2)


def replicate_tables(tables: dict, target_reports: int) -> dict:
    """Copies of the parsed tidy tables with new report ids until `target_reports` reports."""
    import polars as pl

    reports = tables["reports"]
    n0 = reports.height
    copies = -(-target_reports // n0)
    out = {name: [] for name in tables}
    for k in range(copies):
        take = min(n0, target_reports - k * n0)
        ids = reports["report_id"].head(take)
        def new_id(col: str) -> pl.Expr:  # 12 hex of the old id + 4 of the copy number
            return pl.col(col).str.slice(0, 12) + pl.lit(f"{k:04x}")
        for name, frame in tables.items():
            if "report_id" not in frame.columns:
                continue
            f = frame.filter(pl.col("report_id").is_in(ids.implode())) if take < n0 else frame
            # Every key that names a report changes with it (ids, links, the file hash),
            # so the copies are distinct reports to every uniqueness test.
            f = f.with_columns(new_id("report_id").alias("report_id"))
            if "duplicate_of" in f.columns:
                f = f.with_columns(new_id("duplicate_of").alias("duplicate_of"))
            if "sha256" in f.columns:
                f = f.with_columns((new_id("sha256") + pl.col("sha256").str.slice(16)).alias("sha256"))
            if name == "reports":
                f = f.with_columns((pl.col("organ") + pl.lit(f"·{k:03d}")).alias("organ"))
            if "source_file" in f.columns:
                f = f.with_columns((pl.lit(f"copy{k:03d}/") + pl.col("source_file")).alias("source_file"))
            out[name].append(f)
    return {name: pl.concat(frames) for name, frames in out.items() if frames}


def bench_load100k(n: int, target: int = 100_000, runs: int = 3) -> dict:
    import duckdb

    from gip_pipeline.warehouse.load import load_tables

    from gip_pipeline.assets.dbt import dbt_executable
    from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR

    root = corpus_dir(n)
    src = _published_warehouse(root / "run")
    con = duckdb.connect(str(src), read_only=True)
    try:
        import polars as pl

        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='core'").fetchall()]
        base = {t: pl.from_arrow(con.sql(f'SELECT * FROM core."{t}"').to_arrow_table()) for t in names}
    finally:
        con.close()
    t0 = time.perf_counter()
    tables = replicate_tables(base, target)
    t_rep = time.perf_counter() - t0
    # Tables without report ids (the region reference) are loaded as they are.
    tables.update({k: v for k, v in base.items() if k not in tables})
    out = []
    for k in range(runs):
        db = root / "load100k" / "gip.duckdb"
        shutil.rmtree(db.parent, ignore_errors=True)
        t0 = time.perf_counter()
        rows = load_tables(db, tables)
        t_load = time.perf_counter() - t0
        env = {**os.environ, "GIP_DUCKDB_PATH": str(db)}
        t0 = time.perf_counter()
        proc = subprocess.run([dbt_executable(), "build", "--profiles-dir", ".", "--quiet"],
                              cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
        t_dbt = time.perf_counter() - t0
        out.append({"load_s": round(t_load, 2), "dbt_build_s": round(t_dbt, 2),
                    "total_s": round(t_load + t_dbt, 2), "dbt_exit_code": proc.returncode,
                    "dbt_tail": (proc.stdout + proc.stderr)[-800:] if proc.returncode else ""})
    return {"reports": rows.get("reports"), "rows": rows, "base_reports": base["reports"].height,
            "replicate_s": round(t_rep, 2), "runs": out,
            "load_s_median": statistics.median(r["load_s"] for r in out),
            "dbt_build_s_median": statistics.median(r["dbt_build_s"] for r in out),
            "total_s_median": statistics.median(r["total_s"] for r in out),
            "targets": {"total_s": 120}}


def replicate_in_duckdb(src: Path, db: Path, target: int) -> dict[str, int]:
    """The replication of replicate_tables, done by DuckDB from the `full` run's warehouse
    into a new file: the same new ids (12 hex of the old id + 4 of the copy number), file
    hashes, numbered organ names and file names, streamed table by table (at 1,000,000
    reports the cells alone are ~200 million rows: more than this machine holds as frames).
    The reference tables are copied as they are. Rows per table."""
    import duckdb

    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    try:
        # Streamed, not sorted: rows in no particular order, in bounded memory.
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
        n0 = con.execute("SELECT count(*) FROM src.core.reports").fetchone()[0]
        full, rest = divmod(target, n0)
        con.execute("CREATE TEMP TABLE ids AS SELECT report_id, row_number() OVER () AS rn "
                    "FROM src.core.reports")
        con.execute(f"CREATE TEMP TABLE copies AS SELECT range AS k FROM range({full + bool(rest)})")
        rows = {}
        for schema_, table in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_catalog = 'src' AND table_schema IN ('core', 'reference') "
                "AND table_type = 'BASE TABLE' ORDER BY 1, 2").fetchall():
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema_}"')
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'src' "
                "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema_, table]).fetchall()]
            if schema_ != "core" or "report_id" not in cols:
                con.execute(f'CREATE TABLE "{schema_}"."{table}" AS '
                            f'SELECT * FROM src."{schema_}"."{table}"')
            else:
                def new_id(c: str) -> str:
                    return f"substr(t.{c}, 1, 12) || printf('%04x', copies.k)"
                select = []
                for c in cols:
                    q = f'"{c}"'
                    if c in ("report_id", "duplicate_of"):
                        select.append(f"{new_id(q)} AS {q}")
                    elif c == "sha256":
                        select.append(f"{new_id(q)} || substr(t.{q}, 17) AS {q}")
                    elif c == "organ" and table == "reports":
                        select.append(f"t.{q} || printf('·%03d', copies.k) AS {q}")
                    elif c == "source_file":
                        select.append(f"printf('copy%03d/', copies.k) || t.{q} AS {q}")
                    else:
                        select.append(f"t.{q}")
                con.execute(
                    f'CREATE TABLE core."{table}" AS SELECT {", ".join(select)} '
                    f'FROM src.core."{table}" t JOIN ids USING (report_id) CROSS JOIN copies '
                    f"WHERE copies.k < {full} OR ids.rn <= {rest}")
            rows[table] = con.execute(f'SELECT count(*) FROM "{schema_}"."{table}"').fetchone()[0]
        con.execute("DETACH src")
        return rows
    finally:
        con.close()


def bench_load_scale(n: int, target: int = 1_000_000, runs: int = 1) -> dict:
    """Warehouse + `dbt build` at `target` reports, the core tables replicated in DuckDB
    (replicate_in_duckdb) from the `full` run's warehouse: seconds of the replication (the
    load's stand-in), of dbt, per dbt node (the slowest), and the peak memory of dbt."""
    from gip_pipeline.assets.dbt import dbt_executable
    from gip_pipeline.bench.runs import TreeMemory
    from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR

    root = corpus_dir(n)
    src = _published_warehouse(root / "run")
    out = []
    for k in range(runs):
        db = root / f"load{target // 1000}k" / "gip.duckdb"
        shutil.rmtree(db.parent, ignore_errors=True)
        t0 = time.perf_counter()
        rows = replicate_in_duckdb(src, db, target)
        t_load = time.perf_counter() - t0
        env = {**os.environ, "GIP_DUCKDB_PATH": str(db)}
        t0 = time.perf_counter()
        proc = subprocess.Popen([dbt_executable(), "build", "--profiles-dir", ".", "--quiet"],
                                cwd=DBT_PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        with TreeMemory(proc.pid) as mem:
            log, _ = proc.communicate()
        t_dbt = time.perf_counter() - t0
        results = json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text())
        nodes = sorted(((r["unique_id"], round(r["execution_time"], 2))
                        for r in results["results"]), key=lambda x: -x[1])
        out.append({"load_s": round(t_load, 2), "dbt_build_s": round(t_dbt, 2),
                    "total_s": round(t_load + t_dbt, 2), "dbt_exit_code": proc.returncode,
                    "dbt_peak_rss_mb": mem.peak_mb, "slowest_nodes": nodes[:12],
                    "db_mb": round(db.stat().st_size / 2 ** 20, 1),
                    "dbt_tail": log[-800:] if proc.returncode else ""})
        shutil.rmtree(db.parent, ignore_errors=True)  # tens of GB: not kept
    return {"reports": rows.get("reports"), "rows": rows, "runs": out,
            "load_s_median": statistics.median(r["load_s"] for r in out),
            "dbt_build_s_median": statistics.median(r["dbt_build_s"] for r in out),
            "total_s_median": statistics.median(r["total_s"] for r in out),
            "targets": {"total_s": 300}}


def _published_warehouse(data: Path) -> Path:
    for p in (data / "warehouse" / "gip.duckdb", data / "warehouse" / "work" / "gip.duckdb"):
        if p.is_file():
            return p
    raise SystemExit(f"no warehouse under {data}: run the `full` benchmark first")


def bench_throughput(n: int, sample: int, runs: int) -> dict:
    """gip bench throughput on every k-th file of the corpus (all forms, same share)."""
    from gip_pipeline.bench.throughput import run_benchmark

    root = ensure_corpus(n)
    files = sorted(p for p in (root / "raw").rglob("*") if p.is_file())
    step = max(1, len(files) // sample)
    pick = root / "throughput_sample"
    shutil.rmtree(pick, ignore_errors=True)
    pick.mkdir()
    for p in files[::step][:sample]:
        os.link(p, pick / f"{p.parent.name}_{p.name}")
    res = run_benchmark(pick, runs=runs)
    res["runs"] = runs
    res["targets"] = {"pdf_ms_per_page": 50, "html_docs_per_s": 200, "md_docs_per_s": 200,
                      "txt_docs_per_s": 200, "docx_docs_per_s": 50}
    return res


OTHER_FORMS = ("scan", "photo", "imghtml", "ofd", "doc", "xls")
OCR_S_PER_PAGE_TARGET = 2.0


def bench_forms(n: int) -> dict:
    """Speed and accuracy of the forms read by OCR, OFD and the office 97 readers."""
    import io

    from gip_pipeline.bench import accuracy
    from gip_pipeline.bench.throughput import run_benchmark
    from gip_pipeline.synth.forms import soffice
    from gip_pipeline.synth.generate import generate

    forms = [f for f in OTHER_FORMS if soffice() or f not in ("doc", "xls")]
    root = BENCH_DIR / f"forms{n}"
    if not (root / "manifest.json").is_file():
        shutil.rmtree(root, ignore_errors=True)
        generate(root, n, SEED, forms, ("2019", "2021"), (2019, 2025))
    res = {"forms_made": forms, "throughput": run_benchmark(root, runs=1, baseline=False)}
    summary = accuracy.run([root], io.StringIO())
    res["accuracy_by_form"] = {k: v.to_dict() for k, v in sorted(summary.by_form.items())}
    res["accuracy_total"] = summary.total.to_dict()
    real = REPO.parent / "shared" / "real" / "jiangsu-huaian-hongze-2023.pdf"
    if real.is_file():
        from gip_pipeline.extraction.ocr import recognizer
        from gip_pipeline.extraction.parse import parse_bytes
        from gip_pipeline.synth.forms import scan_pdf

        scan = scan_pdf(real.read_bytes(), dpi=150, skew_deg=1.2, noise=18, jpeg_quality=55, seed=1)
        recognizer()  # the model loads once per process, not per page
        t0 = time.perf_counter()
        got = parse_bytes(scan, "hongze-scan.pdf")
        secs = time.perf_counter() - t0
        res["real_scan"] = {"file": real.name, "pages": 5, "seconds": round(secs, 2),
                            "s_per_page": round(secs / 5, 2), "cells": len(got.cells),
                            "status": got.status}
    res["target_ocr_s_per_page"] = OCR_S_PER_PAGE_TARGET
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gip_pipeline.bench.pipeline")
    p.add_argument("which", nargs="*", default=["throughput", "full", "incremental", "load100k"],
                   choices=["corpus", "throughput", "full", "incremental", "load100k", "load1m",
                            "forms"])
    p.add_argument("--n", type=int, default=10_000, help="generated documents (default 10,000)")
    p.add_argument("--runs", type=int, default=3, help="repeats for medians")
    p.add_argument("--full-runs", type=int, default=1,
                   help="cold whole-pipeline runs for `full` (each takes minutes)")
    p.add_argument("--sample", type=int, default=600, help="files for the throughput benchmark")
    p.add_argument("--reports", type=int, default=100_000, help="reports for load100k")
    p.add_argument("--forms-n", type=int, default=36, help="generated documents for `forms`")
    a = p.parse_args(argv)
    if {"full", "incremental"} & set(a.which):
        use_code_snapshot()
    if {"load100k", "load1m"} & set(a.which):
        from gip_pipeline.warehouse.paths import prepare_manifest

        prepare_manifest()
    for which in a.which:
        if which == "corpus":
            sys.stderr.write(f"corpus at {ensure_corpus(a.n)}\n")
        elif which == "throughput":
            _write("throughput", bench_throughput(a.n, a.sample, a.runs))
        elif which == "full":
            _write("full", bench_full(a.n, a.full_runs))
        elif which == "incremental":
            _write("incremental", bench_incremental(a.n, a.runs))
        elif which == "load100k":
            _write("load100k", bench_load100k(a.n, a.reports, a.runs))
        elif which == "load1m":
            _write("load1m", bench_load_scale(a.n, 1_000_000, runs=1))
        elif which == "forms":
            _write("forms", bench_forms(a.forms_n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
