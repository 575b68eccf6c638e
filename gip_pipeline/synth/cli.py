"""`gip synth --out DIR --n N --seed S [--formats ...] [--eras ...] [--years 2019-2025] [--error-rate ...]`"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields

from gip_pipeline.synth.generate import ALL_FORMS, FORMS, Options, generate


# What each Options rate makes happen to a document.
RATE_HELP = {
    "error_rate": "with a publisher's arithmetic error (an identity broken)",
    "typo_rate": "with typos in row labels",
    "blank_zero_rate": "printing zeros as blank cells",
    "units_rate": "with units written into the cells",
    "fullwidth_rate": "with full-width digits",
    "thousands_rate": "with thousands separators",
    "heading_rate": "with variant section headings",
    "single_other_rate": "(2021 format) printing one （六）其他处理 row",
    "gbk_rate": "(HTML) encoded GBK",
    "alt_title_rate": "with a variant title",
    "subtotal_rate": "printing the optional 小计 column in the requests table",
    "late_rate": "published after the legal deadline",
    "lying_charset_rate": "(HTML) whose <meta charset> names the wrong encoding",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gip synth", description="Write synthetic GIP annual reports with truth files.")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--n", type=int, required=True, help="number of reports")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed writes the "
                   "same corpus (default 0)")
    p.add_argument("--formats", default=",".join(FORMS),
                   help=f"comma list of {','.join(ALL_FORMS)} (default: {','.join(FORMS)})")
    p.add_argument("--eras", default="2019,2021", help="comma list of 2019,2021")
    p.add_argument("--years", default="2019-2025", help="reporting years, e.g. 2019-2025")
    for f in fields(Options):
        p.add_argument("--" + f.name.replace("_", "-"), type=float, default=f.default,
                       help=f"share of documents {RATE_HELP[f.name]} (default {f.default})")
    return p


def main(argv: list[str]) -> int:
    p = _parser()
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) and 2
    forms = [f for f in a.formats.split(",") if f]
    bad = [f for f in forms if f not in ALL_FORMS]
    eras = [e for e in a.eras.split(",") if e]
    if bad or not forms or any(e not in ("2019", "2021") for e in eras) or a.n < 0:
        sys.stderr.write(f"gip synth: bad --formats/--eras/--n (formats: {','.join(ALL_FORMS)}; eras: 2019,2021)\n")
        return 2
    try:
        lo, _, hi = a.years.partition("-")
        years = (int(lo), int(hi or lo))
    except ValueError:
        sys.stderr.write("gip synth: --years must look like 2019-2025\n")
        return 2
    opts = Options(**{f.name: getattr(a, f.name) for f in fields(Options)})
    t0 = time.perf_counter()
    try:
        res = generate(a.out, a.n, a.seed, forms, eras, years, opts=opts)
    except (RuntimeError, ValueError) as e:
        sys.stderr.write(f"gip synth: {e}\n")
        return 2
    total = time.perf_counter() - t0
    for form, (count, secs) in res["timing"].items():
        if count:
            sys.stderr.write(f"{form}: {count} files, render {secs:.2f}s ({1000 * secs / count:.1f} ms each)\n")
    sys.stderr.write(f"wrote {res['manifest']['n']} reports to {a.out} in {total:.1f}s\n")
    return 0
