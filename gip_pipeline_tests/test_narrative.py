"""The prose sections (一 overall situation, 五 problems, 六 other matters) as text, on real
reports: headings found by their phrase, not their numeral, in glued crawler text too."""

import pytest

from gip_pipeline.extraction.document import Document, Paragraph, Table
from gip_pipeline.extraction.narrative import narrative_sections
from gip_pipeline.extraction.parse import parse_file


def _doc(*paras, table_after=None):
    blocks = [Paragraph(p, page=1) for p in paras]
    if table_after is not None:
        blocks.insert(table_after, Table(rows=[]))
    return Document("txt", blocks)


def test_sections_end_at_the_next_national_heading_and_the_phrase_decides():
    doc = _doc("报告标题", "一、总体情况", "全年主动公开信息。", "（一）主动公开", "细目。",
               "二、主动公开政府信息情况", "表格说明", "五、存在的主要问题及改进情况",
               "一是队伍不足。", "六、其他需要报告的事项", "无。")
    got = {n.section: n for n in narrative_sections(doc)}
    assert list(got) == ["overview", "problems", "other"]
    assert got["overview"].text == "全年主动公开信息。 (一)主动公开 细目。"  # sub-items stay
    assert got["problems"].text == "一是队伍不足。" and got["other"].text == "无。"
    assert got["problems"].raw == "五、存在的主要问题及改进情况\n一是队伍不足。"


def test_renumbered_and_glued_headings_are_found_by_their_phrase():
    glued = _doc("一、总体情况今年工作稳步推进。二、主动公开政府信息情况 表 五、其他需要报告的事项 "
                 "本年度未收取费用。")
    got = {n.section: n.text for n in narrative_sections(glued)}
    assert got == {"overview": "今年工作稳步推进。", "other": "本年度未收取费用。"}
    # a heading with nothing under it is not a section; traditional characters are normalized
    assert narrative_sections(_doc("六、其他需要报告的事项", "")) == []
    trad = narrative_sections(_doc("一、總體情況", "全年主動公開"))
    assert [(n.section, n.text) for n in trad] == [("overview", "全年主动公开")]


REAL = {
    "../seed/000_2c5768c5e0900c7a.txt": {"overview": "2023年", "problems": "2023年",
                                         "other": "本报告电子版"},
    "shanghai-govoffice-2019.content-fragment.html": {"overview": "2019年", "problems": "(一)",
                                                      "other": "无。"},
    "jiangsu-huaian-hongze-2023.pdf": {"overview": "2023 年", "problems": "2023 年",
                                       "other": "2023 年"},
    "shanghai-stcsm-2024.source.md": {"overview": "上海市科委", "other": "本年度"},
    "fujian-pingtan-2022.page.txt": {"overview": "2022年", "problems": "2022年",
                                     "other": "2022年"},
    "fujian-pingtan-2016.page.txt": {"overview": "2016年", "problems": "2016年"},
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_reports_keep_their_prose(real_dir, name):
    res = parse_file(real_dir / name)
    got = {n.section: n.text for n in res.narrative}
    assert {k: got.get(k, "")[:len(v)] for k, v in REAL[name].items()} == REAL[name]
    assert set(got) == set(REAL[name])
    # no section swallows the tables' sections
    assert not any("主动公开政府信息情况" in t or "收到和处理政府信息公开申请" in t
                   for t in got.values())
    assert res.to_dict()["narrative"][0]["section"] == next(iter(REAL[name]))
