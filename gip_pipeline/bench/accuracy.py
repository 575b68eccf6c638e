"""`gip bench accuracy DIR|FILE... [--json] [--truth-dir T] [--formats md,pdf]`: score `gip parse` against truth.

For each report with a truth file (see gip_pipeline.bench.truth for the lookup), the
report is parsed in-process and every cell the truth lists is scored right, wrong
(expected and got) or missing; metadata fields the truth gives are scored too.
Exit 1 where any listed cell is wrong or missing, a status is `ok` while a cell is
wrong (a silent error), a status differs from the expected one, an expected finding
is absent or a parse raised; 2 for a usage error or nothing to score; else 0.

Memory stays flat over large corpora: files are walked lazily, each result is
scored and dropped, per-file lines (or JSON records) are written as they come, and
only counters are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gip_pipeline.bench.truth import FileScore, Truth, TruthError, crashed, find_truth, \
    is_truth_file, load_truth, score

Parser = Callable[[Path], Any]
DETAIL_LINES = 20  # per file in the text report; --json carries every issue


def default_parser() -> Parser:
    from gip_pipeline.extraction.parse import parse_file

    return parse_file


def _as_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        return result
    if hasattr(result, "to_dict"):
        return result.to_dict()
    raise TypeError(f"parse_file returned {type(result).__name__}, not a ParseResult")


# ---------------------------------------------------------------- walking


def iter_reports(paths: Iterable[Path], recursive: bool = False) -> Iterator[Path]:
    """Report files under the given paths, in a stable order: a directory's files (not its
    truth files or truth/ folder, nor hidden files), or each file given."""
    for p in paths:
        if p.is_file():
            yield p
            continue
        if recursive:
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d != "truth" and not d.startswith("."))
                for name in sorted(files):
                    f = Path(root) / name
                    if not name.startswith(".") and not is_truth_file(f):
                        yield f
        else:
            with os.scandir(p) as it:
                names = sorted(e.name for e in it if e.is_file() and not e.name.startswith("."))
            for name in names:
                f = p / name
                if not is_truth_file(f):
                    yield f


# ---------------------------------------------------------------- totals


@dataclass
class Tally:
    files: int = 0
    passed: int = 0
    crashed: int = 0
    cells_scored: int = 0
    right: int = 0
    right_blank_zero: int = 0
    right_blank_zero_consistent: int = 0
    right_ambiguous_null: int = 0
    right_blank_null: int = 0
    wrong: int = 0
    wrong_numbers: int = 0
    missing: int = 0
    meta_right: int = 0
    meta_wrong: int = 0
    silent_errors: int = 0
    status_mismatches: int = 0
    findings_missing: int = 0
    ms: float = 0.0

    def add(self, s: FileScore) -> None:
        self.files += 1
        self.passed += s.passed
        self.crashed += s.error is not None
        self.cells_scored += s.cells_scored
        self.right += s.right
        self.right_blank_zero += s.right_blank_zero
        self.right_blank_zero_consistent += s.right_blank_zero_consistent
        self.right_ambiguous_null += s.right_ambiguous_null
        self.right_blank_null += s.right_blank_null
        self.wrong += len(s.wrong)
        self.wrong_numbers += s.wrong_numbers
        self.missing += len(s.missing)
        self.meta_right += s.meta_right
        self.meta_wrong += len(s.meta_wrong)
        self.silent_errors += s.silent_error
        self.status_mismatches += s.status_mismatch
        self.findings_missing += len(s.findings_missing)
        self.ms += s.ms

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["ms"] = round(self.ms, 1)
        d["failed"] = self.files - self.passed
        d["cell_accuracy"] = round(self.right / self.cells_scored, 6) if self.cells_scored else None
        d["ms_per_file"] = round(self.ms / self.files, 1) if self.files else None
        return d


@dataclass
class Summary:
    total: Tally = field(default_factory=Tally)
    by_format: dict[str, Tally] = field(default_factory=dict)
    by_era: dict[str, Tally] = field(default_factory=dict)
    by_layout: dict[str, Tally] = field(default_factory=dict)  # synthetic truth's form/layout
    # The form published (scan, photo, imghtml, ...): a scan and a born-digital PDF share a format.
    by_form: dict[str, Tally] = field(default_factory=dict)
    unscored: int = 0  # files without a truth file
    bad_truth: list[str] = field(default_factory=list)

    def add(self, s: FileScore) -> None:
        self.total.add(s)
        self.by_format.setdefault(s.format or "unknown", Tally()).add(s)
        self.by_era.setdefault(s.era or "unknown", Tally()).add(s)
        if s.layout:
            self.by_layout.setdefault(s.layout, Tally()).add(s)
        self.by_form.setdefault(s.layout.split("/")[0] if s.layout else s.format or "unknown", Tally()).add(s)

    @property
    def exit_code(self) -> int:
        if self.total.files == 0:
            return 2
        return 0 if self.total.passed == self.total.files and not self.bad_truth else 1


# ---------------------------------------------------------------- scoring one file


def score_file(path: Path, truth: Truth, parser: Parser) -> FileScore:
    t0 = time.perf_counter()
    try:
        result = _as_dict(parser(path))
    except Exception as e:  # noqa: BLE001 - one bad file must not stop a corpus run
        ms = (time.perf_counter() - t0) * 1000
        fmt = path.suffix.lstrip(".").lower() or None
        return crashed(str(path), truth, f"{type(e).__name__}: {e}", fmt, ms)
    ms = (time.perf_counter() - t0) * 1000
    s = score(result, truth, ms)
    s.file = str(path)
    return s


def form_of(path: Path, truth: Truth) -> str:
    """The form a report is in: the synthetic truth's (txt, pipe, ...), else its file extension."""
    return truth.form or path.suffix.lstrip(".").lower()


