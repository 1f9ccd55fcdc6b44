"""Functions applied to parts of an array: ``piecewise`` (each function on the entries its
condition selects), ``apply_along_axis`` and ``apply_over_axes``.  The functions run as
plain Python on traced values, so the results are as differentiable as they are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import any_traced, as_array, dtype_of, ndim_of, one_axis, shape_of
from ..ops.elementwise import astype, logical_not, where_p, zeros_like
from ..ops.indexing import at, getitem
from ..ops.reduce import any_
from ..ops.shape import expand_dims, moveaxis, reshape, stack

__all__ = ["apply_along_axis", "apply_over_axes", "piecewise"]


def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """``np.piecewise``: each function is applied to the entries its condition selects (a
    differentiable scatter; inside ``vmap``, where conditions are traced, a ``where``)."""
    x = as_array(x)
    n2 = len(funclist)
    if np.isscalar(condlist) or isinstance(condlist, Tracer) and ndim_of(condlist) == ndim_of(x) and ndim_of(x) != 0 or (
        not isinstance(condlist, Tracer) and not isinstance(condlist[0], (list, np.ndarray, Tracer)) and ndim_of(x) != 0
    ):
        condlist = [condlist]
    conds = [c if isinstance(c, Tracer) else np.asarray(c, dtype=bool) for c in condlist]
    if len(conds) == n2 - 1:
        other = logical_not(any_(stack(conds) if any_traced(*conds) else np.stack(conds), axis=0))
        conds.append(other)
    elif len(conds) != n2:
        raise ValueError(f"with {len(conds)} condition(s), either {len(conds)} or {len(conds) + 1} functions are expected")
    y = zeros_like(x)
    for cond, func in zip(conds, funclist):
        if isinstance(cond, Tracer):
            val = func(x, *args, **kw) if callable(func) else func
            y = where_p.bind(cond, astype(as_array(val), dtype_of(y)) if not isinstance(val, Tracer) else val, y)
            continue
        cond = np.broadcast_to(cond, shape_of(x))
        if callable(func):
            vals = getitem(x, cond)
            if shape_of(vals)[0] == 0:
                continue
            val = func(vals, *args, **kw)
        else:
            val = func
        y = at(y)[cond].set(astype(as_array(val), dtype_of(y)) if not isinstance(val, Tracer) else val)
    return y


def apply_along_axis(func1d: Any, axis: int, arr: Any, *args: Any, **kwargs: Any) -> Any:
    """``np.apply_along_axis``: ``func1d`` on every 1-D slice (a Python loop), stacked."""
    arr = as_array(arr)
    nd = ndim_of(arr)
    axis = one_axis(axis, nd)
    moved = moveaxis(arr, axis, -1)
    outer = shape_of(moved)[:-1]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    res = [as_array(func1d(getitem(moved, ix), *args, **kwargs)) for ix in np.ndindex(*outer)]
    out = reshape(stack(res), outer + shape_of(res[0]))
    k = ndim_of(res[0])
    return moveaxis(out, tuple(range(len(outer), len(outer) + k)), tuple(range(axis, axis + k))) if k else out


def apply_over_axes(func: Any, a: Any, axes: Any) -> Any:
    """``np.apply_over_axes``."""
    val = as_array(a)
    nd = ndim_of(val)
    for ax in (axes,) if np.ndim(axes) == 0 else axes:
        ax = int(ax) + nd if ax < 0 else int(ax)
        res = as_array(func(val, ax))
        if ndim_of(res) == ndim_of(val):
            val = res
        else:
            res = expand_dims(res, ax)
            if ndim_of(res) != ndim_of(val):
                raise ValueError("function is not returning an array of the correct shape")
            val = res
    return val
