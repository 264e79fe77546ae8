"""`python -m blogtui` runs the command line."""

from blogtui.cli import entry

entry()
