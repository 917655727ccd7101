"""Device control: the Device protocol, the simulated device, drivers, and the session runner.

See docs/device.md. Nothing here opens a port or starts a thread at import.
"""

from dermaport.device.clock import Clock, FakeClock, RealClock
from dermaport.device.faults import FAULT_KINDS, Fault, parse_fault
from dermaport.device.protocol import Contact, Device, Identity, OutputConfig, Telemetry
from dermaport.device.runner import DELIVERING, RunResult, SessionRunner
from dermaport.device.session_plan import Segment, SessionPlan, plan_from_file, plan_from_steps
from dermaport.device.simulated import SimulatedDevice

__all__ = [
    "DELIVERING",
    "FAULT_KINDS",
    "Clock",
    "Contact",
    "Device",
    "FakeClock",
    "Fault",
    "Identity",
    "OutputConfig",
    "RealClock",
    "RunResult",
    "Segment",
    "SessionPlan",
    "SessionRunner",
    "SimulatedDevice",
    "Telemetry",
    "parse_fault",
    "plan_from_file",
    "plan_from_steps",
]
