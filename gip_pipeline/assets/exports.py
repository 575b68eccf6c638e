"""marts → exports: the researcher's download folder (data/exports), one step.

Parquet for every tidy table, mart and input-file table (CSV with csv=true), provenance.json,
CODEBOOK.md, report.html and datapackage.json, written by gip_pipeline.exports.export_all.
Synthetic reports are left out unless the run config sets include_synthetic (default false).
With GipPaths.exports_url ($GIP_EXPORTS_URL) the finished folder is also copied there
(object storage by configuration; gip_pipeline.exports.publish).
"""


from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, AssetKey, AssetSpec, Config, MaterializeResult, \
    MetadataValue, multi_asset
from dagster_dbt import get_asset_key_for_model

from gip_pipeline.assets.dbt import gip_dbt_models, load_asset_key
from gip_pipeline.assets.preview import markdown_table
from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.exports import CODEBOOK_FILE, EXPORTS, FILE_EXPORTS, HTML_FILE, MARTS, export_folder
from gip_pipeline.exports.datapackage import DATAPACKAGE_FILE
from gip_pipeline.exports.provenance import PROVENANCE_FILE
from gip_pipeline.exports.workbook import WORKBOOK_FILE
from gip_pipeline.warehouse.load import writer_lock
from gip_pipeline.exports.publish import publish_folder

# The dbt model that vouches for each export (its tests ran): the export waits for it.
UPSTREAM = {"cells": "stg_cells", "reports": "stg_reports", "findings": "stg_findings",
            "narrative": "stg_narrative", "legacy_statistics": "stg_legacy_statistics",
            **{m: m for m in MARTS}}
PACKAGE_FILES = {"datapackage": DATAPACKAGE_FILE, "provenance": PROVENANCE_FILE,
                 "codebook": CODEBOOK_FILE, "report_html": HTML_FILE,
                 "workbook": WORKBOOK_FILE}


class ExportConfig(Config):
    include_synthetic: bool = False  # keep synthetic reports (the demo sets it)
    csv: bool = False  # also write CSV files


def _key(name: str) -> AssetKey:
    return AssetKey(f"out_{name}")


# Exports read the published snapshot (what researchers open), never the working copy. The
# snapshot follows every dbt model already: the package files hang under it alone, not under
# each model (which drew ~70 edges into the exports in the UI's graph).
SNAPSHOT = AssetKey("warehouse_snapshot")


@multi_asset(
    name="exports", group_name="exports",
    specs=[AssetSpec(_key(n), kinds={"parquet"}, deps=[get_asset_key_for_model(
               [gip_dbt_models], UPSTREAM[n]), SNAPSHOT],
               description=f"{EXPORTS[n]} as exports/{n}.parquet (temp file, then rename).")
           for n in EXPORTS]
    + [AssetSpec(_key(n), kinds={"parquet"}, deps=[load_asset_key(n), SNAPSHOT],
                 description=f"{FILE_EXPORTS[n]} as exports/{n}.parquet (temp file, then rename).")
       for n in FILE_EXPORTS]
    + [AssetSpec(_key(n), deps=[SNAPSHOT], description=f"exports/{f}")
       for n, f in PACKAGE_FILES.items()],
)
def export_assets_step(context: AssetExecutionContext, config: ExportConfig, paths: GipPaths):
    # Under the writers' lock: two runs at once never interleave their files in the folder.
    with writer_lock(paths.warehouse()):
        res = export_folder(paths.published(), paths.exports(), csv=config.csv,
                            include_synthetic=config.include_synthetic, raw_dir=paths.raw())
    copy_to = paths.exports_copy()
    # file name -> its URL where the folder is also published
    copied = {u.rsplit("/", 1)[-1]: u for u in publish_folder(res.out_dir, copy_to)} \
        if copy_to else {}

    def where(path: Path) -> dict:
        return {"path": str(path), **({"copied_to": copied[path.name]} if copied else {})}

    for name, (path, rows) in {**res.tables, **res.file_tables}.items():
        yield MaterializeResult(asset_key=_key(name), metadata={
            **where(path), "dagster/row_count": rows,
            "include_synthetic": config.include_synthetic,
            "preview": MetadataValue.md(markdown_table(pl.read_parquet(path, n_rows=10)))})
    for name, f in PACKAGE_FILES.items():
        yield MaterializeResult(asset_key=_key(name), metadata=where(res.out_dir / f))


export_assets = [export_assets_step]
