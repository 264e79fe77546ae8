"""Session: what the screens of one reader share: the archive, its config, the clock, the index.

The app builds one and hands it to each screen's constructor, so no screen or widget needs
the app class (and none imports it: an import-linter contract says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from blogtui.config import Config

if TYPE_CHECKING:
    from blogtui.model import Post, Sort
    from blogtui.tui.library import Library


@dataclass(eq=False)
class Session:
    """One archive being read.

    `library` is None until the app's worker has opened the index; `editing` is True while
    an editor has the terminal (the archive polls wait for it).
    """

    root: Path
    config: Config = field(default_factory=Config)
    #: The clock that decides which posts are future; None means the real one.
    now: datetime | None = None
    library: Library | None = None
    editing: bool = False

    @property
    def sort(self) -> Sort:
        """The order the list starts in: the configured one (config checks it is a sort)."""
        return self.config.sort

    def file(self, post: Post) -> Path:
        """The file a post was read from."""
        return self.root / post.path
