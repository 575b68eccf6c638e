"""The canonical schema of the GIP annual report, as code.

This module is the single source for the report's tables, row and column keys,
their Chinese labels and known variants, the format eras, the identities the
tables must satisfy and the comparison measures. Label matching, validation,
tidy dtypes, dbt docs and the codebook all read it; nothing else restates it.
Keys follow ../shared/spec/report-format.md.

Labels are written in simplified Chinese, as text reads after normalisation
(see gip_pipeline.extraction.normalize).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ERAS: tuple[str, ...] = ("2021", "2019", "legacy")
TABLE_ERAS: tuple[str, ...] = ("2021", "2019")  # eras with national tables

Era = Literal["2021", "2019", "legacy"]
Dtype = Literal["int", "decimal"]


@dataclass(frozen=True)
class EraDef:
    key: str
    years: tuple[int, int]
    defined_by: str
    # Labels that only a table of this era prints: era detection reads them.
    marker_labels: tuple[str, ...]


ERA_DEFS: tuple[EraDef, ...] = (
    EraDef("2021", (2021, 9999), "国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》",
           ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量")),
    EraDef("2019", (2019, 2020), "国办公开办函〔2019〕60号（试行格式）",
           ("本年新制作数量", "本年新公开数量", "对外公开总数量", "第二十条第（九）项", "上一年项目数量")),
    EraDef("legacy", (2008, 2018), "no national table; free-form local statistics", ()),
)


def era_for_year(year: int | None) -> str | None:
    if year is None:
        return None
    for era in ERA_DEFS:
        lo, hi = era.years
        if lo <= year <= hi:
            return era.key
    return None


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    en: str
    variants: tuple[str, ...] = ()
    dtype: Dtype = "int"
    unit: str = "count"
    allow_negative: bool = False


@dataclass(frozen=True)
class Row:
    key: str
    label: str  # the label as the national format prints it (without the group label)
    en: str
    eras: tuple[str, ...] = TABLE_ERAS
    variants: tuple[str, ...] = ()
    group: str | None = None  # the group label printed in a merged cell to the left


@dataclass(frozen=True)
class TableDef:
    key: str
    section: str
    title: str
    en: str
    rows: tuple[Row, ...]
    columns: tuple[Column, ...]
    title_variants: tuple[str, ...] = ()

    def rows_for(self, era: str) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if era in r.eras)

    def row(self, key: str) -> Row:
        # by key in O(1): called per cell by the tidy layer and the decoders
        r = _index(self, "rows").get(key)
        if r is None:
            raise KeyError(key)
        return r

    def column(self, key: str) -> Column:
        c = _index(self, "columns").get(key)
        if c is None:
            raise KeyError(key)
        return c


_INDEXES: dict[tuple[int, str], tuple[TableDef, dict]] = {}


def _index(t: TableDef, what: str) -> dict:
    """key -> Row/Column of a (frozen, hence unchanging) table definition, built once."""
    k = (id(t), what)
    hit = _INDEXES.get(k)
    if hit is None or hit[0] is not t:  # the table kept alongside: an id() is never reused wrongly
        hit = (t, {x.key: x for x in getattr(t, what)})
        _INDEXES[k] = hit
    return hit[1]


# ---------------------------------------------------------------- section 二

_AD_2021_ISSUE = ("issued", "repealed", "in_force")
_AD_2019_MADE = ("newly_made", "newly_published", "total_published")
_AD_2019_ITEMS = ("prior_year_items", "net_change", "decisions")

ACTIVE_DISCLOSURE = TableDef(
    key="active_disclosure",
    section="二",
    title="主动公开政府信息情况",
    en="Proactive disclosure of government information",
    rows=(
        Row("rules", "规章", "Rules (regulations of ministries and local governments)"),
        Row("normative_documents", "行政规范性文件", "Administrative normative documents",
            variants=("规范性文件",)),
        Row("administrative_licensing", "行政许可", "Administrative licensing"),
        Row("other_external_services", "其他对外管理服务事项", "Other external management services",
            eras=("2019",)),
        Row("administrative_penalty", "行政处罚", "Administrative penalty"),
        Row("administrative_coercion", "行政强制", "Administrative coercion"),
        Row("administrative_fees", "行政事业性收费", "Administrative fees"),
        Row("government_procurement", "政府集中采购", "Centralised government procurement",
            eras=("2019",)),
    ),
    columns=(
        Column("issued", "本年制发件数", "Issued this year"),
        Column("repealed", "本年废止件数", "Repealed this year"),
        Column("in_force", "现行有效件数", "In force at year end"),
        Column("decisions", "本年处理决定数量", "Decisions made this year",
               variants=("处理决定数量",)),
        Column("fee_amount_10k_yuan", "本年收费金额（单位：万元）", "Fees collected this year",
               variants=("本年收费金额",), dtype="decimal", unit="10k_yuan"),
        Column("newly_made", "本年新制作数量", "Newly made this year"),
        Column("newly_published", "本年新公开数量", "Newly published this year"),
        Column("total_published", "对外公开总数量", "Total published"),
        Column("prior_year_items", "上一年项目数量", "Items in the prior year"),
        Column("net_change", "本年增/减", "Net change this year", variants=("本年增减",),
               allow_negative=True),
        Column("procurement_projects", "采购项目数量", "Procurement projects"),
        Column("procurement_amount", "采购总金额", "Procurement amount", dtype="decimal",
               unit="as_printed"),
    ),
    title_variants=("主动公开政府信息情况",),
)

# Per-row columns depend on the era for section 二, so they are given here.
ACTIVE_DISCLOSURE_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "2021": {
        "rules": _AD_2021_ISSUE,
        "normative_documents": _AD_2021_ISSUE,
        "administrative_licensing": ("decisions",),
        "administrative_penalty": ("decisions",),
        "administrative_coercion": ("decisions",),
        "administrative_fees": ("fee_amount_10k_yuan",),
    },
    "2019": {
        "rules": _AD_2019_MADE,
        "normative_documents": _AD_2019_MADE,
        "administrative_licensing": _AD_2019_ITEMS,
        "other_external_services": _AD_2019_ITEMS,
        "administrative_penalty": _AD_2019_ITEMS,
        "administrative_coercion": _AD_2019_ITEMS,
        "administrative_fees": ("prior_year_items", "net_change"),
        "government_procurement": ("procurement_projects", "procurement_amount"),
    },
}

# ---------------------------------------------------------------- section 三

REQUESTS = TableDef(
    key="requests",
    section="三",
    title="收到和处理政府信息公开申请情况",
    en="Requests received and how they were handled",
    rows=(
        Row("new_received", "一、本年新收政府信息公开申请数量", "New requests received this year",
            variants=("本年新收政府信息公开申请数量", "本年新收申请数量")),
        Row("carried_over", "二、上年结转政府信息公开申请数量", "Carried over from the prior year",
            variants=("上年结转政府信息公开申请数量", "上年结转申请数量")),
        Row("granted", "（一）予以公开", "Granted in full", group="三、本年度办理结果"),
        Row("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            "Partially granted", group="三、本年度办理结果", variants=("（二）部分公开",)),
        Row("denied_state_secret", "1.属于国家秘密", "Denied: state secret", group="（三）不予公开"),
        Row("denied_prohibited_by_law", "2.其他法律行政法规禁止公开",
            "Denied: prohibited by other laws and administrative regulations", group="（三）不予公开",
            variants=("2.其他法律行政止公开", "2.其他法律法规禁止公开")),
        Row("denied_security_stability", "3.危及“三安全一稳定”",
            "Denied: endangers the three securities and one stability", group="（三）不予公开",
            variants=("3.危及三安全一稳定",)),
        Row("denied_third_party_rights", "4.保护第三方合法权益",
            "Denied: protects third-party rights", group="（三）不予公开"),
        Row("denied_internal_affairs", "5.属于三类内部事务信息",
            "Denied: internal affairs information", group="（三）不予公开"),
        Row("denied_process_information", "6.属于四类过程性信息",
            "Denied: process information", group="（三）不予公开"),
        Row("denied_enforcement_file", "7.属于行政执法案卷",
            "Denied: administrative enforcement file", group="（三）不予公开"),
        Row("denied_administrative_query", "8.属于行政查询事项",
            "Denied: administrative query matter", group="（三）不予公开"),
        Row("unable_not_held", "1.本机关不掌握相关政府信息", "Unable: information not held",
            group="（四）无法提供"),
        Row("unable_needs_creation", "2.没有现成信息需要另行制作",
            "Unable: would need to be created", group="（四）无法提供"),
        Row("unable_unclear", "3.补正后申请内容仍不明确",
            "Unable: request still unclear after correction", group="（四）无法提供"),
        Row("not_processed_complaint", "1.信访举报投诉类申请",
            "Not processed: petition, report or complaint", group="（五）不予处理"),
        Row("not_processed_repeat", "2.重复申请", "Not processed: repeat request",
            group="（五）不予处理"),
        Row("not_processed_publication", "3.要求提供公开出版物",
            "Not processed: asks for a public publication", group="（五）不予处理"),
        Row("not_processed_excessive", "4.无正当理由大量反复申请",
            "Not processed: excessive repeated requests without good reason", group="（五）不予处理"),
        Row("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息",
            "Not processed: asks to confirm or reissue information already obtained",
            group="（五）不予处理"),
        Row("other_handling", "（六）其他处理", "Other handling", eras=("2019",)),
        Row("other_no_correction",
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "Other: applicant did not supply corrections in time", eras=("2021",), group="（六）其他处理"),
        Row("other_unpaid_fee",
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "Other: applicant did not pay the fee in time", eras=("2021",), group="（六）其他处理"),
        Row("other_other", "3.其他", "Other: other", eras=("2021",), group="（六）其他处理"),
        Row("total_handled", "（七）总计", "Total handled"),
        Row("carried_forward", "四、结转下年度继续办理", "Carried forward to the next year",
            variants=("结转下年度继续办理",)),
    ),
    columns=(
        Column("natural_person", "自然人", "Natural persons"),
        Column("commercial_enterprise", "商业企业", "Commercial enterprises"),
        Column("research_institution", "科研机构", "Research institutions"),
        Column("social_welfare_org", "社会公益组织", "Social welfare organisations"),
        Column("legal_service_org", "法律服务机构", "Legal service organisations"),
        Column("other_org", "其他", "Other organisations"),
        Column("legal_person_subtotal", "小计", "Legal persons and other organisations: subtotal"),
        Column("total", "总计", "Total"),
    ),
)

# Columns printed only by some local variants.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"requests": ("legal_person_subtotal",)}

REQUEST_ORG_COLUMNS = ("commercial_enterprise", "research_institution", "social_welfare_org",
                       "legal_service_org", "other_org")
REQUEST_APPLICANT_COLUMNS = ("natural_person",) + REQUEST_ORG_COLUMNS
LEGAL_PERSON_GROUP_LABEL = "法人或其他组织"

DENIED_ROWS = tuple(r.key for r in REQUESTS.rows if r.key.startswith("denied_"))
UNABLE_ROWS = tuple(r.key for r in REQUESTS.rows if r.key.startswith("unable_"))
NOT_PROCESSED_ROWS = tuple(r.key for r in REQUESTS.rows if r.key.startswith("not_processed_"))
OTHER_ROWS_2021 = ("other_no_correction", "other_unpaid_fee", "other_other")
OUTCOME_ROWS: dict[str, tuple[str, ...]] = {
    era: ("granted", "partially_granted") + DENIED_ROWS + UNABLE_ROWS + NOT_PROCESSED_ROWS + other
    for era, other in (("2021", OTHER_ROWS_2021), ("2019", ("other_handling",)))
}

# ---------------------------------------------------------------- section 四

REVIEW_LITIGATION = TableDef(
    key="review_litigation",
    section="四",
    title="政府信息公开行政复议、行政诉讼情况",
    en="Administrative reconsideration and litigation",
    rows=(
        Row("reconsideration", "行政复议", "Administrative reconsideration"),
        Row("litigation_direct", "未经复议直接起诉", "Litigation without prior reconsideration",
            group="行政诉讼"),
        Row("litigation_after_reconsideration", "复议后起诉", "Litigation after reconsideration",
            group="行政诉讼"),
    ),
    columns=(
        Column("upheld", "结果维持", "Upheld"),
        Column("corrected", "结果纠正", "Corrected"),
        Column("other", "其他结果", "Other outcome"),
        Column("pending", "尚未审结", "Pending"),
        Column("total", "总计", "Total"),
    ),
    title_variants=("因政府信息公开工作被申请行政复议、提起行政诉讼情况",),
)

TABLES: tuple[TableDef, ...] = (ACTIVE_DISCLOSURE, REQUESTS, REVIEW_LITIGATION)
TABLES_BY_KEY: dict[str, TableDef] = {t.key: t for t in TABLES}


def row_columns(table: str, era: str, row: str) -> tuple[str, ...]:
    """The column keys a row prints in an era (without optional columns)."""
    if table == "active_disclosure":
        return ACTIVE_DISCLOSURE_COLUMNS[era].get(row, ())
    t = TABLES_BY_KEY[table]
    optional = OPTIONAL_COLUMNS.get(table, ())
    return tuple(c.key for c in t.columns if c.key not in optional)


def expected_cells(era: str) -> list[tuple[str, str, str]]:
    """Every (table, row, col) the national format of an era prints, in printed order."""
    out = []
    for t in TABLES:
        for r in t.rows_for(era):
            if t.key == "active_disclosure" and r.key not in ACTIVE_DISCLOSURE_COLUMNS[era]:
                continue
            out.extend((t.key, r.key, c) for c in row_columns(t.key, era, r.key))
    return out


# (table, col) -> Column: column_def is on the glued decoder's hot path (a scan per call).
_COLUMN_DEFS: dict[tuple[str, str], Column] = {(t.key, c.key): c for t in TABLES for c in t.columns}


def column_def(table: str, col: str) -> Column:
    c = _COLUMN_DEFS.get((table, col))
    return c if c is not None else TABLES_BY_KEY[table].column(col)  # unknown: KeyError as before


# ---------------------------------------------------------------- identities


@dataclass(frozen=True)
class Identity:
    """left == right, summed over terms.

    over="columns": for each column c of the table, sum(left rows at c) == sum(right rows at c).
    over="rows": for each row r, sum(left columns at r) == sum(right columns at r).
    """

    check: str
    table: str
    over: Literal["columns", "rows"]
    left: tuple[str, ...]
    right: tuple[str, ...]
    eras: tuple[str, ...]
    description: str
    severity: Literal["error", "warning"] = "error"
    optional: bool = False  # assessed only where the report prints the terms (e.g. 小计)


IDENTITIES: tuple[Identity, ...] = (
    Identity("requests.balance", "requests", "columns", ("new_received", "carried_over"),
             ("total_handled", "carried_forward"), TABLE_ERAS,
             "new_received + carried_over = total_handled + carried_forward"),
    Identity("requests.outcomes", "requests", "columns", ("total_handled",), OUTCOME_ROWS["2021"],
             ("2021",), "total_handled = sum of the outcome rows"),
    Identity("requests.outcomes", "requests", "columns", ("total_handled",), OUTCOME_ROWS["2019"],
             ("2019",), "total_handled = sum of the outcome rows"),
    Identity("requests.row_total", "requests", "rows", ("total",), REQUEST_APPLICANT_COLUMNS,
             TABLE_ERAS, "total = natural_person + the five organisation columns"),
    Identity("requests.legal_person_subtotal", "requests", "rows", ("legal_person_subtotal",),
             REQUEST_ORG_COLUMNS, TABLE_ERAS, "legal_person_subtotal = the five organisation columns",
             optional=True),
    Identity("review_litigation.row_total", "review_litigation", "rows", ("total",),
             ("upheld", "corrected", "other", "pending"), TABLE_ERAS,
             "total = upheld + corrected + other + pending"),
)


def identities_for(era: str) -> tuple[Identity, ...]:
    return tuple(i for i in IDENTITIES if era in i.eras)


@dataclass(frozen=True)
class CrossYearIdentity:
    check: str
    table: str
    row_t: str
    row_prev: str
    description: str
    severity: Literal["error", "warning"]


CROSS_YEAR_IDENTITIES: tuple[CrossYearIdentity, ...] = (
    CrossYearIdentity("requests.carry_consistency", "requests", "carried_over", "carried_forward",
                      "carried_over of year t = carried_forward of year t-1, same organ, per column",
                      "warning"),
)

# 2021's three （六） rows sum to 2019's other_handling: the crosswalk for trends.
ERA_CROSSWALK: dict[str, tuple[str, ...]] = {"other_handling": OTHER_ROWS_2021}


# ---------------------------------------------------------------- legacy statistics (2008-2018)

@dataclass(frozen=True)
class LegacyIndicator:
    """One line of the local 统计表 a pre-2019 report prints (指标名称 / 计量单位 / 本年度 /
    历年累计). `labels`: regexes on the printed label (normalised, no spaces), the first
    indicator that matches wins (so the more specific stand first). `quantity`: the 2019+
    quantity (metadata.outputs.QUANTITIES) the year's value is compared with in the trends,
    None where the 2019+ tables print nothing of the same meaning. `prose`: words the report's
    prose puts before the year's number (`2016年全区主动公开政府信息3460条`), read to decode a
    glued value."""
    key: str
    zh: str
    en: str
    labels: tuple[str, ...]
    quantity: str | None = None
    prose: tuple[str, ...] = ()
    note: str = ""


LEGACY_INDICATORS: tuple[LegacyIndicator, ...] = (
    LegacyIndicator("active_website", "政府网站公开数", "Proactively disclosed on the government website",
                    (r"政府网站公开",), None, ("政府网站公开",)),
    LegacyIndicator("active_gazette", "政府公报公开数", "Proactively disclosed in the government gazette",
                    (r"政府公报公开",), None, ("政府公报公开",)),
    LegacyIndicator("active_other", "其他方式公开数", "Proactively disclosed by other means",
                    (r"(?:其他|其它)(?:方式|渠道|形式)公开",)),
    LegacyIndicator("active_total", "主动公开信息数", "Information proactively disclosed",
                    (r"主动公开",), None, ("主动公开政府信息", "主动公开信息", "主动公开")),
    LegacyIndicator("requests_in_person", "当面申请数", "Requests made in person", (r"当面",)),
    LegacyIndicator("requests_online", "网上申请数", "Requests made online", (r"网上|网络|电子邮件",)),
    LegacyIndicator("requests_letter_fax", "信函、传真申请数", "Requests by letter or fax",
                    (r"信函|传真",)),
    LegacyIndicator("requests_received", "受理依申请公开总数", "Requests for disclosure received",
                    (r"受理.*申请|依申请公开(?:信息|申请)?总数|申请(?:信息)?总数",), "new_received",
                    ("受理政府信息公开申请", "受理依申请公开", "收到政府信息公开申请"),
                    "2019+ counts the requests newly received in the year (本年新收); the legacy "
                    "count is of requests accepted (受理) in the year"),
    LegacyIndicator("granted", "同意公开答复数", "Replies granting disclosure",
                    (r"(?<!部分)同意公开|^(?:\d+、)?(?:予以)?公开答复",), "granted"),
    LegacyIndicator("partially_granted", "同意部分公开答复数", "Replies granting partial disclosure",
                    (r"部分公开",), "partially_granted"),
    LegacyIndicator("denied", "不予公开答复数", "Replies denying disclosure", (r"不予公开",), "denied",
                    note="2019+ splits denials into eight grounds; compared with their sum"),
    LegacyIndicator("other_replies", "其他类型答复数", "Replies of other kinds", (r"其他类型|其它类型",)),
    LegacyIndicator("replies_total", "对申请的答复总数", "Replies to requests", (r"答复总数|答复数$",),
                    note="2019+ total_handled counts requests handled, carried-over ones included"),
    LegacyIndicator("fees", "收费金额", "Fees charged (or waived) for disclosure", (r"收费|减免",),
                    note="no 2019+ counterpart in the tables (2021 prints fees in section 六 prose)"),
    LegacyIndicator("complaints", "举报、投诉数", "Complaints and reports about disclosure",
                    (r"举报|投诉|申诉",)),
    LegacyIndicator("reconsideration", "行政复议数", "Administrative reconsiderations",
                    (r"行政复议",), "reconsideration__total"),
    LegacyIndicator("litigation", "行政诉讼数", "Administrative lawsuits", (r"行政诉讼",),
                    "litigation_total",
                    note="2019+ litigation_total adds direct suits and suits after reconsideration"),
)
LEGACY_INDICATORS_BY_KEY: dict[str, LegacyIndicator] = {i.key: i for i in LEGACY_INDICATORS}
# The units a legacy table prints in its 计量单位 column (a closed set: the decoder cuts the
# glued text at them).
LEGACY_UNITS: tuple[str, ...] = ("万元", "人次", "条", "件", "元", "次", "个", "项", "份")
# The two value columns: the reporting year's and the cumulative total since 2008.
LEGACY_PERIODS: tuple[str, ...] = ("year", "cumulative")
# How a legacy value was read: from its own table cell; the only way to cut the glued digits;
# the one cut the parent = sum of its 其中 rows identity allows; the one the prose prints.
LEGACY_DECODED_BY: tuple[str, ...] = ("cell", "unique_split", "identity", "prose")
LEGACY_STATUSES: tuple[str, ...] = ("ok", "ambiguous")

# ---------------------------------------------------------------- measures


@dataclass(frozen=True)
class Term:
    table: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]


@dataclass(frozen=True)
class Measure:
    key: str
    zh: str
    en: str
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...]
    denominator_minus: tuple[Term, ...] = ()
    numerator_minus: tuple[Term, ...] = ()


def _req(*rows: str) -> Term:
    return Term("requests", rows, ("total",))


_REVIEW = ("reconsideration",)
_LITIGATION = ("litigation_direct", "litigation_after_reconsideration")
LITIGATION_ROWS = _LITIGATION

MEASURES: tuple[Measure, ...] = (
    Measure("grant_rate", "公开率（含部分公开）", "Grant rate (full and partial)",
            (_req("granted", "partially_granted"),), (_req("total_handled"),)),
    Measure("full_grant_rate", "予以公开率", "Full grant rate",
            (_req("granted"),), (_req("total_handled"),)),
    Measure("denial_rate", "不予公开率", "Denial rate",
            (_req(*DENIED_ROWS),), (_req("total_handled"),)),
    Measure("unable_rate", "无法提供率", "Unable-to-provide rate",
            (_req(*UNABLE_ROWS),), (_req("total_handled"),)),
    Measure("not_held_share", "本机关不掌握占比", "Not-held share",
            (_req("unable_not_held"),), (_req("total_handled"),)),
    Measure("not_processed_rate", "不予处理率", "Not-processed rate",
            (_req(*NOT_PROCESSED_ROWS),), (_req("total_handled"),)),
    Measure("carry_forward_rate", "结转率", "Carry-forward rate",
            (_req("carried_forward"),), (_req("new_received", "carried_over"),)),
    Measure("reconsideration_correction_rate", "行政复议纠错率", "Reconsideration correction rate",
            (Term("review_litigation", _REVIEW, ("corrected",)),),
            (Term("review_litigation", _REVIEW, ("total",)),),
            (Term("review_litigation", _REVIEW, ("pending",)),)),
    Measure("litigation_correction_rate", "行政诉讼纠错率", "Litigation correction rate",
            (Term("review_litigation", _LITIGATION, ("corrected",)),),
            (Term("review_litigation", _LITIGATION, ("total",)),),
            (Term("review_litigation", _LITIGATION, ("pending",)),)),
    Measure("dispute_rate", "复议诉讼率", "Dispute rate",
            (Term("review_litigation", _REVIEW + _LITIGATION, ("total",)),),
            (_req("new_received"),)),
    Measure("organisation_share", "法人或其他组织申请占比", "Organisation share of new requests",
            (Term("requests", ("new_received",), ("total",)),),
            (Term("requests", ("new_received",), ("total",)),),
            numerator_minus=(Term("requests", ("new_received",), ("natural_person",)),)),
)

MIN_RANK_DENOMINATOR = 30  # rank only units with at least 30 handled requests

# ---------------------------------------------------------------- metadata


@dataclass(frozen=True)
class MetaField:
    key: str
    zh: str
    en: str
    dtype: Literal["str", "int", "date"]
    labels: tuple[str, ...] = ()  # labels a header block prints it under
    values: tuple[str, ...] = ()  # accepted values, where closed


METADATA: tuple[MetaField, ...] = (
    MetaField("organ", "发布机构", "Publishing organ", "str", ("发布机构", "发文机关", "发布单位")),
    MetaField("year", "报告年度", "Reporting (statistics) year", "int"),
    MetaField("published", "发布日期", "Publication date", "date", ("发布日期", "成文日期", "发文日期", "发布时间")),
    MetaField("index_number", "索引号", "Index number", "str", ("索引号",)),
    MetaField("era", "格式版本", "Format era", "str", values=ERAS),
    MetaField("region_code", "行政区划代码", "GB/T 2260 region code", "str"),
    MetaField("admin_level", "行政级别", "Administrative level", "str",
              values=("national", "province", "prefecture", "county", "township")),
    MetaField("organ_kind", "机关类型", "Organ kind", "str",
              values=("government", "general_office", "department")),
)
META_KEYS: tuple[str, ...] = tuple(m.key for m in METADATA)
# Where a printed metadata value was read (extraction.metadata): the report title, a header
# field (`发布机构：…`, an HTML meta or info table), the body (a statistics period, the
# signature), the file's name.
META_SOURCES: tuple[str, ...] = ("title", "header", "body", "file_name")
# The metadata fields read from the document, whose source is recorded (the rest are derived).
SOURCED_META_KEYS: tuple[str, ...] = ("organ", "year", "published", "index_number")

# ---------------------------------------------------------------- narrative sections


@dataclass(frozen=True)
class NarrativeSection:
    key: str
    section: str  # the national format's numeral
    zh: str
    en: str
    # heading phrases (regular expressions on normalized text), after the numeral and 、
    headings: tuple[str, ...]


# The prose sections kept as text; the table sections (二三四) only bound them.
NARRATIVE_SECTIONS: tuple[NarrativeSection, ...] = (
    NarrativeSection("overview", "一", "总体情况", "Overall situation",
                     (r"总体情况", r"概述", r"基本情况")),
    NarrativeSection("problems", "五", "存在的主要问题及改进情况",
                     "Problems and improvements",
                     (r"(?:政府信息公开工作)?存在的?(?:主要)?问题(?:及|和|与)?(?:改进|整改)"
                      r"(?:情况|措施|计划)?",
                      r"主要问题(?:及|和|与)(?:改进|整改)(?:情况|措施|计划)?")),
    NarrativeSection("other", "六", "其他需要报告的事项", "Other matters",
                     (r"其他需要报告的?事项", r"其他事项")),
)
NARRATIVE_BOUNDARIES: tuple[str, ...] = (
    r"主动公开政府信息(?:情况)?", r"收到和处理政府信息公开申请(?:情况)?",
    r"(?:政府信息公开)?行政复议、?行政诉讼(?:情况)?",
    # the pre-2019 format's other sections
    r"政府信息依申请公开", r"政府信息公开的?收费及减免", r"因政府信息公开申请行政复议",
    r"\S{0,20}政府信息公开情况统计表")

STATUSES: tuple[str, ...] = ("ok", "warning", "rejected")
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
# The source file formats (a report's `format`, sniffed by content) and how each is read.
FORMAT_DOCS: dict[str, str] = {
    "txt": "plain text, including crawler text with the cells glued together",
    "html": "an HTML page or fragment; tables shown only as pictures (<img>) are read by OCR",
    "pdf": "PDF: pages with a text layer by their glyph positions, pages without one (scans) by OCR",
    "docx": "Word 2007+ (.docx)",
    "md": "Markdown (converter output)",
    "doc": "Word 97-2003 or Kingsoft Writer (.doc, .wps)",
    "xls": "Excel 97-2003 or Kingsoft Spreadsheets (.xls, .et)",
    "ofd": "OFD (GB/T 33190) by its glyph positions",
    "image": "a picture (photo or scan: PNG, JPEG, TIFF, BMP, WEBP, GIF) read by OCR",
}
FORMATS: tuple[str, ...] = tuple(FORMAT_DOCS)

# Legal publication deadlines (Regulation on Open Government Information, Art. 49-50),
# as (month, day) of the year after the reporting year.
PUBLICATION_DEADLINE: dict[str, tuple[int, int]] = {
    "department": (1, 31),
    "general_office": (1, 31),
    "government": (3, 31),
}


# Built once: these are called per cell by the tidy layer (a tuple rebuilt per call was the cost).
_ALL_ROW_KEYS = {t.key: tuple(r.key for r in t.rows) for t in TABLES}
_ALL_COL_KEYS = {t.key: tuple(c.key for c in t.columns) for t in TABLES}


def all_row_keys(table: str) -> tuple[str, ...]:
    keys = _ALL_ROW_KEYS.get(table)
    return keys if keys is not None else tuple(r.key for r in TABLES_BY_KEY[table].rows)


def all_col_keys(table: str) -> tuple[str, ...]:
    keys = _ALL_COL_KEYS.get(table)
    return keys if keys is not None else tuple(c.key for c in TABLES_BY_KEY[table].columns)
