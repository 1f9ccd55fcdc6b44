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
  ``m/2``-point rule on the same points gives the error estimate.  Radii ``|x| 2^-s / 2`` are
  tried (bridged up to the scale 1 where ``|x| < 1``); as for real steps, the one with the
  smallest estimate is chosen among those that no smaller radius contradicts (a
  singularity inside the circle changes the value).
  ``m = 4 (n + order)``.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np

from ._points import ComplexStepError, Evaluator, _steps_per_coord
from .finite_diff import MAX_BRIDGE, candidate_taus, coordinate_scale, default_step, fd_problems, rounding_eps, stencil
from .richardson import choose

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
    """Points of the trapezoidal rule on the circle for the ``n``-th derivative: ``4 (n + order)``
    (the error falls geometrically with the number of points, rounding does not grow)."""
    return 4 * (n + order)


#: radii tried, as multiples of the coordinate's scale (more above, for |x| < 1)
RADII = 0.5 * 2.0 ** -np.arange(8, dtype=float)


def _contour(ev: Evaluator, f0: np.ndarray, n: int, order: int, step: Any) -> tuple:
    x = ev.space.x
    N, M = x.size, ev.out.size
    m = contour_points(n, order)
    half = m // 2
    k = np.arange(half + 1)
    w = np.exp(2j * np.pi * k / m)  # upper half of the circle, k = 0 .. m/2
    if step is None:
        # radii 0.5 * 2^-s on the scale |x|, bridged up to the scale 1 where |x| < 1
        sc = coordinate_scale(x)
        with np.errstate(divide="ignore"):
            bridge = np.where(sc < 1.0, np.minimum(np.ceil(-np.log2(sc)), MAX_BRIDGE), 0.0)
        S = len(RADII) + int(bridge.max(initial=0))
        rho = RADII[0] * sc[None, :] * 2.0 ** (bridge[None, :] - np.arange(S)[:, None])  # (S, N)
    else:
        rho = _steps_per_coord(ev.space, step, "step")[None, :]
        S = 1
    X = x[None, None, :] + rho[:, None, :] * w[None, :, None]  # (S, K, N)
    ev.complex_mode = True
    try:
        F = ev.rows(X.reshape(-1, N).astype(_cdtype(ev))).reshape(S, half + 1, M)
    finally:
        ev.complex_mode = False
    rm = rho if N == M else np.repeat(rho[:, :1], M, axis=1)
    return _contour_select(F, rm, n, m, rounding_eps(ev.space.dtype, ev.out.dtype))


def _contour_select(F: np.ndarray, rm: np.ndarray, n: int, m: int, eps: float) -> tuple:  # noqa: N803
    """Trapezoidal rules (m and m/2 points) from the upper-half values ``F`` (S, m/2+1, M) on
    circles of radii ``rm`` (S, M); the radius chosen as for real steps.

    By conjugate symmetry (``F_{m-k} = conj(F_k)``) the real part of the full sums only needs
    the upper half: ``Re(F_0) + (-1)^n Re(F_{m/2}) + 2 Re sum_{0<k<m/2} F_k w^(-kn)``, which is
    one product with precomputed weights."""

    M = F.shape[-1]
    Wt = _contour_weights(n, m)  # (m/2+1, 3): full rule, half rule, mean |F| over the circle
    fac = math.factorial(n) / rm**n
    with np.errstate(invalid="ignore", over="ignore"):
        Ft = np.swapaxes(F, 1, 2)  # (S, M, m/2+1)
        sums = np.real(Ft @ Wt[:, :2])  # (S, M, 2)
        T = fac * sums[..., 0]
        Th = fac * sums[..., 1]
        E = np.abs(T - Th) + eps * fac * (np.abs(Ft) @ Wt[:, 2].real)
        E = np.where(np.isfinite(E) & np.isfinite(T), E, np.inf)
        # as for real steps (richardson.select_window)
        best = choose(T, E)
    ar = np.arange(M)
    return T[best, ar], E[best, ar], rm[best, ar]


