"""Device control: the Device and PulseDevice protocols, the simulators, drivers, and the session runner.

See docs/device.md. Nothing here opens a port or starts a thread at import (the runner starts
its subscribers' threads, and the host watchdog's, when a session runs).
"""

from dermaport.device.clock import Clock, FakeClock, RealClock
from dermaport.device.dispatch import Dispatcher
from dermaport.device.documents import SCHEMA_VERSION, OperatorRef, SessionContext
from dermaport.device.faults import FAULT_KINDS, PULSE_FAULT_KINDS, Fault, parse_fault
from dermaport.device.protocol import Contact, Device, Identity, OutputConfig, Telemetry
from dermaport.device.pulse_protocol import PulseDevice, PulseIdentity
from dermaport.device.pulse_simulated import PulseConfig, PulseTelemetry, SimulatedPulseGenerator
from dermaport.device.runner import DELIVERING, RunResult, SessionRunner
from dermaport.device.session_plan import PulseSegment, Segment, SessionPlan, plan_from_file, plan_from_steps
from dermaport.device.simulated import SimulatedDevice

__all__ = [
    "DELIVERING",
    "FAULT_KINDS",
    "PULSE_FAULT_KINDS",
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
    "PulseConfig",
    "PulseDevice",
    "PulseIdentity",
    "PulseSegment",
    "PulseTelemetry",
    "RealClock",
    "RunResult",
    "Segment",
    "SessionContext",
    "SessionPlan",
    "SessionRunner",
    "SimulatedDevice",
    "SimulatedPulseGenerator",
    "Telemetry",
    "parse_fault",
    "plan_from_file",
    "plan_from_steps",
]
