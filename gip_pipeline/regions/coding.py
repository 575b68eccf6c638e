"""Code a publishing organ: region code, admin level, organ kind, department type.

`code_organ` reads the organ name (e.g. 淮安市洪泽区人民政府) as a chain of region names
followed by the organ proper. Each further name must lie within the previous one, so
北京市朝阳区 resolves where 朝阳区 alone does not. A name shared by several regions is
resolved from `text` only when the text names a parent (prefecture or province) of
exactly one of them; otherwise the code stays null with a finding naming the candidates.
Nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gip_pipeline.extraction.result import Finding
from gip_pipeline.regions.reference import (
    NATIONAL_CODE,
    Region,
    _by_code,
    is_within,
    name_index,
)

# Closed list of department types: key, then keywords looked for in the organ proper.
# Checked in order, so specific phrases come before generic ones (人力资源和社会保障 before
# 社会保障-like words, 公安 before 交通 for 公安交通管理).
DEPARTMENT_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("public_security", ("公安",)),
    ("human_resources_social_security", ("人力资源和社会保障", "人力资源社会保障", "人力社保", "人社")),
    ("market_regulation", ("市场监督管理", "市场监管", "工商行政管理", "质量技术监督",
                           "食品药品监督管理")),
    ("natural_resources", ("自然资源", "国土资源", "规划和国土", "国土")),
    ("ecology_environment", ("生态环境", "环境保护", "环保")),
    ("housing_urban_rural", ("住房和城乡建设", "住房城乡建设", "住房和城市建设", "住建", "建设委员会",
                             "建设局", "建设厅")),
    ("development_reform", ("发展和改革", "发展改革", "发改")),
    ("science_technology", ("科学技术", "科技")),
    ("health", ("卫生健康", "卫生和计划生育", "卫生计生", "卫健", "卫生")),
    ("healthcare_security", ("医疗保障",)),
    ("veterans_affairs", ("退役军人事务",)),
    ("education", ("教育",)),
    ("finance", ("财政",)),
    ("civil_affairs", ("民政",)),
    ("transport", ("交通运输", "交通")),
    ("agriculture_rural", ("农业农村", "农业", "农牧", "农林")),
    ("forestry_grassland", ("林业和草原", "林业", "园林")),
    ("water", ("水利", "水务")),
    ("commerce", ("商务",)),
    ("culture_tourism", ("文化和旅游", "文化广电和旅游", "文化广电旅游", "文化旅游", "文旅", "文化",
                         "旅游")),
    ("emergency", ("应急管理", "安全生产监督管理", "安全生产")),
    ("justice", ("司法",)),
    ("audit", ("审计",)),
    ("taxation", ("税务",)),
    ("statistics", ("统计",)),
    ("industry_information", ("工业和信息化", "经济和信息化", "经济信息化", "工信", "经信")),
    ("state_assets", ("国有资产监督管理", "国资")),
    ("urban_management", ("城市管理", "城管", "综合行政执法")),
    ("government_services", ("政务服务", "行政审批", "数据资源", "大数据")),
    ("ethnic_religious", ("民族宗教", "民族事务", "宗教事务")),
    ("rural_revitalization", ("乡村振兴", "扶贫开发", "扶贫")),
    ("petitions", ("信访",)),
    ("foreign_affairs", ("外事",)),
    ("archives", ("档案",)),
    ("sports", ("体育",)),
    ("grain_reserves", ("粮食和物资储备", "粮食")),
    ("civil_air_defense", ("人民防空", "人防")),
    ("medical_products", ("药品监督管理",)),
    ("other", ()),
)
DEPARTMENT_TYPE_KEYS: tuple[str, ...] = tuple(k for k, _ in DEPARTMENT_TYPES)

ORGAN_KINDS: tuple[str, ...] = ("government", "general_office", "department")

# Prefixes of vertically managed organs whose region follows the prefix
# (国家税务总局江苏省税务局 is the Jiangsu tax bureau, not a national organ).
VERTICAL_PREFIXES: tuple[str, ...] = (
    "国家税务总局", "国家统计局", "中国人民银行", "国家金融监督管理总局", "国家外汇管理局",
    "中国银行保险监督管理委员会", "中国银保监会", "中国证券监督管理委员会", "国家邮政局", "海关总署",
    "国家烟草专卖局", "国家药品监督管理局",
)

_GOV = re.compile(r"^(人民政府|政府|行政公署|人民政府办事处|办事处|管委会|管理委员会|党工委管委会)$")
_OFFICE = re.compile(
    r"^(人民政府|政府|行政公署|管委会|管理委员会)(办公厅|办公室|办)$|^政府办$")
_LEVEL_CHARS = "省市县区州盟旗"
_STRIP = re.compile(r"[\s\u3000]+|[（(][^）)]*[）)]$")


# A township-level body the division reference does not list, named after its county
# (平潭综合实验区君山片区管理局, …苏平片区管理局, a 街道办事处): its own government at township level,
# coded to the county that holds it.
_TOWNSHIP_BODY = re.compile(
    r"^[\u4e00-\u9fff]{1,8}(?:片区(?:管理局|管委会|管理委员会|党工委)|街道(?:办事处|党工委)"
    r"|[镇乡](?:人民政府|政府|党委))$")


def _township_below(out: "OrganCoding", rest: str) -> None:
    if out.admin_level == "county" and _TOWNSHIP_BODY.match(rest):
        out.admin_level, out.organ_kind, out.department_type = "township", "government", None
        out.findings.append(_finding(
            "region.township_body", "info",
            f"{rest} is a township-level body within {out.region_name or out.region_code}: "
            "coded to that county at township level"))


@dataclass
class OrganCoding:
    region_code: str | None = None
    admin_level: str | None = None
    organ_kind: str | None = None
    department_type: str | None = None
    province_code: str | None = None
    prefecture_code: str | None = None
    region_name: str | None = None
    candidates: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _finding(check: str, severity: str, message: str) -> Finding:
    return Finding(check=check, severity=severity, table=None, message=message)


def _usable(r: Region, year: int | None) -> bool:
    # A report for `year` is published early in year+1 and may bear that year's name.
    if year is None:
        return True
    return r.valid_in(year) or r.valid_in(year + 1)


@dataclass
class _Chain:
    end: int
    regions: list[Region]  # candidates for the last name matched


def _max_name_len() -> int:
    return max(len(n) for n in name_index())


_MAXLEN: int | None = None


def _parse_chain(s: str, start: int, year: int | None, current_only: bool) -> _Chain | None:
    """Longest chain of nested region names at s[start:]."""
    global _MAXLEN
    if _MAXLEN is None:
        _MAXLEN = _max_name_len()
    index = name_index()
    prev: list[Region] | None = None
    i = start
    while i < len(s):
        found: list[Region] = []
        length = 0
        for L in range(min(_MAXLEN, len(s) - i), 1, -1):
            regs = index.get(s[i:i + L])
            if not regs:
                continue
            if current_only:
                regs = tuple(r for r in regs if r.valid_to is None)
            regs = [r for r in regs if _usable(r, year)]
            if prev is None:
                regs = [r for r in regs if r.level != "township"]
            else:
                regs = [r for r in regs if any(is_within(r, p) for p in prev)]
            if regs:
                found, length = regs, L
                break
        if not found:
            break
        prev = found
        i += length
    if prev is None:
        return None
    return _Chain(end=i, regions=prev)


def _chain(s: str, start: int, year: int | None) -> _Chain | None:
    if year is None:  # no year: answer for the current snapshot, else for any year
        c = _parse_chain(s, start, None, current_only=True)
        c_any = _parse_chain(s, start, None, current_only=False)
        if c is None or (c_any is not None and c_any.end > c.end):
            return c_any
        return c
    return _parse_chain(s, start, year, current_only=False)


def _ancestor_names(r: Region) -> set[str]:
    names: set[str] = set()
    for code in {r.parent_code, r.prefecture_code, r.province_code} - {None, r.code}:
        names.update(x.name for x in _by_code().get(code, ()))
    return names


def _distinct(regs: list[Region]) -> list[Region]:
    by: dict[str, Region] = {}
    for r in regs:
        if r.code not in by or (r.valid_from or 0) > (by[r.code].valid_from or 0):
            by[r.code] = r
    return sorted(by.values(), key=lambda r: r.code)


def department_type(organ_proper: str) -> str:
    """Department type of the organ proper (the name after its region)."""
    # 人民政府 contains 民政: drop it (上海市人民政府外事办公室 is foreign affairs)
    organ_proper = organ_proper.replace("人民政府", "").replace("政府", "")
    for key, keywords in DEPARTMENT_TYPES:
        if any(k in organ_proper for k in keywords):
            return key
    return "other"


def _kind(rest: str, level: str | None, out: OrganCoding) -> None:
    if rest == "":
        out.organ_kind = "government"
        out.findings.append(_finding(
            "organ.kind_inferred", "info",
            "organ names only a region: read as its government's report"))
    elif _GOV.match(rest) or (level == "township" and rest in ("党委", "党委政府")):
        out.organ_kind = "government"
    elif _OFFICE.match(rest):
        out.organ_kind = "general_office"
    else:
        out.organ_kind = "department"
        out.department_type = department_type(rest)


def _set_region(out: OrganCoding, r: Region) -> None:
    out.region_code = r.code
    out.region_name = r.name
    out.admin_level = r.level
    out.province_code = r.province_code
    out.prefecture_code = r.prefecture_code


def _regions_before(text: str, core: str, level_char: str | None,
                    year: int | None) -> list[Region]:
    """Regions whose name directly precedes `core` in text (市公安局 -> 南京市公安局)."""
    index = name_index()
    found: list[Region] = []
    k = text.find(core)
    while k != -1:
        end = k
        for L in range(min(_MAXLEN or 20, end), 1, -1):
            name = text[end - L:end]
            if level_char and not name.endswith(level_char):
                continue
            regs = [r for r in index.get(name, ()) if _usable(r, year) and r.level != "township"]
            if year is None:
                regs = [r for r in regs if r.valid_to is None] or regs
            if regs:
                found.extend(regs)
                break
        k = text.find(core, k + 1)
    return _distinct(found)


def code_organ(organ: str | None, text: str = "", year: int | None = None) -> OrganCoding:
    """Code one organ name; `year` is the report year (None: current divisions)."""
    out = OrganCoding()
    s = _STRIP.sub("", organ or "")
    s = _STRIP.sub("", s)
    if not s:
        out.findings.append(_finding("region.unresolved", "info", "no organ name"))
        return out
    if s.startswith("中华人民共和国"):
        s = s[len("中华人民共和国"):]
    start = 0
    vertical = next((p for p in VERTICAL_PREFIXES if s.startswith(p)), None)
    if vertical:
        start = len(vertical)
    chain = _chain(s, start, year)
    text = text or ""

    # A name that exists in other years only (白杨市 in a 2019 report: set up in 2022) is out of
    # period, whether or not a shorter chain is in force: said so, never "no region name".
    if year is not None:
        wide = _parse_chain(s, start, None, current_only=False)
        if wide is not None and (chain is None or wide.end > chain.end):
            return _out_of_period(out, s, start, wide, year)

    if chain is None:
        if s.startswith("国务院") or (vertical is None and (s.startswith("国家") or s.endswith("部"))):
            out.region_code, out.admin_level = NATIONAL_CODE, "national"
            rest = s[len("国务院"):] if s.startswith("国务院") else s
            if s.startswith("国务院"):
                if rest == "":
                    out.organ_kind = "government"
                elif rest == "办公厅":
                    out.organ_kind = "general_office"
                else:
                    out.organ_kind, out.department_type = "department", department_type(rest)
            else:
                out.organ_kind, out.department_type = "department", department_type(s)
            return out
        if vertical and s == vertical:
            out.region_code, out.admin_level = NATIONAL_CODE, "national"
            out.organ_kind, out.department_type = "department", department_type(s)
            return out
        # No region in the name: only a text that names this very organ with its region counts.
        rest = s[start:]
        level_char = rest[0] if rest[:1] and rest[0] in _LEVEL_CHARS else None
        core = rest[1:] if level_char else rest
        cands = _regions_before(text, core, level_char, year) if len(core) >= 2 else []
        _kind(rest[1:] if level_char else rest, None, out)
        if vertical and out.organ_kind == "department":
            out.department_type = department_type(vertical + rest)
        if len(cands) == 1:
            _set_region(out, cands[0])
            out.findings.append(_finding(
                "region.from_text", "info",
                f"region {cands[0].code} {cands[0].name} read from the text naming "
                f"{cands[0].name}{core}"))
        elif cands:
            out.candidates = [r.code for r in cands]
            out.findings.append(_finding(
                "region.ambiguous", "warning",
                f"organ {organ!r} names no region; the text names several: "
                + ", ".join(f"{r.code} {r.name}" for r in cands)))
        else:
            out.findings.append(_finding(
                "region.unresolved", "info", f"no region name found in organ {organ!r}"))
        return out

    cands = _distinct(chain.regions)
    rest = s[chain.end:]
    _kind(rest, cands[0].level if len({r.level for r in cands}) == 1 else None, out)
    if len(cands) > 1 and text:
        keep = [r for r in cands if any(n in text for n in _ancestor_names(r))]
        if len(keep) == 1:
            out.findings.append(_finding(
                "region.disambiguated", "info",
                f"{keep[0].name} read as {keep[0].code}: the text names its parent region "
                f"(candidates were {', '.join(r.code for r in cands)})"))
            cands = keep
        elif keep:  # the text names a parent shared by some candidates: narrow, don't pick
            cands = keep
    if len(cands) == 1:
        _set_region(out, cands[0])
        _township_below(out, rest)
        return out
    out.candidates = [r.code for r in cands]
    levels = {r.level for r in cands}
    if len(levels) == 1:
        out.admin_level = levels.pop()
    provinces = {r.province_code for r in cands}
    if len(provinces) == 1:
        out.province_code = provinces.pop()
    prefectures = {r.prefecture_code for r in cands}
    if len(prefectures) == 1:
        out.prefecture_code = prefectures.pop()
    out.findings.append(_finding(
        "region.ambiguous", "warning",
        f"{s[start:chain.end]} names {len(cands)} regions and nothing names its parent: "
        + ", ".join(f"{r.code} {_parent_label(r)}{r.name} ({r.valid_from or ''}-{r.valid_to or ''})"
                    for r in cands)))
    return out


def _out_of_period(out: OrganCoding, s: str, start: int, wide: _Chain, year: int) -> OrganCoding:
    """The name is a division in other years only: no code (a code not in force would put the
    report in the wrong year's divisions), the candidates and a warning; the kind still holds."""
    cands = _distinct(wide.regions)
    out.candidates = [r.code for r in cands]
    levels = {r.level for r in cands}
    _kind(s[wide.end:], levels.pop() if len(levels) == 1 else None, out)
    out.findings.append(_finding(
        "region.out_of_period", "warning",
        f"{s[start:wide.end]} is not a division in force in {year}/{year + 1}; "
        "codes of that name in other years: "
        + ", ".join(f"{r.code} {r.name} ({r.valid_from}-{r.valid_to or ''})" for r in cands)))
    return out


def _parent_label(r: Region) -> str:
    code = r.prefecture_code if r.prefecture_code and r.prefecture_code != r.code else r.province_code
    if code == r.code:
        return ""
    recs = _by_code().get(code, ())
    return max(recs, key=lambda x: x.valid_from or 0).name if recs else ""
