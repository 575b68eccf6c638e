"""Bytes to text for the text-like readers (HTML, TXT, MD).

Government pages arrive as UTF-8, GBK/GB18030, Big5 or UTF-16, and their
declared charset (`<meta charset>`, an HTTP header a crawler kept) is often
wrong. The order of evidence: a byte-order mark; then every candidate that
decodes *strictly*, ranked by how plausible its Chinese is; charset-normalizer
only breaks near-ties or rescues bytes nothing decodes strictly.

Plausibility: wrong multibyte decodings of Chinese produce CJK characters too,
but drawn almost uniformly from thousands of rare ones (plus kana, hangul and
private-use code points), whereas real text is dominated by a few hundred
frequent characters. So the share of frequent characters separates them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache

# ~600 of the most frequent Chinese characters, plus the vocabulary of GIP
# reports; traditional forms are added at first use (opencc), so Big5 pages
# score the same way.
_FREQUENT_SIMPLIFIED = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面"
    "公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部"
    "正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关"
    "并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安"
    "表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共"
    "风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管"
    "夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品"
    "士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研"
    "像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济"
    "喜离虽坏兴切复吗述省县局厅署府条例规章申请办理复议诉讼维持纠正审结驳回撤销确认履职依据项目数"
    "目录细则服务群众网站平台渠道栏目发布解读回应舆情会议决策执行管理监督考核评估培训制度标准规范"
    "领域重点财政预算决算采购收费许可处罚强制征收补偿安置救助保障就业教育卫生医疗环境保护食品药品"
    "安全生产质量价格交通住房土地规划建设市场监管统计审计人力资源民政司法公安消防应急农业农村水利"
    "林业自然资源生态文化旅游体育商务投资外事侨务档案保密机关单位组织企业个人法人自然人其他总计"
    "本年新收上年结转予以部分不予无法提供处理信访举报投诉重复出版物确认逾期补正缴纳费用继续下年度"
    "结果情况主动依申请年报工作存在问题改进措施需要报告事项附件索引号发文字成文日期有效废止现行"
)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# What wrong East-Asian decodings leave besides rare hanzi: kana, hangul,
# private use, C0/C1 controls, replacement characters, box drawing.
_WEIRD = re.compile(
    r"[\u3040-\u30ff\u3130-\u318f\uac00-\ud7af\ue000-\uf8ff\ufffd"
    r"\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u2500-\u257f]"
)

# Aliases a page may declare, mapped to the strict superset to decode with.
_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "ms936": "gb18030", "euc-cn": "gb18030", "gb_2312-80": "gb18030", "gb18030": "gb18030",
    "big5": "cp950", "big-5": "cp950", "x-big5": "cp950", "cp950": "cp950", "big5-hkscs": "big5hkscs",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode": "utf-16",
    # browsers treat these declarations as windows-1252
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252",
}
_DEFAULT_ORDER = ("utf-8", "gb18030", "cp950", "big5hkscs")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Below this share of frequent characters a CJK decoding is taken as garbage.
PLAUSIBLE_SHARE = 0.2
# At or above this share a decoding is accepted without trying the others.
CONFIDENT_SHARE = 0.5


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    # False when nothing decoded strictly and characters were replaced.
    strict: bool


@lru_cache(maxsize=1)
def _frequent() -> frozenset[str]:
    chars = set(_FREQUENT_SIMPLIFIED)
    try:
        import opencc

        chars |= set(opencc.OpenCC("s2t").convert(_FREQUENT_SIMPLIFIED))
        chars |= set(opencc.OpenCC("s2tw").convert(_FREQUENT_SIMPLIFIED))
    except Exception:  # opencc is a dependency; without it traditional text just scores lower
        pass
    return frozenset(chars)


def normalize_charset(name: str | None) -> str | None:
    """A codec name Python knows for a declared charset, or None if unknown."""
    if not name:
        return None
    n = name.strip().strip("\"'").lower()
    n = _ALIASES.get(n, n)
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def plausibility(text: str) -> float:
    """Score a decoding: 0 for text without CJK, else share of frequent CJK (garbage < 0)."""
    weird = len(_WEIRD.findall(text))
    cjk_chars = _CJK.findall(text)[:5000]  # a sample decides; keeps long pages cheap
    n = len(cjk_chars) + weird
    if n == 0:
        return 0.0
    share = sum(map(_frequent().__contains__, cjk_chars)) / n
    # Garbage ranks below any non-CJK reading (e.g. Latin-1), plausible above it.
    return share if share >= PLAUSIBLE_SHARE else share - 1.0


def _utf16_without_bom(data: bytes) -> str | None:
    # ASCII-heavy UTF-16 has a NUL in every other byte.
    sample = data[:4000]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 2 * even:
        return "utf-16-le"
    if even > 2 * odd:
        return "utf-16-be"
    return None


def detect(data: bytes, declared: str | None = None) -> Decoded:
    """Decode `data`; `declared` is the charset the document or transport claims."""
    if not data:
        return Decoded("", "utf-8", True)
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(enc)
            except UnicodeDecodeError:
                break  # a BOM followed by other bytes: fall through to the candidates
            # FF FE can begin non-UTF-16 bytes by chance; garbage means it was no BOM.
            if enc == "utf-8" or plausibility(text) >= 0:
                return Decoded(text, enc, True)
            break
    if data.isascii() and b"\x00" not in data:
        return Decoded(data.decode("ascii"), "ascii", True)

    order: list[str] = []
    nobom16 = _utf16_without_bom(data)
    if nobom16:
        order.append(nobom16)
    decl = normalize_charset(declared)
    if decl and decl not in ("utf-16", "utf-32"):
        order.append(decl)
    for enc in _DEFAULT_ORDER:
        if enc not in order:
            order.append(enc)

    scored: list[tuple[float, int, str, str]] = []
    for i, enc in enumerate(order):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        score = plausibility(text)
        scored.append((score, -i, enc, text))
        # Multibyte UTF-8 that validates and reads as Chinese is decisive:
        # other encodings' bytes almost never form valid UTF-8 sequences. Any
        # decoding that reads as clearly frequent Chinese is too (wrong ones score < 0).
        if (enc == "utf-8" and score >= PLAUSIBLE_SHARE) or score >= CONFIDENT_SHARE:
            return Decoded(text, enc, True)
    if scored:
        scored.sort(reverse=True)
        best = scored[0]
        if len(scored) > 1 and best[0] - scored[1][0] < 0.05 and best[0] > 0:
            tie = _normalizer_guess(data)
            for s in scored[:2]:
                if tie and normalize_charset(tie) == s[2]:
                    best = s
        return Decoded(best[3], best[2], True)

    # Nothing decodes strictly (damaged or mixed bytes): the candidate needing
    # the fewest replacements, then the most plausible, wins.
    guess = normalize_charset(_normalizer_guess(data))
    if guess and guess not in order:
        order.append(guess)
    best_key, best = None, None
    for i, enc in enumerate(order):
        try:
            text = data.decode(enc, errors="replace")
        except LookupError:
            continue
        key = (-text.count("\ufffd"), plausibility(text), -i)
        if best_key is None or key > best_key:
            best_key, best = key, Decoded(text, enc, False)
    return best or Decoded(data.decode("utf-8", errors="replace"), "utf-8", False)


def _normalizer_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        return best.encoding if best else None
    except Exception:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text of `data` in the most plausible encoding (see module doc); never raises."""
    return detect(data, declared).text
