import pytest

from gip_pipeline.extraction.labels import era_markers, label_key, match_column, match_group, match_row

R = "requests"


@pytest.mark.parametrize("label,era,ctx,key", [
    ("一、本年新收政府信息公开申请数量", "2021", None, "new_received"),
    ("1.本年新收政府信息公开申请数量", "2021", None, "new_received"),  # renumbered
    ("2.其他法律行政止公开", "2021", None, "denied_prohibited_by_law"),  # typo
    ("2.其他法律行政法规禁止公开的", "2021", None, "denied_prohibited_by_law"),  # fuzzy
    ("4.无正当理由大量反复 申请", "2021", None, "not_processed_excessive"),
    ("4、无正当理由大量反复申请", "2021", None, "not_processed_excessive"),
    ("（三）不予公开 1.属于国家秘密", "2021", None, "denied_state_secret"),
    ("（三）不予公开1、属于国家秘密", "2021", None, "denied_state_secret"),
    ("三、本年度办理结果 （一）予以公开", "2021", None, "granted"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "2021", None, "partially_granted"),
    ("3.其他", "2021", "（六）其他处理", "other_other"),
    ("（七）总计", "2021", None, "total_handled"),
    ("（六）其他处理", "2019", None, "other_handling"),
    ("2.没有现成信息需要", "2021", None, "unable_needs_creation"),  # wrapped label
    ("四、结转下年度继续办理", "2021", None, "carried_forward"),
    ("3.危及三安全一稳定", "2021", None, "denied_security_stability"),
])
def test_row_labels(label, era, ctx, key):
    m = match_row(label, R, era, ctx)
    assert m is not None and m.key == key


@pytest.mark.parametrize("label,era,ctx", [
    ("3.其他", "2021", None),  # generic: needs the （六） group
    ("3.其他", "2021", "（五）不予处理"),
    ("（六）其他处理", "2021", None),  # a group label in 2021, not a row
    ("合计", "2021", None),
    ("本年新收", "2021", None),
    ("说明：本表数据", "2021", None),
])
def test_no_match_rather_than_a_bad_match(label, era, ctx):
    assert match_row(label, R, era, ctx) is None


def test_columns_and_groups():
    assert match_column("商业 企业", R).key == "commercial_enterprise"
    assert match_column("其他", R).key == "other_org"
    assert match_column("总计", R).key == "total"
    assert match_column("小计", R).key == "legal_person_subtotal"
    assert match_column("本年收费金额（单位：万元）", "active_disclosure").key == "fee_amount_10k_yuan"
    assert match_column("结果 纠正", "review_litigation").key == "corrected"
    assert match_column("其他 结果", "review_litigation").key == "other"
    assert match_group("三、本年度办 理结果", R) == "三、本年度办理结果"
    assert match_group("（三）不予公开", R) == "（三）不予公开"
    assert match_row("行政规范性文件", "active_disclosure").key == "normative_documents"
    assert match_row("规范性文件", "active_disclosure", "2019").key == "normative_documents"


def test_label_key_strips_numbering_and_punctuation():
    assert label_key("（三）不予公开 1、属于国家秘密") == label_key("不予公开属于国家秘密")
    assert label_key("3.危及“三安全一稳定”") == "危及三安全一稳定"


def test_era_markers():
    assert era_markers("本年制发件数") == ("2021",)
    assert era_markers("第二十条第（九）项") == ("2019",)
    assert era_markers("第二十条第(一)项") == ()
    assert era_markers("本年新制作数量") == ("2019",)
