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
from .reduce import _arg_batch, all_, cumprod, cumsum, max, mean, min, prod
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
scatter_along_axis_p.defvjp(
    lambda ct, ans, c, idx, axis, shape: take_along_axis_p.bind(ct, idx, axis=axis), None, save="args"
)
scatter_along_axis_p.defjvp(
    lambda ts, ans, c, idx, axis, shape: scatter_along_axis_p.bind(ts[0], idx, axis=axis, shape=shape)
)


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
    arr, indices = _asarray(arr), _asarray(indices)
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
    a = _asarray(a)
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
    a = _asarray(a)
    _no_order("argpartition", order)
    if axis is None:
        a, axis = ravel(a), 0
    return argpartition_p.bind(a, kth=_kth(kth), axis=one_axis(axis, ndim_of(a)), kind=kind)


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
    return _gather(a, argpartition_p.bind(a, kth=_kth(kth), axis=axis, kind=kind), axis)


def _searchsorted_batch(vals: list, b: list, size: int, **params: Any) -> Any:
    if not b[0] and not (len(b) > 2 and b[2]):  # sorted array shared: searchsorted is elementwise in v
        return searchsorted_p.bind(*vals, **params)
    return _loop_rule(searchsorted_p, vals, b, size, params)


searchsorted_p = _nondiff("searchsorted", lambda a, v, side: np.searchsorted(a, v, side=side))
searchsorted_p.batch = _searchsorted_batch


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """``np.searchsorted`` (integer result, not differentiated)."""
    a = _asarray(a)
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
    a = _asarray(a)
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
    res = all_(isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    return res if isinstance(res, Tracer) else builtins.bool(res)


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    """``np.array_equal`` (not differentiated)."""
    if shape_of(a1) != shape_of(a2):
        return False
    eq = equal(a1, a2)
    if equal_nan and _is_inexact(a1) and _is_inexact(a2):
        eq = logical_or_(eq, logical_and(isnan(a1), isnan(a2)))
    res = all_(eq)
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
    a = _asarray(a)
    _no_out("nansum", {"out": out, **kw})
    return sum(_nan_to(a, 0.0), axis=axis, dtype=dtype, keepdims=bool(_kw_default(keepdims, False)))


def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanprod``: NaNs count as one (and get zero gradient)."""
    a = _asarray(a)
    _no_out("nanprod", {"out": out, **kw})
    return prod(_nan_to(a, 1.0), axis=axis, dtype=dtype, keepdims=bool(_kw_default(keepdims, False)))


def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``np.nancumsum``."""
    a = _asarray(a)
    _no_out("nancumsum", {"out": out})
    return cumsum(_nan_to(a, 0.0), axis=axis, dtype=dtype)


def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``np.nancumprod``."""
    a = _asarray(a)
    _no_out("nancumprod", {"out": out})
    return cumprod(_nan_to(a, 1.0), axis=axis, dtype=dtype)


def _check_inexact_dtype(name: str, a: Any, dtype: Any) -> None:
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.inexact):
        raise TypeError(f"{name}: if a is inexact, dtype must be inexact")


def _valid_count(a: Any, axis: Any, keepdims: bool, dt: Any) -> Any:
    return sum(astype(logical_not(isnan(a)), dt), axis=axis, keepdims=keepdims)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanmean``: the mean of the non-NaN entries (NaN for an all-NaN slice)."""
    a = _asarray(a)
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
    a = _asarray(a)
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
    a = _asarray(a)
    _no_out(name, {"out": out, **kw})
    keepdims = bool(_kw_default(keepdims, False))
    if not _is_inexact(a):
        return red(a, axis=axis, keepdims=keepdims)
    mask = isnan(a)
    res = red(where_p.bind(mask, fill, a), axis=axis, keepdims=keepdims)
    allnan = all_(mask, axis=axis, keepdims=keepdims)
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
    a = _asarray(a)
    _no_out("nanargmax", {"out": out})
    ax = None if axis is None else one_axis(axis, ndim_of(a))
    return nanargmax_p.bind(a, axis=ax, keepdims=bool(_kw_default(keepdims, False)))


def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
    a = _asarray(a)
    _no_out("nanargmin", {"out": out})
    ax = None if axis is None else one_axis(axis, ndim_of(a))
    return nanargmin_p.bind(a, axis=ax, keepdims=bool(_kw_default(keepdims, False)))


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
    a = _asarray(a)
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


def _q_dtype(q: Any, percent: bool = False) -> Any:
    """What ``q`` contributes to the result dtype (NumPy: Python numbers are weak; an integer
    array of percentiles becomes float64 when divided by 100)."""
    if isinstance(q, (bool, int)):
        return None
    if isinstance(q, float):
        return q
    dt = dtype_of(_asarray(q))
    if np.issubdtype(dt, np.inexact):
        return dt
    return np.dtype(np.float64) if percent else None


def _quantile(
    name: str, a: Any, q: Any, axis: Any, method: str, keepdims: Any, nan: bool, kw: dict, qdt: Any = None
) -> Any:
    a = _asarray(a)
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
    if continuous and qdt is not None:
        r = astype(r, np.result_type(dtype_of(r), qdt))
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
    return _quantile("quantile", a, _check_q("quantile", q, 1.0), axis, method, keepdims, False, kw, _q_dtype(q))


def percentile(a: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: bool = False, **kw: Any) -> Any:
    """``np.percentile``: ``quantile(a, q / 100)``."""
    return _quantile("percentile", a, _check_q("percentile", q, 100.0), axis, method, keepdims, False, kw, _q_dtype(q, True))


def nanquantile(a: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: Any = _NoValue, **kw: Any) -> Any:
    """``np.nanquantile``: quantiles of the non-NaN entries."""
    return _quantile("nanquantile", a, _check_q("nanquantile", q, 1.0), axis, method, keepdims, True, kw, _q_dtype(q))


def nanpercentile(a: Any, q: Any, axis: Any = None, method: str = "linear", keepdims: Any = _NoValue, **kw: Any) -> Any:
    """``np.nanpercentile``."""
    return _quantile("nanpercentile", a, _check_q("nanpercentile", q, 100.0), axis, method, keepdims, True, kw, _q_dtype(q, True))


# =========================================================================== differences


def _edge_block(v: Any, a: Any, axis: int) -> Any:
    v = _asarray(v)
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
    a = _asarray(a)
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
    hi = _index_along(axis, nd, slice(1, None))
    lo = _index_along(axis, nd, slice(None, -1))
    for _ in range(n):
        a = op(getitem(a, hi), getitem(a, lo))
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """``np.ediff1d``: differences of the flattened array, with optional ends."""
    ary = ravel(_asarray(ary))
    dt = dtype_of(ary)

    def end(v: Any, name: str) -> Any:
        v = _asarray(v)
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
    h = _asarray(h)
    if ndim_of(h) == 0:
        return h, True
    if ndim_of(h) != 1:
        raise ValueError("distances must be either scalars or 1d")
    if shape_of(h)[0] != n:
        raise ValueError("when 1d, distances must match the length of the corresponding dimension")
    if not _is_inexact(h):
        h = astype(h, np.float64)
    d = diff(h)
    if not isinstance(d, Tracer) and np.all(d == d[0]):
        return d[0], True
    return d, False


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """``np.gradient``: second-order central differences inside, first- or second-order
    one-sided ones at the edges; spacings may be scalars or coordinate arrays."""
    f = _asarray(f)
    nd = ndim_of(f)
    axes = normalize_axis(axis, nd) if axis is not None else tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axes = (one_axis(axis, nd),)
    elif axis is not None:
        axes = tuple(one_axis(a, nd) for a in axis)
    if len(varargs) == 0:
        hs = [1.0] * len(axes)
    elif len(varargs) == 1 and ndim_of(_asarray(varargs[0])) == 0:
        hs = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        hs = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    if not _is_inexact(f):
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
            return getitem(f, _index_along(ax, nd, s))

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
    y = _asarray(y)
    nd = ndim_of(y)
    axis = one_axis(axis, nd)
    if x is None:
        d = dx
    else:
        x = _asarray(x)
        if ndim_of(x) == 1:
            d = diff(x)
            d = reshape(d, tuple(shape_of(d)[0] if i == axis else 1 for i in range(nd)))
        else:
            d = diff(x, axis=axis)
    hi = getitem(y, _index_along(axis, nd, slice(1, None)))
    lo = getitem(y, _index_along(axis, nd, slice(None, -1)))
    return sum(true_divide_p.bind(multiply_p.bind(d, add_p.bind(hi, lo)), 2.0), axis=axis)


def _cumulative(name: str, fn: Any, fill: float, x: Any, axis: Any, dtype: Any, out: Any, include_initial: bool) -> Any:
    _no_out(name, {"out": out})
    x = _asarray(x)
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


# =========================================================================== pad


def _pairs(x: Any, nd: int, as_index: bool = False) -> list:
    """NumPy's broadcasting of ``pad_width``-like arguments to ``nd`` (before, after) pairs;
    traced values are split with differentiable indexing."""
    if x is None:
        return [(None, None)] * nd
    if isinstance(x, Tracer):
        if ndim_of(x) == 0:
            return [(x, x)] * nd
        size = 1
        for v in shape_of(x):
            size *= v
        if size == 2 and shape_of(x) != (2, 1) and ndim_of(x) < 3:
            r = ravel(x)
            return [(getitem(r, 0), getitem(r, 1))] * nd
        b = broadcast_to(x, (nd, 2))
        return [(getitem(b, (i, 0)), getitem(b, (i, 1))) for i in range(nd)]
    arr = np.array(x)
    if as_index:
        arr = np.round(arr).astype(np.intp, copy=False)
    if arr.ndim < 3:
        if arr.size == 1:
            arr = arr.ravel()
            if as_index and arr[0] < 0:
                raise ValueError("index can't contain negative values")
            return [(arr[0], arr[0])] * nd
        if arr.size == 2 and arr.shape != (2, 1):
            arr = arr.ravel()
            if as_index and (arr[0] < 0 or arr[1] < 0):
                raise ValueError("index can't contain negative values")
            return [(arr[0], arr[1])] * nd
    if as_index and arr.size and arr.min() < 0:
        raise ValueError("index can't contain negative values")
    return [tuple(r) for r in np.broadcast_to(arr, (nd, 2)).tolist()]


def _pad_widths(pad_width: Any, nd: int) -> list:
    if isinstance(pad_width, dict):
        seq = [(0, 0)] * nd
        for ax, w in pad_width.items():
            if isinstance(w, (int, np.integer)):
                seq[ax] = (int(w), int(w))
            elif isinstance(w, tuple) and len(w) == 2 and builtins.all(isinstance(v, (int, np.integer)) for v in w):
                seq[ax] = (int(w[0]), int(w[1]))
            else:
                raise TypeError(f"pad: pad_width[{ax!r}] must be an int or a pair of ints, got {w!r}")
        pad_width = seq
    if isinstance(pad_width, Tracer):
        raise TypeError("pad: pad_width must be integers, not a traced value")
    pw = np.asarray(pad_width)
    if pw.dtype.kind != "i":
        raise TypeError("`pad_width` must be of integral type.")
    return [(int(a), int(b)) for a, b in _pairs(pw, nd, as_index=True)]


def _rearrange(x: Any, fn: Any) -> Any:
    """``fn`` applied to the positions of ``x``'s elements, then a gather: exact for NumPy
    functions that only move elements around (pad's edge/wrap/reflect modes, insert, ...)."""
    xs = shape_of(x)
    size = 1
    for v in xs:
        size *= v
    labels = fn(np.arange(size, dtype=np.intp).reshape(xs))
    return getitem(ravel(x), labels)


def _block(v: Any, shape: tuple, dt: Any) -> Any:
    if isinstance(v, Tracer):
        return broadcast_to(astype(v, dt), shape)
    return np.full(shape, v, dtype=dt)


def _apply_rows(x: Any, m: np.ndarray, ax: int) -> Any:
    """``m @ x`` along axis ``ax`` (a fixed linear map of that axis)."""
    xm = moveaxis(x, ax, -1)
    out = einsum("...j,ij->...i", xm, m.astype(dtype_of(x)))
    return moveaxis(out, -1, ax)


_PAD_KWARGS = {
    "empty": (),
    "edge": (),
    "wrap": (),
    "constant": ("constant_values",),
    "linear_ramp": ("end_values",),
    "maximum": ("stat_length",),
    "mean": ("stat_length",),
    "median": ("stat_length",),
    "minimum": ("stat_length",),
    "reflect": ("reflect_type",),
    "symmetric": ("reflect_type",),
}


def pad(array: Any, pad_width: Any, mode: Any = "constant", **kwargs: Any) -> Any:
    """``np.pad`` with every named mode; differentiable in ``array`` and in traced
    ``constant_values``/``end_values``.  Edge/wrap/even-reflect modes are gathers, odd
    reflections and ramps linear maps, the statistic modes the differentiable reductions."""
    if callable(mode):
        raise TypeError("pad: a callable mode is not supported on traced values; use a named mode")
    if not _is_tracer(array, *kwargs.values()):
        return np.pad(array, pad_width, mode, **kwargs)
    if mode not in _PAD_KWARGS:
        raise ValueError(f"mode '{mode}' is not supported")
    bad = set(kwargs) - set(_PAD_KWARGS[mode])
    if bad:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {bad}")
    x = _asarray(array)
    nd = ndim_of(x)
    widths = _pad_widths(pad_width, nd)
    dt = dtype_of(x)
    if mode in ("constant", "empty"):
        values = _pairs(kwargs.get("constant_values", 0) if mode == "constant" else 0, nd)
        for ax, ((b, a), (vb, va)) in enumerate(zip(widths, values)):
            if not (b or a):
                continue
            parts = []
            s = list(shape_of(x))
            if b:
                s[ax] = b
                parts.append(_block(vb, tuple(s), dt))
            parts.append(x)
            if a:
                s[ax] = a
                parts.append(_block(va, tuple(s), dt))
            x = concatenate(parts, ax)
        return x
    xs = shape_of(x)
    if 0 in xs:
        for ax, w in enumerate(widths):
            if xs[ax] == 0 and builtins.any(w):
                raise ValueError(
                    f"can't extend empty axis {ax} using modes other than 'constant' or 'empty'"
                )
        return _rearrange(x, lambda lab: np.pad(lab, widths, "edge"))
    odd = kwargs.get("reflect_type", "even") == "odd"
    if mode in ("edge", "wrap") or (mode in ("reflect", "symmetric") and not odd):
        return _rearrange(x, lambda lab: np.pad(lab, widths, mode))
    if mode in ("reflect", "symmetric"):
        for ax, (b, a) in enumerate(widths):
            if not (b or a):
                continue
            n = shape_of(x)[ax]
            m = np.pad(np.eye(n), ((b, a), (0, 0)), mode, reflect_type="odd")
            parts = [_apply_rows(x, m[:b], ax)] if b else []
            parts.append(x)
            if a:
                parts.append(_apply_rows(x, m[b + n :], ax))
            x = concatenate(parts, ax)
        return x
    if mode == "linear_ramp":
        ends = _pairs(kwargs.get("end_values", 0), nd)
        for ax, ((b, a), (eb, ea)) in enumerate(zip(widths, ends)):
            if not (b or a):
                continue
            n = shape_of(x)[ax]
            parts = []
            if b:
                edge = getitem(x, _index_along(ax, nd, 0))
                parts.append(linspace(eb, edge, num=b, endpoint=False, dtype=dt, axis=ax))
            parts.append(x)
            if a:
                edge = getitem(x, _index_along(ax, nd, n - 1))
                ramp = linspace(ea, edge, num=a, endpoint=False, dtype=dt, axis=ax)
                parts.append(getitem(ramp, _index_along(ax, nd, slice(None, None, -1))))
            x = concatenate(parts, ax)
        return x
    # statistic modes
    func = {"maximum": max, "minimum": min, "mean": mean, "median": median}[mode]
    lengths = _pairs(kwargs.get("stat_length"), nd, as_index=True)
    for ax, ((b, a), (lb, la)) in enumerate(zip(widths, lengths)):
        if not (b or a):
            continue
        n = shape_of(x)[ax]
        lb = n if lb is None or lb > n else int(lb)
        la = n if la is None or la > n else int(la)
        if (lb == 0 or la == 0) and mode in ("maximum", "minimum"):
            raise ValueError("stat_length of 0 yields no value for padding")

        def stat(lo: int, hi: int, ax: int = ax) -> Any:
            with np.errstate(invalid="ignore", divide="ignore"):
                r = func(getitem(x, _index_along(ax, nd, slice(lo, hi))), axis=ax, keepdims=True)
            if np.issubdtype(dt, np.integer):
                r = rint_p.bind(r)
            return astype(r, dt)

        left = stat(0, lb)
        right = left if lb == la == n else stat(n - la, n)
        s = list(shape_of(x))
        parts = []
        if b:
            s[ax] = b
            parts.append(broadcast_to(left, tuple(s)))
        parts.append(x)
        if a:
            s[ax] = a
            parts.append(broadcast_to(right, tuple(s)))
        x = concatenate(parts, ax)
    return x


# =========================================================================== choose / select


def choose(a: Any, choices: Any, out: Any = None, mode: str = "raise") -> Any:
    """``np.choose``: ``choices[a[i]][i]`` with broadcasting; differentiable in ``choices``."""
    _no_out("choose", {"out": out})
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if isinstance(choices, Tracer) or isinstance(choices, np.ndarray):
        choices = [getitem(choices, i) for i in range(shape_of(choices)[0])]
    dt = np.result_type(*(c if isinstance(c, (int, float, complex)) else dtype_of(_asarray(c)) for c in choices))
    choices = [_asarray(c) for c in choices]
    n = len(choices)
    if n == 0:
        raise ValueError("choose: at least one choice is needed")
    idx = _asarray(a)
    if not np.issubdtype(dtype_of(idx), np.integer):
        raise TypeError(f"choose: the index array must be of integer type, got {dtype_of(idx)}")
    if mode == "raise":
        if not isinstance(idx, Tracer) and idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        idx = remainder_p.bind(idx, n)
    else:
        idx = minimum_p.bind(maximum_p.bind(idx, 0), n - 1)
    shape = np.broadcast_shapes(shape_of(idx), *(shape_of(c) for c in choices))
    stacked = stack([broadcast_to(astype(c, dt), shape) for c in choices])
    ib = expand_dims(broadcast_to(idx, shape), 0)
    return getitem(_gather(stacked, ib, 0), 0)


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Any:
    """``np.select``: the first true condition picks the choice; differentiable in the
    choices and ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    conds = [_asarray(c) for c in condlist]
    for i, c in enumerate(conds):
        if dtype_of(c) != np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    choices = [c if isinstance(c, (int, float, complex)) else _asarray(c) for c in choicelist]
    dflt = default if isinstance(default, (int, float, complex)) else _asarray(default)
    try:
        dt = np.result_type(*(c if isinstance(c, (int, float, complex)) else dtype_of(c) for c in choices + [dflt]))
    except TypeError as e:
        raise TypeError(f"Choicelist and default value do not have a common dtype: {e}") from None
    shape = np.broadcast_shapes(*(shape_of(c) for c in conds), *(np.shape(c) for c in choices + [dflt]))
    result = dflt
    for cond, choice in zip(reversed(conds), reversed(choices)):
        result = where_p.bind(cond, choice, result)
    result = astype(_asarray(result) if not isinstance(result, Tracer) else result, dt)
    return broadcast_to(result, shape)


# =========================================================================== triangles, diagonals, products


def _tri_mask(m: Any, k: int, upper: bool) -> np.ndarray:
    s = shape_of(m)
    if upper:
        return ~np.tri(*s[-2:], k=k - 1, dtype=bool)
    return np.tri(*s[-2:], k=k, dtype=bool)


def tril(m: Any, k: int = 0) -> Any:
    """``np.tril`` (a ``where`` with a constant mask)."""
    m = _asarray(m)
    return where_p.bind(_tri_mask(m, k, False), m, zeros_like(m, shape=()))


def triu(m: Any, k: int = 0) -> Any:
    """``np.triu`` (a ``where`` with a constant mask)."""
    m = _asarray(m)
    return where_p.bind(_tri_mask(m, k, True), m, zeros_like(m, shape=()))


def diag(v: Any, k: int = 0) -> Any:
    """``np.diag``: a 1-D ``v`` becomes a matrix with ``v`` on diagonal ``k`` (a scatter);
    a 2-D ``v`` gives its ``k``-th diagonal (a gather)."""
    v = _asarray(v)
    s = shape_of(v)
    k = operator.index(k)
    if len(s) == 1:
        n = s[0] + builtins.abs(k)
        i = np.arange(s[0])
        rows, cols = i + builtins.max(-k, 0), i + builtins.max(k, 0)
        return scatter_add_p.bind(v, idx=(rows, cols), shape=(n, n))
    if len(s) == 2:
        return diagonal(v, k)
    raise ValueError("Input must be 1- or 2-d.")


def diagflat(v: Any, k: int = 0) -> Any:
    """``np.diagflat``."""
    return diag(ravel(_asarray(v)), k)


def kron(a: Any, b: Any) -> Any:
    """``np.kron`` as an outer product over interleaved axes, then a reshape."""
    a, b = _asarray(a), _asarray(b)
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return multiply_p.bind(a, b)
    nd = builtins.max(na, nb)
    sa = (1,) * (nd - na) + shape_of(a)
    sb = (1,) * (nd - nb) + shape_of(b)
    a2 = reshape(a, tuple(v for s in sa for v in (s, 1)))
    b2 = reshape(b, tuple(v for s in sb for v in (1, s)))
    return reshape(multiply_p.bind(a2, b2), tuple(x * y for x, y in zip(sa, sb)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """``np.cross`` for 3- (and deprecated 2-) component vectors along any axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _asarray(a), _asarray(b)
    if ndim_of(a) < 1 or ndim_of(b) < 1:
        raise ValueError("At least one array has zero dimension")
    a = moveaxis(a, one_axis(axisa, ndim_of(a)), -1)
    b = moveaxis(b, one_axis(axisb, ndim_of(b)), -1)
    da, db = shape_of(a)[-1], shape_of(b)[-1]
    if da not in (2, 3) or db not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    if da == 2 or db == 2:
        warnings.warn(
            "Arrays of 2-dimensional vectors are deprecated. Use arrays of "
            "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
            DeprecationWarning,
            stacklevel=2,
        )
    dt = np.promote_types(dtype_of(a), dtype_of(b))
    a, b = astype(a, dt), astype(b, dt)
    a0, a1 = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    b0, b1 = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    a2 = getitem(a, (Ellipsis, 2)) if da == 3 else None
    b2 = getitem(b, (Ellipsis, 2)) if db == 3 else None
    mul, sub = multiply_p.bind, subtract_p.bind
    c2 = sub(mul(a0, b1), mul(a1, b0))
    if da == 2 and db == 2:
        return c2
    if da == 2:
        c0, c1 = mul(a1, b2), negative_p.bind(mul(a0, b2))
    elif db == 2:
        c0, c1 = negative_p.bind(mul(a2, b1)), mul(a2, b0)
    else:
        c0, c1 = sub(mul(a1, b2), mul(a2, b1)), sub(mul(a2, b0), mul(a0, b2))
    c0, c1, c2 = broadcast_arrays(c0, c1, c2)
    cp = stack([c0, c1, c2], axis=-1)
    return moveaxis(cp, -1, one_axis(axisc, ndim_of(cp)))


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:  # noqa: N803  (NumPy's name)
    """``np.vander``: columns are powers of ``x`` (sequential products, as NumPy)."""
    x = _asarray(x)
    if ndim_of(x) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0]
    N = n if N is None else operator.index(N)
    dt = np.promote_types(dtype_of(x), int)
    cols = []
    if N > 0:
        cols.append(np.ones(n, dtype=dt))
    if N > 1:
        p = astype(x, dt)
        cols.append(p)
        for _ in range(N - 2):
            p = multiply_p.bind(p, x)
            cols.append(astype(p, dt))
    if not increasing:
        cols = cols[::-1]
    if not cols:
        return np.zeros((n, 0), dtype=dt)
    return stack(cols, axis=1)


