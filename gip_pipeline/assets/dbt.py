"""warehouse → marts: the dbt project, every model, seed and test an asset (or check)."""


import os
import shutil
import sys
from pathlib import Path

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.warehouse.load import building_marts
from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR

def dbt_executable() -> str:
    """dbt beside this Python (the venv's), so an unactivated venv still finds it."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


# dagster-dbt's manifest preparation looks for `dbt` on PATH: make the venv's visible.
if shutil.which("dbt") is None and (Path(sys.executable).parent / "dbt").exists():
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is rebuilt on load; elsewhere `make` runs `dbt parse` first.
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    # A fresh checkout run without make (e.g. bare pytest): parse once so the defs load.
    dbt_project.preparer.prepare(dbt_project)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project)
def gip_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, paths: GipPaths):
    # profiles.yml reads the warehouse path from the environment the dbt subprocess inherits.
    os.environ["GIP_DUCKDB_PATH"] = str(paths.warehouse())
    # One writer at a time on the working copy, also against writers outside Dagster; the
    # marts are marked built from the core tables this build read (publish_snapshot checks).
    with building_marts(paths.warehouse()):
        yield from dbt.cli(["build"], context=context).stream()
