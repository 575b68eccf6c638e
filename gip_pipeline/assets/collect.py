"""The collector as a Dagster asset: <data>/sites.txt walked into the input folder, before
raw_report_files lists it (gip_pipeline.collect does the work)."""

from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from gip_pipeline.assets.resources import GipPaths
from gip_pipeline.collect.crawl import collect
from gip_pipeline.collect.sites import read_sites


@asset(group_name="raw", kinds={"http"}, description="Reports fetched from government sites: "
       "every site of <data>/sites.txt (one start URL a line, with rules) collected politely "
       "into the input folder, the fetches logged in <data>/collect/manifest.jsonl and "
       "archived as WARC. No sites file: nothing is fetched. Re-runs ask only for what changed.")
def raw_collected_files(context: AssetExecutionContext, paths: GipPaths) -> MaterializeResult:
    sites_file = paths.sites_file()
    if not sites_file.is_file():
        context.log.info(f"no sites file at {sites_file}: nothing to collect")
        return MaterializeResult(metadata={"sites_file": str(sites_file), "n_sites": 0})
    raw = paths.raw()
    if not isinstance(raw, Path):
        raise ValueError(f"the collector writes a local input folder, not {raw}")
    res = collect(read_sites(sites_file), raw, paths.collect_state())
    for f in res.failures:
        context.log.warning(f"{f.outcome}: {f.url} {f.error or ''}")
    return MaterializeResult(metadata={
        "sites_file": str(sites_file), **res.summary(),
        "manifest": MetadataValue.path(str(paths.collect_manifest())),
        "new_files": MetadataValue.md("\n".join(f"- {p}" for p in res.new_files[:100])
                                      or "(none)"),
        "failures": MetadataValue.md("\n".join(f"- {f.outcome}: {f.url}"
                                               for f in res.failures[:100]) or "(none)"),
        "stopped": {s.site: s.stopped for s in res.sites if s.stopped},
    })
