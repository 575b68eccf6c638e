"""Report metadata: organ, reporting year, publication date, index number.

Sources, in order: Document.fields (header fields a reader found, raw keys),
Document.title, the header block and the text. Unknown stays None: no value is
guessed. Region coding is delegated to gip_pipeline.regions.code_organ.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache

from gip_pipeline.metadata import schema
from gip_pipeline.extraction.document import Document, Paragraph
from gip_pipeline.extraction.normalize import normalize_text as _normalize
from gip_pipeline.extraction.values import UNREADABLE
from gip_pipeline.extraction.result import Finding

_KEY_JUNK_RE = re.compile(r"[\s:：|]+")
# A page header labels a field `发布时间` as often as `发布日期`: same field.
_FIELD_LABELS: dict[str, str] = {}
for _m in schema.METADATA:
    for _lab in _m.labels:
        _FIELD_LABELS[_lab] = _m.key
        if _lab.endswith("日期"):
            _FIELD_LABELS[_lab[:-2] + "时间"] = _m.key
TITLE_LABELS = ("标题", "题目", "名称")


def normalize_text(s: str) -> str:
    # Print OCR could not read (a speck beside a title) is no part of a name or a date.
    return _normalize(s.replace(UNREADABLE, "") if s else s)


@lru_cache(maxsize=4096)
def meta_field_for(raw_key: str) -> str | None:
    """The metadata key a printed header label names (`發布機構` -> organ), or None."""
    k = _KEY_JUNK_RE.sub("", normalize_text(raw_key))
    if k in TITLE_LABELS:
        return "title"
    return _FIELD_LABELS.get(k)


# `2023年政府信息公开工作年度报告`, `2016年度政府信息公开工作年度报告`, `2019年度...年报`
_TITLE_RE = re.compile(r"政府信息公开[^。，,；;]{0,6}?(?:年度报告|年报)")
# The reporting year stands just before the words 政府信息公开 in a title.
_TITLE_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年度?[^\d。，,；;]{0,40}?政府信息公开")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年度?")
_DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:[-/.月])\s*(\d{1,2})\s*日?(?!\d)")
_DATE_ONLY_RE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def is_gip_title(text: str) -> bool:
    return bool(_TITLE_RE.search(normalize_text(text).replace(" ", "")))


def _iso(y: str, m: str, d: str) -> str | None:
    try:
        return _dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The first valid date in a text, as ISO `YYYY-MM-DD`, or None."""
    t = normalize_text(text)
    for m in _DATE_RE.finditer(t):
        iso = _iso(*m.groups())
        if iso:
            return iso
    return None


def _cn_date(line: str) -> str | None:
    """`二〇二四年二月十九日` -> 2024-02-19; None unless the whole line is such a date."""
    m = re.fullmatch(r"([〇零○O一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日", line)
    if not m:
        return None

    def small(s: str) -> int:
        if s == "十":
            return 10
        if s.startswith("十"):
            return 10 + _CN_DIGITS[s[1]]
        if s.endswith("十"):
            return _CN_DIGITS[s[0]] * 10
        if "十" in s:
            a, b = s.split("十")
            return _CN_DIGITS[a] * 10 + _CN_DIGITS[b]
        return _CN_DIGITS[s]

    y = "".join(str(_CN_DIGITS[c]) for c in m.group(1))
    try:
        return _iso(y, str(small(m.group(2))), str(small(m.group(3))))
    except KeyError:
        return None


def find_title(doc: Document) -> str | None:
    """The report title: Document.title, a 标题 field, else the first line that reads like one."""
    if doc.title and is_gip_title(doc.title):
        return normalize_text(doc.title)
    for k, v in doc.fields.items():
        if meta_field_for(k) == "title" and v and is_gip_title(v):
            return normalize_text(v)
    for i, b in enumerate(doc.blocks):
        if i > 60:
            break
        texts = [b.text] if isinstance(b, Paragraph) else [c.text for row in b.rows[:3] for c in row]
        for t in texts:
            for line in t.splitlines():
                if len(line) < 200 and is_gip_title(line):
                    return normalize_text(line)
    return normalize_text(doc.title) if doc.title else None


