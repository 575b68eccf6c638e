"""warehouse → marts: the dbt project, every model, seed and test an asset (or check)."""

import importlib.metadata
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from dagster import (AssetExecutionContext, AssetKey, AssetMaterialization, AssetObservation,
                     MetadataValue, Output)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.warehouse.load import building_marts
from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR, dbt_profiles_dir, executable

# The Dagster asset key of each loaded table (the load step makes them all): dbt's sources map
# onto them, so the models hang under the load in the asset graph.
LOAD_ASSET_PREFIX = "warehouse"


def load_asset_key(table: str) -> list[str]:
    return [LOAD_ASSET_PREFIX, table]


def dbt_executable() -> str:
    return executable("dbt")


class GipDbtTranslator(DagsterDbtTranslator):
    """Sources are the tables the load step writes; models are grouped by their dbt layer
    (the folder under models/: staging, intermediate, marts), seeds with staging."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey(load_asset_key(dbt_resource_props["name"]))
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "staging"
        fqn = dbt_resource_props.get("fqn") or []
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
# Under `dagster dev` (make ui puts the venv's dbt on PATH) the manifest is rebuilt on load.
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    raise FileNotFoundError(f"dbt's manifest {dbt_project.manifest_path} is missing: run "
                            "`make manifest` (make run, make test and make ui do it first)")


class GipDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without its two start-up costs, seconds of every dbt step (a
    third of the step when one new file is added): it asks the executable for its version
    (`dbt --version`, a second process importing dbt) and builds a dbt adapter inside the run
    process (importing dbt-core and dbt-duckdb there). The executable is this environment's
    own dbt, so its version is the installed dbt-core's; the adapter only serves column
    metadata and row counts fetched through dagster-dbt, which these assets do not use
    (_observe_tables counts the rows after the build)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return GipDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project,
            dagster_dbt_translator=GipDbtTranslator())
def gip_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, paths: GipPaths):
    profiles = dbt_profiles_dir(paths.warehouse())
    # One writer at a time on the working copy, also against writers outside Dagster; the
    # marts are marked built from the core tables this build read (publish_snapshot checks).
    # One target folder per warehouse, kept between runs: dbt's partial parse there matches
    # this profile (the project's own target holds make manifest's, for another profile, so a
    # fresh folder per run re-parsed the whole project every time), and runs leave no folder.
    target = paths.warehouse().parent / "dbt_target"
    built = []
    with building_marts(paths.warehouse()):
        for event in dbt.cli(["build", "--profiles-dir", str(profiles)], context=context,
                             target_path=target).stream():
            if isinstance(event, (Output, AssetMaterialization)):
                built.append(context.asset_key_for_output(event.output_name)
                             if isinstance(event, Output) else event.asset_key)
            yield event
        # dbt held the database while it ran; now its tables can be counted and shown
        yield from _observe_tables(paths.warehouse(), built)


def _model_relations() -> dict[AssetKey, str]:
    """The table each dbt model asset builds (views are not counted: that would run them)."""
    import json

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    translator = GipDbtTranslator()
    return {translator.get_asset_key(n): f'"{n["schema"]}"."{n["alias"]}"'
            for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["config"].get("materialized") == "table"}


def _observe_tables(db, built: list[AssetKey]):
    """Row count and the first rows of every table this build made, as observations."""
    import duckdb
    import polars as pl

    from gip_pipeline.assets.preview import markdown_table

    relations = _model_relations()
    con = duckdb.connect(str(db), read_only=True)
    try:
        for key in dict.fromkeys(built):
            rel = relations.get(key)
            if rel is None:
                continue
            n = con.sql(f"select count(*) from {rel}").fetchall()[0][0]
            head = pl.from_arrow(con.sql(f"select * from {rel} limit 5").to_arrow_table())
            head = head.select(head.columns[:12])  # a wide mart's first columns
            yield AssetObservation(asset_key=key, metadata={
                "dagster/row_count": n, "table": rel,
                "preview": MetadataValue.md(markdown_table(head, max_chars=40))})
    finally:
        con.close()
