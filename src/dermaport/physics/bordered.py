"""Solve a banded linear system with a few dense border rows and columns.

The Newton system of the chain is banded (each cell couples only to its neighbours and the
faces between them) except for a handful of global unknowns, the route currents and the
electroosmotic flows, which couple to every face. Written as

    [ A  B ] [x]   [f]
    [ C  D ] [y] = [g]

with ``A`` banded (LAPACK band storage) and ``D`` small, block elimination gives
``(D - C A⁻¹ B) y = g - C A⁻¹ f`` and ``x = A⁻¹ (f - B y)``: one banded factorisation with
``1 + m`` right-hand sides and an ``m × m`` dense solve, so the cost grows linearly with the
number of cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import LinAlgError
from scipy.linalg.lapack import dgbsv, dgbtrf, dgbtrs, dgetrf, dgetri

__all__ = ["BorderedBandedSystem", "FactoredSystem"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class BorderedBandedSystem:
    """A square system of ``size + border`` unknowns, ``size`` of them in a band.

    ``band[k + i - j, j]`` holds ``A[i, j]`` for ``|i - j| ≤ k`` (``k`` the half bandwidth);
    ``right`` is ``B`` (size × border), ``bottom`` is ``C`` (border × size) and ``corner``
    is ``D``. All start at zero. ``band`` is a view into LAPACK's ``dgbsv`` storage, whose
    first ``k`` rows are room for the fill-in of partial pivoting.
    """

    size: int
    half_bandwidth: int
    border: int

    def __post_init__(self) -> None:
        k = self.half_bandwidth
        self._flat: Array = np.zeros(self.size * (3 * k + 1))
        self._storage: Array = self._flat.reshape(self.size, 3 * k + 1).T  # Fortran order, a view
        self.band: Array = self._storage[k:]
        self.right: Array = np.zeros((self.size, self.border), order="F")  # as LAPACK takes it
        self.bottom: Array = np.zeros((self.border, self.size))
        self.corner: Array = np.zeros((self.border, self.border))

    @staticmethod
    def band_position(half_bandwidth: int, row: ArrayLike, col: ArrayLike) -> IntArray:
        """Flat positions of band entries ``A[row, col]`` for :meth:`set_band`."""
        k = half_bandwidth
        row, col = np.asarray(row), np.asarray(col)
        return np.asarray(col * (3 * k + 1) + (2 * k + row - col), dtype=np.int64)

    def set_band(self, positions: IntArray, values: Array) -> None:
        """Write band entries at flat ``positions`` (from :meth:`band_position`) in one go."""
        self._flat[positions] = values

    @staticmethod
    def discarded(size: int, half_bandwidth: int) -> int:
        """A flat position that :meth:`accumulate_band` drops: for entries that stand for nothing."""
        return size * (3 * half_bandwidth + 1)

    def accumulate_band(self, positions: IntArray, values: Array) -> None:
        """Set the band to the sums of ``values`` at flat ``positions`` (repeats add up).

        Values at :meth:`discarded` are dropped.
        """
        size = self._flat.size
        self._flat[:] = np.bincount(positions, weights=values, minlength=size + 1)[:size]

    def make_identity_row(self, row: int) -> None:
        """Replace band row ``row`` by the identity (a pinned unknown)."""
        k = self.half_bandwidth
        cols = np.arange(max(0, row - k), min(self.size, row + k + 1))
        self.band[k + row - cols, cols] = 0.0
        self.band[k, row] = 1.0
        self.right[row, :] = 0.0

    def dense(self) -> Array:
        """The whole matrix as a dense array (for tests and diagnostics)."""
        k = self.half_bandwidth
        n = self.size
        a = np.zeros((n + self.border, n + self.border))
        for i in range(n):
            for j in range(max(0, i - k), min(n, i + k + 1)):
                a[i, j] = self.band[k + i - j, j]
        a[:n, n:] = self.right
        a[n:, :n] = self.bottom
        a[n:, n:] = self.corner
        return a

    def factor(self) -> FactoredSystem:
        """LU factors of the system, to solve it for several right-hand sides (chord iterations).

        Raises ``LinAlgError`` when it is singular. The band storage is overwritten.
        """
        k = self.half_bandwidth
        lu, piv, info = dgbtrf(self._storage, k, k, overwrite_ab=1)
        if info != 0:
            raise LinAlgError(f"the banded system is singular (LAPACK dgbtrf info {info})")
        x_border, info = dgbtrs(lu, k, k, self.right, piv)
        if info != 0:
            raise LinAlgError(f"the banded solve failed (LAPACK dgbtrs info {info})")
        schur = self.corner - self.bottom @ x_border
        lu_schur, piv_schur, info = dgetrf(schur)
        if info == 0:
            schur_inverse, info = dgetri(lu_schur, piv_schur)
        if info != 0:
            raise LinAlgError(f"the border's Schur complement is singular (LAPACK info {info})")
        if not (_finite(schur_inverse) and _finite(x_border)):
            raise LinAlgError("the factors are not finite")
        return FactoredSystem(k, lu, piv, x_border, self.bottom.copy(), schur_inverse)

    def solve(self, rhs_band: Array, rhs_border: Array) -> tuple[Array, Array]:
        """``(x, y)`` solving the system; raises ``LinAlgError`` when it is singular.

        The band storage is overwritten: the system is used once.
        """
        k = self.half_bandwidth
        stacked = np.asfortranarray(np.column_stack((rhs_band, self.right)))
        _, _, solved, info = dgbsv(k, k, self._storage, stacked, overwrite_ab=1, overwrite_b=1)
        if info != 0:
            raise LinAlgError(f"the banded system is singular (LAPACK dgbsv info {info})")
        x_rhs, x_border = solved[:, 0], solved[:, 1:]
        schur = self.corner - self.bottom @ x_border
        y = np.linalg.solve(schur, rhs_border - self.bottom @ x_rhs)
        if not (np.all(np.isfinite(y)) and np.all(np.isfinite(x_rhs))):
            raise LinAlgError("the solution is not finite")
        return x_rhs - x_border @ y, y


@dataclass(frozen=True)
class FactoredSystem:
    """A factored :class:`BorderedBandedSystem`: banded LU, ``A⁻¹B``, ``C`` and the Schur inverse."""

    half_bandwidth: int
    lu: Array
    pivots: NDArray[np.int32]
    x_border: Array
    bottom: Array
    schur_inverse: Array

    def solve(self, rhs_band: Array, rhs_border: Array) -> tuple[Array, Array]:
        """``(x, y)`` for new right-hand sides; raises ``LinAlgError`` when it is not finite."""
        k = self.half_bandwidth
        x_rhs, info = dgbtrs(self.lu, k, k, rhs_band, self.pivots)
        if info != 0:
            raise LinAlgError(f"the banded solve failed (LAPACK dgbtrs info {info})")
        y = self.schur_inverse @ (rhs_border - self.bottom @ x_rhs)
        if not (_finite(y) and _finite(x_rhs)):
            raise LinAlgError("the solution is not finite")
        return x_rhs - self.x_border @ y, y


def _finite(x: Array) -> bool:
    """Whether every entry is finite: a NaN or infinity anywhere makes the sum NaN or infinite."""
    return bool(np.isfinite(x.sum())) or bool(np.isfinite(x).all())
