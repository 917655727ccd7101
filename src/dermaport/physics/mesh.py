"""Finite-volume meshes of layered skin, refined towards every interface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LayeredMesh", "layered_mesh"]


@dataclass(frozen=True)
class LayeredMesh:
    """Cells of a 1-D stack of layers, top (skin surface) first.

    ``widths_m`` are cell widths (m), ``layer`` the layer index of each cell.
    """

    widths_m: NDArray[np.float64]
    layer: NDArray[np.int64]

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(self.widths_m.size)

    @property
    def centers_m(self) -> NDArray[np.float64]:
        """Depth of each cell centre below the top face (m)."""
        edges = np.concatenate(([0.0], np.cumsum(self.widths_m)))
        return np.asarray(0.5 * (edges[:-1] + edges[1:]), dtype=np.float64)

    @property
    def thickness_m(self) -> float:
        """Total thickness (m)."""
        return float(self.widths_m.sum())


def _graded(thickness: float, cells: int, growth: float, max_over_mean: float) -> NDArray[np.float64]:
    """Cell widths growing geometrically by ``growth`` from both ends towards the middle.

    Growth stops where a cell would be wider than ``max_over_mean`` times the mean width, so
    adding cells refines the whole layer, not only its ends.
    """
    k = np.arange(cells)
    steps = np.minimum(k, cells - 1 - k).astype(np.float64)
    weights = growth**steps
    for cap in sorted(set(weights.tolist()), reverse=True):
        capped = np.minimum(weights, cap)
        if capped.max() <= max_over_mean * capped.mean():
            weights = capped
            break
    return np.asarray(thickness * weights / weights.sum(), dtype=np.float64)


def layered_mesh(
    thicknesses_m: Sequence[float], cells: Sequence[int], growth: float = 1.25, max_over_mean: float = 2.5
) -> LayeredMesh:
    """A mesh of layers of ``thicknesses_m`` with ``cells`` cells each.

    Within each layer the cells are smallest at its two faces and grow by ``growth`` per
    cell towards its middle, up to ``max_over_mean`` times the layer's mean cell width, so
    every interface (where concentrations jump and gradients are steepest) is resolved
    finely and refinement converges everywhere. ``growth=1`` gives a uniform mesh.
    """
    if len(thicknesses_m) != len(cells):
        raise ValueError("one cell count per layer")
    widths = [_graded(t, n, growth, max_over_mean) for t, n in zip(thicknesses_m, cells, strict=True)]
    layer = np.concatenate([np.full(n, i, dtype=np.int64) for i, n in enumerate(cells)])
    return LayeredMesh(np.concatenate(widths), layer)
