"""Clocks the runner and the simulator share: a fake one for tests and fast runs, a real one.

Both give seconds as floats. :class:`FakeClock` jumps when asked to sleep, so a 10-minute
session runs in well under a second and the same schedule always gives the same times.
:class:`RealClock` sleeps for real, to an absolute deadline so small delays do not add up.

A :class:`FakeClock` also rings :class:`Alarm` objects (the host watchdog) at their due time
when it moves past it, in the thread that moved it: what a timer thread would do in real time,
at the exact fake instant.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Alarm", "Clock", "FakeClock", "RealClock"]


class Clock(Protocol):
    """A source of time in seconds."""

    def now(self) -> float:
        """Seconds since an arbitrary start (monotonic)."""
        ...

    def sleep_until(self, deadline: float) -> None:
        """Return at ``deadline`` (s), or at once when it has passed."""
        ...


class Alarm(Protocol):
    """Something a :class:`FakeClock` rings when time passes its due time."""

    def due(self) -> float | None:
        """When to ring (s on the clock), ``None`` when not armed."""
        ...

    def ring(self, at: float) -> None:
        """Ring at ``at`` (the clock reads ``at`` meanwhile); it must re-arm later or disarm."""
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
        self._alarms: list[Alarm] = []

    def now(self) -> float:
        """The current fake time (s)."""
        with self._lock:
            return self._now

    def sleep_until(self, deadline: float) -> None:
        """Jump to ``deadline`` (s) if it lies ahead, ringing the alarms due on the way."""
        self._move_to(deadline)

    def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``, ringing the alarms due on the way."""
        with self._lock:
            target = self._now + max(0.0, seconds)
        self._move_to(target)

    def add_alarm(self, alarm: Alarm) -> None:
        """Ring ``alarm`` whenever time moves past its due time."""
        with self._lock:
            self._alarms.append(alarm)

    def remove_alarm(self, alarm: Alarm) -> None:
        """Stop ringing ``alarm``."""
        with self._lock:
            if alarm in self._alarms:
                self._alarms.remove(alarm)

    def _move_to(self, target: float) -> None:
        while True:
            with self._lock:
                if target <= self._now:
                    return
                pending = [(d, a) for a in self._alarms if (d := a.due()) is not None and d <= target]
                if not pending:
                    self._now = target
                    return
                at, alarm = min(pending, key=lambda p: p[0])
                self._now = max(self._now, at)
            alarm.ring(max(at, self._now))  # outside the lock: ringing may read the clock
