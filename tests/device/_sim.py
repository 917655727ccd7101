"""Helpers for device tests: a simulated session on the fake clock, with scripted operator actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dermaport.device import FakeClock, Fault, SessionRunner, SimulatedDevice, plan_from_steps
from dermaport.device.electrical import skin_load
from dermaport.device.runner import DELIVERING, RunResult

PERIOD_S = 0.05
STEP = "iontophoresis anode 2 mA for 3 min ramp 30 s"


class Operator:
    """A subscriber that presses pause, resume or stop at the first reading at or after a time."""

    def __init__(self, actions: Sequence[tuple[float, str]]) -> None:
        self.actions = sorted(actions)
        self.runner: SessionRunner | None = None

    def __call__(self, name: str, document: Mapping[str, Any]) -> None:
        if name != "reading" or self.runner is None:
            return
        while self.actions and self.actions[0][0] <= document["time_s"] + 1e-9:
            _, action = self.actions.pop(0)
            getattr(self.runner, action)()


@dataclass
class Session:
    """One finished simulated session: its result, the device's truth and every document."""

    result: RunResult
    device: SimulatedDevice
    clock: FakeClock
    documents: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def named(self, name: str) -> list[dict[str, Any]]:
        return [d for n, d in self.documents if n == name]

    def state_at(self, t: float) -> str:
        """The runner's state at time ``t`` (the last change at or before it)."""
        state = "idle"
        for when, name in self.result.states:
            if when <= t:
                state = name
        return state


def run_session(
    steps: Sequence[str] = (STEP,),
    *,
    faults: Sequence[Fault] = (),
    actions: Sequence[tuple[float, str]] = (),
    area_cm2: float = 10.0,
    seed: int = 0,
    max_pause_s: float = 600.0,
    **device_options: Any,
) -> Session:
    """Run ``steps`` on a fresh simulated device on the fake clock."""
    clock = FakeClock()
    device = SimulatedDevice(skin_load(area_cm2), clock=clock, faults=faults, seed=seed, **device_options)
    plan = plan_from_steps(list(steps), electrode_area_cm2=area_cm2)
    documents: list[tuple[str, dict[str, Any]]] = []
    operator = Operator(actions)
    runner = SessionRunner(
        device,
        plan,
        clock=clock,
        period_s=PERIOD_S,
        max_pause_s=max_pause_s,
        subscribers=[lambda n, d: documents.append((n, dict(d))), operator],
    )
    operator.runner = runner
    result = runner.run()
    return Session(result, device, clock, documents)


def flowing_outside_delivery(session: Session) -> list[tuple[float, float, str]]:
    """Every interval of real current during which the runner was not in a delivering state."""
    history = session.device.history
    bad = []
    changes = [t for t, _ in session.result.states]
    for i, (start, current) in enumerate(history):
        if current <= 0:
            continue
        end = history[i + 1][0] if i + 1 < len(history) else float("inf")
        if end <= start:
            continue  # superseded at the same instant: no charge flowed
        moments = [start] + [t for t in changes if start < t < end]
        bad += [(t, current, session.state_at(t)) for t in moments if session.state_at(t) not in DELIVERING]
    return bad
