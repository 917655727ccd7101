"""The whole treatment in Chromium: sign in, client, two screenings, consent drawn, patch test, plan,
a session that loses contact and one that completes, the report PDF and the course .ics.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dermaport.device.faults import Fault
from dermaport.safety.questionnaire import QUESTIONS
from tests.web.browser.conftest import LiveServer, serve
from tests.web.conftest import PASSWORD

#: The contact-loss session: the simulated device twice as fast as real time (its watchdog, 0.95 s
#: simulated, is then 0.48 s real: faster leaves too little on a loaded test machine).
SPEED = 2.0
#: When the contact is lost, simulated seconds after the start (during the ramp up).
CONTACT_LOSS_S = 16.0


@pytest.fixture
def server(tmp_path: Path, _sqlite_template: Path) -> Iterator[LiveServer]:
    yield from serve(tmp_path, _sqlite_template, speed=SPEED, period_s=0.45, watchdog_s=0.95)


def _shot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def _answer_all(page: Any, *, pacemaker: bool) -> None:
    for q in QUESTIONS:
        if q.kind == "yes_no":
            yes = q.id == "jewellery_removed" or (q.id == "pacemaker" and pacemaker)
            page.check(f'input[name="{q.id}"][value="{"yes" if yes else "no"}"]')
        elif q.kind == "choice":
            value = {"area": "face", "skin_sensitivity": "normal"}.get(q.id, "none")
            page.check(f'input[name="{q.id}"][value="{value}"]')
        elif q.kind == "date":
            page.fill(f"#in-{q.id}", "never")
        else:
            page.fill(f"#in-{q.id}", "none")


def _sign(page: Any) -> None:
    box = page.locator("#signature-pad").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 30 + i * 35, box["y"] + box["height"] * (0.3 if i % 2 else 0.7), steps=4)
    page.mouse.up()


def _fault_stamp(server: LiveServer) -> float:
    for name, document, at in server.stamps.seen:
        if name == "event" and document.get("kind") == "fault":
            return at
    raise AssertionError("no fault event was emitted")


def test_the_whole_treatment_in_the_browser(
    browser: Any, server: LiveServer, shots: Path, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{server.base}/login")
    _shot(page, shots, "01-login")
    page.fill("#username", "practitioner")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base}/clients")
    _shot(page, shots, "02-clients-empty")

    page.click("text=New client")
    page.fill("#given_name", "Ana")
    page.fill("#family_name", "Silva")
    page.fill("#date_of_birth", "1984-03-12")
    page.fill("#phone", "+44 20 7946 0958")
    _shot(page, shots, "03-new-client")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/clients/*")
    client_url = page.url
    _shot(page, shots, "04-client-new")

    # first screening: a pacemaker stops the treatment
    page.click("text=1. Consultation")
    _answer_all(page, pacemaker=True)
    page.wait_for_selector(".verdict-panel.stop")
    assert "STOP" in page.inner_text("#verdict-words")
    assert "implanted electronics" in page.inner_text("#verdict-reasons")
    _shot(page, shots, "05-consultation-stop")
    page.click("button:has-text('Save the screening')")
    page.wait_for_url("**/clients/*#screenings")
    # second screening: clear
    page.click("text=1. Consultation")
    _answer_all(page, pacemaker=False)
    page.wait_for_selector(".verdict-panel.ok")
    _shot(page, shots, "06-consultation-ok")
    page.click("button:has-text('Save the screening')")
    page.wait_for_url("**/clients/*#screenings")
    assert page.locator(".badge.v-stop").count() == 1
    assert page.locator(".badge.v-ok").count() == 1

    # consent, drawn
    page.click("text=2. Consent")
    _sign(page)
    _shot(page, shots, "07-consent-signed")
    page.click("button:has-text('Record the signed consent')")
    page.wait_for_url("**/clients/*#consents")
    assert page.locator("#consents img.signature-thumb").count() == 1

    # patch test applied yesterday (30 h ago), then read
    page.click("text=3. Patch test")
    page.select_option("#lot_id", label=f"sap-ampoule — lot {server.lot_number} (expires 2031-06-30)")
    applied = (dt.datetime.now() - dt.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#applied_at", applied)
    page.click("button:has-text('Record the test applied')")
    page.wait_for_selector("text=Read the test applied")
    page.check('input[name="result"][value="negative"]')
    _shot(page, shots, "08-patch-test-reading")
    page.click("button:has-text('Record the reading')")
    page.wait_for_selector("td:has-text('negative')")

    # plan
    page.goto(client_url)
    page.click("text=4. Plan")
    page.select_option("#concern", "pigmentation")
    page.select_option("#area", "face")
    page.select_option("#lot_id", index=1)
    _shot(page, shots, "09-plan-form")
    page.click("button:has-text('Make the plan')")
    page.wait_for_url("**/plans/*")
    plan_url = page.url
    assert "cathode" in page.inner_text("main")
    assert page.locator("figure svg").count() == 3
    _shot(page, shots, "10-plan")

    # first session: the contact is lost 16 s (simulated) in
    page.goto(plan_url)
    server.devices.queued.append(([Fault("contact-loss", CONTACT_LOSS_S)], SPEED))
    page.click("button:has-text('Check and start')")
    page.wait_for_url("**/sessions/*")
    page.wait_for_selector("#fault:not(.hidden)", timeout=30_000)
    shown_at = page.evaluate("window.dermaportLive.faultShown") / 1000  # when the page showed it
    fault_at = _fault_stamp(server)
    text = page.inner_text("#fault")
    assert "contact lost" in text
    assert "What to do next" in text
    print(f"fault shown {shown_at - fault_at:.3f} s after the runner emitted it")
    assert shown_at - fault_at < 1.0
    page.wait_for_selector("#after:not(.hidden)")
    _shot(page, shots, "11-session-fault")

    # second session: to completion, on a fake clock (the live view at real speed is test_live's)
    server.devices.queued.append(([], None))
    page.goto(plan_url)
    page.click("button:has-text('Check and start')")
    page.wait_for_url("**/sessions/*")
    page.wait_for_selector("#fault-title:has-text('Session complete')", timeout=120_000)
    _shot(page, shots, "13-session-complete")

    # the report and its PDF
    page.click("text=Session report")
    page.wait_for_url("**/report")
    assert server.lot_number in page.inner_text("main")
    _shot(page, shots, "14-report")
    with page.expect_download() as download:
        page.click("text=Download the PDF")
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Ana Silva" in text
        assert server.lot_number in text
        assert "13.5" in text  # the delivered dose, mA·min (3 mA for 4.5 min at full current)
        if shutil.which("pdftoppm"):
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "60",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    str(pdf),
                    str(shots / "15-report-pdf"),
                ],
                check=True,
            )

    # aftercare and the course calendar
    page.goto(f"{client_url}/aftercare")
    _shot(page, shots, "16-aftercare")
    page.goto(f"{client_url}/course")
    _shot(page, shots, "17-course")
    with page.expect_download() as download:
        page.click("#ics")
    ics = tmp_path / "course.ics"
    download.value.save_as(ics)
    assert ics.read_text().startswith("BEGIN:VCALENDAR")
    # the rest of the history: the session's outcome, a note, the next appointment
    page.goto(client_url)
    page.click("#sessions a:has-text('Record')")
    page.fill("#outcome", "Mild redness for 20 minutes; skin calm")
    _shot(page, shots, "18a-outcome")
    page.click("text=Save the outcome")
    page.wait_for_selector("#sessions :text('Mild redness for 20 minutes')")
    page.goto(f"{client_url}/notes")
    page.fill("#note_text", "Prefers the evening appointments")
    page.click("text=Save the note")
    page.wait_for_selector(".note:has-text('Prefers the evening appointments')")
    _shot(page, shots, "18b-notes")
    page.goto(f"{client_url}/appointments")
    next_week = (dt.datetime.now() + dt.timedelta(days=7)).replace(hour=10, minute=0)
    page.fill("#starts_at", next_week.strftime("%Y-%m-%dT%H:%M"))
    page.click("button:has-text('Book')")
    page.wait_for_selector("td:has-text('booked')")
    _shot(page, shots, "18c-appointments")
    page.goto(client_url)
    _shot(page, shots, "18-client-history")

    # the owner's pages
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.fill("#username", "owner")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base}/clients")
    page.fill("#q", "sil")
    page.wait_for_selector("#client-rows a:has-text('Ana Silva')")
    _shot(page, shots, "19-clients-search")
    page.goto(f"{server.base}/users")
    _shot(page, shots, "20-users")
    page.goto(f"{server.base}/audit")
    assert "Audit chain intact" in page.inner_text("main")
    _shot(page, shots, "21-audit")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
