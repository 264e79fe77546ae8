"""How often the reader polls the archive: never more than a tenth of its time scanning.

A stat scan of a small archive takes milliseconds and the polls come every POLL_INTERVAL;
one of 200,000 folders takes seconds, and polling it every two seconds would keep a core
busy and the index lock held. The next poll waits COST_FACTOR times the last scan's cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from blogtui.safe import Safe

#: The wait after a scan, as a multiple of what the scan took (so polling uses <= 1/10).
COST_FACTOR = 10.0
#: The longest wait between polls, however slow the scan.
MAX_DELAY = 120.0


@dataclass(slots=True)
class Poller:
    """The cost of the last stat scan, and the notice shown while the archive is gone."""

    cost: float = 0.0
    lost: Safe | None = None

    def delay(self, interval: float) -> float:
        """Seconds until the next poll: `interval`, or longer after a costly scan."""
        return min(MAX_DELAY, max(interval, COST_FACTOR * self.cost))
