"""The transport engine: multi-ion Nernst–Planck with electroosmosis through layered skin.

``simulate(...)`` is the facade; ``docs/transport.md`` gives the equations and sources.
"""

from dermaport.physics.engine import simulate
from dermaport.physics.result import SimulationResult

__all__ = ["SimulationResult", "simulate"]
