"""The plain functions behind the Dagster assets, without running Dagster."""

import pytest

import gip_pipeline.extraction.parse as parse_mod
from gip_pipeline.assets.core import EXTRACTOR_ERROR_CHECK, check_name, parse_one
from gip_pipeline.assets.preview import counts, markdown_table
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.raw import discover
from gip_pipeline.tidy import build_tidy
from gip_pipeline_tests.pipeline_fixtures import make_result


def test_unknown_format_is_rejected_without_parsing(tmp_path, monkeypatch):
    (tmp_path / "notes.json").write_text("{}")
    monkeypatch.setattr(parse_mod, "parse_file", lambda p: pytest.fail("parser called"))
    [raw] = discover(tmp_path)
    r = parse_one(raw, GipPaths(raw_dir=str(tmp_path)))
    assert r.status == "rejected" and ".json" in r.reason and r.format is None and not r.cells
    rep = build_tidy([r]).reports.row(0, named=True)
    assert rep["status"] == "rejected" and rep["format"] is None


def test_an_extractor_crash_becomes_a_rejected_report(tmp_path, monkeypatch):
    (tmp_path / "r.txt").write_text("x")

    def boom(path):
        raise ValueError("cannot read")

    monkeypatch.setattr(parse_mod, "parse_file", boom)
    [raw] = discover(tmp_path)
    r = parse_one(raw, GipPaths(raw_dir=str(tmp_path)))
    assert r.status == "rejected" and "ValueError: cannot read" in r.reason
    assert [f.check for f in r.findings] == [EXTRACTOR_ERROR_CHECK]


def test_parse_result_file_is_relative_and_hash_checked(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "r.txt").write_text("report")
    [raw] = discover(tmp_path)
    monkeypatch.setattr(parse_mod, "parse_file", lambda p: make_result(str(p), content="report"))
    assert parse_one(raw, GipPaths(raw_dir=str(tmp_path))).file == "sub/r.txt"
    monkeypatch.setattr(parse_mod, "parse_file", lambda p: make_result(str(p), content="other"))
    with pytest.raises(RuntimeError, match="changed while the pipeline ran"):
        parse_one(raw, GipPaths(raw_dir=str(tmp_path)))


def test_paths_resource(tmp_path, monkeypatch):
    monkeypatch.setenv("GIP_DATA_DIR", str(tmp_path / "d"))
    p = GipPaths()
    assert p.raw() == tmp_path / "d" / "raw"
    assert p.warehouse() == tmp_path / "d" / "warehouse" / "gip.duckdb"
    assert p.exports() == tmp_path / "d" / "exports"
    assert GipPaths(data_dir=str(tmp_path / "e"), raw_dir=str(tmp_path / "in")).raw() == tmp_path / "in"


def test_previews_and_names():
    t = build_tidy([make_result()])
    md = markdown_table(t.cells, limit=3)
    assert md.count("\n") == 1 + 3 + 2 and "more rows" in md
    assert counts(t.reports, "status") == {"ok": 1}
    assert check_name("requests.balance") == "requests__balance"
