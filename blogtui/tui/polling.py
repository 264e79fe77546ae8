"""How the reader follows the archive: file-system events, else polls backed off by their cost.

Events (blogtui.tui.watcher) name what changed, so a change costs a refresh of those paths
and an idle reader costs nothing. Where events cannot be had the reader polls: a stat walk
of a small archive takes milliseconds and the polls come every POLL_INTERVAL; one of
200,000 folders takes a second, and polling it every two seconds would keep a core busy
and the index lock held, so the next poll waits COST_FACTOR times the last walk's cost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from blogtui.safe import Safe
from blogtui.tui.watcher import Touched, Watcher

#: The wait after a scan, as a multiple of what the scan took (so polling uses <= 1/20).
COST_FACTOR = 20.0
#: The longest wait between polls, however slow the scan.
MAX_DELAY = 120.0
#: While events come, a poll now and then still catches what they cannot tell (an overflow
#: of the kernel's event queue, a network mount's change made on another machine).
WATCHED_INTERVAL = 60.0


@dataclass(slots=True)
class Poller:
    """How the archive is followed: the watcher, or why it polls, and the last walk's cost."""

    cost: float = 0.0
    lost: Safe | None = None
    watcher: Watcher | None = None
    #: Why events cannot be had (the reader polls instead); None until that is known.
    polling: str | None = None
    #: Paths events named that no refresh has looked at yet.
    touched: set[str] = field(default_factory=set)
    #: A new watcher started: what changed between the last walk and its start needs a poll.
    recheck: bool = False
    #: Held while a watcher is made (in a thread: two refreshes may each ask for one).
    _starting: threading.Lock = field(default_factory=threading.Lock)
    #: Counts `stop` calls: one made while a watcher was starting stops that one too.
    _stops: int = 0

    def delay(self, interval: float) -> float:
        """Seconds until the next poll: `interval` (WATCHED_INTERVAL while events come), or
        longer after a costly scan."""
        if self.watcher is not None:
            interval = max(interval, WATCHED_INTERVAL)
        return min(MAX_DELAY, max(interval, COST_FACTOR * self.cost))

    def watch(self, root: Path, folders: Iterable[str], touched: Touched) -> str | None:
        """Watch these folders (a new watcher when they changed); why not, if it cannot.
        Called from a thread of its own, one call at a time."""
        with self._starting:
            wanted = frozenset(folders) | {str(root)}
            if self.watcher is not None and self.watcher.folders == wanted:
                return None
            self.stop()
            stops = self._stops
            watcher = Watcher(root, wanted, touched)
            reason = watcher.start()
            if reason is None and self._stops != stops:  # stopped meanwhile (the reader
                watcher.stop()  # closed, the archive went away): not to be left running
            elif reason is None:
                self.watcher, self.polling = watcher, None
            else:
                self.polling = reason
            return reason

    def stop(self) -> None:
        """Stop watching (the archive went away, or the reader closes), and any watcher
        being started meanwhile."""
        self._stops += 1
        if self.watcher is not None:
            self.watcher.stop()
        self.watcher = None

    def take(self) -> frozenset[str]:
        """The paths events named since the last refresh, forgotten here."""
        paths = frozenset(self.touched)
        self.touched.clear()
        return paths
