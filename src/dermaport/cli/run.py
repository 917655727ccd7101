"""``dermaport run``: deliver a plan on a device, with a live view or a JSON summary.

At a terminal (standard input a terminal, the process in the foreground) the operator's keys
act on the session: ``p`` pause, ``r`` resume, ``s`` stop, Enter confirms a hold between steps
(the skin wiped, the next product applied). Without a terminal (piped, a script, ``--json``
from a program) no key is read; a hold then ends the session ``stopped``, unless
``--confirm-holds`` (simulator only) confirmed the holds in advance.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table

from dermaport.cli._console import console, print_json
from dermaport.cli.records import DatabaseUrlOption
from dermaport.cli.sessions import PasswordStdinOption, UserOption, run_recorded
from dermaport.device.clock import Clock, FakeClock, RealClock
from dermaport.device.connect import open_for_plan
from dermaport.device.faults import check_fault_times, parse_fault
from dermaport.device.runner import RunResult, SessionRunner
from dermaport.device.session_plan import SessionPlan, plan_from_file, plan_from_steps
from dermaport.errors import InputError
from dermaport.units import parse_si

__all__ = ["EXIT_FAILED", "EXIT_STOPPED", "HELP", "Holds", "Keys", "LiveView", "command", "summary"]

#: Exit status of a session that a fault ended (``failed``).
EXIT_FAILED = 3
#: Exit status of a session the operator (or an expired pause) ended (``stopped``).
EXIT_STOPPED = 4

HELP = (
    "Deliver a plan's current steps on a device: contact check, ramps, dose counting with an "
    "automatic stop, and interlocks that switch the output off on any fault.\n\n"
    "Exit status: 0 complete, 1 refused before any current (a hard limit, the device), 2 bad "
    "input, 3 failed (a fault), 4 stopped (the operator, Ctrl-C, or a pause left too long).\n\n"
    "Devices: sim (default), serial:///dev/ttyUSB0, socket://127.0.0.1:7700 (the line protocol), "
    "scpi://192.168.1.20:5025 or scpi-serial:///dev/ttyUSB1 (Keithley 2400-series).\n\n"
    "Faults (sim only): contact-loss, intermittent-contact, impedance-rise, compliance, comm-loss, "
    "device-reset, regulation; for pulse steps contact-loss, arc, misfire, over-current, comm-loss, "
    "device-reset.\n\n"
    "Pulse steps (electroporation) run on the simulated pulse generator (sim) or a line-protocol "
    "pulse device, within the pulse hard limits (IEC 60601-2-10 and dermaport's; exit 1 when a step "
    "breaks one), with no ramps: a pause or stop ends the pulses at once.\n\n"
    "Keys at a terminal: p pause, r resume, s stop, Enter confirms a hold between steps (a change of "
    "polarity or product: wipe the skin, apply the ampoule). Without a terminal a hold stops the "
    "session, unless --confirm-holds (sim only).\n\n"
    "Examples:\n\n"
    "  dermaport run --step 'iontophoresis anode 0.2 mA/cm2 for 10 min ramp 30 s' "
    "--electrode-area '10 cm2'\n\n"
    "  dermaport run --plan plan.json --json\n\n"
    "  dermaport run --step 'iontophoresis cathode 2 mA for 6 min' --electrode-area '10 cm2' "
    "--fault 'contact-loss@2 min' --json\n\n"
    "  dermaport run --step 'electroporation 100 V 1 ms pulses at 0.5 Hz for 5 min anode' "
    "--electrode-area '1.5 cm2' --json\n\n"
    "  dermaport run --plan plan.json --device socket://127.0.0.1:7700 --realtime"
)


#: The operator's keys and the runner's request each makes.
KEYS = {"p": "pause", "r": "resume", "s": "stop", "\n": "confirm", "\r": "confirm"}


class _Keys:
    """The operator's keys from the terminal, read on a thread in cbreak mode (no Enter needed)."""

    def __init__(self, runner: SessionRunner) -> None:
        self._runner = runner
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.pressed: list[str] = []

    @staticmethod
    def available() -> bool:
        """Whether standard input is a terminal this process may read (in the foreground)."""
        try:
            fd = sys.stdin.fileno()
            return os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp()
        except (AttributeError, OSError, ValueError):  # no stdin, or one that is not a file
            return False

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Read keys while inside; the terminal is restored on the way out."""
        import termios
        import tty

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        self._thread = threading.Thread(target=self._read, args=(fd,), name="dermaport-keys", daemon=True)
        self._thread.start()
        try:
            yield
        finally:
            self._done.set()
            self._thread.join(1.0)
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def _read(self, fd: int) -> None:
        while not self._done.is_set():
            try:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if not ready:
                    continue
                key = os.read(fd, 1).decode(errors="replace").lower()
            except OSError:
                return
            action = KEYS.get(key)
            if action is not None:
                self.pressed.append(action)
                getattr(self._runner, action)()


class _Holds:
    """What answers a hold when no key can: confirm (``--confirm-holds``, sim) or stop with the reason."""

    def __init__(
        self, runner: SessionRunner, *, keys: bool, confirm: bool, prompt: Callable[[str], None]
    ) -> None:
        self._runner, self._keys, self._confirm, self._prompt = runner, keys, confirm, prompt

    def __call__(self, name: str, document: Mapping[str, Any]) -> None:
        if name != "event" or document["kind"] != "hold":
            return
        detail = document["detail"]
        text = (
            f"hold before step {detail['next_step'] + 1}: {detail['instruction']} "
            f"({detail['solution']} under the {detail['polarity']})"
        )
        if self._confirm:
            self._prompt(f"{text}: confirmed in advance (--confirm-holds)")
            self._runner.confirm()
        elif self._keys:
            self._prompt(f"{text}, then press Enter")
        else:
            self._runner.stop(
                reason=f"{text}: no terminal to confirm it at (run at a terminal, or --confirm-holds "
                "with --device sim)"
            )


class _LiveView:
    """The live terminal view: a subscriber that keeps the latest reading and renders it."""

    def __init__(self, plan: SessionPlan, *, keys: bool, header: Sequence[tuple[str, str]] = ()) -> None:
        self._plan = plan
        self._keys = keys
        self._header = tuple(header)  # (label, value) rows first: a recorded session's client, product, lot
        self._reading: Mapping[str, Any] | None = None
        self._last_event = ""
        self._hold: Mapping[str, Any] | None = None

    def __call__(self, name: str, document: Mapping[str, Any]) -> None:
        if name == "reading":
            self._reading = document
        elif name == "event" and document["kind"] == "hold":
            self._hold = document["detail"]
        elif name == "event" and document["kind"] in ("hold_confirmed", "step"):
            self._hold = None
        if name == "event" and document["kind"] not in ("state",):
            detail = ", ".join(f"{k} {v}" for k, v in document["detail"].items())
            self._last_event = f"{document['time_s']:.2f} s {document['kind']}: {detail}"[:80]

    def render(self) -> Panel:
        r = self._reading
        planned = self._plan.planned_dose_mA_min
        dose = r["charge_mA_min"] if r else 0.0
        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right")
        table.add_column()
        impedance = r["impedance_ohm"] if r else None
        segment = self._plan.segments[r["step"]] if r else self._plan.segments[0]
        pulses = self._plan.pulse_count
        current = (
            f"{r['current_mA']:.3f} mA (set {r['set_current_mA']:.3f})"
            if r and "set_current_mA" in r
            else (f"{r.get('pulse_peak_current_mA', 0.0):.1f} mA last pulse peak" if r else "-")
        )
        rows = [
            ("time", f"{r['time_s']:.1f} s" if r else "-"),
            ("state", str(r["state"]) if r else "idle"),
            ("step", f"{segment.index + 1} of {len(self._plan.segments)}: {segment.describe()}"),
            ("current", current),
            ("voltage", f"{r['voltage_V']:.2f} V" if r else "-"),
            ("impedance", f"{impedance:.0f} Ω" if impedance is not None else "-"),
            ("dose", f"{dose:.3f} of {planned:.3f} mA·min")
            if not pulses
            else ("pulses", f"{r.get('pulses_delivered', 0) if r else 0} of {pulses}"),
            ("last event", self._last_event or "-"),
        ]
        for label, value in self._header:
            table.add_row(label, value)
        done = float(r.get("pulses_delivered", 0)) if r and pulses else min(dose, planned)
        total = float(pulses) if pulses else planned
        table.add_row("progress", ProgressBar(total=total, completed=min(done, total), width=40))
        for label, value in rows:
            table.add_row(label, value)
        if self._hold is not None:
            h = self._hold
            table.add_row(
                "[bold yellow]HOLD[/]",
                f"[bold yellow]output off: {h['instruction']}[/] — next: {h['kind']} under the "
                f"{h['polarity']}, {h['solution']}" + (" — press Enter" if self._keys else ""),
            )
        if self._keys:
            table.add_row("keys", "p pause · r resume · s stop · Enter confirm a hold · Ctrl-C stop")
        return Panel(table, title="dermaport run", expand=False)


def _plan(plan: Path | None, step: list[str] | None, electrode_area: str | None) -> SessionPlan:
    area = parse_si(electrode_area, "area") * 1e4 if electrode_area is not None else None
    if plan is not None and step:
        raise InputError("give --plan FILE or --step STEP, not both: e.g. --plan plan.json")
    if plan is not None:
        return plan_from_file(plan, electrode_area_cm2=area)
    if not step:
        raise InputError(
            "give --plan FILE or --step STEP: e.g. --step 'iontophoresis anode 2 mA for 10 min' "
            "--electrode-area '10 cm2'"
        )
    return plan_from_steps(step, electrode_area_cm2=area)


def command(
    plan: Annotated[Path | None, typer.Option(help="A plan file written by 'dermaport plan --json'.")] = None,
    step: Annotated[
        list[str] | None,
        typer.Option(help="A step, repeatable: 'iontophoresis anode 0.2 mA/cm2 for 10 min ramp 30 s'."),
    ] = None,
    electrode_area: Annotated[
        str | None, typer.Option(help="Active electrode area: '10 cm2' (a plan file carries its own).")
    ] = None,
    device: Annotated[
        str, typer.Option(help="sim, serial:///dev/ttyX, socket://HOST:PORT, scpi://HOST:PORT.")
    ] = "sim",
    fault: Annotated[
        list[str] | None, typer.Option(help="Inject a simulator fault, repeatable: 'contact-loss@2 min'.")
    ] = None,
    skin: Annotated[str, typer.Option(help="Skin site of the simulated load (dermaport skin list).")] = (
        "human_face"
    ),
    realtime: Annotated[
        bool,
        typer.Option(
            "--realtime", help="Run sim in real time (default: as fast as possible); always for others."
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    confirm_holds: Annotated[
        bool,
        typer.Option(
            "--confirm-holds",
            help="Sim only: confirm every hold between steps in advance (a script, a demonstration).",
        ),
    ] = False,
    client: Annotated[
        int | None,
        typer.Option("--client", help="Treat a client on record (with --plan-id): recorded.", min=1),
    ] = None,
    plan_id: Annotated[int | None, typer.Option("--plan-id", help="The client's stored plan.", min=1)] = None,
    lot: Annotated[
        int | None, typer.Option("--lot", help="The product lot (default: the one patch-tested).", min=1)
    ] = None,
    user: UserOption = None,
    password_stdin: PasswordStdinOption = False,
    database_url: DatabaseUrlOption = None,
) -> int:
    """Deliver a plan on a device and report how it ended."""
    if client is not None or plan_id is not None:
        if client is None:
            raise InputError(f"--plan-id needs the client: e.g. --client 12 --plan-id {plan_id}")
        if plan is not None or step or fault:
            raise InputError("a recorded session runs its stored plan: leave out --plan, --step and --fault")
        return run_recorded(
            client_id=client,
            plan_id=plan_id,
            lot_id=lot,
            user=user,
            password_stdin=password_stdin,
            database_url=database_url,
            device=device,
            realtime=realtime,
            json_output=json_output,
            confirm_holds=confirm_holds,
        )
    if confirm_holds and device.strip() != "sim":
        raise InputError(
            f"--confirm-holds works only with --device sim, not {device!r}: on a real device the "
            "operator confirms each hold at the terminal (Enter)"
        )
    faults = [parse_fault(f) for f in fault or []]
    session_plan = _plan(plan, step, electrode_area)
    check_fault_times(faults, session_plan)
    clock: Clock = RealClock() if realtime or device.strip() != "sim" else FakeClock()
    dev = open_for_plan(
        device,
        clock=clock,
        modalities=session_plan.modalities,
        electrode_area_cm2=session_plan.electrode_area_cm2,
        skin=skin,
        faults=faults,
    )
    try:
        runner = SessionRunner(dev, session_plan, clock=clock)
        keys = _Keys(runner) if _Keys.available() else None
        err = Console(stderr=True, highlight=False)
        out = console()
        view = _LiveView(session_plan, keys=keys is not None)
        live_prompt = json_output or not out.is_terminal
        runner.subscribe(
            _Holds(
                runner,
                keys=keys is not None,
                confirm=confirm_holds,
                prompt=(lambda text: err.print(text, markup=False)) if live_prompt else (lambda _text: None),
            )
        )
        with keys.reading() if keys is not None else contextlib.nullcontext():
            if json_output:
                result = _run_with_ctrl_c(runner)
                print_json(result.to_json())
            else:
                runner.subscribe(view)
                with Live(get_renderable=view.render, console=out, refresh_per_second=8):
                    result = _run_with_ctrl_c(runner)
                if not out.is_terminal:
                    out.line()  # a live view written to a file or pipe ends without a newline
                _summary(result, out)
    finally:
        dev.close()
    return {"complete": 0, "failed": EXIT_FAILED, "stopped": EXIT_STOPPED}[result.status]


def _run_with_ctrl_c(runner: SessionRunner) -> RunResult:
    """Run; the first Ctrl-C asks the runner to stop (ramp down), a second one interrupts."""
    presses = 0

    def on_interrupt(signum: int, frame: types.FrameType | None) -> None:
        nonlocal presses
        presses += 1
        if presses > 1:
            raise KeyboardInterrupt
        runner.stop()

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread: no handler, Ctrl-C interrupts as usual
        return runner.run()
    try:
        return runner.run()
    finally:
        signal.signal(signal.SIGINT, previous)


def _summary(result: RunResult, out: Console) -> None:
    colour = {"complete": "green", "stopped": "yellow", "failed": "bold red"}[result.status]
    out.print(f"[{colour}]{result.status}[/]: {result.reason}")
    if result.pulse_count or result.planned_dose_mA_min == 0:
        out.print(
            f"pulses: {result.pulse_count} delivered, {result.pulse_charge_uC / 1e3:.4g} mC, "
            f"{result.pulse_energy_mJ / 1e3:.4g} J"
        )
    else:
        out.print(f"dose: {result.charge_dose_mA_min:.3f} of {result.planned_dose_mA_min:.3f} mA·min planned")
    if result.fault_at_s is not None:
        out.print(f"fault at {result.fault_at_s:.2f} s")
    if result.output_off_at_s is not None:
        out.print(f"output off at {result.output_off_at_s:.2f} s")


#: The live view, keys, holds and summary, for the recorded runs of :mod:`dermaport.cli.sessions`.
LiveView = _LiveView
Keys = _Keys
Holds = _Holds
summary = _summary
