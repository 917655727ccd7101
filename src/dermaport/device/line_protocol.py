"""The dermaport reference line protocol: frames, checksums, and the words of each command.

One request, one reply, each a line of printable ASCII (docs/device-protocol.md)::

    host → device   SS WORD [ARG ...]*CCCC<LF>
    device → host   SS OK [VALUE ...]*CCCC<LF>   or   SS ERR CODE [text ...]*CCCC<LF>

``SS`` is a two-digit hexadecimal sequence number the reply echoes; ``CCCC`` the CRC-16/CCITT
(polynomial 0x1021, initial value 0xFFFF, as :func:`binascii.crc_hqx` computes it) of every byte
before the ``*``, in upper-case hexadecimal. This module only encodes and decodes; the driver
(:mod:`dermaport.device.serial_driver`) and the server (:mod:`dermaport.device.line_server`)
move the bytes. Version 2 (:data:`PULSE_VERSIONS`) is a pulse generator's: the same frames and
``HELLO``, ``IDN?`` (with ``modality=pulse``), ``CONTACT?``, ``OUT`` and ``HB``, and ``PCONF``
(a pulse step: :func:`schedule_words`) and ``PTEL?`` (:func:`pulse_telemetry_words`) in place of
``CONF``, ``SET`` and ``TEL?``.
"""

from __future__ import annotations

import binascii
import functools
import math
import re
from dataclasses import dataclass

from dermaport.device.protocol import Identity, Telemetry
from dermaport.device.pulse_protocol import PulseIdentity
from dermaport.device.pulse_simulated import PulseTelemetry
from dermaport.protocol.pulses import PulseSchedule

__all__ = [
    "ERROR_CODES",
    "MAX_LINE",
    "PULSE_SHAPES",
    "PULSE_VERSIONS",
    "VERSIONS",
    "Frame",
    "FrameError",
    "crc16",
    "decode",
    "encode",
    "identity_words",
    "parse_identity",
    "parse_pulse_identity",
    "parse_pulse_telemetry",
    "parse_schedule",
    "parse_telemetry",
    "pulse_identity_words",
    "pulse_telemetry_words",
    "schedule_words",
    "telemetry_words",
]

#: Protocol versions this implementation speaks (HELLO picks the highest both sides speak).
VERSIONS = (1,)
#: Longest frame, newline included, bytes.
MAX_LINE = 160
#: Error codes a device may answer with.
ERROR_CODES = ("CRC", "SYNTAX", "UNKNOWN", "RANGE", "STATE", "VERSION", "FAULT")

# Both are used with fullmatch: a '$' would also match before a trailing newline, letting a
# word carry a line break into a frame and a frame end in two.
_TOKEN = re.compile(r"[!-)+-~]+")  # printable ASCII without space and '*'
_FRAME = re.compile(rb"([0-9A-F]{2}) ([ -)+-~]+)\*([0-9A-F]{4})\r?\n")


class FrameError(ValueError):
    """A line that is not a valid frame (the message says why)."""