def year_from_title(title: str | None) -> int | None:
    if not title:
        return None
    t = normalize_text(title).replace(" ", "")
    m = _TITLE_YEAR_RE.search(t)
    return int(m.group(1)) if m else None


def organ_from_title(title: str | None) -> str | None:
    """The organ named before the year in a title, e.g. `平潭综合实验区2016年度...` -> 平潭综合实验区."""
    if not title:
        return None
    t = normalize_text(title).replace(" ", "")
    m = _TITLE_YEAR_RE.search(t)
    if not m:
        return None
    organ = re.sub(r"^(?:关于)", "", t[: m.start()])
    # `…管理局关于报送2020年度…报告的函`: the organ stops where the letter's subject begins.
    organ = re.sub(r"关于.*$", "", organ).rstrip("的（(").strip()
    if not organ:  # `2019年上海市人民政府办公厅政府信息公开工作年度报告`: organ after the year
        rest = t[m.end(1):]
        # Greedy: `上海市人民政府政府信息公开` keeps 人民政府 whole.
        mm = re.match(r"年?度?(.*)政府信息公开", rest)
        organ = mm.group(1).rstrip("的").strip() if mm else ""
    return organ if len(organ) >= 2 and re.search(r"[\u4e00-\u9fff]", organ) else None


# An organ name printed alone on a line ends with one of these (洪泽区人民政府, 市科委, 办公厅...).
_ORGAN_LINE_RE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,30}(?:人民政府|政府|办公厅|办公室|委员会|管委会|局|厅|委|署|院|中心|办)$")


def _organ_line_before_title(doc: Document) -> str | None:
    """`洪泽区人民政府` printed on the line above a title that names no organ."""
    prev = None
    for i, b in enumerate(doc.blocks):
        if i > 60 or not isinstance(b, Paragraph):
            prev = None
            continue
        t = normalize_text(b.text).replace(" ", "")
        if is_gip_title(t):
            return prev
        prev = t if _ORGAN_LINE_RE.match(t) else None
    return None


def _last_lines(doc: Document) -> list[str]:
    """The report's last non-empty paragraph lines, last first, spaces removed: at least six
    where the report has them (whole paragraphs, so a few more may follow)."""
    lines: list[str] = []
    for b in reversed(doc.blocks):
        if isinstance(b, Paragraph):
            for line in reversed(b.text.splitlines()):
                t = normalize_text(line).replace(" ", "")
                if t:
                    lines.append(t)
        if len(lines) >= 6:
            break
    return lines


def _date_line_at_end(doc: Document) -> str | None:
    """A date printed alone on one of the last lines (the signature date)."""
    lines = _last_lines(doc)
    for t in lines[:6]:
        m = _DATE_ONLY_RE.match(t)
        if m:
            return _iso(*m.groups())
        iso = _cn_date(t)
        if iso:
            return iso
    return None


def _signature_organ(doc: Document) -> str | None:
    """The organ signed on the line just above the date at the end of the report."""
    lines = _last_lines(doc)
    for k, t in enumerate(lines[:6]):
        if _DATE_ONLY_RE.match(t) or _cn_date(t):
            above = lines[k + 1] if k + 1 < len(lines) else ""
            return above if _ORGAN_LINE_RE.match(above) else None
    return None


# Suffixes that name a government itself, appended to a bare area name (平潭综合实验区 -> ...管委会).
_WS_ALL_RE = re.compile(r"\s+")
_GOV_SUFFIXES = ("人民政府", "管理委员会", "管委会", "行政公署")
_MIN_REGION_NAME = 2


def _region_prefix(text: str, end: int) -> str:
    """The chain of region names printed directly before text[end] (`淮安市` before 洪泽区...)."""
    try:
        from gip_pipeline.regions.reference import name_index
    except ImportError:
        return ""
    index = name_index()
    j = end
    while j > 0:
        for n in range(min(12, j), _MIN_REGION_NAME - 1, -1):
            if text[j - n:j] in index:
                j -= n
                break
        else:
            break
    return text[j:end]


