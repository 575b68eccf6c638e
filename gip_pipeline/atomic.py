"""Atomic file writes: a temporary file beside the target, then one rename.

A reader (or a killed run) sees the old file or the new one, never half of one. Kept at the
package top so every layer (exports, warehouse, extraction cache) imports it without cycles.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[str], object], *, mode: int = 0o644,
                 fsync: bool = False) -> Path:
    """Call write(tmp) on a temporary path in path's folder, then rename it to `path`.

    mode: the file's permissions (mkstemp makes 0600; open-data files are 0644, a published
    snapshot 0444). fsync: flush the bytes to disk before the rename.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        try:
            write(tmp)
        except OSError:
            raise
        except Exception as e:
            # A writer library's own report of a short write (a full disk, a file size
            # limit) can be cryptic ("Invalid thrift: transport error"): name the file and
            # the space left, keep the library's error as the cause.
            raise OSError(f"could not write {path} ({_free_mb(path.parent)} MB free on its "
                          f"file system): {type(e).__name__}: {e}") from e
        if fsync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _free_mb(folder: Path) -> str:
    try:
        return f"{shutil.disk_usage(folder).free / 2 ** 20:,.0f}"
    except OSError:
        return "?"


def atomic_write_text(path: str | Path, text: str, **kwargs) -> Path:
    """UTF-8 text, newlines as given (no platform translation); kwargs as atomic_write."""
    data = text.encode("utf-8")
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data), **kwargs)


def pid_alive(pid: int) -> bool:
    """A process with this pid exists (temporary files named by a dead run's pid may go)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
