"""The one failure a command raises: a `blogtui: ...` line on stderr and an exit status."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class CliError(Exception):
    """A failure to report as one `blogtui: ...` line on stderr, with its exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def nothing(message: str, args: argparse.Namespace | None = None) -> NoReturn:
    """Exit 1: a filter, query or archive yielded no posts (with --json, an empty array first,
    so `| jq` still reads valid JSON)."""
    if args is not None and getattr(args, "json", False):
        sys.stdout.write("[]\n")
    raise CliError(message, code=1)