# =========================================================================== convolution


def _flip_last(x: Any) -> Any:
    return getitem(x, (Ellipsis, slice(None, None, -1)))


def _conv_full(a: Any, v: Any) -> Any:
    # One convolution primitive serves NumPy and SciPy (ops/scipy_signal.py); SciPy's direct
    # method gives NumPy's values bit for bit in 1-D.
    from .scipy_signal import convolve_p

    return convolve_p.bind(a, v, mode="full", method="direct")


def _conv_args(name: str, a: Any, v: Any, mode: Any) -> tuple[Any, Any]:
    a, v = _asarray(a), _asarray(v)
    if ndim_of(a) != 1 or ndim_of(v) != 1:
        raise ValueError(f"{name}: a and v must be 1-D arrays")
    if shape_of(a)[0] == 0:
        raise ValueError("a cannot be empty")
    if shape_of(v)[0] == 0:
        raise ValueError("v cannot be empty")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    return a, v


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """``np.convolve`` (modes full, same, valid); differentiable in both arguments."""
    a, v = _conv_args("convolve", a, v, mode)
    full = _conv_full(a, v)
    n, m = shape_of(a)[0], shape_of(v)[0]
    hi, lo = builtins.max(n, m), builtins.min(n, m)
    if mode == "same":
        start = (lo - 1) // 2
        return getitem(full, slice(start, start + hi))
    if mode == "valid":
        return getitem(full, slice(lo - 1, hi))
    return full


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """``np.correlate``: ``c[k] = sum_n a[n + k] conj(v[n])`` (modes full, same, valid)."""
    a, v = _conv_args("correlate", a, v, mode)
    from .ufuncs_extra import _conj_if_complex

    full = _conv_full(a, _flip_last(_conj_if_complex(v)))
    n, m = shape_of(a)[0], shape_of(v)[0]
    hi, lo = builtins.max(n, m), builtins.min(n, m)
    if mode == "same":
        start = (m - 1) // 2 if m <= n else n // 2
        return getitem(full, slice(start, start + hi))
    if mode == "valid":
        return getitem(full, slice(lo - 1, hi))
    return full


