"""The typed result of a simulation and its JSON form (the ``simulate --json`` contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DepthSummary", "ElectroporationSummary", "LayerAmounts", "SimulationResult", "Timeline"]


@dataclass(frozen=True)
class LayerAmounts:
    """Amounts of the active per cm² of treated skin at the end (µg/cm²)."""

    stratum_corneum: float
    viable_epidermis: float
    dermis: float
    beyond: float  # cleared into the blood (in vivo) or collected by the receptor (in vitro)
    subcutis: float = 0.0  # held in the subcutis at the end (in vivo)
    blood: float = 0.0  # of ``beyond``: taken up by capillaries in the dermis and subcutis
    deep_boundary: float = 0.0  # of ``beyond``: passed the deepest modelled tissue (receptor in vitro)


@dataclass(frozen=True)
class DepthSummary:
    """Where the active in the tissue lies at the end (µm below the skin surface, % of what is in it)."""

    layer_holding_most: str | None
    share_in_that_layer_percent: float | None
    half_within_um: float | None
    bulk_within_um: float | None  # 90 % of it lies above this depth
    summary: str


@dataclass(frozen=True)
class Timeline:
    """Values after every accepted time step."""

    time_s: list[float] = field(default_factory=list)
    current_mA: list[float] = field(default_factory=list)  # noqa: N815 - contract name
    voltage_V: list[float] = field(default_factory=list)  # noqa: N815 - contract name
    flux_ug_per_cm2_h: list[float] = field(default_factory=list)
    vehicle_ph: list[float] = field(default_factory=list)
    sc_resistance_ohm_cm2: list[float] = field(default_factory=list)  # runs with a pulse step only


@dataclass(frozen=True)
class ElectroporationSummary:
    """What a run's pulse steps did to the stratum corneum (ratios over its intact resistance).

    ``pulse_start_s`` and ``pulse_peak_current_a_per_m2`` list every pulse (or carrier burst)
    from the run's start, for the plot; they are not in the JSON.
    """

    sc_resistance_min_ratio: float
    sc_resistance_end_ratio: float  # at the end of the run (after any observation)
    ltr_area_fraction_max: float
    pulse_count: int
    peak_temperature_rise_k: float
    intact_resistance_ohm_cm2: float = 0.0  # the intact stratum corneum (library site)
    pulse_start_s: list[float] = field(default_factory=list)
    pulse_peak_current_a_per_m2: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class SimulationResult:
    """Everything a run predicts. Amounts in µg per cm² of treated skin (of the active as dosed)."""

    active: str
    skin: str
    in_vitro: bool
    steps: list[str]
    electrode: str
    electrode_area_cm2: float
    applied_ug_per_cm2: float
    vehicle_remaining_ug_per_cm2: float
    delivered: LayerAmounts
    total_delivered_ug_per_cm2: float
    mean_flux_ug_per_cm2_h: float
    transport_number: float | None
    volume_flow_uL_per_cm2_h: float | None  # noqa: N815 - contract name
    charge_dose_mA_min: float  # noqa: N815 - contract name
    vehicle_ph_start: float
    vehicle_ph_min: float
    vehicle_ph_max: float
    vehicle_ph_end: float
    kp_passive_cm_per_h: float
    penetration_depth_um: float | None
    profile_depth_um: list[float]
    profile_ug_per_cm3: list[float]
    timeline: Timeline
    mass_balance_error: float  # |applied - remaining - delivered| / applied
    step_count: int
    citations: dict[str, str] = field(default_factory=dict)
    depth: DepthSummary | None = None
    electroporation: ElectroporationSummary | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``simulate --json`` object; a run with a pulse step adds its five figures."""
        out = self._base_json()
        ep = self.electroporation
        if ep is not None:
            out["sc_resistance_min_ratio"] = ep.sc_resistance_min_ratio
            out["sc_resistance_end_ratio"] = ep.sc_resistance_end_ratio
            out["ltr_area_fraction_max"] = ep.ltr_area_fraction_max
            out["pulse_count"] = ep.pulse_count
            out["peak_temperature_rise_K"] = ep.peak_temperature_rise_k
            out["timeline"]["sc_resistance_ohm_cm2"] = self.timeline.sc_resistance_ohm_cm2
        return out

    def _base_json(self) -> dict[str, Any]:
        beyond = "receptor" if self.in_vitro else "cleared"
        return {
            "active": self.active,
            "skin": self.skin,
            "in_vitro": self.in_vitro,
            "steps": self.steps,
            "electrode": self.electrode,
            "electrode_area_cm2": self.electrode_area_cm2,
            "applied_ug_per_cm2": self.applied_ug_per_cm2,
            "vehicle_remaining_ug_per_cm2": self.vehicle_remaining_ug_per_cm2,
            "delivered_ug_per_cm2": {
                "stratum_corneum": self.delivered.stratum_corneum,
                "viable_epidermis": self.delivered.viable_epidermis,
                "dermis": self.delivered.dermis,
                beyond: self.delivered.beyond,
                # the fifth part, so the parts sum to the total (0 in vitro: no subcutis)
                "subcutis": self.delivered.subcutis,
            },
            "subcutis_ug_per_cm2": self.delivered.subcutis,
            "layers_ug_per_cm2": {
                "stratum_corneum": self.delivered.stratum_corneum,
                "viable_epidermis": self.delivered.viable_epidermis,
                "dermis": self.delivered.dermis,
                "subcutis": self.delivered.subcutis,
                beyond: self.delivered.beyond,
            },
            "cleared_by_blood_ug_per_cm2": self.delivered.blood,
            "past_deep_boundary_ug_per_cm2": self.delivered.deep_boundary,
            "depth": None
            if self.depth is None
            else {
                "layer_holding_most": self.depth.layer_holding_most,
                "share_in_that_layer_percent": self.depth.share_in_that_layer_percent,
                "half_within_um": self.depth.half_within_um,
                "bulk_within_um": self.depth.bulk_within_um,
                "summary": self.depth.summary,
            },
            "total_delivered_ug_per_cm2": self.total_delivered_ug_per_cm2,
            "mean_flux_ug_per_cm2_h": self.mean_flux_ug_per_cm2_h,
            "transport_number": self.transport_number,
            "volume_flow_uL_per_cm2_h": self.volume_flow_uL_per_cm2_h,
            "charge_dose_mA_min": self.charge_dose_mA_min,
            "vehicle_ph_start": self.vehicle_ph_start,
            "vehicle_ph_min": self.vehicle_ph_min,
            "vehicle_ph_max": self.vehicle_ph_max,
            "vehicle_ph_end": self.vehicle_ph_end,
            "kp_passive_cm_per_h": self.kp_passive_cm_per_h,
            "penetration_depth_um": self.penetration_depth_um,
            "profile": {
                "depth_um": self.profile_depth_um,
                "concentration_ug_per_cm3": self.profile_ug_per_cm3,
            },
            "timeline": {
                "time_s": self.timeline.time_s,
                "current_mA": self.timeline.current_mA,
                "voltage_V": self.timeline.voltage_V,
                "flux_ug_per_cm2_h": self.timeline.flux_ug_per_cm2_h,
                "vehicle_ph": self.timeline.vehicle_ph,
            },
            "mass_balance_error": self.mass_balance_error,
            "time_steps": self.step_count,
            "citations": [f"[{k}] {v}" for k, v in sorted(self.citations.items())],
        }
