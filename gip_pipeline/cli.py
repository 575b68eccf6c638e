"""`gip`: the command line. Each verb lives in the module that owns its work."""

from __future__ import annotations

import importlib
import sys

# verb -> ("module:function", one line of help); the function takes argv, returns an exit code.
VERBS = {
    "collect": ("gip_pipeline.collect.cli:main",
                "fetch annual reports from government sites into <data>/raw, politely"),
    "run": ("gip_pipeline.runner:main",
            "run the whole pipeline on <data>/raw: warehouse, marts, download (make run)"),
    "sql": ("gip_pipeline.warehouse.shell:main",
            "query the published DuckDB warehouse read-only (a query, or a prompt)"),
    "parse": ("gip_pipeline.extraction.parse_cli:main",
              "extract one report file and print what was found (--json: the parse output)"),
    "bench": ("gip_pipeline.bench.cli:main",
              "measure extraction accuracy and speed, fuzz the readers"),
    "synth": ("gip_pipeline.synth.cli:main",
              "write synthetic reports in every form, with their truth files"),
    "export": ("gip_pipeline.exports.cli:main",
               "write the download folder again from an existing warehouse"),
}
INTRO = "Government information publicity annual reports: extract, check, compare."


def dispatch(prog: str, verbs: dict[str, tuple[str, str]], argv: list[str],
             intro: str = "") -> int:
    """`prog VERB ...`: run the verb's function on the rest; --help lists the verbs."""
    usage = f"usage: {prog} {{{','.join(verbs)}}} ...\n"
    width = max(map(len, verbs))
    text = (usage + (f"\n{intro}\n" if intro else "") + "\n"
            + "".join(f"  {v.ljust(width)}  {h}\n" for v, (_, h) in verbs.items())
            + f"\n`{prog} COMMAND --help` describes a command's options.\n")
    if not argv or argv[0] in ("-h", "--help"):
        (sys.stdout if argv else sys.stderr).write(text)
        return 0 if argv else 2
    verb, rest = argv[0], argv[1:]
    if verb not in verbs:
        sys.stderr.write(f"{prog}: unknown command {verb!r}\n" + usage)
        return 2
    module, func = verbs[verb][0].split(":")
    return int(getattr(importlib.import_module(module), func)(rest) or 0)


def main(argv: list[str] | None = None) -> int:
    return dispatch("gip", VERBS, list(sys.argv[1:] if argv is None else argv), INTRO)


if __name__ == "__main__":
    sys.exit(main())
