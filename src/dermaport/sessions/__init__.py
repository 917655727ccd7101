"""Treatment sessions: the one way a client is treated, for the command line and the web API alike.

* :mod:`~dermaport.sessions.plans`: a plan made for a client from their latest stored
  screening, stored immutable with its digest;
* :mod:`~dermaport.sessions.checks`: everything checked before any current, each refusal
  naming its reason (:class:`SessionRefusedError`);
* :mod:`~dermaport.sessions.devices`: the device a session runs on (the simulated one, sped up
  or not, or one at an address);
* :mod:`~dermaport.sessions.live`: the documents of a running session, for live views;
* :mod:`~dermaport.sessions.service`: :class:`SessionService`, which checks, runs the
  :class:`~dermaport.device.runner.SessionRunner` and records every document through the
  records' :class:`~dermaport.records.documents.SessionRecorder`.
"""

from dermaport.sessions.checks import Approval, SessionRefusedError, approve
from dermaport.sessions.devices import AddressDevices, DeviceProvider, ScaledClock, SimulatedDevices
from dermaport.sessions.plans import PlanIn, create_plan, get_plan, list_plans
from dermaport.sessions.service import SessionService, Started

__all__ = [
    "AddressDevices",
    "Approval",
    "DeviceProvider",
    "PlanIn",
    "ScaledClock",
    "SessionRefusedError",
    "SessionService",
    "SimulatedDevices",
    "Started",
    "approve",
    "create_plan",
    "get_plan",
    "list_plans",
]
