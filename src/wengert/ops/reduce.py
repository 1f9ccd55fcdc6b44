"""Reductions and scans: mean, prod, max/min, var/std, cumsum, cumprod, argmax/argmin.

``sum`` (the transpose of ``broadcast_to``) lives in ``shape.py``.  Max/min split the
cotangent equally among tied maxima (JAX's and autograd's convention).  ``prod`` and
``cumprod`` are zero-safe: their derivatives use products of the other factors, computed
by a log-depth scan of multiplications, never a division by the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.schema import AXES, BOOL, INT, declare, optional
from ._util import dtype_of, keyword_source, normalize_axis, one_axis, reduction_source, shape_of
from .complex import imag, real
from .elementwise import (
    add_p,
    astype,
    equal,
    multiply_p,
    ones_like,
    sqrt_p,
    square_p,
    subtract_p,
    true_divide_p,
)
from .indexing import getitem
from .shape import (
    _no_out,
    broadcast_to_p,
    concatenate_p,
    flip,
    moveaxis,
    ravel,
    reshape,
    reshape_p,
    sum,
    sum_p,
    transpose,
)

# --------------------------------------------------------------------------- mean / var / std


def _count(shape: tuple, axes: tuple) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def mean(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    """``np.mean``."""
    _no_out("mean", kw)
    xs = shape_of(x)
    axes = normalize_axis(axis, len(xs))
    if dtype is not None:
        x = astype(x, dtype)
    elif not np.issubdtype(dtype_of(x), np.inexact):
        x = astype(x, np.float64)
    s = sum_p.bind(x, axis=axes, keepdims=bool(keepdims))
    n = _count(xs, axes)
    return true_divide_p.bind(s, float(n)) if n != 1 else s


def _abs2(d: Any) -> Any:
    if np.issubdtype(dtype_of(d), np.complexfloating):
        return add_p.bind(square_p.bind(real(d)), square_p.bind(imag(d)))
    return square_p.bind(d)


def var(
    x: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False, **kw: Any
) -> Any:
    """``np.var`` (with ``ddof``)."""
    _no_out("var", kw)
    xs = shape_of(x)
    axes = normalize_axis(axis, len(xs))
    if dtype is not None:
        x = astype(x, dtype)
    m = mean(x, axis=axes, keepdims=True)
    d = subtract_p.bind(x, m)
    s = sum_p.bind(_abs2(d), axis=axes, keepdims=bool(keepdims))
    n = _count(xs, axes) - ddof
    return true_divide_p.bind(s, float(n if n > 0 else 0))


def std(
    x: Any, axis: Any = None, dtype: Any = None, ddof: int = 0, keepdims: bool = False, **kw: Any
) -> Any:
    """``np.std``."""
    return sqrt_p.bind(var(x, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, **kw))


# --------------------------------------------------------------------------- max / min


def _broadcast_back(ct: Any, xshape: tuple, axis: tuple, keepdims: bool) -> Any:
    if not keepdims:
        ct = reshape_p.bind(ct, shape=tuple(1 if i in axis else s for i, s in enumerate(xshape)))
    return broadcast_to_p.bind(ct, shape=xshape)


def _extreme_vjp(ct: Any, ans: Any, x: Any, axis: tuple, keepdims: bool) -> Any:
    xs = shape_of(x)
    a = _broadcast_back(ans, xs, axis, keepdims)
    mask = equal(x, a)
    dt = dtype_of(ct)
    count = sum_p.bind(astype(mask, dt), axis=axis, keepdims=True)
    w = true_divide_p.bind(astype(mask, dt), count)
    return multiply_p.bind(_broadcast_back(ct, xs, axis, keepdims), w)


def _extreme_jvp(ts: tuple, ans: Any, x: Any, axis: tuple, keepdims: bool) -> Any:
    xs = shape_of(x)
    mask = equal(x, _broadcast_back(ans, xs, axis, keepdims))
    dt = dtype_of(ts[0])
    m = astype(mask, dt)
    num = sum_p.bind(multiply_p.bind(ts[0], m), axis=axis, keepdims=keepdims)
    return true_divide_p.bind(num, sum_p.bind(m, axis=axis, keepdims=keepdims))


amax_p = Primitive("max", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims))
amax_p.describe(fresh=True, source=reduction_source("np.max"))
amax_p.defvjp(_extreme_vjp, save="both")
amax_p.defjvp(_extreme_jvp)
amin_p = Primitive("min", lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims))
amin_p.describe(fresh=True, source=reduction_source("np.min"))
amin_p.defvjp(_extreme_vjp, save="both")
amin_p.defjvp(_extreme_jvp)


def _extreme(p: Primitive, name: str, x: Any, axis: Any, keepdims: bool, kw: dict) -> Any:
    _no_out(name, kw)
    xs = shape_of(x)
    axes = normalize_axis(axis, len(xs))
    if any(xs[a] == 0 for a in axes):
        raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
    return p.bind(x, axis=axes, keepdims=bool(keepdims))


def max(x: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:  # noqa: A001
    """``np.max``; tied maxima share the gradient equally."""
    return _extreme(amax_p, "maximum", x, axis, keepdims, kw)


def min(x: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:  # noqa: A001
    """``np.min``; tied minima share the gradient equally."""
    return _extreme(amin_p, "minimum", x, axis, keepdims, kw)


amax = max
amin = min


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return subtract_p.bind(max(x, axis, keepdims), min(x, axis, keepdims))


argmax_p = Primitive(
    "argmax", lambda x, axis, keepdims: np.argmax(x, axis=axis, keepdims=keepdims), nondiff=True
)
argmin_p = Primitive(
    "argmin", lambda x, axis, keepdims: np.argmin(x, axis=axis, keepdims=keepdims), nondiff=True
)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False, **kw: Any) -> Any:
    _no_out("argmax", kw)
    return argmax_p.bind(x, axis=axis, keepdims=bool(keepdims))


def argmin(x: Any, axis: int | None = None, keepdims: bool = False, **kw: Any) -> Any:
    _no_out("argmin", kw)
    return argmin_p.bind(x, axis=axis, keepdims=bool(keepdims))


# --------------------------------------------------------------------------- products


def _scan_mul_last(x: Any) -> Any:
    """Inclusive cumulative product along the last axis by log-depth doubling (only
    multiplications and slices, so every derivative of it is zero-safe)."""

    n = shape_of(x)[-1]
    s = 1
    while s < n:
        pad = ones_like(getitem(x, (Ellipsis, slice(0, s))))
        shifted = concatenate_p.bind(pad, getitem(x, (Ellipsis, slice(0, n - s))), axis=len(shape_of(x)) - 1)
        x = multiply_p.bind(x, shifted)
        s *= 2
    return x


def _exclusive_scan_mul_last(x: Any) -> Any:

    n = shape_of(x)[-1]
    inc = _scan_mul_last(x)
    pad = ones_like(getitem(x, (Ellipsis, slice(0, 1))))
    return concatenate_p.bind(pad, getitem(inc, (Ellipsis, slice(0, n - 1))), axis=len(shape_of(x)) - 1)


def _prod_others(x: Any, axes: tuple) -> Any:
    """For each element, the product of the other elements along ``axes``."""
    xs = shape_of(x)
    keep = [i for i in range(len(xs)) if i not in axes]
    perm = keep + list(axes)
    xt = transpose(x, perm)
    n = _count(xs, axes)
    lead = tuple(xs[i] for i in keep)
    flat = reshape(xt, lead + (n,))
    left = _exclusive_scan_mul_last(flat)
    right = flip(_exclusive_scan_mul_last(flip(flat, -1)), -1)
    others = reshape(multiply_p.bind(left, right), tuple(xs[i] for i in perm))
    return transpose(others, tuple(np.argsort(perm).tolist()))


def _prod_vjp(ct: Any, ans: Any, x: Any, axis: tuple, keepdims: bool) -> Any:
    xs = shape_of(x)
    if not axis or _count(xs, axis) == 0:
        return _broadcast_back(ct, xs, axis, keepdims)
    return multiply_p.bind(_broadcast_back(ct, xs, axis, keepdims), _prod_others(x, axis))


def _prod_jvp(ts: tuple, ans: Any, x: Any, axis: tuple, keepdims: bool) -> Any:
    xs = shape_of(x)
    if not axis or _count(xs, axis) == 0:
        return sum_p.bind(ts[0], axis=axis, keepdims=keepdims)
    return sum_p.bind(multiply_p.bind(ts[0], _prod_others(x, axis)), axis=axis, keepdims=keepdims)


prod_p = Primitive("prod", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims))
prod_p.describe(fresh=True, source=reduction_source("np.prod"))
prod_p.defvjp(_prod_vjp, save="args")
prod_p.defjvp(_prod_jvp)


def prod(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    """``np.prod``; its gradient is exact where inputs are zero."""
    _no_out("prod", kw)
    axes = normalize_axis(axis, len(shape_of(x)))
    if dtype is not None:
        x = astype(x, dtype)
    return prod_p.bind(x, axis=axes, keepdims=bool(keepdims))


def cumprod(x: Any, axis: int | None = None, dtype: Any = None, **kw: Any) -> Any:
    """``np.cumprod`` as a log-depth scan of multiplications (zero-safe derivatives)."""
    _no_out("cumprod", kw)
    if dtype is not None:
        x = astype(x, dtype)
    if axis is None:

        x, axis = ravel(x), 0
    nd = len(shape_of(x))
    axis = one_axis(axis, nd)
    if shape_of(x)[axis] == 0:
        return x
    return moveaxis(_scan_mul_last(moveaxis(x, axis, -1)), -1, axis)


# --------------------------------------------------------------------------- cumsum


def _cumsum_vjp(ct: Any, ans: Any, axis: int) -> Any:
    return flip(cumsum_p.bind(flip(ct, axis), axis=axis), axis)


cumsum_p = Primitive("cumsum", lambda x, axis: np.cumsum(x, axis=axis))
cumsum_p.describe(fresh=True, source=keyword_source("np.cumsum", "axis", positional=False))
cumsum_p.defvjp(_cumsum_vjp, save="none")
cumsum_p.defjvp(lambda ts, ans, x, axis: cumsum_p.bind(ts[0], axis=axis))


def cumsum(x: Any, axis: int | None = None, dtype: Any = None, **kw: Any) -> Any:
    """``np.cumsum``."""
    _no_out("cumsum", kw)
    if dtype is not None:
        x = astype(x, dtype)
    if axis is None:

        x, axis = ravel(x), 0
    return cumsum_p.bind(x, axis=one_axis(axis, len(shape_of(x))))


def average(x: Any, axis: Any = None, weights: Any = None, returned: bool = False, keepdims: bool = False) -> Any:
    if weights is None:
        avg = mean(x, axis=axis, keepdims=keepdims)
        n = np.prod([shape_of(x)[a] for a in normalize_axis(axis, len(shape_of(x)))])
        return (avg, np.full_like(np.asarray(0.0), n)) if returned else avg
    xs = shape_of(x)
    ws = shape_of(weights)
    if ws != xs:
        if axis is None or len(ws) != 1:
            raise TypeError("average: weights must have the shape of x, or be 1-D along axis")
        ax = one_axis(axis, len(xs))
        weights = reshape(weights, tuple(ws[0] if i == ax else 1 for i in range(len(xs))))
    wsum = sum(multiply_p.bind(weights, ones_like(x)) if shape_of(weights) != xs else weights, axis=axis, keepdims=keepdims)
    avg = true_divide_p.bind(sum(multiply_p.bind(x, weights), axis=axis, keepdims=keepdims), wsum)
    return (avg, wsum) if returned else avg


# --------------------------------------------------------------------------- batching (vmap)


def _axis_batch(p: Primitive) -> Any:
    return lambda vals, b, size, axis, keepdims: p.bind(
        vals[0], axis=tuple(a + 1 for a in axis), keepdims=keepdims
    )


for _p in (amax_p, amin_p, prod_p):
    _p.batch = _axis_batch(_p)


def _arg_batch(p: Primitive) -> Any:
    def rule(vals: list, b: list, size: int, axis: Any, keepdims: bool) -> Any:
        x = vals[0]
        if axis is None:
            out = p.bind(reshape(x, (size, -1)), axis=1, keepdims=False)
            if keepdims:
                out = reshape(out, (size,) + (1,) * (len(shape_of(x)) - 1))
            return out
        return p.bind(x, axis=one_axis(axis, len(shape_of(x)) - 1) + 1, keepdims=keepdims)

    return rule


argmax_p.batch = _arg_batch(argmax_p)
argmin_p.batch = _arg_batch(argmin_p)
cumsum_p.batch = lambda vals, b, size, axis: cumsum_p.bind(vals[0], axis=axis + 1)


# --------------------------------------------------------------------------- truth tests

any_p = Primitive("any", lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims), nondiff=True)
all_p = Primitive("all", lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims), nondiff=True)
any_p.describe(boolean=True, source=reduction_source("np.any"))
all_p.describe(boolean=True, source=reduction_source("np.all"))
any_p.batch = _axis_batch(any_p)
all_p.batch = _axis_batch(all_p)


def any_(x: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    """``np.any`` (a boolean: no derivative)."""
    _no_out("any", kw)
    return any_p.bind(x, axis=normalize_axis(axis, len(shape_of(x))), keepdims=bool(keepdims))


def all_(x: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    """``np.all`` (a boolean: no derivative)."""
    _no_out("all", kw)
    return all_p.bind(x, axis=normalize_axis(axis, len(shape_of(x))), keepdims=bool(keepdims))


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

for _p in (amax_p, amin_p, prod_p, any_p, all_p):
    declare(_p, axis=AXES, keepdims=BOOL)
for _p in (argmax_p, argmin_p):
    declare(_p, axis=optional(INT), keepdims=BOOL)
declare(cumsum_p, axis=INT)
