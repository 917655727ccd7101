"""Target-seeking for electroporation: the gentlest pulse train that delivers a target amount.

The galvanic search (:mod:`dermaport.planning.target`) scans current-density levels; this one
scans pulse levels (:func:`dermaport.planning.pulses.levels`): voltages 50 … 150 V, lowest first,
and at each voltage pulse widths 1 … 10 ms, shortest first, each at the highest frequency whose
train stays within every hard limit. Nothing is assumed about how delivery changes from one
level to the next (poration switches on steeply with voltage, and a longer pulse or a stronger
one also drives the vehicle pH further). Each level is judged at the longest train its limits
allow (pulse count, exposure dose, 20 min, and the per-pulse energy, charge, r.m.s. current and
temperature rise as the barrier porates over the train); at the first level that meets the
target, time is refined by bisection on the 15-s grid, keeping a train that meets it (with the
vehicle pH within 4–8) as the upper end. As in the galvanic search, the one assumption is within
a level: a longer train delivers at least what a shorter one did and drifts the pH further.

When no level reaches the target, :class:`~dermaport.planning.target.TargetUnreachableError`
names what binds and the best figure found within the pH limit (the train that delivered most
but left 4–8 is shortened to the longest that keeps it). Every engine call is counted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from dermaport.planning.predictor import Prediction
from dermaport.planning.pulses import (
    PULSE_TIME_STEP_S,
    SHORTEST_PULSE_STEP_S,
    PulseCheck,
    PulseLevel,
    check_train,
    longest_passing,
    prediction_breaches,
)
from dermaport.planning.target import Target, TargetUnreachableError
from dermaport.protocol.pulses import PulseTrain
from dermaport.safety.limits import check_vehicle_ph

__all__ = ["PulseSeekResult", "PulseTrial", "longest_pulse_within_ph", "seek_pulses"]

logger = logging.getLogger(__name__)

#: Evaluate: a pulse step's text → the engine's prediction.
PulseEvaluate = Callable[[str], Prediction]


@dataclass(frozen=True)
class PulseTrial:
    """One engine call on a checked pulse step."""

    check: PulseCheck
    prediction: Prediction
    delivered_ug_per_cm2: float

    @property
    def ph_ok(self) -> bool:
        """The vehicle pH stayed within 4–8 and the engine's temperature rise within its limit."""
        p = self.prediction
        return not check_vehicle_ph(p.vehicle_ph_min, p.vehicle_ph_max) and not prediction_breaches(p)

    def describe(self) -> str:
        """The step text."""
        return self.check.text


@dataclass(frozen=True)
class PulseSeekResult:
    """The gentlest trial that meets the target and the engine calls it took."""

    trial: PulseTrial
    calls: int


class _PulseSearch:
    def __init__(self, target: Target | None, evaluate: PulseEvaluate, sensitivity: str | None) -> None:
        self.target, self.evaluate, self.sensitivity = target, evaluate, sensitivity
        self.trials: dict[str, PulseTrial] = {}

    def trial(self, check: PulseCheck) -> PulseTrial:
        if check.text not in self.trials:
            prediction = self.evaluate(check.text)
            amount = prediction.reached(self.target.layer) if self.target is not None else math.nan
            self.trials[check.text] = PulseTrial(check, prediction, amount)
            logger.debug("pulse trial %s: %.4g ug/cm2", check.text, amount)
        return self.trials[check.text]

    def at(self, level: PulseLevel, seconds: float) -> PulseTrial | None:
        check = check_train(level.step(seconds), sensitivity=self.sensitivity)
        return self.trial(check) if check.ok else None

    def fits(self, trial: PulseTrial | None) -> bool:
        return (
            trial is not None
            and self.target is not None
            and trial.ph_ok
            and trial.delivered_ug_per_cm2 >= self.target.amount_ug_per_cm2
        )

    def shortest(self, level: PulseLevel, known_s: float) -> PulseTrial:
        """The shortest grid time at ``level`` that fits; ``known_s`` is one that does."""
        step = PULSE_TIME_STEP_S
        lo, hi = math.ceil(SHORTEST_PULSE_STEP_S / step), round(known_s / step)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.fits(self.at(level, mid * step)):
                hi = mid
            else:
                lo = mid + 1
        found = self.at(level, hi * step)
        assert found is not None
        return found

    def within_ph(self, level: PulseLevel, at_most_s: float) -> PulseTrial | None:
        """The longest grid time up to ``at_most_s`` whose prediction keeps the pH (and heat) in range."""
        step = PULSE_TIME_STEP_S
        lo, hi = math.ceil(SHORTEST_PULSE_STEP_S / step), int(at_most_s / step + 1e-9)
        first = self.at(level, lo * step)
        if hi < lo or first is None or not first.ph_ok:
            return None
        while lo < hi:
            mid = (lo + hi + 1) // 2
            t = self.at(level, mid * step)
            if t is not None and t.ph_ok:
                lo = mid
            else:
                hi = mid - 1
        return self.at(level, lo * step)


