"""The rest of real-valued NumPy that carries derivatives: gathers along an axis (sort,
partition, take_along_axis, choose), nan-reductions, order statistics (median, quantile),
differences (diff, ediff1d, gradient, trapezoid), padding, triangular and diagonal
matrices, kron, cross, convolution, polynomials, interp, differentiable constructors
(linspace, logspace, geomspace, full, meshgrid) and the non-differentiable queries that
differentiated code still needs (argsort, searchsorted, any, all, isclose, ...).

Almost everything is composed of existing differentiable ops, so no new derivative rules
are needed.  The new primitives are:
- ``take_along_axis`` / ``scatter_along_axis``: a gather whose *indices are an argument*
  (not a static parameter), and its transpose.  Indices computed inside ``vmap`` (e.g. by
  ``argsort`` of a batched value) are themselves batched, which a static index cannot
  express; with plain indices the existing ``getitem`` is used instead.
- ``convolve`` (full mode): bilinear; its VJPs are convolutions again.
- non-differentiable index queries (``argsort``, ``argpartition``, ``searchsorted``, ...).

Conventions (also in docs/conventions.md):
- ``sort``/``partition`` values are gathers by ``argsort``/``argpartition`` indices: the
  derivative of each output goes to the input element that landed there (for ties, the one
  NumPy's stable order puts there).  ``median``/``quantile`` inherit this.
- ``nanmax``/``nanmin`` follow ``max``/``min``: tied extrema share the gradient equally;
  NaN entries get zero gradient.
- ``interp`` is differentiable in ``x``, ``xp``, ``fp``, ``left``, ``right`` with the
  interval index held fixed; at a knot ``x == xp[i]`` the derivative in ``x`` is the slope
  of the interval to its right (0 at and beyond ``xp[-1]``, and below ``xp[0]``).
"""

from __future__ import annotations

import builtins
import math
import operator
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.batching import _loop_rule
from ..core.primitive import Primitive, Tracer
from ._util import dtype_of, ndim_of, normalize_axis, one_axis, shape_of
from .contract import diagonal, einsum
from .elementwise import (
    _elementwise_batch,
    abs_p,
    add_p,
    astype,
    equal,
    floor_p,
    greater,
    greater_equal,
    isinf,
    isnan,
    less,
    log10_p,
    logical_and,
    logical_not,
    maximum_p,
    minimum_p,
    multiply_p,
    negative_p,
    not_equal,
    power_p,
    remainder_p,
    rint_p,
    sign_p,
    sqrt_p,
    stop_gradient,
    subtract_p,
    true_divide_p,
    where_p,
    zeros_like,
)
from .indexing import getitem, scatter_add_p
from .reduce import _arg_batch, cumprod, cumsum, max, mean, min, prod
from .shape import (
    _no_out,
    broadcast_arrays,
    broadcast_to,
    concatenate,
    expand_dims,
    moveaxis,
    ravel,
    reshape,
    stack,
    sum,
    transpose,
)

_NoValue = np._NoValue


def _is_tracer(*xs: Any) -> bool:
    return builtins.any(isinstance(x, Tracer) for x in xs)


def _kw_default(v: Any, default: Any) -> Any:
    return default if v is _NoValue else v


def _asarray(x: Any) -> Any:
    """Tracers pass through; anything else becomes a NumPy array (lists, scalars)."""
    return x if isinstance(x, Tracer) else np.asarray(x)


def _is_inexact(x: Any) -> bool:
    return np.issubdtype(dtype_of(x), np.inexact)


def _index_along(axis: int, nd: int, idx: Any) -> tuple:
    return (slice(None),) * axis + (idx,) + (slice(None),) * (nd - axis - 1)


# =========================================================================== gathers


def _gather_shape(arr_shape: tuple, idx_shape: tuple, axis: int) -> tuple:
    a = list(arr_shape)
    a[axis] = 1
    return np.broadcast_shapes(tuple(a), tuple(idx_shape))


