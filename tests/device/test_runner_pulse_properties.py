"""Property tests of pulse sessions: over random trains, generator faults and operator actions.

The generator's own record (its pulses and output switches) is the oracle: the pulses that
carry charge never outnumber the plan's; once the session has failed or stopped, the output
never goes on again and no pulse fires after it; a complete session fired every planned pulse
and met no fault that a reading shows while the output was on; the output is off at the end;
the documents count no more pulses than fired.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dermaport.device import FakeClock, Fault, SessionRunner, plan_from_steps
from dermaport.device.faults import PULSE_FAULT_KINDS
from dermaport.device.pulse_simulated import SimulatedPulseGenerator
from dermaport.physics.electroporation import BarrierModel

trains = st.lists(
    st.builds(
        lambda bipolar, volts, count, hz: (
            f"electroporation bipolar {volts} V 1 ms x {count} pulses at {hz} Hz"
            if bipolar
            else f"electroporation {volts} V 1 ms x {count} pulses at {hz} Hz anode"
        ),
        st.booleans(),
        st.sampled_from([60, 80, 100]),
        st.integers(min_value=1, max_value=5),
        st.sampled_from([0.25, 0.5]),
    ),
    min_size=1,
    max_size=2,
)
faults = st.lists(
    st.builds(Fault, st.sampled_from(PULSE_FAULT_KINDS), st.floats(min_value=0.0, max_value=30.0)), max_size=2
)
#: Faults a reading shows at once (misfire and over-current wait for a pulse to come due).
SHOWN = ("contact-loss", "arc", "comm-loss", "device-reset")
actions = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=30.0), st.sampled_from(["pause", "resume", "stop", "confirm"])
    ),
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(steps=trains, faults=faults, actions=actions)
def test_pulses_stay_within_the_plan_and_nothing_resumes_after_the_end(
    steps: list[str], faults: list[Fault], actions: list[tuple[float, str]]
) -> None:
    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock, faults=faults)
    plan = plan_from_steps(steps, electrode_area_cm2=1.0)
    pending = sorted(actions)
    asked: list[tuple[float, str]] = []
    runner: SessionRunner

    def operator(name: str, document: Mapping[str, Any]) -> None:
        if name != "reading":
            return
        while pending and pending[0][0] <= document["time_s"]:
            _, action = pending.pop(0)
            asked.append((document["time_s"], action))
            getattr(runner, action)()

    runner = SessionRunner(gen, plan, clock=clock, subscribers=[operator], max_pause_s=20.0)
    result = runner.run()
    clock.advance(1.0)
    assert not gen.output_is_on()
    charged = [p for p in gen.pulses if p.fired and p.charge_uC > 0]
    assert len(charged) <= plan.pulse_count
    assert result.pulse_count <= len([p for p in gen.pulses if p.fired])
    if result.status == "complete":
        assert len([p for p in gen.pulses if p.fired]) == plan.pulse_count
        # a fault the readings show at once, striking while the output was on, never completes
        on_at = None
        for t, on in gen.switches:
            if on:
                on_at = t
            elif on_at is not None:
                assert not [f for f in faults if f.kind in SHOWN and on_at + 1e-6 < f.at_s < t - 1e-6]
                on_at = None
    if result.status in ("failed", "stopped"):
        end = (
            result.fault_at_s
            if result.status == "failed"
            else max((t for t, a in asked if a == "stop"), default=None)
        )
        if end is not None:
            # the generator may fire the pulse already due at the end's own tick, never one after
            assert all(p.time_s <= end + 1e-9 for p in charged)
            ons = [t for t, on in gen.switches if on and t > end + 1e-9]
            assert ons == []


@settings(max_examples=40, deadline=None)
@given(steps=trains)
def test_without_faults_every_train_completes(steps: list[str]) -> None:
    """No false trips: the bounds of a later train start from the barrier the earlier ones leave."""
    clock = FakeClock()
    gen = SimulatedPulseGenerator(BarrierModel(), clock=clock)
    runner: SessionRunner

    def confirm_holds(name: str, document: Mapping[str, Any]) -> None:
        if name == "event" and document["kind"] == "hold":
            runner.confirm()

    runner = SessionRunner(
        gen, plan_from_steps(steps, electrode_area_cm2=1.0), clock=clock, subscribers=[confirm_holds]
    )
    result = runner.run()
    assert result.status == "complete", result.reason
    assert (
        result.pulse_count
        == len([p for p in gen.pulses if p.fired])
        == sum(int(s.split(" x ")[1].split()[0]) for s in steps)
    )
