"""The pulse interlocks: each reading of a pulse generator checked, the first trip naming the fault.

Like the galvanic interlocks (:mod:`dermaport.device.interlocks`) every check fails closed (a
missing, non-finite or unknown value trips it), the thresholds are module constants, and the
order is the order the checks run in, so the reason names the cause:

1. unreadable telemetry;
2. device reset (flag or output state), device watchdog;
3. the generator's own flags: ``arc`` (before ``over-current``, the trip an arc causes),
   ``over-current`` (its protection), ``misfire``;
4. impedance ceiling (open): the generator's ``open-circuit`` flag, a load at or above
   :data:`~dermaport.device.interlocks.OPEN_CIRCUIT_OHM`, or more than
   :data:`PULSE_IMPEDANCE_RISE_FACTOR` times the contact check's (or the intact skin's, when
   higher: a check made on skin still porated by the step before sees it recover);
5. impedance floor (an arc or a short): a load, between pulses or at a pulse's lowest, below
   :data:`ARC_FLOOR_SHARE` of the lowest load the model predicts for the step;
6. per-pulse current ceiling: the last pulse's peak above :data:`PULSE_CURRENT_MARGIN` times
   the model's peak, or above the generator's current limit; a pulse the generator had to
   limit (``current-limit``) trips too;
7. per-pulse charge and energy: above the margin over the model's, or the energy above the
   IEC 60601-2-10 300 mJ;
8. pulse count: more pulses than planned, or fewer than have come due (a pulse that did not
   fire), one telemetry period's grace;
9. train energy: the pulses' energy so far above the margin over the model's whole train;
10. temperature estimate: the model's peak rise scaled by the largest ratio of a delivered
    pulse's energy to the model's (Joule heat in the same regions grows with the energy put
    in) above :data:`~dermaport.safety.pulse_limits.MAX_TEMPERATURE_RISE_K`;
11. output state: on when it should be off, off while the train should run.

During a hold or a pause (:func:`check_pulse_idle`) the checks with the output off remain:
readable telemetry, reset, watchdog, no pulse fired, output off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from dermaport.device.interlocks import IMPEDANCE_MAX_OHM, OPEN_CIRCUIT_OHM
from dermaport.device.pulse_plan import PulseBounds
from dermaport.device.pulse_protocol import PulseIdentity
from dermaport.device.pulse_simulated import PulseTelemetry
from dermaport.safety.pulse_limits import IEC_MAX_PULSE_ENERGY_MJ, MAX_TEMPERATURE_RISE_K

__all__ = [
    "ARC_FLOOR_SHARE",
    "PULSE_CURRENT_MARGIN",
    "PULSE_IMPEDANCE_RISE_FACTOR",
    "PulseExpectation",
    "check_pulse_contact",
    "check_pulse_idle",
    "check_pulse_reading",
]

#: A load below this share of the model's lowest is an arc or a short (the porated skin is
#: already the lowest the model gives; an arc is a few ohms).
ARC_FLOOR_SHARE: Final = 0.5
#: A pulse's current, charge or energy may exceed the model's by this factor before it trips
#: (skin differs from the model's; a failed current limiter doubles them).
PULSE_CURRENT_MARGIN: Final = 1.5
#: Between pulses the load recovers towards the contact check's; more than this factor above
#: it is a lifting electrode.
PULSE_IMPEDANCE_RISE_FACTOR: Final = 3.0
_OUTPUT_STATES: Final = ("off", "on", "reset")


@dataclass(frozen=True)
class PulseExpectation:
    """What the runner expects at a reading of one pulse step.

    ``on``: the train should be running; ``baseline_ohm``: the contact check's load;
    ``pulses_before``: the generator's pulse count when this train started; ``planned``: the
    pulses of the train; ``due``: pulses that have come due since the output went on (one
    period's start each, a telemetry period's grace taken); ``energy_before_mJ``: the
    generator's energy total when the train started; ``last``: the reading before (``None``
    for the first of the train).
    """

    on: bool
    baseline_ohm: float
    bounds: PulseBounds
    pulses_before: int
    planned: int
    due: int
    energy_before_mJ: float  # noqa: N815 - unit in the name
    last: PulseTelemetry | None


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def check_pulse_contact(impedance_ohm: float | None, *, bounds: PulseBounds) -> str | None:
    """Why the contact check before a train fails (None when the load can take it)."""
    if impedance_ohm is None or not math.isfinite(impedance_ohm):
        return f"contact check: impedance unreadable ({impedance_ohm!r})"
    if impedance_ohm >= OPEN_CIRCUIT_OHM:
        return (
            f"contact lost: open circuit at the contact check ({impedance_ohm:.4g} Ω ≥ "
            f"{OPEN_CIRCUIT_OHM:.4g} Ω): electrode reject"
        )
    floor = ARC_FLOOR_SHARE * bounds.min_load_ohm
    if impedance_ohm < floor:
        return (
            f"impedance {impedance_ohm:.4g} Ω at the contact check is below {floor:.4g} Ω (half the "
            f"porated skin's lowest): the electrodes are shorted or arcing"
        )
    if impedance_ohm > IMPEDANCE_MAX_OHM:
        return f"impedance {impedance_ohm:.4g} Ω above {IMPEDANCE_MAX_OHM:.4g} Ω: contact too poor"
    return None


def _common(tel: PulseTelemetry) -> str | None:
    if not _finite(
        tel.time_s,
        tel.last_peak_current_mA,
        tel.last_charge_uC,
        tel.impedance_ohm,
        tel.charge_total_uC,
        tel.energy_total_mJ,
    ) or (tel.output not in _OUTPUT_STATES or tel.pulses_fired < 0):
        return f"telemetry unreadable: {tel!r}"
    flags = set(tel.flags)
    if "reset" in flags or tel.output == "reset":
        return "device reset: the generator rebooted, its output off and its pulse step lost"
    if "watchdog" in flags:
        return "device watchdog tripped: the generator heard no heartbeat in time and stopped"
    return None


def check_pulse_idle(tel: PulseTelemetry, *, pulses_before: int) -> str | None:
    """Why a reading with the output off (a hold, a pause) trips: the checks that matter then."""
    reason = _common(tel)
    if reason is not None:
        return reason
    if tel.output != "off":
        return f"output state: the generator reports {tel.output!r} while it should be off"
    if tel.pulses_fired > pulses_before:
        return f"pulse fired while the output should be off ({tel.pulses_fired - pulses_before} since)"
    return None


def check_pulse_reading(
    tel: PulseTelemetry, expect: PulseExpectation, *, identity: PulseIdentity
) -> str | None:
    """Why this reading of a running train trips a pulse interlock (None when it passes)."""
    reason = _common(tel)
    if reason is not None:
        return reason
    flags = set(tel.flags)
    b = expect.bounds
    if "arc" in flags:  # the cause before its consequence (an arc trips the protection too)
        return f"arc: the generator saw the load collapse ({tel.impedance_ohm:.3g} Ω)"
    if "over-current" in flags:
        return "over-current: the generator's protection tripped on a pulse and switched off"
    if "misfire" in flags:
        return "misfire: a pulse came due and did not fire"
    z = tel.impedance_ohm
    if "open-circuit" in flags or z >= OPEN_CIRCUIT_OHM:
        return f"contact lost: open circuit ({z:.4g} Ω): electrode reject"
    reference = max(expect.baseline_ohm, b.intact_load_ohm)  # skin porated at the check recovers
    if z > PULSE_IMPEDANCE_RISE_FACTOR * reference:
        return (
            f"impedance {z:.4g} Ω is more than {PULSE_IMPEDANCE_RISE_FACTOR:g}× {reference:.4g} Ω (the "
            "contact check's, or intact skin's if higher): the electrode is lifting"
        )
    floor = ARC_FLOOR_SHARE * b.min_load_ohm
    new = tel.pulses_fired - (expect.last.pulses_fired if expect.last is not None else expect.pulses_before)
    lowest = tel.last_load_min_ohm if new > 0 and tel.last_load_min_ohm is not None else z
    if min(z, lowest) < floor:
        return (
            f"arc or short: the load fell to {min(z, lowest):.4g} Ω, below {floor:.4g} Ω (half the "
            f"porated skin's lowest the model gives, {b.min_load_ohm:.4g} Ω)"
        )
    if new > 0:
        ceiling = min(PULSE_CURRENT_MARGIN * b.peak_current_mA, identity.max_current_mA)
        if tel.last_peak_current_mA > ceiling * (1 + 1e-9):
            return (
                f"pulse current {tel.last_peak_current_mA:.4g} mA is above the ceiling {ceiling:.4g} mA "
                f"({PULSE_CURRENT_MARGIN:g}× the model's {b.peak_current_mA:.4g} mA, at most the "
                f"generator's {identity.max_current_mA:g} mA)"
            )
        if "current-limit" in flags:
            return (
                "pulse current limited: the generator reached its current limit, so the pulse was "
                "not delivered as planned"
            )
        if tel.last_charge_uC > PULSE_CURRENT_MARGIN * b.pulse_charge_uC * (1 + 1e-9):
            return (
                f"pulse charge {tel.last_charge_uC:.4g} µC is above {PULSE_CURRENT_MARGIN:g}× the model's "
                f"{b.pulse_charge_uC:.4g} µC"
            )
        energy_before = expect.last.energy_total_mJ if expect.last is not None else expect.energy_before_mJ
        per_pulse = (tel.energy_total_mJ - energy_before) / new
        pulse_ceiling = min(PULSE_CURRENT_MARGIN * b.pulse_energy_mJ, IEC_MAX_PULSE_ENERGY_MJ)
        if per_pulse > pulse_ceiling * (1 + 1e-9):
            return f"pulse energy {per_pulse:.4g} mJ is above the ceiling {pulse_ceiling:.4g} mJ"
        rise = b.temperature_rise_K * max(
            1.0, per_pulse / b.pulse_energy_mJ if b.pulse_energy_mJ > 0 else math.inf
        )
        if rise > MAX_TEMPERATURE_RISE_K:
            return (
                f"temperature estimate: {rise:.3g} K of rise in the LTRs (the model's "
                f"{b.temperature_rise_K:.3g} K scaled by the pulse's energy) is above "
                f"{MAX_TEMPERATURE_RISE_K:g} K"
            )
    delivered = tel.pulses_fired - expect.pulses_before
    if delivered > expect.planned:
        return f"pulse count: {delivered} pulses delivered, more than the {expect.planned} planned"
    if delivered < min(expect.due, expect.planned):
        return f"misfire: {delivered} pulses fired of {expect.due} due"
    train = tel.energy_total_mJ - expect.energy_before_mJ
    if train > PULSE_CURRENT_MARGIN * b.train_energy_mJ * (1 + 1e-9):
        return (
            f"train energy {train:.4g} mJ is above {PULSE_CURRENT_MARGIN:g}× the model's "
            f"{b.train_energy_mJ:.4g} mJ"
        )
    if expect.on and tel.output != "on":
        return f"output state: the generator reports {tel.output!r} while the train should run"
    if not expect.on and tel.output != "off":
        return f"output state: the generator reports {tel.output!r} while it should be off"
    return None
