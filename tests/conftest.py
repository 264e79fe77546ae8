"""Shared test fixtures: isolated HOME/XDG dirs, the real corpora and their shared indexes,
a fixed `now`; test artefacts go to the temporary folder, never the working tree."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from blogtui.archive import Archive
    from blogtui.search.index import PostIndex

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPORA = ROOT.parent / "shared" / "corpora"

#: The "now" the tests judge future/expired posts against.
NOW = datetime(2026, 11, 1, tzinfo=UTC)
#: Where pytest-textual-snapshot writes its failure report (its default is the working dir).
SNAPSHOT_REPORT = Path(tempfile.gettempdir()) / "blogtui-tests" / "snapshot_report.html"


def pytest_configure(config: pytest.Config) -> None:
    """Send the snapshot failure report to the temporary folder unless one was asked for."""
    if getattr(config.option, "snapshot_report", None) == "snapshot_report.html":
        config.option.snapshot_report = str(SNAPSHOT_REPORT)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME, cache and config dirs, so nothing leaks between tests."""
    home = tmp_path / "home"
    for sub in ("cache", "config", "data", "state"):
        (home / sub).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
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


@cache
def corpus_archive(name: str) -> Archive:
    """A real archive loaded once per process (each xdist worker), skipping if it is absent."""
    from blogtui.archive import load

    return load(corpus(name), now=NOW)


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all xdist workers of this run share: the base temp of the run, which is the
    parent of each worker's own (popen-gwN) base temp."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    shared = base / "shared"
    shared.mkdir(exist_ok=True)
    return shared


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive flock on `path` (blocking: the kernel drops it if the holder dies)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def corpus_index(run_dir: Path) -> Iterator[Callable[[str], PostIndex]]:
    """Opens the index of a real corpus, built once per test run for all workers.

    The first worker to ask builds it in the run's shared cache, under a file lock; the others
    wait for the lock and open it warm. Tests only read it (the build itself is tested on
    archives written in tmp_path).
    """
    from blogtui.search.index import PostIndex

    opened: dict[str, PostIndex] = {}

    def open_index(name: str) -> PostIndex:
        root = corpus(name)
        if name not in opened:
            with _locked(run_dir / f"{name}.lock"), pytest.MonkeyPatch.context() as patch:
                patch.setenv("XDG_CACHE_HOME", str(run_dir / "cache"))
                opened[name] = PostIndex.open(root, now=NOW)
        return opened[name]

    yield open_index
    for index in opened.values():
        index.close()
