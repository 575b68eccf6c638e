"""`gip bench SUBCOMMAND ...`: each subcommand lives in its own module, as `gip` verbs do."""

from __future__ import annotations

import importlib
import sys

# subcommand -> "module:function"; the function takes argv (list[str]) and returns an exit code.
SUBCOMMANDS = {
    "accuracy": "gip_pipeline.bench.accuracy:main",
    "throughput": "gip_pipeline.bench.throughput:main",
    "fuzz": "gip_pipeline.bench.fuzz:main",  # ROBUST's reader fuzzing
}

USAGE = "usage: gip bench {" + ",".join(SUBCOMMANDS) + "} ...\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    sub, rest = argv[0], argv[1:]
    if sub not in SUBCOMMANDS:
        sys.stderr.write(f"gip bench: unknown subcommand {sub!r}\n" + USAGE)
        return 2
    module, func = SUBCOMMANDS[sub].split(":")
    return int(getattr(importlib.import_module(module), func)(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
