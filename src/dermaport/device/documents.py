"""The documents a session runner emits, as versioned schemas (pydantic), owned by the device layer.

A session is a ``start`` document, then ``reading`` and ``event`` documents in the order the
runner made them, then one ``stop`` document. The runner builds them (:meth:`StartDocument.build`
and the other constructors) and hands each to its subscribers as ``subscriber(name, body)``
with ``body`` the document as JSON-ready values (:meth:`Document.body`); the records'
``SessionRecorder`` validates them with these same classes (:func:`validate`).

The start document's ``schema_version`` governs every document of its session. Version 2
(:data:`SCHEMA_VERSION`) adds the pulse fields of electroporation sessions (a segment's
``modality``, voltage, period, pulses and model bounds; the pulse generator's ``max_voltage_V``;
the pulse limits; each reading's pulses delivered, last pulse's peak current, charge and lowest
load; the stop document's ``pulses_delivered``, ``pulse_charge_uC`` and ``pulse_energy_mJ``), and
lets a bipolar segment have no polarity. Nothing of version 1 changes meaning, so a session
states the lowest version its documents need (:func:`version_for`): a galvanic session's
documents are version 1 as before, a session with a pulse step version 2. Units are in the
field names: s, mA, V, Ω (``ohm``), mA·min, µC (``uC``), mJ, K. ``time_s`` counts from
the start of the run. Unknown fields are kept (``extra="allow"``): a later version adds fields,
it never changes the meaning of one.

The start document carries what a sessions service knows and the runner does not, as a
:class:`SessionContext` given to the runner: the client, the stored plan's id and digest, the
prediction request (to replay the prediction), the screening, the product lot, the appointment
and the operator. Every one is optional here; the recorder requires ``client_id``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from dermaport.errors import InputError

__all__ = [
    "DOCUMENT_NAMES",
    "SCHEMA_VERSION",
    "SCHEMA_VERSIONS",
    "DeviceIdentity",
    "Document",
    "EventDocument",
    "LimitsDocument",
    "OperatorRef",
    "PlanDocument",
    "ReadingDocument",
    "SegmentDocument",
    "SessionContext",
    "StartDocument",
    "StopDocument",
    "validate",
    "version_for",
]

#: The latest version of these schemas (a session states the lowest it needs: :func:`version_for`).
SCHEMA_VERSION = 2
#: Every version these schemas read.
SCHEMA_VERSIONS = (1, 2)
#: The document names, in the order a session emits their first instances.
DOCUMENT_NAMES = ("start", "reading", "event", "stop")

_Label = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00]*$")]
_Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


Finite = Annotated[float, AfterValidator(_finite)]


def _is_none(value: object) -> bool:
    return value is None


def _v2(**constraints: Any) -> Any:
    """A version-2 field: ``None`` by default, and left out of the body while it is ``None``.

    So a galvanic session's documents stay exactly version 1's.
    """
    return Field(default=None, exclude_if=_is_none, **constraints)


class Document(BaseModel):
    """The base of every document: unknown fields kept, no NaN or infinity."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    def body(self) -> dict[str, Any]:
        """The document as JSON-ready values (what subscribers receive)."""
        return self.model_dump(mode="json")


class OperatorRef(Document):
    """Who runs the session: a clinic user's id and login name (nothing more personal)."""

    user_id: _Id | None = None
    username: _Label


class SessionContext(Document):
    """What the sessions service knows about a session; the runner copies it into the start document.

    ``plan_digest`` is the stored plan's SHA-256 (hex); ``prediction_request`` the arguments
    the plan's prediction was computed from, enough to compute it again.
    """

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=True)

    client_id: _Id | None = None
    plan_id: _Id | None = None
    plan_digest: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    prediction_request: dict[str, Any] | None = None
    screening_id: _Id | None = None
    lot_id: _Id | None = None
    appointment_id: _Id | None = None
    operator: OperatorRef | None = None


class DeviceIdentity(Document):
    """Which device ran the session: its serial number (required), model, firmware and ceilings."""

    serial: _Label
    model: str = ""
    firmware: str = ""
    max_current_mA: Finite | None = None  # noqa: N815 - unit in the name
    compliance_V: Finite | None = None  # noqa: N815
    tolerance_mA: Finite | None = None  # noqa: N815
    watchdog_s: Finite | None = None  # None: the device has none (the host's runs instead)
    protocol: str = ""
    modality: str | None = _v2()  # v2: "electroporation" for a pulse generator
    max_voltage_V: Finite | None = _v2()  # noqa: N815 - v2: a pulse generator's highest pulse voltage


class SegmentDocument(Document):
    """One step as the runner delivers it: a current step, or (v2) a pulse step."""

    index: int = Field(ge=0)
    step: str
    kind: str = ""  # iontophoresis, desincrustation, electroporation
    polarity: Literal["anode", "cathode"] | None  # v2: None for a bipolar pulse step
    solution: str = ""  # what goes under the active electrode
    current_mA: Finite = Field(ge=0)  # noqa: N815
    duration_s: Finite = Field(gt=0)
    ramp_s: Finite = Field(ge=0)
    planned_dose_mA_min: Finite = Field(ge=0)  # noqa: N815
    modality: str | None = _v2()  # v2: galvanic (when absent) or electroporation
    voltage_V: Finite | None = _v2(gt=0)  # noqa: N815 - v2, pulse steps
    period_s: Finite | None = _v2(gt=0)
    on_time_per_period_s: Finite | None = _v2(gt=0)
    pulses: int | None = _v2(ge=1)
    bipolar: bool | None = _v2()
    bounds: dict[str, Finite] | None = _v2()  # the model's: min_load_ohm, peak_current_mA, …


