"""blogtui: a terminal reader for markdown blog archives."""

from typing import Any


def __getattr__(name: str) -> Any:
    # The version is looked up on demand: importlib.metadata costs ~10 ms at every start.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("blogtui")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0.0.0"
    raise AttributeError(name)
