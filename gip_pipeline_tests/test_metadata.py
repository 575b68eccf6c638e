"""Metadata: full organ names found in the document, 发布时间, signature lines."""

from gip_pipeline.extraction.document import Document, Paragraph
from gip_pipeline.extraction.metadata import extract_metadata, fuller_organ, meta_field_for


def doc(*paras, fields=None):
    return Document("txt", [Paragraph(p) for p in paras], fields=fields or {})


def test_region_prefix_printed_in_the_body_completes_a_short_title_organ():
    d = doc("洪泽区人民政府", "2023年政府信息公开工作年度报告",
            "本报告由淮安市洪泽区人民政府办公室根据《条例》要求编制。")
    report, _, _ = extract_metadata(d)
    assert report["organ"] == "淮安市洪泽区人民政府"


def test_bare_area_name_gains_the_government_suffix_the_text_prints():
    d = doc("平潭综合实验区2020年度政府信息公开工作年度报告",
            "区办公室印发《平潭综合实验区管委会办公室关于推进基层政务公开的通知》。")
    assert extract_metadata(d)[0]["organ"] == "平潭综合实验区管委会"


def test_no_fuller_name_in_the_text_keeps_the_short_one_never_invented():
    d = doc("2024年上海市科委政府信息公开工作年度报告", "市科委编制了本报告。")
    assert extract_metadata(d)[0]["organ"] == "上海市科委"


def test_a_prefix_that_is_no_region_or_another_region_is_not_taken():
    # `本报告由` is no region; `南京市` names another area than 洪泽区.
    assert fuller_organ("洪泽区人民政府", "本报告由洪泽区人民政府编制", 2023) is None
    assert fuller_organ("洪泽区人民政府", "南京市洪泽区人民政府", 2023) is None
    # two different completions, equally often: no answer
    assert fuller_organ("平潭综合实验区", "平潭综合实验区人民政府平潭综合实验区管委会") is None


def test_publisher_field_wins_and_is_not_completed():
    d = doc("洪泽区人民政府2023年政府信息公开工作年度报告", "淮安市洪泽区人民政府",
            fields={"发布机构": "洪泽区人民政府"})
    assert extract_metadata(d)[0]["organ"] == "洪泽区人民政府"


def test_signature_line_before_the_date_names_the_organ_when_the_title_does_not():
    d = doc("政府信息公开工作年度报告", "一、总体情况", "正文。", "淮安市洪泽区人民政府", "2024年1月19日")
    report, _, _ = extract_metadata(d)
    assert report["organ"] == "淮安市洪泽区人民政府"
    assert report["published"] == "2024-01-19"


def test_published_time_label():
    assert meta_field_for("发布时间") == "published"
    assert meta_field_for("發布時間：") == "published"
    d = doc("某县人民政府2023年政府信息公开工作年度报告", fields={"发布时间": "2024-01-05 08:58"})
    assert extract_metadata(d)[0]["published"] == "2024-01-05"


# ---------------------------------------------------------------- the fullest printed organ name

import re  # noqa: E402

import pytest  # noqa: E402

from gip_pipeline.extraction.metadata import (  # noqa: E402
    abbreviates, expanded_organ, fullest_organ, organ_qualifier)
from gip_pipeline.extraction.normalize import normalize_text  # noqa: E402


@pytest.mark.parametrize("short, long", [
    ("科委", "科学技术委员会"),
    ("发改委", "发展和改革委员会"),
    ("人社局", "人力资源和社会保障局"),
    ("政府", "人民政府"),
    ("管委会", "管理委员会"),
    ("政府办", "政府办公室"),
])
def test_abbreviation_pairs(short, long):
    assert abbreviates(short, long)


