"""Shared fixtures. The real seed pages live beside the repository in
../shared/seeds and are never copied into it; tests using them skip cleanly
when the folder is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
SEED_000 = "000_e3435c539425e06f.txt"
SEED_002 = "002_fb0964c12855f586.txt"


@pytest.fixture
def seeds_dir() -> Path:
    if not (SEEDS / SEED_000).is_file():
        pytest.skip(f"seed pages not found at {SEEDS}")
    return SEEDS


def seed_text(name: str) -> str:
    return (SEEDS / name).read_bytes().decode("utf-8")