def _along_fancy(out_shape: tuple, arr_shape: tuple, idx: Any, axis: int) -> tuple:
    """The advanced index that gathers ``arr[..., idx, ...]`` along ``axis`` with NumPy's
    take_along_axis broadcasting (size-1 axes of ``arr`` are repeated)."""
    nd = len(out_shape)
    fancy = []
    for i in range(nd):
        if i == axis:
            fancy.append(idx)
            continue
        n = out_shape[i]
        r = np.arange(n) if arr_shape[i] == n else np.zeros(n, dtype=np.intp)
        fancy.append(r.reshape((1,) * i + (n,) + (1,) * (nd - i - 1)))
    return tuple(fancy)


def _gather_impl(arr: Any, idx: Any, axis: int) -> Any:
    out_shape = _gather_shape(arr.shape, idx.shape, axis)
    return arr[_along_fancy(out_shape, arr.shape, idx, axis)]


def _scatter_impl(ct: Any, idx: Any, axis: int, shape: tuple) -> Any:
    out = np.zeros_like(ct, shape=shape)
    np.add.at(out, _along_fancy(ct.shape, shape, idx, axis), ct)
    return out


take_along_axis_p = Primitive("take_along_axis", _gather_impl)
scatter_along_axis_p = Primitive("scatter_along_axis", _scatter_impl)

take_along_axis_p.defvjp(
    lambda ct, ans, arr, idx, axis: scatter_along_axis_p.bind(ct, idx, axis=axis, shape=shape_of(arr)),
    None,
    save="args",
)
take_along_axis_p.defjvp(lambda ts, ans, arr, idx, axis: take_along_axis_p.bind(ts[0], idx, axis=axis))
take_along_axis_p.linear = True
scatter_along_axis_p.defvjp(
    lambda ct, ans, c, idx, axis, shape: take_along_axis_p.bind(ct, idx, axis=axis), None, save="args"
)
scatter_along_axis_p.defjvp(
    lambda ts, ans, c, idx, axis, shape: scatter_along_axis_p.bind(ts[0], idx, axis=axis, shape=shape)
)
scatter_along_axis_p.linear = True


def _lead(v: Any, batched: bool) -> Any:
    return v if batched else expand_dims(v, 0)


def _gather_batch(vals: list, b: list, size: int, axis: int) -> Any:
    arr, idx = _lead(vals[0], b[0]), _lead(vals[1], b[1])
    out = take_along_axis_p.bind(arr, idx, axis=axis + 1)
    if shape_of(out)[0] != size:
        out = broadcast_to(out, (size,) + shape_of(out)[1:])
    return out


def _scatter_batch(vals: list, b: list, size: int, axis: int, shape: tuple) -> Any:
    ct = vals[0] if b[0] else broadcast_to(vals[0], (size,) + shape_of(vals[0]))
    return scatter_along_axis_p.bind(ct, _lead(vals[1], b[1]), axis=axis + 1, shape=(size,) + tuple(shape))


take_along_axis_p.batch = _gather_batch
scatter_along_axis_p.batch = _scatter_batch


def _gather(arr: Any, idx: Any, axis: int) -> Any:
    """``np.take_along_axis(arr, idx, axis)`` (same ndim, broadcasting): a plain index uses
    ``getitem``; a traced one (batched by vmap) the gather primitive."""
    if isinstance(idx, Tracer):
        return take_along_axis_p.bind(arr, idx, axis=axis)
    idx = np.asarray(idx)
    out_shape = _gather_shape(shape_of(arr), idx.shape, axis)
    return getitem(arr, _along_fancy(out_shape, shape_of(arr), idx, axis))


