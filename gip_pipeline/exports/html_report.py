"""report.html: a static, self-contained overview of the export (inline CSS and SVG only).

Opening it needs no network: no scripts, no fonts or styles fetched, charts are
SVG drawn here. Every chart sits above a table of the very numbers it draws.

Input contract: the report_comparison mart (a polars DataFrame, one row per report):

  required  report_id (str), year (int), status (ok | warning | rejected),
            grant_rate_numerator, grant_rate_denominator (null = not assessable)
  optional  the same two columns of denial_rate and unable_rate, organ, admin_level,
            region_code (GB/T 2260, 6 digits), province_code / province_name (else derived
            from region_code), organ_kind, is_counted, is_synthetic (bool)

and optionally the data_quality mart, whose counts the quality section shows as they are.
A measure's numerator and denominator are the mart's (the page never re-derives a measure
from cells); a chart's group (a province across levels, a level, a year) adds them up over
its reports where both are known, then divides: a rate is never averaged. Only units with
denominator >= schema.MIN_RANK_DENOMINATOR are ranked.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import polars as pl

from gip_pipeline.metadata import schema
from gip_pipeline.metadata.outputs import wide_name

REQUIRED = ("report_id", "year", "status", "grant_rate_numerator", "grant_rate_denominator")
NATIONAL = "national"
UNKNOWN = "unknown"

_MEASURE = {m.key: m for m in schema.MEASURES}
# The measures the page charts (schema.MEASURES keys), each from the mart's
# <measure>_numerator and <measure>_denominator columns.
RATE_TERMS: tuple[str, ...] = ("grant_rate", "denial_rate", "unable_rate")
assert set(RATE_TERMS) <= set(_MEASURE)
_LEVEL_VALUES = next(m.values for m in schema.METADATA if m.key == "admin_level")
_LEVEL_ZH = {"national": "中央", "province": "省级", "prefecture": "地级", "county": "县级",
             "township": "乡级", UNKNOWN: "未知"}

FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
              '"Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans SC", sans-serif')
COLORS = {"grant_rate": "#1b7837", "denial_rate": "#b2182b", "unable_rate": "#2166ac",
          "reconsideration_correction_rate": "#762a83", "litigation_correction_rate": "#e08214",
          "ok": "#1b7837", "warning": "#e08214", "rejected": "#b2182b", "unranked": "#bdbdbd",
          "bar": "#3f7fbf", "box": "#555555"}

# ------------------------------------------------------------------ preparing


def prepare_reports(frame: pl.DataFrame) -> list[dict]:
    """Rows as dicts with province_code/province_name/admin_level filled in."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"report frame lacks required columns {missing}")
    rows = frame.to_dicts()
    if "is_counted" in frame.columns:
        # A duplicate (the same report in another form) is counted once; rejected stay listed.
        rows = [r for r in rows if r.get("is_counted") or r.get("status") == "rejected"]
    names = _province_names({_province_code(r) for r in rows})
    for r in rows:
        code = _province_code(r)
        r["province_code"] = code
        r["province_name"] = r.get("province_name") or names.get(code) or code
        r["admin_level"] = r.get("admin_level") or UNKNOWN
    return rows


def _province_code(r: Mapping) -> str:
    if r.get("province_code"):
        return str(r["province_code"])
    rc = r.get("region_code")
    if not rc:
        return UNKNOWN
    rc = str(rc)
    from gip_pipeline.regions import NATIONAL_CODE

    if rc == NATIONAL_CODE or r.get("admin_level") == NATIONAL:
        return NATIONAL
    return rc[:2] + "0000"


def _province_names(codes: set[str]) -> dict[str, str]:
    out = {NATIONAL: "中央（国家级）", UNKNOWN: "地区未知"}
    try:
        from gip_pipeline.regions import get_region
    except Exception:  # the reference is optional for the report
        return out
    for c in codes:
        if c not in out:
            reg = get_region(c)
            if reg is not None:
                out[c] = reg.name
    return out


# ------------------------------------------------------------------ aggregates


@dataclass
class Pooled:
    numerator: int = 0
    denominator: int = 0
    reports: int = 0  # reports with every term present

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def rankable(self) -> bool:
        return self.denominator >= schema.MIN_RANK_DENOMINATOR


def terms(r: Mapping, measure: str) -> tuple[int, int] | None:
    """(numerator, denominator) of one report, or None when a term is missing."""
    num, den = r.get(f"{measure}_numerator"), r.get(f"{measure}_denominator")
    if num is None or den is None:
        return None
    return int(num), int(den)


def pool(rows: list[Mapping], measure: str) -> Pooled:
    p = Pooled()
    for r in rows:
        t = terms(r, measure)
        if t is not None:
            p.numerator += t[0]
            p.denominator += t[1]
            p.reports += 1
    return p


