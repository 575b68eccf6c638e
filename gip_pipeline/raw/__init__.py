"""Raw layer: find the report files an input folder (local path or fsspec URL) holds."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import partial
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
    with open(path, "rb") as f:
        return _hash_stream(f)


def sha256_file(path: Path) -> str:
    return _hash_and_mark(path)[0]


def is_synthetic(path: str | Path) -> bool:
    return _hash_and_mark(Path(path))[1]


class InputFolder:
    """The input folder behind an fsspec URL: a local path (default), file://, memory://, s3://...

    Object storage replaces the local folder by configuration (the URL), nothing else.
    File names are only ever keys into this folder: never joined into shell commands,
    and a name cannot climb out of the root (the listing is the only source of names).
    """

    def __init__(self, url: str | Path):
        import fsspec

        self.url = str(url)
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.root = root.rstrip("/") or "/"
        self.is_local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple)
                                   else (self.fs.protocol,))

    def _full(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def entries(self) -> list[tuple[str, dict]]:
        """(relative POSIX path, fsspec info) of every report candidate, sorted by path."""
        if not self.fs.isdir(self.root):
            raise FileNotFoundError(f"input folder {self.url} does not exist")
        out = []
        for full, info in self.fs.find(self.root, withdirs=False, detail=True).items():
            rel = full[len(self.root):].lstrip("/")
            parts = rel.split("/")
            if any(part.startswith(".") for part in parts) or parts[-1] in IGNORED_NAMES:
                continue  # hidden files and folders (editor droppings, .gitkeep), READMEs
            if info.get("type") != "file":
                continue
            if info.get("islink") and not self._inside(full):
                continue  # a link out of the input folder is not a file in it
            out.append((rel, info))
        out.sort(key=lambda e: e[0])
        return out

    def _inside(self, full: str) -> bool:
        real, root = os.path.realpath(full), os.path.realpath(self.root)
        return os.path.commonpath([real, root]) == root

    def open(self, rel: str):
        return self.fs.open(self._full(rel), "rb")

    def read_bytes(self, rel: str) -> bytes:
        with self.open(rel) as f:
            return f.read()

    def local_path(self, rel: str) -> str | None:
        return self._full(rel) if self.is_local else None


def _hash_stream(f) -> tuple[str, bool]:
    h = hashlib.sha256()
    marked = False
    tail = b""
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
        window = tail + block  # a mark may straddle two blocks
        marked = marked or any(m in window for m in SYNTHETIC_MARKS)
        tail = block[-16:]
    return h.hexdigest(), marked


def discover(input_dir: str | Path) -> list[RawFile]:
    """Every regular, non-hidden file under input_dir (a path or fsspec URL), sorted by path."""
    folder = InputFolder(input_dir)
    out = []
    for rel, info in folder.entries():
        with folder.open(rel) as f:
            digest, marked = _hash_stream(f)
        out.append(RawFile(rel, digest, int(info.get("size") or 0), guess_format(rel), marked))
    return out


def listing_digest(input_dir: str | Path) -> str:
    """A digest of the folder's listing (names, sizes, modification stamps), without reading
    the files: a sensor's cursor, which changes when a file is added, changed or removed."""
    folder = InputFolder(input_dir)
    h = hashlib.sha256()
    for rel, info in folder.entries():
        stamp = next((info[k] for k in ("mtime", "LastModified", "ETag", "created", "md5")
                      if info.get(k) is not None), "")
        h.update(f"{rel}\0{info.get('size')}\0{stamp}\n".encode())
    return h.hexdigest()


def jobs_for(files: list[RawFile], input_dir: str | Path) -> list:
    """The extraction jobs for `files`: workers read local files themselves; other
    filesystems are read here and the bytes handed over."""
    from gip_pipeline.extraction.batch import Job

    folder = InputFolder(input_dir)
    return [Job(f.path, f.sha256, f.size, folder.local_path(f.path),
                None if folder.is_local else partial(folder.read_bytes, f.path))
            for f in files]
