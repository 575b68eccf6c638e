"""schema's indexed lookups (row, column, column_def, all_*_keys) agree with the definitions."""

import pytest

from gip_pipeline.metadata import schema


def test_indexed_lookups_agree_with_the_definitions_and_reject_unknown_keys():
    for t in schema.TABLES:
        assert schema.all_row_keys(t.key) == tuple(r.key for r in t.rows)
        assert schema.all_col_keys(t.key) == tuple(c.key for c in t.columns)
        for r in t.rows:
            assert t.row(r.key) is r
        for c in t.columns:
            assert t.column(c.key) is c and schema.column_def(t.key, c.key) is c
        for bad in ("nope", "__table__", ""):
            with pytest.raises(KeyError):
                t.row(bad)
            with pytest.raises(KeyError):
                t.column(bad)
            with pytest.raises(KeyError):
                schema.column_def(t.key, bad)
    with pytest.raises(KeyError):
        schema.all_row_keys("nope")


def test_a_table_defined_elsewhere_is_looked_up_in_itself():
    t = schema.TableDef("x", "二", "t", "t", rows=(schema.Row("r", "行", "row"),),
                        columns=(schema.Column("c", "列", "col"),))
    assert t.row("r").label == "行" and t.column("c").label == "列"
    with pytest.raises(KeyError):
        t.row("granted")
