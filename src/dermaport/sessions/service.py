"""The sessions service: check, run and record one client's treatment, in the foreground or the background.

:class:`SessionService` is what the command line (``dermaport run --client --plan-id``) and
the web API (``POST /api/clients/{id}/sessions``) both call:

1. :meth:`SessionService.recover` marks sessions left ``running`` by a dead process
   ``interrupted`` (``serve`` does it when it starts, and every run before it starts);
2. :func:`dermaport.sessions.checks.approve` checks everything before any current;
3. the device is opened and identified; a device another live process is recording on is
   refused;
4. a :class:`~dermaport.device.runner.SessionRunner` runs the approved plan with the
   records' :class:`~dermaport.records.documents.SessionRecorder`, a :class:`PlanGuard` that
   holds every executed step to the approved plan, and a :class:`~dermaport.sessions.live.LiveFeed`.

Nothing here holds a database transaction while the device runs: the checks have their own
transaction, the recorder commits each document in its own.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from dermaport.device.clock import Clock
from dermaport.device.protocol import Device
from dermaport.device.pulse_protocol import PulseDevice
from dermaport.device.runner import RunResult, SessionRunner, Subscriber
from dermaport.device.session_plan import SessionPlan
from dermaport.errors import DermaportError, DeviceError
from dermaport.planning.predictor import Predictor, engine_predictor
from dermaport.records import audit
from dermaport.records.access import Actor, Permission
from dermaport.records.clients import client_of_clinic
from dermaport.records.clinical import session_of_client
from dermaport.records.database import Database
from dermaport.records.documents import SessionRecorder, live_sessions, mark_interrupted
from dermaport.records.models import utcnow
from dermaport.sessions.checks import Approval, SessionRefusedError, approve
from dermaport.sessions.devices import DeviceProvider, SimulatedDevices
from dermaport.sessions.live import LiveFeed

__all__ = ["PlanGuard", "Running", "SessionService", "Started"]

logger = logging.getLogger(__name__)

Action = Literal["stop", "pause", "resume", "confirm"]


@dataclass(frozen=True)
class Started:
    """A session that started: its record's id and its status."""

    id: int
    status: str


class PlanGuard:
    """A runner subscriber that holds every step the runner starts to the approved plan.

    A ``step`` event whose index or text is not the approved segment's, or a reading whose
    set-point is above the approved step's peak, raises: the runner treats that as a fault.
    """

    def __init__(self, plan: SessionPlan) -> None:
        self._segments = plan.segments
        self._peak = 0.0

    def __call__(self, name: str, document: Mapping[str, Any]) -> None:
        """Check one document."""
        if name == "event" and document.get("kind") == "step":
            detail = document.get("detail", {})
            index = detail.get("index")
            if not isinstance(index, int) or not 0 <= index < len(self._segments):
                raise SessionRefusedError(f"the runner started step {index!r}, which the plan does not have")
            segment = self._segments[index]
            if detail.get("step") != segment.step:
                raise SessionRefusedError(
                    f"the runner started {detail.get('step')!r} as step {index}, "
                    f"not the plan's {segment.step!r}"
                )
            self._peak = segment.current_mA
        elif (
            name == "reading" and float(document.get("set_current_mA", 0.0)) > self._peak * (1 + 1e-9) + 1e-9
        ):
            raise SessionRefusedError(
                f"set-point {document.get('set_current_mA')} mA is above the plan step's {self._peak:g} mA"
            )


@dataclass
class Running:
    """A session this process runs: its runner, its feed, its thread and, once over, its result."""

    runner: SessionRunner
    feed: LiveFeed
    recorder: SessionRecorder
    thread: threading.Thread | None = None
    result: RunResult | None = None
    error: str | None = None
    recorded: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Prepared:
    approval: Approval
    device: Device | PulseDevice
    clock: Clock
    running: Running


