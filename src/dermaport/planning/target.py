"""Target-seeking: the gentlest setting that delivers at least a target amount into a layer.

"Deliver at least 20 µg/cm² of sodium ascorbyl phosphate into the viable epidermis": the
search looks at current density, time and (where physics allows both) polarity, and returns
the gentlest plan that reaches the target within every hard limit: the lowest peak current
density first, then the shortest time.

It assumes nothing about how delivery changes with current density: more current does not
always deliver more (a neutral active rides electroosmosis, which a stronger field and a
drifting vehicle pH can weaken; niacinamide under the anode delivers less at 0.4 mA/cm² than
at 0.1). So it *scans* the density levels, lowest first, each at the longest time the limits
allow there, and stops at the first level where the target is met; then it refines time on
that level by bisection over a 15-second grid. The one assumption is within a level: what
has crossed into a layer by the end of a longer step is at least what a shorter one gave,
and the vehicle pH drifts further with more charge. When the vehicle pH leaves 4–8 at a
level's longest time, that level is judged at the longest time that keeps it inside.

When no setting reaches the target, :class:`TargetUnreachableError` names the limits that bind
and the best figure found within them. Every engine call is counted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dermaport.errors import InputError, SafetyError
from dermaport.planning.predictor import LAYERS, Prediction
from dermaport.planning.settings import format_duration
from dermaport.safety.limits import (
    MAX_CHARGE_DOSE_MA_MIN,
    MAX_CURRENT_DENSITY_MA_PER_CM2,
    MAX_CURRENT_MA,
    MAX_CURRENT_STEP_S,
    MIN_RAMP_S,
    check_vehicle_ph,
)
from dermaport.units import registry

__all__ = [
    "DENSITY_GRID_MA_PER_CM2",
    "Evaluate",
    "SearchSpace",
    "SeekResult",
    "Target",
    "TargetUnreachableError",
    "Trial",
    "longest_within_ph",
    "parse_target",
    "seek",
]

logger = logging.getLogger(__name__)

#: Density levels tried, mA/cm² (the ceiling itself is added when it falls between two).
DENSITY_GRID_MA_PER_CM2 = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
TIME_STEP_S = 15.0
_EXAMPLE = "'20 ug/cm2 viable_epidermis'"

#: Evaluate: (electrode, current density mA/cm², duration s) → the engine's prediction.
Evaluate = Callable[[str, float, float], Prediction]


@dataclass(frozen=True)
class Target:
    """At least ``amount_ug_per_cm2`` into ``layer`` (a name in LAYERS)."""

    amount_ug_per_cm2: float
    layer: str

    def __str__(self) -> str:
        return f"{self.amount_ug_per_cm2:g} ug/cm2 {self.layer}"


def parse_target(text: str) -> Target:
    """Read ``"20 ug/cm2 viable_epidermis"``: an amount per area and a layer."""
    parts = text.strip().rsplit(None, 1)
    if len(parts) != 2:
        raise InputError(f"cannot read target {text!r}: give an amount per area and a layer, e.g. {_EXAMPLE}")
    amount_text, layer = parts[0], parts[1].lower().replace("-", "_")
    if layer not in LAYERS:
        raise InputError(f"target layer {parts[1]!r} is not one of {', '.join(LAYERS)}: e.g. {_EXAMPLE}")
    ureg = registry()
    try:
        quantity: Any = ureg.Quantity(amount_text)
        value = float(quantity.to("ug/cm**2").magnitude)
    except Exception as exc:  # pint raises many kinds for a malformed amount
        raise InputError(f"cannot read target amount {amount_text!r}: e.g. {_EXAMPLE}") from exc
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"target amount {amount_text!r} must be a positive amount per area: e.g. {_EXAMPLE}")
    return Target(value, layer)


@dataclass(frozen=True)
class SearchSpace:
    """What may vary: polarities physics allows, the density ceiling, the electrode.

    ``dose_used_ma_min`` is the charge other current steps of the session already use.
    """

    electrodes: tuple[str, ...]
    density_ceiling_ma_per_cm2: float
    electrode_area_cm2: float
    dose_used_ma_min: float = 0.0
    ramp_s: float = MIN_RAMP_S
    time_step_s: float = TIME_STEP_S

    @property
    def cap_ma_per_cm2(self) -> float:
        """The highest density allowed: the ceiling, the hard limit and 4 mA over the electrode."""
        return min(
            self.density_ceiling_ma_per_cm2,
            MAX_CURRENT_DENSITY_MA_PER_CM2,
            MAX_CURRENT_MA / self.electrode_area_cm2,
        )

    def levels(self) -> list[float]:
        """Density levels to try, ascending."""
        cap = self.cap_ma_per_cm2
        levels = [d for d in DENSITY_GRID_MA_PER_CM2 if d <= cap + 1e-12]
        if cap > 0 and (not levels or levels[-1] < cap - 1e-9):
            levels.append(math.floor(cap * 1000) / 1000)
        return levels

    @property
    def shortest_s(self) -> float:
        """Shortest step: a minute, and room for the ramps up and down."""
        return max(60.0, 2 * self.ramp_s)

    def longest_s(self, density: float) -> float:
        """Longest step at ``density``: the step-time limit, or the charge-dose limit."""
        current = density * self.electrode_area_cm2
        by_dose = (MAX_CHARGE_DOSE_MA_MIN - self.dose_used_ma_min) / current * 60.0
        return math.floor(min(MAX_CURRENT_STEP_S, by_dose) / self.time_step_s) * self.time_step_s


@dataclass(frozen=True)
class Trial:
    """One engine call: the setting, the amount in the target layer and the vehicle pH."""

    electrode: str
    density_ma_per_cm2: float
    duration_s: float
    delivered_ug_per_cm2: float
    ph_min: float
    ph_max: float
    prediction: Prediction

    @property
    def ph_ok(self) -> bool:
        """True when the vehicle pH stays within 4–8."""
        return not check_vehicle_ph(self.ph_min, self.ph_max)

    def describe(self) -> str:
        """``cathode 0.3 mA/cm² for 6 min``."""
        return f"{self.electrode} {self.density_ma_per_cm2:g} mA/cm² for {format_duration(self.duration_s)}"


@dataclass(frozen=True)
class SeekResult:
    """The gentlest trial that meets the target, and how many engine calls it took."""

    trial: Trial
    calls: int


class TargetUnreachableError(SafetyError):
    """No setting within the limits reaches the target; ``binding`` names the limits."""

    def __init__(self, message: str, *, best: Trial | None, binding: tuple[str, ...]) -> None:
        super().__init__(message)
        self.best = best
        self.binding = binding


class _Search:
    def __init__(self, target: Target | None, space: SearchSpace, evaluate: Evaluate) -> None:
        self.target, self.space, self.evaluate = target, space, evaluate
        self.trials: dict[tuple[str, float, float], Trial] = {}

    def trial(self, electrode: str, density: float, duration: float) -> Trial:
        key = (electrode, density, duration)
        if key not in self.trials:
            prediction = self.evaluate(electrode, density, duration)
            amount = prediction.reached(self.target.layer) if self.target is not None else math.nan
            self.trials[key] = Trial(
                electrode,
                density,
                duration,
                amount,
                prediction.vehicle_ph_min,
                prediction.vehicle_ph_max,
                prediction,
            )
            logger.debug("trial %s: %.4g ug/cm2", self.trials[key].describe(), amount)
        return self.trials[key]

    def meets(self, trial: Trial) -> bool:
        return self.target is not None and trial.delivered_ug_per_cm2 >= self.target.amount_ug_per_cm2

    def fits(self, trial: Trial) -> bool:
        """Meets the target with the vehicle pH inside 4–8."""
        return trial.ph_ok and self.meets(trial)

    def best_at(self, electrode: str, density: float) -> Trial | None:
        """The level's figure: its longest allowed time, shortened to keep the pH if it must be.

        None when no step fits at this level (too short for the ramps, or the pH leaves the
        range even at the shortest step). The pH bisection is run only where the longest time
        meets the target, since a shorter step does not deliver more.
        """
        longest = self.space.longest_s(density)
        if longest < self.space.shortest_s:
            return None
        top = self.trial(electrode, density, longest)
        if top.ph_ok or not self.meets(top):
            return top
        return self.longest_within_ph(electrode, density, longest)

    def shortest(self, electrode: str, density: float, known_s: float) -> Trial:
        """The shortest time on the grid at ``density`` that fits; ``known_s`` is one that does.

        Bisection keeping a fitting time as its upper end, so the trial returned always fits.
        """
        step = self.space.time_step_s
        lo, hi = math.ceil(self.space.shortest_s / step), round(known_s / step)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.fits(self.trial(electrode, density, mid * step)):
                hi = mid
            else:
                lo = mid + 1
        return self.trial(electrode, density, hi * step)

    def longest_within_ph(self, electrode: str, density: float, at_most_s: float = math.inf) -> Trial | None:
        """The longest time at ``density`` that keeps the vehicle pH in range (pH drifts with charge)."""
        step = self.space.time_step_s
        lo = math.ceil(self.space.shortest_s / step)
        hi = int(min(self.space.longest_s(density), at_most_s) / step)
        if hi < lo or not self.trial(electrode, density, lo * step).ph_ok:
            return None
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.trial(electrode, density, mid * step).ph_ok:
                lo = mid
            else:
                hi = mid - 1
        return self.trial(electrode, density, lo * step)


def seek(target: Target, space: SearchSpace, evaluate: Evaluate) -> SeekResult:
    """The gentlest (lowest density, then shortest time) trial meeting ``target`` within the limits.

    Scans the density levels upwards, each electrode at the level's longest allowed time
    (kept within the vehicle pH limit), and refines time at the first level that meets the
    target; no assumption that a higher level delivers more.
    """
    search = _Search(target, space, evaluate)
    levels = space.levels()
    for level in levels:
        fitting = [
            search.shortest(t.electrode, level, t.duration_s)
            for e in space.electrodes
            if (t := search.best_at(e, level)) is not None and search.fits(t)
        ]
        if fitting:
            best = min(fitting, key=lambda t: (t.duration_s, -t.delivered_ug_per_cm2))
            logger.info("target %s: %s after %d calls", target, best.describe(), len(search.trials))
            return SeekResult(best, len(search.trials))
    raise _unreachable(search, levels)


def longest_within_ph(
    space: SearchSpace, evaluate: Evaluate, electrode: str, density: float, *, at_most_s: float
) -> Trial | None:
    """The longest time on the grid, up to ``at_most_s``, that keeps the vehicle pH within 4–8.

    None when even the shortest step (``space.shortest_s``) leaves the range.
    """
    return _Search(None, space, evaluate).longest_within_ph(electrode, density, at_most_s)


def _unreachable(search: _Search, levels: list[float]) -> TargetUnreachableError:
    space, target = search.space, search.target
    assert target is not None
    for electrode in space.electrodes:
        # the best figure within the pH limit: where the scan's best level left the range at its
        # longest time, find how much it gives at the longest time that keeps the pH inside
        outside = [t for t in search.trials.values() if t.electrode == electrode and not t.ph_ok]
        if outside:
            top = max(outside, key=lambda t: t.delivered_ug_per_cm2)
            search.longest_within_ph(electrode, top.density_ma_per_cm2, top.duration_s)
    trials = list(search.trials.values())
    within = [t for t in trials if t.ph_ok]
    best = max(within, key=lambda t: t.delivered_ug_per_cm2, default=None)
    binding: list[str] = []
    if not levels:
        binding.append(f"current density {space.cap_ma_per_cm2:g} mA/cm² (no current allowed)")
    else:
        top_level = levels[-1]
        if space.cap_ma_per_cm2 == MAX_CURRENT_MA / space.electrode_area_cm2:
            binding.append(f"current {MAX_CURRENT_MA:g} mA")
        else:
            binding.append(f"current density {space.cap_ma_per_cm2:g} mA/cm²")
        if space.longest_s(top_level) >= MAX_CURRENT_STEP_S:
            binding.append(f"treatment time {MAX_CURRENT_STEP_S / 60:g} min")
        else:
            binding.append(f"charge dose {MAX_CHARGE_DOSE_MA_MIN:g} mA·min")
    if any(not t.ph_ok for t in trials):
        binding.append("vehicle pH 4–8")
    figure = (
        f"the best reachable is {best.delivered_ug_per_cm2:.3g} µg/cm² ({best.describe()})"
        if best is not None
        else "nothing is reachable"
    )
    message = (
        f"refused: no plan delivers {target.amount_ug_per_cm2:g} µg/cm² into {target.layer} within every "
        f"limit: {figure}; binding: {', '.join(binding)}"
    )
    return TargetUnreachableError(message, best=best, binding=tuple(binding))