def _region_code(organ: str, text: str, year: int | None) -> str | None:
    try:
        from gip_pipeline.regions import code_organ
        return code_organ(organ, text, year).region_code
    except Exception:  # coding is best effort here: no code, no completion
        return None


def _find_all(text: str, needle: str, overlapping: bool = True):
    """Every index where needle is printed in text (none for an empty needle)."""
    i = text.find(needle) if needle else -1
    while i >= 0:
        yield i
        i = text.find(needle, i + (1 if overlapping else len(needle)))


def _most_frequent(counts: dict[str, int]) -> str | None:
    """The form printed most often; a tie (or nothing) is no answer."""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def fuller_organ(short: str, text: str, year: int | None = None) -> str | None:
    """A fuller form of an organ name printed in the document itself, or None.

    `洪泽区人民政府` printed elsewhere as `淮安市洪泽区人民政府(办公室)` gains its region
    prefix (the longer name must code to the same region); a bare area name like
    `平潭综合实验区` gains the government suffix the text prints after it (`...管委会`).
    The most frequent form wins; a tie is no answer. Nothing is composed that the
    text does not print.
    """
    if not short or not text:
        return None
    bare = _ORGAN_LINE_RE.match(short) is None
    counts: dict[str, int] = {}
    for i in _find_all(text, short, overlapping=False):
        j = i + len(short)
        core = short
        if bare:
            for suf in _GOV_SUFFIXES:
                if text.startswith(suf, j):
                    core = short + suf
                    break
        cand = _region_prefix(text, i) + core
        if cand != short:
            counts[cand] = counts.get(cand, 0) + 1
    best = _most_frequent(counts)
    if best is None:
        return None
    if not best.startswith(short):  # a region prefix was added: it must name the same area
        code = _region_code(best, "", year)
        if code is None or code != _region_code(short, text, year):
            return None
    return best


# An abbreviated organ suffix -> the full suffixes it stands for (市科委 <- 市科学技术委员会,
# 县府办 <- ...办公室). Checked longest first; any other suffix must be printed the same.
_ABBREV_SUFFIXES: dict[str, tuple[str, ...]] = {
    "管委会": ("管理委员会",),
    "人民政府": ("人民政府",),
    "政府": ("人民政府", "政府"),
    "委员会": ("委员会",),
    "办公厅": ("办公厅",),
    "办公室": ("办公室",),
    "中心": ("中心",),
    # An abbreviated suffix stands for the full one only: `科学技术委` is a cut, not a name.
    "委": ("委员会",),
    "办": ("办公室", "办公厅"),
    "局": ("局",), "厅": ("厅",), "署": ("署",), "院": ("院",),
}
_SUFFIX_ORDER = sorted(_ABBREV_SUFFIXES, key=len, reverse=True)
# Words that make a name another organ when they stand inside it rather than at its end.
_INNER_ORGAN_WORDS = ("政府", "委员会", "办公室", "办公厅", "局", "厅")
_CJK_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")
_MAX_CORE = 16


def _split_suffix(core: str) -> tuple[str, str] | None:
    for suf in _SUFFIX_ORDER:
        if core.endswith(suf):
            return core[: -len(suf)], suf
    return None


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def abbreviates(short_core: str, long_core: str) -> bool:
    """Whether `short_core` is an abbreviation of `long_core` (region prefix removed):
    科委 of 科学技术委员会, 发改委 of 发展和改革委员会, 政府 of 人民政府.

    Both end in an organ suffix, the short one's standing for the long one's; the short body
    starts like the long body and its characters appear in the long body in order; the long
    body holds no organ word of its own (科技局委员会 is another organ, not a fuller name).
    """
    if short_core == long_core or len(long_core) <= len(short_core):
        return False
    a = _split_suffix(short_core)
    if a is None:
        return False
    sb, ss = a
    for full in _ABBREV_SUFFIXES[ss]:
        if long_core.endswith(full):
            lb = long_core[: -len(full)]
            break
    else:
        return False
    if not sb:
        return not lb  # 政府 -> 人民政府: the suffix alone is expanded
    if not lb or sb[0] != lb[0] or not _is_subsequence(sb, lb):
        return False
    if len(lb) > 4 * len(sb) + 2:  # too loose to call one an abbreviation of the other
        return False
    return not any(w in lb and w not in sb for w in _INNER_ORGAN_WORDS)


