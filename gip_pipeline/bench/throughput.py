"""`gip bench throughput DIR [--json] [--runs K]`: extraction speed by form, in one process.

Every report file under DIR (the generator's truth files and manifest are skipped) is parsed
with `parse_bytes` -- the whole extraction: reader, recognition, validation -- timed per form.
The form is the format `parse_bytes` sniffs from the content (pipe text counts as txt).
Bytes are read before the clock starts, so the figures are extraction, not disk.

Pages: a PDF's page count (pdfium). HTML, DOCX, Markdown and text have no pages, so their
`pages` and `ms_per_page` are null (never a made-up count); docs_per_s is their figure.
Read by OCR, one core (GIP_OCR_THREADS, default 1): a PDF with no text layer on any page is
timed as form `scan`; pictures as `image`, whose pages are the pages a picture holds (frames,
and each page of a long picture). Office 97 files (`doc`, `xls`) and OFD are their own forms;
OFD pages are its page count.

Baseline (issue 7): the naive pdfplumber pass, `extract_text()` and `extract_tables()` on
every page, timed in the same run on the same PDFs. Floor (issue 18): pdfium's own text pass,
`get_textpage()` and `get_text_range()` on every page and nothing else, the least any reader
of the text layer does, timed in the same run; `floor_ms_per_page`, and the two ratios
`vs_baseline` (ours / naive pdfplumber) and `vs_floor` (ours / floor). `reader_ms_per_page`:
the PDF reader alone (bytes to Document, readers.pdf.read), so the rest of ms_per_page is
what every form pays after its reader (recognition, metadata, validation). Non-PDF forms have no agreed naive
reader to compare with, so their baseline is null.

Forms are timed one after another, with a garbage collection before each, so one form's
garbage (pdfplumber leaves large object graphs) is not collected on another form's clock.
With --runs K > 1 every figure is the median of the K runs (each run parses every file once);
peak_rss_mb is the process's peak resident memory over the whole benchmark.

With --pipeline the same report files then go through the whole pipeline (one Dagster run,
`gip_pipeline.bench.runs.dagster_run`: discovery, extraction, tidy, load, dbt, exports) into
a temporary data dir; the output gains `"pipeline": {"documents", "seconds", "peak_rss_mb",
"status"}`, where peak_rss_mb is the run's whole process tree (sampled), not this process.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gip_pipeline.extraction.parse import parse_bytes, sniff_format
from gip_pipeline.extraction.readers.pdf import read as read_pdf

REPORT_SUFFIXES = frozenset({".pdf", ".html", ".htm", ".xhtml", ".docx", ".md", ".markdown",
                             ".txt", ".text", ".doc", ".wps", ".xls", ".et", ".ofd", ".jpg", ".jpeg",
                             ".png", ".tif", ".tiff", ".bmp", ".webp"})
FORM_ORDER = ("pdf", "html", "docx", "md", "txt", "doc", "xls", "ofd", "scan", "image")


@dataclass
class Sample:
    path: Path
    form: str
    data: bytes
    pages: int | None  # PDFs only


@dataclass
class FormTimes:
    documents: int = 0
    pages: int | None = None
    parse_s: list[float] = field(default_factory=list)      # one total per run
    baseline_s: list[float] = field(default_factory=list)   # one total per run (PDF only)
    floor_s: list[float] = field(default_factory=list)      # one total per run (PDF only)
    reader_s: list[float] = field(default_factory=list)     # one total per run (PDF only)


def report_files(root: str | Path) -> list[Path]:
    """Report files under root, sorted: synth truth files (*.truth.json), manifests, hidden
    files and anything with a non-report extension are left out."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    out = [p for p in root.rglob("*")
           if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES
           and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(out)


