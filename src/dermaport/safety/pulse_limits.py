"""Hard limits for high-voltage pulse steps: module constants no option or file can raise.

Three kinds, each with its source (:data:`PULSE_LIMIT_SOURCES`):

- the standard for nerve and muscle stimulators, IEC 60601-2-10: at most 500 V peak open
  circuit and 300 mJ per pulse into a 500 Ω load (clause 51.104 of the IEC 601-2-10 edition
  quoted by Biopac's stimulator notes), and r.m.s. output currents into 500 Ω of 80 mA d.c.,
  50 mA up to 400 Hz, 80 mA up to 1.5 kHz and 100 mA above (the 1987 edition via GOST
  30324.10-95; the current edition may differ); an output indicator is required above 10 mA,
  10 V or 10 mJ per pulse. No cosmetic-device guidance for skin electroporation was found.
- dermaport's own ceilings, lower, documented in docs/electroporation.md: 150 V applied, 10 ms
  pulses, 1200 pulses and 100 V·s of exposure a step (half the > 200 V·s at which Gallo 1997
  saw the largest lasting change), 60 K peak temperature rise in the LTRs (below the model's
  boiling cap of 68 K), the galvanic 20 min a step;
- the galvanic density limit for what a unipolar train leaves as mean (d.c.) current:
  :data:`~dermaport.safety.limits.MAX_CURRENT_DENSITY_MA_PER_CM2` (0.5 mA/cm²).

:func:`check_pulse_setting` returns every breach (empty when none), like
:func:`dermaport.safety.limits.check_setting`; :func:`~dermaport.safety.limits.enforce`-style
refusal is :func:`enforce_pulse`. Units: V, s, Hz, Ω, cm², mA, mJ, µC, K (names say so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from dermaport.errors import SafetyError
from dermaport.safety.limits import MAX_CURRENT_DENSITY_MA_PER_CM2, MAX_CURRENT_STEP_S

__all__ = [
    "IEC_LOAD_OHM",
    "IEC_MAX_OPEN_CIRCUIT_V",
    "IEC_MAX_PULSE_ENERGY_MJ",
    "IEC_OUTPUT_INDICATOR",
    "IEC_RMS_CURRENT_MA",
    "MAX_EXPOSURE_DOSE_V_S",
    "MAX_PULSES",
    "MAX_PULSE_VOLTAGE_V",
    "MAX_PULSE_WIDTH_S",
    "MAX_TEMPERATURE_RISE_K",
    "PULSE_LIMIT_SOURCES",
    "PulseBreach",
    "PulseLimitError",
    "PulseSetting",
    "check_pulse_setting",
    "enforce_pulse",
    "iec_rms_limit_ma",
]

#: IEC 601-2-10 cl. 51.104: peak output voltage, open circuit (V).
IEC_MAX_OPEN_CIRCUIT_V: Final = 500.0
#: IEC 601-2-10 cl. 51.104: energy per pulse into the standard load (mJ).
IEC_MAX_PULSE_ENERGY_MJ: Final = 300.0
#: The standard's test load (Ω).
IEC_LOAD_OHM: Final = 500.0
#: r.m.s. current into 500 Ω by frequency: (up to Hz, mA); 0 Hz is d.c. (IEC 601-2-10:1987).
IEC_RMS_CURRENT_MA: Final = ((0.0, 80.0), (400.0, 50.0), (1500.0, 80.0), (math.inf, 100.0))
#: Above any of these an output indicator is required (mA, V, mJ per pulse).
IEC_OUTPUT_INDICATOR: Final = {"current_ma": 10.0, "voltage_v": 10.0, "energy_mj": 10.0}
#: dermaport ceilings (lower than the standard's; see the module text).
MAX_PULSE_VOLTAGE_V: Final = 150.0
MAX_PULSE_WIDTH_S: Final = 10e-3
MAX_PULSES: Final = 1200
MAX_EXPOSURE_DOSE_V_S: Final = 100.0
MAX_TEMPERATURE_RISE_K: Final = 60.0

PULSE_LIMIT_SOURCES: Final = {
    "open-circuit voltage": "IEC 601-2-10 cl. 51.104 (quoted by Biopac, STMISOC stimulus isolation notes)",
    "pulse energy": "IEC 601-2-10 cl. 51.104: 300 mJ per pulse into 500 Ω (Biopac notes)",
    "pulse charge": "derived from the 300 mJ per pulse of IEC 601-2-10: a phase at V may carry at most "
    "300 mJ / V / phases (no charge limit of its own was found)",
    "r.m.s. current": "IEC 601-2-10:1987 via GOST 30324.10-95: 80 mA d.c., 50 mA ≤ 400 Hz, 80 mA ≤ 1.5 kHz, "
    "100 mA above, into 500 Ω (the current edition may differ)",
    "pulse voltage": "dermaport design decision: research trains use about 100 V (Prausnitz 1996); "
    "150 V leaves margin; docs/electroporation.md",
    "pulse width": "dermaport design decision (square pulses of 1-10 ms in Gallo 1997, Dujardin 2002)",
    "pulse count": "dermaport design decision: four times the 300 pulses of the reference train",
    "exposure dose": "dermaport design decision: half the > 200 V·s of the largest lasting change "
    "(Gallo 1997)",
    "temperature rise": "dermaport design decision: below the model's 68 K boiling cap "
    "(docs/electroporation.md)",
    "mean current density": "the galvanic density limit (iontophoresis review, 0.5 mA/cm²) for a unipolar "
    "train's d.c. component",
    "treatment time": "dermaport: one current step within 20 min (source text 004)",
}


class PulseLimitError(SafetyError):
    """A pulse setting that would break a hard limit; ``breaches`` names each."""

    def __init__(self, breaches: tuple[PulseBreach, ...]) -> None:
        super().__init__("refused: " + "; ".join(str(b) for b in breaches))
        self.breaches = breaches


@dataclass(frozen=True)
class PulseBreach:
    """One pulse limit broken: its name, the value asked for and the bound."""

    limit: str
    value: str
    bound: str

    @property
    def source(self) -> str:
        """The source of the limit."""
        return PULSE_LIMIT_SOURCES[self.limit]

    def __str__(self) -> str:
        return f"{self.limit} {self.value} breaks the hard limit {self.bound}"


@dataclass(frozen=True)
class PulseSetting:
    """One pulse step as planned, with the load the model predicts at its lowest.

    ``load_ohm`` is the lowest resistance between the electrodes during the pulses (the model's
    porated skin plus the series part), so currents, charges and energies are the largest the
    step can draw; ``peak_temperature_rise_k`` is the model's LTR estimate.
    """

    voltage_v: float
    width_s: float
    frequency_hz: float
    pulses: int
    bipolar: bool
    electrode_area_cm2: float
    load_ohm: float
    peak_temperature_rise_k: float
    duration_s: float
    #: Phases per period when not the train's 1 (unipolar) or 2 (biphasic): a modulated
    #: carrier's burst of n cycles has 2n phases of ``width_s`` (its half-cycle).
    phases_per_period: int | None = None
    #: A modulated carrier's frequency (Hz): its r.m.s. limit is the carrier's band.
    carrier_hz: float | None = None

    @property
    def peak_current_ma(self) -> float:
        """V / R at the lowest load (mA)."""
        return 1e3 * self.voltage_v / self.load_ohm

    @property
    def phases(self) -> int:
        """Phases per period: 1 unipolar, 2 biphasic, 2n for a carrier burst of n cycles."""
        if self.phases_per_period is not None:
            return self.phases_per_period
        return 2 if self.bipolar else 1

    @property
    def pulse_charge_uc(self) -> float:
        """Charge of one phase at the peak current (µC)."""
        return 1e3 * self.peak_current_ma * self.width_s

    @property
    def pulse_energy_mj(self) -> float:
        """Energy of one pulse (all its phases) into the lowest load (mJ)."""
        return 1e3 * self.voltage_v**2 / self.load_ohm * self.width_s * self.phases

    @property
    def rms_current_ma(self) -> float:
        """r.m.s. current over a period (mA)."""
        return self.peak_current_ma * math.sqrt(min(self.phases * self.width_s * self.frequency_hz, 1.0))

    @property
    def mean_current_density_ma_per_cm2(self) -> float:
        """d.c. component per electrode area (mA/cm²): zero for a biphasic pulse."""
        if self.bipolar:
            return 0.0
        return self.peak_current_ma * self.width_s * self.frequency_hz / self.electrode_area_cm2

    @property
    def exposure_dose_v_s(self) -> float:
        """Applied voltage × on-time (V·s)."""
        return self.voltage_v * self.width_s * self.phases * self.pulses


def iec_rms_limit_ma(frequency_hz: float) -> float:
    """The standard's r.m.s. current limit (mA) at ``frequency_hz`` (0 for d.c.)."""
    return next(limit for top, limit in IEC_RMS_CURRENT_MA if frequency_hz <= top)


