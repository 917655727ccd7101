"""The dermaport reference line protocol: frames, checksums, and the words of each command.

One request, one reply, each a line of printable ASCII (docs/device-protocol.md)::

    host → device   SS WORD [ARG ...]*CCCC<LF>
    device → host   SS OK [VALUE ...]*CCCC<LF>   or   SS ERR CODE [text ...]*CCCC<LF>

``SS`` is a two-digit hexadecimal sequence number the reply echoes; ``CCCC`` the CRC-16/CCITT
(polynomial 0x1021, initial value 0xFFFF, as :func:`binascii.crc_hqx` computes it) of every byte
before the ``*``, in upper-case hexadecimal. This module only encodes and decodes; the driver
(:mod:`dermaport.device.serial_driver`) and the server (:mod:`dermaport.device.line_server`)
move the bytes.
"""

from __future__ import annotations

import binascii
import math
import re
from dataclasses import dataclass

from dermaport.device.protocol import Identity, Telemetry

__all__ = [
    "ERROR_CODES",
    "MAX_LINE",
    "VERSIONS",
    "Frame",
    "FrameError",
    "crc16",
    "decode",
    "encode",
    "identity_words",
    "parse_identity",
    "parse_telemetry",
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
