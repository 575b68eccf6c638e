"""The organ registry and the corrections file (gip_pipeline.curation), on the real reports."""

from __future__ import annotations

import polars as pl
import pytest

from gip_pipeline.curation.corrections import (Correction, CorrectionsError, apply_corrections,
                                               read_corrections)
from gip_pipeline.curation.organs import (Registry, RegistryError, assign_organs, organ_proper,
                                          read_organs)
from gip_pipeline.extraction.parse import parse_bytes, parse_file
from gip_pipeline.tidy import build_tidy
from gip_pipeline_tests.conftest import real_file
from gip_pipeline_tests.pipeline_fixtures import break_balance

PINGTAN_GOV = ("fujian-pingtan-2016.page.txt", "fujian-pingtan-2020.page.txt",
               "fujian-pingtan-2022.page.txt")


@pytest.fixture(scope="module")
def real_tidy():
    names = [*PINGTAN_GOV, "shanghai-stcsm-2024.source.md",
             "shanghai-govoffice-2019.content-fragment.html", "jiangsu-huaian-hongze-2023.pdf",
             "unlabeled/fujian-pingtan-czjrj-2025.page.txt",
             "unlabeled/fujian-pingtan-gwhbgs-2025.page.txt",
             "unlabeled/fujian-pingtan-tzcjj-2024.page.txt",
             "unlabeled/fujian-pingtan-junshan-2022.page.txt"]
    return build_tidy([parse_file(real_file(n)) for n in names])


def _ids(tidy, registry=None) -> dict[str, tuple[str, str]]:
    reports, _ = assign_organs(tidy.reports, registry or Registry.load())
    return {f.rsplit("/", 1)[-1]: (i, s) for f, i, s in
            reports.select("source_file", "organ_id", "organ_series_id").iter_rows()}


def test_organ_proper_rules():
    assert organ_proper("上海市科委") == "科学技术委员会"  # abbreviation table
    assert organ_proper("区财政金融局") == "财政金融局"  # the level word stands for the region
    assert organ_proper("平潭综合实验区管委会（办公室编制）", "government", "county") == "government"
    assert organ_proper("平潭综合实验区管理委员会", "government", "county") == "government"
    assert organ_proper("平潭综合实验区管委会办公室", "general_office", "county") == "general_office"
    # a township-level body keeps its name: two 片区 are two organs
    assert organ_proper("平潭综合实验区君山片区管理局", "government", "township") == "君山片区管理局"


def test_real_reports_get_their_canonical_organ(real_tidy):
    ids = _ids(real_tidy)
    assert {ids[n][0] for n in PINGTAN_GOV} == {"350128:government"}
    assert ids["shanghai-stcsm-2024.source.md"][0] == "310000:科学技术委员会"  # printed 上海市科委
    assert ids["fujian-pingtan-gwhbgs-2025.page.txt"][0] == "350128:general_office"
    assert ids["fujian-pingtan-czjrj-2025.page.txt"][0] == "350128:财政金融局"
    assert ids["fujian-pingtan-junshan-2022.page.txt"][0] == "350128:君山片区管理局"
    assert ids["jiangsu-huaian-hongze-2023.pdf"][0] == "320813:government"


def test_rules_alone_give_the_same_ids_without_the_shipped_entries(real_tidy):
    shipped = _ids(real_tidy)
    bare = _ids(real_tidy, Registry({}))
    assert {k: v[0] for k, v in bare.items()} == {k: v[0] for k, v in shipped.items()}


def test_registry_table_lists_curated_and_seen_organs(real_tidy):
    _, organs = assign_organs(real_tidy.reports, Registry.load())
    by = {r["organ_id"]: r for r in organs.to_dicts()}
    gov = by["350128:government"]
    assert gov["official_name"] == "平潭综合实验区管理委员会" and gov["n_reports"] == 3
    assert (gov["first_year"], gov["last_year"]) == (2016, 2022)
    assert by["310000:科学技术委员会"]["names_printed"] == "上海市科委"
    assert by["350128:国有资产管理局"]["organ_series_id"] == "350128:投资促进局"
    assert by["350128:国有资产管理局"]["change"] == "renamed"
    assert organs["organ_id"].is_unique().all()


def test_a_renamed_organ_keeps_its_id_and_joins_its_successors_series():
    text = real_file("unlabeled/fujian-pingtan-tzcjj-2024.page.txt").read_text(encoding="utf-8")
    old = text.replace("投资促进局", "国有资产管理局").replace("2024", "2023").replace("2025", "2024")
    tidy = build_tidy([parse_bytes(text.encode(), "tz.txt"), parse_bytes(old.encode(), "gy.txt")])
    ids = _ids(tidy)
    assert ids["gy.txt"] == ("350128:国有资产管理局", "350128:投资促进局")
    assert ids["tz.txt"] == ("350128:投资促进局", "350128:投资促进局")


def test_abbreviation_of_a_name_printed_by_another_report_of_the_region():
    reports = pl.DataFrame({
        "report_id": ["a", "b", "c"], "organ": ["北京市交通委", "北京市交通运输委员会", "天津市交通委"],
        "region_code": ["110000", "110000", "120000"], "admin_level": ["province"] * 3,
        "organ_kind": ["department"] * 3, "year": [2022, 2023, 2022],
        "is_synthetic": [False] * 3})
    out, _ = assign_organs(reports, Registry({}))
    assert out["organ_id"].to_list() == ["110000:交通运输委员会", "110000:交通运输委员会",
                                         "120000:交通委"]  # another region prints no full name


