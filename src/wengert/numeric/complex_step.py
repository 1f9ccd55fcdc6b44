"""The complex step, for real-analytic functions.

For ``f`` real on the real axis and analytic near ``x``,

    f(x + i h) = f(x) + i h f'(x) - h^2 f''(x) / 2 - i h^3 f'''(x) / 6 + ...

so ``Im f(x + i h) / h = f'(x) - h^2 f'''(x) / 6 + ...``: a first derivative with no
subtraction of nearby values, hence no cancellation.  The step can be tiny
(``h = 2^-64 |x|``), which makes the truncation term vanish below rounding: the result is
accurate to a few units in the last place.  One evaluation per coordinate.

``f`` must accept complex input and be written with operations that extend analytically
(NumPy ufuncs, arithmetic, ``@``; not ``abs``, ``np.real``, ``float()``, ``math.*``,
comparisons on the imaginary part, assignment into real arrays).  Functions that fail on
complex input, or return real values (the imaginary part was dropped), raise
``ComplexStepError``.

Higher derivatives:
- ``hessian``: central differences (any even ``order``, Richardson, adaptive step) of the
  complex-step first derivatives ``d_i f(x + s h e_j)``: rounding is that of the first
  derivative, so larger real steps are safe and the result is more accurate than second
  differences of ``f``.
- ``derivative(n >= 2)``: the Cauchy integral on a circle of radius ``r`` around ``x``
  (Lyness and Moler, 1967), discretised by the trapezoidal rule on ``m`` points:
  ``f^(n)(x) ~= n! / (m r^n) Re sum_k f(x + r w^k) w^(-k n)``, ``w = exp(2 pi i / m)``;
  the error falls like ``(r / R)^m`` with ``R`` the distance to the nearest singularity.  By
  conjugate symmetry only the ``m/2 + 1`` points in the upper half-plane are evaluated.  The
  ``m/2``-point rule on the same points gives the error estimate; radii are tried from small
  to large, and a larger radius is kept only while its value agrees with the smaller ones
  (a singularity inside the circle changes the value), choosing the smallest estimate.
  ``m = 2 (n + order)`` rounded up to a multiple of 4.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._points import ComplexStepError, Evaluator
from .finite_diff import candidate_taus, coordinate_scale, default_step, fd_problems, rounding_eps, stencil

__all__ = ["partials", "direction", "derivative", "hessian", "ComplexStepError"]


def _cdtype(ev: Evaluator) -> np.dtype:
    return np.result_type(ev.space.dtype, np.complex64)


def _require_real(ev: Evaluator, f0: np.ndarray) -> None:
    if np.iscomplexobj(f0):
        raise ComplexStepError(
            f"{ev.what}: method='complex' needs a real-valued function, but f returned {f0.dtype} "
            "values at real x; use method='central'"
        )


def _steps(ev: Evaluator, step: Any) -> np.ndarray:
    from .api import _steps_per_coord

    if step is None:
        return default_step(ev.space.x, 1, "complex")
    return _steps_per_coord(ev.space, step, "step")


def _cs_error(val: np.ndarray, eps: float) -> np.ndarray:
    # rounding of the imaginary parts, relative to the derivative itself
    return eps * np.abs(val)


def partials(ev: Evaluator, f0: np.ndarray, step: Any) -> tuple:
    """Complex-step first partials along every coordinate: (N, M) values, errors, steps."""
    _require_real(ev, f0)
    x = ev.space.x
    N = x.size
    h = _steps(ev, step)
    ev.complex_mode = True
    try:
        chunk = max(1, min(N, (1 << 22) // max(N, 1)))
        parts = []
        for k0 in range(0, N, chunk):
            g = np.arange(k0, min(N, k0 + chunk))
            X = np.repeat(x[None, :].astype(_cdtype(ev)), len(g), axis=0)
            X[np.arange(len(g)), g] += 1j * h[g]
            parts.append(ev.rows(X))
        F = np.concatenate(parts, axis=0)
    finally:
        ev.complex_mode = False
    val = F.imag / h[:, None]
    eps = rounding_eps(ev.space.dtype, ev.out.dtype)
    return val, _cs_error(val, eps), np.broadcast_to(h[:, None], val.shape)


def direction(ev: Evaluator, u: np.ndarray) -> tuple:
    """``Im f(x + i u)`` and its rounding error (the caller divides by the step)."""
    f0 = ev.at_x() if ev.out is None else None
    if f0 is not None:
        _require_real(ev, f0)
    ev.complex_mode = True
    try:
        X = (ev.space.x.astype(_cdtype(ev)) + 1j * u)[None, :]
        F = ev.rows(X)[0]
    finally:
        ev.complex_mode = False
    val = F.imag
    return val, _cs_error(val, rounding_eps(ev.space.dtype, ev.out.dtype))


def derivative(ev: Evaluator, f0: np.ndarray, n: int, order: int, step: Any) -> tuple:
    """Elementwise ``n``-th derivative: complex step (``n = 1``) or the Cauchy integral."""
    _require_real(ev, f0)
    N, M = ev.space.size, ev.out.size
    if n == 1:
        h = _steps(ev, step)
        hm = h if N == M else np.full(M, h[0])
        val, err = direction(ev, h)
        return val / hm, err / hm, hm
    return _contour(ev, f0, n, order, step)


def contour_points(n: int, order: int) -> int:
    """Points of the trapezoidal rule on the circle for the ``n``-th derivative."""
    m = 2 * (n + order)
    return -(-m // 4) * 4


#: radii tried, as multiples of the coordinate's scale
RADII = 0.5 * 2.0 ** -np.arange(8, dtype=float)


def _contour(ev: Evaluator, f0: np.ndarray, n: int, order: int, step: Any) -> tuple:
    from .api import _steps_per_coord

    x = ev.space.x
    N, M = x.size, ev.out.size
    m = contour_points(n, order)
    half = m // 2
    k = np.arange(half + 1)
    w = np.exp(2j * np.pi * k / m)  # upper half of the circle, k = 0 .. m/2
    if step is None:
        base = coordinate_scale(x)
        mult = RADII
    else:
        base = _steps_per_coord(ev.space, step, "step")
        mult = np.ones(1)
    S = len(mult)
    rho = mult[:, None] * base[None, :]  # (S, N)
    X = x[None, None, :] + rho[:, None, :] * w[None, :, None]  # (S, K, N)
    ev.complex_mode = True
    try:
        F = ev.rows(X.reshape(-1, N).astype(_cdtype(ev))).reshape(S, half + 1, M)
    finally:
        ev.complex_mode = False
    # full circle by conjugate symmetry: F_{m-k} = conj(F_k)
    Ffull = np.concatenate([F, np.conj(F[:, half - 1 : 0 : -1])], axis=1)  # (S, m, M)
    kk = np.arange(m)
    phase = np.exp(-2j * np.pi * kk * n / m)
    rm = rho if N == M else np.repeat(rho[:, :1], M, axis=1)  # (S, M)
    fac = math.factorial(n) / rm**n
    T = fac * np.real(np.einsum("k,skm->sm", phase, Ffull)) / m
    Th = fac * np.real(np.einsum("k,skm->sm", phase[::2], Ffull[:, ::2])) / half
    eps = rounding_eps(ev.space.dtype, ev.out.dtype)
    Rnd = eps * fac * np.mean(np.abs(Ffull), axis=1)
    E = np.abs(T - Th) + Rnd
    E = np.where(np.isfinite(E) & np.isfinite(T), E, np.inf)
    # smallest radius first; grow while consistent
    order_s = np.argsort(mult)
    best = np.full(M, order_s[0])
    alive = np.ones(M, dtype=bool)
    ar = np.arange(M)
    for s in order_s[1:]:
        eb, tb = E[best, ar], T[best, ar]
        ok = alive & np.isfinite(E[s]) & (np.abs(T[s] - tb) <= 2.0 * (E[s] + eb))
        better = ok & (E[s] < eb)
        best = np.where(better, s, best)
        alive = ok | (alive & ~np.isfinite(eb))  # an unusable smallest radius does not stop the search
    val = T[best, ar]
    err = np.maximum(E[best, ar], 0.0)
    return val, err, rm[best, ar]


def hessian(ev: Evaluator, f0: np.ndarray, order: int, step: Any, richardson: int) -> tuple:
    """Central differences of complex-step gradients: (N, N) values, errors, steps."""
    from .api import _steps_per_coord

    _require_real(ev, f0)
    if order % 2:
        raise ValueError("hessian: method='complex' uses central differences of complex-step gradients; order must be even")
    x = ev.space.x
    N = x.size
    st = stencil(1, order, "central")
    adaptive = step is None
    H = default_step(x, 1, "central", order, richardson, ev.space.dtype) if adaptive else _steps_per_coord(ev.space, step, "step")
    hc = default_step(x, 1, "complex")
    ii, jj = np.triu_indices(N)  # includes the diagonal
    if adaptive:
        taus, valid = candidate_taus(richardson + 1, coordinate_scale(x)[jj])
    else:
        taus, valid = candidate_taus(richardson + 1, None)
        taus, valid = np.repeat(taus, len(ii), 1), np.repeat(valid, len(ii), 1)
    offs = st.foffsets
    cdt = _cdtype(ev)

    def build(s: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        X = np.repeat(x[None, :].astype(cdt), len(s), axis=0)
        r = np.arange(len(s))
        X[r, jj[g]] += offs[a] * taus[s, g] * H[jj[g]]
        X[r, ii[g]] += 1j * hc[ii[g]]
        return X

    def transform(vals: np.ndarray, g: np.ndarray) -> np.ndarray:
        return vals.imag / hc[ii[g]][:, None]

    ev.complex_mode = True
    try:
        val, err, idx = fd_problems(ev, f0, st, richardson, adaptive, valid, build, taus[:, :, None], transform)
    finally:
        ev.complex_mode = False
    tau = np.take_along_axis(taus, idx.T, 0).T
    Hv = np.zeros((N, N))
    He = np.zeros((N, N))
    Hs = np.zeros((N, N))
    Hv[ii, jj] = Hv[jj, ii] = val[:, 0] / H[jj]
    He[ii, jj] = He[jj, ii] = err[:, 0] / H[jj]
    Hs[ii, jj] = Hs[jj, ii] = tau[:, 0] * H[jj]
    return Hv, He, Hs
