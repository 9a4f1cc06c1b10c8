"""Two ratios at once (``combine: product``): a quadratic surface over (log10 a1, log10 a2).

The same model as the curves, one dimension up: seed-adjusted cell means
from ``value ~ cell + seed`` (baseline its own parameter), a GLS quadratic
with interaction in the two log ratios (terms the design cannot identify are
dropped: a square needs three distinct ratios of its key), the optimum as the
argmax on a dense grid inside the trained rectangle, and per-coordinate 95%
percentile intervals of the argmax over parametric-bootstrap draws. No GP
and no robust region here: a second family and a 2-D equivalence region are
left for when grids this size exist.
"""

from __future__ import annotations

import math

import numpy as np

from mtseq.analysis.curves import CellMeans, cell_means, rmse

GRID_SIDE = 41


def _terms(x: np.ndarray) -> np.ndarray:
    """All quadratic terms, columns 1, x1, x2, x1^2, x2^2, x1*x2."""
    x1, x2 = x[:, 0], x[:, 1]
    return np.column_stack([np.ones_like(x1), x1, x2, x1**2, x2**2, x1 * x2])


def usable_terms(x: np.ndarray) -> list[int]:
    """Columns of ``_terms`` the design identifies (squares need 3 distinct ratios; full column rank)."""
    n1, n2 = (len(np.unique(x[:, j])) for j in (0, 1))
    want = [0] + [1] * (n1 >= 2) + [2] * (n2 >= 2) + [3] * (n1 >= 3) + [4] * (n2 >= 3) + [5] * (n1 >= 2 and n2 >= 2)
    cols = list(want)
    while cols and np.linalg.matrix_rank(_terms(x)[:, cols]) < len(cols):
        cols.pop()
    return cols


def surface_smoother(x: np.ndarray, cov: np.ndarray, xg: np.ndarray, cols: list[int] | None = None) -> np.ndarray:
    """W with fitted(xg) = W @ means (GLS on the usable quadratic terms)."""
    cols = usable_terms(x) if cols is None else cols
    b = _terms(x)[:, cols]
    vinv = np.linalg.pinv(cov)
    return _terms(xg)[:, cols] @ np.linalg.pinv(b.T @ vinv @ b) @ b.T @ vinv


def surface_loro(x: np.ndarray, m: np.ndarray, cov: np.ndarray) -> float:
    """Leave-one-cell-out RMSE over interior cells (inside both keys' ranges); NaN when there are none."""
    inner = [
        i
        for i in range(len(m))
        if all(x[:, j].min() < x[i, j] < x[:, j].max() for j in (0, 1))  # not on the rectangle's edge
    ]
    errors = []
    for i in inner:
        keep = np.arange(len(m)) != i
        w = surface_smoother(x[keep], cov[np.ix_(keep, keep)], x[i : i + 1])
        errors.append(float(w[0] @ m[keep]) - float(m[i]))
    return rmse(np.asarray(errors)) if errors else math.nan


def surface_means(values: np.ndarray, cells: list[str]) -> CellMeans:
    """Seed-adjusted means in the given cell order (``cell_means`` sorts by x; a dummy x keeps the order)."""
    return cell_means(values, cells, np.arange(len(cells), dtype=float))


def dense_grid(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(g1, g2, points): GRID_SIDE values per axis over the trained range, and their (G, 2) product."""
    g1 = np.linspace(x[:, 0].min(), x[:, 0].max(), GRID_SIDE)
    g2 = np.linspace(x[:, 1].min(), x[:, 1].max(), GRID_SIDE)
    a, b = np.meshgrid(g1, g2, indexing="ij")
    return g1, g2, np.column_stack([a.ravel(), b.ravel()])
