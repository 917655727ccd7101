"""The runner's interlocks: each reading is checked, and the first trip found names the fault.

Every check fails closed: a value that is missing, not finite, or not one the runner knows
trips it. The thresholds are module constants, not options. The order below is the order
the checks run in, so the reason names the cause rather than a consequence (an open
circuit also makes the current fall short of its set-point; it is reported as the open
circuit).

1. unreadable telemetry (missing or non-finite values);
2. device reset (flag, or output state ``reset``), device watchdog;
3. open circuit (the device's flag, or impedance ≥ :data:`OPEN_CIRCUIT_OHM`): electrode reject;
4. impedance band: below :data:`IMPEDANCE_MIN_OHM` (a short), above :data:`IMPEDANCE_MAX_OHM`,
   or more than :data:`IMPEDANCE_CHANGE_FACTOR` times above or below the contact check's value;
5. compliance: the device's flag, or the voltage the plan's peak current needs into this
   impedance above :data:`COMPLIANCE_MARGIN` of the compliance voltage available;
6. current: above the step's peak or the 4 mA hard limit by more than the tolerance, at any
   time; regulation: the device's flag, or measured current off the set-point by more than
   the tolerance (while delivering), or any current while nothing should flow. The tolerance
   is the device's, and the device must state one no larger than :data:`MAX_TOLERANCE_MA`;
7. output state: on when it should be off, or off when it should be on;
8. dose: the session over :data:`~dermaport.safety.limits.MAX_CHARGE_DOSE_MA_MIN` or a step
   past its planned dose, or the device's charge count and the runner's apart.

During a hold between steps (:func:`check_hold`) the operator lifts the electrodes to wipe the
skin and change the product, so the contact checks are left out; the checks that matter with
the output off remain (readable telemetry, reset, watchdog, no current, output off, the dose).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from dermaport.device.protocol import OUTPUT_STATES, Identity, Telemetry
from dermaport.safety.limits import MAX_CHARGE_DOSE_MA_MIN, MAX_CURRENT_MA

__all__ = [
    "COMPLIANCE_MARGIN",
    "IMPEDANCE_CHANGE_FACTOR",
    "IMPEDANCE_MAX_OHM",
    "IMPEDANCE_MIN_OHM",
    "MAX_TOLERANCE_MA",
    "MAX_WATCHDOG_S",
    "OPEN_CIRCUIT_OHM",
    "Expectation",
    "check_contact",
    "check_hold",
    "check_reading",
]

#: At or above this the circuit is open: electrode reject (ActivaDose II "REJ"; gbo Duodynator).
OPEN_CIRCUIT_OHM: Final = 100e3
#: Below this the electrodes are shorted (touching, or a wet bridge between them).
IMPEDANCE_MIN_OHM: Final = 100.0
#: Above this the contact is too poor to deliver through (Hidrex locks when conductance is out
#: of tolerance; dermaport refuses rather than lengthening the session as ActivaDose II does).
IMPEDANCE_MAX_OHM: Final = 50e3
#: A change by more than this factor from the contact check trips (gbo: sudden resistance
#: changes make the current spike).
IMPEDANCE_CHANGE_FACTOR: Final = 3.0
#: The largest regulation tolerance a device may state (2.5 % of the 4 mA ceiling); a device
#: stating more is refused, so no device can widen the current checks.
MAX_TOLERANCE_MA: Final = 0.1
#: The longest device watchdog accepted: a device that would keep current flowing longer than
#: this after losing its host is refused (a laboratory source with no watchdog at all states
#: none, and the runner says so in its start document).
MAX_WATCHDOG_S: Final = 1.0
#: The voltage the peak current needs must stay below this share of the compliance voltage.
COMPLIANCE_MARGIN: Final = 0.9
#: Allowed gap between the device's charge count and the runner's: 2 % plus 0.01 mA·min.
_COUNTER_REL: Final = 0.02
_COUNTER_ABS_MA_MIN: Final = 0.01
_FACTOR = f"{IMPEDANCE_CHANGE_FACTOR:g}×"


@dataclass(frozen=True)
class Expectation:
    """What the runner expects at a reading.

    ``delivering``: current should flow (ramp up, deliver, ramp down); ``set_mA``: the
    set-point that held since the last reading; ``peak_mA``: the step's peak; ``baseline_ohm``:
    the contact check's impedance; ``step_dose``/``step_planned``: mA·min; ``device_charge``:
    what the device's counter should read (mA·min since it was configured); ``session_dose``:
    mA·min so far.
    """

    delivering: bool
    set_mA: float  # noqa: N815
    peak_mA: float  # noqa: N815
    baseline_ohm: float
    step_dose: float
    step_planned: float
    device_charge: float | None
    session_dose: float


def check_contact(impedance_ohm: float | None, *, peak_mA: float, identity: Identity) -> str | None:  # noqa: N803
    """Why the contact check fails (None when the load can take the step's peak current)."""
    if impedance_ohm is None or not math.isfinite(impedance_ohm):
        return f"contact check: impedance unreadable ({impedance_ohm!r})"
    if impedance_ohm >= OPEN_CIRCUIT_OHM:
        return (
            f"contact lost: open circuit at the contact check ({impedance_ohm:.4g} Ω ≥ "
            f"{OPEN_CIRCUIT_OHM:.4g} Ω): electrode reject"
        )
    if impedance_ohm < IMPEDANCE_MIN_OHM:
        return f"impedance {impedance_ohm:.4g} Ω below {IMPEDANCE_MIN_OHM:g} Ω: the electrodes are shorted"
    if impedance_ohm > IMPEDANCE_MAX_OHM:
        return f"impedance {impedance_ohm:.4g} Ω above {IMPEDANCE_MAX_OHM:.4g} Ω: contact too poor"
    return _compliance_need(impedance_ohm, peak_mA, identity.compliance_V)


def _compliance_need(impedance_ohm: float, peak_mA: float, compliance_V: float) -> str | None:  # noqa: N803
    need = impedance_ohm * peak_mA * 1e-3
    if not need <= COMPLIANCE_MARGIN * compliance_V:
        return (
            f"compliance: {peak_mA:.3g} mA into {impedance_ohm:.4g} Ω needs {need:.3g} V, above "
            f"{COMPLIANCE_MARGIN:.0%} of the {compliance_V:.3g} V the device can drive"
        )
    return None


def _finite(*values: float | None) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def check_reading(tel: Telemetry, expect: Expectation, *, identity: Identity) -> str | None:
    """Why this reading trips an interlock (None when it passes every check)."""
    compliance_V = tel.compliance_V if tel.compliance_V is not None else identity.compliance_V  # noqa: N806
    if not _finite(tel.current_mA, tel.voltage_V, tel.charge_mA_min, compliance_V) or (
        tel.output not in OUTPUT_STATES
    ):
        return f"telemetry unreadable: {tel!r}"
    flags = set(tel.flags)
    if "reset" in flags or tel.output == "reset":
        return "device reset: it rebooted, its output off and its set-point and charge count lost"
    if "watchdog" in flags:
        return "device watchdog tripped: the device heard no heartbeat in time and switched off"
    z = tel.impedance_ohm
    if "open-circuit" in flags or (z is not None and math.isfinite(z) and z >= OPEN_CIRCUIT_OHM):
        shown = f"{z:.4g} Ω" if z is not None else "no impedance"
        return f"contact lost: open circuit ({shown}): electrode reject"
    if z is None or not math.isfinite(z):
        return f"impedance unreadable ({z!r})"
    if z < IMPEDANCE_MIN_OHM:
        return f"impedance fell to {z:.4g} Ω, below {IMPEDANCE_MIN_OHM:g} Ω: the electrodes are shorted"
    if z > IMPEDANCE_MAX_OHM:
        return f"impedance rose to {z:.4g} Ω, above {IMPEDANCE_MAX_OHM:.4g} Ω"
    if z > IMPEDANCE_CHANGE_FACTOR * expect.baseline_ohm:
        return f"impedance rose from {expect.baseline_ohm:.4g} Ω to {z:.4g} Ω (over {_FACTOR})"
    if z < expect.baseline_ohm / IMPEDANCE_CHANGE_FACTOR:
        return f"impedance fell from {expect.baseline_ohm:.4g} Ω to {z:.4g} Ω (over {_FACTOR})"
    if "compliance" in flags:
        return f"compliance: the device reports its compliance limit ({compliance_V:.3g} V) reached"
    need = _compliance_need(z, expect.peak_mA, compliance_V)
    if need is not None:
        return need
    if expect.delivering and tel.voltage_V >= COMPLIANCE_MARGIN * compliance_V:
        return f"compliance: {tel.voltage_V:.3g} V at the output, the device can drive {compliance_V:.3g} V"
    tolerance = min(identity.tolerance_mA, MAX_TOLERANCE_MA)
    ceiling = min(expect.peak_mA, MAX_CURRENT_MA)
    if abs(tel.current_mA) > ceiling + tolerance:
        return (
            f"current: {tel.current_mA:.4g} mA is above the step's {ceiling:.4g} mA "
            f"(tolerance ±{tolerance:g} mA)"
        )
    if "regulation" in flags:
        return "regulation fault: the device reports its current off the set-point"
    if expect.delivering and abs(tel.current_mA - expect.set_mA) > tolerance:
        return (
            f"regulation: measured {tel.current_mA:.4g} mA against the set-point {expect.set_mA:.4g} mA "
            f"(tolerance ±{tolerance:g} mA)"
        )
    if not expect.delivering and abs(tel.current_mA) > tolerance:
        return (
            f"regulation: {tel.current_mA:.4g} mA flows while no current should (tolerance ±{tolerance:g} mA)"
        )
    unknown = flags - {"reset", "watchdog", "open-circuit", "compliance", "regulation"}
    if unknown:
        return f"device fault: it reports {', '.join(sorted(unknown))}"
    if expect.delivering and tel.output != "on":
        return f"output {tel.output} while delivering: the device switched off on its own"
    if not expect.delivering and tel.output == "on":
        return "output on while no current should flow"
    return _check_dose(tel, expect)


def check_hold(tel: Telemetry, expect: Expectation, *, identity: Identity) -> str | None:
    """Why a reading during a hold between steps trips (the output is off; contact may be open)."""
    if not _finite(tel.current_mA, tel.voltage_V, tel.charge_mA_min) or tel.output not in OUTPUT_STATES:
        return f"telemetry unreadable: {tel!r}"
    flags = set(tel.flags)
    if "reset" in flags or tel.output == "reset":
        return "device reset: it rebooted, its output off and its set-point and charge count lost"
    if "watchdog" in flags:
        return "device watchdog tripped: the device heard no heartbeat in time and switched off"
    tolerance = min(identity.tolerance_mA, MAX_TOLERANCE_MA)
    if abs(tel.current_mA) > tolerance:
        return (
            f"regulation: {tel.current_mA:.4g} mA flows while no current should (tolerance ±{tolerance:g} mA)"
        )
    if tel.output == "on":
        return "output on while no current should flow"
    return _check_dose(tel, expect)


def _check_dose(tel: Telemetry, expect: Expectation) -> str | None:
    if not expect.session_dose <= MAX_CHARGE_DOSE_MA_MIN:
        return (
            f"dose: {expect.session_dose:.4g} mA·min breaks the hard limit {MAX_CHARGE_DOSE_MA_MIN:g} mA·min"
        )
    margin = max(0.01 * expect.step_planned, _COUNTER_ABS_MA_MIN)
    if not expect.step_dose <= expect.step_planned + margin:
        return f"dose: {expect.step_dose:.4g} mA·min past the step's planned {expect.step_planned:.4g} mA·min"
    if expect.device_charge is not None:
        gap = abs(tel.charge_mA_min - expect.device_charge)
        if not gap <= _COUNTER_REL * expect.device_charge + _COUNTER_ABS_MA_MIN:
            return (
                f"dose counters disagree: the device counts {tel.charge_mA_min:.4g} mA·min, "
                f"the runner {expect.device_charge:.4g} mA·min"
            )
    return None
