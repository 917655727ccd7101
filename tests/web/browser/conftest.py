"""A live server (uvicorn in a thread) on a fresh SQLite database, and Debian's Chromium driven by Playwright.

Chromium comes from the project's ``scripts/install-browser`` (``apt-get install chromium``);
``playwright install`` cannot download browsers here. Without it the browser tests skip, and
fail under CI. Every page a test visits is saved as a screenshot under ``tests/artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dermaport.cli.records import SWITCH_INTERVAL_S
from dermaport.config import load_settings
from dermaport.device.clock import Clock, FakeClock, RealClock
from dermaport.device.electrical import skin_load
from dermaport.device.faults import Fault
from dermaport.device.protocol import Device
from dermaport.device.session_plan import SessionPlan
from dermaport.device.simulated import SimulatedDevice
from dermaport.records import bookings
from dermaport.records.access import Actor
from dermaport.records.accounts import add_user
from dermaport.records.database import Database, open_database
from dermaport.records.schemas import LotIn, ProductIn
from dermaport.sessions import ScaledClock, SessionService, SimulatedDevices
from dermaport.web import create_app
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@dataclass
class FaultyDevices(SimulatedDevices):
    """The simulated device, with the faults and the speed queued for the next session (one per session).

    A queued speed of None runs that session on a fake clock, as fast as the host goes.
    """

    queued: list[tuple[list[Fault], float | None]] = field(default_factory=list)

    def open(self, plan: SessionPlan) -> tuple[Device, Clock]:
        """A simulated device with the next session's faults, on its clock."""
        faults, speed = self.queued.pop(0) if self.queued else ([], self.speed)
        clock: Clock
        if speed is None:
            clock = FakeClock()
        elif speed == 1:
            clock = RealClock()
        else:
            clock = ScaledClock(speed)
        device = SimulatedDevice(
            skin_load(plan.electrode_area_cm2, site=self.skin),
            clock=clock,
            faults=faults,
            serial=f"SIM-BROWSER-{id(device_counter)}-{next(device_counter)}",
            watchdog_s=self.watchdog_s,
        )
        return device, clock


def _counter() -> Iterator[int]:
    n = 0
    while True:
        n += 1
        yield n


device_counter = _counter()


@dataclass
class Stamps:
    """When each document left the runner (wall clock, s), by document name, as a subscriber saw it."""

    seen: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)

    def __call__(self, name: str, document: Any) -> None:
        self.seen.append((name, dict(document), time.time()))


@dataclass
class LiveServer:
    """The address, the database, the devices and the documents' stamps of a running server."""

    base: str
    database: Database
    devices: FaultyDevices
    stamps: Stamps
    lot_number: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(
    tmp_path: Path, template: Path, *, speed: float, period_s: float, watchdog_s: float
) -> Iterator[LiveServer]:
    """A server on a copy of the migrated template, with an owner, a practitioner and a product lot."""
    target = tmp_path / "records.sqlite3"
    shutil.copyfile(template, target)
    settings = load_settings({"DERMAPORT_DATA_DIR": str(tmp_path / "data")})
    database = open_database(settings, f"sqlite:///{target}")
    with database.transaction() as db:
        owner = add_user(db, "test", username="owner", role="owner", password=PASSWORD)
        add_user(db, "test", username="practitioner", role="practitioner", password=PASSWORD)
        actor = Actor(username="owner", role="owner", clinic_id=owner.clinic_id, user_id=owner.id)
        product = bookings.add_product(
            db, actor, ProductIn(name="sap-ampoule", active="sodium ascorbyl phosphate", concentration="3 %")
        )
        bookings.add_lot(db, actor, product.id, LotIn(lot_number="LOT-4711", expires_on="2031-06-30"))
    devices = FaultyDevices(speed=speed, watchdog_s=watchdog_s)
    stamps = Stamps()
    app = create_app(
        settings,
        database=database,
        sessions_service=lambda db: SessionService(
            db, devices=devices, period_s=period_s, subscribers=[stamps]
        ),
    )
    port = _free_port()
    # as dermaport serve does: a short thread switch interval, so the session loop is not kept
    # waiting for the interpreter behind the request threads
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="browser-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database, devices, stamps, "LOT-4711")
    finally:
        server.should_exit = True
        thread.join(60)
        sys.setswitchinterval(previous)
        database.dispose()


#: The browser's niceness. It stands for the tablet at the chair, another machine: on the test
#: machine it must not take the processor from the server's session loop (the load test's
#: clients run niced for the same reason).
BROWSER_NICENESS = 10


def _niced(folder: Path) -> Path:
    """A launcher that runs Chromium at :data:`BROWSER_NICENESS` (exec: Playwright's pipes stay open).

    Run by root, Chromium raises its browser and GPU processes to nice -8 itself; rendering 20
    readings a second on 2 cores, they then kept the session loop (nice 0) and the request
    threads holding the interpreter lock (nice 10) from the processor. As root the launcher
    therefore also drops the capability to raise a priority (setpriv, util-linux).
    """
    launcher = folder / "chromium-niced"
    drop = ""
    if os.geteuid() == 0 and shutil.which("setpriv"):
        drop = "setpriv --bounding-set -sys_nice --inh-caps -sys_nice "
    launcher.write_text(f'#!/bin/sh\nexec {drop}nice -n {BROWSER_NICENESS} {CHROMIUM} "$@"\n')
    launcher.chmod(0o755)
    return launcher


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium (Debian's) at a lower priority, or skip (fail under CI) where it is missing."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run scripts/install-browser (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(_niced(tmp_path_factory.mktemp("browser"))),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def shots() -> Path:
    """The folder the screenshots go to."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