def _usable(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r.get("status") != "rejected"]


# Pooled charts compare like with like: a government's summary report already covers its
# departments and general office, so only summary reports are pooled (when organ_kind is known).
POOLED_KIND = "government"


def _comparable(rows: list[dict]) -> list[dict]:
    usable = _usable(rows)
    if any("organ_kind" in r for r in usable):
        return [r for r in usable if r.get("organ_kind") == POOLED_KIND]
    return usable


# Departments and general offices (every organ kind but the summary report's) are compared
# among themselves, by the kind of department.
DEPARTMENT_KINDS = tuple(v for m in schema.METADATA if m.key == "organ_kind" for v in m.values
                         if v != POOLED_KIND)


def _departments(rows: list[dict]) -> list[dict]:
    return [r for r in _usable(rows) if r.get("organ_kind") in DEPARTMENT_KINDS]


def latest_year(rows: list[dict], pick=None) -> int | None:
    """The latest year with a report (of `pick(rows)`, default the pooled charts' reports)
    printing every term of the grant rate."""
    years = [r["year"] for r in (pick or _comparable)(rows) if r.get("year") is not None
             and terms(r, "grant_rate") is not None]
    return max(years) if years else None


def department_group(r: Mapping) -> str:
    if r.get("organ_kind") == "general_office":
        return "general_office"
    return r.get("department_type") or "other"


def department_label(key: str) -> str:
    """A kind of department as a reader knows it: its first keyword (gip_pipeline.regions)."""
    if key == "general_office":
        return "办公厅（室） general office"
    if key == "other":
        return "其他部门 other"
    from gip_pipeline.regions.coding import DEPARTMENT_TYPES

    words = dict(DEPARTMENT_TYPES).get(key)
    return f"{words[0]} {key.replace('_', ' ')}" if words else key


def why_empty(rows: list[dict], year: int | None, pick=None, what: str = "a government's "
              "summary report", needs: str = "every term of the grant rate") -> str:
    """One sentence: why a chart of `pick(rows)` (default: the governments' summary reports)
    in `year` has nothing to draw."""
    usable = _usable(rows)
    if not usable:
        return "No readable report: nothing to compare."
    chosen = (pick or _comparable)(rows)
    if not chosen:
        kinds: dict[str, int] = {}
        for r in usable:
            k = r.get("organ_kind") or "unknown"
            kinds[k] = kinds.get(k, 0) + 1
        listed = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
        return (f"None of the {len(usable)} readable reports is {what} (they are: {listed}); "
                "see the other sections.")
    if year is None:
        return f"No {what} prints {needs} (a blank is missing, not zero)."
    return f"No {what} of {year} prints {needs}."


@dataclass
class ProvinceRow:
    code: str
    name: str
    pooled: Pooled
    rank: int | None = None


def by_province(rows: list[dict], year: int | None, measure: str = "grant_rate"
                ) -> list[ProvinceRow]:
    """Pooled measure per province in `year`: ranked units first (rate desc), then the rest."""
    return pooled_groups(_comparable(rows), year, lambda r: r["province_code"],
                         lambda r: r["province_name"], measure)


def by_department(rows: list[dict], year: int | None, measure: str = "grant_rate"
                  ) -> list[ProvinceRow]:
    """Departments' and general offices' reports in `year`, pooled by kind of department."""
    return pooled_groups(_departments(rows), year, department_group,
                         lambda r: department_label(department_group(r)), measure)


def pooled_groups(rows: list[dict], year: int | None, key, name, measure: str
                  ) -> list[ProvinceRow]:
    """The mart's numerators and denominators added up per group of `rows` in `year`: ranked
    groups first (rate desc), then those under the ranking minimum."""
    groups: dict[str, list[dict]] = {}
    names: dict[str, str] = {}
    for r in rows:
        if r.get("year") != year:
            continue
        groups.setdefault(key(r), []).append(r)
        names[key(r)] = name(r)
    out = [ProvinceRow(c, names[c], pool(g, measure)) for c, g in groups.items()]
    out = [p for p in out if p.pooled.reports]
    ranked = sorted((p for p in out if p.pooled.rankable), key=lambda p: (-p.pooled.rate, p.code))
    for i, p in enumerate(ranked, 1):
        p.rank = i
    rest = sorted((p for p in out if not p.pooled.rankable), key=lambda p: p.code)
    return ranked + rest


