"""Skin electroporation: pores, local transport regions and resealing under pulse steps.

Pure functions and small classes, not yet called by the transport engine
(docs/electroporation.md): :class:`BarrierModel` runs a pulse step's
:class:`~dermaport.protocol.pulses.PulseSchedule` over the barrier and reports the stratum
corneum's resistance, the LTR area, the charge and the heat.
"""

from dermaport.physics.electroporation.barrier import BarrierState, ltr_permeability
from dermaport.physics.electroporation.hindrance import diffusive_hindrance
from dermaport.physics.electroporation.parameters import Circuit, PoreKinetics, SkinBarrier
from dermaport.physics.electroporation.train import BarrierModel, PulseRecord, TrainResult

__all__ = [
    "BarrierModel",
    "BarrierState",
    "Circuit",
    "PoreKinetics",
    "PulseRecord",
    "SkinBarrier",
    "TrainResult",
    "diffusive_hindrance",
    "ltr_permeability",
]