def test_user_registry_adds_and_overrides(tmp_path):
    user = tmp_path / "organs.csv"
    user.write_text("organ_id,official_name,region_code,admin_level,organ_kind,aliases,"
                    "successor_id,change,change_year,note\n"
                    "350128:财政金融局,平潭综合实验区财政金融局,350128,county,department,,"
                    "350128:投资促进局,merged,2026,a made-up merger\n", encoding="utf-8")
    reg = Registry.load(user)
    assert reg.organs["350128:财政金融局"].source == "user"
    assert reg.series("350128:财政金融局") == "350128:投资促进局"
    user.write_text("organ_id,official_name,successor_id\nx:a,A,x:missing\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="x:missing"):
        Registry.load(user)
    user.write_text("organ_id,official_name,change\nx:a,A,split\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="split"):
        read_organs(user, "user")


# ------------------------------------------------------------------ corrections

@pytest.fixture(scope="module")
def pingtan_2020():
    res = parse_file(real_file("fujian-pingtan-2020.page.txt"))
    return res, build_tidy([res])


def _c(report: str, row="total_handled", col="total", value="27", line=2, table="requests"):
    return Correction(line, report, table, row, col, value, "sums to 27", "me", "2026-12-04")


def test_a_correction_replaces_the_value_and_keeps_the_extracted_one(pingtan_2020):
    res, tidy = pingtan_2020
    cells, audit, findings = apply_corrections(tidy.cells, tidy.reports, [_c(res.sha256)])
    hit = cells.filter(pl.col("corrected"))
    assert hit.select("row", "col", "value", "value_int", "value_extracted", "raw").rows() == [
        ("total_handled", "total", 27.0, 27, 21.0, "21")]
    untouched = cells.filter(~pl.col("corrected"))
    assert untouched.equals(tidy.cells.filter(
        ~((pl.col("row") == "total_handled") & (pl.col("col") == "total"))))
    assert cells.columns == tidy.cells.columns and cells.height == tidy.cells.height
    a = audit.row(0, named=True)
    assert (a["correction_status"], a["value_extracted"], a["value_corrected"]) == ("applied", 21, 27)
    assert findings[0]["check"] == "correction.applied" and "21" in findings[0]["message"]
    # lazily, as the pipeline applies them to the cells it streams
    lazy, _, _ = apply_corrections(tidy.cells.lazy(), tidy.reports, [_c(res.sha256)])
    assert lazy.collect().equals(cells)


def test_every_correction_that_does_not_apply_is_reported(pingtan_2020):
    res, tidy = pingtan_2020
    rid = res.sha256[:16]
    rows = [_c("0" * 64, line=2), _c(rid, row="other_no_correction", line=3),  # a 2021-only row
            _c(rid, table="nope", line=4), _c(rid, value="2.5", line=5),
            _c(rid, value="lots", line=6), _c(rid, value="20", line=7), _c(rid, value="", line=8)]
    cells, audit, _ = apply_corrections(tidy.cells, tidy.reports, rows)
    status = dict(audit.select("line", "correction_status").iter_rows())
    assert status == {2: "unmatched_report", 3: "unmatched_cell", 4: "invalid", 5: "invalid",
                      6: "invalid", 7: "superseded", 8: "applied"}
    # the last line for a cell wins: an empty value records the cell as blank (missing)
    hit = cells.filter(pl.col("corrected")).row(0, named=True)
    assert hit["value"] is None and hit["value_int"] is None and hit["value_extracted"] == 21


def test_corrections_file_reading(tmp_path):
    p = tmp_path / "corrections.csv"
    assert read_corrections(p) == []  # no file, no corrections
    p.write_text("report,table,row,col,value,reason,who,when\n"
                 "abc,requests,granted,total,3,typo,me,2026-12-04\n\n", encoding="utf-8")
    (c,) = read_corrections(p)
    assert (c.line, c.report, c.value, c.who) == (2, "abc", "3", "me")
    p.write_text("report,table,value\nabc,requests,3\n", encoding="utf-8")
    with pytest.raises(CorrectionsError, match="row"):
        read_corrections(p)


def test_identities_are_evaluated_again_on_the_corrected_values(pingtan_2020, seed_path):
    # the seed with new_received misprinted 14 (natural_person and total): corrected back to 13,
    # every identity holds again
    broken = parse_bytes(break_balance(seed_path.read_text(encoding="utf-8")).encode(), "b.txt")
    assert any(f.check == "requests.balance" for f in broken.findings)
    tidy = build_tidy([broken])
    fix = [_c(broken.sha256, row="new_received", col=c, value="13", line=i)
           for i, c in ((2, "natural_person"), (3, "total"))]
    _, _, found = apply_corrections(tidy.cells, tidy.reports, fix)
    assert [f["check"] for f in found] == ["correction.applied"] * 2 + ["correction.identities_hold"]
    # Pingtan 2020: its result rows add up to 27 where 总计 prints 21; correcting 总计 alone
    # breaks the balance with new_received (21): the recheck says so
    res, tidy = pingtan_2020
    _, _, found = apply_corrections(tidy.cells, tidy.reports, [_c(res.sha256)])
    breaks = [f for f in found if f["check"] == "correction.identity_break"]
    assert breaks and all(f["severity"] == "warning" for f in breaks)
    assert any("with the corrections applied" in f["message"] and "27" in f["message"]
               for f in breaks)