@dataclass
class LevelSpread:
    level: str
    pooled: Pooled
    rates: list[tuple[str, float, int]] = field(default_factory=list)  # report_id, rate, den
    excluded_small: int = 0  # reports with a denominator under the ranking minimum

    def quartiles(self) -> tuple[float, float, float] | None:
        v = sorted(x for _, x, _ in self.rates)
        if not v:
            return None
        return quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75)


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between order statistics (the common 'type 7')."""
    n = len(sorted_values)
    pos = (n - 1) * q
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def spread_by_level(rows: list[dict], year: int | None, measure: str = "grant_rate"
                    ) -> list[LevelSpread]:
    """Per admin level: each report's rate (denominator >= minimum only) and the pooled rate."""
    levels: dict[str, list[dict]] = {}
    for r in _comparable(rows):
        if r.get("year") == year:
            levels.setdefault(r["admin_level"], []).append(r)
    order = list(_LEVEL_VALUES) + [UNKNOWN]
    out = []
    for lv in sorted(levels, key=lambda k: order.index(k) if k in order else len(order)):
        s = LevelSpread(lv, pool(levels[lv], measure))
        for r in levels[lv]:
            t = terms(r, measure)
            if t is None or t[1] == 0:
                continue
            if t[1] < schema.MIN_RANK_DENOMINATOR:
                s.excluded_small += 1
                continue
            s.rates.append((r["report_id"], t[0] / t[1], t[1]))
        if s.pooled.reports:
            out.append(s)
    return out


def trend_by_year(rows: list[dict], measures: tuple[str, ...] = RATE_TERMS
                  ) -> dict[int, dict[str, Pooled]]:
    """Pooled measures per year (the governments' summary reports of the year)."""
    chosen = _comparable(rows)
    years = sorted({r["year"] for r in chosen if r.get("year") is not None})
    have = {m for m in measures
            if any(f"{m}_numerator" in r and f"{m}_denominator" in r for r in rows)}
    out = {}
    for y in years:
        ys = [r for r in chosen if r.get("year") == y]
        out[y] = {m: pool(ys, m) for m in measures if m in have}
    return out


# Cases of administrative reconsideration and litigation (the review_litigation table's total
# column), summed per year like the rates: over the reports that print the cell.
CASE_COLUMNS = {wide_name("review_litigation", r.key, "total"):
                f"{r.group or ''}{r.label} {r.en.lower()}"
                for r in schema.TABLES_BY_KEY["review_litigation"].rows}
REVIEW_MEASURES = ("reconsideration_correction_rate", "litigation_correction_rate")


def sums_by_year(rows: list[dict], columns) -> dict[int, dict[str, tuple[int, int]]]:
    """Per year of the governments' summary reports: each column's sum and reports printing it."""
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for r in _comparable(rows):
        if r.get("year") is None:
            continue
        y = out.setdefault(r["year"], {c: (0, 0) for c in columns})
        for c in columns:
            v = r.get(c)
            if v is not None:
                total, n = y[c]
                y[c] = (total + int(v), n + 1)
    return dict(sorted(out.items()))


@dataclass
class Quality:
    ok: int = 0
    warning: int = 0
    rejected: int = 0
    identity_pass: int = 0  # counted reports with no identity break (the data_quality mart)
    identity_assessed: int = 0  # counted reports

    @property
    def total(self) -> int:
        return self.ok + self.warning + self.rejected


QUALITY_COUNTS = {"ok": "n_ok", "warning": "n_warning", "rejected": "n_rejected",
                  "identity_pass": "n_identity_pass", "identity_assessed": "n_identity_assessed"}


def quality_by_year(data_quality: pl.DataFrame) -> dict[object, Quality]:
    """The data_quality mart's counts summed over regions, per year: the pass rate is the
    mart's own (counted reports without an identity break over counted reports), never
    computed again here."""
    out: dict[object, Quality] = {}
    for r in data_quality.select("year", *QUALITY_COUNTS.values()).iter_rows(named=True):
        q = out.setdefault(r["year"] if r["year"] is not None else UNKNOWN, Quality())
        for attr, col in QUALITY_COUNTS.items():
            setattr(q, attr, getattr(q, attr) + int(r[col] or 0))
    return dict(sorted(out.items(), key=lambda kv: (isinstance(kv[0], str), kv[0])))


# ------------------------------------------------------------------ formatting


def pct(num: int, den: int) -> str:
    """A rate as the report prints it (the tests format the same way)."""
    return f"{100 * num / den:.1f}%" if den else "—"


def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def _n(v: int) -> str:
    return f"{v:,}"


def _jitter(key: str, width: float) -> float:
    """A stable offset in [-width/2, width/2] from the report id (no randomness)."""
    h = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return (h - 0.5) * width


# ------------------------------------------------------------------ SVG charts

W = 900


def _svg(height: float, body: list[str], label: str) -> str:
    return (f'<svg viewBox="0 0 {W} {height:.0f}" width="100%" role="img" '
            f'aria-label="{_e(label)}">' + "".join(body) + "</svg>")


