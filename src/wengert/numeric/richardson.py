"""Richardson extrapolation over a geometric sequence of steps, with an error estimate.

A difference quotient ``D(h)`` has an error series ``D(h) = D + a_1 h^e1 + a_2 h^e2 + ...``
(``e = p, p+2, ...`` for central stencils, ``p, p+1, ...`` for one-sided ones).  From the
values at ``h, h/r, ..., h/r^(L-1)`` the Neville-style tableau

    T[j][0] = D(h / r^j)
    T[j][k] = T[j][k-1] + (T[j][k-1] - T[j-1][k-1]) / (r^e_k - 1)

removes one power of ``h`` per column; ``T[L-1][L-1]`` has error ``O(h^e_L)``.  Every entry is
a fixed linear combination of the ``D``'s, so the tableau is computed once as weight vectors
and applied to whole arrays of difference quotients (all coordinates at once).

Error estimate of an extrapolated value ``T`` (a *window* of ``L`` consecutive steps):
- truncation: ``|T - T_low|``, where ``T_low = T[L-1][L-2]`` is the one-order-lower value
  from the same window (an estimate of ``T_low``'s error, hence an over-estimate of ``T``'s
  in the asymptotic regime), and ``|T - T_next|``, the disagreement with the window one step
  smaller (which exposes steps that are too large for the series to converge, and noise);
  the larger of the two is used;
- rounding: ``eps_f * sum_j |w_j| * sum_i |c_i| |f(x_i)| / h_j^n``: the floating-point error
  of each function value (relative ``eps_f``, a few machine epsilons), propagated through the
  stencil and the extrapolation weights ``w``.
The estimate is their sum.  With several windows (the adaptive default) each output element
takes the window with the smallest estimate among those that no smaller-step window
contradicts (``consistent_with_smaller``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..tree import tree_flatten

__all__ = ["Estimate", "extrapolation_weights", "richardson", "select_window"]

#: rounding errors of one function evaluation, in machine epsilons of its dtype
ROUNDING_ULPS = 4.0
#: a window is rejected when a smaller-step window disagrees by more than CONSISTENCY of its
#: own error estimates plus CONFIDENCE of the smaller window's (see consistent_with_smaller) ...
CONSISTENCY = 2.0
CONFIDENCE = 100.0
#: ... provided the smaller window's own estimate is at most CREDIBLE times the larger one's
CREDIBLE = 1e3
#: ... or the disagreement exceeds DECISIVE times the smaller window's estimate
DECISIVE = 1e3


@dataclass(frozen=True)
class Estimate:
    """A numerical derivative: ``value`` and the estimated absolute ``error`` (same pytree
    structure), the base ``step`` chosen for each element, and how it was computed.

    Unpacks as a pair: ``value, error = gradient(f, x)``.
    """

    value: Any
    error: Any
    step: Any = None
    method: str = "central"
    order: int = 2
    n: int = 1

    def __iter__(self):  # noqa: ANN204
        yield self.value
        yield self.error

    def __repr__(self) -> str:
        return f"Estimate(value={self.value!r}, error={self.error!r}, method={self.method!r}, order={self.order}, n={self.n})"

    def max_error(self) -> float:
        """The largest estimated error over all elements."""
        leaves = tree_flatten(self.error)[0]
        return max((float(np.max(e)) for e in leaves if np.size(e)), default=0.0)


def extrapolation_weights(levels: int, ratio: float, exponents: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``w``, ``w_low`` (length ``levels``) with ``T = sum_j w_j D(h/r^j)`` the fully
    extrapolated value and ``T_low = sum_j w_low_j D(h/r^j)`` the one-order-lower value from
    the ``levels-1`` smallest steps (``w_low = e_0`` when ``levels == 1``).  Read-only arrays."""
    if len(exponents) < levels - 1:
        raise ValueError("extrapolation_weights: need levels-1 exponents")
    return _weights(int(levels), float(ratio), tuple(float(e) for e in exponents[: max(levels - 1, 0)]))


