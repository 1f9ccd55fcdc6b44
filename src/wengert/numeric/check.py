"""``check_grads``: wengert's AD against numerical derivatives, both modes, any order.

At each level a random direction ``v`` (like the arguments) and a random cotangent ``ct``
(like the output) are drawn, and the numerical directional derivative ``J v`` of the
function (central differences with Richardson extrapolation, with an error estimate for
every output element) is compared with
- forward mode: ``jvp(f, args, v)``, element by element;
- reverse mode: ``<vjp(f)(ct), v>`` against ``<ct, J v>`` with the real pairing
  ``Re sum(a * b)`` (one number; on a mismatch the numerical gradient of ``<ct, f>`` is
  computed coordinate by coordinate to show where).
The tolerance of each comparison is ``SAFETY * (estimated numerical error) + rtol * scale
+ atol``, where ``scale`` is the size of the compared quantity (the largest element of
``J v``; the sum of the magnitudes of the terms of the inner product).  ``rtol`` covers the
rounding of the AD result itself (by default ``1e-6`` for float64 arguments, ``2e-3`` when
any is float32 or float16).

Order ``k`` checks every chain of modes: the level-``k`` functions are the derivatives
``x -> jvp(g, x, v)`` and ``x -> vjp(g, x)(ct)`` of every level-``(k-1)`` function ``g``, and
each is checked in every mode (``order=2`` checks rev, fwd, rev-over-rev, fwd-over-rev,
rev-over-fwd and fwd-over-fwd).

Numerical derivatives are computed in float64 (complex128) whatever the arguments' dtype,
so that they measure AD rather than the arguments' rounding.  A first attempt uses one
fixed window of steps (cheap); only if it disagrees, or its error estimate is too large to
be trusted, does the full adaptive step search run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..api import jvp, vjp
from ..core.primitive import Tracer
from ..tree import tree_flatten, tree_map, tree_unflatten
from . import complex_step as _cs
from ._points import Evaluator, Space
from .derivatives import _direction_fd, partials_fd
from .finite_diff import coordinate_scale, default_step, rounding_eps

__all__ = ["check_grads"]

#: multiple of the estimated numerical error allowed in a comparison
SAFETY = 10.0
#: a numerical derivative whose estimated error exceeds this fraction of its scale is not
#: trusted by the quick first attempt
QUICK_TRUST = 1e-6
#: ... nor, after the full search, at all (the check then fails, saying so)
MAX_TRUST = 1e-2
#: the full search goes this many halvings below the default step (to about 1e-7 |x|), so
#: that a kink or jump near the point is resolved
FULL_STEPS_DOWN = 16
#: Richardson steps of the quick attempt (one window of QUICK_RICHARDSON + 1 steps)
QUICK_RICHARDSON = 1

_MODES = ("rev", "fwd")


def _lower(x: Any) -> Any:
    return x.full_lower() if isinstance(x, Tracer) else x


def _leaf_dtype(x: Any) -> np.dtype:
    x = _lower(x)
    return np.asarray(x).dtype if not hasattr(x, "dtype") else np.dtype(x.dtype)


def _random_like(tree: Any, rng: np.random.Generator) -> Any:
    def f(x: Any) -> Any:
        v = np.asarray(_lower(x))
        r = rng.standard_normal(v.shape)
        if np.issubdtype(v.dtype, np.complexfloating):
            r = r + 1j * rng.standard_normal(v.shape)
        return r.astype(v.dtype) if np.issubdtype(v.dtype, np.inexact) else r

    return tree_map(f, tree)


def _cast_like(ct: Any, out: Any) -> Any:
    leaves, td = tree_flatten(ct)
    o_leaves, o_td = tree_flatten(out)
    if td != o_td:
        return ct
    cast = []
    for c, o in zip(leaves, o_leaves):
        d = _leaf_dtype(o)
        if np.issubdtype(d, np.inexact) and (np.issubdtype(d, np.complexfloating) or not np.iscomplexobj(c)):
            c = np.asarray(c).astype(d)
        cast.append(c)
    return tree_unflatten(td, cast)


def _to64(tree: Any) -> Any:
    def f(x: Any) -> Any:
        a = np.asarray(_lower(x))
        if np.issubdtype(a.dtype, np.complexfloating):
            return a.astype(np.complex128)
        if np.issubdtype(a.dtype, np.floating):
            return a.astype(np.float64)
        return a

    return tree_map(f, tree)


def _flat(tree: Any) -> np.ndarray:
    leaves = [np.asarray(_lower(x)) for x in tree_flatten(tree)[0]]
    if not leaves:
        return np.zeros(0)
    dt = np.result_type(*[a.dtype for a in leaves], np.float64)
    return np.concatenate([a.ravel().astype(dt) for a in leaves])


def _inner(a: np.ndarray, b: np.ndarray) -> float:
    """wengert's pairing of cotangents and tangents: the real pairing ``Re(sum(a * b))``
    (docs/complex.md), under which ``<vjp(ct), v> = <ct, J v>`` for every function, holomorphic
    or not."""
    return float(np.real(np.sum(a * b)))


def check_grads(
    f: Callable,
    args: Any,
    order: int = 2,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
    *,
    modes: Sequence[str] = _MODES,
    method: str = "central",
) -> None:
    """Check ``f``'s derivatives at ``args`` (a tuple of positional arguments, or one
    argument) in reverse and forward mode up to ``order`` against numerical derivatives.

    Raises ``AssertionError`` naming the check (mode chain and order), the worst coordinate,
    the AD and numerical values, the estimated numerical error and the tolerance.
    ``eps``: a fixed step for the numerical derivative (default: chosen automatically, with
    an adaptive search when needed); ``rtol`` / ``atol``: the allowance for rounding in AD
    (see the module documentation); ``modes``: a subset of ``("rev", "fwd")``; ``method``:
    ``"central"`` (default) or ``"complex"`` (``f`` must then accept complex input).
    A drop-in replacement for ``wengert.check_grads(f, args, order=2, eps=None, rtol=None,
    atol=None, seed=0)``.
    """
    if not isinstance(args, tuple):
        args = (args,)
    if isinstance(modes, str):
        modes = (modes,)
    modes = tuple(modes)
    for m in modes:
        if m not in _MODES:
            raise ValueError(f"check_grads: modes must be drawn from {_MODES}, got {m!r}")
    if not modes:
        raise ValueError("check_grads: modes is empty")
    if method not in ("central", "complex"):
        raise ValueError(f"check_grads: method must be 'central' or 'complex', got {method!r}")
    if not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"check_grads: order must be a non-negative integer, got {order!r}")
    if order == 0:
        return
    leaves = tree_flatten(args)[0]
    inexact = [_leaf_dtype(x) for x in leaves if np.issubdtype(_leaf_dtype(x), np.inexact)]
    low = min((np.finfo(d).bits for d in inexact), default=64)
    if rtol is None:
        rtol = 2e-3 if low <= 32 else 1e-6
    if atol is None:
        atol = 0.0
    if eps is not None and not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"check_grads: eps must be a positive step, got {eps!r}")
    ctx = _Ctx(rtol, atol, eps, method, np.random.default_rng(seed))
    _check_tree(f, args, order, modes, ctx, ())


class _Ctx:
    __slots__ = ("rtol", "atol", "eps", "method", "rng")

    def __init__(self, rtol: float, atol: float, eps: float | None, method: str, rng: np.random.Generator) -> None:
        self.rtol, self.atol, self.eps, self.method, self.rng = rtol, atol, eps, method, rng


def _chain_name(chain: tuple, mode: str) -> str:
    names = {"rev": "reverse", "fwd": "forward"}
    full = (mode,) + tuple(reversed(chain))
    if len(full) == 1:
        return f"{names[mode]} mode"
    return f"{' over '.join(full)} (order {len(full)})"


def _check_tree(g: Callable, args: tuple, order: int, modes: tuple, ctx: _Ctx, chain: tuple) -> None:

    v = _random_like(args, ctx.rng)
    num = _Numeric(g, args, v, ctx)
    ct = _random_like(num.out, ctx.rng)
    for mode in modes:
        if mode == "fwd":
            _, tan = jvp(g, args, v)
            num.compare_fwd(tan, _chain_name(chain, mode))
        else:
            out, fn = vjp(g, *args)
            ct = _cast_like(ct, out)  # the cotangent in the dtype AD works in
            num.compare_rev(ct, fn(ct), _chain_name(chain, mode))
    if order > 1:
        for mode in modes:
            if mode == "fwd":

                def g_next(*a: Any, _g: Callable = g, _v: Any = v) -> Any:
                    return jvp(_g, a, _v)[1]

            else:

                def g_next(*a: Any, _g: Callable = g, _ct: Any = ct) -> Any:
                    return vjp(_g, *a)[1](_ct)

            _check_tree(g_next, args, order - 1, modes, ctx, chain + (mode,))


class _Numeric:
    """The numerical directional derivative of one function at one point, computed lazily:
    first one fixed window of steps, then (if needed) the adaptive search."""

    def __init__(self, g: Callable, args: tuple, v: Any, ctx: _Ctx) -> None:
        self.g, self.ctx = g, ctx
        self.args64 = _to64(args)
        self.v = v
        self.space = Space(self.args64, "check_grads", allow_complex=True)
        self.vv = _flat(v).astype(np.result_type(self.space.dtype, _flat(v).dtype))
        self.ev = Evaluator(lambda a: g(*a), self.space, "check_grads")
        self.f0 = self.ev.at_x()
        self.out = self.ev.out.unflatten(self.f0)
        self._quick: tuple | None = None
        self._full: tuple | None = None

    # -- numerical J v -------------------------------------------------------------------
    def _compute(self, full: bool) -> tuple:
        ctx, space, vv = self.ctx, self.space, self.vv
        nz = np.abs(vv) > 0
        M = self.ev.out.size
        if not np.any(nz):
            z = np.zeros(M)
            return z, z, 0.0
        x = space.x
        if ctx.method == "complex":

            h = float(np.min(default_step(np.abs(x[nz]), 1, "complex") / np.abs(vv[nz])))
            val, err = _cs.direction(self.ev, vv * h)
            return val / h, err / h, h
        if ctx.eps is not None:
            h, sc = float(ctx.eps), None
        elif full:
            hs = default_step(np.abs(x), 1, "central", 2, 3, np.float64)
            h = float(np.min(hs[nz] / np.abs(vv[nz])))
            sc = np.array([float(np.min(coordinate_scale(x[nz])))])
        else:  # one window (h, h/2) on the scale max(|x|, 1)
            hs = default_step(np.maximum(np.abs(x), 1.0), 1, "central", 2, QUICK_RICHARDSON, np.float64)
            h = float(np.min(hs[nz] / np.abs(vv[nz])))
            sc = None
        richardson = 3 if full or ctx.eps is not None else QUICK_RICHARDSON
        val, err, tau = _direction_fd(self.ev, self.f0, vv * h, 1, "central", 2, richardson, sc, FULL_STEPS_DOWN)
        return val / h, err / h, tau * h

    def estimate(self, full: bool) -> tuple:
        if full:
            if self._full is None:
                self._full = self._compute(True)
            return self._full
        if self._quick is None:
            self._quick = self._compute(False)
        return self._quick

    def _attempts(self) -> list[bool]:
        if self.ctx.eps is not None or self.ctx.method == "complex":
            return [False]
        return [False, True]

    def _trust(self, errmax: float, scale: float, h: Any, weight: float, full: bool) -> bool:
        """Is an estimated error small enough for its tolerance to mean something?  Relative
        to the compared values, or at the level of pure rounding in ``f`` (a derivative that
        is zero: nothing to lose)."""
        limit = MAX_TRUST if full else QUICK_TRUST
        hmin = float(np.min(np.asarray(h, dtype=float))) if np.size(h) else 1.0
        eps = rounding_eps(self.space.dtype, self.ev.out.dtype)
        rounding = 1e4 * eps * weight * self.ev.max_abs / max(hmin, 1e-300)
        return errmax <= limit * scale or errmax <= rounding

    def _run(self, compare: Callable, name: str) -> None:
        attempts = self._attempts()
        for i, full in enumerate(attempts):
            last = i == len(attempts) - 1
            num, err, h = self.estimate(full)
            ok, errmax, scale, weight, report = compare(num, err, h)
            trusted = self._trust(errmax, scale, h, weight, full)
            if ok and trusted:
                return
            if last:
                if ok:
                    raise AssertionError(self._unreliable(name, errmax, scale))
                raise AssertionError(report)

    def compare_fwd(self, tan: Any, name: str) -> None:
        ad = _flat(tan)
        if ad.shape != (self.ev.out.size,):
            raise AssertionError(
                f"check_grads, {name}: jvp returned {ad.size} tangent elements, the function has {self.ev.out.size} outputs"
            )
        ctx = self.ctx

        def compare(num: np.ndarray, err: np.ndarray, h: Any) -> tuple:
            scale = max(float(np.max(np.abs(num), initial=0.0)), float(np.max(np.abs(ad), initial=0.0)))
            diff = np.abs(ad - num)
            tol = SAFETY * err + ctx.rtol * scale + ctx.atol
            ok = bool(np.all(diff <= tol))
            errmax = float(np.max(err, initial=0.0))
            if ok:
                return True, errmax, scale, 1.0, ""
            k = int(np.argmax(np.where(np.isfinite(diff), diff / np.maximum(tol, 1e-300), np.inf)))
            report = (
                f"check_grads, {name}: AD and numerical differentiation disagree at output "
                f"{self.ev.out.label(k)} (the worst of {num.size}):\n"
                f"  AD (jvp)        {_fmt(ad[k])}\n"
                f"  numerical       {_fmt(num[k])}  (estimated error {err[k]:.3g})\n"
                f"  |difference|    {diff[k]:.3g} > tolerance {tol[k]:.3g} "
                f"(= {SAFETY:g} x estimated error + rtol {ctx.rtol:g} x scale {scale:.3g} + atol {ctx.atol:g})\n"
                f"  along a random direction v (like the arguments); numerical step in t: {_fmt_h(h)}"
            )
            return False, errmax, scale, 1.0, report

        self._run(compare, name)

    def compare_rev(self, ct: Any, cts: Any, name: str) -> None:
        c = _flat(ct)
        ad_in = _flat(cts)
        vv = _flat(self.v)
        if ad_in.shape != vv.shape:
            raise AssertionError(
                f"check_grads, {name}: vjp returned {ad_in.size} cotangent elements for {vv.size} argument elements"
            )
        lhs = _inner(ad_in, vv)
        ctx = self.ctx

        def compare(num: np.ndarray, err: np.ndarray, h: Any) -> tuple:
            rhs = _inner(c, num)
            e = float(np.sum(np.abs(c) * err))
            scale = float(np.sum(np.abs(c * num))) + float(np.sum(np.abs(ad_in * vv)))
            tol = SAFETY * e + ctx.rtol * scale + ctx.atol
            diff = abs(lhs - rhs)
            weight = float(np.sum(np.abs(c)))
            if diff <= tol:
                return True, e, scale, weight, ""
            report = (
                f"check_grads, {name}: AD and numerical differentiation disagree:\n"
                f"  AD         <vjp(ct), v> = {_fmt(lhs)}\n"
                f"  numerical  <ct, J v>    = {_fmt(rhs)}  (estimated error {e:.3g})\n"
                f"  |difference| {diff:.3g} > tolerance {tol:.3g} "
                f"(= {SAFETY:g} x estimated error + rtol {ctx.rtol:g} x scale {scale:.3g} + atol {ctx.atol:g})"
            )
            return False, e, scale, weight, report + self._where_rev(ct, cts)

        self._run(compare, name)

    def _where_rev(self, ct: Any, cts: Any) -> str:
        """The numerical gradient of <ct, g> per input coordinate, to locate a VJP error."""

        if np.iscomplexobj(self.space.x) or np.iscomplexobj(_flat(ct)) or self.ev.out is None:
            return ""
        c = _flat(ct)
        try:
            space = Space(self.args64, "check_grads")
            ev = Evaluator(lambda a: np.real(np.sum(c * _flat(self.g(*a)))), space, "check_grads")
            f0 = ev.at_x()
            val, err, _ = partials_fd(ev, f0, 1, "central", 2, None, 3)
        except Exception:  # noqa: BLE001  (diagnostics only)
            return ""
        num, err = val[:, 0], err[:, 0]
        ad = np.real(_flat(cts))
        diff = np.abs(ad - num)
        k = int(np.argmax(diff))
        return (
            f"\n  worst input coordinate {space.label(k)} (of {num.size}): AD vjp {_fmt(ad[k])}, "
            f"numerical {_fmt(num[k])} (estimated error {err[k]:.3g}), |difference| {diff[k]:.3g}"
        )

    def _unreliable(self, name: str, errmax: float, scale: float) -> str:
        return (
            f"check_grads, {name}: no reliable numerical derivative at this point: the estimated "
            f"error {errmax:.3g} exceeds {MAX_TRUST:g} x the size {scale:.3g} of the derivative even "
            "after the adaptive step search, so the comparison would prove nothing. Is the "
            "function non-smooth (a kink, a jump, a domain boundary) within a small step of "
            "these arguments? Move the point, or pass eps= to force a step"
        )


def _fmt(z: Any) -> str:
    z = complex(z)
    if z.imag == 0:
        return f"{z.real:.12g}"
    return f"{z.real:.12g}{z.imag:+.12g}j"


def _fmt_h(h: Any) -> str:
    a = np.asarray(h, dtype=float)
    if a.size == 1:
        return f"{float(a.ravel()[0]):.3g}"
    return f"{float(a.min()):.3g} .. {float(a.max()):.3g}"