def _text(x, y, s, anchor="start", size=12, fill="#222", weight="normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}" font-weight="{weight}">{_e(s)}</text>')


def _pct_axis(x0: float, x1: float, y0: float, y1: float, lo: float = 0.0, hi: float = 1.0,
              ticks: int = 5) -> list[str]:
    out = []
    for i in range(ticks + 1):
        v = lo + (hi - lo) * i / ticks
        x = x0 + (x1 - x0) * i / ticks
        out.append(f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}" '
                   f'stroke="#e3e3e3"/>')
        out.append(_text(x, y1 + 14, f"{100 * v:.0f}%", "middle", 11, "#666"))
    return out


def chart_province(prov: list[ProvinceRow], label: str = "grant rate by province") -> str:
    bar_h, gap, top, left, right = 20, 6, 10, 170, 260
    x0, x1 = left, W - right
    h = top + len(prov) * (bar_h + gap) + 30
    body = _pct_axis(x0, x1, top - 4, h - 24)
    for i, p in enumerate(prov):
        y = top + i * (bar_h + gap)
        rate = p.pooled.rate or 0.0
        color = COLORS["bar"] if p.rank else COLORS["unranked"]
        label = f"{p.rank}. {p.name}" if p.rank else p.name
        body.append(_text(x0 - 8, y + bar_h * 0.72, label, "end", 13))
        body.append(f'<rect x="{x0}" y="{y}" width="{(x1 - x0) * rate:.1f}" height="{bar_h}" '
                    f'fill="{color}"><title>{_e(p.name)}: {pct(p.pooled.numerator, p.pooled.denominator)}'
                    f'</title></rect>')
        note = (f"{pct(p.pooled.numerator, p.pooled.denominator)}  "
                f"({_n(p.pooled.numerator)}/{_n(p.pooled.denominator)}, "
                f"{p.pooled.reports} report{'s' if p.pooled.reports != 1 else ''})")
        if not p.rank:
            note += f"  not ranked: < {schema.MIN_RANK_DENOMINATOR}"
        body.append(_text(x1 + 8, y + bar_h * 0.72, note, "start", 12,
                          "#222" if p.rank else "#777"))
    return _svg(h, body, label)


def chart_spread(levels: list[LevelSpread]) -> str:
    row_h, top, left, right = 56, 10, 170, 60
    x0, x1 = left, W - right
    h = top + len(levels) * row_h + 30
    body = _pct_axis(x0, x1, top - 4, h - 24)
    for i, s in enumerate(levels):
        yc = top + i * row_h + row_h / 2
        body.append(_text(x0 - 8, yc - 2, f"{_LEVEL_ZH.get(s.level, s.level)} {s.level}",
                          "end", 13))
        body.append(_text(x0 - 8, yc + 14, f"{len(s.rates)} shown, {s.excluded_small} under {schema.MIN_RANK_DENOMINATOR}", "end", 11, "#666"))
        q = s.quartiles()
        if q:
            a, m, b = (x0 + (x1 - x0) * v for v in q)
            body.append(f'<rect x="{a:.1f}" y="{yc - 14:.1f}" width="{max(b - a, 1):.1f}" '
                        f'height="28" fill="none" stroke="{COLORS["box"]}" stroke-width="1.5"/>')
            body.append(f'<line x1="{m:.1f}" y1="{yc - 14:.1f}" x2="{m:.1f}" y2="{yc + 14:.1f}" '
                        f'stroke="{COLORS["box"]}" stroke-width="3"/>')
        for rid, rate, den in s.rates:
            x = x0 + (x1 - x0) * rate
            y = yc + _jitter(rid, 22)
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{COLORS["bar"]}" '
                        f'fill-opacity="0.55"><title>{_e(rid)}: {100 * rate:.1f}% of {den}'
                        f'</title></circle>')
        if s.pooled.rate is not None:
            x = x0 + (x1 - x0) * s.pooled.rate
            body.append(f'<path d="M{x:.1f},{yc - 20:.1f} l6,-8 h-12 z" fill="#d6604d">'
                        f'<title>pooled {pct(s.pooled.numerator, s.pooled.denominator)}</title>'
                        f'</path>')
    return _svg(h, body, "grant rate spread within admin levels")


