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
    are lost (y = |x| ≥ 0, where B(y) is the small one).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    small = y < _SMALL
    safe = np.where(small, 1.0, y)
    with np.errstate(over="ignore"):
        b_safe = safe / np.expm1(safe)  # underflows to 0 for large y, as B does
    b = np.where(small, 1.0 - y / 2.0 + y * y / 12.0, b_safe)
    d = np.where(small, -0.5 + y / 6.0, b_safe * (1.0 - b_safe) / safe - b_safe)
    large = y + b
    d_large = -1.0 - d
    positive = x >= 0
    return (
        np.where(positive, b, large),
        np.where(positive, large, b),
        np.where(positive, d, d_large),
        np.where(positive, d_large, d),
    )