# =========================================================================== polynomials


def _poly_coeffs(p: Any) -> Any:
    if isinstance(p, np.poly1d):
        return p.coeffs
    return _asarray(p)


def polyval(p: Any, x: Any) -> Any:
    """``np.polyval`` by Horner's rule (the same operations as NumPy)."""
    p = _poly_coeffs(p)
    x = _asarray(x)
    y = zeros_like(x)
    for i in range(shape_of(p)[0]):
        y = add_p.bind(multiply_p.bind(y, x), getitem(p, i))
    return y


def _poly_pair(a1: Any, a2: Any, op: Any) -> Any:
    a1 = _poly_coeffs(a1)
    a2 = _poly_coeffs(a2)
    a1 = a1 if ndim_of(a1) else reshape(a1, (1,))
    a2 = a2 if ndim_of(a2) else reshape(a2, (1,))
    d = shape_of(a2)[0] - shape_of(a1)[0]
    if d > 0:
        a1 = concatenate([np.zeros(d, dtype=dtype_of(a1)), a1])
    elif d < 0:
        a2 = concatenate([np.zeros(-d, dtype=dtype_of(a2)), a2])
    return op(a1, a2)


def polyadd(a1: Any, a2: Any) -> Any:
    """``np.polyadd`` (coefficient arrays)."""
    return _poly_pair(a1, a2, add_p.bind)


