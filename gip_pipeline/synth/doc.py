"""One synthetic report before rendering: metadata, printed cell texts, labels, text blocks and table grids.

Every form renders the same `SynthDoc`, so the truth is shared and only the
presentation differs. Grids follow the national format's merged layout (the
blank 国办 template): group labels span rows, header labels span columns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from gip_pipeline.metadata.schema import (ACTIVE_DISCLOSURE, ACTIVE_DISCLOSURE_COLUMNS, LEGAL_PERSON_GROUP_LABEL,
                                 REQUESTS, REVIEW_LITIGATION, TABLES_BY_KEY)
from gip_pipeline.synth.organs import Organ

SYNTH_MARK = "【合成数据 SYNTHETIC】本报告由程序生成，仅用于测试，不是真实的政府文件。"
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")

# Section 二 is printed in blocks by article item of the Regulation (第二十条第（X）项).
_AD_BLOCKS = {
    "2021": (("（一）", ("rules", "normative_documents")), ("（五）", ("administrative_licensing",)),
             ("（六）", ("administrative_penalty", "administrative_coercion")),
             ("（八）", ("administrative_fees",))),
    "2019": (("（一）", ("rules", "normative_documents")),
             ("（五）", ("administrative_licensing", "other_external_services")),
             ("（六）", ("administrative_penalty", "administrative_coercion")),
             ("（八）", ("administrative_fees",)), ("（九）", ("government_procurement",))),
}
INFO_CONTENT = "信息内容"
REQ_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEAD = "申请人情况"

# Known label troubles from real reports: (row key, printed label).
_LABEL_TYPOS = (("denied_prohibited_by_law", "2.其他法律行政止公开"),
                ("not_processed_excessive", "4.无正当理由大量反复 申请"),
                ("not_processed_confirmation", "5.要求行政机关确认或重 新出具已获取信息"),
                ("denied_security_stability", "3.危及三安全一稳定"))

SECTION_TITLES = {
    "overview": "总体情况",
    "active_disclosure": ACTIVE_DISCLOSURE.title,
    "requests": REQUESTS.title,
    "review_litigation": REVIEW_LITIGATION.title,
    "problems": "存在的主要问题及改进情况",
    "other": "其他需要报告的事项",
}
NUMERALS = "一二三四五六七八九十"


@dataclass
class GCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    key: tuple[str, str, str] | None = None  # (table, row, col) for value cells
    kind: str = "label"  # label | header | value | group


@dataclass
class Grid:
    table: str
    ncols: int
    rows: list[list[GCell]]  # cells that start in each row (HTML semantics)
    header_rows: int = 0

    def placed(self) -> list[tuple[int, int, GCell]]:
        """(row, col, cell) of every cell, resolving row and column spans (HTML semantics)."""
        out, taken = [], set()
        for ri, row in enumerate(self.rows):
            col = 0
            for cell in row:
                while (ri, col) in taken:
                    col += 1
                out.append((ri, col, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((ri + dr, col + dc))
                col += cell.colspan
        return out


@dataclass
class SynthDoc:
    name: str
    organ: Organ
    year: int
    era: str
    published: str  # ISO date
    index_number: str | None
    cells: dict  # truth values, printed
    single_other: bool
    knobs: dict[str, Any]
    notes: list[str]
    form: str = ""
    layout: str = ""
    texts: dict[tuple[str, str, str], str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    blocks: list[tuple[str, str]] = field(default_factory=list)
    grids: dict[str, Grid] = field(default_factory=dict)

    def report_meta(self, with_index: bool = True) -> dict[str, Any]:
        return {"organ": self.organ.name, "year": self.year, "published": self.published,
                "index_number": self.index_number if with_index else None, "era": self.era,
                "region_code": self.organ.region_code, "admin_level": self.organ.admin_level,
                "organ_kind": self.organ.organ_kind}

    @property
    def title(self) -> str:
        return self.blocks[0][1]

    @property
    def date_cn(self) -> str:
        y, m, d = self.published.split("-")
        return f"{int(y)}年{int(m)}月{int(d)}日"


# ---------------------------------------------------------------- printed cell text


def fmt_number(value: float | int, dtype_decimal: bool) -> str:
    if dtype_decimal:
        return "0" if value == 0 else f"{value:.2f}"
    return str(int(value))


def print_cells(doc: SynthDoc, rng: random.Random, order: list[tuple[str, str, str]]) -> None:
    """Decide the printed text of every value cell, applying the document's knobs."""
    k = doc.knobs
    # A requests table of zeros all printed blank cannot be told from the blank template (which
    # must be rejected): such a report prints its requests zeros, and only section 四 blank.
    blank_tables = {"requests", "review_litigation"}
    if not any(v for cols in doc.cells["requests"].values() for v in cols.values()):
        blank_tables.discard("requests")
    for key in order:
        t, r, c = key
        v = doc.cells[t][r][c]
        dec = TABLES_BY_KEY[t].column(c).dtype == "decimal"
        text = fmt_number(v, dec)
        if k.get("blank_zeros") and t in blank_tables and v == 0:
            text = ""
        elif k.get("thousands") and not dec and abs(v) >= 1000:
            text = f"{int(v):,}"
        if k.get("units_notes") and text:
            if c == "procurement_amount" and v:
                yuan = int(round(v * 10000))
                doc.cells[t][r][c] = yuan  # the printed number is the truth (unit as printed)
                text = f"{yuan}元"
                doc.notes.append("procurement_amount printed in 元 inside the cell")
            elif c == "fee_amount_10k_yuan" and v:
                text += "万元"
            elif c in ("issued", "newly_made") and r == "normative_documents" and v >= 2:
                text += f"（其中修订{rng.randint(1, int(v) - 1)}件）"
            elif c == "decisions" and v and rng.random() < 0.5:
                text += "件"
        if k.get("fullwidth") and text:
            text = text.translate(FULLWIDTH)
        doc.texts[key] = text


