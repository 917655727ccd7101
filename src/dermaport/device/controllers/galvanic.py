"""The galvanic controller: direct current through a current source, ramped, counted, stopped at the dose.

Within a step (``contact_check → ramp_up → deliver → ramp_down``): a contact check, then the
set-point ramps up at the step's rate, holds, and ramps down when the step's dose plus the
ramp-down's will reach the planned dose, so the session stops itself at the dose. The dose is
integrated from the readings. Pause: ramp down, output off, ``paused`` until a resume (a new
contact check, then ramp up from zero) or :attr:`~Core.max_pause_s`. Every reading goes
through :func:`dermaport.device.interlocks.check_reading`; a step whose time with current
exceeds its planned duration by :data:`OVERTIME` (plus two ramps for each pause it resumed
from) fails.
"""

from __future__ import annotations

import math
from typing import Any, Final

from dermaport.device import interlocks
from dermaport.device.controllers.base import DELIVERING, DONE, Controller, InterlockTripError
from dermaport.device.interlocks import Expectation, check_contact, check_hold, check_reading
from dermaport.device.protocol import Device, Identity, OutputConfig, Telemetry
from dermaport.device.session_plan import Segment
from dermaport.errors import SafetyError
from dermaport.safety import limits

__all__ = ["OVERTIME", "GalvanicController"]

#: A step whose time in the delivering states exceeds its planned duration by this share (plus
#: two ramps for each pause it resumed from) fails.
OVERTIME: Final = 0.2


