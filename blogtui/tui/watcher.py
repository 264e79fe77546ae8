"""File-system events for the archive's folders (watchfiles: inotify on Linux, FSEvents on macOS).

The reader watches each folder the last walk took (not recursively: template, build and
hidden folders such as `public/` or `.git` stay unwatched) and the archive root, and hands
the paths each debounced batch of events names to a callback, from its own thread. Where
events cannot be had (the inotify limits, no inotify instance left, a file system watchfiles
can only poll) `Watcher.start` says why, and the reader polls instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchfiles._rust_notify import RustNotify

#: Events are grouped until none came for STEP_MS, or for at most DEBOUNCE_MS.
DEBOUNCE_MS = 400
STEP_MS = 100
#: Change kinds of watchfiles: a file added or deleted changes its folder's listing.
_MODIFIED = 2
#: The share of the user's inotify watches one reader may take.
_WATCH_SHARE = 0.5
_LIMITS = Path("/proc/sys/fs/inotify/max_user_watches")

#: Called from the watcher's thread with the paths a batch of events named, as walk keys.
Touched = Callable[[frozenset[str]], None]


class Watcher:
    """Events for a fixed set of folders until `stop`; start again for another set."""

    def __init__(self, root: Path, folders: Iterable[str], touched: Touched) -> None:
        self.root = root
        self.folders = frozenset(folders) | {str(root)}
        self._touched = touched
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._real: dict[str, str] = {}

    def start(self) -> str | None:
        """Start watching; None when events flow, else why they cannot (then poll)."""
        try:
            from watchfiles._rust_notify import RustNotify
        except ImportError as exc:
            return f"watchfiles is not installed ({exc})"
        limit = _watch_limit()
        if limit is not None and len(self.folders) > limit * _WATCH_SHARE:
            return (f"{len(self.folders):,} folders, more than half the inotify limit"
                    f" ({limit:,}: fs.inotify.max_user_watches)")  # fmt: skip
        self._real = _real_paths(self.folders)
        before = _inotify_count()
        try:
            notify = RustNotify(sorted(self.folders), False, False, 1000, False, True)
        except OSError as exc:  # a folder vanished since the walk, or no watch left
            return f"cannot watch the archive ({exc.strerror or exc})"
        if _polls(notify, before):  # watchfiles fell back to polling
            notify.close()
            return "inotify is not available here (watchfiles would poll every file)"
        self._thread = threading.Thread(target=self._run, args=(notify,), daemon=True,
                                        name="blogtui-watcher")  # fmt: skip
        self._thread.start()
        return None

    def stop(self) -> None:
        """Stop watching (the thread ends within STEP_MS)."""
        self._stop.set()

    def _run(self, notify: RustNotify) -> None:
        with notify:  # closed when stopped: its inotify instance is given back at once
            while not self._stop.is_set():
                changes = notify.watch(DEBOUNCE_MS, STEP_MS, 0, self._stop)
                if isinstance(changes, set) and changes:
                    paths = self.keys(changes)
                    if paths:
                        self._touched(paths)
                elif changes == "stop":
                    return

    def keys(self, changes: Iterable[tuple[int, str]]) -> frozenset[str]:
        """The walk keys of what changed: a file edited in place names itself; an entry
        added or deleted also names its folder (whose listing changed)."""
        keys: set[str] = set()
        for kind, path in changes:
            folder, name = os.path.split(path)
            if (key := self._real.get(path)) is not None:
                keys.add(key)
            if (parent := self._real.get(folder)) is not None:
                keys.add(os.path.join(parent, name))
                if kind != _MODIFIED:
                    keys.add(parent)
        return frozenset(keys)


def _real_paths(folders: Iterable[str]) -> dict[str, str]:
    """Each folder's real path (as the events name it) -> the folder as the walk knows it."""
    return {os.path.realpath(folder): folder for folder in folders}


def _watch_limit() -> int | None:
    """The user's inotify watch limit (Linux), or None where there is none to read."""
    try:
        return int(_LIMITS.read_text().strip())
    except (OSError, ValueError):
        return None


def _polls(notify: RustNotify, before: int | None) -> bool:
    """Whether watchfiles fell back to polling: its repr names the watcher it made
    ("Recommended" is inotify or FSEvents); where it does not say, whether this process
    holds no more inotify instances than before (which a watcher closing meanwhile, in
    another thread, can fool)."""
    kind = repr(notify)[:40]
    if kind.startswith("RustNotify(Recommended"):
        return False
    if kind.startswith("RustNotify(Poll"):
        return True
    return before is not None and _inotify_count() == before


def _inotify_count() -> int | None:
    """How many inotify instances this process holds (Linux), or None where /proc is not."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return None
    count = 0
    for fd in fds:
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:inotify"
        except OSError:
            continue  # closed since it was listed
    return count
