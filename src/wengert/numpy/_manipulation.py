"""Rearranging arrays: adding and removing elements (``append``, ``insert``, ``delete``,
``resize``, ``trim_zeros``), joining and splitting (``block``, ``dstack``, ``concat``,
``unstack``, ``dsplit``) and moving axes (``rollaxis``, ``permute_dims``,
``matrix_transpose``).  Gathers, reshapes and concatenations, so differentiable."""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import as_array, dtype_of, index_along, ndim_of, normalize_axis, one_axis, shape_of
from ..ops.elementwise import astype
from ..ops.indexing import getitem
from ..ops.shape import atleast_3d, concatenate, ravel, reshape, split, swapaxes, transpose
from ._common import _concrete_values, _rearrange

__all__ = [
    "append",
    "block",
    "concat",
    "delete",
    "dsplit",
    "dstack",
    "insert",
    "matrix_transpose",
    "permute_dims",
    "resize",
    "rollaxis",
    "trim_zeros",
    "unstack",
]


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """``np.append``."""
    arr, values = as_array(arr), as_array(values)
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
    return _rearrange(as_array(arr), lambda lab: np.delete(lab, obj, axis))


def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Any:
    """``np.insert``: a gather from ``arr`` and ``values`` (both differentiable)."""
    if isinstance(obj, Tracer):
        raise TypeError("insert: obj must be concrete indices, not a traced value")
    arr, values = as_array(arr), as_array(values)
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


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """``np.rollaxis``."""
    a = as_array(a)
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
    arrs = [atleast_3d(as_array(a)) for a in tup]
    return concatenate(arrs, axis=2)


def concat(arrays: Sequence[Any], /, *, axis: int | None = 0, **kw: Any) -> Any:
    """``np.concat`` (the array-API name of concatenate)."""
    return concatenate(arrays, axis=axis, **kw)


def permute_dims(a: Any, /, axes: Any = None) -> Any:
    """``np.permute_dims`` (the array-API name of transpose)."""
    a = as_array(a)
    return transpose(a, axes)


def matrix_transpose(x: Any, /) -> Any:
    """``np.matrix_transpose``: swap the last two axes."""
    x = as_array(x)
    if ndim_of(x) < 2:
        raise ValueError(f"Input array must be at least 2-dimensional, but it is {ndim_of(x)}")
    return swapaxes(x, -1, -2)


def unstack(x: Any, /, *, axis: int = 0) -> tuple:
    """``np.unstack``: the slices along ``axis``."""
    x = as_array(x)
    nd = ndim_of(x)
    if nd == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = one_axis(axis, nd)
    return tuple(getitem(x, index_along(axis, nd, i)) for i in range(shape_of(x)[axis]))


def dsplit(ary: Any, indices_or_sections: Any) -> list:
    """``np.dsplit``: split along the third axis."""
    ary = as_array(ary)
    if ndim_of(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
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
    return 0, ndim_of(as_array(arrays))


def block(arrays: Any) -> Any:
    """``np.block``: nested lists of arrays joined by concatenation (differentiable)."""
    depth, nd = _block_depth(arrays)
    nd = builtins.max(depth, nd)

    def rec(a: Any, level: int) -> Any:
        if level < depth:
            return concatenate([rec(b, level + 1) for b in a], axis=-(depth - level))
        a = as_array(a)
        return reshape(a, (1,) * (nd - ndim_of(a)) + shape_of(a))

    return rec(arrays, 0)


def resize(a: Any, new_shape: Any) -> Any:
    """``np.resize``: the flattened array repeated to fill ``new_shape`` (a gather)."""
    new_shape = (operator.index(new_shape),) if np.ndim(new_shape) == 0 else tuple(operator.index(s) for s in new_shape)
    if builtins.any(s < 0 for s in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    a = ravel(as_array(a))
    size = shape_of(a)[0]
    n = 1
    for s in new_shape:
        n *= s
    if size == 0 or n == 0:
        return np.zeros(new_shape, dtype=dtype_of(a))
    return reshape(getitem(a, np.arange(n) % size), new_shape)


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
    return getitem(as_array(filt), tuple(slice(lo[a], hi[a]) if a in axes else slice(None) for a in range(nd)))
