"""The synthetic corpus: organs over consecutive years, each year one report in one form."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from gip_pipeline.metadata.schema import era_for_year
from gip_pipeline.synth import render_docx, render_html, render_md, render_pdf, render_pipe, render_text
from gip_pipeline.synth.doc import SynthDoc, build_blocks, build_grids, choose_labels, print_cells
from gip_pipeline.synth.organs import Organ, make_organs
from gip_pipeline.synth.render_forms import FORMS as OTHER_FORMS
from gip_pipeline.synth.truth import build_truth, truth_cell_keys
from gip_pipeline.synth.values import OrganState, add_subtotal, gen_report_cells, merge_other_rows, plant_error

RENDERERS = {"html": render_html, "pdf": render_pdf, "docx": render_docx, "md": render_md,
             "txt": render_text, "pipe": render_pipe}
EXT = {"html": "html", "pdf": "pdf", "docx": "docx", "md": "md", "txt": "txt", "pipe": "txt"}
FORMS = tuple(RENDERERS)  # the default: born-digital forms, fast to make and to read
# Scans, photos, pictures in pages, OFD and office 97 files: asked for by name (OCR'd
# forms take seconds a page to read; doc and xls need LibreOffice to make).
RENDERERS.update(OTHER_FORMS)
EXT.update({k: v.EXT for k, v in OTHER_FORMS.items()})
ALL_FORMS = tuple(RENDERERS)


@dataclass(frozen=True)
class Options:
    """Rates of the messiness knobs (per document) and of planted publisher errors."""
    error_rate: float = 0.05
    typo_rate: float = 0.10
    blank_zero_rate: float = 0.10
    units_rate: float = 0.10
    fullwidth_rate: float = 0.05
    thousands_rate: float = 0.05
    heading_rate: float = 0.10
    single_other_rate: float = 0.10  # 2021 reports printing one （六）其他处理 row
    gbk_rate: float = 0.30  # HTML pages encoded GBK
    alt_title_rate: float = 0.20
    subtotal_rate: float = 0.08  # requests tables printing the optional 小计 column
    late_rate: float = 0.08  # published after the legal deadline (31 Jan / 31 Mar)
    lying_charset_rate: float = 0.15  # HTML pages whose <meta charset> names the wrong encoding


def _published(rng: random.Random, organ: Organ, year: int, late: bool = False) -> str:
    # Art. 49-50: departments by 31 January, a government's summary report by 31 March.
    deadline = dt.date(year + 1, 3, 31) if organ.organ_kind == "government" else dt.date(year + 1, 1, 31)
    if late:
        return (deadline + dt.timedelta(days=rng.randint(1, 120))).isoformat()
    day = rng.randint(5, (deadline - dt.date(year + 1, 1, 1)).days + 1)
    return (dt.date(year + 1, 1, 1) + dt.timedelta(days=day - 1)).isoformat()


def _index_number(organ: Organ, year: int, rng: random.Random) -> str:
    org9 = int(hashlib.sha256(organ.name.encode()).hexdigest(), 16) % 10**9
    return f"{org9:09d}/{year + 1}-{rng.randint(1, 99999):05d}"


def blank_cells(doc: SynthDoc) -> list[list[str]]:
    """[table, row, col] of the value cells printed empty (zeros left blank)."""
    return [list(k) for k, text in doc.texts.items() if text == ""]


def plan(rng: random.Random, organs: list[Organ], n: int, years: list[int]) -> list[tuple[Organ, list[int]]]:
    """Runs of consecutive years, one run per organ (an organ never repeats a year), n reports in all."""
    out, left = [], n
    for oi, organ in enumerate(organs):
        if left <= 0:
            break
        # Only years the organ's region is in force: no report of a city before it was set up.
        own = [y for y in years if organ.in_force(y)]
        if not own:
            continue
        # Short runs mostly; the last organs take longer runs if organs run short.
        want = rng.choice((1, 2, 3, 4, 5, 7)) if len(organs) - oi > left / 2 else len(years)
        start = rng.choice(own)
        run = [start]
        while run[-1] + 1 in own and len(run) < min(left, want):
            run.append(run[-1] + 1)
        while run[0] - 1 in own and len(run) < min(left, want):
            run.insert(0, run[0] - 1)
        out.append((organ, run))
        left -= len(run)
    if left > 0:
        raise ValueError(f"not enough organs for {n} reports: give more regions or fewer reports")
    return out


def make_doc(rng: random.Random, name: str, organ: Organ, year: int, cells: dict, form: str,
             opts: Options) -> SynthDoc:
    era = era_for_year(year)
    knobs: dict[str, Any] = {}
    notes: list[str] = []
    single_other = era == "2021" and rng.random() < opts.single_other_rate
    if single_other:
        merge_other_rows(cells["requests"])
        knobs["single_other_row"] = True
        notes.append("a single （六）其他处理 row: truth uses other_handling")
    error = None
    if rng.random() < opts.error_rate:
        error = plant_error(rng, cells)
        notes.append(error)
        knobs["publisher_error"] = error.split(":", 1)[1].strip().split(".", 1)[0]  # the table
    glued = form in ("txt", "pipe")
    if not glued and error is None and rng.random() < opts.blank_zero_rate:
        knobs["blank_zeros"] = True
        notes.append("zeros printed as empty cells in sections 三 and 四; recorded here as 0")
    for key, rate in (("label_typos", opts.typo_rate), ("units_notes", opts.units_rate),
                      ("fullwidth", opts.fullwidth_rate), ("alt_review_title", opts.alt_title_rate)):
        if rng.random() < rate:
            knobs[key] = True
    if not glued and rng.random() < opts.thousands_rate:
        knobs["thousands"] = True
    if rng.random() < opts.heading_rate:
        knobs["headings"] = rng.choice(("lost", "renumbered"))
    if form == "html" and rng.random() < opts.gbk_rate:
        knobs["gbk"] = True
    if form == "html" and rng.random() < opts.lying_charset_rate:
        knobs["lying_charset"] = True
    if form != "pipe" and rng.random() < opts.subtotal_rate:
        knobs["subtotal"] = True
        add_subtotal(cells["requests"])
        notes.append("requests print the optional 法人或其他组织 小计 column")
    late = rng.random() < opts.late_rate
    if late:
        knobs["late"] = True
        notes.append("published after the legal deadline")
    layout = rng.choice(RENDERERS[form].LAYOUTS)
    doc = SynthDoc(name=name, organ=organ, year=year, era=era, published=_published(rng, organ, year, late),
                   index_number=_index_number(organ, year, rng), cells=cells, single_other=single_other,
                   knobs=knobs, notes=notes, form=form, layout=layout)
    print_cells(doc, rng, truth_cell_keys(era, single_other, bool(knobs.get("subtotal"))))
    choose_labels(doc, rng)
    build_grids(doc)
    build_blocks(doc, rng)
    return doc


def generate(out_dir: Path, n: int, seed: int, forms: Sequence[str] = FORMS, eras: Sequence[str] = ("2019", "2021"),
             years: tuple[int, int] = (2019, 2025), regions: Sequence[Any] | None = None,
             opts: Options = Options()) -> dict[str, Any]:
    """Write n reports with truth files and a manifest; returns the manifest and timings."""
    from gip_pipeline.synth.organs import load_default_regions
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    master = random.Random(f"gip-synth/{seed}")
    yrs = [y for y in range(years[0], years[1] + 1) if era_for_year(y) in eras]
    if not yrs:
        raise ValueError("no reporting year left for the chosen eras and years")
    regions = load_default_regions(yrs[-1]) if regions is None else regions
    organs = make_organs(regions, master, max(1, n // 2 + 1))
    files, timing = [], {f: [0, 0.0] for f in forms}
    i = 0
    for organ, run in plan(master, organs, n, yrs):
        state = OrganState()
        for year in run:
            rng = random.Random(f"gip-synth/{seed}/{i}")
            cells = gen_report_cells(rng, era_for_year(year), organ.organ_kind, organ.admin_level,
                                     organ.scale, state)
            form = forms[rng.randrange(len(forms))]
            name = f"synth_{i:05d}_{organ.region_code}_{year}_{form}.{EXT[form]}"
            doc = make_doc(rng, name, organ, year, cells, form, opts)
            t0 = time.perf_counter()
            data, meta = RENDERERS[form].render(doc, rng)
            timing[form][0] += 1
            timing[form][1] += time.perf_counter() - t0
            (out_dir / name).write_bytes(data)
            ambiguous = meta.get("ambiguous_cells", [])
            truth = build_truth(name, doc.report_meta(with_index=meta.get("index_number", False)), doc.cells,
                                doc.era, doc.single_other, doc.notes,
                                {"form": form, "layout": doc.layout, "knobs": doc.knobs,
                                 # printed so that no reader can split them: null is right, a number wrong
                                 "ambiguous_cells": ambiguous,
                                 # printed empty: a reader returns null with a blank raw text
                                 "blank_cells": blank_cells(doc)},
                                subtotal=bool(doc.knobs.get("subtotal")),
                                printed_findings=("glued.ambiguous",) if ambiguous else ())
            (out_dir / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                                        encoding="utf-8")
            files.append({"file": name, "truth": f"{name}.truth.json", "form": form, "layout": doc.layout,
                          "era": doc.era, "year": year, "organ": organ.name, "region_code": organ.region_code,
                          "knobs": doc.knobs, "expected_status": truth["expected_status"],
                          "expected_findings": truth["expected_findings"]})
            i += 1
    manifest = {"generator": "gip synth", "synthetic": True, "seed": seed, "n": len(files),
                "forms": list(forms), "eras": list(eras), "years": list(years), "options": asdict(opts),
                "files": files}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"manifest": manifest, "timing": timing}
