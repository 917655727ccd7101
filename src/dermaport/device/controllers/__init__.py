"""The runner's controllers, one per modality, and the registry the runner looks them up in.

A new modality (ultrasound, radio frequency) adds its own module here with a
:class:`~dermaport.device.controllers.base.Controller` subclass and one line in
:data:`CONTROLLERS`; the runner's core does not change.
"""

from __future__ import annotations

from dermaport.device.controllers.base import DELIVERING, DONE, Controller, Core, InterlockTripError, RunState
from dermaport.device.controllers.electroporation import ElectroporationController
from dermaport.device.controllers.galvanic import GalvanicController
from dermaport.errors import SafetyError

__all__ = [
    "CONTROLLERS",
    "DELIVERING",
    "DONE",
    "Controller",
    "Core",
    "ElectroporationController",
    "GalvanicController",
    "InterlockTripError",
    "RunState",
    "controller_class",
]

#: The controller of each modality (a segment's ``modality``).
CONTROLLERS: dict[str, type[Controller]] = {
    GalvanicController.modality: GalvanicController,
    ElectroporationController.modality: ElectroporationController,
}


def controller_class(modality: str) -> type[Controller]:
    """The controller of ``modality``; SafetyError for one no controller runs (fail closed)."""
    try:
        return CONTROLLERS[modality]
    except KeyError:
        raise SafetyError(
            f"refused: no controller runs {modality!r} steps (known: {', '.join(CONTROLLERS)})"
        ) from None
