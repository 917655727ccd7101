"""The runner's electroporation controller on the simulated pulse generator: trains, interlocks, faults.

The fault matrix: each of the generator's faults at four places — the first pulse, mid-train
(at a pulse), the pause between two pulses, and the pause between two trains (the hold between
a unipolar and a bipolar step) — ends the session ``failed`` with the fault named and the
output off within one pulse period of the fault's effect, by the generator's own record of its
output (not the runner's). A fault that acts on pulses (misfire, over-current) takes effect at
the next pulse that comes due; the others at their time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import pytest

from dermaport.device.clock import FakeClock
from dermaport.device.documents import validate
from dermaport.device.electrical import skin_load
from dermaport.device.faults import Fault
from dermaport.device.pulse_simulated import PULSE_FAULT_KINDS, SimulatedPulseGenerator
from dermaport.device.runner import RunResult, SessionRunner
from dermaport.device.session_plan import plan_from_steps
from dermaport.device.simulated import SimulatedDevice
from dermaport.errors import SafetyError
from dermaport.physics.electroporation import BarrierModel
from dermaport.safety.pulse_limits import PulseLimitError

AREA_CM2 = 1.5
PERIOD_S = 2.0  # 0.5 Hz: the reference train's 1 Hz breaks the mean current density limit
WIDTH_S = 1e-3
TRAINS = (
    "electroporation 100 V 1 ms x 5 pulses at 0.5 Hz anode",
    "electroporation bipolar 100 V 1 ms x 5 pulses at 0.5 Hz",
)


class _Recorder:
    """Keeps every document, validated; confirms a hold 3 s after it began."""

    def __init__(self) -> None:
        self.documents: list[tuple[str, Mapping[str, Any]]] = []
        self.runner: SessionRunner | None = None
        self._hold_at: float | None = None
        self._confirmed = False

    def __call__(self, name: str, document: Mapping[str, Any]) -> None:
        validate(name, document)
        self.documents.append((name, document))
        if name == "event" and document["kind"] == "hold":
            self._hold_at = document["time_s"]
        if (
            name == "reading"
            and self._hold_at is not None
            and not self._confirmed
            and document["time_s"] >= self._hold_at + 3.0
        ):
            self._confirmed = True
            assert self.runner is not None
            self.runner.confirm()

    def named(self, name: str) -> list[Mapping[str, Any]]:
        return [d for n, d in self.documents if n == name]


def _session(
    *faults: Fault, steps: tuple[str, ...] = TRAINS
) -> tuple[RunResult, SimulatedPulseGenerator, _Recorder]:
    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock, faults=faults)
    plan = plan_from_steps(list(steps), electrode_area_cm2=AREA_CM2)
    recorder = _Recorder()
    runner = SessionRunner(gen, plan, clock=clock, subscribers=[recorder])
    recorder.runner = runner
    return runner.run(), gen, recorder


def test_two_trains_deliver_every_pulse_and_the_documents_carry_them() -> None:
    result, gen, recorder = _session()
    assert result.status == "complete", result.reason
    fired = [p for p in gen.pulses if p.fired]
    assert len(fired) == 10
    assert result.pulse_count == 10
    assert result.to_json()["pulse_count"] == 10
    assert not gen.output_is_on()
    start = recorder.named("start")[0]
    assert start["schema_version"] == 2
    assert [s["modality"] for s in start["plan"]["segments"]] == ["electroporation", "electroporation"]
    assert start["device"]["max_voltage_V"] == gen.max_voltage_V
    stop = recorder.named("stop")[0]
    assert stop["pulses_delivered"] == 10
    assert stop["pulse_charge_uC"] == pytest.approx(sum(p.charge_uC for p in fired), rel=1e-9)
    assert stop["pulse_energy_mJ"] == pytest.approx(sum(p.energy_mJ for p in fired), rel=1e-9)
    readings = recorder.named("reading")
    assert readings[-1]["pulses_delivered"] == 10
    assert max(r["current_mA"] for r in readings) == pytest.approx(max(p.peak_current_mA for p in fired))
    # the pulses fire one period apart from the output going on, and not before
    times = [p.time_s for p in fired[:5]]
    assert [b - a for a, b in itertools.pairwise(times)] == pytest.approx([PERIOD_S] * 4)
    assert any(e["kind"] == "hold" for e in result.events)  # unipolar → bipolar: the operator confirms


def test_the_reference_train_is_refused_before_any_output() -> None:
    """100 V 1 ms at 1 Hz: its d.c. part through porated skin, 0.78 mA/cm², is over the 0.5 mA/cm²."""
    with pytest.raises(PulseLimitError, match="mean current density"):
        plan_from_steps(["electroporation 100 V 1 ms pulses at 1 Hz for 5 min anode"], electrode_area_cm2=2.0)


def test_a_step_drawing_more_than_the_generator_can_is_refused() -> None:
    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock, max_current_mA=1000.0)
    plan = plan_from_steps([TRAINS[0]], electrode_area_cm2=AREA_CM2)  # ~1.56 A into porated skin
    with pytest.raises(SafetyError, match="current limit"):
        SessionRunner(gen, plan, clock=clock).run()
    assert gen.switches == [] or not gen.output_is_on()


def test_a_pulse_plan_is_refused_on_a_galvanic_device_and_the_reverse() -> None:
    clock = FakeClock()
    plan = plan_from_steps([TRAINS[0]], electrode_area_cm2=AREA_CM2)
    with pytest.raises(SafetyError, match="cannot deliver"):
        SessionRunner(SimulatedDevice(skin_load(AREA_CM2), clock=clock), plan, clock=clock).run()
    galvanic = plan_from_steps(["iontophoresis anode 0.2 mA/cm2 for 2 min"], electrode_area_cm2=AREA_CM2)
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock)
    with pytest.raises(SafetyError, match="cannot deliver"):
        SessionRunner(gen, galvanic, clock=clock).run()
    assert not gen.output_is_on()


def test_stop_and_pause_switch_the_pulses_off_at_once_and_a_resume_delivers_the_rest() -> None:
    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock)
    plan = plan_from_steps([TRAINS[0]], electrode_area_cm2=AREA_CM2)
    runner: SessionRunner

    def operator(name: str, document: Mapping[str, Any]) -> None:
        if name != "reading":
            return
        t = document["time_s"]
        if document["state"] == "deliver" and 4.5 <= t < 4.55:
            runner.pause()
        if document["state"] == "paused" and t >= 10.0:
            runner.resume()

    runner = SessionRunner(gen, plan, clock=clock, subscribers=[operator])
    result = runner.run()
    assert result.status == "complete", result.reason
    assert len([p for p in gen.pulses if p.fired]) == 5
    offs = [t for t, on in gen.switches if not on]
    assert any(4.5 <= t <= 4.6 for t in offs)  # off within a tick of the pause
    assert result.pulse_count == 5

    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock)

    def stopper(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading" and document["time_s"] >= 3.0:
            runner.stop()

    runner = SessionRunner(gen, plan, clock=clock, subscribers=[stopper])
    result = runner.run()
    assert result.status == "stopped"
    assert result.pulse_count == 2
    assert not gen.output_is_on()
    assert result.output_off_at_s is not None
    assert result.output_off_at_s <= 3.1


# -- the fault matrix ------------------------------------------------------------------------------

#: Where a fault strikes (s from the start): the first pulse, mid-train at pulse 3, the pause
#: between pulses 3 and 4, the hold between the two trains (train 1 ends at 8.001 s).
PLACES = {
    "first pulse": 0.0,
    "mid-train": 2 * PERIOD_S,
    "between pulses": 2.5 * PERIOD_S,
    "between trains": 9.5,
}
ON_PULSES = ("misfire", "over-current")
REASONS = {
    "contact-loss": ("contact lost", "open circuit"),
    "arc": ("arc",),
    "misfire": ("misfire",),
    "over-current": ("over-current", "pulse current"),
    "comm-loss": ("communication lost",),
    "device-reset": ("device reset",),
}


def _fault_time(kind: str, place: str) -> float:
    """Faults on pulses are there when a pulse comes due; the others strike within a pulse."""
    at = PLACES[place]
    return at if kind in ON_PULSES or place in ("between pulses", "between trains") else at + WIDTH_S / 2


def _effect_time(kind: str, at_s: float) -> float:
    """When the fault first acts: its time, or for faults on pulses the next pulse due."""
    if kind not in ON_PULSES:
        return at_s
    starts = [k * PERIOD_S for k in range(5)]  # train 1 starts at 0 on the fake clock
    later = [t for t in starts if t >= at_s - 1e-12]
    return later[0] if later else at_s  # in the hold: the next train's first pulse, found below


def _off_at(gen: SimulatedPulseGenerator, after_s: float) -> float:
    """The first time at or after ``after_s`` the generator's output is off (its own record)."""
    on = False
    for t, state in gen.switches:
        if t > after_s:
            if on and not state:
                return t
            if not on:
                return after_s
        on = state
    assert not on
    return after_s


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("kind", PULSE_FAULT_KINDS)
def test_each_pulse_fault_ends_the_output_within_one_period_and_fails(kind: str, place: str) -> None:
    at_s = _fault_time(kind, place)
    result, gen, recorder = _session(Fault(kind, at_s))
    assert result.status == "failed", (kind, place, result.reason)
    assert any(word in result.reason for word in REASONS[kind]), (kind, place, result.reason)
    assert not gen.output_is_on()
    effect = _effect_time(kind, at_s)
    if place == "between trains" and kind in ON_PULSES:
        ons = [t for t, state in gen.switches if state and t > at_s]
        effect = ons[0] if ons else at_s  # the second train's first pulse, at its switch-on
    off = _off_at(gen, effect)
    assert off - effect <= PERIOD_S + 1e-9, (kind, place, effect, off)
    late = [p for p in gen.pulses if p.fired and p.charge_uC > 0 and p.time_s > effect + PERIOD_S]
    assert late == []
    assert result.fault_at_s is not None
    assert result.fault_at_s - effect <= PERIOD_S + 1e-9
    assert result.pulse_count == len([p for p in gen.pulses if p.fired and p.charge_uC > 0]) or kind in (
        "contact-loss",
        "comm-loss",
    )
    stops = recorder.named("stop")
    if stops:  # a link lost before the start leaves no documents
        assert stops[0]["status"] == "failed"
        assert stops[0]["pulses_delivered"] == result.pulse_count
    # nothing resumes: once failed, no switch-on follows the fault's trip
    assert all(not state for t, state in gen.switches if t > (result.fault_at_s or 0.0) + 1e-9)
    assert math.isfinite(off)


def test_a_pause_after_the_last_pulse_resumes_to_nothing_left() -> None:
    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock)
    plan = plan_from_steps([TRAINS[0]], electrode_area_cm2=AREA_CM2)  # pulses at 0, 2, … 8 s
    runner: SessionRunner

    def operator(name: str, document: Mapping[str, Any]) -> None:
        if name == "reading" and document["state"] == "deliver" and document["step_pulses_delivered"] == 5:
            runner.pause()
        if name == "reading" and document["state"] == "paused" and document["time_s"] >= 10.0:
            runner.resume()

    runner = SessionRunner(gen, plan, clock=clock, subscribers=[operator])
    result = runner.run()
    assert result.status == "complete", result.reason
    assert result.pulse_count == 5 == len([p for p in gen.pulses if p.fired])
    assert [on for _, on in gen.switches].count(True) == 1  # the resume switched nothing on