def chart_trend(trend: dict[int, dict[str, Pooled]], measures: tuple[str, ...] = RATE_TERMS,
                label: str = "rates by year") -> str:
    years = list(trend)
    top, left, right, bottom = 16, 60, 170, 60
    x0, x1, y0, y1 = left, W - right, top, 300
    h = y1 + bottom
    body = []
    for i in range(6):
        v = i / 5
        y = y1 - (y1 - y0) * v
        body.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        body.append(_text(x0 - 6, y + 4, f"{100 * v:.0f}%", "end", 11, "#666"))

    def xpos(i: int) -> float:
        pad = 36  # keep the first year's label clear of the 0% tick
        return (x0 + x1) / 2 if len(years) == 1 else x0 + pad + (x1 - x0 - 2 * pad) * i / (
            len(years) - 1)

    for i, y in enumerate(years):
        body.append(_text(xpos(i), y1 + 16, str(y), "middle", 12))
        gp = trend[y].get(measures[0])
        if gp is not None:
            body.append(_text(xpos(i), y1 + 31, f"n={_n(gp.denominator)}", "middle", 10, "#666"))
            body.append(_text(xpos(i), y1 + 44, f"{gp.reports} rep.", "middle", 10, "#666"))
    # the national format changed in 2021: mark where the era changes between two points
    for i in range(1, len(years)):
        if schema.era_for_year(years[i - 1]) != schema.era_for_year(years[i]):
            x = (xpos(i - 1) + xpos(i)) / 2
            body.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y1}" stroke="#999" '
                        f'stroke-dasharray="4 4"/>')
            body.append(_text(x + 4, y0 + 10, f"format {schema.era_for_year(years[i])}",
                              "start", 10, "#777"))
    shown = [m for m in measures if any(m in trend[y] for y in years)]
    for k, m in enumerate(shown):
        pts = [(xpos(i), y1 - (y1 - y0) * trend[y][m].rate) for i, y in enumerate(years)
               if m in trend[y] and trend[y][m].rate is not None]
        c = COLORS[m]
        if len(pts) > 1:
            body.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" '
                        f'fill="none" stroke="{c}" stroke-width="2.5"/>')
        for x, y in pts:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{c}"/>')
        ly = y0 + 10 + k * 34
        body.append(f'<rect x="{x1 + 16}" y="{ly - 9}" width="14" height="4" fill="{c}"/>')
        body.append(_text(x1 + 36, ly - 3, f"{_MEASURE[m].zh}", "start", 12))
        body.append(_text(x1 + 36, ly + 10, _MEASURE[m].en, "start", 10, "#666"))
    return _svg(h, body, label)


def chart_quality(quality: dict[object, Quality]) -> str:
    bar_h, gap, top, left, right = 22, 8, 10, 90, 230
    x0, x1 = left, W - right
    h = top + len(quality) * (bar_h + gap) + 40
    body = []
    for i, (year, q) in enumerate(quality.items()):
        y = top + i * (bar_h + gap)
        body.append(_text(x0 - 8, y + bar_h * 0.72, str(year), "end", 13))
        x = x0
        for st in schema.STATUSES:
            n = getattr(q, st)
            if not n:
                continue
            w = (x1 - x0) * n / q.total
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                        f'fill="{COLORS[st]}"><title>{st}: {n}</title></rect>')
            if w > 26:
                body.append(_text(x + w / 2, y + bar_h * 0.72, str(n), "middle", 12, "#fff",
                                  "bold"))
            x += w
        body.append(_text(x1 + 8, y + bar_h * 0.72,
                          f"identities pass {pct(q.identity_pass, q.identity_assessed)} "
                          f"({q.identity_pass}/{q.identity_assessed})", "start", 12))
    ly = h - 14
    for k, st in enumerate(schema.STATUSES):
        body.append(f'<rect x="{x0 + k * 110}" y="{ly - 10}" width="12" height="12" '
                    f'fill="{COLORS[st]}"/>')
        body.append(_text(x0 + k * 110 + 18, ly, st, "start", 12))
    return _svg(h, body, "data quality by year")


# ------------------------------------------------------------------ HTML

CSS = f"""
body {{ font-family: {FONT_STACK}; color: #222; margin: 0; background: #fafafa; }}
main {{ max-width: 960px; margin: 0 auto; padding: 24px 30px 60px; background: #fff; }}
h1 {{ font-size: 26px; margin: 0 0 4px; }}
h2 {{ font-size: 19px; margin: 38px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }}
p.note, p.meta {{ color: #555; font-size: 13px; margin: 4px 0 10px; line-height: 1.5; }}
.banner {{ background: #fff4e5; border: 1px solid #f0b36b; padding: 8px 12px; font-size: 13px; }}
table {{ border-collapse: collapse; font-size: 12.5px; margin: 10px 0; }}
th, td {{ border-bottom: 1px solid #eee; padding: 3px 10px; text-align: right; }}
th {{ background: #f3f3f3; }}
td.l, th.l {{ text-align: left; }}
tr.unranked td {{ color: #888; }}
details {{ margin: 6px 0 0; }} summary {{ cursor: pointer; color: #335; font-size: 13px; }}
svg text {{ font-family: {FONT_STACK}; }}
"""


