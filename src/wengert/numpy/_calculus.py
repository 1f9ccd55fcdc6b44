"""Differences, derivatives and integrals of sampled values: ``diff``, ``ediff1d``,
``gradient``, ``trapezoid``, ``cumulative_sum``/``cumulative_prod`` (the array-API
cumulative sums with ``include_initial``) and ``unwrap``; all composed of differentiable
slices, arithmetic and concatenations."""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import as_array, dtype_of, index_along, is_inexact, ndim_of, normalize_axis, one_axis, shape_of
from ..ops.elementwise import (
    abs_p,
    add_p,
    astype,
    equal,
    greater,
    less,
    logical_and,
    multiply_p,
    negative_p,
    not_equal,
    remainder_p,
    stop_gradient,
    subtract_p,
    true_divide_p,
    where_p,
    zeros_like,
)
from ..ops.indexing import getitem
from ..ops.reduce import cumprod, cumsum
from ..ops.shape import _no_out, broadcast_to, concatenate, ravel, reshape, sum

__all__ = ["cumulative_prod", "cumulative_sum", "diff", "ediff1d", "gradient", "trapezoid", "unwrap"]

_NoValue = np._NoValue


def _edge_block(v: Any, a: Any, axis: int) -> Any:
    v = as_array(v)
    if ndim_of(v) == 0:
        s = list(shape_of(a))
        s[axis] = 1
        v = broadcast_to(v, tuple(s)) if isinstance(v, Tracer) else np.broadcast_to(v, tuple(s))
    return v


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = _NoValue, append: Any = _NoValue) -> Any:
    """``np.diff`` (``n``-th differences, with ``prepend``/``append``)."""
    n = operator.index(n)
    if n == 0:
        return a
    if n < 0:
        raise ValueError("order must be non-negative but got " + repr(n))
    a = as_array(a)
    nd = ndim_of(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = one_axis(axis, nd)
    parts = []
    if prepend is not _NoValue:
        parts.append(_edge_block(prepend, a, axis))
    parts.append(a)
    if append is not _NoValue:
        parts.append(_edge_block(append, a, axis))
    if len(parts) > 1:
        a = concatenate(parts, axis)
    op = not_equal if dtype_of(a) == np.bool_ else subtract_p.bind
    hi = index_along(axis, nd, slice(1, None))
    lo = index_along(axis, nd, slice(None, -1))
    for _ in range(n):
        a = op(getitem(a, hi), getitem(a, lo))
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """``np.ediff1d``: differences of the flattened array, with optional ends."""
    ary = ravel(as_array(ary))
    dt = dtype_of(ary)

    def end(v: Any, name: str) -> Any:
        v = as_array(v)
        if not np.can_cast(dtype_of(v), dt, casting="same_kind"):
            raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the `same_kind` rule.")
        return astype(ravel(v), dt)

    parts = [] if to_begin is None else [end(to_begin, "to_begin")]
    parts.append(subtract_p.bind(getitem(ary, slice(1, None)), getitem(ary, slice(None, -1))))
    if to_end is not None:
        parts.append(end(to_end, "to_end"))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _spacing(h: Any, n: int) -> tuple[Any, bool]:
    """A spacing argument of ``gradient``: ``(dx, uniform)``."""
    h = as_array(h)
    if ndim_of(h) == 0:
        return h, True
    if ndim_of(h) != 1:
        raise ValueError("distances must be either scalars or 1d")
    if shape_of(h)[0] != n:
        raise ValueError("when 1d, distances must match the length of the corresponding dimension")
    if not is_inexact(h):
        h = astype(h, np.float64)
    d = diff(h)
    if not isinstance(d, Tracer) and np.all(d == d[0]):
        return d[0], True
    return d, False


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """``np.gradient``: second-order central differences inside, first- or second-order
    one-sided ones at the edges; spacings may be scalars or coordinate arrays."""
    f = as_array(f)
    nd = ndim_of(f)
    axes = normalize_axis(axis, nd) if axis is not None else tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axes = (one_axis(axis, nd),)
    elif axis is not None:
        axes = tuple(one_axis(a, nd) for a in axis)
    if len(varargs) == 0:
        hs = [1.0] * len(axes)
    elif len(varargs) == 1 and ndim_of(as_array(varargs[0])) == 0:
        hs = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        hs = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    if not is_inexact(f):
        f = astype(f, np.float64)
    outs = []
    for ax, h in zip(axes, hs):
        n = shape_of(f)[ax]
        if n < edge_order + 1:
            raise ValueError(
                "Shape of array too small to calculate a numerical gradient, "
                "at least (edge_order + 1) elements are required."
            )
        dx, uniform = _spacing(h, n)

        def sl(s: slice, ax: int = ax) -> Any:
            return getitem(f, index_along(ax, nd, s))

        def coef(c: Any, ax: int = ax) -> Any:  # per-interval coefficients, along ax
            return c if uniform or ndim_of(c) == 0 else reshape(c, tuple(-1 if i == ax else 1 for i in range(nd)))

        if uniform:
            mid = true_divide_p.bind(subtract_p.bind(sl(slice(2, None)), sl(slice(None, -2))), multiply_p.bind(dx, 2.0))
        else:
            dx1, dx2 = getitem(dx, slice(None, -1)), getitem(dx, slice(1, None))
            s12 = add_p.bind(dx1, dx2)
            ca = negative_p.bind(true_divide_p.bind(dx2, multiply_p.bind(dx1, s12)))
            cb = true_divide_p.bind(subtract_p.bind(dx2, dx1), multiply_p.bind(dx1, dx2))
            cc = true_divide_p.bind(dx1, multiply_p.bind(dx2, s12))
            mid = add_p.bind(
                add_p.bind(multiply_p.bind(coef(ca), sl(slice(None, -2))), multiply_p.bind(coef(cb), sl(slice(1, -1)))),
                multiply_p.bind(coef(cc), sl(slice(2, None))),
            )
        if edge_order == 1:
            d0 = dx if uniform else getitem(dx, 0)
            dn = dx if uniform else getitem(dx, -1)
            first = true_divide_p.bind(subtract_p.bind(sl(slice(1, 2)), sl(slice(0, 1))), d0)
            last = true_divide_p.bind(subtract_p.bind(sl(slice(-1, None)), sl(slice(-2, -1))), dn)
        else:
            if uniform:
                a0, b0, c0 = (true_divide_p.bind(v, dx) for v in (-1.5, 2.0, -0.5))
                a1, b1, c1 = (true_divide_p.bind(v, dx) for v in (0.5, -2.0, 1.5))
            else:
                e1, e2 = getitem(dx, 0), getitem(dx, 1)
                s = add_p.bind(e1, e2)
                a0 = negative_p.bind(true_divide_p.bind(add_p.bind(multiply_p.bind(e1, 2.0), e2), multiply_p.bind(e1, s)))
                b0 = true_divide_p.bind(s, multiply_p.bind(e1, e2))
                c0 = negative_p.bind(true_divide_p.bind(e1, multiply_p.bind(e2, s)))
                g1, g2 = getitem(dx, -2), getitem(dx, -1)
                s = add_p.bind(g1, g2)
                a1 = true_divide_p.bind(g2, multiply_p.bind(g1, s))
                b1 = negative_p.bind(true_divide_p.bind(s, multiply_p.bind(g1, g2)))
                c1 = true_divide_p.bind(add_p.bind(multiply_p.bind(g2, 2.0), g1), multiply_p.bind(g2, s))
            first = add_p.bind(
                add_p.bind(multiply_p.bind(a0, sl(slice(0, 1))), multiply_p.bind(b0, sl(slice(1, 2)))),
                multiply_p.bind(c0, sl(slice(2, 3))),
            )
            last = add_p.bind(
                add_p.bind(multiply_p.bind(a1, sl(slice(-3, -2))), multiply_p.bind(b1, sl(slice(-2, -1)))),
                multiply_p.bind(c1, sl(slice(-1, None))),
            )
        out = concatenate([first, mid, last], ax)
        outs.append(astype(out, dtype_of(f)))
    return outs[0] if len(outs) == 1 else tuple(outs)


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """``np.trapezoid``: the trapezoidal rule along ``axis``."""
    y = as_array(y)
    nd = ndim_of(y)
    axis = one_axis(axis, nd)
    if x is None:
        d = dx
    else:
        x = as_array(x)
        if ndim_of(x) == 1:
            d = diff(x)
            d = reshape(d, tuple(shape_of(d)[0] if i == axis else 1 for i in range(nd)))
        else:
            d = diff(x, axis=axis)
    hi = getitem(y, index_along(axis, nd, slice(1, None)))
    lo = getitem(y, index_along(axis, nd, slice(None, -1)))
    return sum(true_divide_p.bind(multiply_p.bind(d, add_p.bind(hi, lo)), 2.0), axis=axis)


def _cumulative(name: str, fn: Any, fill: float, x: Any, axis: Any, dtype: Any, out: Any, include_initial: bool) -> Any:
    _no_out(name, {"out": out})
    x = as_array(x)
    nd = ndim_of(x)
    if axis is None:
        if nd > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` argument is required.")
        if nd == 0:
            x = reshape(x, (1,))
        axis = 0
    c = fn(x, axis=axis, dtype=dtype)
    if include_initial:
        ax = one_axis(axis, ndim_of(c))
        s = tuple(1 if i == ax else v for i, v in enumerate(shape_of(c)))
        c = concatenate([zeros_like(c, shape=s) + fill if fill else zeros_like(c, shape=s), c], ax)
    return c


def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None, include_initial: bool = False) -> Any:
    """``np.cumulative_sum`` (the array-API cumsum, with ``include_initial``)."""
    return _cumulative("cumulative_sum", cumsum, 0.0, x, axis, dtype, out, include_initial)


def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None, include_initial: bool = False) -> Any:
    """``np.cumulative_prod`` (with ``include_initial``)."""
    return _cumulative("cumulative_prod", cumprod, 1.0, x, axis, dtype, out, include_initial)


def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: float = 2 * math.pi) -> Any:
    """``np.unwrap``: ``p`` plus a piecewise-constant correction (derivative 1 in ``p``)."""
    p = as_array(p)
    nd = ndim_of(p)
    axis = one_axis(axis, nd)
    ps = stop_gradient(p)
    dd = diff(ps, axis=axis)
    if discont is None:
        discont = period / 2
    dt = np.result_type(dtype_of(dd), period)
    if np.issubdtype(dt, np.integer):
        high, rem = builtins.divmod(period, 2)
        ambiguous = rem == 0
    else:
        high, ambiguous = period / 2, True
    low = -high
    ddmod = add_p.bind(remainder_p.bind(subtract_p.bind(dd, low), period), low)
    if ambiguous:
        ddmod = where_p.bind(logical_and(equal(ddmod, low), greater(dd, 0)), astype(as_array(high), dtype_of(ddmod)), ddmod)
    corr = subtract_p.bind(ddmod, dd)
    corr = where_p.bind(less(abs_p.bind(dd), discont), zeros_like(corr, shape=()), corr)
    p = astype(p, dt)
    head = getitem(p, index_along(axis, nd, slice(0, 1)))
    tail = add_p.bind(getitem(p, index_along(axis, nd, slice(1, None))), astype(cumsum(corr, axis=axis), dt))
    return concatenate([head, tail], axis)
