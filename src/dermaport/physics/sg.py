"""Scharfetter–Gummel (exponentially fitted) fluxes between two finite-volume cells.

For a flux ``J = -P (du/dx + u dw/dx)`` with a constant drift ``dw/dx`` between two cell
centres, the exact steady solution across the face gives::

    J = G [B(Δw) u_L - B(-Δw) u_R],   B(x) = x / (e^x - 1)

where ``G`` is the face conductance (m/s) and ``Δw = w_R - w_L`` the dimensionless drift
drop: ``z Δψ`` for electromigration (ψ = Fφ/RT) minus the Péclet number of convection.
Scharfetter & Gummel, IEEE Trans Electron Devices 1969;16:64-77.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

_SMALL = 1e-4


def bernoulli_pair(x: Array) -> tuple[Array, Array, Array, Array]:
    """B(x), B(−x), B′(x) and B′(−x) from one evaluation at |x|.

    Uses B(−y) = y + B(y) and B′(−y) = −1 − B′(y), applied on the side where no digits
    are lost (y = |x| ≥ 0, where B(y) is the small one): B(x) = B(y) + max(−x, 0),
    B(−x) = B(y) + max(x, 0).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        b = y / np.expm1(y)  # underflows to 0 for large y, as B does; NaN at y = 0
        d = b * (1.0 - b) / y - b
    small = y < _SMALL
    if small.any():
        ys = y[small]
        b[small] = 1.0 - ys / 2.0 + ys * ys / 12.0
        d[small] = -0.5 + ys / 6.0
    negative = (x < 0).astype(np.float64)
    flip = negative * (1.0 + 2.0 * d)  # turns B′(y) into B′(−y) = −1 − B′(y) where x < 0
    return b + np.maximum(-x, 0.0), b + np.maximum(x, 0.0), d - flip, -1.0 - d + flip
