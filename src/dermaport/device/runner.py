"""The session runner: an explicit state machine that drives a device through a plan.

States (``RunState``)::

    idle → contact_check → ramp_up → deliver → ramp_down ─┬→ contact_check (next step) …
                                                           └→ complete (last step)
    ramp_up | deliver ──pause──► ramp_down → paused ──resume──► contact_check → ramp_up …
    any state ──stop──► ramp_down (if current flows) → stopped
    any state ──fault──► output off at once → failed

Every tick (``period_s``, 20 Hz by default) the runner sends a heartbeat, takes one reading,
checks it against every interlock (:mod:`dermaport.device.interlocks`), switches the output
off at once if one trips, only then hands the reading to subscribers, and only then sets the
next set-point. An exchange that takes longer than two periods is a lost link. The dose is
integrated from the readings; a step ramps down when its dose
plus the ramp-down's will reach the planned dose, so the session stops itself at the dose.
No trip resumes: a fault ends the session ``failed``. The output is switched off on every
way out (``finally``); where the link is lost, the device's watchdog does it, and the runner
says so.

Documents go to subscribers as ``subscriber(name, document)`` with ``name`` one of
``start``, ``reading``, ``event``, ``stop`` and fields that fit
:mod:`dermaport.records.documents` (``time_s`` in seconds since the start; currents mA,
voltages V, impedance Ω, charge mA·min). A subscriber that raises is a fault too: a session
whose record is failing stops.
"""

from __future__ import annotations

import logging
import math
import queue
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from dermaport.device.clock import Clock
from dermaport.device.interlocks import (
    MAX_TOLERANCE_MA,
    MAX_WATCHDOG_S,
    Expectation,
    check_contact,
    check_reading,
)
from dermaport.device.protocol import Device, Identity, OutputConfig, Telemetry
from dermaport.device.session_plan import Segment, SessionPlan
from dermaport.errors import DeviceError, SafetyError
from dermaport.safety import limits

__all__ = ["DELIVERING", "MAX_PAUSE_S", "RunResult", "RunState", "SessionRunner", "Subscriber"]

logger = logging.getLogger(__name__)

RunState = Literal[
    "idle", "contact_check", "ramp_up", "deliver", "ramp_down", "paused", "complete", "stopped", "failed"
]
#: The states in which current may flow.
DELIVERING: tuple[RunState, ...] = ("ramp_up", "deliver", "ramp_down")
Subscriber = Callable[[str, Mapping[str, Any]], None]
_DONE: tuple[RunState, ...] = ("complete", "stopped", "failed")
_T = TypeVar("_T")
#: A pause longer than this ends the session ``stopped`` (it never resumes by itself), s.
MAX_PAUSE_S = 600.0
#: A step whose time in the delivering states exceeds its planned duration by this share (plus two
#: ramps for each pause it resumed from) fails.
_OVERTIME = 0.2


class _FaultError(Exception):
    """An interlock trip inside the loop (its message is the reason)."""


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
    identity: Identity | None = None

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
            "events": [
                {"t_s": _round(e["time_s"]), "kind": e["kind"], "detail": e["detail"]} for e in self.events
            ],
            "timeline": {  # one list per quantity, one entry per reading (as ``simulate`` gives it)
                "time_s": [_round(r["time_s"]) for r in self.timeline],
                "set_current_mA": [round(r["set_current_mA"], 6) for r in self.timeline],
                "current_mA": [round(r["current_mA"], 6) for r in self.timeline],
                "voltage_V": [round(r["voltage_V"], 6) for r in self.timeline],
                "impedance_ohm": [_round(r["impedance_ohm"]) for r in self.timeline],
                "state": [r["state"] for r in self.timeline],
            },
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


