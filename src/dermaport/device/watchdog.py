"""The host watchdog: for a device without one of its own, a thread that switches the output off.

The runner kicks it at every tick while the output may be on. If no kick comes for
``timeout_s`` (two telemetry periods: the loop is two periods late, whatever holds it), the
watchdog commands the output off from its own thread and latches: the runner's next tick sees
:attr:`HostWatchdog.fired` and fails the session. It never re-arms by itself.

On a :class:`~dermaport.device.clock.FakeClock` there is no thread: the clock rings the
watchdog at its due time when fake time moves past it (in the thread that moved it), so tests
see the output go off at the exact instant a real timer would switch it off.

The thread polls at a quarter of the timeout at most, in real time; what it can promise is
bounded by the host's scheduling (measured in ``benchmarks/bench_device.py``), and by the
driver: the off command waits for an exchange in progress to end (the driver's deadline).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from dermaport.device.clock import Clock, FakeClock

__all__ = ["HostWatchdog"]

logger = logging.getLogger(__name__)


class HostWatchdog:
    """Calls ``switch_off`` once if not kicked for ``timeout_s`` while armed."""

    def __init__(self, clock: Clock, switch_off: Callable[[], None], *, timeout_s: float) -> None:
        self._clock = clock
        self._switch_off = switch_off
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._due: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Clock time at which it fired (``None``: it has not).
        self.fired_at: float | None = None
        #: The last kick before it fired (clock s).
        self.last_kick: float | None = None
        #: What switching off raised, when it did (the output may still be on).
        self.error: BaseException | None = None

    @property
    def fired(self) -> bool:
        """Whether it switched the output off."""
        return self.fired_at is not None

    def start(self) -> None:
        """Start watching (a thread on a real clock; alarms on a fake one)."""
        if isinstance(self._clock, FakeClock):
            self._clock.add_alarm(self)
            return
        self._thread = threading.Thread(target=self._watch, name="dermaport-host-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the thread ends)."""
        self.disarm()
        self._stop.set()
        if isinstance(self._clock, FakeClock):
            self._clock.remove_alarm(self)
        if self._thread is not None:
            self._thread.join(1.0)

    def kick(self) -> None:
        """The loop is alive: arm (again) for ``timeout_s`` from now, unless it has fired."""
        now = self._clock.now()
        with self._lock:
            if self.fired_at is None:
                self._due, self.last_kick = now + self.timeout_s, now

    def disarm(self) -> None:
        """The output is off and acknowledged: nothing to guard."""
        with self._lock:
            self._due = None

    def due(self) -> float | None:
        """When it fires if not kicked (clock s), ``None`` when disarmed or fired."""
        with self._lock:
            return self._due

    def ring(self, at: float) -> None:
        """Fire: latch, then switch the output off (from the calling thread)."""
        with self._lock:
            if self._due is None or self.fired_at is not None:
                return
            self._due, self.fired_at = None, at
        logger.error("host watchdog: no tick for %.3g s, switching the output off", self.timeout_s)
        try:
            self._switch_off()
        except BaseException as exc:  # reported to the runner, which fails the session
            self.error = exc
            logger.error("host watchdog could not switch the output off: %s", exc)

    def _watch(self) -> None:
        poll = self.timeout_s / 4
        while not self._stop.is_set():
            due = self.due()
            now = self._clock.now()
            if due is not None and now >= due:
                self.ring(now)
                continue
            wait = poll if due is None else min(poll, max(due - now, 0.0))
            self._stop.wait(wait)
