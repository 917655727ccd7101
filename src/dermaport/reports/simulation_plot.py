"""A PNG of a simulation: the depth profile and the timeline (flux, current, voltage, pH)."""

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
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), layout="constrained")
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
    ax.set_title(f"Current and voltage ({result.electrode_area_cm2:g} cm² electrode)")

    ax = axes[1, 1]
    ax.plot(t_min, result.timeline.vehicle_ph, color="tab:red")
    ax.axhspan(4, 8, color="tab:green", alpha=0.08, label="pH 4-8")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("vehicle pH")
    ax.legend()
    ax.set_title(f"Vehicle pH ({result.electrode} electrode)")

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
