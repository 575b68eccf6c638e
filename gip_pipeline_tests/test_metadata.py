"""Metadata: full organ names found in the document, 发布时间, signature lines."""

from gip_pipeline.extraction.document import Document, Paragraph
from gip_pipeline.extraction.metadata import extract_metadata, fuller_organ, meta_field_for


def doc(*paras, fields=None):
    return Document("txt", [Paragraph(p) for p in paras], fields=fields or {})


def test_region_prefix_printed_in_the_body_completes_a_short_title_organ():
    d = doc("洪泽区人民政府", "2023年政府信息公开工作年度报告",
            "本报告由淮安市洪泽区人民政府办公室根据《条例》要求编制。")
    report, _ = extract_metadata(d)
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
    report, _ = extract_metadata(d)
    assert report["organ"] == "淮安市洪泽区人民政府"
    assert report["published"] == "2024-01-19"


def test_published_time_label():
    assert meta_field_for("发布时间") == "published"
    assert meta_field_for("發布時間：") == "published"
    d = doc("某县人民政府2023年政府信息公开工作年度报告", fields={"发布时间": "2024-01-05 08:58"})
    assert extract_metadata(d)[0]["published"] == "2024-01-05"