def _leading_region(name: str) -> str:
    """The chain of region names a name starts with (`上海市` in 上海市科委), "" if none."""
    try:
        from gip_pipeline.regions.reference import name_index
    except ImportError:
        return ""
    index = name_index()
    j = 0
    while j < len(name) - 1:
        for n in range(min(12, len(name) - j - 1), _MIN_REGION_NAME - 1, -1):
            if name[j:j + n] in index:
                j += n
                break
        else:
            break
    return name[:j]


def expanded_organ(short: str, text: str) -> str | None:
    """The full name a short organ name abbreviates, as the document prints it, or None.

    `上海市科委` with `上海市科学技术委员会` printed in the text -> the latter: same region
    prefix, then a core the short core abbreviates (see `abbreviates`). The shortest printed
    expansion at each place counts once; the most frequent wins and a tie is no answer. A name
    the text never prints is never composed.
    """
    if not short or not text or len(short) < 2:
        return None
    region = _leading_region(short)
    core = short[len(region):]
    if _split_suffix(core) is None:
        return None
    # The anchor: region prefix plus the core's first character, printed contiguously.
    anchor = short[: len(region) + 1] if region else short[:2]
    if len(anchor) < 2:
        return None
    counts: dict[str, int] = {}
    for i in _find_all(text, anchor):
        c0 = i + len(region)
        run = _CJK_RUN_RE.match(text, c0)
        if not run:
            continue
        cand_run = run.group(0)[:_MAX_CORE]
        for j in range(len(core) + 1, len(cand_run) + 1):
            if abbreviates(core, cand_run[:j]):
                full = region + cand_run[:j]
                counts[full] = counts.get(full, 0) + 1
                break
    return _most_frequent(counts)


# `（办公室编制）` printed right after the organ: who compiled the report, part of how the
# report names its publisher. Only a short bracket ending in 编制 qualifies.
_QUALIFIER_RE = re.compile(r"\s*[（(]\s*([\u4e00-\u9fff]{0,10}编制)\s*[）)]")


def organ_qualifier(organ: str, text: str) -> str | None:
    """The parenthesised 编制 qualifier the text prints directly after the organ name, or None
    (two different qualifiers: no answer)."""
    if not organ or not text:
        return None
    found = set()
    for i in _find_all(text, organ, overlapping=False):
        m = _QUALIFIER_RE.match(text, i + len(organ))
        if m:
            found.add(m.group(1))
    return found.pop() if len(found) == 1 else None


def canonical_organ(organ: str) -> str:
    """Brackets in an organ name in the full-width form Chinese names print
    (normalize_text folds them to ASCII for matching; the name keeps the printed convention)."""
    return organ.replace("(", "（").replace(")", "）")


def fullest_organ(organ: str, text: str) -> str:
    """The fullest printed form of an organ name: its expansion where the text prints the name
    it abbreviates, then a printed 编制 qualifier. `text` is the document's text without
    whitespace."""
    organ = canonical_organ(organ)
    if "（" in organ:  # already qualified: the bracket is the printed form
        return organ
    organ = expanded_organ(organ, text) or organ
    q = organ_qualifier(organ, text)
    return f"{organ}（{q}）" if q else organ


# A header prints `label：value`, several to a line where a page runs them together
# (`发布机构：X　发布日期：Y　索引号：Z`, ideographic spaces between): a label is a short word
# before a colon, at the line start or after a space.
_PAIR_RE = re.compile(r"(?:^|(?<=\s))([\u4e00-\u9fff]{2,6})\s*:\s*")
HEADER_SCAN_BLOCKS = 40  # header lines stand before the body; a label further on is prose
# A line that can start with a label (before normalising it, which costs on a long glued line).
_RAW_LABEL_START_RE = re.compile(r"^\s*[^\s:：]{2,12}\s*[:：]")