def choose_labels(doc: SynthDoc, rng: random.Random) -> None:
    labels = {r.key: r.label for t in (ACTIVE_DISCLOSURE, REQUESTS, REVIEW_LITIGATION) for r in t.rows}
    if doc.knobs.get("label_typos"):
        picks = rng.sample(_LABEL_TYPOS, rng.randint(1, 2))
        for row, text in picks:
            labels[row] = text
        doc.knobs["label_typos"] = [p[0] for p in picks]
    doc.labels = labels


# ---------------------------------------------------------------- grids


def _v(doc: SynthDoc, t: str, r: str, c: str, colspan: int = 1) -> GCell:
    return GCell(doc.texts[(t, r, c)], colspan=colspan, key=(t, r, c), kind="value")


def grid_active(doc: SynthDoc) -> Grid:
    t, era = "active_disclosure", doc.era
    col = ACTIVE_DISCLOSURE.column
    rows: list[list[GCell]] = []
    for item, row_keys in _AD_BLOCKS[era]:
        rows.append([GCell(f"第二十条第{item}项", colspan=4, kind="header")])
        cols = ACTIVE_DISCLOSURE_COLUMNS[era][row_keys[0]]
        spans = {1: (3,), 2: (1, 2), 3: (1, 1, 1)}[len(cols)]
        rows.append([GCell(INFO_CONTENT, kind="header")]
                    + [GCell(col(c).label, colspan=s, kind="header") for c, s in zip(cols, spans)])
        for r in row_keys:
            rows.append([GCell(doc.labels[r])] + [_v(doc, t, r, c, s) for c, s in zip(cols, spans)])
    return Grid(t, 4, rows)


def grid_requests(doc: SynthDoc) -> Grid:
    t = "requests"
    # Some local variants print a 小计 column after the five organisation columns.
    subtotal = bool(doc.knobs.get("subtotal"))
    app_cols = [c for c in REQUESTS.columns if subtotal or c.key != "legal_person_subtotal"]
    orgs = app_cols[1:-1]
    rows: list[list[GCell]] = [
        [GCell(REQ_NOTE, rowspan=3, colspan=3, kind="header"),
         GCell(APPLICANT_HEAD, colspan=len(app_cols), kind="header")],
        [GCell(app_cols[0].label, rowspan=2, kind="header"),
         GCell(LEGAL_PERSON_GROUP_LABEL, colspan=len(orgs), kind="header"),
         GCell(app_cols[-1].label, rowspan=2, kind="header")],
        [GCell(c.label, kind="header") for c in orgs],
    ]
    body = list(doc.cells[t])
    top = REQUESTS.row("granted").group
    inner = body[body.index("granted"):body.index("total_handled") + 1]
    vals = [c.key for c in app_cols]
    for r in body:
        cells: list[GCell] = []
        if r not in inner:
            cells.append(GCell(doc.labels[r], colspan=3))
        else:
            if r == inner[0]:
                cells.append(GCell(top, rowspan=len(inner), kind="group"))
            grp = REQUESTS.row(r).group if r != "other_handling" else None
            if grp is None or grp == top:
                cells.append(GCell(doc.labels[r], colspan=2))
            else:
                members = [x for x in inner if x != "other_handling" and REQUESTS.row(x).group == grp]
                if r == members[0]:
                    cells.append(GCell(grp, rowspan=len(members), kind="group"))
                cells.append(GCell(doc.labels[r]))
        cells.extend(_v(doc, t, r, c) for c in vals)
        rows.append(cells)
    return Grid(t, 3 + len(app_cols), rows, header_rows=3)


