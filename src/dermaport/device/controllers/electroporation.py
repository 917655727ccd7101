"""The electroporation controller: pulse trains a pulse generator fires, held to the model's bounds.

Within a step (``contact_check → deliver``): a contact check against the step's bounds
(:func:`~dermaport.device.pulse_interlocks.check_pulse_contact`), then the generator is
configured with the train and switched on; it fires the pulses itself, one period apart from
the moment it was switched on. Every tick the runner reads it and holds the reading to the
pulse interlocks (:func:`~dermaport.device.pulse_interlocks.check_pulse_reading`): a trip
switches the output off at once and ends the session ``failed``; nothing resumes it. The step
ends, output off, once the planned pulses have fired and the last has ended.

There are no ramps: a stop or a pause switches the output off at once. A resume (after a new
contact check) configures a train of the pulses left. The pulses delivered, their charge and
their energy go into every reading and the stop document.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from dermaport.device.controllers.base import DONE, Controller, InterlockTripError
from dermaport.device.protocol import Device
from dermaport.device.pulse_interlocks import (
    PulseExpectation,
    check_pulse_contact,
    check_pulse_idle,
    check_pulse_reading,
)
from dermaport.device.pulse_plan import PulseSegment
from dermaport.device.pulse_protocol import PulseDevice, PulseIdentity
from dermaport.device.pulse_simulated import PulseConfig, PulseTelemetry
from dermaport.errors import SafetyError
from dermaport.safety import pulse_limits

__all__ = ["ElectroporationController"]


@dataclasses.dataclass
class _Train:
    """One configured train (a step, or what is left of it after a pause)."""

    planned: int
    on_at: float
    pulses_before: int
    energy_before_mJ: float  # noqa: N815
    charge_before_uC: float  # noqa: N815


class ElectroporationController(Controller):
    """Pulse steps on a :class:`~dermaport.device.pulse_protocol.PulseDevice`."""

    modality = "electroporation"

    def __init__(self, core: Any) -> None:
        super().__init__(core)
        self.pulses_delivered = 0
        self.charge_uC = 0.0
        self.energy_mJ = 0.0
        self._fired_seen = 0  # the generator's count at the last reading
        self._banked_charge = 0.0  # µC and mJ of the trains closed so far
        self._banked_energy = 0.0
        self._last: PulseTelemetry | None = None

    @classmethod
    def accepts(cls, device: object) -> bool:
        """A pulse generator (a galvanic current source, which takes a set-point, is not one)."""
        return isinstance(device, PulseDevice) and not isinstance(device, Device)

    @property
    def _device(self) -> PulseDevice:
        device: PulseDevice = self.core.device
        return device

    def check_device(self, identity: Any, segments: tuple[Any, ...]) -> None:
        """Refuse a generator whose voltage or current limit is below a step's."""
        if not isinstance(identity, PulseIdentity):
            raise SafetyError(f"refused: the device {identity.serial!r} is not a pulse generator")
        for seg in segments:
            v = seg.schedule.voltage_v
            if not v <= identity.max_voltage_V:
                raise SafetyError(
                    f"refused: step {seg.step!r} needs {v:g} V, above the generator's "
                    f"{identity.max_voltage_V:g} V"
                )
            peak = seg.bounds.peak_current_mA
            if not peak <= identity.max_current_mA:
                raise SafetyError(
                    f"refused: step {seg.step!r} would draw {peak:.4g} mA through the porated skin, "
                    f"above the generator's current limit {identity.max_current_mA:g} mA: use a smaller "
                    "electrode"
                )

    def limits(self) -> dict[str, Any]:
        """The pulse hard limits (:mod:`dermaport.safety.pulse_limits`)."""
        return {
            "pulse_voltage_V_max": pulse_limits.MAX_PULSE_VOLTAGE_V,
            "pulse_width_s_max": pulse_limits.MAX_PULSE_WIDTH_S,
            "pulses_max": pulse_limits.MAX_PULSES,
            "exposure_dose_V_s_max": pulse_limits.MAX_EXPOSURE_DOSE_V_S,
            "pulse_energy_mJ_max": pulse_limits.IEC_MAX_PULSE_ENERGY_MJ,
            "temperature_rise_K_max": pulse_limits.MAX_TEMPERATURE_RISE_K,
        }

    def summary(self) -> dict[str, Any]:
        """The pulses delivered in the session, their charge (µC, both signs) and energy (mJ)."""
        return {
            "pulses_delivered": self.pulses_delivered,
            "pulse_charge_uC": self.charge_uC,
            "pulse_energy_mJ": self.energy_mJ,
        }

    # -- one step ------------------------------------------------------------------------------

    def run_segment(self, segment: Any) -> None:
        """Contact check, the train, output off at its end (stop and pause at once)."""
        seg: PulseSegment = segment
        core = self.core
        s = seg.schedule
        core.event(
            "step",
            index=seg.index,
            step=seg.step,
            kind=seg.kind,
            polarity=seg.polarity,
            solution=seg.solution,
            planned_dose_mA_min=0.0,
            pulses=s.periods,
            voltage_V=s.voltage_v,
        )
        step_delivered = 0
        paused_at = 0.0
        train: _Train | None = None
        baseline = core.baseline_ohm
        if core.pause_pending:
            core.pause_pending = False
            core.enter("paused")
            paused_at = core.now()
        else:
            train, baseline = self._start(seg, s.periods)
        first_tick, ticks = core.clock_now(), 0
        period = core.period_s
        while True:
            ticks += 1
            tel, now, _ = core.tick(first_tick + ticks * period)
            if core.state == "deliver" and train is not None:
                elapsed = now - train.on_at
                grace = elapsed - period
                due = 0 if grace < 0 else min(train.planned, math.floor(grace / s.period_s + 1e-9) + 1)
                reason = check_pulse_reading(
                    tel,
                    PulseExpectation(
                        on=True,
                        baseline_ohm=baseline,
                        bounds=seg.bounds,
                        pulses_before=train.pulses_before,
                        planned=train.planned,
                        due=due,
                        energy_before_mJ=train.energy_before_mJ,
                        last=self._last if self._fired_seen >= train.pulses_before and self._last else None,
                    ),
                    identity=core.identity,
                )
                length = (train.planned - 1) * s.period_s + s.on_time_per_period_s
                if reason is None and elapsed > length + 2 * period + s.period_s:
                    reason = f"pulse train overran: {elapsed:.4g} s for a train of {length:.4g} s"
            else:
                reason = check_pulse_idle(tel, pulses_before=self._fired_seen)
            new = max(0, tel.pulses_fired - self._fired_seen)
            if train is not None:
                done_now = tel.pulses_fired - train.pulses_before
                step_delivered = (s.periods - train.planned) + done_now
                self.pulses_delivered += new
                self.charge_uC = self._charge_total(tel, train)
                self.energy_mJ = self._energy_total(tel, train)
            self._fired_seen, self._last = tel.pulses_fired, tel
            core.publish(self._reading(tel, seg, new, step_delivered), reason)
            for action in core.take_requests():
                self._operator(action)
                if core.state == "paused" and train is not None:
                    # a pulse may have fired between the reading and the output going off: count it
                    after = core.call(self._device.read)
                    self.pulses_delivered += max(0, after.pulses_fired - self._fired_seen)
                    step_delivered = (s.periods - train.planned) + after.pulses_fired - train.pulses_before
                    self._fired_seen, self._last = after.pulses_fired, after
                    self._close_train(train, after)
                    train, paused_at = None, core.now()
            if core.state in DONE:
                return
            if core.state == "paused":
                if now - paused_at > core.max_pause_s:
                    core.event("pause_expired", paused_s=now - paused_at)
                    core.finish("stopped", f"paused longer than {core.max_pause_s:g} s without a resume")
                    return
                continue
            if core.state == "contact_check":  # resuming: a new check, then the pulses left
                if step_delivered >= s.periods:  # paused after the last pulse: nothing is left
                    core.event("pulses_delivered", step=seg.index, pulses=step_delivered, planned=s.periods)
                    return
                train, baseline = self._start(seg, s.periods - step_delivered)
                first_tick, ticks = core.clock_now(), 0
                continue
            if train is not None and tel.pulses_fired - train.pulses_before >= train.planned:
                end = train.on_at + (train.planned - 1) * s.period_s + s.on_time_per_period_s
                if now >= end:
                    core.switch_off()
                    self._close_train(train, tel)
                    core.event("pulses_delivered", step=seg.index, pulses=step_delivered, planned=s.periods)
                    return

    def _close_train(self, train: _Train, tel: PulseTelemetry) -> None:
        """Bank a train's totals (the generator's counters run on across trains)."""
        self._banked_charge = self._charge_total(tel, train)
        self._banked_energy = self._energy_total(tel, train)

    def _charge_total(self, tel: PulseTelemetry, train: _Train) -> float:
        return self._banked_charge + tel.charge_total_uC - train.charge_before_uC

    def _energy_total(self, tel: PulseTelemetry, train: _Train) -> float:
        return self._banked_energy + tel.energy_total_mJ - train.energy_before_mJ

    def _operator(self, action: str) -> None:
        core = self.core
        state = core.state
        core.event("operator", action=action, state=state)
        if action == "stop":
            if core.output_is_on:
                core.switch_off()
            core.finish("stopped", core.stop_reason or "stopped by the operator")
        elif action == "pause" and state == "deliver":
            core.switch_off()
            core.enter("paused")
        elif action == "resume" and state == "paused":
            core.enter("contact_check")
        else:
            core.event("operator_ignored", action=action, state=state)

    def _start(self, seg: PulseSegment, pulses: int) -> tuple[_Train, float]:
        """Configure a train of ``pulses`` (output off), check the contact, switch it on.

        The generator measures the load through the configured electrode area, so the
        configuration comes first; nothing fires before the output goes on.
        """
        core = self.core
        core.enter("contact_check")
        core.before_output()
        schedule = dataclasses.replace(seg.schedule, periods=pulses)
        core.call(lambda: self._device.configure(PulseConfig(schedule, seg.electrode_area_cm2, seg.polarity)))
        contact = core.call(self._device.check_contact)
        core.event("contact", impedance_ohm=contact.impedance_ohm, step=seg.index)
        reason = check_pulse_contact(contact.impedance_ohm, bounds=seg.bounds)
        if reason is not None:
            raise InterlockTripError(reason)
        core.baseline_ohm = contact.impedance_ohm
        core.mark_read()
        before = core.call(self._device.read)
        reason = check_pulse_idle(before, pulses_before=before.pulses_fired)
        if reason is not None:
            raise InterlockTripError(reason)
        core.switch_on()
        train = _Train(
            pulses, core.now(), before.pulses_fired, before.energy_total_mJ, before.charge_total_uC
        )
        self._fired_seen, self._last = before.pulses_fired, before
        core.event("output_on", polarity=seg.polarity, solution=seg.solution, pulses=pulses)
        core.enter("deliver")
        return train, contact.impedance_ohm

    def _reading(
        self, tel: PulseTelemetry, seg: PulseSegment, new: int, step_delivered: int
    ) -> dict[str, Any]:
        fired = new > 0
        return {
            "time_s": self.core.now(),
            "current_mA": tel.last_peak_current_mA if fired else 0.0,
            "voltage_V": seg.schedule.voltage_v if fired else 0.0,
            "impedance_ohm": tel.impedance_ohm,
            "charge_mA_min": self.core.charge_mA_min,
            "state": self.core.state,
            "step": seg.index,
            "flags": list(tel.flags),
            "pulses_delivered": self.pulses_delivered,
            "step_pulses_delivered": step_delivered,
            "pulse_peak_current_mA": tel.last_peak_current_mA,
            "pulse_charge_uC": tel.last_charge_uC,
            "pulse_load_min_ohm": tel.last_load_min_ohm,
            "pulse_energy_total_mJ": self.energy_mJ,
        }

    # -- between steps ---------------------------------------------------------------------------

    def idle_reading(self, tel: Any, segment: Any) -> tuple[dict[str, Any], str | None]:
        """A reading during a hold after ``segment``: output off, no pulse fired."""
        reason = check_pulse_idle(tel, pulses_before=self._fired_seen)
        return self._reading(tel, segment, 0, segment.pulses), reason
