"""`gip`: the command line. Each verb lives in the module that owns its work."""

from __future__ import annotations

import importlib
import sys

# verb -> "module:function"; the function takes argv (list[str]) and returns an exit code.
VERBS = {
    "run": "gip_pipeline.runner:main",
    "sql": "gip_pipeline.warehouse.shell:main",
    "parse": "gip_pipeline.extraction.parse_cli:main",
    "bench": "gip_pipeline.bench.cli:main",
    "synth": "gip_pipeline.synth.cli:main",
    "export": "gip_pipeline.exports.cli:main",
}

USAGE = "usage: gip {" + ",".join(VERBS) + "} ...\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    verb, rest = argv[0], argv[1:]
    if verb not in VERBS:
        sys.stderr.write(f"gip: unknown command {verb!r}\n" + USAGE)
        return 2
    module, func = VERBS[verb].split(":")
    return int(getattr(importlib.import_module(module), func)(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