def header_pairs(line: str) -> list[tuple[str, str]]:
    """The (label, value) pairs a header line prints, labels as printed (normalised), values
    stripped; [] unless the line starts with a label."""
    t = normalize_text(line).strip()
    marks = list(_PAIR_RE.finditer(t))
    if not marks or marks[0].start() != 0:
        return []
    return [(m.group(1), t[m.end(): nxt.start() if nxt else len(t)].strip())
            for m, nxt in zip(marks, marks[1:] + [None])]


def _header_fields(doc: Document) -> dict[str, str]:
    """Metadata key -> printed value, from the fields a reader found (a value that runs on into
    further `label：value` pairs is split) and from header lines at the top of the text, which
    readers of paged formats keep as paragraphs. The first value printed for a key wins."""
    fields: dict[str, str] = {}

    def put(label: str, value: str) -> None:
        key = meta_field_for(label)
        if key and key != "title" and value and key not in fields:
            fields[key] = value

    for k, v in doc.fields.items():
        pairs = header_pairs(f"{k}：{v or ''}")
        if not pairs:  # a label no colon pattern fits (a long one): the value as given
            put(k, normalize_text(v or "").strip())
        for label, value in pairs:
            put(label, value)
    for i, b in enumerate(doc.blocks):
        if i >= HEADER_SCAN_BLOCKS:
            break
        if isinstance(b, Paragraph):
            for line in b.text.splitlines():
                if _RAW_LABEL_START_RE.match(line):
                    for label, value in header_pairs(line):
                        put(label, value)
    return fields


# The statistics period a body states: `统计期限自2023年1月1日起至2023年12月31日止`,
# `统计时限为…`, `统计数据时间段为…`, `统计周期为 2024 年 1 月 1 日至 12 月 31 日`, `涵盖2020年1月1日至…`.
_PERIOD_RE = re.compile(
    r"(?:统计(?:数据)?(?:期限|时限|期间|周期|时间段|时段|时间|区间)|数据(?:统计)?(?:期限|时限|期间|周期)|涵盖)"
    r"[^。；;\d]{0,8}((?:19|20)\d{2})年1月1日起?(?:至|到|—|-|~)((?:19|20)\d{2})?年?12月31日")
_NAME_YEAR_RE = re.compile(r"(?<![\dA-Za-z])((?:19|20)\d{2})(?![\dA-Za-z])")


def year_from_body(doc: Document, flat: str | None = None) -> int | None:
    """The year of a statistics period stated in the body (one calendar year), or None.
    `flat`: the document's text without whitespace, where the caller has it."""
    years = set()
    for m in _PERIOD_RE.finditer(flat if flat is not None else _WS_ALL_RE.sub("", doc.text())):
        if m.group(2) is None or m.group(2) == m.group(1):
            years.add(int(m.group(1)))
    return years.pop() if len(years) == 1 else None


def year_from_file_name(name: str) -> int | None:
    """The one year a file name prints as a token of its own (`fujian-pingtan-2016.page.txt`);
    None for none or several (a date stamp `t20170118` is no token)."""
    stem = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    years = {int(y) for y in _NAME_YEAR_RE.findall(stem)}
    return years.pop() if len(years) == 1 else None


_LEVEL_PREFIX_RE = re.compile(r"^[省市县区州盟旗]")


def _organ_core(name: str) -> str:
    core = canonical_organ(name)[len(_leading_region(name)):]
    return re.sub(r"（[^）]*）$", "", core)


def same_organ(a: str, b: str) -> bool:
    """Whether two printed names can be one organ: the same name after its region prefix, one a
    level-prefixed short form of the other (`区财政金融局` of 平潭综合实验区财政金融局), or an
    abbreviation (`市科委` of 市科学技术委员会)."""
    ca, cb = _organ_core(a), _organ_core(b)
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    sa, sb = _LEVEL_PREFIX_RE.sub("", ca), _LEVEL_PREFIX_RE.sub("", cb)
    if len(sa) >= 2 and len(sb) >= 2 and (ca.endswith(sb) or cb.endswith(sa)):
        return True
    return abbreviates(sa, sb) or abbreviates(sb, sa)


def _disagree(field: str, message: str, severity: str = "warning") -> Finding:
    return Finding("metadata.sources_disagree", severity, None, f"{field}: {message}")


