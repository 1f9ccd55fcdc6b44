"""NumPy's miscellaneous mathematical functions, composed of differentiable ops:
``interp`` (piecewise-linear interpolation), ``nan_to_num`` and ``i0``.

Convention (also in docs/conventions.md): ``interp`` is differentiable in ``x``, ``xp``,
``fp``, ``left``, ``right`` with the interval index held fixed; at a knot ``x == xp[i]``
the derivative in ``x`` is the slope of the interval to its right (0 at and beyond
``xp[-1]``, and below ``xp[0]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops._util import any_traced, as_array, dtype_of, is_inexact, ndim_of, shape_of
from ..ops.complex import imag, real
from ..ops.elementwise import (
    abs_p,
    add_p,
    astype,
    equal,
    greater,
    greater_equal,
    isinf,
    isnan,
    less,
    logical_and,
    logical_or,
    maximum_p,
    minimum_p,
    multiply_p,
    remainder_p,
    subtract_p,
    true_divide_p,
    where_p,
)
from ..ops.gather import _take
from ..ops.indexing import getitem
from ..ops.queries import argsort, isneginf, isposinf, searchsorted_p
from ..ops.shape import concatenate
from ._common import _concrete

__all__ = ["i0", "interp", "nan_to_num"]


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """``np.interp``: piecewise-linear interpolation, differentiable in ``x``, ``xp``,
    ``fp``, ``left`` and ``right`` (the interval of each ``x`` is held fixed; at a knot the
    derivative in ``x`` is the slope on its right)."""
    if not any_traced(x, xp, fp, left, right, period):
        return np.interp(x, xp, fp, left, right, period)
    x, xp, fp = as_array(x), as_array(xp), as_array(fp)
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
    lval = getitem(fp, 0) if left is None else astype(as_array(left), out_dt)
    rval = getitem(fp, -1) if right is None else astype(as_array(right), out_dt)
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
        nonfinite = logical_or(isnan(slope), isinf(slope))
        res = where_p.bind(logical_and(equal(x, xa), nonfinite), fa, res)
        res = where_p.bind(greater_equal(j, n - 1), getitem(fp, -1), res)
        res = where_p.bind(greater(x, x_last), rval, res)
        res = where_p.bind(less(j, 0), lval, res)
    return where_p.bind(isnan(x), x, res) if out_dt == np.float64 else res


def nan_to_num(x: Any, copy: bool = True, nan: Any = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    """``np.nan_to_num``: replaced entries get zero derivative (real arrays)."""
    x = as_array(x)
    dt = dtype_of(x)
    if not np.issubdtype(dt, np.inexact):
        return x
    if np.issubdtype(dt, np.complexfloating):
        re = nan_to_num(real(x), nan=nan, posinf=posinf, neginf=neginf)
        im = nan_to_num(imag(x), nan=nan, posinf=posinf, neginf=neginf)
        return add_p.bind(re, multiply_p.bind(im, 1j))
    info = np.finfo(dt)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    y = where_p.bind(isnan(x), astype(as_array(nan), dt), x)
    y = where_p.bind(isposinf(x), astype(as_array(posinf), dt), y)
    return where_p.bind(isneginf(x), astype(as_array(neginf), dt), y)


def i0(x: Any) -> Any:
    """``np.i0``: the modified Bessel function of order 0 (derivative ``i1``)."""
    from ..ops.special import i0_p  # (optional extra: SciPy)

    x = as_array(x)
    if np.issubdtype(dtype_of(x), np.complexfloating):
        raise TypeError("i0 not supported for complex values")
    return i0_p.bind(x if is_inexact(x) else astype(x, np.float64))
