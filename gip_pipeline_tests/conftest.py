"""Shared fixtures: where the seed and the real reports are.

Real reports are read from ../shared/real/ and never copied into the repo;
tests that need them skip cleanly where that folder is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_NAME = "000_2c5768c5e0900c7a.txt"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    d = SHARED / "real"
    if not d.is_dir():
        pytest.skip("../shared/real is absent")
    return d


def real_file(name: str) -> Path:
    """Path of one real report; skips the test where it is absent."""
    p = SHARED / "real" / name
    if not p.is_file():
        pytest.skip(f"../shared/real/{name} is absent")
    return p


def real_truth(name: str) -> dict:
    p = SHARED / "real" / "truth" / f"{name}.json"
    if not p.is_file():
        pytest.skip(f"../shared/real/truth/{name}.json is absent")
    return json.loads(p.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The seed report: from ../shared/seed when present, else the project's own copy."""
    shared = SHARED / "seed" / SEED_NAME
    return shared if shared.is_file() else REPO / "data" / "raw" / SEED_NAME


@pytest.fixture(scope="session")
def seed_truth() -> dict:
    p = SHARED / "seed" / f"{SEED_NAME.rsplit('.', 1)[0]}.truth.json"
    if not p.is_file():
        pytest.skip("../shared/seed truth is absent")
    return json.loads(p.read_text(encoding="utf-8"))


def pytest_configure(config):
    """A bare `pytest` on a fresh checkout: dbt's manifest, which the Dagster definitions are
    built from, made first (make test runs `make manifest` itself)."""
    from gip_pipeline.warehouse.paths import DBT_PROJECT_DIR, prepare_manifest

    if not (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        prepare_manifest()
