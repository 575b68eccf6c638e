"""The Dagster executor a run uses, chosen by environment; the definitions stay the same.

Executor choice: dagster-dask. Its scheduler and workers are plain Python processes installed
by pip (no broker service to run, unlike dagster-celery's Redis/RabbitMQ); the same two
commands (`dask scheduler`, `dask worker ADDRESS`) run on one laptop over loopback or on a
cluster, and dask-jobqueue / dask-kubernetes start workers on SLURM/PBS/Kubernetes without
changing the pipeline. Limits: dagster-dask plans every step up front, so it cannot run
DynamicOut map/collect (dagster-io/dagster#9785): extraction fans out over a fixed number of
shard steps instead (assets/core.py), which every executor runs.

`executor_from_env()` is what definitions.py uses:
  GIP_EXECUTOR unset / "in_process"  -> in_process_executor (the default: `make run`)
  GIP_EXECUTOR="multiprocess"        -> multiprocess_executor (GIP_MAX_CONCURRENT, default cores)
  GIP_EXECUTOR="dask"                -> dask_executor on the cluster at GIP_DASK_ADDRESS
                                        (tcp://host:port); without an address, a local cluster
                                        of GIP_DASK_WORKERS (default cores) one-thread workers.

`python -m gip_pipeline.bench.scale_out demo` shows the dask executor for real (bench/scale_out.py).
"""

from __future__ import annotations

import os

EXECUTOR_ENV = "GIP_EXECUTOR"
DASK_ADDRESS_ENV = "GIP_DASK_ADDRESS"
EXECUTORS = ("in_process", "multiprocess", "dask")


def executor_from_env(env: dict | None = None):
    """The Dagster executor the environment asks for (in-process unless told otherwise)."""
    from dagster import in_process_executor, multiprocess_executor

    env = os.environ if env is None else env
    kind = (env.get(EXECUTOR_ENV) or "in_process").strip().lower()
    if kind == "in_process":
        return in_process_executor
    if kind == "multiprocess":
        n = int(env.get("GIP_MAX_CONCURRENT") or os.cpu_count() or 1)
        return multiprocess_executor.configured({"max_concurrent": n}, name="multiprocess")
    if kind == "dask":
        address = env.get(DASK_ADDRESS_ENV)
        if address:
            cluster = {"existing": {"address": address}}
        else:
            n = int(env.get("GIP_DASK_WORKERS") or os.cpu_count() or 1)
            cluster = {"local": {"n_workers": n, "threads_per_worker": 1}}
        return gip_dask_executor().configured({"cluster": cluster}, name="dask")
    raise ValueError(f"{EXECUTOR_ENV}={kind!r}: expected one of {', '.join(EXECUTORS)}")


class _Boxed:
    """Opaque to dask: dask (>= 2024.12) walks tuples in task arguments looking for futures,
    and Dagster's run records are NamedTuples that forbid iteration, so dagster-dask 0.29's
    `client.submit(query_on_dask_worker, ..., dagster_run, ...)` fails. Boxing the arguments
    sidesteps the walk; the dependency futures stay outside the box so dask still orders steps."""

    __slots__ = ("args",)

    def __init__(self, args: tuple):
        self.args = args


def _run_step_on_worker(dependencies, boxed: _Boxed):
    """Run one step. `dependencies` arrive resolved: the upstream steps' events. Their outputs
    are added to the known state, because Dagster loads a fan-in input only from outputs it
    knows are ready, and the state captured when the step was submitted (upstream dagster-dask
    passes that one) knows none: the fan-in would silently come out empty."""
    from dagster import DagsterEventType
    from dagster._core.execution.plan.state import KnownExecutionState
    from dagster_dask.executor import query_on_dask_worker

    recon_job, run, run_config, step_keys, instance_ref, known = boxed.args
    ready = {ev.step_output_data.step_output_handle for events in dependencies for ev in events
             if ev.event_type == DagsterEventType.STEP_OUTPUT}
    if ready:
        known = known or KnownExecutionState()
        known = KnownExecutionState(
            previous_retry_attempts=known.previous_retry_attempts,
            dynamic_mappings=known.dynamic_mappings,
            step_output_versions=known.step_output_versions,
            ready_outputs=set(known.ready_outputs or ()) | ready,
            parent_state=known.parent_state)
    return query_on_dask_worker(dependencies, recon_job, run, run_config, step_keys,
                                instance_ref, known)


def gip_dask_executor():
    """dagster-dask's executor with the argument boxing above (same config: cluster.existing
    {address} or cluster.local {...}); everything else is upstream's DaskExecutor."""
    import dask.distributed
    from dagster import DagsterEvent, Field, Permissive, Selector, StringSource
    from dagster import _check as check
    from dagster import executor, multiple_process_executor_requirements
    from dagster._core.errors import raise_execution_interrupts
    from dagster._utils import iterate_with_context
    from dagster_dask.executor import DaskExecutor, get_dask_resource_requirements

    class GipDaskExecutor(DaskExecutor):
        def execute(self, plan_context, execution_plan):
            check.invariant(plan_context.instance.is_persistent,
                            "Dask execution requires a persistent DagsterInstance (set DAGSTER_HOME)")
            if self.cluster_type == "existing":
                cluster = self.cluster_configuration["address"]
            elif self.cluster_type == "local":
                from dask.distributed import LocalCluster

                cluster = LocalCluster(**self.build_dict(plan_context.job_name))
            else:
                raise ValueError(f"cluster type {self.cluster_type!r}: use existing or local")
            instance = plan_context.instance
            with dask.distributed.Client(cluster) as client:
                futures, by_step = [], {}
                # The plan's own step dependencies (fan-in inputs included): a step's future
                # waits for every upstream step's future.
                step_deps = execution_plan.get_executable_step_deps()
                for level in execution_plan.get_steps_to_execute_by_level():
                    for step in level:
                        deps = [by_step[k] for k in sorted(step_deps.get(step.key, ())) if k in by_step]
                        args = (plan_context.reconstructable_job, plan_context.dagster_run,
                                plan_context.run_config, [step.key], instance.get_ref(),
                                execution_plan.known_state)
                        fut = client.submit(_run_step_on_worker, deps, _Boxed(args),
                                            key=f"{plan_context.job_name}.{step.key}",
                                            resources=get_dask_resource_requirements(step.tags))
                        futures.append(fut)
                        by_step[step.key] = fut
                done = dask.distributed.as_completed(futures, with_results=True)
                for _fut, result in iterate_with_context(raise_execution_interrupts, done):
                    for event in result:
                        yield check.inst(event, DagsterEvent)

    @executor(name="dask", requirements=multiple_process_executor_requirements(),
              config_schema={"cluster": Field(Selector({
                  "existing": Field({"address": StringSource}),
                  "local": Field(Permissive(), is_required=False)}))})
    def _gip_dask(init_context):
        ((kind, conf),) = init_context.executor_config["cluster"].items()
        return GipDaskExecutor(kind, conf)

    return _gip_dask
