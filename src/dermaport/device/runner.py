"""The session runner: one generic core that drives a device through a plan, a controller per modality.

States (``RunState``)::

    idle → contact_check → ramp_up → deliver → ramp_down ─┬→ contact_check (next step) …
                                                           ├→ hold ──confirm──► contact_check (next step)
                                                           └→ complete (last step)
    ramp_up | deliver ──pause──► ramp_down → paused ──resume──► contact_check → ramp_up …
    any state ──stop──► ramp_down (if current flows) → stopped
    any state ──fault──► output off at once → failed

    a pulse step:  contact_check → deliver ─┬→ contact_check (next step) | hold | complete
                   deliver ──pause──► paused (output off at once) ──resume──► contact_check → deliver
                   deliver ──stop──► stopped (output off at once)

The core owns the states, the tick, the heartbeat, the documents, the holds and the ways out;
what happens within a step is the step's modality's controller's
(:mod:`dermaport.device.controllers`: galvanic current, electroporation pulse trains, and
the registry a later modality joins). A pulse step runs ``contact_check → deliver`` (no ramps;
a pause or stop switches the output off at once) on a pulse generator.

Every tick (``period_s``, 20 Hz by default) the runner sends a heartbeat, takes one reading,
checks it against every interlock of its modality (:mod:`dermaport.device.interlocks`,
:mod:`dermaport.device.pulse_interlocks`), switches the output
off at once if one trips, only then hands the reading to subscribers, and only then sets the
next set-point. A tick that comes more than two periods after it was due is a fault, whatever
held the loop (two periods of real time: on a clock that runs N times faster, the simulated
device's ``ScaledClock``, N × two periods of its seconds); a device without a watchdog of its
own gets the host's (:mod:`dermaport.device.watchdog`), which switches the output off from its
own thread when the loop is two periods late. While a runner runs in real time, no automatic
full garbage collection holds the loop (:mod:`dermaport.device.collector`). The dose is
integrated from the readings; a step ramps down when its dose plus the ramp-down's will reach
the planned dose, so the session stops itself at the dose.
Between two current steps that differ in polarity or solution the runner holds, output off,
until the operator confirms (:meth:`SessionRunner.confirm`: the skin wiped, the next product
applied). No trip resumes: a fault ends the session ``failed``. The output is switched off on
every way out (``finally``); where the link is lost, the device's watchdog does it, and the
runner says so.

Documents (:mod:`dermaport.device.documents`) go to subscribers as ``subscriber(name,
document)`` through :class:`~dermaport.device.dispatch.Dispatcher`: a bounded queue and a
thread per subscriber, so the loop never waits on one. A full queue, or a subscriber that
raises, is a fault too: a session whose record is failing stops.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from dermaport.device.clock import Clock, FakeClock
from dermaport.device.collector import full_collections_deferred
from dermaport.device.controllers import Controller, controller_class
from dermaport.device.controllers.base import DELIVERING, DONE, InterlockTripError, RunState
from dermaport.device.dispatch import DEFAULT_CAPACITY, Dispatcher, Subscriber
from dermaport.device.documents import (
    LimitsDocument,
    PlanDocument,
    SessionContext,
    StartDocument,
    StopDocument,
    version_for,
)
from dermaport.device.interlocks import MAX_WATCHDOG_S
from dermaport.device.protocol import Device, Identity
from dermaport.device.pulse_protocol import PulseDevice, PulseIdentity
from dermaport.device.session_plan import AnySegment, SessionPlan
from dermaport.device.watchdog import HostWatchdog
from dermaport.errors import DeviceError, SafetyError

__all__ = [
    "DELIVERING",
    "DRAIN_TIMEOUT_S",
    "HOLD_INSTRUCTION",
    "MAX_PAUSE_S",
    "RunResult",
    "RunState",
    "SessionRunner",
    "Subscriber",
]

logger = logging.getLogger(__name__)

_DONE = DONE
_T = TypeVar("_T")
#: A pause (or a hold between steps) longer than this ends the session ``stopped``, s.
MAX_PAUSE_S = 600.0
#: How long :meth:`SessionRunner.run` waits, once the output is off, for the subscribers to take
#: the documents left (the stop document above all), s.
DRAIN_TIMEOUT_S = 30.0
#: What the operator is asked to do at a hold between steps.
HOLD_INSTRUCTION = "wipe the skin, apply the ampoule"


@dataclass
class RunResult:
    """How a session ended, with everything the runner saw (times in s since the start)."""

    status: Literal["complete", "stopped", "failed"]
    reason: str
    charge_dose_mA_min: float  # noqa: N815
    planned_dose_mA_min: float  # noqa: N815
    fault_at_s: float | None
    output_off_at_s: float | None
    events: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    states: list[tuple[float, str]] = field(default_factory=list)
    identity: Identity | PulseIdentity | None = None
    #: Whether every document reached every subscriber (False: one failed, or was too slow).
    recorded: bool = True
    #: Pulses (or carrier bursts) delivered, their charge (µC, both signs) and energy (mJ).
    pulse_count: int = 0
    pulse_charge_uC: float = 0.0  # noqa: N815
    pulse_energy_mJ: float = 0.0  # noqa: N815

    def to_json(self) -> dict[str, Any]:
        """The summary ``dermaport run --json`` prints."""
        return {
            "status": self.status,
            "reason": self.reason,
            "charge_dose_mA_min": round(self.charge_dose_mA_min, 6),
            "planned_dose_mA_min": round(self.planned_dose_mA_min, 6),
            "fault_at_s": _round(self.fault_at_s),
            "output_off_at_s": _round(self.output_off_at_s),
            "device": self.identity.to_json() if self.identity is not None else None,
            "pulse_count": self.pulse_count,
            "events": [
                {"t_s": _round(e["time_s"]), "kind": e["kind"], "detail": e["detail"]} for e in self.events
            ],
            "timeline": {  # one list per quantity, one entry per reading (as ``simulate`` gives it)
                "time_s": [_round(r["time_s"]) for r in self.timeline],
                "set_current_mA": [round(r.get("set_current_mA", 0.0), 6) for r in self.timeline],
                "current_mA": [round(r["current_mA"], 6) for r in self.timeline],
                "voltage_V": [round(r["voltage_V"], 6) for r in self.timeline],
                "impedance_ohm": [_round(r["impedance_ohm"]) for r in self.timeline],
                "state": [r["state"] for r in self.timeline],
                **self._pulse_timeline(),
            },
        }

    def _pulse_timeline(self) -> dict[str, list[Any]]:
        """The pulses delivered at each reading, for sessions with pulse steps."""
        if not any("pulses_delivered" in r for r in self.timeline):
            return {}
        return {"pulses_delivered": [r.get("pulses_delivered", 0) for r in self.timeline]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _clock_speed(clock: Clock) -> float:
    """Clock seconds per real second: ``speed`` of a clock that runs faster (ScaledClock), else 1."""
    speed = getattr(clock, "speed", 1.0)
    if not (isinstance(speed, int | float) and math.isfinite(speed) and speed >= 1):
        raise SafetyError(f"clock speed {speed!r} must be a finite number of at least 1: e.g. 10")
    return float(speed)


class SessionRunner:
    """Runs one :class:`SessionPlan` on one device; call :meth:`run` once.

    ``pause``, ``resume``, ``confirm``, ``stop`` and ``report_fault`` may be called from any
    thread, a signal handler or a subscriber. ``context`` (the sessions service's
    :class:`~dermaport.device.documents.SessionContext`) and ``metadata`` (any other keys) go
    into the start document. ``lockstep`` (default: on a :class:`FakeClock` only, refused on
    any other) makes the loop wait once a tick for the subscribers, for deterministic
    simulated sessions. ``queue_capacity`` bounds each subscriber's queue (documents).
    """

    def __init__(
        self,
        device: Device | PulseDevice,
        plan: SessionPlan,
        *,
        clock: Clock,
        period_s: float = 0.05,
        subscribers: Iterable[Subscriber] = (),
        uid: str | None = None,
        context: SessionContext | None = None,
        metadata: Mapping[str, Any] | None = None,
        max_pause_s: float = MAX_PAUSE_S,
        queue_capacity: int = DEFAULT_CAPACITY,
        lockstep: bool | None = None,
        drain_timeout_s: float = DRAIN_TIMEOUT_S,
    ) -> None:
        if not (math.isfinite(period_s) and 0 < period_s <= 1.0):
            raise SafetyError(f"telemetry period {period_s!r} s must be above 0 and at most 1 s: e.g. 0.05")
        if not 0 < max_pause_s <= MAX_PAUSE_S:
            raise SafetyError(
                f"longest pause {max_pause_s!r} s must be above 0 and at most {MAX_PAUSE_S:g} s"
            )
        simulated = isinstance(clock, FakeClock)
        if lockstep and not simulated:
            raise SafetyError("lockstep (the loop waiting for its subscribers) runs only on a fake clock")
        self._lockstep = simulated if lockstep is None else lockstep
        self._real_time = not simulated
        self._max_pause_s = max_pause_s
        self._device, self._plan, self._clock, self._period = device, plan, clock, period_s
        # clock seconds per real second: a ScaledClock's speed (the simulated device only), else 1
        self._speed = _clock_speed(clock)
        #: How far the loop may lag, in clock seconds: two periods of real time at any speed,
        #: as the simulated device's watchdog holds in real time.
        self._lag_limit = 2 * period_s * self._speed
        self._subscribers = list(subscribers)
        self._capacity = queue_capacity
        self._drain_timeout_s = drain_timeout_s
        self._dispatcher = Dispatcher(())
        self._uid = uid or uuid.uuid4().hex
        self._context = context or SessionContext()
        self._metadata = dict(metadata or {})
        # operator requests: SimpleQueue.put is safe from a signal handler (Ctrl-C), a lock is not
        self._requests: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._faults: queue.SimpleQueue[str] = queue.SimpleQueue()
        #: A pause asked during a step's last ramp down (the controllers set it; see Core).
        self.pause_pending = False
        self._off_error: DeviceError | None = None
        self._off_confirmed = True  # the device acknowledged output off, and nothing turned it on
        #: The contact check's load (Ω), kept for a pause before the next step.
        self.baseline_ohm = 0.0
        #: Galvanic charge delivered in the session, mA·min.
        self.charge_mA_min = 0.0
        self._modalities: dict[str, Controller] = {}
        self._started = False
        self.state: RunState = "idle"
        self._t0 = 0.0
        self._result = RunResult("failed", "not run", 0.0, plan.planned_dose_mA_min, None, None)
        self._identity: Identity | PulseIdentity | None = None
        self._watchdog: HostWatchdog | None = None
        self._last_ack = 0.0
        self._output_on = False
        self._last_read_t: float | None = None
        self._failing = False
        self._overflow: str | None = None
        self._stop_reason: str | None = None

    # -- operator --------------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a subscriber (before :meth:`run`); it is called on a thread of its own."""
        if self._started:
            raise SafetyError("subscribe before run(): the subscribers are fixed when the session starts")
        self._subscribers.append(subscriber)

    def pause(self) -> None:
        """Ask to pause: ramp down and hold with the output off until :meth:`resume`."""
        self._request("pause")

    def resume(self) -> None:
        """Ask to resume a paused session (a new contact check, then ramp up)."""
        self._request("resume")

    def confirm(self) -> None:
        """Confirm a hold between steps: the skin is wiped and the next product applied."""
        self._request("confirm")

    def stop(self, reason: str | None = None) -> None:
        """Ask to stop: ramp down, output off, status ``stopped`` (``reason``: why, if not the operator)."""
        if reason is not None and self._stop_reason is None:
            self._stop_reason = reason
        self._request("stop")

    def report_fault(self, reason: str) -> None:
        """A fault found outside the loop (the caller's checks): output off, ``failed``, ``reason``."""
        self._faults.put(reason)

    def _request(self, action: str) -> None:
        self._requests.put(action)

    def _take_requests(self) -> list[str]:
        taken = []
        while True:
            try:
                taken.append(self._requests.get_nowait())
            except queue.Empty:
                return taken

    # -- documents ---------------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock.now() - self._t0

    def _emit(self, name: str, document: dict[str, Any]) -> None:
        final = self._failing or name == "stop"
        if not self._dispatcher.put(name, document, final=final) and self._overflow is None:
            self._overflow = (
                f"recording fell behind: a subscriber's queue is full ({self._capacity} documents), "
                f"the {name} document at t = {self._now():.3f} s could not be queued"
            )

    def _recording_fault(self) -> str | None:
        """Why recording fails (a full queue, a subscriber that raised, a fault reported), or None."""
        if self._overflow is not None:
            return self._overflow
        failure = self._dispatcher.failure
        if failure is not None:
            return failure
        try:
            return f"fault reported: {self._faults.get_nowait()}"
        except queue.Empty:
            return None

    def _event(self, kind: str, /, **detail: Any) -> None:
        event = {"time_s": self._now(), "kind": kind, "detail": detail}
        self._result.events.append(event)
        self._emit("event", event)

    def _enter(self, state: RunState) -> None:
        if state != self.state:
            previous, self.state = self.state, state
            self._result.states.append((self._now(), state))
            logger.debug("state %s → %s", previous, state)
            self._event("state", **{"from": previous, "to": state})

    # -- the run ----------------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Run the plan to its end, a stop or a fault; the output is off when this returns."""
        if self._started:
            raise SafetyError("a runner runs once: make a new SessionRunner for a new session")
        self._started = True
        # in real time, no full garbage collection holds the loop (dermaport.device.collector)
        with full_collections_deferred() if self._real_time else contextlib.nullcontext():
            return self._run()

    def _run(self) -> RunResult:
        self._t0 = self._clock.now()
        self._result.states.append((0.0, "idle"))
        controllers = self._controllers()
        try:
            identify: Callable[[], Identity | PulseIdentity] = self._device.identify
            identity = self._call(identify)
            self._identity = self._result.identity = identity
            self._switch_off()  # whatever a crashed host may have left on
        except DeviceError as exc:
            # nothing has started: no documents, but a failed result for the caller to report
            self._result.status, self._result.reason = "failed", f"communication lost: {exc}"
            self._result.fault_at_s = self._now()
            self.state = "failed"
            return self._result
        for modality, controller in controllers.items():
            controller.check_device(identity, tuple(s for s in self._plan.segments if s.modality == modality))
        self._refuse_unsafe_watchdog(identity)
        if identity.watchdog_s is None:
            self._watchdog = HostWatchdog(self._clock, self._watchdog_off, timeout_s=self._lag_limit)
            self._watchdog.start()
        self._dispatcher = Dispatcher(self._subscribers, capacity=self._capacity)
        self._dispatcher.start()
        try:
            self._emit("start", self._start_document(identity))
            for text in self._plan.skipped:
                self._event("step_skipped", step=text, why="not a current step: the practitioner's")
            previous: AnySegment | None = None
            for segment in self._plan.segments:
                if previous is not None and segment.needs_hold_after(previous):
                    self._hold(controllers[previous.modality], previous, segment)
                    if self.state in _DONE:
                        break
                controllers[segment.modality].run_segment(segment)
                if self.state in _DONE:
                    break
                previous = segment
            else:
                if self.pause_pending:
                    self._event(
                        "operator_ignored", action="pause", state=self.state, why="the plan is complete"
                    )
                self._finish("complete", self._complete_reason())
        except InterlockTripError as fault:
            self._fail(str(fault))
        except DeviceError as exc:
            self._fail(
                f"communication lost: {exc}" if isinstance(exc, ConnectionError) else f"device error: {exc}"
            )
        except BaseException as exc:
            self._fail(f"runner error: {type(exc).__name__}: {exc}")
            raise
        finally:
            self._ensure_off()
            if self._watchdog is not None:
                self._watchdog.stop()
            self._stop_document()
            # the output is off: now wait (bounded) for the subscribers to take what is left
            self._result.recorded = self._dispatcher.close(self._drain_timeout_s) and self._overflow is None
        return self._result

    def _controllers(self) -> dict[str, Controller]:
        """One controller per modality of the plan; SafetyError when one cannot drive this device."""
        controllers: dict[str, Controller] = {}
        for modality in self._plan.modalities:
            cls = controller_class(modality)
            if not cls.accepts(self._device):
                kinds = ", ".join(self._plan.modalities)
                raise SafetyError(
                    f"refused: the plan has {modality} steps, which this device "
                    f"({type(self._device).__name__}) cannot deliver (a session runs on one device; "
                    f"this plan needs {kinds})"
                )
            controllers[modality] = cls(self)
        self._modalities = controllers
        return controllers

    def _complete_reason(self) -> str:
        if "galvanic" in self._modalities:
            return "plan delivered: the dose was reached"
        return "plan delivered: every pulse fired"

    def _refuse_unsafe_watchdog(self, identity: Identity | PulseIdentity) -> None:
        wd = identity.watchdog_s
        if wd is not None and not wd <= MAX_WATCHDOG_S:
            raise SafetyError(
                f"refused: the device's watchdog ({wd!r} s) would keep current flowing longer than "
                f"{MAX_WATCHDOG_S:g} s after losing its host"
            )
        if wd is not None and not wd >= 2 * self._period:
            raise SafetyError(
                f"refused: the device's watchdog ({wd:g} s) is shorter than two telemetry periods "
                f"({2 * self._period:g} s): heartbeats could not keep it alive"
            )

    def _start_document(self, identity: Identity | PulseIdentity) -> dict[str, Any]:
        limits_in_force: dict[str, Any] = {}
        for controller in self._modalities.values():
            limits_in_force.update(controller.limits())
        document = StartDocument.model_validate(
            {
                **self._metadata,
                **self._context.model_dump(exclude_none=True),
                "schema_version": version_for(list(self._modalities)),
                "uid": self._uid,
                "started_at": datetime.now(UTC),
                "plan": PlanDocument.model_validate(self._plan.to_json()),
                "device": identity.to_json(),
                "limits": LimitsDocument(
                    **limits_in_force,
                    telemetry_period_s=self._period,
                    host_watchdog_s=self._watchdog.timeout_s if self._watchdog is not None else None,
                ),
            }
        )
        return document.body()

    # -- for the controllers (dermaport.device.controllers.base.Core) ------------------------------

    @property
    def device(self) -> Any:
        """The device this session drives."""
        return self._device

    @property
    def identity(self) -> Identity | PulseIdentity:
        """The device's identity, read at the start."""
        assert self._identity is not None
        return self._identity

    @property
    def period_s(self) -> float:
        """The telemetry period, s."""
        return self._period

    @property
    def max_pause_s(self) -> float:
        """The longest pause (or hold) before the session ends ``stopped``, s."""
        return self._max_pause_s

    @property
    def stop_reason(self) -> str | None:
        """Why a stop was asked, when not by the operator."""
        return self._stop_reason

    @property
    def output_is_on(self) -> bool:
        """Whether the runner has switched the output on (and not off since)."""
        return self._output_on

    def clock_now(self) -> float:
        """The clock's time, s."""
        return self._clock.now()

    def now(self) -> float:
        """Time since the start of the run, s."""
        return self._now()

    def event(self, kind: str, /, **detail: Any) -> None:
        """Record and emit an event document."""
        self._event(kind, **detail)

    def enter(self, state: RunState) -> None:
        """Change state (emitting the state event)."""
        self._enter(state)

    def finish(self, status: Literal["complete", "stopped"], reason: str) -> None:
        """End the session ``complete`` or ``stopped``."""
        self._finish(status, reason)

    def take_requests(self) -> list[str]:
        """The operator's requests since the last call."""
        return self._take_requests()

    def call(self, call: Callable[[], _T]) -> _T:
        """Call the device; the time of its answer is the last acknowledgement."""
        return self._call(call)

    def tick(self, due: float) -> tuple[Any, float, float]:
        """Sleep to ``due``, heartbeat, read (see :meth:`_tick`)."""
        return self._tick(due)

    def mark_read(self) -> None:
        """Count time between readings from now on, if not yet started."""
        if self._last_read_t is None:
            self._last_read_t = self._now()

    def publish(self, reading: Mapping[str, Any], reason: str | None) -> None:
        """Output off first on a trip, then the reading to subscribers, then the trip or a recording fault."""
        self._publish(reading, reason)

    def before_output(self) -> None:
        """Raise a trip when the record is failing (flushing first in lockstep): never switch on then."""
        if self._lockstep:
            self._dispatcher.flush()
        reason = self._recording_fault()
        if reason is not None:
            raise InterlockTripError(reason)

    def switch_on(self) -> None:
        """Output on; the host watchdog is armed first."""
        self._off_confirmed = False  # from the moment the command may reach the device
        if self._watchdog is not None:
            self._watchdog.kick()  # armed before the output goes on
        self._call(lambda: self._device.output(True))
        self._output_on = True

    def switch_off(self, *, by: str = "runner") -> None:
        """Output off as planned (a step's end, a pause, a stop) and say so."""
        self._switch_off()
        self._result.output_off_at_s = self._now()
        self._event("output_off", by=by)

    # -- between two steps --------------------------------------------------------------------------

    def _hold(self, controller: Controller, previous: AnySegment, following: AnySegment) -> None:
        """Output off until the operator confirms the skin wiped and the next product applied."""
        changes = []
        if previous.modality != following.modality:
            changes.append(f"modality {previous.modality} → {following.modality}")
        if previous.polarity != following.polarity:
            changes.append(f"polarity {previous.polarity} → {following.polarity}")
        if previous.solution != following.solution:
            changes.append(f"solution {previous.solution} → {following.solution}")
        if self.pause_pending:  # the hold is a pause already: the confirm ends both
            self.pause_pending = False
            self._event("operator_ignored", action="pause", state="hold", why="the session holds anyway")
        self._enter("hold")
        self._event(
            "hold",
            instruction=HOLD_INSTRUCTION,
            why="; ".join(changes),
            next_step=following.index,
            step=following.step,
            kind=following.kind,
            polarity=following.polarity,
            solution=following.solution,
        )
        held_at = self._now()
        first_tick, ticks = self._clock.now(), 0
        while True:
            ticks += 1
            tel, now, _ = self._tick(first_tick + ticks * self._period)
            reading, reason = controller.idle_reading(tel, previous)
            self._publish(reading, reason)
            for action in self._take_requests():
                self._event("operator", action=action, state="hold")
                if action == "stop":
                    self._finish("stopped", self._stop_reason or "stopped by the operator")
                elif action == "confirm":
                    self._event("hold_confirmed", held_s=now - held_at, next_step=following.index)
                    return
                else:
                    self._event(
                        "operator_ignored", action=action, state="hold", why="a hold ends only on confirm"
                    )
            if self.state in _DONE:
                return
            if now - held_at > self._max_pause_s:
                self._event("pause_expired", paused_s=now - held_at, state="hold")
                self._finish("stopped", f"held longer than {self._max_pause_s:g} s without a confirm")
                return

    # -- the loop's core: one tick ------------------------------------------------------------------

    def _tick(self, due: float) -> tuple[Any, float, float]:
        """Sleep to ``due`` (clock s), heartbeat, read; the reading, its time and the time since the last (s).

        Raises a fault when the device's exchange or the whole loop was more than two periods
        late, or the host watchdog fired meanwhile.
        """
        self._clock.sleep_until(due)
        asked = self._now()
        tel = self._exchange_reading()
        now = self._now()
        wd = self._watchdog
        if wd is not None and wd.fired:
            self._cut_output()
            at = (wd.fired_at or 0.0) - self._t0
            kicked = (wd.last_kick or self._t0) - self._t0
            self._result.output_off_at_s = min(self._result.output_off_at_s or at, at)
            raise InterlockTripError(
                f"host watchdog: no tick from {kicked:.3f} s to {at:.3f} s (more than two periods, "
                f"{wd.timeout_s:g} s); the host switched the output off"
                + (f", unconfirmed: {wd.error}" if wd.error is not None else "")
            )
        if now - asked > self._lag_limit:
            self._cut_output()
            raise InterlockTripError(
                f"communication lost: the reading took {self._real(now - asked)}, more than two "
                f"periods ({self._real(self._lag_limit)})"
            )
        late = self._clock.now() - due
        if late > self._lag_limit:
            self._cut_output()
            raise InterlockTripError(
                f"loop late: the tick due at {due - self._t0:.3f} s came {self._real(late)} late, more "
                f"than two periods ({self._real(self._lag_limit)})"
            )
        if wd is not None and not self._off_confirmed:
            wd.kick()
        dt = now - (self._last_read_t if self._last_read_t is not None else now)
        self._last_read_t = now
        return tel, now, dt

    def _real(self, clock_s: float) -> str:
        """A span of clock seconds as the message says it: real seconds on a faster clock."""
        if self._speed == 1:
            return f"{clock_s:.3g} s"
        return f"{clock_s / self._speed:.3g} s in real time ({clock_s:.3g} s simulated at ×{self._speed:g})"

    def _publish(self, reading: Mapping[str, Any], reason: str | None) -> None:
        """Output off first on a trip, then the reading to subscribers, then the trip or a recording fault."""
        if reason is not None:
            self._cut_output()  # before anything else: subscribers may be slow or raise
        self._reading(dict(reading))
        if self._lockstep:
            self._dispatcher.flush()
        if reason is None:
            reason = self._recording_fault()
            if reason is not None:
                self._cut_output()
        if reason is not None:
            raise InterlockTripError(reason)

    # -- device calls ---------------------------------------------------------------------------------

    def _call(self, call: Callable[[], _T]) -> _T:
        result = call()
        self._last_ack = self._now()
        return result

    def _exchange_reading(self) -> Any:
        self._call(self._device.heartbeat)
        return self._call(self._device.read)

    def _switch_off(self) -> None:
        """Command the output off; on return the device has acknowledged it."""
        self._call(lambda: self._device.output(False))
        self._output_on = False
        self._off_confirmed = True
        if self._watchdog is not None:
            self._watchdog.disarm()

    def _watchdog_off(self) -> None:
        """The host watchdog's action, from its own thread: the output off, nothing else."""
        self._device.output(False)

    def _try_switch_off(self) -> DeviceError | None:
        """Switch off now (again, if need be); the error when the device did not acknowledge."""
        was_on = self._output_on
        try:
            self._switch_off()
        except DeviceError as exc:
            return exc
        if was_on or self._result.output_off_at_s is None:
            self._result.output_off_at_s = self._now()
        return None

    def _cut_output(self) -> None:
        """Output off at once on a trip, before any document goes out."""
        self._off_error = self._try_switch_off()

    def _reading(self, reading: dict[str, Any]) -> None:
        self._result.timeline.append(reading)
        self._emit("reading", reading)

    # -- the ends -------------------------------------------------------------------------------------

    def _finish(self, status: Literal["complete", "stopped"], reason: str) -> None:
        self._enter(status)
        self._result.status, self._result.reason = status, reason

    def _fail(self, reason: str) -> None:
        if self.state == "failed":
            return
        self._failing = True
        self._result.fault_at_s = self._now()
        self._result.status, self._result.reason = "failed", reason
        error = self._try_switch_off()  # first of all: no subscriber may delay or prevent it
        logger.warning("session %s failed: %s", self._uid, reason)
        self._event("fault", reason=reason, state=self.state)
        wd = self._watchdog
        if wd is not None and wd.fired and wd.error is None:
            at = (wd.fired_at or 0.0) - self._t0
            self._result.output_off_at_s = min(self._result.output_off_at_s or at, at)
            self._event("output_off", by="host watchdog", confirmed=error is None, at_s=at)
        elif error is None:
            self._event("output_off", by="runner after the fault", confirmed=True)
        else:
            device_wd = self._identity.watchdog_s if self._identity is not None else None
            if device_wd is not None:
                off_at = self._last_ack + device_wd
                self._result.output_off_at_s = off_at
                self._event(
                    "output_off", by="device watchdog", confirmed=False, at_s=off_at, error=str(error)
                )
            else:
                self._event("output_off_unconfirmed", error=str(error), why="the device has no watchdog")
        self._enter("failed")

    def _ensure_off(self) -> None:
        """Switch off once more on the way out, unless the device has acknowledged it is off."""
        if self._off_confirmed:
            return
        if self._try_switch_off() is not None:
            logger.warning("could not confirm the output off at the end of session %s", self._uid)

    def _stop_document(self) -> None:
        self._result.charge_dose_mA_min = self.charge_mA_min
        extra: dict[str, Any] = {}
        for controller in self._modalities.values():
            extra.update(controller.summary())
        if "pulses_delivered" in extra:
            self._result.pulse_count = extra["pulses_delivered"]
            self._result.pulse_charge_uC = extra["pulse_charge_uC"]
            self._result.pulse_energy_mJ = extra["pulse_energy_mJ"]
        document = StopDocument(
            **extra,
            status=self._result.status,
            reason=self._result.reason,
            time_s=self._now(),
            charge_dose_mA_min=self.charge_mA_min,
            planned_dose_mA_min=self._plan.planned_dose_mA_min,
            fault_at_s=self._result.fault_at_s,
            output_off_at_s=self._result.output_off_at_s,
        )
        self._emit("stop", document.body())
