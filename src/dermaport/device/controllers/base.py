"""What a modality's controller is, and what the runner's core offers it.

The runner (:mod:`dermaport.device.runner`) is one generic core: states, the tick (sleep to
the next period, heartbeat, one reading, lateness and watchdog checks), documents and their
dispatch, operator requests, holds between steps, the output switched off on every way out,
and the ends (``complete``, ``stopped``, ``failed``). What one kind of output does within a
step is a :class:`Controller`'s: galvanic current (contact check, ramps, dose), pulse trains
(contact check, a train the generator fires, per-pulse interlocks), and later ultrasound or
radio frequency. A controller reaches the core only through :class:`Core`.

A controller raises :class:`InterlockTripError` with the reason when an interlock trips; the core
has then already switched the output off (:meth:`Core.publish` does it before anything else)
and ends the session ``failed``. No controller resumes after a trip.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, Protocol, TypeVar

__all__ = ["DELIVERING", "DONE", "Controller", "Core", "InterlockTripError", "RunState"]

RunState = Literal[
    "idle",
    "contact_check",
    "ramp_up",
    "deliver",
    "ramp_down",
    "paused",
    "hold",
    "complete",
    "stopped",
    "failed",
]
#: The states in which output may flow.
DELIVERING: tuple[RunState, ...] = ("ramp_up", "deliver", "ramp_down")
#: The states a session ends in.
DONE: tuple[RunState, ...] = ("complete", "stopped", "failed")

_T = TypeVar("_T")


class InterlockTripError(Exception):
    """An interlock trip inside the loop (its message is the reason)."""


class Core(Protocol):
    """The runner's core as a controller sees it (times in s since the session's start)."""

    state: RunState
    #: Galvanic charge delivered in the session, mA·min (the stop document's ``charge_dose_mA_min``).
    charge_mA_min: float  # noqa: N815
    #: A pause asked during a step's last ramp down: the core pauses before the next step.
    pause_pending: bool
    #: The galvanic contact check's load, kept across a pause before the next step, Ω.
    baseline_ohm: float

    @property
    def device(self) -> Any:
        """The device this session drives."""

    @property
    def identity(self) -> Any:
        """The device's identity (read at the start)."""

    @property
    def period_s(self) -> float:
        """The telemetry period, s."""

    @property
    def max_pause_s(self) -> float:
        """The longest pause before the session ends ``stopped``, s."""

    @property
    def stop_reason(self) -> str | None:
        """Why a stop was asked, when not by the operator."""

    @property
    def output_is_on(self) -> bool:
        """Whether the runner has switched the output on (and not off since)."""

    def clock_now(self) -> float:
        """The clock's time, s (for tick schedules)."""

    def now(self) -> float:
        """Time since the start, s."""

    def event(self, kind: str, /, **detail: Any) -> None:
        """Record and emit an event document."""

    def enter(self, state: RunState) -> None:
        """Change state (and emit the state event)."""

    def finish(self, status: Literal["complete", "stopped"], reason: str) -> None:
        """End the session with ``status`` (not a fault)."""

    def take_requests(self) -> list[str]:
        """The operator's requests since the last call (pause, resume, confirm, stop)."""

    def call(self, call: Callable[[], _T]) -> _T:
        """Call the device (the time of its last answer is kept for the device's watchdog)."""

    def tick(self, due: float) -> tuple[Any, float, float]:
        """Sleep to ``due`` (clock s), heartbeat, read: the reading, its time and the time since the last."""

    def mark_read(self) -> None:
        """Start counting time between readings from now (the first contact check)."""

    def publish(self, reading: Mapping[str, Any], reason: str | None) -> None:
        """Output off first on a trip, then the reading to subscribers, then raise the trip."""

    def before_output(self) -> None:
        """Raise a trip when the record is failing: never switch on then."""

    def switch_on(self) -> None:
        """Output on (the watchdog armed first)."""

    def switch_off(self, *, by: str = "runner") -> None:
        """Output off as planned (end of a step, a pause) and say so."""


class Controller(ABC):
    """One modality's part of the runner: what happens within a step, and the checks it needs.

    A subclass names its ``modality`` (the segments' :attr:`modality` it runs) and registers in
    :mod:`dermaport.device.controllers`. One instance serves every segment of its modality in
    a session.
    """

    modality: ClassVar[str]

    def __init__(self, core: Core) -> None:
        self.core = core

    @classmethod
    @abstractmethod
    def accepts(cls, device: object) -> bool:
        """Whether ``device`` is of the kind this controller drives."""

    @abstractmethod
    def check_device(self, identity: Any, segments: tuple[Any, ...]) -> None:
        """Refuse (SafetyError) a device that cannot deliver ``segments`` safely, before any output."""

    @abstractmethod
    def limits(self) -> dict[str, Any]:
        """The hard limits in force for this modality (the start document's ``limits``)."""

    @abstractmethod
    def run_segment(self, segment: Any) -> None:
        """Deliver one step: to its end, a stop or an expired pause; InterlockTripError on a trip."""

    @abstractmethod
    def idle_reading(self, tel: Any, segment: Any) -> tuple[dict[str, Any], str | None]:
        """A reading while the output is off (a hold after ``segment``): its document and any trip."""

    def summary(self) -> dict[str, Any]:
        """What this modality adds to the stop document and the run's result (default: nothing)."""
        return {}