@lru_cache(maxsize=128)
def _weights(levels: int, ratio: float, exponents: tuple) -> tuple[np.ndarray, np.ndarray]:
    if levels < 1:
        raise ValueError("extrapolation_weights: levels must be >= 1")
    eye = np.eye(levels)
    col = [eye[j] for j in range(levels)]  # column 0: T[j][0] = D_j
    prev_last = col[-1]
    for k in range(1, levels):
        fac = 1.0 / (ratio ** exponents[k - 1] - 1.0)
        prev_last = col[-1]
        col = [col[j] + (col[j] - col[j - 1]) * fac for j in range(1, len(col))]
    w = col[-1]
    w_low = (prev_last if levels > 1 else eye[0]).copy()
    w.flags.writeable = False
    w_low.flags.writeable = False
    return w, w_low


def richardson(d: np.ndarray, b: np.ndarray, levels: int, ratio: float, exponents: Sequence[float]) -> tuple:
    """Windowed extrapolation along axis 0 of ``d`` (difference quotients at decreasing steps).

    ``b`` holds, per step, the rounding magnitude ``sum_i |c_i f_i| / h^n`` (same shape as
    ``d``).  Returns ``(T, T_low, R)`` with one entry per window of ``levels`` consecutive
    steps along axis 0: the extrapolated value, the lower-order value, and the rounding
    magnitude propagated through the extrapolation weights.  A window containing a NaN step
    (or inf) is NaN.  Computed as three products with cached banded matrices.
    """
    S = d.shape[0]
    if S < levels:
        raise ValueError("richardson: fewer steps than levels")
    WT, WL, WA, W1 = _bands(levels, float(ratio), tuple(float(e) for e in exponents[: levels - 1]), S)
    shp = d.shape
    d2 = d.reshape(S, -1)
    b2 = b.reshape(S, -1)
    nan = ~np.isfinite(d2) | ~np.isfinite(b2)  # NaN or inf (overflow): those windows are NaN
    if nan.any():
        d2 = np.where(nan, 0.0, d2)
        b2 = np.where(nan, 0.0, b2)
        bad = (W1 @ nan) > 0
    else:
        bad = None
    T = WT @ d2
    Tl = WL @ d2
    R = WA @ b2
    if bad is not None:
        T = np.where(bad, np.nan, T)
    out = (T.shape[0],) + shp[1:]
    return T.reshape(out), Tl.reshape(out), R.reshape(out)


@lru_cache(maxsize=256)
def _bands(levels: int, ratio: float, exponents: tuple, steps: int) -> tuple:
    w, w_low = _weights(levels, ratio, exponents)
    W = steps - levels + 1
    WT = np.zeros((W, steps))
    WL = np.zeros((W, steps))
    for j in range(levels):
        WT[np.arange(W), np.arange(W) + j] = w[j]
        WL[np.arange(W), np.arange(W) + j] = w_low[j]
    W1 = (WT != 0) | (WL != 0)
    return WT, WL, np.abs(WT), W1.astype(float)


def select_window(t: np.ndarray, t_low: np.ndarray, rnd: np.ndarray, eps_f: float, only_first: bool = False) -> tuple:
    """Choose, per element, the window with the smallest error estimate (see module doc).

    ``rnd`` is the rounding magnitude; ``eps_f`` the relative rounding error of one function
    value.  Returns ``(value, error, index)``.  With ``only_first`` the first window is taken
    (an explicit step), using the second, if any, only for its estimate.
    """
    shp = t.shape
    W = shp[0]
    two = t.ndim == 2
    T = t if two else t.reshape(W, -1)
    trunc = np.abs(T - (t_low if two else t_low.reshape(W, -1)))
    if W > 1:
        # disagreement with the next smaller window (the last one: with the previous)
        nb = np.empty(trunc.shape)
        nb[:-1] = np.abs(T[:-1] - T[1:])
        nb[-1] = nb[-2]
        if not only_first and math.isnan(nb[:-1].sum()):  # a NaN next window: use the previous
            prv = np.full(trunc.shape, np.nan)
            prv[1:] = nb[:-1]
            nb = np.where(np.isnan(nb), prv, nb)
        np.fmax(trunc, nb, out=trunc)
    err = rnd * eps_f if two else rnd.reshape(W, -1) * eps_f
    err += trunc
    if not math.isfinite(abs(err.sum() + T.sum())):  # NaN/inf somewhere: those windows never win
        err[np.isnan(err) | ~np.isfinite(T)] = np.inf
    if only_first or W == 1:
        return T[0].reshape(shp[1:]), err[0].reshape(shp[1:]), np.zeros(shp[1:], dtype=int)
    idx = choose(T, err)
    cols = np.arange(T.shape[1])
    if two:
        return T[idx, cols], err[idx, cols], idx
    return T[idx, cols].reshape(shp[1:]), err[idx, cols].reshape(shp[1:]), idx.reshape(shp[1:])