class SessionService:
    """Treats clients: checks, runs on the service's device, records (see the module text).

    ``devices`` opens the device for each session (default: the simulated one in real time);
    ``predictor`` plans (default: the transport engine); ``period_s`` is the runner's telemetry
    period; ``now`` the clock the checks judge by (timezone-aware); ``subscribers`` are given
    every session's documents too (each on its own dispatcher thread, like the recorder's).
    """

    def __init__(
        self,
        database: Database,
        *,
        devices: DeviceProvider | None = None,
        predictor: Predictor | None = None,
        period_s: float = 0.05,
        now: Callable[[], datetime] = utcnow,
        subscribers: Iterable[Subscriber] = (),
    ) -> None:
        self.database = database
        self.subscribers = tuple(subscribers)
        self.devices = devices or SimulatedDevices()
        self.predictor = predictor or engine_predictor()
        self.period_s = period_s
        self.now = now
        self._running: dict[int, Running] = {}
        self._lock = threading.Lock()
        # session threads are started by a thread made here, so that they keep this thread's
        # scheduling priority rather than that of the (lowered) request thread that asks
        self._launches: queue.SimpleQueue[threading.Thread | None] = queue.SimpleQueue()
        self._launcher = threading.Thread(target=self._launch, name="dermaport-session-launcher", daemon=True)
        self._launcher.start()

    def _launch(self) -> None:
        while (thread := self._launches.get()) is not None:
            thread.start()

    # -- recovery ---------------------------------------------------------------------------------

    def recover(self, actor: str = "dermaport") -> list[int]:
        """Mark sessions left ``running`` by a process that is gone ``interrupted``; return their ids."""
        with self.database.transaction() as db:
            marked = mark_interrupted(db, actor=actor, dead_only=True)
        if marked:
            logger.warning("marked %d session(s) interrupted: %s", len(marked), marked)
        return marked

    # -- starting -----------------------------------------------------------------------------------

    def _prepare(
        self, actor: Actor, client_id: int, plan_id: int, lot_id: int, subscribers: Iterable[Subscriber]
    ) -> _Prepared:
        actor.require(Permission.CLINICAL_WRITE)
        self.recover(actor.username)
        with self.database.transaction() as db:
            approval = approve(db, actor, client_id, plan_id, lot_id, now=self.now())
        try:
            device, clock = self.devices.open(approval.session_plan)
        except DeviceError as exc:
            raise SessionRefusedError(
                f"refused: the device {self.devices.describe()} cannot be opened: {exc}"
            ) from exc
        try:
            identity = device.identify()
            with self.database.transaction() as db:
                busy = live_sessions(db, device_serial=identity.serial)
            if busy:
                raise SessionRefusedError(
                    f"refused: device {identity.serial} is running session {busy[0].id} in another process"
                )
        except DeviceError as exc:
            device.close()
            raise SessionRefusedError(
                f"refused: the device {self.devices.describe()} does not answer: {exc}"
            ) from exc
        except BaseException:
            device.close()
            raise
        recorder = SessionRecorder(self.database, actor)
        feed = LiveFeed()
        running = Running(runner=None, feed=feed, recorder=recorder)  # type: ignore[arg-type]

        def recorded(name: str, document: Mapping[str, Any]) -> None:
            recorder(name, document)
            if name == "start":
                running.recorded.set()

        runner = SessionRunner(
            device,
            approval.session_plan,
            clock=clock,
            period_s=self.period_s,
            subscribers=[recorded, PlanGuard(approval.session_plan), feed, *self.subscribers, *subscribers],
            context=approval.context(actor),
            metadata=approval.metadata(),
        )
        running.runner = runner
        return _Prepared(approval, device, clock, running)

    def _execute(self, prepared: _Prepared) -> None:
        running = prepared.running
        try:
            running.result = running.runner.run()
        except DermaportError as exc:  # refused by the runner before any document
            running.error = str(exc)
            logger.warning("session not run: %s", exc)
        except Exception as exc:
            running.error = f"runner error: {type(exc).__name__}: {exc}"
            logger.exception("session runner failed")
        finally:
            prepared.device.close()
            running.feed.end()
            running.recorded.set()
            session_id = running.recorder.session_id
            if session_id is not None:
                with self._lock:
                    self._running.pop(session_id, None)

    def _not_started(self, running: Running) -> SessionRefusedError:
        if running.error is not None:
            reason = running.error
        elif running.result is not None:
            reason = running.result.reason
        else:
            reason = "the session did not start in time"
        return SessionRefusedError(reason if reason.startswith("refused") else f"refused: {reason}")

    def run(
        self,
        actor: Actor,
        client_id: int,
        plan_id: int,
        lot_id: int,
        *,
        subscribers: Iterable[Subscriber] = (),
        on_runner: Callable[[SessionRunner], None] | None = None,
    ) -> tuple[int, RunResult]:
        """Check, run and record a session in this thread; return its record's id and the result.

        ``on_runner`` receives the runner before it runs (to wire pause/stop keys).
        """
        prepared = self._prepare(actor, client_id, plan_id, lot_id, subscribers)
        if on_runner is not None:
            on_runner(prepared.running.runner)
        self._execute(prepared)
        running = prepared.running
        if running.recorder.session_id is None or running.result is None:
            raise self._not_started(running)
        return running.recorder.session_id, running.result

    def start(
        self, actor: Actor, client_id: int, plan_id: int, lot_id: int, *, wait_s: float = 30.0
    ) -> Started:
        """Check and start a session in a background thread; return once its record exists.

        Raises SessionRefusedError when it is refused before any current (or ends before its
        record is made, e.g. a device that cannot be identified).
        """
        prepared = self._prepare(actor, client_id, plan_id, lot_id, ())
        running = prepared.running
        thread = threading.Thread(
            target=self._execute, args=(prepared,), name="dermaport-session", daemon=True
        )
        running.thread = thread
        self._launches.put(thread)
        running.recorded.wait(wait_s)
        session_id = running.recorder.session_id
        if session_id is None:
            if not running.recorded.is_set():
                running.runner.stop()
            raise self._not_started(running)
        with self._lock:
            if thread.is_alive():
                self._running[session_id] = running
        logger.info("session %s started for client %s", session_id, client_id)
        return Started(session_id, "running")

    # -- while it runs ------------------------------------------------------------------------------

    def running(self, session_id: int) -> Running | None:
        """The session ``session_id`` if this process runs it now."""
        with self._lock:
            return self._running.get(session_id)

    def control(self, actor: Actor, client_id: int, session_id: int, action: Action) -> tuple[str, bool]:
        """Ask a running session to stop, pause or resume; return (its status now, whether asked).

        A session this process does not run is not asked (``False``): it has ended, or it runs in
        another process (SessionRefusedError then, naming it).
        """
        actor.require(Permission.CLINICAL_WRITE)
        # looked up before the row is read: a session leaves this process's list only once its
        # end is recorded, so one not here now reads as ended below, not as run elsewhere
        live = self.running(session_id)
        with self.database.transaction() as db:
            client = client_of_clinic(db, actor, client_id)
            row = session_of_client(db, client.id, session_id)
            status = "paused" if row.status == "running" and row.state == "paused" else row.status
            audit.append(
                db,
                actor=actor.username,
                action="operate",
                entity="session",
                entity_id=row.id,
                client_id=client.id,
                detail={"action": action, "running_here": live is not None},
            )
        if live is None:
            if status in ("running", "paused"):
                raise SessionRefusedError(
                    f"session {session_id} is not run by this server (another process records it): "
                    "control it where it runs"
                )
            return status, False
        getattr(live.runner, action)()
        logger.info("session %s: %s asked by %s", session_id, action, actor.username)
        return status, True

    def close(self, timeout_s: float = 60.0) -> None:
        """Stop every session this process runs (ramping down) and wait for them to end."""
        with self._lock:
            live = list(self._running.values())
        for running in live:
            running.runner.stop()
        for running in live:
            if running.thread is not None and running.thread.ident is not None:
                running.thread.join(timeout_s)
        self._launches.put(None)

    def check_session_exists(self, actor: Actor, client_id: int, session_id: int) -> None:
        """Raise RecordNotFoundError unless the client has that session (for the live stream)."""
        actor.require(Permission.CLINICAL_READ)
        with self.database.transaction() as db:
            client = client_of_clinic(db, actor, client_id)
            row = session_of_client(db, client.id, session_id)
            audit.append(
                db,
                actor=actor.username,
                action="read",
                entity="session_live",
                entity_id=row.id,
                client_id=client.id,
            )
