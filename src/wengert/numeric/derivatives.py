"""Public numerical differentiation: ``derivative``, ``gradient``, ``jacobian``, ``hessian``,
``directional``.  Each returns an ``Estimate`` (``value``, ``error``, ``step``).

Inputs are pytrees of arrays (one argument; pack several into a tuple).  ``f`` is called on
plain NumPy arrays: once per point (``vectorized=False``), or with ``vectorized=True`` on
batches of points stacked on a new leading axis of every leaf (``f`` must then return every
output leaf with that leading axis); ``batch_size`` caps the points per call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..tree import tree_flatten, tree_unflatten
from . import complex_step as _cs
from ._points import Evaluator, Space, _steps_per_coord
from .finite_diff import (
    MAX_BRIDGE,
    RATIO,
    STEPS_DOWN,
    STEPS_UP,
    candidate_taus,
    check_derivative_order,
    check_method_order,
    coordinate_scale,
    default_step,
    fd_problems,
    product_stencil,
    rounding_eps,
    stencil,
    step_factor,
)
from .richardson import Estimate, _bands, select_window

__all__ = ["derivative", "gradient", "jacobian", "hessian", "directional"]


def _check_common(what: str, method: str, order: int, richardson: int) -> None:
    check_method_order(method, order, what)
    if not isinstance(richardson, (int, np.integer)) or isinstance(richardson, bool) or richardson < 0:
        raise ValueError(f"{what}: richardson must be a non-negative integer, got {richardson!r}")


def _blocks(out_spec: Any, space: Space, mat: np.ndarray) -> Any:
    """A flat (M, N) matrix as nested pytree blocks: output structure outside, x inside."""
    rows, r0 = [], 0
    for so, mo in zip(out_spec.shapes, out_spec.sizes):
        per, c0 = [], 0
        for si, ni in zip(space.shapes, space.sizes):
            per.append(mat[r0 : r0 + mo, c0 : c0 + ni].reshape(so + si))
            c0 += ni
        rows.append(tree_unflatten(space.td, per))
        r0 += mo
    return tree_unflatten(out_spec.td, rows)


def _result_dtype(ev: Evaluator) -> np.dtype:
    return np.result_type(ev.out.dtype, ev.space.dtype)


# --------------------------------------------------------------------------- jacobian


def jacobian(
    f: Callable,
    x: Any,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    *,
    richardson: int = 3,
    vectorized: bool = False,
    batch_size: int | None = None,
) -> Estimate:
    """The Jacobian of ``f`` at ``x`` by finite differences (or the complex step).

    Blocks are shaped ``output leaf shape + input leaf shape``, nested with the output's
    pytree outside and ``x``'s inside (as ``wengert.jacobian``).  ``step=None`` searches a
    range of steps around the default (``default_step``) and keeps, per element, the
    Richardson-extrapolated value with the smallest estimated error; an explicit ``step``
    (scalar or like ``x``) uses that step and its halvings only.
    """
    what = "jacobian"
    _check_common(what, method, order, richardson)
    space = Space(x, what)
    ev = Evaluator(f, space, what, vectorized, batch_size)
    f0 = ev.at_x()
    if method == "complex":
        val, err, hs = _cs.partials(ev, f0, step)
    else:
        val, err, hs = partials_fd(ev, f0, 1, method, order, step, richardson)
    jac = val.T.astype(_result_dtype(ev), copy=False)  # (M, N)
    E = err.T
    Hs = np.asarray(hs).T
    return Estimate(_blocks(ev.out, space, jac), _blocks(ev.out, space, E), _blocks(ev.out, space, Hs), method, order, 1)


def partials_fd(ev: Evaluator, f0: np.ndarray, n: int, method: str, order: int, step: Any, richardson: int) -> tuple:
    """``n``-th partial derivatives along every coordinate: values (N, M), errors, steps."""
    space = ev.space
    st = stencil(n, order, method)
    adaptive = step is None
    x = space.x
    if adaptive:
        H = default_step(x, n, method, order, richardson, space.dtype)
        taus, valid = candidate_taus(richardson + 1, coordinate_scale(x))
    else:
        H = _steps_per_coord(space, step, "step")
        taus, valid = candidate_taus(richardson + 1, None)
        taus, valid = np.repeat(taus, space.size, 1), np.repeat(valid, space.size, 1)
    offs = st.foffsets

    def build(s: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        X = np.repeat(x[None, :], len(s), axis=0)
        X[np.arange(len(s)), g] += offs[a] * taus[s, g] * H[g]
        return X

    val, err, idx = fd_problems(ev, f0, st, richardson, adaptive, valid, build, taus[:, :, None])
    hn = (H**n)[:, None]
    chosen = np.take_along_axis(taus, idx.T, 0).T * H[:, None]  # (N, M)
    return val / hn, err / hn, chosen


def gradient(
    f: Callable,
    x: Any,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    *,
    richardson: int = 3,
    vectorized: bool = False,
    batch_size: int | None = None,
) -> Estimate:
    """The gradient of a scalar function ``f`` at ``x`` (a pytree like ``x``).  See ``jacobian``."""
    what = "gradient"
    _check_common(what, method, order, richardson)
    space = Space(x, what)
    ev = Evaluator(f, space, what, vectorized, batch_size)
    f0 = ev.at_x()
    ev.scalar_output(what)
    if method == "complex":
        val, err, hs = _cs.partials(ev, f0, step)
    else:
        val, err, hs = partials_fd(ev, f0, 1, method, order, step, richardson)
    g = val[:, 0].astype(_result_dtype(ev), copy=False)
    return Estimate(space.unflatten(g), space.unflatten(err[:, 0]), space.unflatten(hs[:, 0]), method, order, 1)


# --------------------------------------------------------------------------- along a direction


def _direction_fd(
    ev: Evaluator,
    f0: np.ndarray,
    u: np.ndarray,
    n: int,
    method: str,
    order: int,
    richardson: int,
    scale: np.ndarray | None,
    down: int | None = None,
) -> tuple:
    """n-th derivative of t -> f(x + t u) at 0 with unit base step (u carries the scale).

    ``scale``: the scale of the problem for the adaptive search (None: explicit step); an
    array of one entry per output element means each element has its own steps (an
    elementwise function), so the points move every coordinate by its own multiple.
    """
    st = stencil(n, order, method)
    x = ev.space.x
    adaptive = scale is not None
    taus, valid = candidate_taus(richardson + 1, scale, down)  # (S, 1) or (S, M)
    per_elem = taus.shape[1] > 1
    if per_elem:  # one problem, multipliers per element (elementwise f): elements with a
        valid = np.ones((taus.shape[0], 1), dtype=bool)  # shorter range get extra small steps
    offs = st.foffsets

    def build(s: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        t = offs[a][:, None] * taus[s]  # (k, 1) or (k, N)
        return x[None, :] + t * u[None, :]

    tdiv = taus[:, None, :] if per_elem else taus[:, :, None]
    val, err, idx = fd_problems(ev, f0, st, richardson, adaptive, valid, build, tdiv)
    if per_elem:
        chosen = np.take_along_axis(taus, idx, 0)[0]
    else:
        chosen = taus[idx[0], 0]
    return val[0], err[0], chosen


def directional(
    f: Callable,
    x: Any,
    v: Any,
    n: int = 1,
    method: str = "central",
    order: int = 2,
    step: float | None = None,
    *,
    richardson: int = 3,
    vectorized: bool = False,
    batch_size: int | None = None,
) -> Estimate:
    """The ``n``-th derivative of ``t -> f(x + t v)`` at ``t = 0`` (``v`` like ``x``).

    The default step in ``t`` makes every coordinate move by at most its default step:
    ``h_t = min_i h_i / |v_i|``.  ``step`` overrides it (a scalar, in units of ``t``).
    """
    what = "directional"
    _check_common(what, method, order, richardson)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{what}: n must be a positive integer, got {n!r}")
    space = Space(x, what)
    vl, vtd = tree_flatten(v)
    if vtd != space.td:
        raise ValueError(f"{what}: v must have the structure of x ({space.td!r}), got {vtd!r}")
    parts = [np.broadcast_to(np.asarray(a, dtype=space.dtype), s).ravel() for a, s in zip(vl, space.shapes)]
    vv = np.concatenate(parts) if parts else np.zeros(0)
    ev = Evaluator(f, space, what, vectorized, batch_size)
    f0 = ev.at_x()
    nz = np.abs(vv) > 0
    if not np.any(nz):
        z = np.zeros_like(f0, dtype=_result_dtype(ev))
        return Estimate(ev.out.unflatten(z), ev.out.unflatten(np.zeros(f0.shape)), 0.0, method, order, n)
    if method == "complex":
        if n != 1:
            raise ValueError(f"{what}: method='complex' computes first derivatives here (n=1); use method='central' for n={n}")
        h = float(np.min(default_step(space.x[nz], 1, "complex") / np.abs(vv[nz]))) if step is None else float(step)
        val, err = _cs.direction(ev, vv * h)
        val, err, tau = val / h, err / h, h
    else:
        if step is None:
            hs = default_step(space.x, n, method, order, richardson, space.dtype)
            h = float(np.min(hs[nz] / np.abs(vv[nz])))
            # the search bridges up to the scale 1 as far as the smallest coordinate needs
            sc = np.array([float(np.min(coordinate_scale(space.x[nz])))])
        else:
            h, sc = _positive(step, what), None
        val, err, tau = _direction_fd(ev, f0, vv * h, n, method, order, richardson, sc)
        val, err, tau = val / h**n, err / h**n, tau * h
    val = val.astype(_result_dtype(ev), copy=False)
    return Estimate(ev.out.unflatten(val), ev.out.unflatten(err), tau, method, order, n)


def _positive(step: Any, what: str) -> float:
    h = float(step)
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"{what}: step must be a positive finite number, got {step!r}")
    return h


# --------------------------------------------------------------------------- derivative


def derivative(
    f: Callable,
    x: Any,
    n: int = 1,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    *,
    richardson: int = 3,
    vectorized: bool = False,
    batch_size: int | None = None,
) -> Estimate:
    """The ``n``-th derivative of ``f`` at ``x``.

    ``x`` is a scalar, or an array / pytree for an *elementwise* ``f`` (like a ufunc: output
    element ``i`` depends only on input element ``i``, and the output has ``x``'s shapes): every
    coordinate then gets its own step, and all coordinates share each call of ``f``.  For
    other functions of several variables use ``gradient``, ``jacobian`` or ``directional``.
    """
    what = "derivative"
    _check_common(what, method, order, richardson)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{what}: n must be a positive integer, got {n!r}")
    n = int(n)
    check_derivative_order(n, int(order), method, what)
    if vectorized and step is None and batch_size is None and callable(f):  # one call of f
        if method != "complex":
            fast = _scalar_fast(f, x, n, method, order, richardson)
            if fast is not None:
                return fast
        else:
            res = _cs.scalar_contour_fast(f, x, n, order) if n > 1 else _cs.scalar_step_fast(f, x)
            if res is not None:
                val, err, r, dt = res
                return Estimate(val.astype(dt, copy=False), err, r, method, order, n)
    space = Space(x, what)
    ev = Evaluator(f, space, what, vectorized, batch_size)
    f0 = ev.at_x()
    N, M = space.size, ev.out.size
    if N != 1 and ev.out.shapes != space.shapes:
        raise ValueError(
            f"{what}: for an array x the function must be elementwise (its output shaped like x: "
            f"{space.shapes}), but it returned shapes {ev.out.shapes}; use gradient, jacobian or "
            "directional for general functions of several variables"
        )
    if method == "complex":
        val, err, hs = _cs.derivative(ev, f0, n, order, step)
    else:
        adaptive = step is None
        H = default_step(space.x, n, method, order, richardson, space.dtype) if adaptive else _steps_per_coord(space, step, what)
        sc = coordinate_scale(space.x) if adaptive else None
        val, err, tau = _direction_fd(ev, f0, H, n, method, order, richardson, sc)
        Hm = H if N == M else np.full(M, H[0])
        val, err, hs = val / Hm**n, err / Hm**n, tau * Hm
    val = val.astype(_result_dtype(ev), copy=False)
    return Estimate(ev.out.unflatten(val), ev.out.unflatten(err), ev.out.unflatten(np.broadcast_to(hs, (M,))), method, order, n)


@lru_cache(maxsize=256)
def _scalar_plan(n: int, order: int, method: str, richardson: int, up: int, eps: float) -> tuple:
    """Everything about a scalar derivative that does not depend on x or f: the step factor,
    the point multipliers (the last one 0: x itself) and the matrices taking f's values
    straight to the extrapolated values (rows: T then T_low) and rounding magnitudes."""

    st = stencil(n, order, method)
    levels = richardson + 1
    S = levels + up + STEPS_DOWN
    taus = RATIO ** (up - np.arange(S, dtype=float))
    A = len(st.offsets)
    mult = np.append((taus[:, None] * st.foffsets[None, :]).ravel(), 0.0)
    C = np.zeros((S, S * A + 1))
    for k in range(S):
        C[k, k * A : (k + 1) * A] = st.fweights / taus[k] ** n
    C[:, -1] = float(st.center) / taus**n
    WT, WL, WA, W1 = _bands(levels, RATIO, tuple(float(e) for e in st.exponents(levels)[: levels - 1]), S)
    uses = (W1 @ (C != 0)) > 0  # (windows, points): which points each window depends on
    both = np.vstack([WT @ C, WL @ C])
    eta = step_factor(n, order, method, richardson, eps)
    return mult, both, WA @ np.abs(C), taus, uses.astype(float), WT.shape[0], eta


def _scalar_fast(f: Callable, x: Any, n: int, method: str, order: int, richardson: int) -> Estimate | None:
    """``derivative`` for a scalar ``x`` and a vectorized ``f`` in one call of ``f`` and a few
    matrix products (the same computation as the general path, reorganised).  ``None`` when
    it does not apply (a pytree, an output that is not one array, ``f`` undefined at ``x``)."""

    if type(x) is float:
        xv, dt = x, _F64
    else:
        if isinstance(x, (Tracer, tuple, list, dict)) or np.ndim(x) != 0:
            return None
        xa = np.asarray(x)
        if xa.dtype.kind not in "fiub":
            return None
        dt = (np.dtype(np.float32) if xa.dtype == np.float16 else xa.dtype) if xa.dtype.kind == "f" else _F64
        xv = float(xa)
    scale = abs(xv) if (xv != 0.0 and math.isfinite(xv)) else 1.0
    up = STEPS_UP + (min(math.ceil(-math.log2(scale)), MAX_BRIDGE) if scale < 1.0 else 0)
    mult, both, MA, taus, uses, W, eta = _scalar_plan(n, order, method, richardson, up, float(np.finfo(dt).eps))
    H = 2.0 ** math.floor(math.log2(eta * scale))
    X = mult * H
    X += xv
    if dt != _F64:
        X = X.astype(dt)
    with np.errstate(all="ignore"):
        Y = f(X)
        K1 = mult.size
        if not isinstance(Y, np.ndarray) or Y.ndim == 0 or Y.shape[0] != K1 or Y.dtype.kind not in "fc":
            return None
        F = Y.reshape(K1, -1)
        if not math.isfinite(abs(F.sum())):  # some point outside f's domain (or x itself)
            nan = ~np.isfinite(F)
            if nan[-1].any():
                return None
            F = np.where(nan, 0.0, F)
            bad = (uses @ nan) > 0
        else:
            bad = None
        TT = both @ F
        T, Tl = TT[:W], TT[W:]
        if bad is not None:
            T[bad] = np.nan
        R = MA @ np.abs(F)
        # the choice does not depend on the common factor 1 / H^n: apply it afterwards
        val, err, idx = select_window(T, Tl, R, rounding_eps(dt, Y.dtype))
    hn = H**n
    shp = Y.shape[1:]
    rd = np.result_type(Y.dtype, dt)
    value = (val / hn).astype(rd, copy=False).reshape(shp)
    return Estimate(value, (err / hn).reshape(shp), (taus[idx] * H).reshape(shp), method, order, n)


_F64 = np.dtype(np.float64)


# --------------------------------------------------------------------------- hessian


def hessian(
    f: Callable,
    x: Any,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    *,
    richardson: int = 3,
    vectorized: bool = False,
    batch_size: int | None = None,
) -> Estimate:
    """The Hessian of a scalar ``f`` at ``x``: blocks nested ``x``-structure outside and
    inside, each shaped ``leaf_i.shape + leaf_j.shape`` (as ``wengert.hessian``).

    Diagonal entries use the second-derivative stencil along each coordinate; mixed entries
    the product of two first-derivative stencils (``(i, j)`` and ``(j, i)`` share one
    computation, so the result is exactly symmetric).  ``method="complex"`` differentiates
    complex-step first derivatives with central differences of the given ``order``.
    """
    what = "hessian"
    _check_common(what, method, order, richardson)
    space = Space(x, what)
    ev = Evaluator(f, space, what, vectorized, batch_size)
    f0 = ev.at_x()
    ev.scalar_output(what)
    N = space.size
    if N == 0:
        e = np.zeros((0, 0))
        return Estimate(_hblocks(space, e), _hblocks(space, e), _hblocks(space, e), method, order, 2)
    if method == "complex":
        Hv, He, Hs = _cs.hessian(ev, f0, order, step, richardson)
    else:
        Hv, He, Hs = hessian_fd(ev, f0, method, order, step, richardson)
    Hv = Hv.astype(_result_dtype(ev), copy=False)
    return Estimate(_hblocks(space, Hv), _hblocks(space, He), _hblocks(space, Hs), method, order, 2)


def _hblocks(space: Space, mat: np.ndarray) -> Any:
    rows, r0 = [], 0
    for si, ni in zip(space.shapes, space.sizes):
        per, c0 = [], 0
        for sj, nj in zip(space.shapes, space.sizes):
            per.append(mat[r0 : r0 + ni, c0 : c0 + nj].reshape(si + sj))
            c0 += nj
        rows.append(tree_unflatten(space.td, per))
        r0 += ni
    return tree_unflatten(space.td, rows)


def hessian_fd(ev: Evaluator, f0: np.ndarray, method: str, order: int, step: Any, richardson: int) -> tuple:
    """Real-step Hessian: (N, N) values, errors and steps."""
    space = ev.space
    N = space.size
    adaptive = step is None
    H = default_step(space.x, 2, method, order, richardson, space.dtype) if adaptive else _steps_per_coord(space, step, "step")
    # diagonal: second-derivative stencil along each axis
    dval, derr, dstep = partials_fd(ev, f0, 2, method, order, None if adaptive else H, richardson)
    Hv = np.zeros((N, N))
    He = np.zeros((N, N))
    Hs = np.zeros((N, N))
    idx = np.arange(N)
    Hv[idx, idx], He[idx, idx], Hs[idx, idx] = dval[:, 0], derr[:, 0], dstep[:, 0]
    if N > 1:
        ii, jj = np.triu_indices(N, 1)
        ps = product_stencil(order, method)
        x = space.x
        if adaptive:  # a pair searches the range of its smaller-scale coordinate
            sc = coordinate_scale(x)
            taus, valid = candidate_taus(richardson + 1, np.minimum(sc[ii], sc[jj]))
        else:
            taus, valid = candidate_taus(richardson + 1, None)
            taus, valid = np.repeat(taus, len(ii), 1), np.repeat(valid, len(ii), 1)
        oi, oj = ps.offsets2[:, 0], ps.offsets2[:, 1]

        def build(s: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
            X = np.repeat(x[None, :], len(s), axis=0)
            r = np.arange(len(s))
            t = taus[s, g]
            X[r, ii[g]] += oi[a] * t * H[ii[g]]
            X[r, jj[g]] += oj[a] * t * H[jj[g]]
            return X

        val, err, idx = fd_problems(ev, f0, ps, richardson, adaptive, valid, build, taus[:, :, None])
        hh = H[ii] * H[jj]
        Hv[ii, jj] = Hv[jj, ii] = val[:, 0] / hh
        He[ii, jj] = He[jj, ii] = err[:, 0] / hh
        Hs[ii, jj] = Hs[jj, ii] = np.take_along_axis(taus, idx.T, 0)[0] * np.sqrt(hh)
    return Hv, He, Hs


__all__ += ["default_step", "step_factor", "RATIO"]