def pdf_pages(data: bytes) -> tuple[int, int]:
    """A PDF's pages, and how many of them have no text layer (the PDF reader reads those by
    OCR: a PDF whose every page is one is what the benchmarks call a scan)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf), sum(1 for page in pdf if not page.get_textpage().get_text_range().strip())
    finally:
        pdf.close()


def picture_pages(data: bytes) -> int:
    from gip_pipeline.extraction.ocr import strip_pieces
    from gip_pipeline.extraction.readers.image import decode_frames

    return sum(len(strip_pieces(arr, dpi)) for arr, dpi in decode_frames(data))


def ofd_pages(data: bytes) -> int:
    from gip_pipeline.extraction.readers.ofd import read

    return read(data, "x.ofd").pages or 0


def load_samples(files: list[Path]) -> list[Sample]:
    out = []
    for p in files:
        data = p.read_bytes()
        form = sniff_format(data, p.name)
        pages = None
        try:  # an unreadable file still counts as a document, with no pages
            if form == "pdf":
                pages, without_text = pdf_pages(data)
                form = "scan" if pages and without_text == pages else form
            elif form == "image":
                pages = picture_pages(data)
            elif form == "ofd":
                pages = ofd_pages(data)
        except Exception:
            pages = 0
        out.append(Sample(p, form, data, pages))
    return out


def naive_pdfplumber(data: bytes) -> None:
    """The baseline: what a first attempt does -- text and tables on every page."""
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()


def pdfium_text_floor(data: bytes) -> None:
    """The floor: pdfium's text pass over every page, nothing else."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()


def _time_each(group: list[Sample], run) -> float:
    """Seconds `run(sample)` takes over the group, after a garbage collection; a sample
    whose run raises counts the time until it did."""
    gc.collect()
    total = 0.0
    for s in group:
        t0 = time.perf_counter()
        try:
            run(s)
        except Exception:  # noqa: BLE001 - see the caller
            pass
        total += time.perf_counter() - t0
    return total


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_benchmark(root: str | Path, runs: int = 1, baseline: bool = True,
                  limit: int | None = None) -> dict:
    """Parse every report file under root `runs` times; the JSON-shaped summary."""
    if runs < 1:
        raise ValueError("runs must be >= 1")
    files = report_files(root)
    if limit is not None:
        files = files[:limit]
    samples = load_samples(files)
    forms: dict[str, FormTimes] = {}
    for s in samples:
        ft = forms.setdefault(s.form, FormTimes())
        ft.documents += 1
        if s.pages is not None:
            ft.pages = (ft.pages or 0) + s.pages
    by_form = {form: [s for s in samples if s.form == form] for form in forms}
    for _ in range(runs):
        totals = dict.fromkeys(forms, 0.0)
        base = dict.fromkeys(forms, 0.0)
        floor = dict.fromkeys(forms, 0.0)
        reader = dict.fromkeys(forms, 0.0)
        # One form at a time, garbage collected before each: otherwise a collection of
        # pdfplumber's object graphs lands inside whatever form is parsed next and is billed to it.
        for form, group in by_form.items():
            gc.collect()
            for s in group:
                t0 = time.perf_counter()
                parse_bytes(s.data, str(s.path))
                totals[form] += time.perf_counter() - t0
            # Each PDF pass on the same pages, its failures not ours to count (a PDF the
            # baseline or pdfium cannot open, one the reader rejects).
            if baseline and form == "pdf":
                base[form] += _time_each(group, lambda s: naive_pdfplumber(s.data))
            if form == "pdf":
                floor[form] += _time_each(group, lambda s: pdfium_text_floor(s.data))
                # The reader alone (bytes to Document): the rest of the extraction's time is
                # recognition, metadata and validation, which every form pays.
                reader[form] += _time_each(group, lambda s: read_pdf(s.data, str(s.path)))
        for form, ft in forms.items():
            ft.parse_s.append(totals[form])
            if baseline and form == "pdf":
                ft.baseline_s.append(base[form])
            if form == "pdf":
                ft.floor_s.append(floor[form])
                ft.reader_s.append(reader[form])
    return summarise(forms)


def _ratio(n: float, d: float) -> float | None:
    return n / d if d > 0 else None


