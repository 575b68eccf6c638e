import csv
import io
import json

from gip_pipeline.metadata import outputs, schema
from gip_pipeline.metadata import dbt_yaml
from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR


def test_generated_dbt_files_are_up_to_date():
    stale = dbt_yaml.stale_files()
    assert stale == [], f"run `make dbt-gen` (python -m gip_pipeline.metadata.dbt_yaml): {stale}"


def test_readme_table_of_tables_is_rendered_from_the_metadata():
    from gip_pipeline.metadata import readme

    text = readme.README.read_text(encoding="utf-8")
    assert readme.updated(text) == text, "run `make dbt-gen`"
    for t in outputs.PRIMARY_KEYS:
        assert f".{t}` |" in readme.render()
    n = len(outputs.MART_COLUMNS["report_comparison"])
    assert f"| `marts.report_comparison` | `report_id` | {n} |" in readme.render()


def test_stale_check_notices_an_edit(tmp_path):
    dbt_yaml.write_files(tmp_path)
    assert dbt_yaml.stale_files(tmp_path) == []
    p = tmp_path / "models" / "staging" / "stg_reports.yml"
    p.write_text(p.read_text(encoding="utf-8").replace("distinct", "distinkt"), encoding="utf-8")
    (tmp_path / "models" / "marts" / "_marts.yml").write_text("{}", encoding="utf-8")
    assert dbt_yaml.stale_files(tmp_path) == ["models/staging/stg_reports.yml",
                                             "models/marts/_marts.yml"]


def test_the_generator_writes_yaml_and_seeds_only_and_nothing_imports_it():
    """dbt owns its SQL: every .sql file under dbt_project/ is hand-written, and the runtime
    package never imports the generator (a development tool)."""
    assert all(rel.endswith((".yml", ".csv")) for rel in dbt_yaml.render_files())
    for sql in DBT_PROJECT_DIR.glob("**/*.sql"):
        if "target" not in sql.parts:
            assert dbt_yaml.HEADER not in sql.read_text(encoding="utf-8"), sql
    package = DBT_PROJECT_DIR.parent / "gip_pipeline"
    importers = [p for p in package.rglob("*.py") if p.name != "dbt_yaml.py"
                 and "dbt_gen" in p.read_text(encoding="utf-8")]
    assert importers == []


def _yml_model(layer, name):
    (model,) = _yml(f"models/{layer}/{name}.yml")["models"]
    assert model["name"] == name
    return model


def _yml(rel):
    text = (DBT_PROJECT_DIR / rel).read_text(encoding="utf-8")
    return json.loads(text.split("\n", 1)[1])  # after the generated-by comment line


def _accepted(model, column):
    cols = {c["name"]: c for c in model["columns"]}
    for t in cols[column]["data_tests"]:
        if isinstance(t, dict) and "accepted_values" in t:
            return t["accepted_values"]["arguments"]["values"]
    raise AssertionError(f"no accepted_values on {column}")


def test_accepted_values_cover_the_schema_keys():
    models = {n: _yml_model("staging", n) for n in ("stg_cells", "stg_reports")}
    cells = models["stg_cells"]
    assert set(_accepted(cells, "table")) == set(schema.TABLES_BY_KEY)
    assert set(_accepted(cells, "row")) == {r for t in schema.TABLES for r in schema.all_row_keys(t.key)}
    assert set(_accepted(cells, "col")) == {c for t in schema.TABLES for c in schema.all_col_keys(t.key)}
    assert _accepted(models["stg_reports"], "era") == list(schema.ERAS)
    assert _accepted(models["stg_reports"], "status") == list(schema.STATUSES)


def test_descriptions_come_from_the_schema():
    cols = {c["name"]: c["description"] for c in _yml_model("staging", "stg_reports")["columns"]}
    for m in schema.METADATA:
        assert m.en in cols[m.key] and m.zh in cols[m.key]
    mart = {c["name"]: c["description"]
            for c in _yml_model("marts", "report_comparison")["columns"]}
    for m in schema.MEASURES:
        assert m.zh in mart[m.key] and f"{m.key}_denominator" in mart


