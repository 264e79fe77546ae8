"""`python -m blogtui.cli` runs the command line, as `python -m blogtui` does."""

from blogtui.cli import main

raise SystemExit(main())
