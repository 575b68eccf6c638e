"""Fuzz the readers: mutated report bytes must give a Document or Unreadable, fast, nothing else.

`python -m gip_pipeline.bench.fuzz --per-reader 10000` mutates generated reports (every form),
the real reports of ../shared/real (when present; read in place, never copied) and the seed,
and prints, per reader: inputs, documents, rejections (Unreadable), exceptions (reader bugs,
with a reproducer saved under --out), timeouts. Two worker processes share the work; each call
runs under a SIGALRM deadline.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import multiprocessing as mp
import random
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

READERS = {
    "txt": "gip_pipeline.extraction.readers.text",
    "html": "gip_pipeline.extraction.readers.html",
    "md": "gip_pipeline.extraction.readers.markdown",
    "docx": "gip_pipeline.extraction.readers.docx",
    "pdf": "gip_pipeline.extraction.readers.pdf",
}
EXT = {"txt": ".txt", "html": ".html", "md": ".md", "docx": ".docx", "pdf": ".pdf"}
TIMEOUT_S = 10.0


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def call_reader(fmt: str, data: bytes, timeout: float = TIMEOUT_S) -> tuple[str, str]:
    """(outcome, detail): outcome is document | unreadable | exception | timeout."""
    from gip_pipeline.extraction.document import Document, Unreadable

    read = importlib.import_module(READERS[fmt]).read
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        doc = read(data, "fuzz" + EXT[fmt])
        if not isinstance(doc, Document):
            return "exception", f"returned {type(doc).__name__}, not a Document"
        return "document", ""
    except Unreadable as e:
        return "unreadable", str(e)
    except _Timeout:
        return "timeout", f"over {timeout:g} s"
    except Exception as e:  # noqa: BLE001 - the finding
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return "exception", f"{type(e).__name__}: {e} at {Path(tb.filename).name}:{tb.lineno}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def mutate(data: bytes, rng: random.Random, other: bytes = b"") -> bytes:
    """One to four random edits: flips, inserts of interesting bytes, deletions, truncation,
    duplicated or spliced-in chunks."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        n = len(b)
        if op == 0 and n:
            for _ in range(rng.randint(1, 16)):
                b[rng.randrange(n)] = rng.randrange(256)
        elif op == 1:
            token = rng.choice([b"\x00", b"\xff\xfe", b"<", b"</td>", b"<tr>", b"|", b"\n", b"%",
                                b"obj", b"endstream", b"PK\x03\x04", b"&#x0;", b"<!--", b"-1",
                                b"9" * 40, b"\xe4\xb8", "本年新收".encode()])
            p = rng.randrange(n + 1)
            b[p:p] = token * rng.randint(1, 8)
        elif op == 2 and n:
            p = rng.randrange(n)
            del b[p:p + rng.randint(1, max(1, n // 8))]
        elif op == 3 and n:
            del b[rng.randrange(n):]
        elif op == 4 and n:
            p = rng.randrange(n)
            chunk = b[p:p + rng.randint(1, 256)]
            q = rng.randrange(n + 1)
            b[q:q] = chunk * rng.randint(1, 4)
        elif op == 5 and other:
            p = rng.randrange(len(other))
            q = rng.randrange(n + 1)
            b[q:q] = other[p:p + rng.randint(1, 512)]
        elif op == 6 and n > 64 and data[:2] == b"PK":
            b = bytearray(_mutate_zip_member(bytes(b), rng))
    return bytes(b)


def _mutate_zip_member(data: bytes, rng: random.Random) -> bytes:
    """DOCX: mutate the XML inside the zip, which byte flips on the compressed stream miss."""
    import io
    import zipfile

    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in src.infolist():
                content = src.read(info)
                if info.filename.endswith("document.xml") and content:
                    content = mutate(content, rng)
                z.writestr(info.filename, content)
        return out.getvalue()
    except Exception:  # noqa: BLE001 - an already broken zip stays as it is
        return data


def reader_for(path: Path) -> str | None:
    """The reader a file goes to, by its extension (as the pipeline guesses it)."""
    from gip_pipeline.raw import guess_format

    fmt = guess_format(path.name)
    return fmt if fmt in READERS else None


def real_seed_files() -> list[Path]:
    """The real reports of ../shared/real (beside the repo; [] where absent) and the seed
    (../shared/seed, else the project's own copy in data/raw): read in place, never copied."""
    from gip_pipeline.warehouse.paths import REPO

    shared = REPO.parent / "shared"
    real = shared / "real"
    files = sorted(p for p in real.iterdir() if p.is_file() and reader_for(p)
                   and p.name != "README.md") if real.is_dir() else []
    seed = sorted((shared / "seed").glob("*.txt")) or sorted((REPO / "data" / "raw").glob("000_*.txt"))
    return files + seed[:1]


def seeds(extra: list[Path] = (), n: int = 3, real: bool = True) -> dict[str, list[bytes]]:
    """Generated reports, several per form (gip synth), the real reports and the seed
    (real_seed_files, unless real=False), plus any extra files given; each distinct content once."""
    from gip_pipeline.synth.generate import generate

    out: dict[str, list[bytes]] = {f: [] for f in READERS}
    with tempfile.TemporaryDirectory() as d:
        for k, form in enumerate(READERS):
            m = generate(Path(d) / form, n=n, seed=100 + k, forms=(form,))["manifest"]
            out[form] += [(Path(d) / form / f["file"]).read_bytes() for f in m["files"]]
    for p in [*(real_seed_files() if real else []), *extra]:
        fmt = reader_for(p)
        if fmt and (data := p.read_bytes()) not in out[fmt]:
            out[fmt].append(data)
    return out


def _work(args):
    fmt, data, timeout = args
    outcome, detail = call_reader(fmt, data, timeout)
    keep = data if outcome in ("exception", "timeout") else b""
    return fmt, outcome, detail, keep


def run(per_reader: int, seed: int, out_dir: Path | None, timeout: float = TIMEOUT_S,
        workers: int = 2, extra: list[Path] = ()) -> dict:
    rng = random.Random(seed)
    pool_seeds = seeds(extra)
    summary = {f: {"inputs": 0, "documents": 0, "rejections": 0, "exceptions": 0, "timeouts": 0,
                   "distinct_exceptions": {}} for f in READERS}

    def inputs():
        for i in range(per_reader):
            for fmt in READERS:
                base = rng.choice(pool_seeds[fmt])
                other = rng.choice(pool_seeds[rng.choice(list(READERS))])
                yield fmt, mutate(base, rng, other), timeout

    t0 = time.perf_counter()
    ctx = mp.get_context("forkserver")
    with ctx.Pool(workers, maxtasksperchild=500) as pool:
        for fmt, outcome, detail, keep in pool.imap_unordered(_work, inputs(), chunksize=8):
            s = summary[fmt]
            s["inputs"] += 1
            key = {"document": "documents", "unreadable": "rejections",
                   "exception": "exceptions", "timeout": "timeouts"}[outcome]
            s[key] += 1
            if outcome in ("exception", "timeout"):
                sig = detail.split(" at ")[-1] if outcome == "exception" else "timeout"
                if sig not in s["distinct_exceptions"]:
                    name = None
                    if out_dir:
                        out_dir.mkdir(parents=True, exist_ok=True)
                        name = f"{fmt}-{hashlib.sha256(keep).hexdigest()[:12]}{EXT[fmt]}"
                        (out_dir / name).write_bytes(keep)
                    s["distinct_exceptions"][sig] = {"detail": detail, "reproducer": name,
                                                     "count": 0}
                s["distinct_exceptions"][sig]["count"] += 1
    return {"per_reader": per_reader, "seed": seed, "seconds": round(time.perf_counter() - t0, 1),
            "readers": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gip bench fuzz", description=__doc__)
    ap.add_argument("--per-reader", type=int, default=10_000,
                    help="damaged files to try per reader (default %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_S,
                    help="seconds a file may take before it counts as a hang")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--out", type=Path, default=Path("data/fuzz"),
                    help="where reproducers and fuzz.json go (git-ignored data/)")
    ap.add_argument("extra", nargs="*", type=Path, help="more seed files")
    a = ap.parse_args(argv)
    res = run(a.per_reader, a.seed, a.out / "reproducers", a.timeout, a.workers, a.extra)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "fuzz.json").write_text(json.dumps(res, indent=1, ensure_ascii=False))
    print(f"fuzz: {a.per_reader} inputs per reader, seed {a.seed}, {res['seconds']} s")
    print(f"{'reader':6} {'inputs':>7} {'documents':>9} {'rejections':>10} {'exceptions':>10} "
          f"{'timeouts':>8}")
    bad = 0
    for fmt, s in res["readers"].items():
        print(f"{fmt:6} {s['inputs']:7} {s['documents']:9} {s['rejections']:10} "
              f"{s['exceptions']:10} {s['timeouts']:8}")
        for sig, e in s["distinct_exceptions"].items():
            print(f"    {e['count']:5} x {e['detail'][:150]}  [{e['reproducer']}]")
        bad += s["exceptions"] + s["timeouts"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