def seek_pulses(
    target: Target, levels: list[PulseLevel], evaluate: PulseEvaluate, *, sensitivity: str | None
) -> PulseSeekResult:
    """The gentlest pulse train meeting ``target``: the first level that does, then the shortest time."""
    search = _PulseSearch(target, evaluate, sensitivity)
    for level in levels:
        longest = longest_passing(level, sensitivity=sensitivity)
        if longest is None:
            continue
        top = search.trial(longest)
        meets = top.delivered_ug_per_cm2 >= target.amount_ug_per_cm2
        if meets and not top.ph_ok:
            kept = search.within_ph(level, longest.duration_s)
            top = kept if kept is not None else top
        if search.fits(top):
            best = search.shortest(level, top.check.duration_s)
            logger.info("target %s: %s after %d calls", target, best.describe(), len(search.trials))
            return PulseSeekResult(best, len(search.trials))
    raise _unreachable(search, levels)


def longest_pulse_within_ph(
    level: PulseLevel, evaluate: PulseEvaluate, *, sensitivity: str | None, at_most_s: float
) -> tuple[PulseTrial | None, int]:
    """The longest train at ``level`` up to ``at_most_s`` that keeps the vehicle pH in 4–8, and the calls."""
    search = _PulseSearch(None, evaluate, sensitivity)
    return search.within_ph(level, at_most_s), len(search.trials)


def _unreachable(search: _PulseSearch, levels: list[PulseLevel]) -> TargetUnreachableError:
    target = search.target
    assert target is not None
    outside = [t for t in search.trials.values() if not t.ph_ok]
    if outside:  # the best figure within the pH limit: shorten the best train that left it
        top = max(outside, key=lambda t: t.delivered_ug_per_cm2)
        step = top.check.step
        if isinstance(step, PulseTrain):
            level = PulseLevel(
                step.voltage.si, step.width.si, step.frequency.si, None if step.bipolar else step.electrode
            )
            search.within_ph(level, top.check.duration_s - PULSE_TIME_STEP_S)
    within = [t for t in search.trials.values() if t.ph_ok]
    best = max(within, key=lambda t: t.delivered_ug_per_cm2, default=None)
    binding = ["pulse limits (IEC 60601-2-10 output, per-pulse charge and energy, temperature rise)"]
    if not levels:
        binding = ["pulse limits: no pulse level is within them on this skin"]
    binding.append("treatment time 20 min, 1200 pulses, 100 V·s")
    if any(not t.ph_ok for t in search.trials.values()):
        binding.append("vehicle pH 4–8")
    figure = (
        f"the best reachable is {best.delivered_ug_per_cm2:.3g} µg/cm² ({best.describe()})"
        if best is not None
        else "nothing is reachable"
    )
    message = (
        f"refused: no pulse train delivers {target.amount_ug_per_cm2:g} µg/cm² into {target.layer} within "
        f"every limit ({len(search.trials)} engine calls over {len(levels)} pulse levels): {figure}; "
        f"binding: {', '.join(binding)}"
    )
    return TargetUnreachableError(message, best=None, binding=tuple(binding))
