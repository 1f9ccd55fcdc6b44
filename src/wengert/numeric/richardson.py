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
takes the window with the smallest estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tree import tree_flatten, tree_unflatten

__all__ = ["Estimate", "extrapolation_weights", "richardson", "select_window"]

#: rounding errors of one function evaluation, in machine epsilons of its dtype
ROUNDING_ULPS = 4.0
#: weight of the lower-order difference |T - T_low| in the truncation estimate
LOW_WEIGHT = 1.0
#: windows must agree with every smaller-step window within this many error estimates
CONSISTENCY = 2.0


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
    the ``levels-1`` smallest steps (``w_low = e_0`` when ``levels == 1``)."""
    if levels < 1:
        raise ValueError("extrapolation_weights: levels must be >= 1")
    if len(exponents) < levels - 1:
        raise ValueError("extrapolation_weights: need levels-1 exponents")
    eye = np.eye(levels)
    col = [eye[j] for j in range(levels)]  # column 0: T[j][0] = D_j
    prev_last = col[-1]
    for k in range(1, levels):
        fac = 1.0 / (ratio ** exponents[k - 1] - 1.0)
        prev_last = col[-1]
        col = [col[j] + (col[j] - col[j - 1]) * fac for j in range(1, len(col))]
    w = col[-1]
    w_low = prev_last if levels > 1 else eye[0]
    return w, w_low


def richardson(d: np.ndarray, b: np.ndarray, levels: int, ratio: float, exponents: Sequence[float]) -> tuple:
    """Windowed extrapolation along axis 0 of ``D`` (difference quotients at decreasing steps).

    ``B`` holds, per step, the rounding magnitude ``sum_i |c_i f_i| / h^n`` (same shape as
    ``D``).  Returns ``(T, T_low, R)`` with one entry per window of ``levels`` consecutive
    steps along axis 0: the extrapolated value, the lower-order value, and the rounding
    magnitude propagated through the extrapolation weights.
    """
    S = d.shape[0]
    if S < levels:
        raise ValueError("richardson: fewer steps than levels")
    w, w_low = extrapolation_weights(levels, ratio, exponents)
    W = S - levels + 1
    T = np.zeros((W,) + d.shape[1:], dtype=d.dtype)
    Tl = np.zeros_like(T)
    R = np.zeros((W,) + b.shape[1:], dtype=b.dtype)
    for j in range(levels):
        Dj = d[j : j + W]
        T += w[j] * Dj
        Tl += w_low[j] * Dj
        R += abs(w[j]) * b[j : j + W]
    return T, Tl, R


def select_window(t: np.ndarray, t_low: np.ndarray, rnd: np.ndarray, eps_f: float, only_first: bool = False) -> tuple:
    """Choose, per element, the window with the smallest error estimate (see module doc).

    ``rnd`` is the rounding magnitude; ``eps_f`` the relative rounding error of one function
    value.  Returns ``(value, error, index)``.  With ``only_first`` the first window is taken
    (an explicit step), using the second, if any, only for its estimate.
    """
    T, Tl, R = t, t_low, rnd  # noqa: N806
    trunc = np.abs(T - Tl) * LOW_WEIGHT
    W = T.shape[0]
    if W > 1:
        nxt = np.full(trunc.shape, np.nan)
        prv = np.full(trunc.shape, np.nan)
        with np.errstate(invalid="ignore"):
            nxt[:-1] = np.abs(T[:-1] - T[1:])
            prv[1:] = np.abs(T[1:] - T[:-1])
        # the next smaller window where it exists (the last one compares with the previous)
        trunc = np.fmax(trunc, np.where(np.isnan(nxt), prv, nxt)) if not only_first else np.fmax(trunc, nxt)
    err = trunc + eps_f * R
    bad = np.isnan(err) | np.isnan(T.real if np.iscomplexobj(T) else T) | np.isinf(T)
    err = np.where(bad, np.inf, err)
    if only_first or W == 1:
        return T[0], err[0], np.zeros(T.shape[1:], dtype=int)
    ok = consistent_with_smaller(T, err)
    idx = np.argmin(np.where(ok, err, np.inf), axis=0)
    val = np.take_along_axis(T, idx[None], 0)[0]
    e = np.take_along_axis(err, idx[None], 0)[0]
    return val, e, idx


def consistent_with_smaller(T: np.ndarray, E: np.ndarray, k: float | None = None) -> np.ndarray:  # noqa: N803
    """Which windows agree with every window of smaller steps (higher index along axis 0):
    ``|T_w - T_u| <= k (E_w + E_u)`` for all ``u > w`` with a finite ``E_u``.

    A value from large steps that disagrees with the smaller steps' values beyond their
    error bars has met something the smaller steps resolve (a kink, a pole, a domain
    boundary just beyond them) and is never chosen, however small its own estimate.
    Computed in one pass from small to large steps with running bounds.
    """
    k = CONSISTENCY if k is None else k
    parts = (T.real, T.imag) if np.iscomplexobj(T) else (T,)
    ok = np.ones(T.shape, dtype=bool)
    W = T.shape[0]
    for P in parts:
        hi = np.full(T.shape[1:], np.inf)  # min over smaller windows of T_u + k E_u
        lo = np.full(T.shape[1:], -np.inf)  # max over smaller windows of T_u - k E_u
        for w in range(W - 1, -1, -1):
            fin = np.isfinite(E[w])
            kE = k * np.where(fin, E[w], 0.0)
            with np.errstate(invalid="ignore"):
                ok[w] &= (P[w] - kE <= hi) & (P[w] + kE >= lo)
                hi = np.where(fin, np.minimum(hi, P[w] + kE), hi)
                lo = np.where(fin, np.maximum(lo, P[w] - kE), lo)
    return ok


def unflatten_like(td: Any, shapes: Sequence[tuple], flat: np.ndarray) -> Any:
    """Split a flat vector into leaves of ``shapes`` and rebuild the pytree ``td``."""
    out, off = [], 0
    for s in shapes:
        k = int(np.prod(s, dtype=int))
        out.append(flat[off : off + k].reshape(s))
        off += k
    return tree_unflatten(td, out)
