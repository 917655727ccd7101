"""A PNG of a simulation: the depth profile and the timeline (flux, current, voltage, pH).

A run with a pulse step adds a row: the pulse train (each pulse's peak current) and the
stratum corneum's resistance over the run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dermaport.physics.result import SimulationResult

__all__ = ["write_plot"]


def write_plot(result: SimulationResult, path: str | Path) -> Path:
    """Write the figure to ``path`` (PNG) atomically and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    target = Path(path)
    ep = result.electroporation
    rows = 2 if ep is None else 3
    fig, axes = plt.subplots(rows, 2, figsize=(11, 3.5 * rows), layout="constrained")
    title = f"{result.active} on {result.skin}: " + "; ".join(result.steps)
    fig.suptitle(title, fontsize=10)

    ax = axes[0, 0]
    ax.plot(result.profile_depth_um, result.profile_ug_per_cm3, color="tab:purple")
    ax.set_xscale("symlog", linthresh=20)
    ax.set_xlabel("depth (µm)")
    ax.set_ylabel("active in tissue (µg/cm³)")
    if result.penetration_depth_um is not None:
        ax.axvline(result.penetration_depth_um, ls="--", color="grey", label="90 % above")
        ax.legend()
    ax.set_title("Depth profile at the end")

    t_min = [t / 60 for t in result.timeline.time_s]
    ax = axes[0, 1]
    ax.plot(t_min, result.timeline.flux_ug_per_cm2_h, color="tab:blue")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("flux into skin (µg/cm²/h)")
    ax.set_title("Flux across the surface")

    ax = axes[1, 0]
    ax.plot(t_min, result.timeline.current_mA, color="tab:orange", label="current (mA)")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("current (mA)")
    twin = ax.twinx()
    twin.plot(t_min, result.timeline.voltage_V, color="tab:green", label="voltage (V)")
    twin.set_ylabel("skin voltage (V)")
    drive = "; pulse steps: their mean net drive" if ep is not None else ""
    ax.set_title(f"Current and voltage ({result.electrode_area_cm2:g} cm² electrode{drive})", fontsize=10)

    ax = axes[1, 1]
    ax.plot(t_min, result.timeline.vehicle_ph, color="tab:red")
    ax.axhspan(4, 8, color="tab:green", alpha=0.08, label="pH 4-8")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("vehicle pH")
    ax.legend()
    ax.set_title(f"Vehicle pH ({result.electrode} electrode)")

    if ep is not None:
        area = result.electrode_area_cm2
        ax = axes[2, 0]
        peaks = [j * area * 1e-4 * 1e3 for j in ep.pulse_peak_current_a_per_m2]  # A/m² → mA
        starts = ep.pulse_start_s
        ax.plot(starts, peaks, "|", color="tab:orange", ms=8)
        ax.set_xscale("symlog", linthresh=10)
        ax.set_ylim(bottom=0, top=max(peaks, default=1.0) * 1.1)
        ax.set_xlabel("time (s, logarithmic past 10 s)")
        ax.set_ylabel("peak current of each pulse (mA)")
        ax.set_title(f"Pulse train: {ep.pulse_count} pulses ({area:g} cm² electrode)")

        ax = axes[2, 1]
        ax.semilogy(result.timeline.time_s, result.timeline.sc_resistance_ohm_cm2, color="tab:brown")
        ax.axhline(ep.intact_resistance_ohm_cm2, ls="--", color="grey", label="intact")
        ax.set_xlim(left=0)
        ax.legend(loc="lower right")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlabel("time (s, logarithmic past 10 s)")
        ax.set_ylabel("SC resistance, mean over each step (Ω·cm²)")
        ax.set_title(
            f"SC resistance: in a pulse down to {ep.sc_resistance_min_ratio:.2g}, "
            f"at the end {ep.sc_resistance_end_ratio:.2g} of intact",
            fontsize=10,
        )

    fd, tmp = tempfile.mkstemp(suffix=".png", dir=target.parent if str(target.parent) else ".")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, target)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