def grid_review(doc: SynthDoc) -> Grid:
    t = "review_litigation"
    parts = [c.label for c in REVIEW_LITIGATION.columns]
    rec, direct, after = (REVIEW_LITIGATION.row(k) for k in ("reconsideration", "litigation_direct",
                                                               "litigation_after_reconsideration"))
    rows = [
        [GCell(rec.label, colspan=5, kind="header"), GCell(direct.group or "", colspan=10, kind="header")],
        [GCell(p, rowspan=2, kind="header") for p in parts]
        + [GCell(direct.label, colspan=5, kind="header"), GCell(after.label, colspan=5, kind="header")],
        [GCell(p, kind="header") for p in parts * 2],
        [_v(doc, t, r.key, c.key) for r in (rec, direct, after) for c in REVIEW_LITIGATION.columns],
    ]
    return Grid(t, 15, rows, header_rows=3)


def build_grids(doc: SynthDoc) -> None:
    doc.grids = {"active_disclosure": grid_active(doc), "requests": grid_requests(doc),
                 "review_litigation": grid_review(doc)}


# ---------------------------------------------------------------- text blocks


def build_blocks(doc: SynthDoc, rng: random.Random) -> None:
    o, y = doc.organ.name, doc.year
    req = doc.cells["requests"]
    n_new, n_done = req["new_received"]["total"], req["total_handled"]["total"]
    title = rng.choice((f"{o}{y}年政府信息公开工作年度报告", f"{o}{y}年度政府信息公开工作年度报告",
                        f"{y}年{o}政府信息公开工作年度报告"))
    blocks: list[tuple[str, str]] = [("title", title), ("mark", SYNTH_MARK)]
    blocks.append(("para", f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求编制。"
                           f"本报告中所列数据的统计期限为{y}年1月1日至{y}年12月31日。"
                           f"本报告电子版可在{doc.organ.region_name}人民政府门户网站查阅或下载。"))
    heads = doc.knobs.get("headings", "normal")
    order = ["overview", "active_disclosure", "requests", "review_litigation", "problems", "other"]
    for i, sec in enumerate(order):
        num = NUMERALS[i]
        if heads == "renumbered" and sec in ("active_disclosure", "requests", "review_litigation"):
            num = NUMERALS[i - 1]  # a converter or editor shifted the numbering
        text = f"{num}、{SECTION_TITLES[sec]}"
        if sec == "review_litigation" and doc.knobs.get("alt_review_title"):
            text = f"{num}、{REVIEW_LITIGATION.title_variants[0]}"
        if heads == "lost" and sec == "requests":
            text = "???"
        blocks.append(("heading", text))
        if sec == "overview":
            blocks.append(("para", f"{y}年，{o}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》，"
                                   "扎实推进政府信息公开工作。"))
            blocks.append(("para", f"（一）依申请公开方面。全年共收到政府信息公开申请{n_new}件，"
                                   f"办结{n_done}件，均在法定期限内予以答复。"))
            blocks.append(("para", "（二）政府信息管理方面。严格落实公开属性源头认定和发布审查机制，"
                                   "及时更新政府信息公开指南和目录。"))
        elif sec in doc.grids:
            blocks.append(("table", sec))
        elif sec == "problems":
            blocks.append(("para", "一是政策解读的形式和质量有待提升；二是基层政务公开标准化规范化工作有待深化。"
                                   f"{y + 1}年，将进一步加强培训指导，提升政府信息公开工作质量。"))
        else:
            blocks.append(("para", f"{y}年，本机关未收取政府信息公开信息处理费。"))
    blocks.append(("sign", o))
    blocks.append(("sign", doc.date_cn))
    doc.blocks = blocks
