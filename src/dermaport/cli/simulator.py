"""``dermaport simulator``: serve the simulated device over the line protocol, in real time."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from dermaport.device.clock import RealClock
from dermaport.device.connect import check_fault_kinds
from dermaport.device.electrical import skin_load
from dermaport.device.faults import FAULT_KINDS, PULSE_FAULT_KINDS, parse_fault
from dermaport.device.line_server import PtyServer, TcpServer
from dermaport.device.pulse_simulated import SimulatedPulseGenerator
from dermaport.device.simulated import SimulatedDevice
from dermaport.errors import InputError
from dermaport.physics.electroporation import BarrierModel
from dermaport.units import parse_si

__all__ = ["HELP", "command"]

HELP = (
    "Serve the simulated device over the reference line protocol (docs/device-protocol.md) on a "
    "loopback TCP port or a pseudo-terminal, in real time, until Ctrl-C. Fault times count from "
    "the start of the server.\n\n"
    "Examples:\n\n"
    "  dermaport simulator --tcp 7700    then    dermaport run --plan plan.json --device socket://127.0.0.1:7700\n\n"
    "  dermaport simulator --pty --fault 'contact-loss@90 s'    then    dermaport run ... --device serial:///dev/pts/N\n\n"
    "  dermaport simulator --tcp 7701 --pulse --fault 'arc@20 s'    then    dermaport run --step "
    "'electroporation bipolar 100 V 1 ms x 20 pulses at 1 Hz' --electrode-area '1 cm2' --device socket://127.0.0.1:7701"
)


def command(
    tcp: Annotated[
        int | None, typer.Option(help="Serve on this loopback TCP port (0: any free port).")
    ] = None,
    pty: Annotated[bool, typer.Option("--pty", help="Serve on a new pseudo-terminal.")] = False,
    electrode_area: Annotated[str, typer.Option(help="Electrode area of the simulated load.")] = "10 cm2",
    skin: Annotated[str, typer.Option(help="Skin site of the simulated load.")] = "human_face",
    fault: Annotated[
        list[str] | None, typer.Option(help="A fault, repeatable: 'contact-loss@2 min'.")
    ] = None,
    pulse: Annotated[
        bool,
        typer.Option("--pulse", help="Serve the simulated pulse generator (protocol version 2) instead."),
    ] = False,
) -> None:
    """Serve the simulated device until interrupted."""
    if (tcp is None) == (not pty):
        raise InputError("give one of --tcp PORT or --pty: e.g. --tcp 7700")
    if tcp is not None and not 0 <= tcp <= 65535:
        raise InputError(f"TCP port {tcp} is outside 0–65535: e.g. --tcp 7700")
    faults = [parse_fault(f) for f in fault or []]
    device: SimulatedDevice | SimulatedPulseGenerator
    if pulse:
        check_fault_kinds(faults, PULSE_FAULT_KINDS, "pulse generator")
        device = SimulatedPulseGenerator(BarrierModel(), clock=RealClock(), faults=faults)
        what = "the simulated pulse generator (the barrier model's load over the configured area)"
    else:
        check_fault_kinds(faults, FAULT_KINDS, "galvanic simulator")
        load = skin_load(parse_si(electrode_area, "area") * 1e4, site=skin)
        device = SimulatedDevice(load, clock=RealClock(), faults=faults)
        what = f"the simulated device ({load.ohm:.0f} Ω load)"
    server = TcpServer(device, port=tcp) if tcp is not None else PtyServer(device)
    with server:
        address = server.url if isinstance(server, TcpServer) else f"serial://{server.path}"
        typer.echo(f"serving {what} on {address}", err=False)
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        typer.echo("stopped")
