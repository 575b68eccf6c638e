# gip_pipeline: `make run` builds the warehouse and exports from data/raw; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: run test ui manifest dbt-gen clean dagster-home

# The Dagster instance: one run at a time, since every run writes the one DuckDB file
# (within a run the in-process executor already runs steps one by one).
dagster-home:
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || printf 'concurrency:\n  runs:\n    max_concurrent_runs: 1\n' > $(DAGSTER_HOME)/dagster.yaml

# (Re)install when the venv is missing or pyproject.toml changed.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

# dbt's manifest, which the Dagster dbt assets are built from (fast; always refreshed).
manifest: $(STAMP)
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet

# Rewrite the schema-generated dbt files (yml, seed, identity tests, mart) from schema.py.
dbt-gen: $(STAMP)
	$(BIN)/python -m gip_pipeline.warehouse.dbt_gen

run: manifest dagster-home
	$(BIN)/dagster asset materialize --select '*' -m gip_pipeline.definitions

# pytest exit 5 (no tests collected) is reported, not treated as a failure.
test: manifest
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests were collected"; exit 0; fi; exit $$rc

ui: manifest dagster-home
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf dbt_project/target dbt_project/logs data/warehouse data/exports
