"""The Dagster code location: `dagster dev` / `dagster asset materialize -m gip_pipeline.definitions`."""

from dagster import (AssetSelection, DefaultScheduleStatus, DefaultSensorStatus, Definitions,
                     RunRequest, ScheduleDefinition, SensorEvaluationContext, SkipReason,
                     define_asset_job, sensor)

from gip_pipeline.assets import ALL_ASSETS, GipPaths, default_resources, raw_collected_files
from gip_pipeline.assets.instance import reap_dead_runs
from gip_pipeline.raw import listing_digest
from gip_pipeline.assets.executors import executor_from_env

# Everything but the collector: extraction is cached by content, so a run after one new file
# parses that file only; the sensor's runs never reach out to the sites.
refresh_job = define_asset_job(
    "refresh_all", selection=AssetSelection.all() - AssetSelection.assets(raw_collected_files),
    description="Materialise every asset but raw_collected_files (cached extraction).")
collect_job = define_asset_job("collect_and_refresh", selection=AssetSelection.all(),
                               description="Collect the sites of <data>/sites.txt, then "
                               "materialise every asset.")
# Off until a user turns it on in the UI: a schedule that fetches from government sites is
# their decision (and their sites file).
collect_schedule = ScheduleDefinition(
    name="collect_weekly", job=collect_job, cron_schedule="0 3 * * 1",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Mondays 03:00: collect the sites of <data>/sites.txt (conditional requests: "
    "only what changed is downloaded) and refresh everything.")


@sensor(job=refresh_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING,
        description="Watches the input folder; when a file is added, changed or removed (the "
        "digest of names, sizes and modification times changes), launches refresh_all. Its "
        "first tick only takes note of the folder: starting the UI never starts a run.")
def input_folder_sensor(context: SensorEvaluationContext, paths: GipPaths):
    # Runs killed outside the daemon's watch (a `dagster asset materialize` killed) would
    # hold the one-at-a-time run queue: fail them first.
    if context.instance_ref is not None:  # a context built for a test has no instance
        for run_id in reap_dead_runs(context.instance):
            context.log.warning(f"run {run_id}: its process is gone; marked failed")
    try:
        digest = listing_digest(paths.raw())
    except FileNotFoundError as e:
        return SkipReason(str(e))
    if context.cursor is None:
        # The UI's first start is not a request to run: the user may only be looking.
        context.update_cursor(digest)
        return SkipReason("watching the input folder from now on (a change launches "
                          "refresh_all; materialise the assets to build from what is there)")
    if digest == context.cursor:
        return SkipReason("the input folder has not changed")
    context.update_cursor(digest)
    # run_key: one run per distinct listing, even if the cursor were lost.
    return RunRequest(run_key=f"input-{digest[:16]}", tags={"gip/listing_digest": digest})


# In-process by default: the steps share one DuckDB file (one writer at a time); extraction
# steps start their own worker processes. GIP_EXECUTOR picks another (assets/executors.py).
defs = Definitions(assets=ALL_ASSETS, jobs=[refresh_job, collect_job],
                   schedules=[collect_schedule], sensors=[input_folder_sensor],
                   resources=default_resources(), executor=executor_from_env())