@pytest.mark.parametrize("short, long", [
    ("科委", "科委"),                  # the same name
    ("科委", "科学技术局"),            # another suffix: another organ
    ("公安局", "公安局交通警察局"),     # an organ inside the long name: a sub-unit, not a fuller name
    ("科委", "教科文卫委员会"),        # starts differently
    ("民政局", "民族宗教事务局"),       # 政 is not in the long body
    ("管委会", "管委会办公室"),         # the office of the committee, not the committee
])
def test_not_abbreviations(short, long):
    assert not abbreviates(short, long)


def test_printed_full_name_replaces_the_short_title_form():
    d = doc("2024年上海市科委政府信息公开工作年度报告",
            "上海市科学技术委员会（以下简称市科委）编制了本报告。", "市科委设立工作小组。")
    assert extract_metadata(d)[0]["organ"] == "上海市科学技术委员会"


def test_publisher_field_short_form_is_expanded_only_by_a_printed_full_name():
    fields = {"发布机构": "上海市科委"}
    d = doc("2024年上海市科委政府信息公开工作年度报告", "上海市科学技术委员会办公室联系电话。",
            fields=fields)
    assert extract_metadata(d)[0]["organ"] == "上海市科学技术委员会"
    d = doc("2024年上海市科委政府信息公开工作年度报告", "市科委编制了本报告。", fields=fields)
    assert extract_metadata(d)[0]["organ"] == "上海市科委"


def test_two_different_expansions_equally_often_are_no_answer():
    text = "上海市科学技术委员会上海市科技工作委员会"
    assert expanded_organ("上海市科委", text) is None
    # the more frequent printed form wins
    assert expanded_organ("上海市科委", text + "上海市科学技术委员会") == "上海市科学技术委员会"


def test_another_region_is_not_an_expansion():
    assert expanded_organ("上海市科委", "北京市科学技术委员会") is None


def test_compiled_by_qualifier_printed_with_the_name_is_kept():
    d = doc("平潭综合实验区2022年度政府信息公开工作年度报告",
            "平潭综合实验区管委会（办公室编制）", "一、总体情况")
    assert extract_metadata(d)[0]["organ"] == "平潭综合实验区管委会（办公室编制）"
    # ASCII brackets print the same qualifier; the name keeps the full-width form
    assert fullest_organ("某县人民政府", "某县人民政府(办公室编制)") == "某县人民政府（办公室编制）"


def test_other_brackets_and_conflicting_qualifiers_are_not_qualifiers():
    assert organ_qualifier("平潭综合实验区管委会", "平潭综合实验区管委会（以下简称管委会）") is None
    assert organ_qualifier("某县人民政府", "某县人民政府（办公室编制）某县人民政府（政务公开办编制）") is None
    d = doc("平潭综合实验区2022年度政府信息公开工作年度报告", "报告由各单位情况编制而成。",
            "平潭综合实验区管委会办公室联系。")
    assert extract_metadata(d)[0]["organ"] == "平潭综合实验区管委会"


REAL_WITH_ORGAN = ["jiangsu-huaian-hongze-2023.pdf", "shanghai-govoffice-2019.content-fragment.html",
                   "shanghai-stcsm-2024.source.md", "fujian-pingtan-2022.page.txt",
                   "fujian-pingtan-2020.page.txt"]


@pytest.mark.parametrize("name", REAL_WITH_ORGAN)
def test_real_organ_is_the_truth_wherever_the_document_prints_it(name):
    """The truth's organ name where the document prints it; where it does not (市科委 only,
    no 编制 bracket in Pingtan 2022), a name the document prints: never an invented one."""
    from gip_pipeline.extraction.parse import _reader, parse_file, sniff_format
    from gip_pipeline_tests.conftest import real_file, real_truth

    path, truth = real_file(name), real_truth(name)
    got, want = parse_file(path).report["organ"], truth["report"]["organ"]
    data = path.read_bytes()
    text = _reader(sniff_format(data, path.name))(data, str(path)).text()
    flat = re.sub(r"\s+", "", normalize_text(text)).replace("(", "（").replace(")", "）")
    if want in flat:
        assert got == want
    else:
        assert got and got in flat, f"{got!r} is not printed in {name}"
