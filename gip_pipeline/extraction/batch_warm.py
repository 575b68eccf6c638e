"""Imported by the extraction forkserver before it forks any worker (batch._context): the
readers and the one-time tables (region reference and name index, the encoding detector's
frequent characters) are built once there, so no worker pays ~0.5-1 s for them per start."""

from gip_pipeline.extraction import batch

batch.adopt_parent_main()
batch.warm_up()
