"""The plain functions behind the Dagster assets, without running Dagster."""

import re
from functools import cached_property

import pytest

import gip_pipeline.extraction.parse as parse_mod
from gip_pipeline.assets.core import check_name
from gip_pipeline.tidy.build import extract_raw_files, shard_of
from gip_pipeline.assets.preview import counts, markdown_table
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.raw import discover
from gip_pipeline.tidy import build_tidy
from gip_pipeline_tests.pipeline_fixtures import make_result


def _paths(tmp_path, raw):
    return GipPaths(data_dir=str(tmp_path / "data"), raw_dir=str(raw), extract_workers=0)


def test_unknown_format_is_rejected_without_parsing(tmp_path, monkeypatch):
    raw = tmp_path / "in"
    raw.mkdir()
    (raw / "notes.json").write_text("{}")
    monkeypatch.setattr(parse_mod, "parse_bytes", lambda *a: pytest.fail("parser called"))
    [r] = extract_raw_files(discover(raw), _paths(tmp_path, raw)).results
    assert r.status == "rejected" and ".json" in r.reason and r.format is None and not r.cells
    rep = build_tidy([r]).reports.row(0, named=True)
    assert rep["status"] == "rejected" and rep["format"] is None


def test_results_keep_listing_order_and_relative_names(tmp_path):
    raw = tmp_path / "in"
    (raw / "sub").mkdir(parents=True)
    (raw / "sub" / "r.txt").write_text("not a report at all")
    (raw / "a.csv").write_text("x")
    (raw / "b.txt").write_text("")
    files = discover(raw)
    got = extract_raw_files(files, _paths(tmp_path, raw)).results
    assert [r.file for r in got] == ["a.csv", "b.txt", "sub/r.txt"]
    assert [r.sha256 for r in got] == [f.sha256 for f in files]
    assert all(r.status == "rejected" and r.reason for r in got)


def test_shards_are_by_content_and_cover_every_file(tmp_path):
    raw = tmp_path / "in"
    raw.mkdir()
    for i in range(40):
        (raw / f"{i}.txt").write_text(str(i))
    files = discover(raw)
    shards = [shard_of(f, 4) for f in files]
    assert set(shards) == {0, 1, 2, 3}
    (raw / "0.txt").rename(raw / "renamed.txt")  # the same bytes keep their shard
    moved = {f.sha256: shard_of(f, 4) for f in discover(raw)}
    assert all(moved[f.sha256] == s for f, s in zip(files, shards))


def test_paths_resource(tmp_path, monkeypatch):
    monkeypatch.setenv("GIP_DATA_DIR", str(tmp_path / "d"))
    p = GipPaths()
    assert p.raw() == tmp_path / "d" / "raw"
    assert p.published() == tmp_path / "d" / "warehouse" / "gip.duckdb"
    assert p.warehouse() == tmp_path / "d" / "warehouse" / "work" / "gip.duckdb"
    assert p.cache() == tmp_path / "d" / "cache" / "extraction"
    assert GipPaths(raw_dir="memory://in").raw() == "memory://in"
    assert p.exports() == tmp_path / "d" / "exports"
    assert GipPaths(data_dir=str(tmp_path / "e"), raw_dir=str(tmp_path / "in")).raw() == tmp_path / "in"


def test_previews_and_names():
    t = build_tidy([make_result()])
    md = markdown_table(t.cells, limit=3)
    assert md.count("\n") == 1 + 3 + 2 and "more rows" in md
    assert counts(t.reports, "status") == {"ok": 1}
    assert check_name("requests.balance") == "requests__balance"


def test_input_folder_sensor_fires_on_add_change_remove(tmp_path):
    from dagster import RunRequest, SkipReason, build_sensor_context

    from gip_pipeline.definitions import input_folder_sensor

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("a")
    paths = GipPaths(data_dir=str(tmp_path), raw_dir=str(raw))

    def tick(cursor):
        ctx = build_sensor_context(cursor=cursor, resources={"paths": paths})
        return input_folder_sensor(ctx), ctx.cursor

    first, cur = tick(None)
    assert isinstance(first, SkipReason) and cur  # the UI's first start runs nothing
    same, cur2 = tick(cur)
    assert isinstance(same, SkipReason) and cur2 == cur
    (raw / "b 报告.txt").write_text("b")
    added, cur3 = tick(cur)
    assert isinstance(added, RunRequest) and cur3 != cur
    (raw / "b 报告.txt").unlink()
    removed, cur4 = tick(cur3)
    assert isinstance(removed, RunRequest) and cur4 == cur  # the listing is as it was


def test_a_live_run_is_never_reaped():
    """reap_dead_runs judges by the processes that started the run and its steps: a run
    asking about itself while it runs (STARTED, its process alive) is left alone. The dead
    case: test_runs_killed_at_any_moment_never_wedge_the_next."""
    from dagster import DagsterInstance, DagsterRunStatus, asset, materialize

    from gip_pipeline.assets.instance import reap_dead_runs

    seen = {}

    @asset
    def probe(context):
        seen["reaped"] = reap_dead_runs(context.instance)
        seen["status"] = context.instance.get_run_by_id(context.run_id).status

    with DagsterInstance.ephemeral() as instance:
        assert materialize([probe], instance=instance).success
    assert seen == {"reaped": [], "status": DagsterRunStatus.STARTED}


def test_dbt_resource_skips_start_up_work_but_reports_the_real_version():
    import subprocess

    from dagster_dbt import DbtCliResource

    from gip_pipeline.assets.dbt import GipDbtCliResource, dbt_executable, dbt_resource

    # The overrides name dagster-dbt internals: after an upgrade that renames them they would
    # silently stop overriding anything.
    assert isinstance(DbtCliResource.__dict__.get("_cli_version"), cached_property)
    assert callable(DbtCliResource.__dict__.get("_initialize_dbt_core_adapter"))
    res = dbt_resource()
    assert isinstance(res, GipDbtCliResource)
    assert res._initialize_dbt_core_adapter(["build"]) is None
    printed = subprocess.run([dbt_executable(), "--version"], capture_output=True, text=True).stdout
    assert re.search(r"installed:\s*(\S+)", printed).group(1) == str(res._cli_version)