def _take(arr: Any, idx: Any, axis: int) -> Any:
    """``np.take(arr, idx, axis)`` for an index that may be traced (batched)."""
    nd = ndim_of(arr)
    if not isinstance(idx, Tracer):
        return getitem(arr, _index_along(axis, nd, np.asarray(idx)))
    ish = shape_of(idx)
    if not ish:
        return getitem(_gather(arr, reshape(idx, (1,) * nd), axis), _index_along(axis, nd, 0))
    s = shape_of(arr)
    a = reshape(arr, s[:axis] + (s[axis],) + (1,) * (len(ish) - 1) + s[axis + 1 :])
    i = reshape(idx, (1,) * axis + ish + (1,) * (nd - axis - 1))
    return _gather(a, i, axis)


def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Any:
    """``np.take_along_axis``; differentiable in ``arr`` (indices may be traced)."""
    if not np.issubdtype(dtype_of(indices), np.integer):
        raise IndexError("`indices` must be an integer array")
    if axis is None:
        if ndim_of(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        return _gather(ravel(arr), indices, 0)
    if ndim_of(indices) != ndim_of(arr):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    return _gather(arr, indices, one_axis(axis, ndim_of(arr)))


# =========================================================================== non-differentiable queries


def _nondiff(name: str, impl: Any, batch: Any = None) -> Primitive:
    p = Primitive(name, impl, nondiff=True)
    p.batch = batch
    return p


def _axis_plus_one(p: Primitive) -> Any:
    def rule(vals: list, b: list, size: int, axis: Any, **params: Any) -> Any:
        ax = tuple(a + 1 for a in axis) if isinstance(axis, tuple) else axis + 1
        return p.bind(vals[0], axis=ax, **params)

    return rule


argsort_p = _nondiff(
    "argsort", lambda x, axis, kind, stable: np.argsort(x, axis=axis, kind=kind, stable=stable)
)
argsort_p.batch = _axis_plus_one(argsort_p)
argpartition_p = _nondiff(
    "argpartition", lambda x, kth, axis, kind: np.argpartition(x, kth, axis=axis, kind=kind)
)
argpartition_p.batch = _axis_plus_one(argpartition_p)


def _no_order(name: str, order: Any) -> None:
    if order is not None:
        raise TypeError(f"{name}: order= (structured arrays) is not supported on traced values")


def argsort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Any:
    """``np.argsort`` (integer result, not differentiated)."""
    _no_order("argsort", order)
    if axis is None:
        a, axis = ravel(a), 0
    return argsort_p.bind(a, axis=one_axis(axis, ndim_of(a)), kind=kind, stable=stable)


def _kth(kth: Any) -> Any:
    if isinstance(kth, Tracer):
        raise TypeError("partition: kth must be an integer or a sequence of integers, not a traced value")
    k = np.asarray(kth)
    if not np.issubdtype(k.dtype, np.integer):
        raise TypeError("Partition index must be integer")
    return int(k) if k.ndim == 0 else tuple(int(v) for v in k.ravel())


def argpartition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None) -> Any:
    """``np.argpartition`` (integer result, not differentiated)."""
    _no_order("argpartition", order)
    if axis is None:
        a, axis = ravel(a), 0
    return argpartition_p.bind(a, _kth(kth), axis=one_axis(axis, ndim_of(a)), kind=kind)


def sort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Any:
    """``np.sort``: the values are a gather by ``argsort`` indices (differentiable)."""
    _no_order("sort", order)
    if not _is_tracer(a):
        return np.sort(a, axis=axis, kind=kind, stable=stable)
    if axis is None:
        a, axis = ravel(a), 0
    axis = one_axis(axis, ndim_of(a))
    return _gather(a, argsort_p.bind(a, axis=axis, kind=kind, stable=stable), axis)


def partition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None) -> Any:
    """``np.partition``: a gather by ``argpartition`` indices (the same arrangement)."""
    _no_order("partition", order)
    if not _is_tracer(a):
        return np.partition(a, kth, axis=axis, kind=kind)
    if axis is None:
        a, axis = ravel(a), 0
    axis = one_axis(axis, ndim_of(a))
    return _gather(a, argpartition_p.bind(a, _kth(kth), axis=axis, kind=kind), axis)