class GalvanicController(Controller):
    """Galvanic current steps (iontophoresis, desincrustation) on a current source (``Device``)."""

    modality = "galvanic"

    def __init__(self, core: Any) -> None:
        super().__init__(core)
        self._set = 0.0
        self._device_charge: float | None = None

    @classmethod
    def accepts(cls, device: object) -> bool:
        """A galvanic current source (it takes a set-point)."""
        return isinstance(device, Device)

    @property
    def _device(self) -> Device:
        device: Device = self.core.device
        return device

    @property
    def _identity(self) -> Identity:
        identity: Identity = self.core.identity
        return identity

    def check_device(self, identity: Any, segments: tuple[Any, ...]) -> None:
        """Refuse a device whose ceilings, tolerance, compliance or watchdog cannot serve the steps."""
        if not isinstance(identity, Identity):
            raise SafetyError(f"refused: the device {identity.serial!r} is not a galvanic current source")
        peak = max((s.current_mA for s in segments), default=0.0)
        if not peak <= identity.max_current_mA:
            raise SafetyError(
                f"refused: the plan's {peak:.3g} mA is above the device's maximum "
                f"{identity.max_current_mA:g} mA"
            )
        if not (0 < identity.tolerance_mA <= interlocks.MAX_TOLERANCE_MA):
            raise SafetyError(
                f"refused: the device states no usable tolerance ({identity.tolerance_mA!r} mA; "
                f"the runner accepts up to {interlocks.MAX_TOLERANCE_MA:g} mA)"
            )
        if not (identity.compliance_V > 0 and math.isfinite(identity.compliance_V)):
            raise SafetyError(
                f"refused: the device states no usable compliance ({identity.compliance_V!r} V)"
            )

    def limits(self) -> dict[str, Any]:
        """The galvanic hard limits."""
        return {
            "current_mA_max": limits.MAX_CURRENT_MA,
            "current_density_mA_cm2_max": limits.MAX_CURRENT_DENSITY_MA_PER_CM2,
            "charge_dose_mA_min_max": limits.MAX_CHARGE_DOSE_MA_MIN,
            "ramp_s_min": limits.MIN_RAMP_S,
        }

    # -- one step ------------------------------------------------------------------------------

    def run_segment(self, segment: Any) -> None:
        """Contact check, ramp up, deliver, ramp down (pause and stop on request)."""
        seg: Segment = segment
        core = self.core
        core.event(
            "step",
            index=seg.index,
            step=seg.step,
            kind=seg.kind,
            polarity=seg.polarity,
            solution=seg.solution,
            planned_dose_mA_min=seg.planned_dose_mA_min,
        )
        step_dose = 0.0
        ramp_rate = seg.current_mA / seg.ramp_s  # mA/s, the steepest this step may change
        level, after_down, paused_at, delivering_s, resumes = 0.0, "next", 0.0, 0.0, 0
        if core.pause_pending:  # paused during the last step's ramp down: hold before this one
            core.pause_pending = False
            core.enter("paused")
            baseline, paused_at = core.baseline_ohm, core.now()
        else:
            baseline = self._contact_check(seg)
        phase_start = core.now()
        first_tick, ticks = core.clock_now(), 0
        period = core.period_s
        while True:
            ticks += 1
            tel, now, dt = core.tick(first_tick + ticks * period)  # no drift from adding up
            delivering = core.state in DELIVERING
            if delivering:
                delivering_s += dt
                step_dose += tel.current_mA * dt / 60.0
                core.charge_mA_min += tel.current_mA * dt / 60.0
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
                    session_dose=core.charge_mA_min,
                ),
                identity=self._identity,
            )
            allowed_s = (1 + OVERTIME) * seg.duration_s + 2 * seg.ramp_s * resumes + 2 * period
            if reason is None and delivering_s > allowed_s:
                reason = (
                    f"dose: {step_dose:.4g} of {seg.planned_dose_mA_min:.4g} mA·min after "
                    f"{delivering_s:.4g} s of current, more than the {allowed_s:.4g} s the step may take"
                )
            core.publish(self._reading(tel, seg), reason)
            for action in core.take_requests():
                after_down, level, phase_start = self._operator(action, after_down, level, phase_start)
            if core.state in DONE:
                return
            if core.state == "paused":
                if now - paused_at > core.max_pause_s:
                    core.event("pause_expired", paused_s=now - paused_at)
                    core.finish("stopped", f"paused longer than {core.max_pause_s:g} s without a resume")
                    return
                continue
            if core.state == "contact_check":  # resuming: a new contact check, then ramp up from zero
                baseline = self._contact_check(seg)
                phase_start, after_down, resumes = core.now(), "next", resumes + 1
                first_tick, ticks = core.clock_now(), 0  # the check took its time: a new schedule
                continue
            t = core.now()
            remaining = seg.planned_dose_mA_min - step_dose
            if core.state in ("ramp_up", "deliver") and remaining <= self._down_dose(self._set, ramp_rate):
                core.event(
                    "dose_reached", step_dose_mA_min=step_dose, planned_dose_mA_min=seg.planned_dose_mA_min
                )
                core.enter("ramp_down")
                level, phase_start = self._set, t
            if core.state == "ramp_up":
                target = min(seg.current_mA, ramp_rate * (t - phase_start))
                self._set_current(target)
                if target >= seg.current_mA:
                    core.enter("deliver")
            elif core.state == "ramp_down":
                target = level - ramp_rate * (t - phase_start + period)
                target = target if target > 1e-9 else 0.0
                self._set_current(target)
                if target <= 0.0:
                    core.switch_off()
                    if after_down == "paused":
                        core.enter("paused")
                        paused_at = core.now()
                        continue
                    if after_down == "stopped":
                        core.finish("stopped", core.stop_reason or "stopped by the operator")
                    return

    def _down_dose(self, level: float, rate: float) -> float:
        """Charge (mA·min) a ramp down from ``level`` mA at ``rate`` mA/s delivers, tick by tick."""
        if level <= 0:
            return 0.0
        period = self.core.period_s
        ticks = math.ceil(level / (rate * period) - 1e-9)
        total = sum(max(0.0, level - rate * period * j) for j in range(1, ticks + 1))
        return total * period / 60.0

    def _operator(
        self, action: str, after_down: str, level: float, phase_start: float
    ) -> tuple[str, float, float]:
        """Act on one operator request; return the ramp-down's end, level and start."""
        core = self.core
        state = core.state
        core.event("operator", action=action, state=state)
        if action == "stop":
            if state in ("ramp_up", "deliver"):
                core.enter("ramp_down")
                return "stopped", self._set, core.now()
            if state == "ramp_down":
                return "stopped", level, phase_start
            core.finish("stopped", core.stop_reason or "stopped by the operator")
            return after_down, level, phase_start
        if action == "pause" and state in ("ramp_up", "deliver"):
            core.enter("ramp_down")
            return "paused", self._set, core.now()
        if action == "pause" and state == "ramp_down" and after_down == "next":
            core.pause_pending = True  # the step is ending: pause before the next one starts
            core.event("pause_pending", why="asked during the step's last ramp down")
            return after_down, level, phase_start
        if action == "resume" and state == "paused":
            core.enter("contact_check")
            return "next", level, phase_start
        core.event("operator_ignored", action=action, state=state)
        return after_down, level, phase_start

    def _contact_check(self, seg: Segment) -> float:
        core = self.core
        core.enter("contact_check")
        contact = core.call(self._device.check_contact)
        core.event("contact", impedance_ohm=contact.impedance_ohm, step=seg.index)
        reason = check_contact(contact.impedance_ohm, peak_mA=seg.current_mA, identity=self._identity)
        if reason is not None:
            raise InterlockTripError(reason)
        core.baseline_ohm = contact.impedance_ohm
        core.mark_read()
        if not core.output_is_on:
            self._start_output(seg)
            core.enter("ramp_up")
        return contact.impedance_ohm

    def _start_output(self, seg: Segment) -> None:
        core = self.core
        core.before_output()  # never switch on while the record is failing
        core.call(lambda: self._device.configure(OutputConfig("galvanic", seg.polarity, 0.0)))
        self._device_charge = 0.0
        self._set = 0.0
        core.switch_on()
        core.event("output_on", polarity=seg.polarity, solution=seg.solution)

    def _set_current(self, current_mA: float) -> None:  # noqa: N803
        self.core.call(lambda: self._device.set_current(current_mA))
        self._set = current_mA

    def _reading(self, tel: Telemetry, seg: Segment) -> dict[str, Any]:
        return {
            "time_s": self.core.now(),
            "current_mA": tel.current_mA,
            "voltage_V": tel.voltage_V,
            "impedance_ohm": tel.impedance_ohm,
            "charge_mA_min": self.core.charge_mA_min,
            "set_current_mA": self._set,
            "state": self.core.state,
            "step": seg.index,
            "device_charge_mA_min": tel.charge_mA_min,
            "flags": list(tel.flags),
        }

    # -- between steps ---------------------------------------------------------------------------

    def idle_reading(self, tel: Any, segment: Any) -> tuple[dict[str, Any], str | None]:
        """A reading during a hold after ``segment``: the checks that matter with the output off."""
        seg: Segment = segment
        reason = check_hold(
            tel,
            Expectation(
                delivering=False,
                set_mA=0.0,
                peak_mA=seg.current_mA,
                baseline_ohm=self.core.baseline_ohm,
                step_dose=0.0,
                step_planned=0.0,
                device_charge=self._device_charge,
                session_dose=self.core.charge_mA_min,
            ),
            identity=self._identity,
        )
        return self._reading(tel, seg), reason
