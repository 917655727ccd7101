"""The transport engine as planning sees it: a typed prediction from a small injected predictor.

Planning asks one question of the engine: *what would these steps deliver, and what does
the vehicle pH do?* It asks through a :data:`Predictor`, a callable from a
:class:`PredictionRequest` to a :class:`Prediction`, so tests and benchmarks can pass a
closed-form stand-in (:mod:`dermaport.planning.standin`) and the CLI passes
:func:`engine_predictor`, which builds the prediction from the engine's typed
``SimulationResult`` (:meth:`Prediction.from_simulation`). Planning reads only the
prediction's fields; nothing in planning looks a figure up by a string key.

Fail closed: without the engine there is no prediction, and without a prediction no plan
(the vehicle pH limit cannot be checked); a prediction with a figure that is not a finite
number is refused when it is made.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dermaport.errors import SafetyError, SimulationError

if TYPE_CHECKING:
    from dermaport.physics.result import SimulationResult

__all__ = [
    "LAYERS",
    "EngineMissingError",
    "Prediction",
    "PredictionRequest",
    "Predictor",
    "engine_predictor",
    "reached",
    "vehicle_ph_range",
]

logger = logging.getLogger(__name__)

#: Layers a target can name; ``total`` is everything that crossed the surface.
LAYERS = ("stratum_corneum", "viable_epidermis", "dermis", "cleared", "total")

ENGINE_MODEL = "Nernst–Planck transport engine, dermaport.physics"


@dataclass(frozen=True)
class PredictionRequest:
    """The arguments of one ``simulate`` call (see :func:`engine_predictor`).

    ``active`` is a library name; ``concentration`` as typed (``"3 %"``); ``steps`` step
    strings; ``electrode`` the electrode material (``"inert"`` or ``"ag-agcl"``);
    ``electrode_area_m2`` the active electrode's area in m²; ``buffer`` the product's buffer
    as the engine reads it (``"citrate 50 mM"``) or None; ``observe_s`` how long to follow
    the skin after the steps, s.
    """

    active: str
    concentration: str
    steps: tuple[str, ...]
    vehicle_ph: float
    skin: str
    electrode: str = "inert"
    electrode_area_m2: float = 10e-4
    observe_s: float = 0.0
    buffer: str | None = None


@dataclass(frozen=True)
class Prediction:
    """What one run predicts, as planning reads it.

    Amounts are µg per cm² of treated skin at the end of the steps: what is in each layer,
    what left through the dermis (``beyond``: held in the subcutis or cleared into the blood
    in vivo, the receptor in vitro) and everything that crossed the surface (``total``). The
    vehicle pH at the start, its lowest, highest and last value; the charge the steps pass
    (mA·min, the trapezoid of :mod:`dermaport.protocol.waveform`); the active's share of the
    current (None where the model gives none); the model's name. ``simulation`` is the
    engine's whole result, kept for the plan's JSON (None from a stand-in).
    """

    stratum_corneum_ug_per_cm2: float
    viable_epidermis_ug_per_cm2: float
    dermis_ug_per_cm2: float
    beyond_ug_per_cm2: float
    total_ug_per_cm2: float
    vehicle_ph_start: float
    vehicle_ph_min: float
    vehicle_ph_max: float
    vehicle_ph_end: float
    charge_dose_ma_min: float
    transport_number: float | None
    model: str
    in_vitro: bool = False
    simulation: SimulationResult | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, float | int) and not isinstance(value, bool) and not math.isfinite(value):
                raise SafetyError(f"refused: the engine's prediction gives {item.name} = {value}")

    @classmethod
    def from_simulation(cls, result: SimulationResult) -> Prediction:
        """The prediction of one engine run (``dermaport.physics.simulate(...)``)."""
        return cls(
            stratum_corneum_ug_per_cm2=float(result.delivered.stratum_corneum),
            viable_epidermis_ug_per_cm2=float(result.delivered.viable_epidermis),
            dermis_ug_per_cm2=float(result.delivered.dermis),
            # what left the dermis: held in the subcutis or cleared (the plan's four layers)
            beyond_ug_per_cm2=float(result.delivered.beyond + result.delivered.subcutis),
            total_ug_per_cm2=float(result.total_delivered_ug_per_cm2),
            vehicle_ph_start=float(result.vehicle_ph_start),
            vehicle_ph_min=float(result.vehicle_ph_min),
            vehicle_ph_max=float(result.vehicle_ph_max),
            vehicle_ph_end=float(result.vehicle_ph_end),
            charge_dose_ma_min=float(result.charge_dose_mA_min),
            transport_number=None if result.transport_number is None else float(result.transport_number),
            model=ENGINE_MODEL,
            in_vitro=bool(result.in_vitro),
            simulation=result,
        )

    def reached(self, layer: str) -> float:
        """Amount delivered into ``layer`` (a name in :data:`LAYERS`), µg/cm².

        What was delivered into a layer is what reached it, whether it is still there at the
        end of the step or has already moved deeper: the layer's content plus that of every
        layer under it, and what left through the dermis. A drug delivered into the viable
        epidermis keeps diffusing into the dermis and the blood; the dose that crossed into
        the living tissue is the figure that does not depend on when one looks.
        ``stratum_corneum`` and ``total`` are both everything that crossed the surface.
        """
        if layer in ("total", "stratum_corneum"):
            return self.total_ug_per_cm2
        if layer == "viable_epidermis":
            return self.viable_epidermis_ug_per_cm2 + self.dermis_ug_per_cm2 + self.beyond_ug_per_cm2
        if layer == "dermis":
            return self.dermis_ug_per_cm2 + self.beyond_ug_per_cm2
        if layer == "cleared":
            return self.beyond_ug_per_cm2
        raise ValueError(f"layer {layer!r} is not one of {', '.join(LAYERS)}")

    @property
    def layers(self) -> tuple[tuple[str, float], ...]:
        """(layer name, µg/cm² at the end) from the surface down, as the JSON names them."""
        beyond = "receptor" if self.in_vitro else "cleared"
        return (
            ("stratum_corneum", self.stratum_corneum_ug_per_cm2),
            ("viable_epidermis", self.viable_epidermis_ug_per_cm2),
            ("dermis", self.dermis_ug_per_cm2),
            (beyond, self.beyond_ug_per_cm2),
        )

    def to_json(self) -> dict[str, Any]:
        """The plan's ``predicted`` object: the engine's ``simulate --json`` keys where it ran."""
        data: dict[str, Any] = self.simulation.to_json() if self.simulation is not None else {}
        data.update(
            {
                "delivered_ug_per_cm2": dict(self.layers),
                "total_delivered_ug_per_cm2": self.total_ug_per_cm2,
                "vehicle_ph_start": self.vehicle_ph_start,
                "vehicle_ph_min": self.vehicle_ph_min,
                "vehicle_ph_max": self.vehicle_ph_max,
                "vehicle_ph_end": self.vehicle_ph_end,
                "charge_dose_mA_min": self.charge_dose_ma_min,
                "transport_number": self.transport_number,
                "model": self.model,
            }
        )
        return data


Predictor = Callable[[PredictionRequest], Prediction]


class EngineMissingError(SafetyError):
    """The transport engine cannot be imported: no plan without its prediction."""


def engine_predictor() -> Predictor:
    """The real transport engine, ``dermaport.physics.simulate``, as a :data:`Predictor`.

    Imported lazily, on the first call; raises :class:`SafetyError` if it is not installed,
    and when the engine cannot solve a run (naming the step).
    """

    def predict(request: PredictionRequest) -> Prediction:
        try:
            physics = importlib.import_module("dermaport.physics")
            simulate = physics.simulate
        except (ImportError, AttributeError) as exc:
            raise EngineMissingError(
                "refused: the transport engine is not installed (dermaport.physics.simulate), so the "
                "vehicle pH and the delivery cannot be predicted; no plan without them"
            ) from exc
        logger.debug("simulate %s", request)
        try:
            result = simulate(
                request.active,
                concentration=request.concentration,
                steps=list(request.steps),
                vehicle_ph=request.vehicle_ph,
                skin=request.skin,
                electrode=request.electrode,
                electrode_area=request.electrode_area_m2,
                buffer=request.buffer,
                observe=request.observe_s if request.observe_s > 0 else None,
            )
        except SimulationError as exc:
            raise SafetyError(
                f"refused: the transport engine could not predict {', '.join(request.steps)} ({exc}); "
                "no plan without a prediction"
            ) from exc
        return Prediction.from_simulation(result)

    return predict


def reached(prediction: Prediction, layer: str) -> float:
    """Amount delivered into ``layer``, µg/cm² (:meth:`Prediction.reached`)."""
    return prediction.reached(layer)


def vehicle_ph_range(prediction: Prediction) -> tuple[float, float]:
    """Lowest and highest vehicle pH the prediction reaches."""
    return prediction.vehicle_ph_min, prediction.vehicle_ph_max