def _searchsorted_batch(vals: list, b: list, size: int, **params: Any) -> Any:
    if not b[0] and not (len(b) > 2 and b[2]):  # sorted array shared: searchsorted is elementwise in v
        return searchsorted_p.bind(*vals, **params)
    return _loop_rule(searchsorted_p, vals, b, size, params)


searchsorted_p = _nondiff("searchsorted", lambda a, v, side: np.searchsorted(a, v, side=side))
searchsorted_p.batch = _searchsorted_batch


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """``np.searchsorted`` (integer result, not differentiated)."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    if sorter is not None:
        a = _take(a, sorter, 0)
    return searchsorted_p.bind(a, v, side=side)


def _digitize_batch(vals: list, b: list, size: int, **params: Any) -> Any:
    if not b[1]:
        return digitize_p.bind(*vals, **params)
    return _loop_rule(digitize_p, vals, b, size, params)


digitize_p = _nondiff("digitize", lambda x, bins, right: np.digitize(x, bins, right=right))
digitize_p.batch = _digitize_batch


def digitize(x: Any, bins: Any, right: bool = False) -> Any:
    """``np.digitize`` (integer result, not differentiated)."""
    return digitize_p.bind(x, bins, right=bool(right))


def _reduce_axis(axis: Any, nd: int) -> Any:
    return None if axis is None else normalize_axis(axis, nd)


def _bool_reduce(name: str, fn: Any) -> tuple[Primitive, Any]:
    p = _nondiff(name, lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims))

    def rule(vals: list, b: list, size: int, axis: Any, keepdims: bool) -> Any:
        nd = len(shape_of(vals[0])) - 1
        ax = tuple(range(1, nd + 1)) if axis is None else tuple(a + 1 for a in axis)
        out = p.bind(vals[0], axis=ax, keepdims=keepdims)
        return out

    p.batch = rule

    def public(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, *, where: Any = True) -> Any:
        if out is not None or where is not True:
            raise TypeError(f"{name}: out= and where= are not supported on traced values")
        keepdims = bool(_kw_default(keepdims, False))
        return p.bind(a, axis=_reduce_axis(axis, ndim_of(a)), keepdims=keepdims)

    public.__name__ = name
    public.__doc__ = f"``np.{name}`` (boolean result, not differentiated)."
    return p, public


any_p, any = _bool_reduce("any", np.any)  # noqa: A001
all_p, all = _bool_reduce("all", np.all)  # noqa: A001

count_nonzero_p = _nondiff(
    "count_nonzero", lambda x, axis, keepdims: np.count_nonzero(x, axis=axis, keepdims=keepdims)
)

def _count_nonzero_batch(vals: list, b: list, size: int, axis: Any, keepdims: bool) -> Any:
    nd = len(shape_of(vals[0])) - 1
    ax = tuple(range(1, nd + 1)) if axis is None else tuple(a + 1 for a in axis)
    return count_nonzero_p.bind(vals[0], axis=ax, keepdims=keepdims)


count_nonzero_p.batch = _count_nonzero_batch


def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """``np.count_nonzero`` (integer result, not differentiated)."""
    out = count_nonzero_p.bind(a, axis=_reduce_axis(axis, ndim_of(a)), keepdims=bool(keepdims))
    return out


isclose_p = _nondiff(
    "isclose", lambda a, b, rtol, atol, equal_nan: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
)
isclose_p.batch = _elementwise_batch(isclose_p)


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """``np.isclose`` (boolean result, not differentiated)."""
    return isclose_p.bind(a, b, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """``np.allclose``: a Python bool for concrete values (a traced bool under vmap)."""
    res = all(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    return res if isinstance(res, Tracer) else builtins.bool(res)


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    """``np.array_equal`` (not differentiated)."""
    if shape_of(a1) != shape_of(a2):
        return False
    eq = equal(a1, a2)
    if equal_nan and _is_inexact(a1) and _is_inexact(a2):
        eq = logical_or_(eq, logical_and(isnan(a1), isnan(a2)))
    res = all(eq)
    return res if isinstance(res, Tracer) else builtins.bool(res)


def logical_or_(a: Any, b: Any) -> Any:
    from .elementwise import logical_or

    return logical_or(a, b)


isposinf_p = _nondiff("isposinf", np.isposinf)
isposinf_p.batch = _elementwise_batch(isposinf_p)
isneginf_p = _nondiff("isneginf", np.isneginf)
isneginf_p.batch = _elementwise_batch(isneginf_p)


def isposinf(x: Any) -> Any:
    return isposinf_p.bind(x)


def isneginf(x: Any) -> Any:
    return isneginf_p.bind(x)


flatnonzero_p = _nondiff("flatnonzero", np.flatnonzero)
argwhere_p = _nondiff("argwhere", np.argwhere)


def flatnonzero(a: Any) -> Any:
    """``np.flatnonzero`` (integer result; its length depends on the values, so under
    ``vmap`` every batch element must have the same count)."""
    return flatnonzero_p.bind(a)


def argwhere(a: Any) -> Any:
    """``np.argwhere`` (integer result, not differentiated)."""
    return argwhere_p.bind(a)


# =========================================================================== nan-reductions


def _nan_to(a: Any, fill: float) -> Any:
    return where_p.bind(isnan(a), fill, a) if _is_inexact(a) else a


def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nansum``: NaNs count as zero (and get zero gradient)."""
    _no_out("nansum", {"out": out, **kw})
    return sum(_nan_to(a, 0.0), axis=axis, dtype=dtype, keepdims=bool(_kw_default(keepdims, False)))


