"""What the reader remembers between runs (the split of the panes) in the user state folder.

The config file is the user's to edit and is never written; this file is ours: a small JSON
object in platformdirs' user_state_dir, rewritten whole (write then rename) on each change.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

#: The range a remembered or configured split may take: the list's share of the panes.
SPLIT_RANGE = (0.2, 0.8)


def state_path() -> Path:
    """The state file: $XDG_STATE_HOME/blogtui/state.json or the platform's equivalent."""
    return Path(platformdirs.user_state_dir("blogtui")) / "state.json"


def clamp_split(value: float) -> float:
    """`value` brought into SPLIT_RANGE, rounded to a hundredth."""
    low, high = SPLIT_RANGE
    return round(min(high, max(low, value)), 2)


@dataclass(slots=True)
class UiState:
    """The remembered split (the list's share of the width beside the sidebar), if any."""

    split: float | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> UiState:
        """The saved state; a missing, unreadable or malformed file gives the defaults."""
        try:
            data = json.loads((path or state_path()).read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        split = data.get("split") if isinstance(data, dict) else None
        if isinstance(split, int | float) and not isinstance(split, bool):
            return cls(clamp_split(float(split)))
        return cls()

    def save(self, path: Path | None = None) -> str | None:
        """Write the state; returns why it could not be written, or None."""
        path = path or state_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps({"split": self.split}) + "\n", "utf-8")
            os.replace(partial, path)
        except OSError as err:
            return f"cannot remember the split in {path}: {err.strerror or err}"
        return None
