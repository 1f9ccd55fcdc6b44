"""Gathers and scatters along one axis whose *indices are an argument*: the primitives
``take_along_axis`` and its transpose ``scatter_along_axis``, with their rules.

The indices are an operand, not a static parameter, because indices computed inside
``vmap`` (e.g. by ``argsort`` of a batched value) are themselves batched, which a static
index cannot express.  With plain (untraced) indices the existing ``getitem`` is used
instead: ``_gather`` and ``_take`` choose between the two, and the facade's sort,
partition, median, quantile, choose and interp are built on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import INT, SHAPE, declare
from ._util import as_array, dtype_of, index_along, ndim_of, one_axis, shape_of
from .indexing import getitem
from .shape import broadcast_to, expand_dims, ravel, reshape

__all__ = ["scatter_along_axis_p", "take_along_axis", "take_along_axis_p"]


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
        return getitem(arr, index_along(axis, nd, np.asarray(idx)))
    ish = shape_of(idx)
    if not ish:
        return getitem(_gather(arr, reshape(idx, (1,) * nd), axis), index_along(axis, nd, 0))
    s = shape_of(arr)
    a = reshape(arr, s[:axis] + (s[axis],) + (1,) * (len(ish) - 1) + s[axis + 1 :])
    i = reshape(idx, (1,) * axis + ish + (1,) * (nd - axis - 1))
    return _gather(a, i, axis)


def take_along_axis(arr: Any, indices: Any, axis: int | None = -1) -> Any:
    """``np.take_along_axis``; differentiable in ``arr`` (indices may be traced)."""
    arr, indices = as_array(arr), as_array(indices)
    if not np.issubdtype(dtype_of(indices), np.integer):
        raise IndexError("`indices` must be an integer array")
    if axis is None:
        if ndim_of(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        return _gather(ravel(arr), indices, 0)
    if ndim_of(indices) != ndim_of(arr):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    return _gather(arr, indices, one_axis(axis, ndim_of(arr)))


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(take_along_axis_p, axis=INT)
declare(scatter_along_axis_p, axis=INT, shape=SHAPE)