class SessionRunner:
    """Runs one :class:`SessionPlan` on one device; call :meth:`run` once.

    ``pause``, ``resume`` and ``stop`` may be called from any thread or from a subscriber.
    ``metadata`` is merged into the start document (e.g. ``client_id`` for the records).
    """

    def __init__(
        self,
        device: Device,
        plan: SessionPlan,
        *,
        clock: Clock,
        period_s: float = 0.05,
        subscribers: Iterable[Subscriber] = (),
        uid: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        max_pause_s: float = MAX_PAUSE_S,
    ) -> None:
        if not (math.isfinite(period_s) and 0 < period_s <= 1.0):
            raise SafetyError(f"telemetry period {period_s!r} s must be above 0 and at most 1 s: e.g. 0.05")
        if not 0 < max_pause_s <= MAX_PAUSE_S:
            raise SafetyError(
                f"longest pause {max_pause_s!r} s must be above 0 and at most {MAX_PAUSE_S:g} s"
            )
        self._max_pause_s = max_pause_s
        self._device, self._plan, self._clock, self._period = device, plan, clock, period_s
        self._subscribers = list(subscribers)
        self._uid = uid or uuid.uuid4().hex
        self._metadata = dict(metadata or {})
        # operator requests: SimpleQueue.put is safe from a signal handler (Ctrl-C), a lock is not
        self._requests: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._pause_pending = False  # a pause asked during a step's last ramp down
        self._off_error: DeviceError | None = None
        self._off_confirmed = True  # the device acknowledged output off, and nothing turned it on
        self._baseline = 0.0
        self._started = False
        self.state: RunState = "idle"
        self._t0 = 0.0
        self._result = RunResult("failed", "not run", 0.0, plan.planned_dose_mA_min, None, None)
        self._identity: Identity | None = None
        self._last_ack = 0.0
        self._output_on = False
        self._set = 0.0
        self._dose = 0.0
        self._device_charge: float | None = None
        self._last_read_t: float | None = None
        self._failing = False

    # -- operator --------------------------------------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> None:
        """Add a subscriber (before :meth:`run`)."""
        self._subscribers.append(subscriber)

    def pause(self) -> None:
        """Ask to pause: ramp down and hold with the output off until :meth:`resume`."""
        self._request("pause")

    def resume(self) -> None:
        """Ask to resume a paused session (a new contact check, then ramp up)."""
        self._request("resume")

    def stop(self) -> None:
        """Ask to stop: ramp down, output off, status ``stopped``."""
        self._request("stop")

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
        failure = None
        for subscriber in self._subscribers:
            try:
                subscriber(name, document)
            except Exception as exc:  # a failing record must stop the session, whatever it raised
                logger.exception("subscriber %r failed on a %s document", subscriber, name)
                failure = f"recording failed: a subscriber refused the {name} document ({exc})"
        if failure is not None and name != "stop" and not self._failing:
            raise _FaultError(failure)

    def _event(self, kind: str, **detail: Any) -> None:
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
        self._t0 = self._clock.now()
        self._result.states.append((0.0, "idle"))
        try:
            identity = self._call(self._device.identify)
            self._identity = self._result.identity = identity
            self._switch_off()  # whatever a crashed host may have left on
        except DeviceError as exc:
            # nothing has started: no documents, but a failed result for the caller to report
            self._result.status, self._result.reason = "failed", f"communication lost: {exc}"
            self._result.fault_at_s = self._now()
            self.state = "failed"
            return self._result
        self._refuse_unsafe_device(identity)
        try:
            self._emit("start", self._start_document(identity))
            for text in self._plan.skipped:
                self._event("step_skipped", step=text, why="not a current step: the practitioner's")
            for segment in self._plan.segments:
                self._run_segment(segment)
                if self.state in _DONE:
                    break
            else:
                if self._pause_pending:
                    self._event(
                        "operator_ignored", action="pause", state=self.state, why="the plan is complete"
                    )
                self._finish("complete", "plan delivered: the dose was reached")
        except _FaultError as fault:
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
            self._stop_document()
        return self._result

    def _refuse_unsafe_device(self, identity: Identity) -> None:
        peak = self._plan.peak_current_mA
        if not peak <= identity.max_current_mA:
            raise SafetyError(
                f"refused: the plan's {peak:.3g} mA is above the device's maximum "
                f"{identity.max_current_mA:g} mA"
            )
        if not (0 < identity.tolerance_mA <= MAX_TOLERANCE_MA):
            raise SafetyError(
                f"refused: the device states no usable tolerance ({identity.tolerance_mA!r} mA; "
                f"the runner accepts up to {MAX_TOLERANCE_MA:g} mA)"
            )
        if not (identity.compliance_V > 0 and math.isfinite(identity.compliance_V)):
            raise SafetyError(
                f"refused: the device states no usable compliance ({identity.compliance_V!r} V)"
            )
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

    def _start_document(self, identity: Identity) -> dict[str, Any]:
        return {
            "uid": self._uid,
            **self._metadata,
            "plan": self._plan.to_json(),
            "device": identity.to_json(),
            "limits": {
                "current_mA_max": limits.MAX_CURRENT_MA,
                "current_density_mA_cm2_max": limits.MAX_CURRENT_DENSITY_MA_PER_CM2,
                "charge_dose_mA_min_max": limits.MAX_CHARGE_DOSE_MA_MIN,
                "ramp_s_min": limits.MIN_RAMP_S,
                "telemetry_period_s": self._period,
            },
        }

    # -- one current step ---------------------------------------------------------------------------

    def _run_segment(self, seg: Segment) -> None:
        self._event("step", index=seg.index, step=seg.step, planned_dose_mA_min=seg.planned_dose_mA_min)
        step_dose = 0.0
        ramp_rate = seg.current_mA / seg.ramp_s  # mA/s, the steepest this step may change
        level, after_down, paused_at, delivering_s, resumes = 0.0, "next", 0.0, 0.0, 0
        if self._pause_pending:  # paused during the last step's ramp down: hold before this one
            self._pause_pending = False
            self._enter("paused")
            baseline, paused_at = self._baseline, self._now()
        else:
            baseline = self._contact_check(seg)
        phase_start = self._now()
        first_tick, ticks = self._clock.now(), 0
        while True:
            ticks += 1
            self._clock.sleep_until(first_tick + ticks * self._period)  # no drift from adding up
            asked = self._now()
            tel = self._exchange_reading()
            now = self._now()
            if now - asked > 2 * self._period:
                self._cut_output()
                raise _FaultError(
                    f"communication lost: the reading took {now - asked:.3g} s, more than two "
                    f"periods ({2 * self._period:g} s)"
                )
            dt = now - (self._last_read_t if self._last_read_t is not None else now)
            self._last_read_t = now
            delivering = self.state in DELIVERING
            if delivering:
                delivering_s += dt
                step_dose += tel.current_mA * dt / 60.0
                self._dose += tel.current_mA * dt / 60.0
                if self._device_charge is not None:
                    self._device_charge += tel.current_mA * dt / 60.0
            reason = check_reading(
                tel,
                Expectation(
                    delivering=delivering,
                    set_mA=self._set,
                    peak_mA=seg.current_mA,
                    baseline_ohm=baseline,
                    step_dose=step_dose,
                    step_planned=seg.planned_dose_mA_min,
                    device_charge=self._device_charge,
                    session_dose=self._dose,
                ),
                identity=self._require_identity(),
            )
            allowed_s = (1 + _OVERTIME) * seg.duration_s + 2 * seg.ramp_s * resumes + 2 * self._period
            if reason is None and delivering_s > allowed_s:
                reason = (
                    f"dose: {step_dose:.4g} of {seg.planned_dose_mA_min:.4g} mA·min after "
                    f"{delivering_s:.4g} s of current, more than the {allowed_s:.4g} s the step may take"
                )
            if reason is not None:
                self._cut_output()  # before anything else: subscribers may be slow or raise
            self._reading(tel, seg)
            if reason is not None:
                raise _FaultError(reason)
            for action in self._take_requests():
                after_down, level, phase_start = self._operator(action, after_down, level, phase_start)
            if self.state in _DONE:
                return
            if self.state == "paused":
                if now - paused_at > self._max_pause_s:
                    self._event("pause_expired", paused_s=now - paused_at)
                    self._finish("stopped", f"paused longer than {self._max_pause_s:g} s without a resume")
                    return
                continue
            if self.state == "contact_check":  # resuming: a new contact check, then ramp up from zero
                baseline = self._contact_check(seg)
                phase_start, after_down, resumes = self._now(), "next", resumes + 1
                continue
            t = self._now()
            remaining = seg.planned_dose_mA_min - step_dose
            if self.state in ("ramp_up", "deliver") and remaining <= self._down_dose(self._set, ramp_rate):
                self._event(
                    "dose_reached", step_dose_mA_min=step_dose, planned_dose_mA_min=seg.planned_dose_mA_min
                )
                self._enter("ramp_down")
                level, phase_start = self._set, t
            if self.state == "ramp_up":
                target = min(seg.current_mA, ramp_rate * (t - phase_start))
                self._set_current(target)
                if target >= seg.current_mA:
                    self._enter("deliver")
            elif self.state == "ramp_down":
                target = level - ramp_rate * (t - phase_start + self._period)
                target = target if target > 1e-9 else 0.0
                self._set_current(target)
                if target <= 0.0:
                    self._output(False)
                    if after_down == "paused":
                        self._enter("paused")
                        paused_at = self._now()
                        continue
                    if after_down == "stopped":
                        self._finish("stopped", "stopped by the operator")
                    return

    def _down_dose(self, level: float, rate: float) -> float:
        """Charge (mA·min) a ramp down from ``level`` mA at ``rate`` mA/s delivers, tick by tick."""
        if level <= 0:
            return 0.0
        ticks = math.ceil(level / (rate * self._period) - 1e-9)
        total = sum(max(0.0, level - rate * self._period * j) for j in range(1, ticks + 1))
        return total * self._period / 60.0

    def _operator(
        self, action: str, after_down: str, level: float, phase_start: float
    ) -> tuple[str, float, float]:
        """Act on one operator request; return the ramp-down's end, level and start."""
        state = self.state
        self._event("operator", action=action, state=state)
        if action == "stop":
            if state in ("ramp_up", "deliver"):
                self._enter("ramp_down")
                return "stopped", self._set, self._now()
            if state == "ramp_down":
                return "stopped", level, phase_start
            self._finish("stopped", "stopped by the operator")
            return after_down, level, phase_start
        if action == "pause" and state in ("ramp_up", "deliver"):
            self._enter("ramp_down")
            return "paused", self._set, self._now()
        if action == "pause" and state == "ramp_down" and after_down == "next":
            self._pause_pending = True  # the step is ending: pause before the next one starts
            self._event("pause_pending", why="asked during the step's last ramp down")
            return after_down, level, phase_start
        if action == "resume" and state == "paused":
            self._enter("contact_check")
            return "next", level, phase_start
        self._event("operator_ignored", action=action, state=state)
        return after_down, level, phase_start

    def _contact_check(self, seg: Segment) -> float:
        self._enter("contact_check")
        contact = self._call(self._device.check_contact)
        self._event("contact", impedance_ohm=contact.impedance_ohm, step=seg.index)
        reason = check_contact(
            contact.impedance_ohm, peak_mA=seg.current_mA, identity=self._require_identity()
        )
        if reason is not None:
            raise _FaultError(reason)
        self._baseline = contact.impedance_ohm
        if self._last_read_t is None:
            self._last_read_t = self._now()
        if not self._output_on:
            self._start_output(seg)
            self._enter("ramp_up")
        return contact.impedance_ohm

    def _start_output(self, seg: Segment) -> None:
        self._call(lambda: self._device.configure(OutputConfig("galvanic", seg.polarity, 0.0)))
        self._device_charge = 0.0
        self._set = 0.0
        self._off_confirmed = False  # from the moment the command may reach the device
        self._call(lambda: self._device.output(True))
        self._output_on = True
        self._event("output_on", polarity=seg.polarity)

    # -- device calls ---------------------------------------------------------------------------------

    def _require_identity(self) -> Identity:
        assert self._identity is not None
        return self._identity

    def _call(self, call: Callable[[], _T]) -> _T:
        result = call()
        self._last_ack = self._now()
        return result

    def _exchange_reading(self) -> Telemetry:
        self._call(self._device.heartbeat)
        return self._call(self._device.read)

    def _set_current(self, current_mA: float) -> None:  # noqa: N803
        self._call(lambda: self._device.set_current(current_mA))
        self._set = current_mA

    def _output(self, on: bool) -> None:
        if on:
            self._off_confirmed = False
            self._call(lambda: self._device.output(True))
            self._output_on = True
            return
        self._switch_off()
        self._result.output_off_at_s = self._now()
        self._event("output_off", by="runner")

    def _switch_off(self) -> None:
        """Command the output off; on return the device has acknowledged it."""
        self._call(lambda: self._device.output(False))
        self._output_on = False
        self._off_confirmed = True

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

    def _reading(self, tel: Telemetry, seg: Segment) -> None:
        reading = {
            "time_s": self._now(),
            "current_mA": tel.current_mA,
            "voltage_V": tel.voltage_V,
            "impedance_ohm": tel.impedance_ohm,
            "charge_mA_min": self._dose,
            "set_current_mA": self._set,
            "state": self.state,
            "step": seg.index,
            "device_charge_mA_min": tel.charge_mA_min,
            "flags": list(tel.flags),
        }
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
        if error is None:
            self._event("output_off", by="runner after the fault", confirmed=True)
        else:
            wd = self._identity.watchdog_s if self._identity is not None else None
            if wd is not None:
                off_at = self._last_ack + wd
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
        self._result.charge_dose_mA_min = self._dose
        self._emit(
            "stop",
            {
                "status": self._result.status,
                "reason": self._result.reason,
                "time_s": self._now(),
                "charge_dose_mA_min": self._dose,
                "planned_dose_mA_min": self._plan.planned_dose_mA_min,
                "fault_at_s": self._result.fault_at_s,
                "output_off_at_s": self._result.output_off_at_s,
            },
        )