SIGNATURE_DRIFT_DAYS = 31  # a report is signed and posted within weeks of each other


def extract_metadata(doc: Document, name: str = "") -> tuple[dict, list[Finding], dict[str, str]]:
    """Metadata keyed as schema.META_KEYS (era excluded: recognition decides it), its findings,
    and the source of each value found (schema.META_SOURCES: title, header, body, file_name).

    Where two sources give different values, one is kept by a fixed rule and a
    `metadata.sources_disagree` finding names both."""
    report: dict = {k: None for k in schema.META_KEYS}
    findings: list[Finding] = []
    sources: dict[str, str] = {}
    fields = _header_fields(doc)
    title = find_title(doc)
    title_year = year_from_title(title)
    # Raw text without whitespace: normalising a whole document (t2s) costs more than the
    # lookups below are worth; a traditional-character text simply yields no completion.
    flat = _WS_ALL_RE.sub("", doc.text())
    header_organ = fields.get("organ")
    title_organ = organ_from_title(title)
    organ, source = header_organ, "header"
    if title_organ and not header_organ:
        # A title often prints a short form; the report names itself in full elsewhere.
        organ, source = fuller_organ(title_organ, flat, title_year) or title_organ, "title"
    elif title_organ and not same_organ(header_organ, title_organ):
        # The title names whose report it is; a 发布机构 field names who posted it.
        title_organ = fuller_organ(title_organ, flat, title_year) or title_organ
        findings.append(_disagree("organ", f"the header names {header_organ}, the title "
                                           f"{title_organ}; the title's is kept"))
        organ, source = title_organ, "title"
    elif title_organ and len(title_organ) > len(header_organ):
        organ, source = title_organ, "title"  # one organ: the fuller printed name
    elif not organ:
        organ, source = _organ_line_before_title(doc) or _signature_organ(doc), "body"
        if organ:
            organ = fuller_organ(organ, flat, title_year) or organ
    if organ:
        # Whatever the source, prefer the fullest form the text prints.
        report["organ"] = fullest_organ(organ, flat)
        sources["organ"] = source

    body_year = year_from_body(doc, flat)
    name_year = year_from_file_name(name)
    for src, y in (("title", title_year), ("body", body_year), ("file_name", name_year)):
        if y is not None and report["year"] is None:
            report["year"], sources["year"] = y, src
    if title_year is not None and body_year is not None and title_year != body_year:
        findings.append(_disagree("year", f"the title says {title_year}, the statistics period "
                                          f"{body_year}; the title's is kept"))
    elif name_year is not None and report["year"] is not None and name_year != report["year"]:
        findings.append(_disagree("year", f"the file name says {name_year}, the "
                                          f"{sources['year']} {report['year']}", "info"))

    header_date = parse_date(fields["published"]) if "published" in fields else None
    signed = _date_line_at_end(doc)
    if header_date:
        report["published"], sources["published"] = header_date, "header"
        gap = abs((_dt.date.fromisoformat(header_date) - _dt.date.fromisoformat(signed)).days) if signed else 0
        if gap > SIGNATURE_DRIFT_DAYS:
            findings.append(_disagree("published", f"the header dates it {header_date}, the "
                                                   f"signature {signed}", "info"))
    elif signed:
        report["published"], sources["published"] = signed, "body"
    if fields.get("index_number"):
        report["index_number"] = fields["index_number"].replace(" ", "")
        sources["index_number"] = "header"

    try:  # region coding is another module; until it lands these stay None
        from gip_pipeline.regions import code_organ
    except ImportError:
        code_organ = None
    if code_organ is not None:
        try:
            coded = code_organ(report["organ"], doc.text(), report["year"])
        except Exception as e:  # a coding failure must not lose the report
            findings.append(Finding("metadata.region_coding", "warning", None,
                                    f"region coding failed: {type(e).__name__}: {e}"))
            coded = None
        if coded is not None:
            report["region_code"] = coded.region_code
            report["admin_level"] = coded.admin_level
            report["organ_kind"] = coded.organ_kind
            findings.extend(getattr(coded, "findings", None) or [])
    return report, findings, sources