def _table(header: list[str], rows: list[tuple[dict, list]], left: int = 1) -> str:
    """rows: (data-* attributes, cells); the first `left` columns are left-aligned."""
    th = "".join(f'<th class="l">{_e(h)}</th>' if i < left else f"<th>{_e(h)}</th>"
                 for i, h in enumerate(header))
    body = []
    for attrs, cells in rows:
        a = "".join(f' {k}="{_e(v)}"' for k, v in attrs.items())
        tds = "".join(f'<td class="l">{_e(c)}</td>' if i < left else f"<td>{_e(c)}</td>"
                      for i, c in enumerate(cells))
        body.append(f"<tr{a}>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _details(summary: str, inner: str) -> str:
    return f"<details><summary>{_e(summary)}</summary>{inner}</details>"


def render_html(reports: pl.DataFrame, data_quality: pl.DataFrame | None = None, *,
                year: int | None = None, provenance: dict | None = None,
                title: str = "政府信息公开工作年度报告 · Government information publicity annual "
                             "reports") -> str:
    rows = prepare_reports(reports)
    year = year if year is not None else latest_year(rows)
    g = _MEASURE["grant_rate"]
    mn = schema.MIN_RANK_DENOMINATOR
    parts = [f"<h1>{_e(title)}</h1>"]
    n_syn = sum(1 for r in rows if r.get("is_synthetic"))
    meta = f"{len(rows)} reports · years {_year_span(rows)}"
    if provenance:
        pipe = provenance.get("pipeline") or {}
        meta += (f" · gip_pipeline {pipe.get('version', '?')} · run {provenance.get('run_time')}"
                 f" · inputs sha256 {str(provenance.get('inputs_sha256', ''))[:12]}…")
    parts.append(f'<p class="meta">{_e(meta)}</p>')
    if n_syn:
        parts.append(f'<p class="banner">{n_syn} of {len(rows)} reports are synthetic test data '
                     f'(is_synthetic), not published reports.</p>')
    parts.append(
        f'<p class="note">Rates are pooled: numerators and denominators are summed over the '
        f'reports where every term is printed, then divided (never an average of rates). A blank '
        f'cell is missing, not zero, so a report with a missing term is left out of that rate. '
        f'Only units with at least {mn} handled requests are ranked. 比率为合并计算（分子、分母分别'
        f'求和后相除）；空白为缺失而非 0；办理总数不足 {mn} 件的单位不参与排名。</p>')
    if any("organ_kind" in r for r in rows):
        parts.append(
            '<p class="note">Charts of pooled rates use the governments\' summary reports only '
            '(organ_kind government): a summary report already counts its departments\' and '
            'general office\'s requests, so adding those would count them twice. 汇总图表仅用'
            '人民政府年度报告（已含其部门数据），以免重复计算。</p>')

    # 1 province
    prov = by_province(rows, year)
    in_year = f", {year}" if year is not None else ""
    parts.append(f"<h2>{_e(g.zh)} by province{in_year} · {_e(g.en)} by province</h2>")
    parts.append(f'<p class="note">(granted + partially granted) / total handled, the requests '
                 f'table\'s total column. Grey bars: fewer than {mn} handled requests in the '
                 f'province, not ranked.</p>')
    if prov:
        parts.append(chart_province(prov))
        parts.append(_details("numbers", _table(
            ["rank", "province", "code", "rate", "granted + partial", "total handled", "reports"],
            [({"data-chart": "province", "data-key": p.code, "data-num": p.pooled.numerator,
               "data-den": p.pooled.denominator, "data-reports": p.pooled.reports,
               **({"class": "unranked"} if not p.rank else {})},
              [p.rank or "—", p.name, p.code, pct(p.pooled.numerator, p.pooled.denominator),
               _n(p.pooled.numerator), _n(p.pooled.denominator), p.pooled.reports])
             for p in prov], left=3)))
    else:
        parts.append(f'<p class="note">{_e(why_empty(rows, year))}</p>')

    # 2 spread
    spread = spread_by_level(rows, year)
    parts.append(f"<h2>Spread within each administrative level{in_year} · 各层级内部差异</h2>")
    parts.append(f'<p class="note">Each dot is one report with at least {mn} handled requests; '
                 f'the box spans the middle half of those reports, the thick line is their '
                 f'median, the red triangle the pooled rate of all the level\'s reports.</p>')
    if spread:
        parts.append(chart_spread(spread))
        trs = []
        for s in spread:
            q = s.quartiles()
            trs.append(({"data-chart": "level", "data-key": s.level,
                         "data-num": s.pooled.numerator, "data-den": s.pooled.denominator,
                         "data-reports": s.pooled.reports},
                        [s.level, pct(s.pooled.numerator, s.pooled.denominator),
                         _n(s.pooled.denominator), s.pooled.reports, len(s.rates),
                         s.excluded_small] + ([f"{100 * v:.1f}%" for v in q] if q else
                                              ["—"] * 3)))
        parts.append(_details("numbers", _table(
            ["level", "pooled rate", "total handled", "reports", "dots", f"under {mn}", "Q1",
             "median", "Q3"], trs)))
    else:
        parts.append(f'<p class="note">{_e(why_empty(rows, year))}</p>')

    # 3 trend
    trend = trend_by_year(rows)
    parts.append("<h2>Trends by year · 年度趋势</h2>")
    parts.append('<p class="note">Pooled over all reports of each year; the set of reports '
                 'changes from year to year, so a change can be composition, not behaviour. '
                 'n = requests handled (the denominator).</p>')
    if trend:
        parts.append(chart_trend(trend))
        header = ["year"]
        ms = [m for m in RATE_TERMS if any(m in v for v in trend.values())]
        for m in ms:
            header += [_MEASURE[m].key, "numerator"]
        header += ["total handled", "reports"]
        trs = []
        for y, v in trend.items():
            cells: list = [y]
            attrs = {"data-chart": "trend", "data-key": y}
            for m in ms:
                p = v[m]
                cells += [pct(p.numerator, p.denominator), _n(p.numerator)]
                attrs[f"data-{m.replace('_', '-')}-num"] = p.numerator
                attrs[f"data-{m.replace('_', '-')}-den"] = p.denominator
            gp = v.get("grant_rate", Pooled())
            cells += [_n(gp.denominator), gp.reports]
            trs.append((attrs, cells))
        parts.append(_details("numbers", _table(header, trs)))
    else:
        parts.append(f'<p class="note">{_e(why_empty(rows, None))}</p>')

    parts += _departments_section(rows)
    parts += _volume_section(rows)
    parts += _review_section(rows)

    # 4 quality
    parts.append("<h2>Data quality · 数据质量</h2>")
    if data_quality is None:
        parts.append('<p class="note">No data_quality mart was given, so there are no quality '
                     'figures here.</p>')
    else:
        quality = quality_by_year(data_quality)
        parts.append('<p class="note">Reports by status per year, and the identity pass rate '
                     'of the data_quality mart: counted reports (no duplicates, not rejected) '
                     'without an identity break, over counted reports.</p>')
        parts.append(chart_quality(quality))
        parts.append(_details("numbers", _table(
            ["year", "ok", "warning", "rejected", "total", "identity pass rate", "pass", "counted"],
            [({"data-chart": "quality", "data-key": y, "data-ok": q.ok, "data-warning": q.warning,
               "data-rejected": q.rejected, "data-pass": q.identity_pass,
               "data-assessed": q.identity_assessed},
              [y, q.ok, q.warning, q.rejected, q.total, pct(q.identity_pass, q.identity_assessed),
               q.identity_pass, q.identity_assessed]) for y, q in quality.items()])))

    return ("<!DOCTYPE html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
            + "\n".join(parts) + "</main></body></html>\n")


def _departments_section(rows: list[dict]) -> list[str]:
    g, mn = _MEASURE["grant_rate"], schema.MIN_RANK_DENOMINATOR
    year = latest_year(rows, _departments)
    in_year = f", {year}" if year is not None else ""
    out = [f"<h2>Departments and general offices{in_year} · 部门与办公厅（室）</h2>",
           f'<p class="note">{_e(g.zh)} of the departments\' and general offices\' own reports, '
           f'pooled by kind of department (a government\'s summary report is not among them). '
           f'Grey bars: fewer than {mn} handled requests, not ranked.</p>']
    groups = by_department(rows, year)
    if not groups:
        why = why_empty(rows, year, _departments, "a department or general office report")
        return out + [f'<p class="note">{_e(why)}</p>']
    out.append(chart_province(groups, "grant rate by kind of department"))
    out.append(_details("numbers", _table(
        ["rank", "kind", "rate", "granted + partial", "total handled", "reports"],
        [({"data-chart": "department", "data-key": p.code, "data-num": p.pooled.numerator,
           "data-den": p.pooled.denominator, "data-reports": p.pooled.reports,
           **({"class": "unranked"} if not p.rank else {})},
          [p.rank or "—", p.name, pct(p.pooled.numerator, p.pooled.denominator),
           _n(p.pooled.numerator), _n(p.pooled.denominator), p.pooled.reports])
         for p in groups], left=2)))
    return out


def _volume_section(rows: list[dict]) -> list[str]:
    sums = sums_by_year(rows, ("new_received", "total_handled"))
    out = ["<h2>Requests by year · 申请数量</h2>",
           '<p class="note">Requests received (新收政府信息公开申请数量) and handled in the '
           'governments\' summary reports, summed over the reports that print the cell; the '
           'set of reports changes from year to year.</p>']
    have = {y: v for y, v in sums.items() if v["new_received"][1] or v["total_handled"][1]}
    if not have:
        why = why_empty(rows, None, needs="the requests received")
        return out + [f'<p class="note">{_e(why)}</p>']
    top = max(max(v["new_received"][0], v["total_handled"][0]) for v in have.values()) or 1
    out.append(chart_counts([(str(y), v["new_received"][0], v["new_received"][1])
                             for y, v in have.items()], top, "requests received by year"))
    out.append(_details("numbers", _table(
        ["year", "received", "reports", "handled", "reports"],
        [({"data-chart": "volume", "data-key": y, "data-received": v["new_received"][0],
           "data-handled": v["total_handled"][0]},
          [y, _n(v["new_received"][0]), v["new_received"][1], _n(v["total_handled"][0]),
           v["total_handled"][1]]) for y, v in have.items()])))
    return out


def _review_section(rows: list[dict]) -> list[str]:
    out = ["<h2>Administrative reconsideration and litigation · 行政复议与行政诉讼</h2>",
           '<p class="note">Cases in the governments\' summary reports per year, and the pooled '
           'correction rates (纠错率: corrected / concluded cases, pending ones left out).</p>']
    trend = trend_by_year(rows, REVIEW_MEASURES)
    cases = sums_by_year(rows, tuple(CASE_COLUMNS))
    if not any(v[c][1] for v in cases.values() for c in CASE_COLUMNS):
        why = why_empty(rows, None, needs="the review and litigation table")
        return out + [f'<p class="note">{_e(why)}</p>']
    if any(p.rate is not None for v in trend.values() for p in v.values()):
        out.append(chart_trend(trend, REVIEW_MEASURES, "correction rates by year"))
    header = ["year"] + [label for label in CASE_COLUMNS.values()] + [
        _MEASURE[m].zh for m in REVIEW_MEASURES]
    trs = []
    for y, v in cases.items():
        t = trend.get(y, {})
        trs.append(({"data-chart": "review", "data-key": y,
                     **{f"data-{c.replace('_', '-')}": v[c][0] for c in CASE_COLUMNS}},
                    [y] + [_n(v[c][0]) if v[c][1] else "—" for c in CASE_COLUMNS]
                    + [pct(t[m].numerator, t[m].denominator) if m in t else "—"
                       for m in REVIEW_MEASURES]))
    out.append(_details("numbers", _table(header, trs)))
    return out


def chart_counts(bars: list[tuple[str, int, int]], top: int, label: str) -> str:
    """Horizontal bars of counts (label, value, reports), scaled to `top`."""
    bar_h, gap, y0, left, right = 20, 6, 10, 90, 200
    x0, x1 = left, W - right
    h = y0 + len(bars) * (bar_h + gap) + 10
    body = []
    for i, (name, value, n) in enumerate(bars):
        y = y0 + i * (bar_h + gap)
        body.append(_text(x0 - 8, y + bar_h * 0.72, name, "end", 13))
        body.append(f'<rect x="{x0}" y="{y}" width="{(x1 - x0) * value / top:.1f}" '
                    f'height="{bar_h}" fill="{COLORS["bar"]}"><title>{_e(name)}: {_n(value)}'
                    f'</title></rect>')
        body.append(_text(x0 + (x1 - x0) * value / top + 8, y + bar_h * 0.72,
                          f"{_n(value)}  ({n} report{'s' if n != 1 else ''})", "start", 12))
    return _svg(h, body, label)


def _year_span(rows: list[dict]) -> str:
    ys = sorted({r["year"] for r in rows if r.get("year") is not None})
    return f"{ys[0]}–{ys[-1]}" if ys else "—"


def _load(source) -> tuple[pl.DataFrame, pl.DataFrame | None, dict | None]:
    if isinstance(source, pl.DataFrame):
        return source, None, None
    if isinstance(source, Mapping):
        return source["report_comparison"], source.get("data_quality"), source.get("provenance")
    d = Path(source)
    comp = pl.read_parquet(d / "report_comparison.parquet")
    dq = (pl.read_parquet(d / "data_quality.parquet") if (d / "data_quality.parquet").is_file()
          else None)
    prov = (json.loads((d / "provenance.json").read_text(encoding="utf-8"))
            if (d / "provenance.json").is_file() else None)
    if "status" not in comp.columns and (d / "reports.parquet").is_file():
        st = pl.read_parquet(d / "reports.parquet", columns=["report_id", "status"])
        comp = comp.join(st, on="report_id", how="left")
    return comp, dq, prov


def write_html_report(source, out_path: str | Path, *, year: int | None = None,
                      provenance: dict | None = None) -> Path:
    """Write the report.

    source: an export folder (reads report_comparison.parquet, and data_quality.parquet and
    provenance.json where present), a report-level DataFrame, or a mapping with keys
    report_comparison, data_quality, provenance. year: the year of the province and spread
    charts (default: the latest year with data).
    """
    comp, dq, prov = _load(source)
    text = render_html(comp, dq, year=year,
                       provenance=provenance if provenance is not None else prov)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="\n")
    return out
