"""Constructors that are differentiable in traced arguments: ``linspace``, ``logspace``,
``geomspace`` (in start, stop and base), ``full`` (in the fill value) and ``meshgrid``
(reshapes and broadcasts).  With no traced argument each returns NumPy's own result."""

from __future__ import annotations

import builtins
import math
import operator
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import any_traced, as_array, dtype_of, ndim_of, shape_of
from ..ops.elementwise import (
    add_p,
    astype,
    equal,
    floor_p,
    log10_p,
    multiply_p,
    power_p,
    sign_p,
    subtract_p,
    true_divide_p,
    where_p,
)
from ..ops.indexing import getitem
from ..ops.shape import broadcast_arrays, broadcast_to, concatenate, expand_dims, moveaxis, reshape
from ._common import _concrete

__all__ = ["full", "geomspace", "linspace", "logspace", "meshgrid"]


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
    if not any_traced(start, stop):
        return np.linspace(start, stop, num, endpoint, retstep, dtype, axis, device=device)
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    dt = np.result_type(*(v if isinstance(v, (int, float, complex)) else dtype_of(v) for v in (start, stop)))
    if not np.issubdtype(dt, np.inexact):
        dt = np.dtype(np.float64)
    start, stop = astype(as_array(start), dt), astype(as_array(stop), dt)
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
    if not any_traced(start, stop, base):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    if not isinstance(base, (int, float)) and ndim_of(base):
        nd = len(np.broadcast_shapes(shape_of(start), shape_of(stop), shape_of(base)))
        start, stop, base = (reshape(as_array(v), (1,) * (nd - ndim_of(v)) + shape_of(v)) for v in (start, stop, base))
        base = expand_dims(base, axis)
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    out = power_p.bind(base, y)
    return out if dtype is None else astype(out, dtype)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0) -> Any:
    """``np.geomspace`` (real values), differentiable in ``start`` and ``stop``."""
    if not any_traced(start, stop):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
    start, stop = as_array(start), as_array(stop)
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
    if not any_traced(*xi):
        return np.meshgrid(*xi, copy=copy, sparse=sparse, indexing=indexing)
    nd = len(xi)
    s0 = (1,) * nd
    out = [reshape(as_array(x), s0[:i] + (-1,) + s0[i + 1 :]) for i, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        out[0] = reshape(out[0], (1, -1) + s0[2:])
        out[1] = reshape(out[1], (-1, 1) + s0[2:])
    if not sparse:
        out = broadcast_arrays(*out)
    return tuple(out)