@dataclass(frozen=True)
class Frame:
    """A decoded frame: its sequence number and its words."""

    seq: int
    words: tuple[str, ...]


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (poly 0x1021, init 0xFFFF; check value 0x29B1 for b'123456789')."""
    return binascii.crc_hqx(data, 0xFFFF)


def encode(seq: int, *words: str) -> bytes:
    """One frame: ``seq`` (0–255) and the words, with its checksum and newline."""
    if not 0 <= seq <= 0xFF:
        raise FrameError(f"sequence number {seq} is outside 0–255")
    for word in words:
        if not _TOKEN.fullmatch(word):
            raise FrameError(
                f"word {word!r} is empty or has a space, '*', a line break or a non-printable character"
            )
    body = f"{seq:02X} {' '.join(words)}".encode("ascii")
    frame = body + f"*{crc16(body):04X}\n".encode("ascii")
    if len(frame) > MAX_LINE:
        raise FrameError(f"frame of {len(frame)} bytes is longer than {MAX_LINE}")
    return frame


def decode(line: bytes) -> Frame:
    """The frame in ``line``; raises FrameError on bad framing or a wrong checksum."""
    if len(line) > MAX_LINE:
        raise FrameError(f"line of {len(line)} bytes is longer than {MAX_LINE}")
    match = _FRAME.fullmatch(line)
    if match is None:
        raise FrameError(f"not a frame: {line[:40]!r}")
    body = line[: line.rindex(b"*")]
    if crc16(body) != int(match.group(3), 16):
        raise FrameError(f"checksum {match.group(3).decode()} does not match {crc16(body):04X}")
    return Frame(int(match.group(1), 16), tuple(match.group(2).decode("ascii").split(" ")))


def _token(text: str) -> str:
    cleaned = re.sub(r"[^!-)+-~]", "-", text)
    return cleaned or "-"


def _num(value: float | None, digits: int = 6) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.{digits}g}"


def identity_words(identity: Identity) -> list[str]:
    """The words of an ``IDN?`` reply after ``OK``."""
    watchdog = "-" if identity.watchdog_s is None else f"{round(identity.watchdog_s * 1000)}"
    return [
        f"model={_token(identity.model)}",
        f"firmware={_token(identity.firmware)}",
        f"serial={_token(identity.serial)}",
        f"max_mA={_num(identity.max_current_mA)}",
        f"compliance_V={_num(identity.compliance_V)}",
        f"tolerance_mA={_num(identity.tolerance_mA)}",
        f"watchdog_ms={watchdog}",
    ]


def _fields(words: tuple[str, ...] | list[str]) -> dict[str, str]:
    fields = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            raise FrameError(f"field {word!r} is not KEY=VALUE")
        fields[key] = value
    return fields


def _float(fields: dict[str, str], key: str) -> float:
    try:
        value = float(fields[key])
    except KeyError as exc:
        raise FrameError(f"field {key!r} missing") from exc
    except ValueError as exc:
        raise FrameError(f"field {key}={fields[key]!r} is not a number") from exc
    if not math.isfinite(value):
        raise FrameError(f"field {key}={fields[key]!r} is not finite")
    return value


def _optional(fields: dict[str, str], key: str) -> float | None:
    return None if fields.get(key, "-") == "-" else _float(fields, key)


def parse_identity(words: tuple[str, ...] | list[str], *, protocol: str) -> Identity:
    """An :class:`Identity` from the words of an ``IDN?`` reply after ``OK``."""
    fields = _fields(words)
    watchdog_ms = _optional(fields, "watchdog_ms")
    for key in ("model", "firmware", "serial"):
        if key not in fields:
            raise FrameError(f"field {key!r} missing")
    return Identity(
        model=fields["model"],
        firmware=fields["firmware"],
        serial=fields["serial"],
        max_current_mA=_float(fields, "max_mA"),
        compliance_V=_float(fields, "compliance_V"),
        tolerance_mA=_float(fields, "tolerance_mA"),
        watchdog_s=None if watchdog_ms is None else watchdog_ms / 1000.0,
        protocol=protocol,
    )


def telemetry_words(tel: Telemetry) -> list[str]:
    """The words of a ``TEL?`` reply after ``OK``."""
    return [
        f"t={tel.time_s:.4f}",
        f"i={tel.current_mA:.5f}",
        f"v={tel.voltage_V:.4f}",
        f"z={_num(tel.impedance_ohm, 7)}",
        f"q={tel.charge_mA_min:.6f}",
        f"out={tel.output}",
        f"flags={','.join(tel.flags) or '-'}",
        f"vc={_num(tel.compliance_V)}",
    ]


def parse_telemetry(words: tuple[str, ...] | list[str]) -> Telemetry:
    """A :class:`Telemetry` from the words of a ``TEL?`` reply after ``OK``."""
    fields = _fields(words)
    flags = fields.get("flags", "-")
    if "out" not in fields:
        raise FrameError("field 'out' missing")
    return Telemetry(
        time_s=_float(fields, "t"),
        current_mA=_float(fields, "i"),
        voltage_V=_float(fields, "v"),
        impedance_ohm=_optional(fields, "z"),
        charge_mA_min=_float(fields, "q"),
        output=fields["out"],
        flags=() if flags == "-" else tuple(flags.split(",")),
        compliance_V=_optional(fields, "vc"),
    )


# -- version 2: the pulse generator's commands --------------------------------------------------

#: The versions a pulse generator speaks (version 2 adds the pulse commands; see the docs).
PULSE_VERSIONS = (2,)
#: Pulse shapes in ``PCONF``: unipolar, biphasic, a bipolar carrier modulated on and off.
PULSE_SHAPES = ("U", "B", "M")


def _g(value: float) -> str:
    return f"{value:.9g}"


def schedule_words(schedule: PulseSchedule, *, area_cm2: float, polarity: str | None) -> list[str]:
    """The words of ``PCONF`` after the command: shape, polarity, V, width ms, frequency Hz, count, area.

    ``U`` (one pulse of the width each period, from the ``A``node or ``C``athode), ``B`` (a
    positive then a negative phase of the width, polarity ``-``), ``M`` (a bipolar carrier of
    half-cycle the width, on for the whole cycles in the first half of each period, ``-``).
    Raises FrameError for a schedule none of them gives.
    """
    phases = schedule.phases
    width = phases[0][0]
    if len(phases) == 2 and phases[0][1] == 1 and phases[1][1] == 0:
        shape = "U"
    elif len(phases) == 3 and [s for _, s in phases] == [1, -1, 0] and phases[1][0] == width:
        shape = "B"
    else:
        shape = "M"
    words = [
        shape,
        "-" if shape != "U" else ("A" if polarity == "anode" else "C" if polarity == "cathode" else "?"),
        _g(schedule.voltage_v),
        _g(width * 1e3),
        _g(1.0 / schedule.period_s),
        str(schedule.periods),
        _g(area_cm2),
    ]
    if words[1] == "?":
        raise FrameError(f"a unipolar train needs its polarity, not {polarity!r}")
    decoded, _, _ = parse_schedule(words)
    if not _same(decoded, schedule):
        raise FrameError(f"pulse schedule {schedule!r} is not one PCONF can carry")
    return words


def _same(a: PulseSchedule, b: PulseSchedule) -> bool:
    close = functools.partial(math.isclose, rel_tol=1e-7, abs_tol=1e-12)
    return (
        a.periods == b.periods
        and close(a.voltage_v, b.voltage_v)
        and close(a.period_s, b.period_s)
        and len(a.phases) == len(b.phases)
        and all(s == t and close(d, e) for (d, s), (e, t) in zip(a.phases, b.phases, strict=True))
    )


def parse_schedule(words: tuple[str, ...] | list[str]) -> tuple[PulseSchedule, float, str | None]:
    """The schedule, electrode area (cm²) and polarity of ``PCONF``'s words (FrameError if unreadable)."""
    if len(words) != 7:
        raise FrameError(f"PCONF takes 7 words, got {len(words)}")
    shape, pol = words[0], words[1]
    if shape not in PULSE_SHAPES:
        raise FrameError(f"pulse shape {shape!r} is not one of {', '.join(PULSE_SHAPES)}")
    try:
        volts, width_ms, freq, area = (float(words[i]) for i in (2, 3, 4, 6))
        count = int(words[5])
    except ValueError as exc:
        raise FrameError(f"PCONF arguments {' '.join(words)!r} are not numbers") from exc
    if not all(math.isfinite(x) and x > 0 for x in (volts, width_ms, freq, area)) or count < 1:
        raise FrameError("PCONF numbers must be finite and above zero")
    period, width = 1.0 / freq, width_ms * 1e-3
    polarity = {"A": "anode", "C": "cathode"}.get(pol)
    if shape == "U":
        if polarity is None:
            raise FrameError(f"a unipolar train takes A or C, not {pol!r}")
        phases: tuple[tuple[float, int], ...] = ((width, 1), (period - width, 0))
    elif shape == "B":
        phases = ((width, 1), (width, -1), (period - 2 * width, 0))
    else:
        cycles = math.floor(0.5 * period / (2 * width) + 1e-9)
        if cycles < 1:
            raise FrameError("a modulated carrier needs at least one cycle in half a period")
        phases = (*(((width, 1), (width, -1)) * cycles), (period - 2 * cycles * width, 0))
    if pol != "-" and shape != "U":
        raise FrameError(f"a bipolar shape takes polarity '-', not {pol!r}")
    if phases[-1][0] <= 0:
        raise FrameError("the pulses do not fit in the period")
    return PulseSchedule(volts, phases, period, count), area, polarity


