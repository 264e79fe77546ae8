"""Shared test fixtures: isolated HOME/XDG dirs, the real corpora, a fixed `now`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPORA = ROOT.parent / "shared" / "corpora"

#: The "now" the tests judge future/expired posts against.
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME, cache and config dirs, so nothing leaks between tests."""
    home = tmp_path / "home"
    for sub in ("cache", "config", "data"):
        (home / sub).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("BLOGTUI_CONFIG", raising=False)
    monkeypatch.delenv("BLOGTUI_ARCHIVE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


def corpus(name: str) -> Path:
    """The path of a real archive in ../shared/corpora, skipping the test if it is absent."""
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(
            f"corpus {name} not found at {path} (../shared/corpora is beside the project in CI)"
        )
    return path


@pytest.fixture
def now() -> datetime:
    """The fixed instant tests use for future/expired judgements."""
    return NOW
