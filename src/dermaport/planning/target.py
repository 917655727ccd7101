"""Target-seeking: the gentlest setting that delivers at least a target amount into a layer.

"Deliver at least 20 µg/cm² of sodium ascorbyl phosphate into the viable epidermis": the
search looks at current density, time and (where physics allows both) polarity, and returns
the gentlest plan that reaches the target within every hard limit: the lowest peak current
density first, then the shortest time.

It assumes what the physics guarantees for one polarity: more charge never delivers less,
so delivery grows with time at a given density, and with density at the longest time the
limits allow. That makes both searches bisections: over a grid of density levels (is the
target reachable at this level's longest allowed time?), then over time on a 15-second grid
at the lowest level that reaches it. The vehicle pH drifts further with more charge, so it
is checked at the shortest time found; if it leaves 4–8 there, the next level up is tried.
A few dozen engine calls at most; each is counted.

When no setting reaches the target, :class:`TargetUnreachableError` names the limits that bind
and the best figure reachable within them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dermaport.errors import InputError, SafetyError
from dermaport.planning.predictor import LAYERS, reached, vehicle_ph_range
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
Evaluate = Callable[[str, float, float], Mapping[str, Any]]


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
    prediction: Mapping[str, Any]

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
            low, high = vehicle_ph_range(prediction)
            amount = reached(prediction, self.target.layer) if self.target is not None else math.nan
            self.trials[key] = Trial(electrode, density, duration, amount, low, high, prediction)
            logger.debug("trial %s: %.4g ug/cm2", self.trials[key].describe(), amount)
        return self.trials[key]

    def meets(self, trial: Trial) -> bool:
        return self.target is not None and trial.delivered_ug_per_cm2 >= self.target.amount_ug_per_cm2

    def reaches(self, electrode: str, density: float) -> bool:
        longest = self.space.longest_s(density)
        return longest >= self.space.shortest_s and self.meets(self.trial(electrode, density, longest))

    def lowest_level(self, electrode: str, levels: list[float]) -> int | None:
        lo, hi = 0, len(levels) - 1
        if hi < 0 or not self.reaches(electrode, levels[hi]):
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            if self.reaches(electrode, levels[mid]):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def shortest(self, electrode: str, density: float, at_most_s: float = math.inf) -> Trial:
        """The shortest time on the grid meeting the target at ``density``.

        ``at_most_s`` is a time already known to meet it at a lower density (more current
        for as long never delivers less), which narrows the bisection.
        """
        step = self.space.time_step_s
        first = math.ceil(self.space.shortest_s / step)
        lo, hi = first, int(min(self.space.longest_s(density), at_most_s) / step)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.meets(self.trial(electrode, density, mid * step)):
                hi = mid
            else:
                lo = mid + 1
        return self.trial(electrode, density, lo * step)

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
    """The gentlest (lowest density, then shortest time) trial meeting ``target`` within the limits."""
    search = _Search(target, space, evaluate)
    levels = space.levels()
    lowest = {e: search.lowest_level(e, levels) for e in space.electrodes}
    reachable = [i for i in lowest.values() if i is not None]
    if reachable:
        known: dict[str, float] = {}  # per electrode, a time that meets the target at a lower level
        for index in range(min(reachable), len(levels)):
            found = [
                search.shortest(e, levels[index], known.get(e, math.inf))
                for e in space.electrodes
                if (i := lowest[e]) is not None and i <= index and search.reaches(e, levels[index])
            ]
            known.update((t.electrode, t.duration_s) for t in found if search.meets(t))
            fitting = [t for t in found if t.ph_ok and search.meets(t)]
            if fitting:
                best = min(fitting, key=lambda t: t.duration_s)
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
    if levels:
        for electrode in space.electrodes:
            search.longest_within_ph(electrode, levels[-1])
    trials = list(search.trials.values())
    within = [t for t in trials if t.ph_ok]
    best = max(within, key=lambda t: t.delivered_ug_per_cm2, default=None)
    binding: list[str] = []
    if not levels:
        binding.append(f"current density {space.cap_ma_per_cm2:g} mA/cm² (no current allowed)")
    else:
        top = levels[-1]
        if space.cap_ma_per_cm2 == MAX_CURRENT_MA / space.electrode_area_cm2:
            binding.append(f"current {MAX_CURRENT_MA:g} mA")
        else:
            binding.append(f"current density {space.cap_ma_per_cm2:g} mA/cm²")
        if space.longest_s(top) >= MAX_CURRENT_STEP_S:
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