def check_pulse_setting(setting: PulseSetting) -> tuple[PulseBreach, ...]:
    """Every hard limit ``setting`` breaks (empty when none). Non-finite values always breach."""
    s = setting
    out: list[PulseBreach] = []

    def over(limit: str, value: float, bound: float, unit: str, fmt: str = ".3g") -> None:
        if not (math.isfinite(value) and value <= bound * (1 + 1e-12)):
            out.append(PulseBreach(limit, f"{value:{fmt}} {unit}", f"{bound:g} {unit}"))

    over("open-circuit voltage", s.voltage_v, IEC_MAX_OPEN_CIRCUIT_V, "V")
    over("pulse voltage", s.voltage_v, MAX_PULSE_VOLTAGE_V, "V")
    over("pulse width", s.width_s * 1e3, MAX_PULSE_WIDTH_S * 1e3, "ms")
    over("pulse count", float(s.pulses), float(MAX_PULSES), "pulses", "g")
    over("exposure dose", s.exposure_dose_v_s, MAX_EXPOSURE_DOSE_V_S, "V·s")
    over("pulse energy", s.pulse_energy_mj, IEC_MAX_PULSE_ENERGY_MJ, "mJ")
    iec_charge_uc = 1e3 * IEC_MAX_PULSE_ENERGY_MJ / s.voltage_v / s.phases if s.voltage_v > 0 else math.inf
    over("pulse charge", s.pulse_charge_uc, iec_charge_uc, "µC")
    rms_frequency = s.carrier_hz if s.carrier_hz is not None else (s.frequency_hz if s.bipolar else 0.0)
    over("r.m.s. current", s.rms_current_ma, iec_rms_limit_ma(rms_frequency), "mA")
    over("mean current density", s.mean_current_density_ma_per_cm2, MAX_CURRENT_DENSITY_MA_PER_CM2, "mA/cm²")
    over("temperature rise", s.peak_temperature_rise_k, MAX_TEMPERATURE_RISE_K, "K")
    over("treatment time", s.duration_s / 60, MAX_CURRENT_STEP_S / 60, "min")
    if not (s.load_ohm > 0 and s.electrode_area_cm2 > 0 and s.width_s > 0 and s.frequency_hz > 0):
        out.append(
            PulseBreach("pulse energy", f"load {s.load_ohm!r} Ω", "a positive load, area, width, frequency")
        )
    return tuple(out)


def enforce_pulse(breaches: tuple[PulseBreach, ...]) -> None:
    """Raise :class:`PulseLimitError` naming every breach, if there is any."""
    if breaches:
        raise PulseLimitError(breaches)
