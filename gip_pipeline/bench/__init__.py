"""Benchmarks of the extractor: `gip bench SUBCOMMAND` (see gip_pipeline.bench.cli)."""