def choose(T: np.ndarray, E: np.ndarray) -> np.ndarray:  # noqa: N803
    """Per column of ``T``/``E`` (windows along axis 0), the window with the smallest estimate
    among those no smaller-step window contradicts (``consistent_with_smaller``).

    Same result as ``argmin(where(consistent_with_smaller(T, E), E, inf))`` but checks only
    the current candidate of each column against the others (the usual case: it stands), and
    moves to the next candidate where it is contradicted.
    """
    k, K, C, Q = CONSISTENCY, CONFIDENCE, CREDIBLE, DECISIVE
    W, X = T.shape
    cols = np.arange(X)
    rows = _rows(W)
    idx = np.argmin(E, axis=0)
    KE = K * E
    QE = Q * E
    excluded = None
    for _ in range(W):
        Tw = T[idx, cols]
        Ew = E[idx, cols]
        d = np.abs(T - Tw)  # (windows u, columns)
        veto = d > KE + k * Ew
        veto &= (E <= C * Ew) | (QE <= d)
        veto &= rows > idx
        if not veto.any():
            return idx
        bad = veto.any(axis=0)
        if excluded is None:
            excluded = np.zeros(T.shape, dtype=bool)
        excluded[idx[bad], cols[bad]] = True
        idx = np.argmin(np.where(excluded, np.inf, E), axis=0)
    return idx  # pragma: no cover - every column ends at its smallest finite window


def consistent_with_smaller(T: np.ndarray, E: np.ndarray) -> np.ndarray:  # noqa: N803
    """Which windows are not contradicted by a window of smaller steps (higher index along
    axis 0).  Window ``w`` is rejected if some ``u > w`` with a finite estimate has

        |T_w - T_u| > CONSISTENCY * E_w + CONFIDENCE * E_u
        and (E_u <= CREDIBLE * E_w  or  DECISIVE * E_u <= |T_w - T_u|):

    a smaller-step value lies far outside ``w``'s error bar, many of its own error bars away,
    and is not itself far less accurate (or the disagreement is beyond doubt).  A value from large steps contradicted in this way
    has met something the smaller steps resolve (a kink, a jump, a domain boundary just
    beyond them) and is never chosen, however small its own estimate.  The last condition
    keeps the smallest steps, where rounding dominates and a function with internal
    cancellation can produce a consistent-looking wrong value, from vetoing good windows.
    Pairwise over windows (in chunks of elements).
    """
    k, K, C, Q = CONSISTENCY, CONFIDENCE, CREDIBLE, DECISIVE
    W = T.shape[0]
    shp = T.shape
    T2 = T.reshape(W, -1)
    E2 = E.reshape(W, -1)  # inf estimates compare false below: they neither veto nor matter
    X = T2.shape[1]
    later = _later(W)
    ok = np.ones((W, X), dtype=bool)
    chunk = max(1, (1 << 20) // max(W * W, 1))
    for c0 in range(0, X, chunk):  # (callers ignore invalid-value warnings: NaN windows)
        c = slice(c0, min(X, c0 + chunk))
        d = np.abs(T2[:, None, c] - T2[None, :, c])  # (w, u, elements)
        Ew, Eu = E2[:, None, c], E2[None, :, c]
        veto = d > k * Ew + K * Eu
        veto &= (Eu <= C * Ew) | (Q * Eu <= d)
        veto &= later
        ok[:, c] = ~veto.any(axis=1)
    return ok.reshape(shp)


@lru_cache(maxsize=64)
def _rows(W: int) -> np.ndarray:  # noqa: N803
    return np.arange(W)[:, None]


@lru_cache(maxsize=64)
def _later(W: int) -> np.ndarray:  # noqa: N803
    return np.arange(W)[None, :, None] > np.arange(W)[:, None, None]  # u > w
