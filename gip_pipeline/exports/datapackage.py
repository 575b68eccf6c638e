"""datapackage.json: a Frictionless Data Package (v2) describing the export folder.

Each Parquet and CSV file in the folder becomes a tabular resource with its
fields (types from the file's own Arrow schema), primary key, row count, byte
size and sha256. Field descriptions come from gip_pipeline.metadata.fields.FIELD_DOCS, the
one registry of what an exported column means, in English and Chinese.

License: CC-BY-4.0 by default. The package is a database built from official
documents; CC BY 4.0 (unlike 3.0) licenses sui generis database rights as well
as copyright, covers the non-database parts too (codebook, HTML report), is the
licence research repositories (Zenodo, Dataverse) and funders know best, and its
attribution condition keeps the provenance chain visible. ODC-BY would cover
the database alone. The source reports themselves are published by the organs
under the Regulation on Open Government Information; this licence is for the
derived files, not a claim over the reports.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gip_pipeline.metadata.fields import find_field_doc
from gip_pipeline.metadata.outputs import PRIMARY_KEYS, TABLE_DOCS
from gip_pipeline.atomic import atomic_write_text
from gip_pipeline.exports.provenance import PROVENANCE_FILE, iso_utc, sha256_file

DATAPACKAGE_FILE = "datapackage.json"
PROFILE_V2 = "https://datapackage.org/profiles/2.0/datapackage.json"

DEFAULT_LICENSES: tuple[dict, ...] = (
    {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
     "title": "Creative Commons Attribution 4.0 International"},
)

# ------------------------------------------------------------ resources


def table_schema_type(t: pa.DataType) -> str:
    """Table Schema field type of an Arrow type."""
    if pa.types.is_dictionary(t):
        return table_schema_type(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "datetime"
    if pa.types.is_time(t):
        return "time"
    if pa.types.is_duration(t):
        return "duration"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "array"
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return "object"
    return "any"


def field_descriptor(name: str, arrow_type: pa.DataType) -> dict:
    f: dict = {"name": name, "type": table_schema_type(arrow_type)}
    doc = find_field_doc(name)
    if doc is not None:
        f["title"] = doc.zh
        f["description"] = doc.description()
        if doc.unit:
            f["unit"] = doc.unit  # not a Table Schema property; kept as an extension
        if doc.enum and f["type"] == "string":
            f["constraints"] = {"enum": list(doc.enum)}
    return f


def _arrow_schema_and_rows(path: Path, fmt: str) -> tuple[pa.Schema, int]:
    if fmt == "parquet":
        pf = pq.ParquetFile(path)
        return pf.schema_arrow, pf.metadata.num_rows
    import polars as pl

    frame = pl.read_csv(path, infer_schema_length=None, try_parse_dates=True)
    return frame.to_arrow().schema, frame.height


def resource_name(path: Path) -> str:
    """A Data Package resource name (lower case, -._ allowed) from a file name."""
    return re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-") or "resource"


def describe_resource(path: str | Path, name: str | None = None, *, base: str | Path | None = None,
                      description: str | None = None,
                      primary_key: Sequence[str] | None = None) -> dict:
    """The Data Package resource for one Parquet or CSV file.

    name defaults to the file stem; path is written relative to `base` (default: the
    file's folder). primary_key defaults to PRIMARY_KEYS[name] and is kept only where
    every key field exists in the file.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"{path}: only Parquet and CSV files are described, not {fmt!r}")
    name = name or resource_name(path)
    arrow_schema, rows = _arrow_schema_and_rows(path, fmt)
    fields = [field_descriptor(f.name, f.type) for f in arrow_schema]
    tschema: dict = {"fields": fields}
    if fmt == "csv":
        tschema["missingValues"] = [""]  # a blank CSV cell is null, never zero
    else:
        # frictionless reads Parquet through pandas, which shows a null number as NaN
        tschema["missingValues"] = ["", "nan"]
    pk = tuple(primary_key) if primary_key is not None else PRIMARY_KEYS.get(
        path.stem, PRIMARY_KEYS.get(name, ()))
    names = {f["name"] for f in fields}
    if pk and all(k in names for k in pk):
        tschema["primaryKey"] = list(pk)
    res: dict = {
        "name": name,
        "type": "table",
        "path": path.relative_to(Path(base) if base is not None else path.parent).as_posix(),
        "format": fmt,
        "mediatype": "application/vnd.apache.parquet" if fmt == "parquet" else "text/csv",
    }
    if fmt == "csv":
        res["encoding"] = "utf-8"
    desc = description or TABLE_DOCS.get(path.stem) or TABLE_DOCS.get(name)
    if desc:
        res["description"] = desc
    if fmt == "csv":
        # not for Parquet: frictionless cannot count the bytes it reads through pandas, and
        # would call the file invalid; its sha256 (hash) identifies it
        res["bytes"] = path.stat().st_size
    res["hash"] = f"sha256:{sha256_file(path)}"
    res["rows"] = rows  # not in the spec; readers use it to check a download is complete
    res["schema"] = tschema
    return res


