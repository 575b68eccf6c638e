from gip_pipeline.metadata import schema


def test_expected_cells_match_the_national_formats():
    # 2021: section 二 10 cells, section 三 25 rows x 7 columns, section 四 15 cells.
    assert len(schema.expected_cells("2021")) == 10 + 25 * 7 + 15
    # 2019: section 二 3+3+3*4+2+2, section 三 23 rows x 7, section 四 15.
    assert len(schema.expected_cells("2019")) == 22 + 23 * 7 + 15


def test_outcome_rows_cover_every_result_row_once():
    for era in schema.TABLE_ERAS:
        rows = [r.key for r in schema.REQUESTS.rows_for(era)]
        outcomes = schema.OUTCOME_ROWS[era]
        assert len(set(outcomes)) == len(outcomes)
        between = rows[rows.index("granted"): rows.index("total_handled")]
        assert list(outcomes) == between


def test_era_for_year():
    assert schema.era_for_year(2018) == "legacy"
    assert schema.era_for_year(2020) == "2019"
    assert schema.era_for_year(2024) == "2021"
    assert schema.era_for_year(None) is None


def test_keys_are_unique():
    for t in schema.TABLES:
        assert len({r.key for r in t.rows}) == len(t.rows)
        assert len({c.key for c in t.columns}) == len(t.columns)