def polysub(a1: Any, a2: Any) -> Any:
    """``np.polysub`` (coefficient arrays)."""
    return _poly_pair(a1, a2, subtract_p.bind)


def polymul(a1: Any, a2: Any) -> Any:
    """``np.polymul``: the convolution of the coefficients."""
    a1, a2 = _poly_coeffs(a1), _poly_coeffs(a2)
    a1 = a1 if ndim_of(a1) else reshape(a1, (1,))
    a2 = a2 if ndim_of(a2) else reshape(a2, (1,))
    return convolve(a1, a2)


def polyder(p: Any, m: int = 1) -> Any:
    """``np.polyder`` (coefficient arrays)."""
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _poly_coeffs(p)
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = multiply_p.bind(getitem(p, slice(None, -1)), np.arange(n, 0, -1))
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """``np.polyint`` (coefficient arrays); the constants ``k`` may be traced."""
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    if k is None:
        k = np.zeros(m, float)
    k = _asarray(k)
    if ndim_of(k) == 0:
        k = reshape(k, (1,))
    if shape_of(k)[0] == 1 and m > 1:
        k = broadcast_to(astype(getitem(k, slice(0, 1)), np.result_type(dtype_of(k), float)), (m,))
    if shape_of(k)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = _poly_coeffs(p)
    for i in range(m):
        n = shape_of(p)[0]
        p = concatenate([true_divide_p.bind(p, np.arange(n, 0, -1)), reshape(getitem(k, i), (1,))])
    return p


