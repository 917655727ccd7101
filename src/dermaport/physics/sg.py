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
    ys = np.maximum(y, _SMALL)  # the series below covers y < _SMALL; no 0/0 here
    e = np.exp(-ys)  # underflows quietly to 0 for large y, so B(y) = y e^(−y) / (1 − e^(−y)) does too
    b = ys * e / -np.expm1(-ys)
    d = b * (1.0 - b) / ys - b
    small = y < _SMALL
    b = np.where(small, 1.0 - y / 2.0 + y * y / 12.0, b)
    d = np.where(small, -0.5 + y / 6.0, d)
    flip = (x < 0) * (1.0 + 2.0 * d)  # turns B′(y) into B′(−y) = −1 − B′(y) where x < 0
    return b + np.maximum(-x, 0.0), b + np.maximum(x, 0.0), d - flip, -1.0 - d + flip