def pulse_identity_words(identity: PulseIdentity) -> list[str]:
    """The words of a pulse generator's ``IDN?`` reply after ``OK``."""
    watchdog = "-" if identity.watchdog_s is None else f"{round(identity.watchdog_s * 1000)}"
    return [
        f"model={_token(identity.model)}",
        f"firmware={_token(identity.firmware)}",
        f"serial={_token(identity.serial)}",
        "modality=pulse",
        f"max_V={_num(identity.max_voltage_V)}",
        f"max_mA={_num(identity.max_current_mA)}",
        f"watchdog_ms={watchdog}",
    ]


def parse_pulse_identity(words: tuple[str, ...] | list[str], *, protocol: str) -> PulseIdentity:
    """A :class:`PulseIdentity` from the words of a pulse generator's ``IDN?`` reply."""
    fields = _fields(words)
    if fields.get("modality") != "pulse":
        raise FrameError(f"not a pulse generator (modality={fields.get('modality')!r})")
    for key in ("model", "firmware", "serial"):
        if key not in fields:
            raise FrameError(f"field {key!r} missing")
    watchdog_ms = _optional(fields, "watchdog_ms")
    return PulseIdentity(
        model=fields["model"],
        firmware=fields["firmware"],
        serial=fields["serial"],
        max_voltage_V=_float(fields, "max_V"),
        max_current_mA=_float(fields, "max_mA"),
        watchdog_s=None if watchdog_ms is None else watchdog_ms / 1000.0,
        protocol=protocol,
    )


