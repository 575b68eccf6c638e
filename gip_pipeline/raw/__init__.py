"""Raw layer: find the report files an input folder (local path or fsspec URL) holds.

Every file in the input folder is listed, so every one is accounted for: a README is read
like any other file (and rejected as not a GIP report); hidden files, links out of the folder
and special files are listed with the reason they are not read (RawFile.skip_reason) and land
in the rejected files table. No file is exempt: the pipeline keeps no bookkeeping of its own
in the input folder (cache, shards, warehouse and sensor cursor live in the data dir or the
Dagster instance).
"""

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
    ".doc": "doc", ".wps": "doc",  # Word 97-2003 and Kingsoft Writer (the same binary format)
    ".xls": "xls", ".et": "xls",  # Excel 97-2003 and Kingsoft Spreadsheets
    ".ofd": "ofd",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image", ".tiff": "image",
    ".bmp": "image", ".webp": "image", ".gif": "image",
}

# Why a file is listed but not parsed (one sentence each, as the rejected files table shows).
HIDDEN_FILE = "hidden file (name starts with '.'), such as editor or system metadata; not read."
HIDDEN_FOLDER = "in a hidden folder (folder name starts with '.'); not read."
LINK_OUT = "a symbolic link to outside the input folder; not followed."
NOT_REGULAR = ("not a regular file (a dangling link, a link to a folder, a pipe, socket or "
               "device); not read.")
UNREADABLE = "the file could not be opened ({how}); not read."
SKIP_REASONS = (HIDDEN_FILE, HIDDEN_FOLDER, LINK_OUT, NOT_REGULAR, UNREADABLE)
_HASHED = (None, HIDDEN_FILE, HIDDEN_FOLDER)  # the others are never opened


@dataclass(frozen=True)
class RawFile:
    path: str  # relative to the input dir, POSIX separators
    sha256: str | None  # None only for a file that is never opened (see skip_reason)
    size: int
    format: str | None  # guessed from the extension; None when unknown
    synthetic: bool = False  # the file carries the generator's synthetic mark
    # Why the file is listed but never parsed (hidden, a link out of the folder, not a
    # regular file): it is accounted for as rejected with this reason. None: read it.
    skip_reason: str | None = None
    # A name that is not UTF-8 (a GBK name from a Windows zip): `path` is its decoding and
    # this the original bytes, hex, by which the file is opened. None for UTF-8 names.
    name_hex: str | None = None

    @property
    def readable(self) -> bool:
        return self.skip_reason is None

    @property
    def fs_path(self) -> str:
        """The name as the file system holds it (may carry surrogate escapes)."""
        return os.fsdecode(bytes.fromhex(self.name_hex)) if self.name_hex else self.path

    def absolute(self, input_dir: str | Path) -> Path:
        return Path(input_dir) / self.fs_path


def decode_name(rel: str, taken: set[str] = frozenset()) -> tuple[str, str | None]:
    """(path, name_hex) of a listed name: a name that is not UTF-8 (os.listdir hands its
    bytes over as surrogate escapes, which no table or JSON file can hold) is read as
    GB18030, the encoding of names in zips made on Chinese Windows, else with its
    undecodable bytes as \\x escapes; its bytes are kept (hex)."""
    try:
        rel.encode("utf-8")
        return rel, None
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(rel)
    try:
        name = raw.decode("gb18030")
    except UnicodeDecodeError:
        name = raw.decode("utf-8", "backslashreplace")
    if name in taken:  # the decoding is another file's own name
        name = raw.decode("utf-8", "backslashreplace")
    return name, raw.hex()


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

    def entries(self) -> list[tuple[str, dict, str | None]]:
        """(relative POSIX path, fsspec info, skip reason) of every file in the folder, sorted
        by path; the skip reason (see skip_reason) is None for a file to read."""
        if not self.fs.isdir(self.root):
            raise FileNotFoundError(f"input folder {self.url} does not exist")
        out = []
        for full, info in self.fs.find(self.root, withdirs=False, detail=True).items():
            rel = full[len(self.root):].lstrip("/")
            out.append((rel, info, self.skip_reason(full, rel, info)))
        out.sort(key=lambda e: e[0])
        return out

    def skip_reason(self, full: str, rel: str, info: dict) -> str | None:
        """Why a listed file is not read (one of SKIP_REASONS); None when it is read."""
        parts = rel.split("/")
        if info.get("islink"):  # local only; fsspec lists every link as type "other"
            if not self._inside(full):
                return LINK_OUT
            if not os.path.isfile(full):
                return NOT_REGULAR  # dangling, or a link to a folder
            info["size"] = os.path.getsize(full)  # the target's, not the link's
        elif info.get("type") != "file":
            return NOT_REGULAR  # a pipe or device would block
        if parts[-1].startswith("."):
            return HIDDEN_FILE
        if any(p.startswith(".") for p in parts[:-1]):
            return HIDDEN_FOLDER
        return None

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
    """Every file under input_dir (a path or fsspec URL), sorted by path: those not to be read
    carry their skip_reason (a hidden file is hashed, never parsed; a link out of the folder
    or a special file is not even opened)."""
    folder = InputFolder(input_dir)
    out = []
    entries = folder.entries()
    taken = {rel for rel, _, _ in entries}
    for rel, info, skip in entries:
        digest, marked = None, False
        if skip in _HASHED:
            try:
                with folder.open(rel) as f:
                    digest, marked = _hash_stream(f)
            except FileNotFoundError:
                continue  # deleted since the folder was listed: no longer part of the input
            except OSError as e:  # no permission, an I/O error: listed, with why
                skip = UNREADABLE.format(how=f"{type(e).__name__}: {e.strerror or e}")
        path, name_hex = decode_name(rel, taken)
        out.append(RawFile(path, digest, int(info.get("size") or 0), guess_format(path),
                           marked and skip is None, skip, name_hex))
    return sorted(out, key=lambda f: f.path)


def readable(files: list[RawFile]) -> list[RawFile]:
    """The files to parse (the others are accounted for by their skip_reason)."""
    return [f for f in files if f.readable]


def listing_digest(input_dir: str | Path) -> str:
    """A digest of the folder's listing (names, sizes, modification stamps), without reading
    the files: a sensor's cursor, which changes when a file is added, changed or removed."""
    folder = InputFolder(input_dir)
    h = hashlib.sha256()
    for rel, info, _ in folder.entries():
        stamp = next((info[k] for k in ("mtime", "LastModified", "ETag", "created", "md5")
                      if info.get(k) is not None), "")
        h.update(f"{rel}\0{info.get('size')}\0{stamp}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def jobs_for(files: list[RawFile], input_dir: str | Path) -> list:
    """The extraction jobs for `files`: workers read local files themselves; other
    filesystems are read here and the bytes handed over."""
    from gip_pipeline.extraction.batch import Job

    folder = InputFolder(input_dir)
    return [Job(f.path, f.sha256, f.size, folder.local_path(f.fs_path),
                None if folder.is_local else partial(folder.read_bytes, f.fs_path))
            for f in readable(files)]