def test_cell_key_seed_lists_every_printed_cell():
    text = (DBT_PROJECT_DIR / "seeds" / "cell_keys.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    keys = {(r["table"], r["row"], r["col"]): r for r in rows}
    assert len(keys) == len(rows)
    for era in schema.TABLE_ERAS:
        for k in schema.expected_cells(era):
            assert era in keys[k]["eras"].split("|")
    assert ("requests", "new_received", "legal_person_subtotal") in keys  # optional column
    assert keys[("active_disclosure", "administrative_fees", "fee_amount_10k_yuan")]["dtype"] == "decimal"


def test_identities_are_checked_in_one_home():
    """The schema's identities are asset checks on core_cells (the extractor's evaluator); dbt
    tests only what dbt builds: no identity test in the dbt project, and each mart's sum tests
    are its request groups' construction."""
    from gip_pipeline.assets.core import core_tables
    from gip_pipeline.tidy.identities import identity_checks

    checks = {k.name for k in core_tables.check_keys if k.asset_key.path == ["core_cells"]}
    assert checks == {c.replace(".", "__") for c in identity_checks()}
    assert not list(DBT_PROJECT_DIR.glob("tests/**/identity*.sql"))
    yml = "\n".join(p.read_text(encoding="utf-8") for p in DBT_PROJECT_DIR.glob("models/**/*.yml"))
    assert "identity_holds" not in yml
    for name in ("report_comparison", "region_year"):
        tests = [t["sum_to_total"] for t in _yml_model("marts", name)["data_tests"]
                 if "sum_to_total" in t]
        by_total = {t["arguments"]["total"]: t["arguments"]["parts"] for t in tests}
        assert by_total == {k: list(v) for k, v in outputs.COMPARISON_TOTALS.items()}


def test_quantity_seeds_spell_every_measure_and_total():
    """The seeds int_report_quantities sums: each measure's numerator and denominator (minus
    terms signed -1), each request group, and the crosswalk's two alternatives in order."""
    def rows(name):
        text = (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").read_text(encoding="utf-8")
        return list(csv.DictReader(io.StringIO(text)))

    quantities = [r["quantity"] for r in rows("quantities")]
    assert quantities == [q.name for q in outputs.QUANTITIES]
    terms: dict[tuple, list] = {}
    for r in rows("quantity_terms"):
        terms.setdefault((r["quantity"], r["part"], int(r["alternative"])), []).append(
            (int(r["sign"]), r["table"], r["row"], r["col"]))
    for m in schema.MEASURES:
        assert m.key in quantities
        num = [(1, t.table, r, c) for t in m.numerator for r in t.rows for c in t.cols]
        num += [(-1, t.table, r, c) for t in m.numerator_minus for r in t.rows for c in t.cols]
        assert terms[(m.key, "numerator", 1)] == num
        den = [(1, t.table, r, c) for t in m.denominator for r in t.rows for c in t.cols]
        den += [(-1, t.table, r, c) for t in m.denominator_minus for r in t.rows for c in t.cols]
        assert terms[(m.key, "denominator", 1)] == den
    assert terms[("denied", "value", 1)] == [(1, "requests", r, "total")
                                             for r in schema.DENIED_ROWS]
    row, parts = next(iter(schema.ERA_CROSSWALK.items()))
    assert terms[(outputs.CROSSWALK_COLUMN, "value", 1)] == [(1, "requests", row, "total")]
    assert terms[(outputs.CROSSWALK_COLUMN, "value", 2)] == [(1, "requests", r, "total")
                                                             for r in parts]
    (rule,) = rows("ranking_rule")
    assert int(rule["min_total_handled"]) == schema.MIN_RANK_DENOMINATOR