# =========================================================================== interp


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """``np.interp``: piecewise-linear interpolation, differentiable in ``x``, ``xp``,
    ``fp``, ``left`` and ``right`` (the interval of each ``x`` is held fixed; at a knot the
    derivative in ``x`` is the slope on its right)."""
    if not _is_tracer(x, xp, fp, left, right, period):
        return np.interp(x, xp, fp, left, right, period)
    x, xp, fp = _asarray(x), _asarray(xp), _asarray(fp)
    if ndim_of(xp) != 1 or ndim_of(fp) != 1:
        raise ValueError("interp: xp and fp must be 1-D sequences")
    if shape_of(xp)[0] != shape_of(fp)[0]:
        raise ValueError("fp and xp are not of the same length.")
    if shape_of(xp)[0] == 0:
        raise ValueError("array of sample points is empty")
    out_dt = np.complex128 if np.issubdtype(dtype_of(fp), np.complexfloating) else np.float64
    x, xp, fp = astype(x, np.float64), astype(xp, np.float64), astype(fp, out_dt)
    if period is not None:
        pv = _concrete("interp", period, required=False)
        if pv is not None and np.any(pv == 0):
            raise ValueError("period must be a non-zero value")
        period = abs_p.bind(period)
        left = right = None
        x = remainder_p.bind(x, period)
        xp = remainder_p.bind(xp, period)
        order = argsort(xp)
        xp, fp = _take(xp, order, 0), _take(fp, order, 0)
        before = subtract_p.bind(getitem(xp, slice(-1, None)), period)
        xp = concatenate([before, xp, add_p.bind(getitem(xp, slice(0, 1)), period)])
        fp = concatenate([getitem(fp, slice(-1, None)), fp, getitem(fp, slice(0, 1))])
    n = shape_of(xp)[0]
    lval = getitem(fp, 0) if left is None else astype(_asarray(left), out_dt)
    rval = getitem(fp, -1) if right is None else astype(_asarray(right), out_dt)
    x_last = getitem(xp, -1)
    if n == 1:
        res = where_p.bind(less(x, x_last), lval, where_p.bind(greater(x, x_last), rval, getitem(fp, 0)))
    else:
        j = subtract_p.bind(searchsorted_p.bind(xp, x, side="right"), 1)
        jc = minimum_p.bind(maximum_p.bind(j, 0), n - 2)
        jn = add_p.bind(jc, 1)
        xa, xb = _take(xp, jc, 0), _take(xp, jn, 0)
        fa, fb = _take(fp, jc, 0), _take(fp, jn, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = true_divide_p.bind(subtract_p.bind(fb, fa), subtract_p.bind(xb, xa))
            res = add_p.bind(multiply_p.bind(slope, subtract_p.bind(x, xa)), fa)
            alt = add_p.bind(multiply_p.bind(slope, subtract_p.bind(x, xb)), fb)
        res = where_p.bind(isnan(res), alt, res)
        res = where_p.bind(logical_and(isnan(res), equal(fa, fb)), fa, res)
        nonfinite = logical_or_(isnan(slope), isinf(slope))
        res = where_p.bind(logical_and(equal(x, xa), nonfinite), fa, res)
        res = where_p.bind(greater_equal(j, n - 1), getitem(fp, -1), res)
        res = where_p.bind(greater(x, x_last), rval, res)
        res = where_p.bind(less(j, 0), lval, res)
    return where_p.bind(isnan(x), x, res) if out_dt == np.float64 else res


# =========================================================================== constructors


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
    *,
    device: Any = None,
) -> Any:
    """``np.linspace``, differentiable in ``start`` and ``stop`` (NumPy's arithmetic)."""
    if not _is_tracer(start, stop):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis, device=device)
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    dt = np.result_type(*(v if isinstance(v, (int, float, complex)) else dtype_of(v) for v in (start, stop)))
    if not np.issubdtype(dt, np.inexact):
        dt = np.dtype(np.float64)
    start, stop = astype(_asarray(start), dt), astype(_asarray(stop), dt)
    delta = subtract_p.bind(stop, start)
    y = np.arange(0, num, dtype=dt).reshape((-1,) + (1,) * ndim_of(delta))
    if div > 0:
        step = true_divide_p.bind(delta, float(div))
        # NumPy scales by delta after dividing where the step underflows to zero
        y = where_p.bind(equal(step, 0.0), multiply_p.bind(y / div, delta), multiply_p.bind(y, step))
    else:
        step = math.nan
        y = multiply_p.bind(y, delta)
    y = add_p.bind(y, start)
    if endpoint and num > 1:
        last = expand_dims(broadcast_to(stop, shape_of(y)[1:]), 0)
        y = concatenate([getitem(y, slice(None, -1)), last], 0)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        if np.issubdtype(np.dtype(dtype), np.integer):
            y = floor_p.bind(y)
        y = astype(y, dtype)
    return (y, step) if retstep else y


def logspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0, dtype: Any = None, axis: int = 0
) -> Any:
    """``np.logspace``: ``base ** linspace(start, stop)``, differentiable in all three."""
    if not _is_tracer(start, stop, base):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    if not isinstance(base, (int, float)) and ndim_of(base):
        nd = len(np.broadcast_shapes(shape_of(start), shape_of(stop), shape_of(base)))
        start, stop, base = (reshape(_asarray(v), (1,) * (nd - ndim_of(v)) + shape_of(v)) for v in (start, stop, base))
        base = expand_dims(base, axis)
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    out = power_p.bind(base, y)
    return out if dtype is None else astype(out, dtype)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0) -> Any:
    """``np.geomspace`` (real values), differentiable in ``start`` and ``stop``."""
    if not _is_tracer(start, stop):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    start, stop = _asarray(start), _asarray(stop)
    for v in (start, stop):
        if np.issubdtype(dtype_of(v), np.complexfloating):
            raise TypeError("geomspace: complex start/stop are not supported on traced values")
    lo = [_concrete("geomspace", v, required=False) for v in (start, stop)]
    if builtins.any(v is not None and np.any(v == 0) for v in lo):
        raise ValueError("Geometric sequence cannot include zero")
    dt = np.result_type(dtype_of(start), dtype_of(stop), float(num), np.zeros((), dtype))
    start, stop = astype(start, dt), astype(stop, dt)
    sgn = sign_p.bind(start)
    start = true_divide_p.bind(start, sgn)
    stop = true_divide_p.bind(stop, sgn)
    res = logspace(log10_p.bind(start), log10_p.bind(stop), num=num, endpoint=endpoint, base=10.0, dtype=dt)
    bshape = shape_of(res)[1:]
    if num > 0:
        parts = [expand_dims(broadcast_to(start, bshape), 0)]
        if num > 1 and endpoint:
            parts += [getitem(res, slice(1, -1)), expand_dims(broadcast_to(stop, bshape), 0)]
        else:
            parts.append(getitem(res, slice(1, None)))
        res = concatenate(parts, 0)
    res = multiply_p.bind(res, sgn)
    if axis != 0:
        res = moveaxis(res, 0, axis)
    return res if dtype is None else astype(res, dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", **kw: Any) -> Any:
    """``np.full``, differentiable in a traced ``fill_value``."""
    if not isinstance(fill_value, Tracer):
        return np.full(shape, fill_value, dtype=dtype, order=order, **kw)
    shape = (operator.index(shape),) if np.ndim(shape) == 0 else tuple(operator.index(s) for s in shape)
    v = fill_value if dtype is None else astype(fill_value, dtype)
    return broadcast_to(v, shape)


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """``np.meshgrid`` (reshapes and broadcasts, so differentiable)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    if not _is_tracer(*xi):
        return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)
    nd = len(xi)
    s0 = (1,) * nd
    out = [reshape(_asarray(x), s0[:i] + (-1,) + s0[i + 1 :]) for i, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        out[0] = reshape(out[0], (1, -1) + s0[2:])
        out[1] = reshape(out[1], (-1, 1) + s0[2:])
    if not sparse:
        out = broadcast_arrays(*out)
    return tuple(out)


# =========================================================================== miscellaneous


def nan_to_num(x: Any, copy: bool = True, nan: Any = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    """``np.nan_to_num``: replaced entries get zero derivative (real arrays)."""
    x = _asarray(x)
    dt = dtype_of(x)
    if not np.issubdtype(dt, np.inexact):
        return x
    if np.issubdtype(dt, np.complexfloating):
        from .. import numpy as wnp

        re = nan_to_num(wnp.real(x), nan=nan, posinf=posinf, neginf=neginf)
        im = nan_to_num(wnp.imag(x), nan=nan, posinf=posinf, neginf=neginf)
        return add_p.bind(re, multiply_p.bind(im, 1j))
    info = np.finfo(dt)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    y = where_p.bind(isnan(x), astype(_asarray(nan), dt), x)
    y = where_p.bind(isposinf(x), astype(_asarray(posinf), dt), y)
    return where_p.bind(isneginf(x), astype(_asarray(neginf), dt), y)


def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: float = 2 * math.pi) -> Any:
    """``np.unwrap``: ``p`` plus a piecewise-constant correction (derivative 1 in ``p``)."""
    p = _asarray(p)
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
        ddmod = where_p.bind(logical_and(equal(ddmod, low), greater(dd, 0)), astype(_asarray(high), dtype_of(ddmod)), ddmod)
    corr = subtract_p.bind(ddmod, dd)
    corr = where_p.bind(less(abs_p.bind(dd), discont), zeros_like(corr, shape=()), corr)
    p = astype(p, dt)
    head = getitem(p, _index_along(axis, nd, slice(0, 1)))
    tail = add_p.bind(getitem(p, _index_along(axis, nd, slice(1, None))), astype(cumsum(corr, axis=axis), dt))
    return concatenate([head, tail], axis)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``np.append``."""
    arr, values = _asarray(arr), _asarray(values)
    if axis is None:
        if ndim_of(arr) != 1:
            arr = ravel(arr)
        values = ravel(values)
        axis = ndim_of(arr) - 1
    return concatenate([arr, values], axis=axis)


def delete(arr: Any, obj: Any, axis: int | None = None) -> Any:
    """``np.delete`` (a gather of the kept elements)."""
    if isinstance(obj, Tracer):
        raise TypeError("delete: obj must be concrete indices, not a traced value")
    return _rearrange(_asarray(arr), lambda lab: np.delete(lab, obj, axis))


def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Any:
    """``np.insert``: a gather from ``arr`` and ``values`` (both differentiable)."""
    if isinstance(obj, Tracer):
        raise TypeError("insert: obj must be concrete indices, not a traced value")
    arr, values = _asarray(arr), _asarray(values)
    na = 1
    for v in shape_of(arr):
        na *= v
    nv = 1
    for v in shape_of(values):
        nv *= v
    lab_a = np.arange(na, dtype=np.intp).reshape(shape_of(arr))
    lab_v = np.arange(na, na + nv, dtype=np.intp).reshape(shape_of(values))
    labels = np.insert(lab_a, obj, lab_v, axis)
    src = concatenate([ravel(arr), astype(ravel(values), dtype_of(arr))])
    return getitem(src, labels)


def _concrete(name: str, x: Any, required: bool = True) -> Any:
    """The value below eager traces (reverse and forward mode), for choices that depend on
    values (result shapes, argument checks).  Under ``vmap`` or graph tracing there is no
    single value: an error when ``required``, else ``None``."""
    from ..core.forward import JVPTracer
    from ..core.reverse import ReverseTracer

    v = x
    while isinstance(v, Tracer):
        if not isinstance(v, (ReverseTracer, JVPTracer)):
            if not required:
                return None
            hint = "; use wengert.numpy.where instead" if name in ("extract", "compress") else ""
            raise TypeError(
                f"{name}: the result's shape depends on the values, which are not known here "
                f"(batched by vmap or traced into a graph){hint}"
            )
        v = v.primal
    return np.asarray(v)


def _concrete_mask(name: str, cond: Any) -> np.ndarray:
    return _concrete(name, cond)


def extract(condition: Any, arr: Any) -> Any:
    """``np.extract``: ``ravel(arr)[ravel(condition) != 0]``."""
    cond = _concrete_mask("extract", condition)
    return getitem(ravel(_asarray(arr)), np.ravel(cond) != 0)


def compress(condition: Any, a: Any, axis: int | None = None, out: Any = None) -> Any:
    """``np.compress``: the slices along ``axis`` where ``condition`` is true."""
    _no_out("compress", {"out": out})
    cond = _concrete_mask("compress", condition)
    if np.ndim(cond) != 1:
        raise ValueError("condition must be a 1-d array")
    a = _asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = one_axis(axis, ndim_of(a))
    idx = np.nonzero(cond)[0]
    if idx.size and idx[-1] >= shape_of(a)[axis]:
        raise IndexError(f"index {idx[-1]} is out of bounds for axis {axis} with size {shape_of(a)[axis]}")
    return getitem(a, _index_along(axis, ndim_of(a), idx))


def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """``np.piecewise``: each function is applied to the entries its condition selects (a
    differentiable scatter; inside ``vmap``, where conditions are traced, a ``where``)."""
    x = _asarray(x)
    n2 = len(funclist)
    if np.isscalar(condlist) or isinstance(condlist, Tracer) and ndim_of(condlist) == ndim_of(x) and ndim_of(x) != 0 or (
        not isinstance(condlist, Tracer) and not isinstance(condlist[0], (list, np.ndarray, Tracer)) and ndim_of(x) != 0
    ):
        condlist = [condlist]
    conds = [c if isinstance(c, Tracer) else np.asarray(c, dtype=bool) for c in condlist]
    if len(conds) == n2 - 1:
        from .reduce import any_

        other = logical_not(any_(stack(conds) if _is_tracer(*conds) else np.stack(conds), axis=0))
        conds.append(other)
    elif len(conds) != n2:
        raise ValueError(f"with {len(conds)} condition(s), either {len(conds)} or {len(conds) + 1} functions are expected")
    from .indexing import at

    y = zeros_like(x)
    for cond, func in zip(conds, funclist):
        if isinstance(cond, Tracer):
            val = func(x, *args, **kw) if callable(func) else func
            y = where_p.bind(cond, astype(_asarray(val), dtype_of(y)) if not isinstance(val, Tracer) else val, y)
            continue
        cond = np.broadcast_to(cond, shape_of(x))
        if callable(func):
            vals = getitem(x, cond)
            if shape_of(vals)[0] == 0:
                continue
            val = func(vals, *args, **kw)
        else:
            val = func
        y = at(y)[cond].set(astype(_asarray(val), dtype_of(y)) if not isinstance(val, Tracer) else val)
    return y


def bincount(x: Any, weights: Any = None, minlength: int = 0) -> Any:
    """``np.bincount``: differentiable in ``weights`` (a scatter-add)."""
    if isinstance(x, Tracer):
        raise TypeError("bincount: the integer array x must be concrete, not traced")
    x = np.asarray(x)
    if weights is None or not isinstance(weights, Tracer):
        return np.bincount(x, weights, minlength)
    if x.ndim != 1:
        raise ValueError("object too deep for desired array")
    if shape_of(weights) != x.shape:
        raise ValueError("The weights and list don't have the same length.")
    if x.size and x.min() < 0:
        raise ValueError("'list' argument must have no negative elements")
    n = builtins.max(int(x.max()) + 1 if x.size else 0, operator.index(minlength))
    # NumPy accumulates the weights in float64.
    return scatter_add_p.bind(astype(weights, np.float64), idx=(x,), shape=(n,))


def cov(
    m: Any,
    y: Any = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: int | None = None,
    fweights: Any = None,
    aweights: Any = None,
    *,
    dtype: Any = None,
) -> Any:
    """``np.cov`` (with frequency and analytic weights as constants)."""
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = _asarray(m)
    if ndim_of(m) > 2:
        raise ValueError("m has more than 2 dimensions")
    if dtype is None:
        dtype = np.result_type(dtype_of(m), np.float64) if y is None else np.result_type(dtype_of(m), dtype_of(y), np.float64)
    X = astype(m if ndim_of(m) == 2 else reshape(m, (1, -1)), dtype)
    if not rowvar and shape_of(X)[0] != 1:
        X = transpose(X)
    if shape_of(X)[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        y = _asarray(y)
        if ndim_of(y) > 2:
            raise ValueError("y has more than 2 dimensions")
        Y = astype(y if ndim_of(y) == 2 else reshape(y, (1, -1)), dtype)
        if not rowvar and shape_of(Y)[0] != 1:
            Y = transpose(Y)
        X = concatenate([X, Y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    if fweights is not None:
        fw = np.asarray(fweights, dtype=float)
        if not np.all(fw == np.around(fw)):
            raise TypeError("fweights must be integer")
        if fw.ndim > 1:
            raise RuntimeError("cannot handle multidimensional fweights")
        if fw.shape[0] != shape_of(X)[1]:
            raise RuntimeError("incompatible numbers of samples and fweights")
        if np.any(fw < 0):
            raise ValueError("fweights cannot be negative")
        w = fw
    aw = None
    if aweights is not None:
        aw = np.asarray(aweights, dtype=float)
        if aw.ndim > 1:
            raise RuntimeError("cannot handle multidimensional aweights")
        if aw.shape[0] != shape_of(X)[1]:
            raise RuntimeError("incompatible numbers of samples and aweights")
        if np.any(aw < 0):
            raise ValueError("aweights cannot be negative")
        w = aw if w is None else w * aw
    if w is None:
        avg = mean(X, axis=1)
        fact = shape_of(X)[1] - ddof
    else:
        w_sum = float(w.sum())
        avg = true_divide_p.bind(sum(multiply_p.bind(X, w.astype(dtype)), axis=1), w_sum)
        if ddof == 0:
            fact = w_sum
        elif aw is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * float((w * aw).sum()) / w_sum
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    X = subtract_p.bind(X, expand_dims(avg, 1))
    XT = transpose(X) if w is None else transpose(multiply_p.bind(X, w.astype(dtype)))
    from .ufuncs_extra import _conj_if_complex

    c = einsum("ij,jk->ik", X, _conj_if_complex(XT))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = multiply_p.bind(c, np.true_divide(1, fact))
    s = shape_of(c)
    return reshape(c, tuple(v for v in s if v != 1))


def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """``np.corrcoef``: ``cov`` scaled by the standard deviations (clipped to [-1, 1])."""
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim_of(c) == 0:
        return true_divide_p.bind(c, c)
    d = diagonal(c)
    sd = sqrt_p.bind(d)
    c = true_divide_p.bind(c, expand_dims(sd, 1))
    c = true_divide_p.bind(c, expand_dims(sd, 0))
    if np.issubdtype(dtype_of(c), np.complexfloating):
        return c
    return minimum_p.bind(maximum_p.bind(c, -1.0), 1.0)


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``np.rollaxis``."""
    a = _asarray(a)
    nd = ndim_of(a)
    axis = one_axis(axis, nd)
    msg = "'%s' arg requires %d <= %s < %d, but %d was passed in"
    if not (-nd <= start <= nd):
        raise np.exceptions.AxisError(msg % ("start", -nd, "start", nd + 1, start))
    if start < 0:
        start += nd
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = [i for i in range(nd) if i != axis]
    order.insert(start, axis)
    return transpose(a, order)


def dstack(tup: Sequence[Any]) -> Any:
    """``np.dstack``."""
    from .shape import atleast_3d

    arrs = [atleast_3d(_asarray(a)) for a in tup]
    return concatenate(arrs, axis=2)


def concat(arrays: Sequence[Any], /, *, axis: int | None = 0, **kw: Any) -> Any:
    """``np.concat`` (the array-API name of concatenate)."""
    return concatenate(arrays, axis=axis, **kw)


def permute_dims(a: Any, /, axes: Any = None) -> Any:
    """``np.permute_dims`` (the array-API name of transpose)."""
    a = _asarray(a)
    return transpose(a, axes)


def matrix_transpose(x: Any, /) -> Any:
    """``np.matrix_transpose``: swap the last two axes."""
    x = _asarray(x)
    if ndim_of(x) < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {ndim_of(x)}")
    from .shape import swapaxes

    return swapaxes(x, -1, -2)


def unstack(x: Any, /, *, axis: int = 0) -> tuple:
    """``np.unstack``: the slices along ``axis``."""
    x = _asarray(x)
    nd = ndim_of(x)
    if nd == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = one_axis(axis, nd)
    return tuple(getitem(x, _index_along(axis, nd, i)) for i in range(shape_of(x)[axis]))


isin_p = _nondiff(
    "isin",
    lambda element, test_elements, invert, kind: np.isin(element, test_elements, invert=invert, kind=kind),
)


def _isin_batch(vals: list, b: list, size: int, **params: Any) -> Any:
    if not b[1]:
        return isin_p.bind(*vals, **params)
    return _loop_rule(isin_p, vals, b, size, params)


isin_p.batch = _isin_batch


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False, *, kind: Any = None) -> Any:
    """``np.isin`` (boolean result, not differentiated)."""
    return isin_p.bind(element, test_elements, invert=bool(invert), kind=kind)


# =========================================================================== more of NumPy's namespace


def _dtype_stand_in(v: Any) -> Any:
    """Dtype queries see a traced value as its dtype (or an empty array of it)."""
    return dtype_of(v) if isinstance(v, Tracer) else v


def result_type(*arrays_and_dtypes: Any) -> Any:
    """``np.result_type``; traced values count by their dtype."""
    return np.result_type(*(_dtype_stand_in(v) for v in arrays_and_dtypes))


def can_cast(from_: Any, to: Any, casting: str = "safe") -> bool:
    """``np.can_cast``; a traced value counts by its dtype."""
    return np.can_cast(_dtype_stand_in(from_), to, casting=casting)


def common_type(*arrays: Any) -> Any:
    """``np.common_type``."""
    return np.common_type(*(np.empty(0, dtype_of(a)) if isinstance(a, Tracer) else a for a in arrays))


def _shape_stand_in(a: Any) -> Any:
    return np.broadcast_to(np.zeros((), dtype_of(a)), shape_of(a)) if isinstance(a, Tracer) else a


def tril_indices_from(arr: Any, k: int = 0) -> tuple:
    """``np.tril_indices_from`` (depends on the shape only)."""
    return np.tril_indices_from(_shape_stand_in(arr), k)


def triu_indices_from(arr: Any, k: int = 0) -> tuple:
    """``np.triu_indices_from`` (depends on the shape only)."""
    return np.triu_indices_from(_shape_stand_in(arr), k)


def diag_indices_from(arr: Any) -> tuple:
    """``np.diag_indices_from`` (depends on the shape only)."""
    return np.diag_indices_from(_shape_stand_in(arr))


def array_equiv(a1: Any, a2: Any) -> Any:
    """``np.array_equiv``: broadcastable and equal everywhere (not differentiated)."""
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return False
    res = all_(equal(a1, a2))
    return res if isinstance(res, Tracer) else builtins.bool(res)


lexsort_p = _nondiff("lexsort", lambda keys, axis: np.lexsort(keys, axis=axis))
# keys (k, ...) batched as (B, k, ...): the batch becomes the first axis of each key
lexsort_p.batch = lambda vals, b, size, axis: lexsort_p.bind(moveaxis(vals[0], 0, 1), axis=axis + 1)


def lexsort(keys: Any, axis: int = -1) -> Any:
    """``np.lexsort`` (integer result, not differentiated)."""
    if isinstance(keys, (list, tuple)):
        keys = stack([_asarray(k) for k in keys]) if _is_tracer(*keys) else np.asarray(keys)
    nd = ndim_of(keys) - 1
    if nd < 1:
        return np.lexsort(keys, axis=axis) if not isinstance(keys, Tracer) else lexsort_p.bind(keys, axis=-1)
    return lexsort_p.bind(keys, axis=one_axis(axis, nd))


def dsplit(ary: Any, indices_or_sections: Any) -> list:
    """``np.dsplit``: split along the third axis."""
    ary = _asarray(ary)
    if ndim_of(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    from .shape import split

    return split(ary, indices_or_sections, 2)


def _block_depth(arrays: Any, index: tuple = ()) -> tuple[int, int]:
    """(list nesting depth, largest ndim of the leaves), checking NumPy's rules."""
    if isinstance(arrays, tuple):
        raise TypeError(
            f"{index} is a tuple. Only lists can be used to arrange blocks, and np.block does "
            "not allow implicit conversion from tuple to ndarray."
        )
    if isinstance(arrays, list):
        if len(arrays) == 0:
            raise ValueError(f"List at {index} cannot be empty")
        depths = [_block_depth(a, index + (i,)) for i, a in enumerate(arrays)]
        first = depths[0][0]
        for i, (d, _) in enumerate(depths):
            if d != first:
                raise ValueError(
                    f"List depths are mismatched. First element was at depth {first + 1}, but there "
                    f"is an element at depth {d + 1} ({index + (i,)})"
                )
        return first + 1, builtins.max(n for _, n in depths)
    return 0, ndim_of(_asarray(arrays))


def block(arrays: Any) -> Any:
    """``np.block``: nested lists of arrays joined by concatenation (differentiable)."""
    depth, nd = _block_depth(arrays)
    nd = builtins.max(depth, nd)

    def rec(a: Any, level: int) -> Any:
        if level < depth:
            return concatenate([rec(b, level + 1) for b in a], axis=-(depth - level))
        a = _asarray(a)
        return reshape(a, (1,) * (nd - ndim_of(a)) + shape_of(a))

    return rec(arrays, 0)


def resize(a: Any, new_shape: Any) -> Any:
    """``np.resize``: the flattened array repeated to fill ``new_shape`` (a gather)."""
    new_shape = (operator.index(new_shape),) if np.ndim(new_shape) == 0 else tuple(operator.index(s) for s in new_shape)
    if builtins.any(s < 0 for s in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    a = ravel(_asarray(a))
    size = shape_of(a)[0]
    n = 1
    for s in new_shape:
        n *= s
    if size == 0 or n == 0:
        return np.zeros(new_shape, dtype=dtype_of(a))
    return reshape(getitem(a, np.arange(n) % size), new_shape)


def _concrete_values(name: str, x: Any) -> np.ndarray:
    return _concrete(name, x)


def trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    """``np.trim_zeros``: a slice chosen from the (concrete) values; differentiable."""
    vals = _concrete_values("trim_zeros", filt)
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    nd = vals.ndim
    axes = tuple(range(nd)) if axis is None else normalize_axis(axis, nd)
    if not axes:
        return filt
    nz = np.argwhere(vals)
    if nz.size == 0:
        lo = hi = [0] * nd
    else:
        lo = nz.min(0).tolist() if "f" in trim else [None] * nd
        hi = (nz.max(0) + 1).tolist() if "b" in trim else [None] * nd
    return getitem(_asarray(filt), tuple(slice(lo[a], hi[a]) if a in axes else slice(None) for a in range(nd)))


def poly(seq_of_zeros: Any) -> Any:
    """``np.poly`` for a 1-D sequence of real roots: repeated convolution with ``[1, -z]``."""
    z = _asarray(seq_of_zeros)
    if ndim_of(z) != 1:
        raise TypeError("poly: only a 1-D sequence of roots is supported on traced values")
    if np.issubdtype(dtype_of(z), np.complexfloating):
        raise TypeError("poly: complex roots are not supported on traced values")
    dt = np.result_type(dtype_of(z), np.float64) if not _is_inexact(z) else dtype_of(z)
    a = np.ones(1, dtype=dt)
    for i in range(shape_of(z)[0]):
        a = convolve(a, stack([np.ones((), dt), negative_p.bind(astype(getitem(z, i), dt))]))
    return a


def polydiv(u: Any, v: Any) -> tuple:
    """``np.polydiv``: quotient and remainder by long division (differentiable)."""
    u, v = _poly_coeffs(u), _poly_coeffs(v)
    u = u if ndim_of(u) else reshape(u, (1,))
    v = v if ndim_of(v) else reshape(v, (1,))
    dt = np.result_type(dtype_of(u), dtype_of(v), 0.0)  # NumPy's ``+ 0.0``: float32 stays
    u, v = astype(u, dt), astype(v, dt)
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = true_divide_p.bind(1.0, getitem(v, 0))
    q = []
    r = u
    for k in range(0, m - n + 1):
        d = multiply_p.bind(scale, getitem(r, k))
        q.append(d)
        seg = subtract_p.bind(getitem(r, slice(k, k + n + 1)), multiply_p.bind(d, v))
        r = concatenate([p for p in (getitem(r, slice(0, k)), seg, getitem(r, slice(k + n + 1, None))) if shape_of(p)[0]])
    q = stack(q) if q else np.zeros(1, dt)
    rv = _concrete_values("polydiv", r)
    start = 0
    while start < rv.shape[-1] - 1 and np.allclose(rv[start], 0, rtol=1e-14):
        start += 1
    return q, getitem(r, slice(start, None))


def apply_along_axis(func1d: Any, axis: int, arr: Any, *args: Any, **kwargs: Any) -> Any:
    """``np.apply_along_axis``: ``func1d`` on every 1-D slice (a Python loop), stacked."""
    arr = _asarray(arr)
    nd = ndim_of(arr)
    axis = one_axis(axis, nd)
    moved = moveaxis(arr, axis, -1)
    outer = shape_of(moved)[:-1]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    res = [_asarray(func1d(getitem(moved, ix), *args, **kwargs)) for ix in np.ndindex(*outer)]
    out = reshape(stack(res), outer + shape_of(res[0]))
    k = ndim_of(res[0])
    return moveaxis(out, tuple(range(len(outer), len(outer) + k)), tuple(range(axis, axis + k))) if k else out


def apply_over_axes(func: Any, a: Any, axes: Any) -> Any:
    """``np.apply_over_axes``."""
    val = _asarray(a)
    nd = ndim_of(val)
    for ax in (axes,) if np.ndim(axes) == 0 else axes:
        ax = int(ax) + nd if ax < 0 else int(ax)
        res = _asarray(func(val, ax))
        if ndim_of(res) == ndim_of(val):
            val = res
        else:
            res = expand_dims(res, ax)
            if ndim_of(res) != ndim_of(val):
                raise ValueError("function is not returning an array of the correct shape")
            val = res
    return val


def i0(x: Any) -> Any:
    """``np.i0``: the modified Bessel function of order 0 (derivative ``i1``)."""
    from .special import i0_p

    x = _asarray(x)
    if np.issubdtype(dtype_of(x), np.complexfloating):
        raise TypeError("i0 not supported for complex values")
    return i0_p.bind(x if _is_inexact(x) else astype(x, np.float64))
