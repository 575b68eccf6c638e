"""The organ registry: one canonical id per organ, so a series over years survives the way a
name is printed (上海市科委 / 上海市科学技术委员会, 平潭综合实验区 / …管委会 / …管委会（办公室编制）)
and a renaming (国有资产管理局 -> 投资促进局).

organ_id is `<region_code or unknown>:<organ proper>`: the organ proper is the name after its
region, its 编制 qualifier dropped, abbreviations expanded (data/abbreviations.csv, then an
abbreviation of a fuller name printed by another report of the same region), and `government` or
`general_office` for a government and its office whatever they are called (a township-level
body keeps its name). A curated entry (data/organs.csv, shipped; `<data>/organs.csv`, the
user's, which adds entries and overrides shipped ones by organ_id) fixes the official name, the
aliases and the successor an organ was renamed or merged into. organ_series_id follows the
successor links to the last organ: the key trends and marts join on.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

DATA = Path(__file__).parent / "data"
SHIPPED_ORGANS = DATA / "organs.csv"
ABBREVIATIONS = DATA / "abbreviations.csv"
CURATED_COLUMNS = ("organ_id", "official_name", "region_code", "admin_level", "organ_kind",
                   "aliases", "successor_id", "change", "change_year", "note")
CHANGES = ("renamed", "merged")
ORGAN_SOURCES = ("shipped", "user", "reports")
UNKNOWN_REGION = "unknown"
# Organ kinds whose proper is the kind itself (人民政府, 管委会, 行政公署 are one government).
_KIND_PROPER = {"government": "government", "general_office": "general_office"}

ORGANS_SCHEMA = pl.Schema({
    "organ_id": pl.Utf8, "official_name": pl.Utf8, "region_code": pl.Utf8,
    "admin_level": pl.Utf8, "organ_kind": pl.Utf8, "department_type": pl.Utf8,
    "aliases": pl.Utf8, "successor_id": pl.Utf8, "predecessor_ids": pl.Utf8, "change": pl.Utf8,
    "change_year": pl.Int32,
    "organ_series_id": pl.Utf8, "source": pl.Utf8, "note": pl.Utf8,
    # Named only by synthetic reports (test data): left out of the default download.
    "is_synthetic": pl.Boolean, "n_reports": pl.Int64, "first_year": pl.Int32, "last_year": pl.Int32,
    "names_printed": pl.Utf8,
})


class RegistryError(ValueError):
    """A curated organs file that cannot be used (the message says which row and why)."""


@dataclass(frozen=True)
class Organ:
    organ_id: str
    official_name: str
    region_code: str | None = None
    admin_level: str | None = None
    organ_kind: str | None = None
    aliases: tuple[str, ...] = ()
    successor_id: str | None = None
    change: str | None = None
    change_year: int | None = None
    note: str | None = None
    source: str = "shipped"


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    with ABBREVIATIONS.open(encoding="utf-8", newline="") as f:
        return {r["short"]: r["full"] for r in csv.DictReader(f)}


_QUALIFIER_RE = re.compile(r"[（(][^（）()]*[）)]$")
_LEVEL_RE = re.compile(r"^[省市县区州盟旗]")


def organ_proper(name: str, organ_kind: str | None = None, admin_level: str | None = None) -> str:
    """The organ name without its region, qualifier and abbreviations (see the module doc)."""
    from gip_pipeline.extraction.metadata import _leading_region

    s = re.sub(r"\s+", "", name or "")
    while _QUALIFIER_RE.search(s):
        s = _QUALIFIER_RE.sub("", s)
    if organ_kind in _KIND_PROPER and admin_level != "township":
        return _KIND_PROPER[organ_kind]
    s = s[len(_leading_region(s)):]
    if len(s) > 2:
        s = _LEVEL_RE.sub("", s)  # `区财政金融局`: the level word alone stands for the region
    s = s.replace("管理委员会", "管委会")
    return abbreviations().get(s, s)


def organ_key(region_code: str | None, proper: str) -> str:
    return f"{region_code or UNKNOWN_REGION}:{proper}"


def _int(v: str, where: str) -> int | None:
    if not v:
        return None
    try:
        return int(v)
    except ValueError:
        raise RegistryError(f"{where}: change_year {v!r} is not a year") from None


def read_organs(path: Path, source: str) -> list[Organ]:
    """The curated entries of one organs file (CURATED_COLUMNS; aliases `|`-separated)."""
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"organ_id", "official_name"} - set(reader.fieldnames or ())
        if missing:
            raise RegistryError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        out = []
        for i, r in enumerate(reader, start=2):
            r = {k: (v or "").strip() for k, v in r.items() if k}
            where = f"{path}:{i}"
            if not r.get("organ_id") or not r.get("official_name"):
                raise RegistryError(f"{where}: organ_id and official_name are required")
            if r.get("change") and r["change"] not in CHANGES:
                raise RegistryError(f"{where}: change {r['change']!r} is not one of {CHANGES}")
            out.append(Organ(
                r["organ_id"], r["official_name"], r.get("region_code") or None,
                r.get("admin_level") or None, r.get("organ_kind") or None,
                tuple(a for a in (r.get("aliases") or "").split("|") if a.strip()),
                r.get("successor_id") or None, r.get("change") or None,
                _int(r.get("change_year", ""), where), r.get("note") or None, source))
        return out


@dataclass
class Registry:
    organs: dict[str, Organ]

    @classmethod
    def load(cls, user_file: Path | None = None) -> "Registry":
        entries = {o.organ_id: o for o in read_organs(SHIPPED_ORGANS, "shipped")}
        if user_file is not None and Path(user_file).is_file():
            entries.update({o.organ_id: o for o in read_organs(user_file, "user")})
        reg = cls(entries)
        for o in entries.values():
            if o.successor_id and o.successor_id not in entries:
                raise RegistryError(f"organ {o.organ_id}: successor {o.successor_id} is not in "
                                    "the registry")
        return reg

    @property
    def by_name(self) -> dict[tuple[str | None, str], str]:
        """(region_code, organ proper) of every official name and alias -> organ_id."""
        out: dict[tuple[str | None, str], str] = {}
        for o in self.organs.values():
            for n in (o.official_name, *o.aliases):
                out.setdefault((o.region_code, organ_proper(n, o.organ_kind, o.admin_level)),
                               o.organ_id)
        return out

    def series(self, organ_id: str) -> str:
        """The last organ of the successor chain (organ_id itself without one)."""
        seen = {organ_id}
        cur = organ_id
        while (nxt := self.organs.get(cur)) is not None and nxt.successor_id:
            if nxt.successor_id in seen:
                raise RegistryError(f"organ {organ_id}: the successor links form a cycle")
            cur = nxt.successor_id
            seen.add(cur)
        return cur


def _department_type(o: Organ) -> str | None:
    from gip_pipeline.regions.coding import department_type

    return department_type(organ_proper(o.official_name)) if o.organ_kind == "department" else None


def _expand_in_region(propers: set[str]) -> dict[str, str]:
    """An abbreviated proper -> the one fuller proper of the same region it abbreviates."""
    from gip_pipeline.extraction.metadata import abbreviates

    out = {}
    for p in propers:
        fuller = [q for q in propers if abbreviates(p, q)]
        if len(fuller) == 1:
            out[p] = fuller[0]
    return out


def assign_organs(reports: pl.DataFrame, registry: Registry) -> tuple[pl.DataFrame, pl.DataFrame]:
    """reports with organ_id and organ_series_id set, and the organs table: every curated
    organ and every organ the reports name, with how many reports name it and when."""
    rows = reports.select("report_id", "organ", "region_code", "admin_level", "organ_kind",
                          "year", "is_synthetic").to_dicts()
    named = registry.by_name
    propers: dict[str | None, set[str]] = {}
    for r in rows:
        if r["organ"]:
            r["_proper"] = organ_proper(r["organ"], r["organ_kind"], r["admin_level"])
            propers.setdefault(r["region_code"], set()).add(r["_proper"])
    for code in propers:  # curated names of the region count as printed too
        propers[code] |= {p for (c, p) in named if c == code}
    expand = {code: _expand_in_region(ps) for code, ps in propers.items()}
    ids: dict[str, str | None] = {}
    seen: dict[str, list[dict]] = {}
    for r in rows:
        if not r["organ"]:
            ids[r["report_id"]] = None
            continue
        code = r["region_code"]
        proper = expand.get(code, {}).get(r["_proper"], r["_proper"])
        oid = named.get((code, r["_proper"])) or named.get((code, proper)) or organ_key(code, proper)
        ids[r["report_id"]] = oid
        seen.setdefault(oid, []).append(r)

    organs = dict(registry.organs)
    for oid, rs in seen.items():
        if oid not in organs:
            names = Counter(r["organ"] for r in rs)
            first = rs[0]
            organs[oid] = Organ(oid, max(names, key=lambda n: (names[n], len(n), n)),
                                first["region_code"], first["admin_level"], first["organ_kind"],
                                source="reports")
    series = {oid: Registry(organs).series(oid) for oid in organs}
    predecessors: dict[str, list[str]] = {}
    for o in organs.values():
        if o.successor_id:
            predecessors.setdefault(o.successor_id, []).append(o.organ_id)
    table = []
    for oid in sorted(organs):
        o = organs[oid]
        rs = seen.get(oid, [])
        years = [r["year"] for r in rs if r["year"] is not None]
        table.append({
            "organ_id": oid, "official_name": o.official_name, "region_code": o.region_code,
            "admin_level": o.admin_level, "organ_kind": o.organ_kind,
            "department_type": _department_type(o),
            "aliases": "|".join(o.aliases) or None, "successor_id": o.successor_id,
            "predecessor_ids": "|".join(sorted(predecessors.get(oid, ()))) or None,
            "change": o.change, "change_year": o.change_year, "organ_series_id": series[oid],
            "source": o.source, "note": o.note,
            "is_synthetic": o.source == "reports" and all(r["is_synthetic"] for r in rs),
            "n_reports": len(rs),
            "first_year": min(years, default=None), "last_year": max(years, default=None),
            "names_printed": "|".join(sorted({r["organ"] for r in rs})) or None,
        })
    organs_frame = pl.DataFrame(table, schema=ORGANS_SCHEMA) if table else pl.DataFrame(schema=ORGANS_SCHEMA)
    id_col = [ids[rid] for rid in reports["report_id"].to_list()]
    out = reports.with_columns(
        pl.Series("organ_id", id_col, dtype=pl.Utf8),
        pl.Series("organ_series_id", [series[i] if i else None for i in id_col], dtype=pl.Utf8))
    return out, organs_frame