def run(paths: list[Path], out: TextIO, as_json: bool = False, truth_dir: Path | None = None,
        parser: Parser | None = None, recursive: bool = False,
        formats: frozenset[str] | None = None) -> Summary:
    parser = parser or default_parser()
    summary = Summary()
    writer = _JsonWriter(out) if as_json else _TextWriter(out)
    writer.start()
    for path in iter_reports(paths, recursive):
        tpath = find_truth(path, truth_dir)
        if tpath is None:
            summary.unscored += 1
            writer.unscored(path)
            continue
        try:
            truth = load_truth(tpath)
        except TruthError as e:
            summary.bad_truth.append(str(e))
            writer.bad_truth(str(e))
            continue
        if formats is not None and form_of(path, truth) not in formats:
            continue
        s = score_file(path, truth, parser)
        summary.add(s)
        writer.file(s)
    writer.end(summary)
    return summary


# ---------------------------------------------------------------- output


class _TextWriter:
    def __init__(self, out: TextIO):
        self.out = out

    def w(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def start(self) -> None:
        self.w("file\tformat\tera\tstatus(expected)\tscored\tright(blank0)\twrong\tmissing"
              "\tmeta right/wrong\tms\tverdict")

    def unscored(self, path: Path) -> None:
        pass  # counted in the totals; a corpus folder holds READMEs and the like

    def bad_truth(self, msg: str) -> None:
        self.w(f"BAD TRUTH {msg}")

    def file(self, s: FileScore) -> None:
        flags = []
        if s.error:
            flags.append("CRASH")
        if s.silent_error:
            # a wrong number is the worst case; null where a number was printed is flagged apart
            flags.append("SILENT-ERROR" if s.wrong_numbers else "SILENT-ERROR(nulls)")
        if s.status_mismatch:
            flags.append("STATUS-MISMATCH")
        if s.findings_missing:
            flags.append("FINDINGS-MISSING")
        verdict = "PASS" if s.passed else "FAIL " + " ".join(flags)
        st = f"{s.status}({s.expected_status or '-'})"
        self.w(f"{s.file}\t{s.format}\t{s.era}\t{st}\t{s.cells_scored}\t{s.right}({s.right_blank_zero})"
               f"\t{len(s.wrong)}\t{len(s.missing)}\t{s.meta_right}/{len(s.meta_wrong)}"
               f"\t{s.ms:.0f}\t{verdict.strip()}")
        details = []
        if s.error:
            details.append(f"parse raised {s.error}")
        if s.status == "rejected" and s.reason:
            details.append(f"rejected: {s.reason}")
        details += [f"wrong {i.key}: expected {i.expected}, got {i.got} (raw {i.raw!r})" for i in s.wrong]
        details += [f"missing {i.key} (expected {i.expected})" for i in s.missing]
        details += [f"metadata {k}: expected {e!r}, got {g!r}" for k, e, g in s.meta_wrong]
        details += [f"expected finding absent: {c}" for c in s.findings_missing]
        for d in details[:DETAIL_LINES]:
            self.w(f"    {d}")
        if len(details) > DETAIL_LINES:
            self.w(f"    ... and {len(details) - DETAIL_LINES} more (--json lists all)")

    def _tally(self, name: str, t: Tally) -> None:
        acc = f"{100 * t.right / t.cells_scored:.2f}%" if t.cells_scored else "n/a"
        per = f"{t.ms / t.files:.0f}" if t.files else "n/a"
        self.w(f"{name}\tfiles {t.files} (passed {t.passed}, failed {t.files - t.passed}, crashed {t.crashed})"
               f"\tcells {t.cells_scored}: right {t.right} ({acc}; by blank-zero evidence {t.right_blank_zero}"
               + (f" (consistent only {t.right_blank_zero_consistent})" if t.right_blank_zero_consistent else "")
               + (f"; ambiguous, null {t.right_ambiguous_null}" if t.right_ambiguous_null else "")
               + (f"; printed blank, null {t.right_blank_null}" if t.right_blank_null else "")
               + f"), wrong {t.wrong} (numbers {t.wrong_numbers}), missing {t.missing}"
               f"\tmetadata right {t.meta_right} wrong {t.meta_wrong}"
               f"\tsilent errors {t.silent_errors}\tstatus mismatches {t.status_mismatches}"
               f"\texpected findings absent {t.findings_missing}\tms/file {per}")

    def end(self, summary: Summary) -> None:
        self.w()
        self._tally("TOTAL", summary.total)
        if len(summary.by_format) > 1 or len(summary.by_era) > 1:
            for k in sorted(summary.by_format):
                self._tally(f"format {k}", summary.by_format[k])
            for k in sorted(summary.by_era):
                self._tally(f"era {k}", summary.by_era[k])
        if len(summary.by_form) > 1 and summary.by_form.keys() != summary.by_format.keys():
            for k in sorted(summary.by_form):
                self._tally(f"form {k}", summary.by_form[k])
        for k in sorted(summary.by_layout):
            self._tally(f"layout {k}", summary.by_layout[k])
        if summary.unscored:
            self.w(f"files without truth (not scored): {summary.unscored}")
        if summary.bad_truth:
            self.w(f"unreadable truth files: {len(summary.bad_truth)}")
        self.w(f"exit {summary.exit_code}")


class _JsonWriter:
    """One JSON object, written as it goes: `{"files": [...], "totals": ..., ...}`."""

    def __init__(self, out: TextIO):
        self.out = out
        self.n = 0

    def start(self) -> None:
        self.out.write('{"files": [')

    def unscored(self, path: Path) -> None:
        pass

    def bad_truth(self, msg: str) -> None:
        pass  # listed in the closing fields

    def file(self, s: FileScore) -> None:
        self.out.write(("," if self.n else "") + "\n" + json.dumps(s.to_dict(), ensure_ascii=False))
        self.n += 1
        self.out.flush()

    def end(self, summary: Summary) -> None:
        tail = {
            "totals": summary.total.to_dict(),
            "by_format": {k: v.to_dict() for k, v in sorted(summary.by_format.items())},
            "by_era": {k: v.to_dict() for k, v in sorted(summary.by_era.items())},
            "by_layout": {k: v.to_dict() for k, v in sorted(summary.by_layout.items())},
            "by_form": {k: v.to_dict() for k, v in sorted(summary.by_form.items())},
            "unscored": summary.unscored,
            "bad_truth": summary.bad_truth,
            "exit": summary.exit_code,
        }
        body = json.dumps(tail, ensure_ascii=False)
        self.out.write("\n], " + body[1:] + "\n")
        self.out.flush()


# ---------------------------------------------------------------- command line


def main(argv: list[str] | None = None, parser: Parser | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gip bench accuracy",
                                 description="Score gip parse against truth files.")
    ap.add_argument("paths", nargs="+", type=Path, help="a corpus folder, or report files")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--truth-dir", type=Path, help="look truth files up here instead")
    ap.add_argument("-r", "--recursive", action="store_true", help="walk sub-folders too")
    ap.add_argument("--formats", help="comma list of forms to score (html,pdf,docx,md,txt,pipe; "
                                      "synthetic truth names txt and pipe apart), others skipped")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    for p in args.paths:
        if not p.exists():
            sys.stderr.write(f"gip bench accuracy: {p} does not exist\n")
            return 2
    if args.truth_dir is not None and not args.truth_dir.is_dir():
        sys.stderr.write(f"gip bench accuracy: {args.truth_dir} is not a folder\n")
        return 2
    if parser is None:
        try:
            parser = default_parser()
        except ImportError as e:
            sys.stderr.write(f"gip bench accuracy: the parser is not available: {e}\n")
            return 2
    formats = frozenset(f.strip().lower() for f in args.formats.split(",") if f.strip()) \
        if args.formats else None
    summary = run(args.paths, sys.stdout, args.json, args.truth_dir, parser, args.recursive, formats)
    if summary.total.files == 0:
        sys.stderr.write("gip bench accuracy: no report with a truth file was found\n")
    return summary.exit_code
