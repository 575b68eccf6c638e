"""datapackage.json and provenance.json on a small export folder built here.

frictionless 5 reads Parquet only through pandas (not a dependency), so Parquet
resources are checked in two steps: the descriptor validates against the Data
Package profile, and the resource's own schema validates the same rows written
as CSV (types, enums, primary key). CSV resources validate as they are,
including bytes and hash.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json

import frictionless
import polars as pl
import pytest

from gip_pipeline.metadata import schema
from gip_pipeline.metadata.fields import FIELD_DOCS
from gip_pipeline.exports.datapackage import (
    build_datapackage,
    describe_resource,
    table_schema_type,
    write_datapackage,
)
from gip_pipeline.metadata.outputs import MART_MODELS
from gip_pipeline.exports.provenance import build_provenance, iso_utc, write_provenance

RUN = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _cells() -> pl.DataFrame:
    return pl.DataFrame({
        "report_id": ["a" * 16] * 4 + ["b" * 16],
        "table": ["requests", "requests", "requests", "active_disclosure", "review_litigation"],
        "row": ["new_received", "new_received", "total_handled", "administrative_fees",
                "reconsideration"],
        "col": ["natural_person", "total", "total", "fee_amount_10k_yuan", "total"],
        "value": [13.0, None, 12.0, 0.5, 2.0],  # None: printed blank, must stay null
        "value_int": [13, None, 12, None, 2],
        "raw": ["13", "", "12", "0.5", "2"],
        "page": pl.Series([None, None, None, 3, 1], dtype=pl.Int32),
    })


def _reports() -> pl.DataFrame:
    return pl.DataFrame({
        "report_id": ["a" * 16, "b" * 16],
        "organ": ["北京市人民政府办公厅", "上海市人民政府"],
        "year": pl.Series([2023, 2022], dtype=pl.Int32),
        "published": [dt.date(2024, 1, 30), None],
        "era": ["2021", "2021"],
        "admin_level": ["province", "province"],
        "status": ["ok", "warning"],
        "is_synthetic": [False, True],
    })


def _comparison() -> pl.DataFrame:
    return pl.DataFrame({
        "report_id": ["a" * 16, "b" * 16],
        "total_handled": [12, 40],
        "grant_rate_numerator": [6, 30],
        "grant_rate_denominator": [12, 40],
        "grant_rate": [0.5, 0.75],
        "rankable": [False, True],
    })


@pytest.fixture()
def export_dir(tmp_path):
    d = tmp_path / "exports"
    d.mkdir()
    _cells().write_parquet(d / "cells.parquet")
    _reports().write_parquet(d / "reports.parquet")
    _comparison().write_parquet(d / "report_comparison.parquet")
    _cells().write_csv(d / "cells.csv")  # same stem as cells.parquet: names must not collide
    (d / ".cells.parquet.x.tmp").write_bytes(b"half-written")  # must be skipped
    (d / "CODEBOOK.md").write_text("# not a table\n", encoding="utf-8")
    return d


@pytest.fixture()
def provenance():
    return build_provenance([("raw/b.pdf", "b" * 64), ("raw/a.txt", "A" * 64)], "0.1.0", RUN,
                            packages={"polars": "2.1.0"})


def test_every_data_file_is_a_resource_with_true_bytes_hash_rows(export_dir, provenance):
    pkg = build_datapackage(export_dir, None, provenance)
    by_path = {r["path"]: r for r in pkg["resources"]}
    assert sorted(by_path) == ["cells.csv", "cells.parquet", "report_comparison.parquet",
                               "reports.parquet"]
    assert len({r["name"] for r in pkg["resources"]}) == 4
    for rel, r in by_path.items():
        data = (export_dir / rel).read_bytes()
        # bytes only for CSV: frictionless cannot count what it reads of Parquet (via pandas)
        assert r.get("bytes") == (len(data) if rel.endswith(".csv") else None)
        assert r["hash"] == "sha256:" + _sha(data)
        frame = pl.read_parquet(export_dir / rel) if rel.endswith(".parquet") else \
            pl.read_csv(export_dir / rel)
        assert r["rows"] == frame.height
        assert [f["name"] for f in r["schema"]["fields"]] == frame.columns
    assert by_path["cells.parquet"]["rows"] == 5
    assert by_path["cells.parquet"]["schema"]["primaryKey"] == ["report_id", "table", "row", "col"]
    assert by_path["reports.parquet"]["schema"]["primaryKey"] == ["report_id"]


def test_types_units_and_bilingual_descriptions(export_dir, provenance):
    pkg = build_datapackage(export_dir, None, provenance)
    res = {r["path"]: r for r in pkg["resources"]}
    fields = {f["name"]: f for f in res["cells.parquet"]["schema"]["fields"]}
    assert fields["value"]["type"] == "number"
    assert fields["value_int"]["type"] == "integer"
    assert fields["page"]["type"] == "integer"
    assert fields["raw"]["type"] == "string"
    assert "never zero" in fields["value"]["description"] and "不记为 0" in fields["value"][
        "description"]
    assert fields["table"]["constraints"]["enum"] == [t.key for t in schema.TABLES]
    rfields = {f["name"]: f for f in res["reports.parquet"]["schema"]["fields"]}
    assert rfields["published"]["type"] == "date"
    assert rfields["is_synthetic"]["type"] == "boolean"
    for m in schema.METADATA:  # every metadata field's doc comes from the schema
        assert FIELD_DOCS[m.key].zh == m.zh and FIELD_DOCS[m.key].en.startswith(m.en)
    assert rfields["organ"]["title"] == "发布机构"
    admin = next(m for m in schema.METADATA if m.key == "admin_level")
    assert rfields["admin_level"]["constraints"]["enum"] == list(admin.values)
    cfields = {f["name"]: f for f in res["report_comparison.parquet"]["schema"]["fields"]}
    grant = next(m for m in schema.MEASURES if m.key == "grant_rate")
    assert cfields["grant_rate"]["unit"] == "ratio" and grant.zh in cfields["grant_rate"]["title"]
    assert cfields["grant_rate_denominator"]["unit"] == "count"
    assert str(schema.MIN_RANK_DENOMINATOR) in cfields["rankable"]["description"]
    # CSV: blank is null
    assert res["cells.csv"]["schema"]["missingValues"] == [""]


def test_package_validates_with_frictionless(export_dir, provenance):
    path = write_datapackage(export_dir, None, provenance)
    pkg = json.loads(path.read_text(encoding="utf-8"))
    report = frictionless.Package.validate_descriptor(copy.deepcopy(pkg))
    assert report.valid, report.flatten(["type", "note"])
    assert pkg["created"] == "2025-03-01T12:00:00Z"
    assert pkg["licenses"][0]["name"] == "CC-BY-4.0"
    for r in pkg["resources"]:
        if r["format"] == "csv":  # as it is: data, bytes and hash all checked
            rep = frictionless.Resource(copy.deepcopy(r), basepath=str(export_dir)).validate()
            assert rep.valid, rep.flatten(["rowNumber", "fieldName", "type", "note"])


def test_parquet_rows_satisfy_their_resource_schema(export_dir, provenance, tmp_path):
    pkg = build_datapackage(export_dir, None, provenance)
    for r in pkg["resources"]:
        if r["format"] != "parquet":
            continue
        rep = _validate_parquet_as_csv(export_dir / r["path"], r, tmp_path)
        assert rep.valid, (r["path"], rep.flatten(["rowNumber", "fieldName", "type", "note"]))


def _validate_parquet_as_csv(parquet, resource, tmp_path):
    csv = tmp_path / f"{resource['name']}.check.csv"
    pl.read_parquet(parquet).write_csv(csv)
    d = {k: v for k, v in copy.deepcopy(resource).items() if k not in ("bytes", "hash", "rows")}
    d.update(path=csv.name, format="csv", mediatype="text/csv", encoding="utf-8")
    return frictionless.Resource(d, basepath=str(tmp_path)).validate()


def test_validation_can_fail(export_dir, provenance, tmp_path):
    pkg = build_datapackage(export_dir, None, provenance)
    # a wrong hash on a CSV resource is caught
    csv_res = copy.deepcopy(next(r for r in pkg["resources"] if r["format"] == "csv"))
    csv_res["hash"] = "sha256:" + "0" * 64
    assert not frictionless.Resource(csv_res, basepath=str(export_dir)).validate().valid
    # a duplicated primary key in Parquet is caught
    dup = pl.concat([_cells(), _cells().head(1)])
    dup.write_parquet(export_dir / "cells.parquet")
    res = describe_resource(export_dir / "cells.parquet", base=export_dir)
    assert not _validate_parquet_as_csv(export_dir / "cells.parquet", res, tmp_path).valid
    # an unknown table key breaks the enum
    bad = _cells().with_columns(pl.lit("requestz").alias("table"))
    bad.write_parquet(export_dir / "cells.parquet")
    res = describe_resource(export_dir / "cells.parquet", base=export_dir)
    assert not _validate_parquet_as_csv(export_dir / "cells.parquet", res, tmp_path).valid
    # an invalid created date is caught by the profile
    pkg["created"] = "yesterday"
    assert not frictionless.Package.validate_descriptor(pkg).valid


def test_reproducible_bytes_and_created_from_provenance(export_dir, provenance):
    a = write_datapackage(export_dir, None, provenance).read_bytes()
    b = write_datapackage(export_dir, None, provenance).read_bytes()
    assert a == b
    later = build_datapackage(export_dir, None, provenance, created="2026-01-01T00:00:00+08:00")
    assert later["created"] == "2025-12-31T16:00:00Z"
    assert "created" not in build_datapackage(export_dir)  # no provenance, no clock


def test_given_resources_are_kept_and_missing_files_refused(export_dir):
    given = describe_resource(export_dir / "reports.parquet", "report-meta", base=export_dir,
                              description="custom")
    pkg = build_datapackage(export_dir, [given])
    names = {r["path"]: r["name"] for r in pkg["resources"]}
    assert names["reports.parquet"] == "report-meta" and len(names) == 4
    with pytest.raises(FileNotFoundError):
        build_datapackage(export_dir, [{**given, "path": "gone.parquet"}])
    with pytest.raises(ValueError):
        describe_resource(export_dir / "CODEBOOK.md")


def test_arrow_type_mapping():
    import pyarrow as pa

    assert table_schema_type(pa.dictionary(pa.int8(), pa.string())) == "string"
    assert table_schema_type(pa.decimal128(10, 2)) == "number"
    assert table_schema_type(pa.timestamp("us", tz="UTC")) == "datetime"
    assert table_schema_type(pa.large_string()) == "string"
    assert table_schema_type(pa.binary()) == "any"


# ------------------------------------------------------------ provenance


def test_provenance_sorted_normalised_and_fingerprinted(tmp_path, provenance):
    assert [f["path"] for f in provenance["source_files"]] == ["raw/a.txt", "raw/b.pdf"]
    assert provenance["source_files"][0]["sha256"] == "a" * 64  # lower-cased
    assert provenance["run_time"] == "2025-03-01T12:00:00Z"
    assert provenance["pipeline"] == {"name": "gip_pipeline", "version": "0.1.0"}
    assert provenance["n_source_files"] == 2
    expected = _sha(f"raw/a.txt\t{'a' * 64}\nraw/b.pdf\t{'b' * 64}\n".encode())
    assert provenance["inputs_sha256"] == expected
    # input order does not matter; content does
    again = build_provenance([("raw/a.txt", "a" * 64), ("raw/b.pdf", "b" * 64)], "0.1.0", RUN,
                             packages={"polars": "2.1.0"})
    assert again == provenance
    changed = build_provenance([("raw/a.txt", "c" * 64), ("raw/b.pdf", "b" * 64)], "0.1.0", RUN,
                               packages={"polars": "2.1.0"})
    assert changed["inputs_sha256"] != provenance["inputs_sha256"]
    p = write_provenance(tmp_path, provenance)
    assert json.loads(p.read_text(encoding="utf-8")) == provenance


def test_provenance_refuses_bad_input():
    with pytest.raises(ValueError, match="sha256"):
        build_provenance([("a.txt", "xyz")], "0.1.0", RUN)
    with pytest.raises(ValueError, match="twice"):
        build_provenance([("a.txt", "a" * 64), ("a.txt", "b" * 64)], "0.1.0", RUN)
    with pytest.raises(ValueError, match="time zone"):
        iso_utc(dt.datetime(2025, 1, 1))
    assert build_provenance([], "0.1.0", "2025-01-01T00:00:00Z")["packages"]  # installed versions


def test_every_exported_column_has_a_field_doc():
    # The columns the pipeline really exports: tidy tables and the report_comparison mart.
    from gip_pipeline.metadata.outputs import MART_COLUMNS
    from gip_pipeline.tidy import TIDY_TABLES, tidy_schema

    names = {n for t in TIDY_TABLES for n in tidy_schema(t).names()}
    names |= {c for cols in MART_COLUMNS.values() for c in cols}
    assert set(MART_COLUMNS) == set(MART_MODELS)
    assert sorted(n for n in names if n not in FIELD_DOCS) == []
    for n in names:
        doc = FIELD_DOCS[n]
        assert doc.en and doc.zh, n
