"""The Dagster code location: `dagster dev` / `dagster asset materialize -m gip_pipeline.definitions`."""

from dagster import Definitions, in_process_executor

from gip_pipeline.assets import ALL_ASSETS, default_resources

# In-process: the steps share one DuckDB file (one writer at a time) and are small;
# a subprocess per step would only add start-up time.
defs = Definitions(assets=ALL_ASSETS, resources=default_resources(), executor=in_process_executor)
