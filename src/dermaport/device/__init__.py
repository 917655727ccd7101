"""Device control: the Device protocol, the simulated device, drivers, and the session runner.

See docs/device.md. Nothing here opens a port or starts a thread at import (the runner starts
its subscribers' threads, and the host watchdog's, when a session runs).
"""

from dermaport.device.clock import Clock, FakeClock, RealClock
from dermaport.device.dispatch import Dispatcher
from dermaport.device.documents import SCHEMA_VERSION, OperatorRef, SessionContext
from dermaport.device.faults import FAULT_KINDS, Fault, parse_fault
from dermaport.device.protocol import Contact, Device, Identity, OutputConfig, Telemetry
from dermaport.device.runner import DELIVERING, RunResult, SessionRunner
from dermaport.device.session_plan import Segment, SessionPlan, plan_from_file, plan_from_steps
from dermaport.device.simulated import SimulatedDevice

__all__ = [
    "DELIVERING",
    "FAULT_KINDS",
    "SCHEMA_VERSION",
    "Clock",
    "Contact",
    "Device",
    "Dispatcher",
    "FakeClock",
    "Fault",
    "Identity",
    "OperatorRef",
    "OutputConfig",
    "RealClock",
    "RunResult",
    "Segment",
    "SessionContext",
    "SessionPlan",
    "SessionRunner",
    "SimulatedDevice",
    "Telemetry",
    "parse_fault",
    "plan_from_file",
    "plan_from_steps",
]
