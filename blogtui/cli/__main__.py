"""`python -m blogtui.cli` runs the command line, as `python -m blogtui` does."""

from blogtui.cli import entry

entry()