def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanprod``: NaNs count as one (and get zero gradient)."""
    _no_out("nanprod", {"out": out, **kw})
    return prod(_nan_to(a, 1.0), axis=axis, dtype=dtype, keepdims=bool(_kw_default(keepdims, False)))


def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``np.nancumsum``."""
    _no_out("nancumsum", {"out": out})
    return cumsum(_nan_to(a, 0.0), axis=axis, dtype=dtype)


def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``np.nancumprod``."""
    _no_out("nancumprod", {"out": out})
    return cumprod(_nan_to(a, 1.0), axis=axis, dtype=dtype)


def _check_inexact_dtype(name: str, a: Any, dtype: Any) -> None:
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.inexact):
        raise TypeError(f"{name}: if a is inexact, dtype must be inexact")


def _valid_count(a: Any, axis: Any, keepdims: bool, dt: Any) -> Any:
    return sum(astype(logical_not(isnan(a)), dt), axis=axis, keepdims=keepdims)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanmean``: the mean of the non-NaN entries (NaN for an all-NaN slice)."""
    _no_out("nanmean", {"out": out, **kw})
    keepdims = bool(_kw_default(keepdims, False))
    if not _is_inexact(a):
        return mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
    _check_inexact_dtype("nanmean", a, dtype)
    tot = sum(_nan_to(a, 0.0), axis=axis, dtype=dtype, keepdims=keepdims)
    cnt = _valid_count(a, axis, keepdims, dtype_of(tot))
    with np.errstate(invalid="ignore", divide="ignore"):
        return true_divide_p.bind(tot, cnt)


