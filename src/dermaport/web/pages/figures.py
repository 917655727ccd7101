"""The pages' and reports' figures as SVG, drawn on the server (no script, no inline style).

Every figure is a plain SVG string built from numbers (escaped where text): presentation
attributes only, so it shows under the strict Content-Security-Policy and in the PDF alike.

* :func:`layer_bars`: the predicted amount per skin layer, µg/cm²;
* :func:`depth_profile`: the predicted concentration against depth, µg/cm³ against µm (both
  logarithmic), with the layer boundaries of the treated site marked;
* :func:`ph_band`: the vehicle's predicted pH range against the 4–8 band of the hard limits;
* :func:`telemetry_plot`: a session's current (mA) and dose (mA·min) against time (s).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from dermaport.safety.limits import VEHICLE_PH_MAX, VEHICLE_PH_MIN

__all__ = ["LAYER_NAMES", "depth_profile", "layer_bars", "ph_band", "telemetry_plot"]

#: The layers' names in words.
LAYER_NAMES = {
    "stratum_corneum": "Stratum corneum",
    "viable_epidermis": "Viable epidermis",
    "dermis": "Dermis",
    "cleared": "Cleared (blood)",
    "receptor": "Receptor",
}
_INK = "#1f2933"
_GRID = "#c8cdd2"
_ACCENT = "#1b5e9b"
_SECOND = "#b5480f"
_FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _svg(width: int, height: int, body: str, label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" class="figure">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", fill: str = _INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" {_FONT}>'
        f"{escape(text)}</text>"
    )


def layer_bars(amounts: Mapping[str, float]) -> Markup:
    """Horizontal bars of the amount delivered into each layer, µg/cm²."""
    items = [(LAYER_NAMES.get(k, k), float(v)) for k, v in amounts.items()]
    top = max((v for _, v in items), default=0.0) or 1.0
    width, left, bar_h, gap = 640, 170, 26, 12
    height = 20 + len(items) * (bar_h + gap) + 24
    parts = []
    for i, (name, value) in enumerate(items):
        y = 14 + i * (bar_h + gap)
        w = max(1.0, (width - left - 110) * value / top)
        parts.append(_text(left - 10, y + bar_h * 0.68, name, anchor="end"))
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{_ACCENT}"/>')
        parts.append(_text(left + w + 8, y + bar_h * 0.68, f"{value:.3g} µg/cm²"))
    parts.append(_text(left, height - 6, "Predicted amount per layer at the end of the steps", size=11))
    return _svg(width, height, "".join(parts), "Predicted amount delivered into each skin layer")


def _log_ticks(low: float, high: float) -> list[float]:
    return [10.0**e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


def depth_profile(
    depth_um: Sequence[float], concentration: Sequence[float], boundaries_um: Sequence[tuple[str, float]]
) -> Markup:
    """Concentration (µg/cm³) against depth (µm), log–log, with the layer boundaries as dashed lines."""
    points = [(d, c) for d, c in zip(depth_um, concentration, strict=False) if d > 0]
    width, height, left, right, top, bottom = 640, 320, 70, 20, 20, 50
    if not points:
        return _svg(
            width, 60, _text(10, 30, "No depth profile (the engine did not run)."), "No depth profile"
        )
    peak = max(c for _, c in points)
    floor = peak * 1e-6 if peak > 0 else 1e-9
    x_low = min(d for d, _ in points)
    x_high = max(max(d for d, _ in points), *(b for _, b in boundaries_um))
    y_low, y_high = floor, max(peak, floor * 10)
    lx0, lx1 = math.log10(x_low), math.log10(x_high)
    ly0, ly1 = math.log10(y_low), math.log10(y_high)

    def x_of(d: float) -> float:
        return left + (width - left - right) * (math.log10(d) - lx0) / (lx1 - lx0 or 1)

    def y_of(c: float) -> float:
        value = max(c, floor)
        return top + (height - top - bottom) * (1 - (math.log10(value) - ly0) / (ly1 - ly0 or 1))

    parts = [
        f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
        f'fill="none" stroke="{_GRID}"/>'
    ]
    for tick in _log_ticks(x_low, x_high):
        if x_low <= tick <= x_high:
            x = x_of(tick)
            parts.append(
                f'<line x1="{x:.1f}" y1="{height - bottom}" x2="{x:.1f}" y2="{height - bottom + 5}" '
                f'stroke="{_INK}"/>'
            )
            parts.append(_text(x, height - bottom + 18, f"{tick:g}", size=11, anchor="middle"))
    for tick in _log_ticks(y_low, y_high):
        if y_low <= tick <= y_high:
            y = y_of(tick)
            parts.append(f'<line x1="{left - 5}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="{_INK}"/>')
            parts.append(_text(left - 8, y + 4, f"{tick:.0e}", size=10, anchor="end"))
    for i, (name, depth) in enumerate(boundaries_um):
        if x_low < depth <= x_high:
            x = x_of(depth)
            parts.append(
                f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}" '
                f'stroke="{_SECOND}" stroke-dasharray="5 4"/>'
            )
            # each boundary's label on a row of its own, left of its line: neighbours never overlap
            parts.append(_text(x - 4, top + 14 + 14 * i, name, size=11, anchor="end", fill=_SECOND))
    line = " ".join(f"{x_of(d):.1f},{y_of(c):.1f}" for d, c in points)
    parts.append(f'<polyline points="{line}" fill="none" stroke="{_ACCENT}" stroke-width="2.5"/>')
    parts.append(
        _text((left + width - right) / 2, height - 12, "Depth below the surface (µm)", anchor="middle")
    )
    parts.append(
        f'<text x="16" y="{(top + height - bottom) / 2:.1f}" font-size="12" text-anchor="middle" '
        f'fill="{_INK}" '
        f'{_FONT} transform="rotate(-90 16 {(top + height - bottom) / 2:.1f})">Concentration (µg/cm³)</text>'
    )
    return _svg(
        width, height, "".join(parts), "Predicted concentration against depth, layer boundaries marked"
    )


def ph_band(start: float, low: float, high: float, end: float) -> Markup:
    """The vehicle's predicted pH (start, lowest–highest, end) against the allowed band."""
    width, height, left, right = 640, 110, 30, 30
    lo_axis, hi_axis = 2.0, 10.0

    def x_of(ph: float) -> float:
        clamped = min(max(ph, lo_axis), hi_axis)
        return left + (width - left - right) * (clamped - lo_axis) / (hi_axis - lo_axis)

    base = 62
    parts = [
        f'<rect x="{x_of(VEHICLE_PH_MIN):.1f}" y="{base - 22}" '
        f'width="{x_of(VEHICLE_PH_MAX) - x_of(VEHICLE_PH_MIN):.1f}" '
        f'height="44" fill="#d8eed8" stroke="#3c8c3c"/>',
        _text(
            x_of(VEHICLE_PH_MIN) + 4,
            base - 27,
            f"allowed {VEHICLE_PH_MIN:g}–{VEHICLE_PH_MAX:g}",
            size=11,
            fill="#2d6a2d",
        ),
        f'<line x1="{left}" y1="{base + 22}" x2="{width - right}" y2="{base + 22}" stroke="{_INK}"/>',
    ]
    for ph in range(int(lo_axis), int(hi_axis) + 1):
        x = x_of(ph)
        parts.append(f'<line x1="{x:.1f}" y1="{base + 22}" x2="{x:.1f}" y2="{base + 27}" stroke="{_INK}"/>')
        parts.append(_text(x, base + 40, str(ph), size=11, anchor="middle"))
    parts.append(
        f'<rect x="{x_of(low):.1f}" y="{base - 6}" width="{max(2.0, x_of(high) - x_of(low)):.1f}" '
        f'height="12" fill="{_ACCENT}"/>'
    )
    parts.append(
        f'<circle cx="{x_of(start):.1f}" cy="{base}" r="7" fill="#ffffff" stroke="{_INK}" stroke-width="2"/>'
    )
    parts.append(f'<circle cx="{x_of(end):.1f}" cy="{base}" r="6" fill="{_SECOND}"/>')
    parts.append(
        _text(
            width - right,
            16,
            f"start {start:.2f} (○) · range {low:.2f}–{high:.2f} · end {end:.2f} (●)",
            size=11,
            anchor="end",
        )
    )
    return _svg(width, height, "".join(parts), f"Vehicle pH {low:.2f} to {high:.2f} against the band 4 to 8")


