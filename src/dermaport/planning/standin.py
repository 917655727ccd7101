"""A closed-form stand-in for the transport engine, for tests, benchmarks and demonstrations.

**Not a transport model.** It makes delivery proportional to the charge passed per area
(mA·min/cm²) and to the concentration, split over the layers in fixed shares, with the
electrode physics prefers (:func:`dermaport.library.assess`) delivering ten times more than
the other one; and it drifts the vehicle pH linearly with the charge (acid at the anode,
alkaline at the cathode) unless the electrode is buffered or Ag/AgCl (a product's buffer slows the drift to
a quarter). It is monotone in time and
current (the real engine need not be, and the target search does not rely on it), its charge
is the waveform's trapezoid (:mod:`dermaport.protocol.waveform`, as the engine's and the
device's), and it can sleep to mimic the real engine's cost. A pulse step counts as passive
application for its length (no drift of the pH). Planning never uses it unless it
is passed in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dermaport.library import assess, load_actives
from dermaport.planning.predictor import Prediction
from dermaport.protocol.pulses import parse_electroporation
from dermaport.protocol.steps import Iontophoresis, Passive, parse_step
from dermaport.protocol.waveform import current_waveform
from dermaport.units import parse_concentration

__all__ = ["LAYER_SHARES", "StandInPredictor"]

#: Shares of what crosses the surface: stratum corneum, viable epidermis, dermis, cleared.
LAYER_SHARES = (0.5, 0.3, 0.1, 0.1)
_SKIN_PI = 4.8


@dataclass
class StandInPredictor:
    """Callable as a Predictor; counts its calls in ``calls``."""

    ug_per_ma_min_per_cm2: float = 40.0  # total delivered per unit charge at 3 % w/v
    ph_drift_per_ma_min_per_cm2: float = 0.5
    passive_ug_per_cm2_per_min: float = 0.05
    buffered_drift_factor: float = 0.25  # a product with a buffer drifts this share as far
    delay_s: float = 0.0
    calls: int = 0

    def __call__(self, request: Any) -> Prediction:
        """Predict for a PredictionRequest (any object with its attributes)."""
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        active = load_actives().resolve(request.active)
        preferred = assess(active, request.vehicle_ph, skin_isoelectric_point=_SKIN_PI).electrode
        scale = parse_concentration(request.concentration).value_si / 0.03
        charge = signed = total = 0.0
        for text in request.steps:
            if text.strip().lower().startswith("electroporation"):  # as passive for its length
                duration_s = parse_electroporation(text).schedule().duration_s
                total += self.passive_ug_per_cm2_per_min * duration_s / 60.0 * scale
                continue
            step = parse_step(text)
            if isinstance(step, Iontophoresis):
                wave = current_waveform(step, electrode_area_m2=request.electrode_area_m2)
                q = wave.dose_mA_min(1.0)  # mA·min per cm²
                efficiency = 1.0 if wave.polarity == preferred else 0.1
                total += self.ug_per_ma_min_per_cm2 * q * efficiency * scale
                charge += q
                signed += q if wave.polarity == "cathode" else -q
            elif isinstance(step, Passive):
                total += self.passive_ug_per_cm2_per_min * step.duration.si / 60.0 * scale
        drift = 0.0 if request.electrode in ("buffered", "ag-agcl") else self.ph_drift_per_ma_min_per_cm2
        if getattr(request, "buffer", None):
            drift *= self.buffered_drift_factor
        ph_end = request.vehicle_ph + drift * signed
        sc, ve, de, beyond = (total * share for share in LAYER_SHARES)
        return Prediction(
            stratum_corneum_ug_per_cm2=sc,
            viable_epidermis_ug_per_cm2=ve,
            dermis_ug_per_cm2=de,
            beyond_ug_per_cm2=beyond,
            total_ug_per_cm2=total,
            vehicle_ph_start=request.vehicle_ph,
            vehicle_ph_min=min(request.vehicle_ph, ph_end),
            vehicle_ph_max=max(request.vehicle_ph, ph_end),
            vehicle_ph_end=ph_end,
            charge_dose_ma_min=charge * request.electrode_area_m2 * 1e4,
            transport_number=None,
            model="stand-in (closed form, not physics)",
        )
