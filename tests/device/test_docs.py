"""docs/device.md and docs/device-protocol.md stay true to the code they describe."""

from __future__ import annotations

from pathlib import Path

from dermaport.device import FAULT_KINDS, FakeClock, SimulatedDevice
from dermaport.device import interlocks as il
from dermaport.device import line_protocol as lp
from dermaport.device.electrical import skin_load
from dermaport.device.line_server import LineProtocolHandler
from dermaport.device.runner import RunResult

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_fault_kind_and_result_key_is_documented() -> None:
    text = (DOCS / "device.md").read_text(encoding="utf-8")
    assert all(f"`{kind}`" in text for kind in FAULT_KINDS)
    keys = RunResult("complete", "", 0.0, 0.0, None, None).to_json()
    assert all(f"`{key}`" in text for key in keys)


def test_the_interlock_thresholds_in_the_doc_are_the_codes() -> None:
    text = (DOCS / "device.md").read_text(encoding="utf-8")
    assert f"≥ {il.OPEN_CIRCUIT_OHM / 1e3:g} kΩ" in text
    assert f"< {il.IMPEDANCE_MIN_OHM:g} Ω" in text
    assert f"> {il.IMPEDANCE_MAX_OHM / 1e3:g} kΩ" in text
    assert f"more than {il.IMPEDANCE_CHANGE_FACTOR:g}×" in text
    assert f"over {il.COMPLIANCE_MARGIN * 100:.0f} % of the compliance voltage" in text


def test_every_command_and_error_code_of_the_protocol_is_documented() -> None:
    text = (DOCS / "device-protocol.md").read_text(encoding="utf-8")
    for command in ("HELLO", "IDN?", "CONTACT?", "CONF", "SET", "OUT", "TEL?", "HB"):
        assert f"`{command}" in text
    assert all(f"`{code}`" in text for code in lp.ERROR_CODES)
    assert lp.encode(2, "HELLO", "1").decode().strip() in text


def test_what_clears_the_watchdog_flag_is_what_the_simulator_does() -> None:
    clock = FakeClock()
    handler = LineProtocolHandler(SimulatedDevice(skin_load(10), clock=clock))
    assert handler.handle(lp.encode(1, "HELLO", "1")) == lp.encode(1, "OK", "1")
    assert handler.handle(lp.encode(2, "CONF", "G", "A", "1")) == lp.encode(2, "OK")
    assert handler.handle(lp.encode(3, "OUT", "1")) == lp.encode(3, "OK")
    clock.advance(1.0)  # no request for longer than the watchdog: output off, `watchdog` latched
    assert handler.handle(lp.encode(4, "CONF", "G", "A", "1")) == lp.encode(4, "OK")
    assert lp.decode(handler.handle(lp.encode(5, "OUT", "1")) or b"").words[:2] == ("ERR", "FAULT")
    text = (DOCS / "device-protocol.md").read_text(encoding="utf-8")
    conf = next(line for line in text.splitlines() if line.startswith("| `CONF"))
    assert "Clears the charge count and the `reset` flag" in conf
    assert "watchdog" not in conf.partition("Clears")[2].partition(";")[0]
    assert "`watchdog` until the next `CONF`" not in text
    assert "stay latched until the device resets" in text
