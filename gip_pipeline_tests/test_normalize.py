from gip_pipeline.extraction.normalize import compact, normalize_text


def test_pinyin_after_characters_is_removed_and_traditional_converted():
    assert normalize_text("報(bào)告") == "报告"
    assert normalize_text("西藏自治區(qū)人民政府辦公廳") == "西藏自治区人民政府办公厅"
    assert normalize_text("報（bào gào）告") == "报告"
    assert normalize_text("報(bao4)告") == "报告"


def test_real_parentheses_are_kept():
    assert normalize_text("(一)主動(dòng)公開(kāi)方面") == "(一)主动公开方面"
    assert normalize_text("（以下簡稱《條例》）") == "(以下简称《条例》)"
    assert normalize_text("本年收費(fèi)金額（單位：萬元）") == "本年收费金额(单位:万元)"
    assert normalize_text("下载(PDF)") == "下载(PDF)"
    assert normalize_text("文件(kb)") == "文件(kb)"  # no vowel: not pinyin


def test_full_width_folded_noise_dropped_whitespace_collapsed():
    assert normalize_text("１３，２３４") == "13,234"
    assert normalize_text("??一、總體情況？？") == "一、总体情况"
    assert normalize_text("  商業\u3000 企業\n") == "商业 企业"
    assert normalize_text("") == ""
    assert compact("商業 企業") == "商业企业"


def test_chinese_punctuation_without_ascii_twin_kept():
    assert normalize_text("3.危及“三安全一稳定”") == "3.危及“三安全一稳定”"
    assert normalize_text("一、本年新收") == "一、本年新收"


def test_traditional_forms_opencc_keeps_are_folded_too():
    # 濬縣 (Henan) is 浚县 in simplified text; t2s alone keeps 濬.
    assert normalize_text("濬(jùn)縣(xiàn)教育局") == "浚县教育局"