def data_files(export_dir: str | Path) -> list[Path]:
    """Every Parquet and CSV file under export_dir (hidden and temporary files skipped), sorted."""
    root = Path(export_dir)
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if p.suffix.lower() in (".parquet", ".csv"):
            out.append(p)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def build_datapackage(export_dir: str | Path, resources: Sequence[dict] | None = None,
                      provenance: dict | None = None, *,
                      created: dt.datetime | str | None = None,
                      licenses: Sequence[dict] = DEFAULT_LICENSES,
                      name: str = "gip-annual-reports",
                      title: str = "China government information publicity annual reports: "
                                   "statistical tables (政府信息公开工作年度报告统计表)",
                      description: str | None = None) -> dict:
    """The datapackage.json content for export_dir.

    resources: descriptors from describe_resource (paths relative to export_dir); every
    Parquet/CSV file of the folder not among them is described here, so the package
    always lists each data file. created: default provenance["run_time"] (reproducible
    runs pass it; the wall clock is never read).
    """
    root = Path(export_dir)
    given = [dict(r) for r in (resources or [])]
    for r in given:
        if not (root / r["path"]).is_file():
            raise FileNotFoundError(f"resource {r.get('name')!r}: {root / r['path']} is absent")
    listed = {Path(r["path"]).as_posix() for r in given}
    for p in data_files(root):
        rel = p.relative_to(root).as_posix()
        if rel not in listed:
            given.append(describe_resource(p, base=root))
    given.sort(key=lambda r: r["path"])
    _dedupe_names(given)

    when = created if created is not None else (provenance or {}).get("run_time")
    pkg: dict = {
        "$schema": PROFILE_V2,
        "name": name,
        "title": title,
        "description": description or (
            "Statistical tables (sections 二, 三, 四) extracted from government information "
            "publicity annual reports, in tidy long form, with report metadata, check findings "
            "and report-level comparison measures. A blank cell is missing (null), never zero. "
            "Keys and labels: CODEBOOK.md. Source files and pipeline version: "
            f"{PROVENANCE_FILE}."),
        "licenses": [dict(l) for l in licenses],
        "keywords": ["government information disclosure", "政府信息公开", "annual reports", "China"],
    }
    if when is not None:
        pkg["created"] = iso_utc(when)
    if provenance:
        pkg["sources"] = [{
            "title": f"{provenance.get('n_source_files', '?')} report files; sha256 of each in "
                     f"{PROVENANCE_FILE} (inputs fingerprint {provenance.get('inputs_sha256')})",
            "path": PROVENANCE_FILE,
        }]
        pipe = provenance.get("pipeline") or {}
        if pipe.get("version"):
            pkg["gip_pipeline_version"] = pipe["version"]
    pkg["resources"] = given
    return pkg


def _dedupe_names(resources: list[dict]) -> None:
    """cells.parquet and cells.csv would both be `cells`: suffix the later ones with the format."""
    seen: set[str] = set()
    for r in resources:
        n = r["name"]
        if n in seen:
            n = f"{n}-{r.get('format', 'data')}"
            k = 2
            while n in seen:
                n, k = f"{r['name']}-{r.get('format', 'data')}-{k}", k + 1
            r["name"] = n
        seen.add(n)


def datapackage_json(pkg: dict) -> str:
    return json.dumps(pkg, ensure_ascii=False, indent=2) + "\n"


def write_datapackage(export_dir: str | Path, resources: Sequence[dict] | None = None,
                      provenance: dict | None = None, **kwargs) -> Path:
    """Write export_dir/datapackage.json (temp file, then rename); kwargs as build_datapackage."""
    pkg = build_datapackage(export_dir, resources, provenance, **kwargs)
    return atomic_write_text(Path(export_dir) / DATAPACKAGE_FILE, datapackage_json(pkg))
