"""blogtui: a terminal reader for markdown blog archives."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("blogtui")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
