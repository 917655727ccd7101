"""Pulse steps in a session plan: the model's bounds for each, checked against the hard limits.

An electroporation step (:mod:`dermaport.protocol.pulses`) becomes a :class:`PulseSegment`
when a session plan is read (:func:`dermaport.device.session_plan.plan_from_steps`). Before any
output the barrier model (:class:`~dermaport.physics.electroporation.BarrierModel`, intact skin
at the start) runs the step's schedule once, and its figures become the step's bounds
(:class:`PulseBounds`): the lowest load between the electrodes, the peak current, the largest
charge and energy of one pulse, the train's energy and the peak temperature rise in the local
transport regions. The bounds go through
:func:`~dermaport.safety.pulse_limits.check_pulse_setting` (the IEC 60601-2-10 output limits and
dermaport's ceilings: module constants, nothing here can raise them), and the runner's pulse
interlocks (:mod:`dermaport.device.pulse_interlocks`) hold every pulse to them.

A later pulse step's bounds start from the barrier the steps before it leave (the model run on
from their end, no time between): the skin is then at its most porated, so its load is at its
lowest and its current at its highest; any time between (a hold, a contact check) lets it
recover, within the bounds. The heat is taken to have left by then (each step's rise starts at
zero).

The load counts the skin only (the model's porated stratum corneum, one crossing per electrode
pair, and the series part), not a device's leads: the lowest load gives the largest current,
charge and energy, so the bounds err on the high side for the limits and on the low side for
the floor that tells an arc.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from dermaport.errors import InputError
from dermaport.physics.electroporation import BarrierModel, BarrierState
from dermaport.protocol.pulses import Electroporation, ModulatedCarrier, PulseSchedule, PulseTrain
from dermaport.safety.pulse_limits import PulseSetting, check_pulse_setting, enforce_pulse

__all__ = [
    "PULSE_SOLUTION",
    "PulseBounds",
    "PulseSegment",
    "barrier_after",
    "pulse_bounds",
    "pulse_segment",
    "pulse_setting",
]

#: What goes under the electrodes of a pulse step when the plan names no product.
PULSE_SOLUTION = "the product (ampoule)"


@dataclass(frozen=True)
class PulseBounds:
    """What the model predicts for one pulse step on this electrode area (the worst pulse of it).

    ``min_load_ohm``: the lowest load during the pulses; ``intact_load_ohm``: the load before
    any pulse; ``peak_current_mA``; ``pulse_charge_uC`` and ``pulse_energy_mJ``: the largest of
    one period (all its phases); ``train_energy_mJ``: the whole step's; ``temperature_rise_K``:
    the peak rise in the LTRs.
    """

    min_load_ohm: float
    intact_load_ohm: float
    peak_current_mA: float  # noqa: N815 - unit in the name
    pulse_charge_uC: float  # noqa: N815
    pulse_energy_mJ: float  # noqa: N815
    train_energy_mJ: float  # noqa: N815
    temperature_rise_K: float  # noqa: N815

    def to_json(self) -> dict[str, float]:
        """The bounds as the start document's segment carries them."""
        return {k: round(v, 6) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class PulseSegment:
    """One pulse step as the runner delivers it: the step, its schedule, area, bounds.

    ``polarity`` is the product's electrode of a unipolar train (``None`` for a bipolar one);
    ``solution`` what goes under the electrodes. The galvanic figures (``current_mA``,
    ``ramp_s``, ``planned_dose_mA_min``) are zero: a pulse step has no set-point and no ramp.
    """

    index: int
    step: str
    schedule: PulseSchedule
    electrode_area_cm2: float
    bounds: PulseBounds
    polarity: Literal["anode", "cathode"] | None = None
    bipolar: bool = False
    solution: str = PULSE_SOLUTION
    kind: str = "electroporation"
    current_mA: float = 0.0  # noqa: N815
    ramp_s: float = 0.0

    @property
    def modality(self) -> str:
        """The controller that runs this step (:mod:`dermaport.device.controllers`)."""
        return "electroporation"

    @property
    def duration_s(self) -> float:
        """The train's length, s."""
        return self.schedule.duration_s

    @property
    def pulses(self) -> int:
        """Pulses (or carrier bursts) to deliver."""
        return self.schedule.periods

    @property
    def planned_dose_mA_min(self) -> float:  # noqa: N802
        """Galvanic charge planned: none."""
        return 0.0

    def needs_hold_after(self, previous: object) -> bool:
        """Whether the operator must confirm between ``previous`` and this step.

        A change of modality, electrode or product needs the skin wiped and the product changed.
        """
        return (getattr(previous, "modality", "galvanic"), getattr(previous, "polarity", None)) != (
            self.modality,
            self.polarity,
        ) or getattr(previous, "solution", None) != self.solution

    def describe(self) -> str:
        """The step as shown to the operator."""
        how = f"under the {self.polarity}" if self.polarity is not None else "bipolar"
        return f"electroporation {how}, {self.solution}"

    def to_json(self) -> dict[str, object]:
        """The segment as the start document carries it."""
        s = self.schedule
        return {
            "index": self.index,
            "step": self.step,
            "kind": self.kind,
            "modality": self.modality,
            "polarity": self.polarity,
            "solution": self.solution,
            "current_mA": 0.0,
            "duration_s": s.duration_s,
            "ramp_s": 0.0,
            "planned_dose_mA_min": 0.0,
            "voltage_V": s.voltage_v,
            "period_s": s.period_s,
            "on_time_per_period_s": s.on_time_per_period_s,
            "pulses": s.periods,
            "bipolar": self.bipolar,
            "bounds": self.bounds.to_json(),
        }


@functools.lru_cache(maxsize=64)
def _train(
    schedule: PulseSchedule, start: BarrierState | None = None
) -> tuple[tuple[float, float, float, float, float, float, float], BarrierState]:
    """The model's figures per m² for ``schedule``.

    Lowest and intact Ω·m², peak A/m², the largest period's C/m² and J/m², the train's J/m²,
    the peak rise K.
    """
    model = BarrierModel()
    result = model.run(schedule, state=start)
    circuit = model.circuit
    r_min = min((p.sc_resistance_min_ohm_m2 for p in result.pulses), default=result.intact_resistance_ohm_m2)
    figures = (
        circuit.crossings * r_min + circuit.series_ohm_m2(),
        circuit.crossings * result.intact_resistance_ohm_m2 + circuit.series_ohm_m2(),
        max(p.current_density_peak_a_per_m2 for p in result.pulses),
        max(p.charge_c_per_m2 for p in result.pulses),
        max(p.energy_j_per_m2 for p in result.pulses),
        sum(p.energy_j_per_m2 for p in result.pulses),
        result.peak_temperature_rise_k,
    )
    return figures, result.state


def pulse_bounds(
    schedule: PulseSchedule, electrode_area_cm2: float, *, start: BarrierState | None = None
) -> PulseBounds:
    """The model's bounds of ``schedule`` on an electrode of ``electrode_area_cm2``, from ``start``.

    ``start`` is the barrier the step begins on (intact by default).
    """
    area_m2 = electrode_area_cm2 * 1e-4
    (r_min, r_intact, j_peak, q, e, e_total, rise), _ = _train(schedule, start)
    return PulseBounds(
        min_load_ohm=r_min / area_m2,
        intact_load_ohm=r_intact / area_m2,
        peak_current_mA=1e3 * j_peak * area_m2,
        pulse_charge_uC=1e6 * q * area_m2,
        pulse_energy_mJ=1e3 * e * area_m2,
        train_energy_mJ=1e3 * e_total * area_m2,
        temperature_rise_K=rise,
    )


def pulse_setting(step: Electroporation, bounds: PulseBounds, area_cm2: float) -> PulseSetting:
    """``step`` as the hard limits check it, with the model's ``bounds`` over ``area_cm2`` (cm²)."""
    s = step.schedule()
    if isinstance(step, ModulatedCarrier):
        half = 0.5 / step.carrier.si
        return PulseSetting(
            voltage_v=s.voltage_v,
            width_s=half,
            frequency_hz=step.modulation.si,
            pulses=s.periods,
            bipolar=True,
            electrode_area_cm2=area_cm2,
            load_ohm=bounds.min_load_ohm,
            peak_temperature_rise_k=bounds.temperature_rise_K,
            duration_s=s.duration_s,
            phases_per_period=2 * step.cycles_per_burst,
            carrier_hz=step.carrier.si,
        )
    return PulseSetting(
        voltage_v=s.voltage_v,
        width_s=step.width.si,
        frequency_hz=step.frequency.si,
        pulses=s.periods,
        bipolar=step.bipolar,
        electrode_area_cm2=area_cm2,
        load_ohm=bounds.min_load_ohm,
        peak_temperature_rise_k=bounds.temperature_rise_K,
        duration_s=s.duration_s,
    )


def barrier_after(schedule: PulseSchedule, start: BarrierState | None = None) -> BarrierState:
    """The barrier the model leaves at the end of ``schedule`` begun on ``start``."""
    return _train(schedule, start)[1]


def pulse_segment(
    index: int,
    text: str,
    step: Electroporation,
    *,
    electrode_area_cm2: float,
    electrode: Literal["anode", "cathode"] | None,
    product: str | None,
    start: BarrierState | None = None,
) -> PulseSegment:
    """The segment of one pulse step; PulseLimitError (a SafetyError) when it breaks a hard limit.

    ``electrode`` is the product's electrode for a unipolar train that names none (the plan's,
    from the active's charge); a unipolar train with neither is refused (InputError): its
    pulses drive ions one way, so the side the product is on must be said. ``start`` is the
    barrier the steps before leave (:func:`barrier_after`; intact by default).
    """
    schedule = step.schedule()
    bipolar = isinstance(step, ModulatedCarrier) or (isinstance(step, PulseTrain) and step.bipolar)
    polarity: Literal["anode", "cathode"] | None = None
    if not bipolar:
        assert isinstance(step, PulseTrain)
        polarity = step.electrode or electrode
        if polarity is None:
            raise InputError(
                f"step {text!r} is a unipolar train: name the electrode the product is under, e.g. "
                f"'{text} anode' (or make it bipolar: 'electroporation bipolar …')"
            )
    bounds = pulse_bounds(schedule, electrode_area_cm2, start=start)
    enforce_pulse(check_pulse_setting(pulse_setting(step, bounds, electrode_area_cm2)))
    return PulseSegment(
        index=index,
        step=text,
        schedule=schedule,
        electrode_area_cm2=electrode_area_cm2,
        bounds=bounds,
        polarity=polarity,
        bipolar=bipolar,
        solution=product or PULSE_SOLUTION,
    )