def nanvar(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    ddof: Any = 0,
    keepdims: Any = False,
    *,
    where: Any = True,
    mean: Any = _NoValue,
    correction: Any = _NoValue,
) -> Any:
    """``np.nanvar`` (``ddof`` or its array-API name ``correction``)."""
    _no_out("nanvar", {"out": out, "where": where})
    if mean is not _NoValue:
        raise TypeError("nanvar: mean= is not supported on traced values")
    if correction is not _NoValue:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    keepdims = bool(_kw_default(keepdims, False))
    if not _is_inexact(a):
        from .reduce import var

        return var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    _check_inexact_dtype("nanvar", a, dtype)
    from .reduce import _abs2

    mask = isnan(a)
    filled = where_p.bind(mask, 0.0, a)
    tot = sum(filled, axis=axis, dtype=dtype, keepdims=True)
    cnt = _valid_count(a, axis, True, dtype_of(tot))
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = true_divide_p.bind(tot, cnt)
    d = where_p.bind(mask, 0.0, subtract_p.bind(filled, avg))
    s = sum(_abs2(d), axis=axis, dtype=dtype, keepdims=keepdims)
    dof = subtract_p.bind(_valid_count(a, axis, keepdims, dtype_of(s)), float(ddof))
    bad = less(dof, 0.5)  # dof <= 0 (counts are integers)
    safe = where_p.bind(bad, 1.0, dof)
    return where_p.bind(bad, math.nan, true_divide_p.bind(s, safe))


def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanstd``."""
    return sqrt_p.bind(nanvar(a, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims, **kw))


def _nan_extreme(name: str, red: Any, fill: float, a: Any, axis: Any, out: Any, keepdims: Any, kw: dict) -> Any:
    _no_out(name, {"out": out, **kw})
    keepdims = bool(_kw_default(keepdims, False))
    if not _is_inexact(a):
        return red(a, axis=axis, keepdims=keepdims)
    mask = isnan(a)
    res = red(where_p.bind(mask, fill, a), axis=axis, keepdims=keepdims)
    allnan = all(mask, axis=axis, keepdims=keepdims)
    return where_p.bind(allnan, math.nan, res)


def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanmax``: the maximum ignoring NaNs (ties share the gradient)."""
    return _nan_extreme("nanmax", max, -math.inf, a, axis, out, keepdims, kw)


