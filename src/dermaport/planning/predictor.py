"""The transport engine as planning sees it: a small injected predictor.

Planning asks one question of the engine: *what would these steps deliver, and what does
the vehicle pH do?* It asks through a :data:`Predictor`, a callable from a
:class:`PredictionRequest` to the engine's result JSON (``simulate(...).to_json()``), so
tests and benchmarks can pass a closed-form stand-in and the CLI passes
:func:`engine_predictor`. Keys read from a prediction:

* ``delivered_ug_per_cm2``: ``{stratum_corneum, viable_epidermis, dermis, cleared}``, µg/cm²;
* ``total_delivered_ug_per_cm2``: µg/cm²;
* ``vehicle_ph_min``, ``vehicle_ph_max``: the extremes the vehicle reaches.

Fail closed: without the engine there is no prediction, and without a prediction no plan
(the vehicle pH limit cannot be checked).
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dermaport.errors import SafetyError, SimulationError

__all__ = [
    "LAYERS",
    "PredictionRequest",
    "Predictor",
    "engine_predictor",
    "reached",
    "vehicle_ph_range",
]

logger = logging.getLogger(__name__)

#: Layers a target can name; ``total`` is ``total_delivered_ug_per_cm2``.
LAYERS = ("stratum_corneum", "viable_epidermis", "dermis", "cleared", "total")


@dataclass(frozen=True)
class PredictionRequest:
    """The arguments of one ``simulate`` call (see :func:`engine_predictor`).

    ``active`` is a library name; ``concentration`` as typed (``"3 %"``); ``steps`` step
    strings; ``electrode`` the electrode material (``"inert"``, or what the engine offers);
    ``electrode_area_m2`` the active electrode's area in m².
    """

    active: str
    concentration: str
    steps: tuple[str, ...]
    vehicle_ph: float
    skin: str
    electrode: str = "inert"
    electrode_area_m2: float = 10e-4
    observe_s: float = 0.0


Predictor = Callable[[PredictionRequest], Mapping[str, Any]]


class EngineMissingError(SafetyError):
    """The transport engine cannot be imported: no plan without its prediction."""


def engine_predictor() -> Predictor:
    """The real transport engine, ``dermaport.physics.simulate``, as a :data:`Predictor`.

    Imported lazily, on the first call; raises :class:`SafetyError` if it is not installed.
    """

    def predict(request: PredictionRequest) -> Mapping[str, Any]:
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
                observe=request.observe_s if request.observe_s > 0 else None,
            )
        except SimulationError as exc:
            raise SafetyError(
                f"refused: the transport engine could not predict {', '.join(request.steps)} ({exc}); "
                "no plan without a prediction"
            ) from exc
        data: Mapping[str, Any] = result.to_json()
        return data

    return predict


def _number(prediction: Mapping[str, Any], *keys: str) -> float:
    value: Any = prediction
    try:
        for key in keys:
            value = value[key]
        number = float(value)
    except (KeyError, TypeError, ValueError) as exc:
        raise SafetyError(f"refused: the engine's prediction has no readable {'.'.join(keys)}") from exc
    if not math.isfinite(number):
        raise SafetyError(f"refused: the engine's prediction gives {'.'.join(keys)} = {number}")
    return number


def reached(prediction: Mapping[str, Any], layer: str) -> float:
    """Amount delivered into ``layer`` (a name in :data:`LAYERS`), µg/cm².

    What was delivered into a layer is what reached it, whether it is still there at the end
    of the step or has already moved deeper: the layer's content plus that of every layer
    under it, and what left through the dermis (cleared in vivo, receptor in vitro). A drug
    delivered into the viable epidermis keeps diffusing into the dermis and the blood; the
    dose that crossed into the living tissue is the figure that does not depend on when one
    looks. ``stratum_corneum`` and ``total`` are both everything that crossed the surface.
    """
    if layer in ("total", "stratum_corneum"):
        return _number(prediction, "total_delivered_ug_per_cm2")
    layers = prediction.get("delivered_ug_per_cm2") if isinstance(prediction, Mapping) else None
    beyond = "receptor" if isinstance(layers, Mapping) and "receptor" in layers else "cleared"
    deeper = {"viable_epidermis": ("viable_epidermis", "dermis", beyond), "dermis": ("dermis", beyond)}
    names = deeper.get(layer, (beyond,))
    return sum(_number(prediction, "delivered_ug_per_cm2", name) for name in names)


def vehicle_ph_range(prediction: Mapping[str, Any]) -> tuple[float, float]:
    """Lowest and highest vehicle pH the prediction reaches."""
    return _number(prediction, "vehicle_ph_min"), _number(prediction, "vehicle_ph_max")