def summarise(forms: dict[str, FormTimes]) -> dict:
    out: dict[str, dict] = {}
    order = [f for f in FORM_ORDER if f in forms] + sorted(set(forms) - set(FORM_ORDER))
    for form in order:
        ft = forms[form]
        secs = statistics.median(ft.parse_s)
        per_page = (1000 * _ratio(secs, ft.pages)) if ft.pages else None
        base = statistics.median(ft.baseline_s) if ft.baseline_s else None
        base_per_page = (1000 * base / ft.pages) if (base is not None and ft.pages) else None
        floor = statistics.median(ft.floor_s) if ft.floor_s else None
        floor_per_page = (1000 * floor / ft.pages) if (floor is not None and ft.pages) else None
        reader = statistics.median(ft.reader_s) if ft.reader_s else None
        reader_per_page = (1000 * reader / ft.pages) if (reader is not None and ft.pages) else None
        docs_per_s = _ratio(ft.documents, secs)
        out[form] = {
            "documents": ft.documents,
            "pages": ft.pages,
            "seconds": round(secs, 4),
            "docs_per_s": None if docs_per_s is None else round(docs_per_s, 2),
            "ms_per_page": None if per_page is None else round(per_page, 2),
            "baseline_ms_per_page": None if base_per_page is None else round(base_per_page, 2),
            "floor_ms_per_page": None if floor_per_page is None else round(floor_per_page, 2),
            "vs_baseline": (None if not (per_page and base_per_page)
                            else round(per_page / base_per_page, 3)),
            "vs_floor": (None if not (per_page and floor_per_page)
                         else round(per_page / floor_per_page, 2)),
            "reader_ms_per_page": None if reader_per_page is None else round(reader_per_page, 2),
        }
    return {"forms": out, "peak_rss_mb": round(peak_rss_mb(), 1)}


def stage_raw(root: str | Path, files: list[Path], data_dir: Path) -> int:
    """The report files (paths relative to root kept) into data_dir/raw, hard-linked where the
    filesystem allows, else copied; how many. Truth files stay out: the pipeline sees reports only."""
    root = Path(root)
    raw = data_dir / "raw"
    for f in files:
        dest = raw / f.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(f, dest)
        except OSError:  # another filesystem, or links not allowed
            shutil.copy2(f, dest)
    return len(files)


def _default_runner(data_dir: Path, dagster_home: Path, log: Path) -> dict:
    from gip_pipeline.bench.runs import dagster_run
    from gip_pipeline.warehouse.paths import prepare_manifest

    # The Dagster dbt assets are built from dbt's manifest: make it match the models (`make run`
    # does the same first).
    prepare_manifest()
    return dagster_run(data_dir, dagster_home, log)


def new_or_empty(folder: Path) -> bool:
    """A work folder a cold run may use: no cache or warehouse of an earlier run in it, and
    nothing of the user's that the run could overwrite or its clean-up delete."""
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def run_pipeline(root: str | Path, files: list[Path], work: str | Path | None = None,
                 runner=None) -> tuple[dict, Path]:
    """The whole pipeline over the report files, cold, in a fresh data dir under `work` (a
    temporary folder when None): `{"documents", "seconds", "peak_rss_mb", "status"}` and the
    run's log path. `runner(data_dir, dagster_home, log) -> dict` is bench.pipeline's
    dagster_run (after a `dbt parse`) unless given."""
    if work is None:
        work = Path(tempfile.mkdtemp(prefix="gip-bench-pipeline-"))
    else:
        work = Path(work)
        if not new_or_empty(work):
            raise FileExistsError(f"{work} exists and is not an empty folder")
    data = work / "data"
    data.mkdir(parents=True)
    n = stage_raw(root, files, data)
    home = work / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")  # defaults, said once: silences Dagster's warning
    log = work / "dagster.log"
    r = (runner or _default_runner)(data, home, log)
    status = r.get("status") or f"no run recorded (exit code {r.get('exit_code')})"
    if status == "SUCCESS" and r.get("exit_code") not in (0, None):
        status = f"exit code {r['exit_code']}"
    return ({"documents": n, "seconds": r.get("seconds"),
             "peak_rss_mb": r.get("peak_tree_rss_mb"), "status": status}, log)


