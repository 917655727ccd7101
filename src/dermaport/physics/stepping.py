"""Adaptive time-step control for the engine's backward-Euler steps.

A step grows while Newton converges quickly, shrinks when it struggles, is capped at a
share of its segment (so every step of a protocol is resolved), and is sized so the vehicle
pH moves by about :attr:`TimeControl.ph_change_target` per step: the pH enters the chemistry
lagged within a step, so large pH jumps are rejected and retried shorter.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TimeControl"]


@dataclass(frozen=True)
class TimeControl:
    """Step-size rules (seconds, pH units). Halve every step size to check time convergence."""

    first_step_s: float = 0.02
    growth: float = 2.0
    steps_per_current_segment: int = 40
    steps_per_other_segment: int = 25
    max_attached_step_s: float = 60.0
    max_detached_step_s: float = 300.0
    ph_change_target: float = 0.15
    ph_change_limit: float = 0.25

    def refined(self, factor: float) -> TimeControl:
        """The same rules with every step ``factor`` times shorter (for convergence checks)."""
        return TimeControl(
            first_step_s=self.first_step_s / factor,
            growth=self.growth,
            steps_per_current_segment=round(self.steps_per_current_segment * factor),
            steps_per_other_segment=round(self.steps_per_other_segment * factor),
            max_attached_step_s=self.max_attached_step_s / factor,
            max_detached_step_s=self.max_detached_step_s / factor,
            ph_change_target=self.ph_change_target / factor,
            ph_change_limit=self.ph_change_limit / factor,
        )

    def max_step(self, duration_s: float, *, carries_current: bool, attached: bool) -> float:
        """The longest step allowed in a segment of ``duration_s`` seconds."""
        share = self.steps_per_current_segment if carries_current else self.steps_per_other_segment
        cap = self.max_attached_step_s if attached else self.max_detached_step_s
        return min(max(duration_s / share, 1e-3), cap)

    def next_step(self, taken_s: float, *, iterations: int, ph_change: float, max_step_s: float) -> float:
        """The next step after one of ``taken_s`` seconds that took ``iterations`` Newton iterations."""
        grow = self.growth if iterations <= 12 else 1.2 if iterations <= 24 else 0.7
        if ph_change > 0:
            grow = min(grow, max(0.5, self.ph_change_target / ph_change))
        return min(taken_s * grow, max_step_s)