def telemetry_plot(readings: Sequence[Mapping[str, Any]], planned_dose_mA_min: float | None) -> Markup:  # noqa: N803
    """Current (mA, left axis) and dose (mA·min, right axis, dashed the plan) against time (s)."""
    width, height, left, right, top, bottom = 640, 260, 60, 70, 16, 44
    if not readings:
        return _svg(width, 50, _text(10, 30, "No readings recorded."), "No readings")
    t = [float(r.get("time_s", 0.0)) for r in readings]
    current = [float(r.get("current_mA", 0.0)) for r in readings]
    dose = [float(r.get("charge_mA_min", 0.0)) for r in readings]
    t0, t1 = min(t), max(t) or 1.0
    i_top = max(max(current), 0.1) * 1.1
    d_top = max(max(dose), planned_dose_mA_min or 0.0, 0.01) * 1.1
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(v: float) -> float:
        return left + plot_w * (v - t0) / ((t1 - t0) or 1)

    def y_i(v: float) -> float:
        return top + plot_h * (1 - v / i_top)

    def y_d(v: float) -> float:
        return top + plot_h * (1 - v / d_top)

    step = max(1, len(t) // 400)
    parts = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="{_GRID}"/>']
    parts.append(
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            _ACCENT,
            " ".join(f"{x_of(a):.1f},{y_i(b):.1f}" for a, b in list(zip(t, current, strict=True))[::step]),
        )
    )
    parts.append(
        '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            _SECOND,
            " ".join(f"{x_of(a):.1f},{y_d(b):.1f}" for a, b in list(zip(t, dose, strict=True))[::step]),
        )
    )
    if planned_dose_mA_min:
        y = y_d(planned_dose_mA_min)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{_SECOND}" '
            f'stroke-dasharray="6 4"/>'
        )
        parts.append(
            _text(
                left + plot_w - 4,
                y - 5,
                f"planned {planned_dose_mA_min:.3g} mA·min",
                size=11,
                anchor="end",
                fill=_SECOND,
            )
        )
    for k in range(5):
        v = i_top * k / 4
        parts.append(_text(left - 6, y_i(v) + 4, f"{v:.2g}", size=10, anchor="end", fill=_ACCENT))
        d = d_top * k / 4
        parts.append(_text(left + plot_w + 6, y_d(d) + 4, f"{d:.2g}", size=10, fill=_SECOND))
        s = t0 + (t1 - t0) * k / 4
        parts.append(_text(x_of(s), top + plot_h + 16, f"{s:.0f}", size=10, anchor="middle"))
    parts.append(_text(left + plot_w / 2, height - 8, "Time (s)", anchor="middle"))
    parts.append(_text(left, top - 4 + 12, "current (mA)", size=11, fill=_ACCENT))
    parts.append(_text(left + plot_w, height - 8, "dose (mA·min)", size=11, anchor="end", fill=_SECOND))
    return _svg(width, height, "".join(parts), "Session current and dose against time")
