"""Clocks the runner and the simulator share: a fake one for tests and fast runs, a real one.

Both give seconds as floats. :class:`FakeClock` jumps when asked to sleep, so a 10-minute
session runs in well under a second and the same schedule always gives the same times.
:class:`RealClock` sleeps for real, to an absolute deadline so small delays do not add up.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "RealClock"]


class Clock(Protocol):
    """A source of time in seconds."""

    def now(self) -> float:
        """Seconds since an arbitrary start (monotonic)."""
        ...

    def sleep_until(self, deadline: float) -> None:
        """Return at ``deadline`` (s), or at once when it has passed."""
        ...


class RealClock:
    """Wall time from :func:`time.monotonic`."""

    def now(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def sleep_until(self, deadline: float) -> None:
        """Sleep until ``deadline`` (s, monotonic)."""
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)


class FakeClock:
    """Time that moves only when someone sleeps (thread-safe, for a simulator served elsewhere)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current fake time (s)."""
        with self._lock:
            return self._now

    def sleep_until(self, deadline: float) -> None:
        """Jump to ``deadline`` (s) if it lies ahead."""
        with self._lock:
            self._now = max(self._now, deadline)

    def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``."""
        with self._lock:
            self._now += max(0.0, seconds)
