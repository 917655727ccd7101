"""The simulated pulse generator on its own: porating load, counts, charge, faults."""

from __future__ import annotations

import pytest

from dermaport.device.clock import FakeClock
from dermaport.device.faults import Fault
from dermaport.device.pulse_simulated import PulseConfig, SimulatedPulseGenerator
from dermaport.errors import DeviceCommunicationError, DeviceRefusedError, InputError
from dermaport.physics.electroporation import BarrierModel, BarrierState
from dermaport.protocol.pulses import parse_electroporation

AREA_CM2 = 2.0


def _generator(*faults: Fault) -> tuple[SimulatedPulseGenerator, FakeClock]:
    clock = FakeClock()
    return SimulatedPulseGenerator(BarrierModel(), clock=clock, faults=faults), clock


def _run(gen: SimulatedPulseGenerator, clock: FakeClock, text: str, seconds: float) -> list[float]:
    """Configure, switch on, read every 50 ms for ``seconds``; return the impedances read."""
    gen.configure(PulseConfig(parse_electroporation(text).schedule(), AREA_CM2))
    gen.output(True)
    seen = []
    for _ in range(round(seconds / 0.05)):
        clock.advance(0.05)
        try:
            seen.append(gen.read().impedance_ohm)
        except DeviceCommunicationError:
            break
    return seen


def test_a_train_fires_every_pulse_and_the_load_falls_then_recovers() -> None:
    gen, clock = _generator()
    impedances = _run(gen, clock, "electroporation 100 V 1 ms x 10 pulses at 1 Hz", 25.0)
    intact_ohm = gen.load_ohm(BarrierState.intact(gen.model.kinetics))
    assert intact_ohm == pytest.approx(0.8 / 2e-4 + gen.model.circuit.series_ohm_m2() / 2e-4 + 10, rel=1e-9)
    fired = [p for p in gen.pulses if p.fired]
    assert len(fired) == 10
    assert gen.read().pulses_fired == 10
    assert min(p.load_min_ohm for p in fired) < 0.05 * intact_ohm  # the skin porates in each pulse
    assert max(impedances[:180]) < 0.5 * intact_ohm  # partly recovered between pulses 1 s apart
    assert impedances[-1] > 0.95 * intact_ohm  # and wholly within seconds after the last
    for pulse in fired:
        assert pulse.signed_charge_uC == pytest.approx(pulse.charge_uC)  # unipolar
        assert pulse.energy_mJ == pytest.approx(100.0 * pulse.charge_uC * 1e-3)
        assert 0 < pulse.peak_current_mA <= gen.max_current_mA


def test_a_bipolar_train_is_nearly_charge_balanced() -> None:
    gen, clock = _generator()
    _run(gen, clock, "electroporation bipolar 100 V 1 ms x 5 pulses at 1 Hz", 5.5)
    fired = [p for p in gen.pulses if p.fired]
    assert len(fired) == 5
    net = sum(p.signed_charge_uC for p in fired)
    gross = sum(p.charge_uC for p in fired)
    assert abs(net) < 0.5 * gross


def test_contact_loss_carries_no_current_and_is_flagged() -> None:
    gen, clock = _generator(Fault("contact-loss", 2.5))
    _run(gen, clock, "electroporation 100 V 1 ms x 6 pulses at 1 Hz", 6.5)
    reading = gen.read()
    assert "open-circuit" in reading.flags
    assert reading.impedance_ohm >= 1e7
    late = [p for p in gen.pulses if p.time_s > 2.5]
    assert late
    assert all(p.charge_uC == 0.0 for p in late)


def test_an_arc_collapses_the_impedance_and_trips_the_output() -> None:
    gen, clock = _generator(Fault("arc", 3.5))
    _run(gen, clock, "electroporation 100 V 1 ms x 10 pulses at 1 Hz", 6.0)
    reading = gen.read()
    assert {"arc", "over-current"} <= set(reading.flags)
    assert reading.impedance_ohm == pytest.approx(gen.arc_ohm)
    assert reading.output == "off"
    when, on = gen.switches[-1]
    assert not on
    assert when == pytest.approx(4.0, abs=0.01)  # at the first pulse after the arc
    with pytest.raises(DeviceRefusedError, match="latched"):
        gen.output(True)


def test_misfire_and_failed_limiter() -> None:
    gen, clock = _generator(Fault("misfire", 1.5))
    _run(gen, clock, "electroporation 100 V 1 ms x 4 pulses at 1 Hz", 4.5)
    assert [p.fired for p in gen.pulses] == [True, True, False, False]
    assert "misfire" in gen.read().flags
    gen, clock = _generator(Fault("over-current", 0.5))
    _run(gen, clock, "electroporation 150 V 1 ms x 4 pulses at 1 Hz", 4.5)
    assert "over-current" in gen.read().flags
    assert not gen.output_is_on()


def test_comm_loss_ends_the_output_by_watchdog() -> None:
    gen, clock = _generator(Fault("comm-loss", 1.2))
    _run(gen, clock, "electroporation 100 V 1 ms x 10 pulses at 1 Hz", 3.0)
    clock.advance(0.5)
    assert not gen.output_is_on()
    assert len([p for p in gen.pulses if p.fired]) == 2  # t = 0 and 1 s; none after the link died


def test_reset_clears_the_configuration_and_refuses_output() -> None:
    gen, clock = _generator(Fault("device-reset", 2.2))
    _run(gen, clock, "electroporation 100 V 1 ms x 10 pulses at 1 Hz", 3.0)
    reading = gen.read()
    assert reading.output == "reset"
    assert "reset" in reading.flags
    with pytest.raises(DeviceRefusedError, match="not configured"):
        gen.output(True)


def test_refusals() -> None:
    gen, _ = _generator()
    with pytest.raises(DeviceRefusedError, match="outside"):
        gen.configure(
            PulseConfig(parse_electroporation("electroporation 200 V 1 ms x 1 pulses at 1 Hz").schedule(), 2)
        )
    with pytest.raises(InputError, match="fault kind"):
        SimulatedPulseGenerator(BarrierModel(), clock=FakeClock(), faults=[Fault("regulation", 1.0)])
