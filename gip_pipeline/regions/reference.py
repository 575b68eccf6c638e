"""Year-aware GB/T 2260 region reference, loaded from data/regions.csv.gz.

The file is built by build_reference.py from published packages (see regions.meta.json);
this module only reads it. Validity years are calendar years, inclusive.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
REGIONS_FILE = DATA_DIR / "regions.csv.gz"
META_FILE = DATA_DIR / "regions.meta.json"

LEVELS: tuple[str, ...] = ("national", "province", "prefecture", "county", "township")
# GB/T 2260 has no code for the country; 100000 is the conventional national code.
NATIONAL_CODE = "100000"

# Names of zones that are not divisions in GB/T 2260 but whose territory is exactly one
# division. Curated (the packages have none); each entry says why.
ZONE_ALIASES: dict[str, tuple[str, str]] = {
    "平潭综合实验区": ("350128", "福建平潭综合实验区 administers all of 平潭县 (350128)"),
}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None
    province_code: str
    prefecture_code: str | None
    valid_from: int | None = None  # None: earlier years unknown (townships: snapshot only)
    valid_to: int | None = None  # None: still in force at the snapshot
    dated_by: str = ""

    def valid_in(self, year: int | None) -> bool:
        """In force during (part of) `year`; year None = in force at the snapshot."""
        if year is None:
            return self.valid_to is None
        return ((self.valid_from is None or self.valid_from <= year)
                and (self.valid_to is None or year <= self.valid_to))


def _opt_int(s: str) -> int | None:
    return int(s) if s else None


@lru_cache(maxsize=1)
def _all() -> tuple[Region, ...]:
    with gzip.open(REGIONS_FILE, "rb") as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8")
        return tuple(
            Region(code=r["code"], name=r["name"], level=r["level"],
                   parent_code=r["parent_code"] or None, province_code=r["province_code"],
                   prefecture_code=r["prefecture_code"] or None,
                   valid_from=_opt_int(r["valid_from"]), valid_to=_opt_int(r["valid_to"]),
                   dated_by=r["dated_by"])
            for r in csv.DictReader(text))


@lru_cache(maxsize=1)
def reference_meta() -> dict:
    """Sources, versions and checksums of the reference file."""
    return json.loads(META_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _by_code() -> dict[str, tuple[Region, ...]]:
    out: dict[str, list[Region]] = {}
    for r in _all():
        out.setdefault(r.code, []).append(r)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def name_index() -> dict[str, tuple[Region, ...]]:
    """Every name ever in force (and zone aliases) -> its records, all years."""
    out: dict[str, list[Region]] = {}
    for r in _all():
        out.setdefault(r.name, []).append(r)
    for alias, (code, _why) in ZONE_ALIASES.items():
        out.setdefault(alias, []).extend(_by_code().get(code, ()))
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=64)
def _load(year: int | None, levels: tuple[str, ...] | None) -> tuple[Region, ...]:
    return tuple(r for r in _all()
                 if r.valid_in(year) and (levels is None or r.level in levels))


def load_regions(year: int | None = None, levels: tuple[str, ...] | list[str] | None = None
                 ) -> list[Region]:
    """Regions in force in `year` (None: at the snapshot), optionally only some levels.

    Townships are known only from the current snapshot: they are listed for every year.
    """
    return list(_load(year, tuple(levels) if levels is not None else None))


def get_region(code: str | int, year: int | None = None) -> Region | None:
    """The record of `code` in force in `year` (None: at the snapshot), else None."""
    code = str(code)
    if len(code) == 12:  # 12-digit statistical code: county 6 / township 9 digits
        code = code[:6] if code.endswith("000000") else code[:9]
    hits = [r for r in _by_code().get(code, ()) if r.valid_in(year)]
    # in a change year an old and a new name can both be in force: take the later one
    return max(hits, key=lambda r: r.valid_from or 0) if hits else None


def region_history(code: str | int) -> list[Region]:
    """All records of a code, oldest first (names and validity ranges)."""
    return sorted(_by_code().get(str(code), ()), key=lambda r: r.valid_from or 0)


def is_within(child: Region, ancestor: Region) -> bool:
    """`ancestor` is the parent, prefecture or province of `child`."""
    if child.code == ancestor.code:
        return False
    return ancestor.code in (child.parent_code, child.prefecture_code, child.province_code) or (
        child.level == "township" and child.parent_code is not None
        and ancestor.level != "township"
        and any(ancestor.code in (p.parent_code, p.prefecture_code, p.province_code)
                for p in _by_code().get(child.parent_code, ())))


# The reference as the warehouse table core.regions (and regions.parquet in the download):
# one row per code and period of validity (region_id: code|valid_from|valid_to, '-' = open),
# the names the marts show beside their codes.
REGIONS_COLUMNS: tuple[str, ...] = ("region_id",) + tuple(f.name for f in fields(Region))
NATIONAL_NAME = "全国"


def regions_frame():
    """core.regions: every region of the reference, plus the conventional national code."""
    import polars as pl

    rows = [asdict(r) for r in _all()]
    rows.append(asdict(Region(NATIONAL_CODE, NATIONAL_NAME, "national", None, None, None,
                              dated_by="convention")))
    years = {"valid_from", "valid_to"}
    frame = pl.DataFrame(rows, schema={k: pl.Int32 if k in years else pl.Utf8
                                       for k in REGIONS_COLUMNS[1:]})
    # a code's periods can overlap in the sources (two names in one year): from and to both
    key = pl.concat_str(pl.col("code"), pl.col("valid_from").cast(pl.Utf8).fill_null("-"),
                        pl.col("valid_to").cast(pl.Utf8).fill_null("-"), separator="|")
    return frame.select(key.alias("region_id"), pl.all()).sort("code", "valid_from",
                                                               nulls_last=False)


REFERENCE_TABLES: tuple[str, ...] = ("regions",)


def reference_tables() -> dict:
    """The reference tables the load step writes beside the tidy tables."""
    return {"regions": regions_frame()}
