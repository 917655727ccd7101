"""Treatment planning: session plans within the hard limits, target-seeking, courses, care.

The transport engine is reached only through an injected predictor
(:mod:`dermaport.planning.predictor`); :func:`engine_predictor` is the real one and fails
closed when the engine is not installed.
"""

from dermaport.planning.plan import Plan, make_plan
from dermaport.planning.predictor import PredictionRequest, Predictor, engine_predictor
from dermaport.planning.target import Target, TargetUnreachableError, parse_target, seek

__all__ = [
    "Plan",
    "PredictionRequest",
    "Predictor",
    "Target",
    "TargetUnreachableError",
    "engine_predictor",
    "make_plan",
    "parse_target",
    "seek",
]