class PlanDocument(Document):
    """The plan the runner delivers: every step as given, its current segments, the electrode area."""

    steps: list[str] = Field(default_factory=list)
    segments: list[SegmentDocument] = Field(default_factory=list)
    electrode_area_cm2: Finite | None = None
    planned_dose_mA_min: Finite | None = None  # noqa: N815
    skipped: list[str] = Field(default_factory=list)
    product: str | None = None


class LimitsDocument(Document):
    """The hard limits in force and the loop's timing."""

    current_mA_max: Finite | None = None  # noqa: N815
    current_density_mA_cm2_max: Finite | None = None  # noqa: N815
    charge_dose_mA_min_max: Finite | None = None  # noqa: N815
    ramp_s_min: Finite | None = None
    telemetry_period_s: Finite | None = None
    host_watchdog_s: Finite | None = None  # None: the device's own watchdog guards the output
    pulse_voltage_V_max: Finite | None = _v2()  # noqa: N815 - v2, pulse sessions
    pulse_width_s_max: Finite | None = _v2()
    pulses_max: int | None = _v2()
    exposure_dose_V_s_max: Finite | None = _v2()  # noqa: N815
    pulse_energy_mJ_max: Finite | None = _v2()  # noqa: N815
    temperature_rise_K_max: Finite | None = _v2()  # noqa: N815


class StartDocument(SessionContext):
    """A session begins: its uid, the context, the plan, the device and the limits in force."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=False)

    schema_version: Literal[1, 2] = 1  # the lowest version the session needs (version_for)
    uid: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
    started_at: datetime | None = None  # UTC wall time of the start
    plan: PlanDocument
    device: DeviceIdentity
    limits: LimitsDocument


class ReadingDocument(Document):
    """One measurement: time (s), current (mA), voltage (V), impedance (Ω), the session's dose (mA·min)."""

    time_s: Finite = Field(ge=0)
    current_mA: Finite  # noqa: N815 - unit in the name
    voltage_V: Finite  # noqa: N815
    impedance_ohm: Finite | None = None
    charge_mA_min: Finite = Field(ge=0)  # noqa: N815
    set_current_mA: Finite | None = None  # noqa: N815
    state: str | None = None
    step: int | None = None
    device_charge_mA_min: Finite | None = None  # noqa: N815
    flags: list[str] = Field(default_factory=list)
    pulses_delivered: int | None = _v2(ge=0)  # v2: in the session so far
    step_pulses_delivered: int | None = _v2(ge=0)
    pulse_peak_current_mA: Finite | None = _v2()  # noqa: N815 - the last pulse's
    pulse_charge_uC: Finite | None = _v2()  # noqa: N815
    pulse_load_min_ohm: Finite | None = _v2()
    pulse_energy_total_mJ: Finite | None = _v2()  # noqa: N815


class EventDocument(Document):
    """Something happened: a state change, an operator action, a hold, a fault (``kind`` says what)."""

    time_s: Finite = Field(ge=0)
    kind: _Label
    detail: dict[str, Any] = Field(default_factory=dict)


class StopDocument(Document):
    """The session ended: ``complete``, ``stopped`` (a person, an expired pause) or ``failed``, and why."""

    status: Literal["complete", "stopped", "failed"]
    reason: str = ""
    time_s: Finite | None = Field(default=None, ge=0)
    charge_dose_mA_min: Finite | None = None  # noqa: N815
    planned_dose_mA_min: Finite | None = None  # noqa: N815
    fault_at_s: Finite | None = None
    output_off_at_s: Finite | None = None
    pulses_delivered: int | None = _v2(ge=0)  # v2, pulse sessions
    pulse_charge_uC: Finite | None = _v2(ge=0)  # noqa: N815 - both signs counted
    pulse_energy_mJ: Finite | None = _v2(ge=0)  # noqa: N815


def version_for(modalities: tuple[str, ...] | list[str]) -> Literal[1, 2]:
    """The lowest schema version for a session of ``modalities``: 1 galvanic only, 2 with pulses."""
    return 1 if set(modalities) <= {"galvanic"} else 2


SCHEMAS: dict[str, type[Document]] = {
    "start": StartDocument,
    "reading": ReadingDocument,
    "event": EventDocument,
    "stop": StopDocument,
}


def validate(name: str, document: Mapping[str, Any]) -> Document:
    """The document ``name`` parsed with its schema; InputError naming the first bad field."""
    schema = SCHEMAS.get(name)
    if schema is None:
        raise InputError(f"runner document name {name!r} is not one of {', '.join(DOCUMENT_NAMES)}")
    try:
        return schema.model_validate(dict(document))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            f"{name} document field {where!r}: {first['msg']} (value {first.get('input')!r})"
        ) from exc
