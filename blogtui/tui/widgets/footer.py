"""KeyFooter: Textual's footer with help and quit first, so a narrow terminal never cuts them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

#: Actions shown before every other key: what a new user needs to find the rest or leave.
FIRST = ("help", "quit")


class KeyFooter(Footer):
    """The footer of the main screen; at 80 columns `?` and `q` are still on it."""

    def compose(self) -> ComposeResult:
        keys = list(super().compose())  # the reader uses no binding groups: a flat list
        first = [k for k in keys if getattr(k, "action", None) in FIRST]
        yield from first + [k for k in keys if k not in first]
