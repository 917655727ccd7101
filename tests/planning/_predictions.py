"""Predictions made by hand for planning tests (the fields a stand-in or the engine fills)."""

from __future__ import annotations

from dermaport.planning.predictor import Prediction


def prediction(
    viable_epidermis: float,
    *,
    ph_min: float = 7.0,
    ph_max: float = 7.0,
    stratum_corneum: float = 0.0,
    dermis: float = 0.0,
    beyond: float = 0.0,
    in_vitro: bool = False,
) -> Prediction:
    """A prediction with these amounts (µg/cm²) and vehicle pH extremes; total is their sum."""
    return Prediction(
        stratum_corneum_ug_per_cm2=stratum_corneum,
        viable_epidermis_ug_per_cm2=viable_epidermis,
        dermis_ug_per_cm2=dermis,
        beyond_ug_per_cm2=beyond,
        total_ug_per_cm2=stratum_corneum + viable_epidermis + dermis + beyond,
        vehicle_ph_start=ph_min,
        vehicle_ph_min=ph_min,
        vehicle_ph_max=ph_max,
        vehicle_ph_end=ph_max,
        charge_dose_ma_min=0.0,
        transport_number=None,
        model="test",
        in_vitro=in_vitro,
    )
