"""Copy a finished download folder to an fsspec URL (s3://, gs://, memory://, file://...).

The exports are always written to a local folder first (atomic renames, byte-identical
re-runs); object storage then receives a copy of those files. Object stores have no atomic
rename, so completeness is marked by order: every file goes under a temporary name and is
moved into place, and `datapackage.json`, which lists every file with its sha256, comes last.
A reader that finds the datapackage finds every file it names.
"""

from __future__ import annotations

from pathlib import Path

from gip_pipeline.exports.datapackage import DATAPACKAGE_FILE


def is_url(location: str | Path | None) -> bool:
    return location is not None and "://" in str(location)


def publish_folder(local_dir: str | Path, url: str) -> list[str]:
    """Every file of local_dir copied to url (a folder); the datapackage last. Files at url that
    an earlier package listed but this one does not (e.g. its CSVs) are removed first, so the
    folder never mixes two runs' tables. Returns the URLs written, in order."""
    import json

    import fsspec

    local = Path(local_dir)
    fs, root = fsspec.core.url_to_fs(url)
    root = root.rstrip("/")
    files = sorted((p for p in local.iterdir() if p.is_file() and not p.name.startswith(".")),
                   key=lambda p: (p.name == DATAPACKAGE_FILE, p.name))
    if not any(p.name == DATAPACKAGE_FILE for p in files):
        raise FileNotFoundError(f"{local} holds no {DATAPACKAGE_FILE}: not a finished export")
    fs.makedirs(root, exist_ok=True)
    old_pkg = f"{root}/{DATAPACKAGE_FILE}"
    if fs.exists(old_pkg):
        # The old package goes first: without it nobody takes the folder for complete meanwhile.
        old = json.loads(fs.cat_file(old_pkg))
        fs.rm(old_pkg)
        names = {p.name for p in files}
        for r in old.get("resources", []):
            if r.get("path") not in names and fs.exists(f"{root}/{r['path']}"):
                fs.rm(f"{root}/{r['path']}")
    written = []
    for p in files:
        tmp = f"{root}/.{p.name}.tmp"
        fs.put_file(str(p), tmp)
        fs.mv(tmp, f"{root}/{p.name}")
        written.append(f"{url.rstrip('/')}/{p.name}")
    return written