def pulse_telemetry_words(tel: PulseTelemetry) -> list[str]:
    """The words of a ``PTEL?`` reply after ``OK``."""
    return [
        f"t={tel.time_s:.4f}",
        f"out={tel.output}",
        f"n={tel.pulses_fired}",
        f"ipk={_num(tel.last_peak_current_mA)}",
        f"q={_num(tel.last_charge_uC)}",
        f"zmin={_num(tel.last_load_min_ohm)}",
        f"z={_num(tel.impedance_ohm)}",
        f"qt={_num(tel.charge_total_uC, 8)}",
        f"et={_num(tel.energy_total_mJ, 8)}",
        f"flags={','.join(tel.flags) or '-'}",
    ]


def parse_pulse_telemetry(words: tuple[str, ...] | list[str]) -> PulseTelemetry:
    """A :class:`PulseTelemetry` from the words of a ``PTEL?`` reply after ``OK``."""
    fields = _fields(words)
    if "out" not in fields:
        raise FrameError("field 'out' missing")
    try:
        count = int(fields["n"])
    except (KeyError, ValueError) as exc:
        raise FrameError(f"field n={fields.get('n')!r} is not a whole number") from exc
    flags = fields.get("flags", "-")
    return PulseTelemetry(
        time_s=_float(fields, "t"),
        output=fields["out"],
        pulses_fired=count,
        last_peak_current_mA=_float(fields, "ipk"),
        last_charge_uC=_float(fields, "q"),
        impedance_ohm=_float(fields, "z"),
        charge_total_uC=_float(fields, "qt"),
        energy_total_mJ=_float(fields, "et"),
        flags=() if flags == "-" else tuple(flags.split(",")),
        last_load_min_ohm=_optional(fields, "zmin"),
    )
