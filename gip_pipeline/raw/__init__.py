"""Raw layer: find the report files an input folder holds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

# File extension -> the format key of schema.FORMATS. Anything else is still
# listed (format None) so that the parser can reject it visibly, not skip it silently.
EXTENSION_FORMATS: dict[str, str] = {
    ".txt": "txt", ".text": "txt",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".md": "md", ".markdown": "md",
}

# Files that describe a folder rather than being reports.
IGNORED_NAMES = frozenset({"README.md", "README.txt", "README"})


@dataclass(frozen=True)
class RawFile:
    path: str  # relative to the input dir, POSIX separators
    sha256: str
    size: int
    format: str | None  # guessed from the extension; None when unknown
    synthetic: bool = False  # the file carries the generator's synthetic mark

    def absolute(self, input_dir: str | Path) -> Path:
        return Path(input_dir) / self.path


def guess_format(name: str) -> str | None:
    return EXTENSION_FORMATS.get(Path(name).suffix.lower())


# gip_pipeline.synth marks every file it makes: "【合成数据 SYNTHETIC】" in the text (its
# ASCII part survives GBK, traditional-character and pinyin renderings) and
# "gip-synth" in a PDF's keywords. Real reports carry neither.
SYNTHETIC_MARKS: tuple[bytes, ...] = (b"SYNTHETIC", b"gip-synth")


def _hash_and_mark(path: Path) -> tuple[str, bool]:
    h = hashlib.sha256()
    marked = False
    tail = b""
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            window = tail + block  # a mark may straddle two blocks
            marked = marked or any(m in window for m in SYNTHETIC_MARKS)
            tail = block[-16:]
    return h.hexdigest(), marked


def sha256_file(path: Path) -> str:
    return _hash_and_mark(path)[0]


def is_synthetic(path: str | Path) -> bool:
    return _hash_and_mark(Path(path))[1]


def discover(input_dir: str | Path) -> list[RawFile]:
    """Every regular, non-hidden file under input_dir, sorted by relative path.

    File names are only ever used as paths (never passed to a shell), so any
    character in them is harmless. Hidden files and folders (editor droppings,
    .gitkeep) and README files are not reports.
    """
    root = Path(input_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"input folder {root} does not exist")
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or rel.name in IGNORED_NAMES:
            continue
        if not p.is_file():
            continue
        digest, marked = _hash_and_mark(p)
        out.append(RawFile(rel.as_posix(), digest, p.stat().st_size, guess_format(p.name), marked))
    out.sort(key=lambda r: r.path)
    return out
