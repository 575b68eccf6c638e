# gip_pipeline: `make run` builds the warehouse and exports from data/raw; `make test` runs the tests.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Each data folder has its own Dagster instance (<data>/.dagster), so the sample, the demo and
# any GIP_DATA_DIR never mix their runs and check histories in the UI.
DATA_DIR := $(or $(GIP_DATA_DIR),$(CURDIR)/data)

.PHONY: run test test-fast ui docs manifest dbt-gen clean dagster-home demo

# The Dagster instance (gip_pipeline/assets/instance.py): queued runs one at a time, run
# monitoring on; runs whose process is gone (a killed run) are marked failed first, so they
# never hold the queue. DuckDB writers are serialised by a file lock, not a Dagster pool.
dagster-home: $(STAMP)
	$(BIN)/python -m gip_pipeline.assets.instance $(DATA_DIR)/.dagster

# (Re)install when the venv is missing or pyproject.toml changed.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

# dbt's manifest, which the Dagster dbt assets are built from (fast; always refreshed).
manifest: $(STAMP)
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet

# Rewrite what renders from gip_pipeline/metadata/: dbt's YAML (one file per model) and seeds,
# and the README's table of tables. The SQL under dbt_project/ is hand-written and left alone.
dbt-gen: $(STAMP)
	$(BIN)/python -m gip_pipeline.metadata.dbt_yaml
	$(BIN)/python -m gip_pipeline.metadata.readme

# Quiet: stages, a progress bar and a summary; Dagster's full event log goes to data/logs/.
run: manifest
	$(BIN)/gip run --data-dir $(DATA_DIR)

# The whole suite, dbt's tests included (the integration tests run `dbt build`); a run that
# collects no tests fails (pytest exit 5), since nothing was checked.
test: manifest
	$(BIN)/pytest

# The unit tests (under a minute on 2 cores): everything not marked slow.
test-fast: manifest
	$(BIN)/pytest -m "not slow" -q

# dagster dev re-parses the dbt project on load, with the dbt on PATH: the venv's.
ui: manifest dagster-home
	@echo "Dagster UI for the data folder $(DATA_DIR) (its instance: $(DATA_DIR)/.dagster)"
	PATH="$(CURDIR)/$(BIN):$$PATH" DAGSTER_HOME=$(DATA_DIR)/.dagster GIP_DATA_DIR=$(DATA_DIR) \
	  $(BIN)/dagster dev -w workspace.yaml

# Browse the models, columns, tests and lineage without SQL: dbt's docs site over a copy of the
# published warehouse (dbt opens its database for writing; the snapshot stays untouched).
DOCS_DIR := $(DATA_DIR)/docs
docs: manifest
	mkdir -p $(DOCS_DIR)
	cp $(DATA_DIR)/warehouse/gip.duckdb $(DOCS_DIR)/gip.duckdb && chmod u+w $(DOCS_DIR)/gip.duckdb
	cd dbt_project && GIP_DUCKDB_PATH=$(DOCS_DIR)/gip.duckdb ../$(BIN)/dbt docs generate \
	  --profiles-dir . --target-path $(DOCS_DIR)/target --quiet
	@echo "dbt docs of $(DATA_DIR): http://localhost:8080"
	cd dbt_project && GIP_DUCKDB_PATH=$(DOCS_DIR)/gip.duckdb ../$(BIN)/dbt docs serve \
	  --profiles-dir . --target-path $(DOCS_DIR)/target --port 8080 --no-browser

clean:
	rm -rf dbt_project/target dbt_project/logs data/warehouse data/exports


# The demo: a few hundred SYNTHETIC reports (all 31 provinces, 2021-2023, every form; seed 4
# covers every province) in data/demo (git-ignored), its own warehouse and exports.
DEMO_DIR := data/demo
DEMO_N ?= 300
demo: manifest
	rm -rf $(DEMO_DIR)/synth $(DEMO_DIR)/raw
	$(BIN)/gip synth --out $(DEMO_DIR)/synth --n $(DEMO_N) --seed 4 --years 2021-2023
	mkdir -p $(DEMO_DIR)/raw
	find $(DEMO_DIR)/synth -maxdepth 1 -type f ! -name '*.json' -exec cp {} $(DEMO_DIR)/raw/ \;
	$(BIN)/gip run --data-dir $(CURDIR)/$(DEMO_DIR) --include-synthetic
	@echo ""
	@echo "Demo (synthetic data, not published reports) is ready:"
	@echo "  reports + truth:  $(DEMO_DIR)/synth   (input copy: $(DEMO_DIR)/raw)"
	@echo "  warehouse:        $(DEMO_DIR)/warehouse/gip.duckdb   (schemas core, staging, intermediate, marts)"
	@echo "  exports:          $(DEMO_DIR)/exports   (Parquet, datapackage.json, CODEBOOK.md, provenance.json)"
	@echo "  HTML report:      $(DEMO_DIR)/exports/report.html"
	@echo "  try:  $(BIN)/python -c \"import duckdb; print(duckdb.connect('$(DEMO_DIR)/warehouse/gip.duckdb', read_only=True).sql('select * from marts.region_year limit 5'))\""

# Issue 7 benchmarks (minutes; not tests): JSON in data/bench/, then BENCHMARKS.md written from it.
.PHONY: bench scale-out-demo benchmarks-md
bench: manifest
	$(BIN)/python -m gip_pipeline.bench.pipeline throughput full incremental load100k forms --full-runs 2
	$(BIN)/python -m gip_pipeline.bench.pipeline load1m
	$(BIN)/python -m gip_pipeline.bench.report

# A dask scheduler + 2 workers on 127.0.0.1 run the pipeline; the warehouse must equal a single-process run's.
scale-out-demo: manifest
	$(BIN)/python -m gip_pipeline.bench.scale_out demo
	$(BIN)/python -m gip_pipeline.bench.report

benchmarks-md:
	$(BIN)/python -m gip_pipeline.bench.report

# Extraction accuracy (issue 3/4; minutes, not a test): 2,000 synthetic reports + the real files.
ACC_DIR ?= data/accuracy
.PHONY: accuracy
accuracy:
	rm -rf $(ACC_DIR)/corpus
	$(BIN)/gip synth --out $(ACC_DIR)/corpus --n 2000 --seed 11
	$(BIN)/gip bench accuracy $(ACC_DIR)/corpus > $(ACC_DIR)/synthetic.txt; tail -25 $(ACC_DIR)/synthetic.txt
	-$(BIN)/gip bench accuracy ../shared/real ../shared/seed

# data/forms: .doc/.wps/.xls/.et twins of real reports from ../shared/real (needs LibreOffice;
# the readers do not). Tests read them beside the originals.
.PHONY: forms
forms: $(STAMP)
	$(BIN)/python -m gip_pipeline.synth.forms ../shared/real data/forms