def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanmin``: the minimum ignoring NaNs (ties share the gradient)."""
    return _nan_extreme("nanmin", min, math.inf, a, axis, out, keepdims, kw)


nanargmax_p = _nondiff("nanargmax", lambda x, axis, keepdims: np.nanargmax(x, axis=axis, keepdims=keepdims))
nanargmin_p = _nondiff("nanargmin", lambda x, axis, keepdims: np.nanargmin(x, axis=axis, keepdims=keepdims))
nanargmax_p.batch = _arg_batch(nanargmax_p)
nanargmin_p.batch = _arg_batch(nanargmin_p)


def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
    _no_out("nanargmax", {"out": out})
    return nanargmax_p.bind(a, axis=None if axis is None else one_axis(axis, ndim_of(a)), keepdims=bool(_kw_default(keepdims, False)))


def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
    _no_out("nanargmin", {"out": out})
    return nanargmin_p.bind(a, axis=None if axis is None else one_axis(axis, ndim_of(a)), keepdims=bool(_kw_default(keepdims, False)))


# =========================================================================== median / quantile


def _to_last(a: Any, axis: Any) -> tuple[Any, tuple, tuple]:
    """Move the reduced axes to the end, flattened into one: ``(moved, kept_shape, axes)``."""
    xs = shape_of(a)
    axes = normalize_axis(axis, len(xs))
    kept = tuple(s for i, s in enumerate(xs) if i not in axes)
    n = 1
    for i in axes:
        n *= xs[i]
    moved = moveaxis(a, axes, tuple(range(len(xs) - len(axes), len(xs)))) if axes else a
    return reshape(moved, kept + (n,)), kept, axes


def _keep(r: Any, xs: tuple, axes: tuple, lead: tuple = ()) -> Any:
    return reshape(r, lead + tuple(1 if i in axes else s for i, s in enumerate(xs)))


def _float(a: Any) -> Any:
    return a if _is_inexact(a) else astype(a, np.float64)


def _median_of_sorted(s: Any, cnt: Any) -> Any:
    """Median along the last axis of sorted ``s`` whose first ``cnt`` entries are valid."""
    n = shape_of(s)[-1]
    if isinstance(cnt, int):
        lo, hi = (n - 1) // 2, n // 2
        a = getitem(s, (Ellipsis, lo))
        b = a if lo == hi else getitem(s, (Ellipsis, hi))
        return a if lo == hi else true_divide_p.bind(add_p.bind(a, b), 2.0)
    c = astype(cnt, np.intp)
    lo = maximum_p.bind(floor_div(subtract_p.bind(c, 1), 2), 0)
    hi = minimum_p.bind(floor_div(c, 2), n - 1)
    a = _gather(s, expand_dims(lo, -1), -1 % len(shape_of(s)))
    b = _gather(s, expand_dims(hi, -1), -1 % len(shape_of(s)))
    return getitem(true_divide_p.bind(add_p.bind(a, b), 2.0), (Ellipsis, 0))


def floor_div(a: Any, b: Any) -> Any:
    from .elementwise import floor_divide_p

    return floor_divide_p.bind(a, b)


def _median(name: str, a: Any, axis: Any, out: Any, keepdims: Any, nan: bool) -> Any:
    _no_out(name, {"out": out})
    keepdims = bool(_kw_default(keepdims, False))
    a = _float(a)
    xs = shape_of(a)
    flat, kept, axes = _to_last(a, axis)
    n = shape_of(flat)[-1]
    if n == 0:
        with np.errstate(invalid="ignore"):
            r = mean(flat, axis=-1)
    else:
        s = sort(flat, axis=-1)
        if nan:
            cnt = _valid_count(flat, -1, False, np.intp)
            r = where_p.bind(equal(cnt, 0), math.nan, _median_of_sorted(s, cnt))
        else:
            r = _median_of_sorted(s, n)
            r = where_p.bind(isnan(getitem(s, (Ellipsis, n - 1))), math.nan, r)
    return _keep(r, xs, axes) if keepdims else r


def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """``np.median``: the mean of the middle sorted value(s); NaN if the slice has a NaN."""
    return _median("median", a, axis, out, keepdims, nan=False)


def nanmedian(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: Any = _NoValue) -> Any:
    """``np.nanmedian``: the median of the non-NaN entries (NaN for an all-NaN slice)."""
    return _median("nanmedian", a, axis, out, keepdims, nan=True)


_QUANTILE_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _lerp(a: Any, b: Any, t: Any) -> Any:
    # NumPy's form: a + (b - a) t below t = 1/2, b - (b - a)(1 - t) from there on.
    d = subtract_p.bind(b, a)
    lo = add_p.bind(a, multiply_p.bind(d, t))
    hi = subtract_p.bind(b, multiply_p.bind(d, subtract_p.bind(1.0, t)))
    return where_p.bind(greater_equal(t, 0.5), hi, lo)


def _quantile(name: str, a: Any, q: Any, axis: Any, method: str, keepdims: Any, nan: bool, kw: dict) -> Any:
    _no_out(name, {"out": kw.pop("out", None)})
    kw.pop("overwrite_input", None)
    weights = kw.pop("weights", None)
    interpolation = kw.pop("interpolation", None)
    if kw:
        raise TypeError(f"{name}: unexpected arguments {sorted(kw)}")
    if weights is not None:
        raise TypeError(f"{name}: weights= is not supported on traced values (it needs method='inverted_cdf')")
    if interpolation is not None:
        method = interpolation
    if method not in _QUANTILE_METHODS:
        raise ValueError(
            f"{name}: method={method!r} is not supported on traced values; use one of {', '.join(_QUANTILE_METHODS)}"
        )
    keepdims = bool(_kw_default(keepdims, False))
    continuous = method in ("linear", "midpoint")
    if continuous or nan:
        a = _float(a)
    xs = shape_of(a)
    flat, kept, axes = _to_last(a, axis)
    n = shape_of(flat)[-1]
    qs = shape_of(q)
    nq = 1
    for v in qs:
        nq *= v
    s = sort(flat, axis=-1)
    k = len(kept)
    qf = reshape(q, (1,) * k + (nq,))  # broadcast against the kept axes
    if nan:
        cnt = astype(_valid_count(flat, -1, True, np.intp), dtype_of(q) if _is_inexact(q) else np.float64)
    else:
        cnt = float(n)
    last = subtract_p.bind(cnt, 1.0)
    vi = multiply_p.bind(qf, last)  # the virtual index
    if method == "nearest":
        vi = rint_p.bind(vi)
    lo = floor_p.bind(vi)
    lo_c = minimum_p.bind(maximum_p.bind(lo, 0.0), maximum_p.bind(last, 0.0))
    hi_c = minimum_p.bind(add_p.bind(lo_c, 1.0), maximum_p.bind(last, 0.0))
    if method == "higher":
        lo_c = minimum_p.bind(maximum_p.bind(_ceil(vi), 0.0), maximum_p.bind(last, 0.0))
    full = kept + (nq,)
    li = broadcast_to(astype(lo_c, np.intp), full)
    va = _gather(s, li, k)
    if method in ("lower", "higher", "nearest"):
        r = va
    else:
        vb = _gather(s, broadcast_to(astype(hi_c, np.intp), full), k)
        if method == "linear":
            g = subtract_p.bind(vi, lo_c)
        else:  # midpoint: halfway unless the virtual index is an integer
            g = where_p.bind(equal(vi, lo), 0.0, 0.5)
        r = _lerp(va, vb, astype(broadcast_to(g, full), dtype_of(s)))
    if nan:
        r = where_p.bind(equal(cnt, 0.0), math.nan, r)
    elif n:
        r = where_p.bind(isnan(getitem(s, (Ellipsis, slice(n - 1, n)))), math.nan, r) if _is_inexact(s) else r
    # (kept..., nq) -> q.shape + kept (NumPy puts the quantile axes first)
    r = moveaxis(r, -1, 0)
    r = reshape(r, qs + kept)
    if keepdims:
        r = reshape(r, qs + tuple(1 if i in axes else v for i, v in enumerate(xs)))
    return r


def _ceil(x: Any) -> Any:
    from .elementwise import ceil_p

    return ceil_p.bind(x)


def _check_q(name: str, q: Any, scale: float) -> Any:
    if isinstance(q, Tracer):
        return q if scale == 1.0 else true_divide_p.bind(q, scale)
    qa = np.asanyarray(q)
    if not np.issubdtype(qa.dtype, np.number) or np.issubdtype(qa.dtype, np.complexfloating):
        raise TypeError(f"{name}: q must be real numbers")
    qa = qa / scale if scale != 1.0 else qa.astype(np.result_type(qa.dtype, np.float64) if qa.dtype.kind in "iub" else qa.dtype)
    if qa.size and not (np.all(qa >= 0) and np.all(qa <= 1)):
        raise ValueError("Percentiles must be in the range [0, 100]" if scale != 1.0 else "Quantiles must be in the range [0, 1]")
    return qa


def quantile(a: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False, **kw: Any) -> Any:
    """``np.quantile`` (methods linear, lower, higher, nearest, midpoint); differentiable in
    ``a`` and, for ``linear``, in ``q``."""
    return _quantile("quantile", a, _check_q("quantile", q, 1.0), axis, method, keepdims, False, kw)


def percentile(a: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False, **kw: Any) -> Any:
    """``np.percentile``: ``quantile(a, q / 100)``."""
    return _quantile("percentile", a, _check_q("percentile", q, 100.0), axis, method, keepdims, False, kw)


def nanquantile(a: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: Any = _NoValue, **kw: Any) -> Any:
    """``np.nanquantile``: quantiles of the non-NaN entries."""
    return _quantile("nanquantile", a, _check_q("nanquantile", q, 1.0), axis, method, keepdims, True, kw)


def nanpercentile(a: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: Any = _NoValue, **kw: Any) -> Any:
    """``np.nanpercentile``."""
    return _quantile("nanpercentile", a, _check_q("nanpercentile", q, 100.0), axis, method, keepdims, True, kw)
