"""Shared pytest configuration: Hypothesis profiles and the benchmark-data fixture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=25, deadline=None)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=10, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _data_dir() -> Path | None:
    env = os.environ.get("CANOPY_DATA_DIR")
    if env:
        path = Path(env)
        return path if path.is_dir() else None
    guess = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return guess if guess.is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The benchmark-data folder (laid out like ``shared/data``); skips loudly when absent."""
    path = _data_dir()
    if path is None:
        pytest.skip(
            "SKIPPED (no benchmark data): set CANOPY_DATA_DIR to a folder laid out like shared/data",
            allow_module_level=False,
        )
    return path