def _fmt(x) -> str:
    if x is None:
        return "-"
    return f"{x:,.2f}" if isinstance(x, float) else str(x)


def render_table(result: dict) -> str:
    head = ("form", "documents", "pages", "seconds", "docs/s", "ms/page", "baseline ms/page",
            "speed-up", "floor ms/page", "vs floor")
    rows = []
    for form, f in result["forms"].items():
        speedup = (f["baseline_ms_per_page"] / f["ms_per_page"]
                   if f["baseline_ms_per_page"] and f["ms_per_page"] else None)
        rows.append((form, f["documents"], f["pages"], f["seconds"], f["docs_per_s"],
                     f["ms_per_page"], f["baseline_ms_per_page"],
                     None if speedup is None else f"{speedup:.1f}x", f.get("floor_ms_per_page"),
                     None if f.get("vs_floor") is None else f"{f['vs_floor']:.1f}x"))
    cells = [tuple(_fmt(c) for c in r) for r in [head, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"peak RSS: {result['peak_rss_mb']:.1f} MB")
    pl = result.get("pipeline")
    if pl is not None:
        lines.append(f"whole pipeline: {pl['documents']} documents in {_fmt(pl['seconds'])} s, "
                     f"peak RSS (process tree) {_fmt(pl['peak_rss_mb'])} MB, status {pl['status']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="gip bench throughput",
                                description="Extraction speed by form (one process).")
    p.add_argument("dir", help="folder of report files (e.g. a `gip synth` corpus)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--runs", type=int, default=1, help="repeat K times; report medians")
    p.add_argument("--no-baseline", action="store_true",
                   help="skip the naive pdfplumber pass (baseline_ms_per_page is null)")
    p.add_argument("--limit", type=int, default=None, help="only the first N files (sorted)")
    p.add_argument("--pipeline", action="store_true",
                   help="also run the whole pipeline (Dagster, cold) on the same files into a "
                        "temporary data dir: adds `pipeline` to the output")
    p.add_argument("--pipeline-dir", default=None,
                   help="with --pipeline: work folder to use and keep (default: a temporary "
                        "folder, removed after a successful run)")
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) and 2
    if a.runs < 1:
        sys.stderr.write("gip bench throughput: --runs must be >= 1\n")
        return 2
    if a.pipeline_dir is not None and not new_or_empty(Path(a.pipeline_dir)):
        # Said before the benchmark's minutes, not after them.
        sys.stderr.write(f"gip bench throughput: --pipeline-dir {a.pipeline_dir} is not a new "
                         "or empty folder\n")
        return 2
    try:
        result = run_benchmark(a.dir, runs=a.runs, baseline=not a.no_baseline, limit=a.limit)
    except FileNotFoundError as e:
        sys.stderr.write(f"gip bench throughput: {e}\n")
        return 2
    rc = 0
    if a.pipeline:
        files = report_files(a.dir)
        if a.limit is not None:
            files = files[:a.limit]
        try:
            result["pipeline"], log = run_pipeline(a.dir, files, a.pipeline_dir)
        except FileExistsError as e:
            sys.stderr.write(f"gip bench throughput: --pipeline-dir: {e}\n")
            return 2
        if result["pipeline"]["status"] != "SUCCESS":
            # Failed-run timings mean nothing: say so, and keep the work folder for the log.
            sys.stderr.write(f"gip bench throughput: the pipeline run did not succeed "
                             f"({result['pipeline']['status']}); log: {log}\n")
            rc = 1
        elif a.pipeline_dir is None:
            shutil.rmtree(log.parent, ignore_errors=True)
    if a.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_table(result))
    return rc
