"""`gip bench SUBCOMMAND ...`: each subcommand lives in its own module, as `gip` verbs do."""

from __future__ import annotations

import sys

from gip_pipeline.cli import dispatch

SUBCOMMANDS = {
    "accuracy": ("gip_pipeline.bench.accuracy:main",
                 "score extraction against truth files (synthetic corpus, ../shared/real)"),
    "throughput": ("gip_pipeline.bench.throughput:main",
                   "time extraction per form and the pipeline's stages"),
    "fuzz": ("gip_pipeline.bench.fuzz:main",
             "feed the readers damaged and hostile files; nothing may crash or hang"),
}


def main(argv: list[str] | None = None) -> int:
    return dispatch("gip bench", SUBCOMMANDS, list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