@functools.lru_cache(maxsize=64)
def _contour_weights(n: int, m: int) -> np.ndarray:
    half = m // 2
    k = np.arange(half + 1)
    mult = np.where((k == 0) | (k == half), 1.0, 2.0)  # the lower half folded onto the upper
    full = mult * np.exp(-2j * np.pi * k * n / m) / m
    hk = k[::2] // 1  # the m/2-point rule uses the even k (m is a multiple of 4)
    halfw = np.zeros(half + 1, dtype=complex)
    halfw[hk] = np.where((hk == 0) | (hk == half), 1.0, 2.0) * np.exp(-2j * np.pi * hk * n / m) / half
    mean = mult / m
    return np.stack([full, halfw, mean.astype(complex)], axis=1)


@functools.lru_cache(maxsize=64)
def _circle(m: int) -> np.ndarray:
    return np.exp(2j * np.pi * np.arange(m // 2 + 1) / m)


def scalar_step_fast(f: Any, x: Any) -> tuple | None:
    """The complex step for a scalar ``x`` and a vectorized ``f``: one call of ``f`` on
    ``[x + ih, x]``.  ``None`` when it does not apply (the general path then explains)."""
    if type(x) is not float:
        if np.ndim(x) != 0 or isinstance(x, (tuple, list, dict)) or type(x).__name__.endswith("Tracer"):
            return None
        xa = np.asarray(x)
        if xa.dtype.kind not in "fiu":
            return None
        x = float(xa)
        if xa.dtype.kind == "f" and xa.dtype != np.float64:
            return None
    h = 2.0 ** math.floor(math.log2((abs(x) if x != 0 and math.isfinite(x) else 1.0) * 2.0**-64))
    X = np.array([complex(x, h), complex(x, 0.0)])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            Y = f(X)
        except Exception:  # noqa: BLE001  (the general path explains the failure)
            return None
    if not isinstance(Y, np.ndarray) or Y.ndim == 0 or Y.shape[0] != 2 or Y.dtype.kind != "c":
        return None
    if np.any(Y[1].imag != 0):
        return None
    val = np.asarray(Y[0].imag / h)
    return val, rounding_eps(Y.real.dtype) * np.abs(val), np.full(val.shape, h), Y.real.dtype


def scalar_contour_fast(f: Any, x: Any, n: int, order: int) -> tuple | None:
    """The Cauchy-integral derivative for a scalar ``x`` and a vectorized ``f``: one call of
    ``f`` (the circle points and ``x`` itself).  ``None`` when it does not apply."""
    if np.ndim(x) != 0 or isinstance(x, (tuple, list, dict)) or type(x).__name__.endswith("Tracer"):
        return None
    xa = np.asarray(x)
    if xa.dtype.kind not in "fiu":
        return None
    dt = np.result_type(xa.dtype if xa.dtype.kind == "f" else np.float64, np.complex64)
    xv = float(xa)
    sc = abs(xv) if (xv != 0 and math.isfinite(xv)) else 1.0
    bridge = min(math.ceil(-math.log2(sc)), MAX_BRIDGE) if sc < 1.0 else 0
    S = len(RADII) + bridge
    rho = RADII[0] * sc * 2.0 ** (bridge - np.arange(S, dtype=float))  # (S,)
    m = contour_points(n, order)
    w = _circle(m)
    K = S * (m // 2 + 1)
    X = np.empty(K + 1, dtype=dt)
    X[:K] = (xv + rho[:, None] * w[None, :]).ravel()
    X[K] = xv
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            Y = f(X)
        except Exception:  # noqa: BLE001  (the general path explains the failure)
            return None
    if not isinstance(Y, np.ndarray) or Y.ndim == 0 or Y.shape[0] != K + 1 or Y.dtype.kind != "c":
        return None
    F = Y.reshape(K + 1, -1)
    if np.any(F[K].imag != 0) or not np.all(np.isfinite(F[K])):
        return None  # not real at real x (or NaN there): the general path says why
    M = F.shape[1]
    eps = rounding_eps(np.finfo(dt).dtype, Y.real.dtype)
    val, err, r = _contour_select(F[:K].reshape(S, m // 2 + 1, M), np.repeat(rho[:, None], M, axis=1), n, m, eps)
    shp = Y.shape[1:]
    return val.reshape(shp), err.reshape(shp), r.reshape(shp), Y.real.dtype


def hessian(ev: Evaluator, f0: np.ndarray, order: int, step: Any, richardson: int) -> tuple:
    """Central differences of complex-step gradients: (N, N) values, errors, steps."""
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
