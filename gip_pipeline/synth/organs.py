"""Publishing organs for synthetic reports, built on real administrative areas.

Regions come from `gip_pipeline.regions.load_regions(year)` (GB/T 2260); nothing
here restates a region table. Tests inject a small list of region-like objects.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Sequence

LEVELS = ("province", "prefecture", "county")

# Departments by level: (name suffix, request scale factor). Scale factors make
# police, land and housing organs the busy ones, as in real reports.
_DEPTS_PROVINCE = (("公安厅", 2.0), ("教育厅", 0.8), ("自然资源厅", 2.5), ("财政厅", 0.7),
                   ("住房和城乡建设厅", 1.5), ("生态环境厅", 1.0), ("卫生健康委员会", 0.8),
                   ("市场监督管理局", 1.2), ("人力资源和社会保障厅", 1.0), ("交通运输厅", 0.8))
_DEPTS_LOCAL = (("公安局", 2.0), ("教育局", 0.8), ("自然资源局", 2.5), ("财政局", 0.6),
                ("住房和城乡建设局", 1.8), ("生态环境局", 0.9), ("卫生健康委员会", 0.7),
                ("市场监督管理局", 1.2), ("人力资源和社会保障局", 1.0), ("交通运输局", 0.7),
                ("农业农村局", 0.8), ("民政局", 0.5))
# Median new requests per year of a government's own summary report, by level.
_NOT_MAINLAND = ("71", "81", "82")
_LEVEL_MEDIAN = {"province": 400.0, "prefecture": 120.0, "county": 25.0}
_KIND_FACTOR = {"government": 1.0, "general_office": 0.25, "department": 0.3}


@dataclass(frozen=True)
class Organ:
    name: str
    region_code: str
    region_name: str
    admin_level: str
    organ_kind: str
    scale: float  # median of new requests per year
    province_code: str
    # Years the region is in force (GB/T 2260 valid_from/valid_to): a city set up in 2022 has
    # no report for 2019. None: unbounded.
    valid_from: int | None = None
    valid_to: int | None = None

    def in_force(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and \
            (self.valid_to is None or year <= self.valid_to)


def _get(r: Any, key: str, default: Any = ...) -> Any:
    if default is not ...:
        return r.get(key, default) if isinstance(r, dict) else getattr(r, key, default)
    return r[key] if isinstance(r, dict) else getattr(r, key)


def load_default_regions(year: int = 2023) -> list[Any]:
    """Regions from gip_pipeline.regions; raises a clear error while it is absent."""
    try:
        from gip_pipeline.regions import load_regions  # built by another engineer
    except ImportError as e:  # pragma: no cover - depends on the repo state
        raise RuntimeError("gip_pipeline.regions is not available yet: "
                           "pass regions explicitly (tests inject a small list)") from e
    return list(load_regions(year))


def _display_name(region: Any, by_code: dict[str, Any]) -> str:
    """A county-level district is usually named with its prefecture (淮安市洪泽区)."""
    name = _get(region, "name")
    level = _get(region, "level")
    if level == "county" and name.endswith("区"):
        parent = by_code.get(_get(region, "parent_code") or "")
        if parent is not None and _get(parent, "level") in ("prefecture", "province"):
            return _get(parent, "name") + name
    return name


def organ_name(region_name: str, level: str, kind: str, dept: str = "") -> str:
    if kind == "government":
        return region_name + "人民政府"
    if kind == "general_office":
        return region_name + ("人民政府办公厅" if level == "province" else "人民政府办公室")
    return region_name + dept


def make_organs(regions: Sequence[Any], rng: random.Random, n: int) -> list[Organ]:
    """n distinct organs, spread over levels (more counties than provinces, like reality)."""
    # The 31 provinces of the mainland: Taiwan, Hong Kong and Macao (71/81/82) publish no GIP reports.
    regs = [r for r in regions if _get(r, "level") in LEVELS and _get(r, "code")[:2] not in _NOT_MAINLAND]
    if not regs:
        raise ValueError("no province/prefecture/county regions given")
    by_code = {_get(r, "code"): r for r in regions}
    by_level = {lv: [r for r in regs if _get(r, "level") == lv] for lv in LEVELS}
    level_weights = {"province": 0.12, "prefecture": 0.33, "county": 0.55}
    out: dict[str, Organ] = {}
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        lv = rng.choices(LEVELS, weights=[level_weights[x] if by_level[x] else 0 for x in LEVELS])[0]
        region = rng.choice(by_level[lv])
        kind = rng.choices(("government", "general_office", "department"), weights=(0.35, 0.15, 0.5))[0]
        dept, factor = "", 1.0
        if kind == "department":
            is_municipality = lv == "province" and _get(region, "name").endswith("市")
            dept, factor = rng.choice(_DEPTS_PROVINCE if lv == "province" and not is_municipality
                                      else _DEPTS_LOCAL)
        rname = _display_name(region, by_code)
        name = organ_name(rname, lv, kind, dept)
        if name in out:
            continue
        code = _get(region, "code")
        scale = _LEVEL_MEDIAN[lv] * _KIND_FACTOR[kind] * factor
        out[name] = Organ(name, code, rname, lv, kind, scale,
                          _get(region, "province_code") or code[:2] + "0000",
                          _get(region, "valid_from", None), _get(region, "valid_to", None))
    return list(out.values())
