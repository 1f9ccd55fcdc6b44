"""Statistics over traced values: the nan-reductions (``nansum`` ... ``nanmin``), order
statistics (``median``, ``quantile``, ``percentile`` and their nan-versions),
``cov``/``corrcoef`` and ``bincount`` with traced weights; all composed of differentiable
ops (``nanargmax``/``nanargmin`` are primitives in ops/queries.py).

Conventions (also in docs/conventions.md):
- ``median``/``quantile`` sort with ``sort`` (see ``_sorting``): the derivative of each
  order statistic goes to the input element that landed there (for ties, the one NumPy's
  stable order puts there).
- ``nanmax``/``nanmin`` follow ``max``/``min``: tied extrema share the gradient equally;
  NaN entries get zero gradient.
"""

from __future__ import annotations

import builtins
import math
import operator
import warnings
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import as_array, dtype_of, is_inexact, kw_default, ndim_of, normalize_axis, shape_of
from ..ops.contract import diagonal, einsum
from ..ops.elementwise import (
    add_p,
    astype,
    ceil_p,
    equal,
    floor_divide_p,
    floor_p,
    greater_equal,
    isnan,
    less,
    logical_not,
    maximum_p,
    minimum_p,
    multiply_p,
    rint_p,
    sqrt_p,
    subtract_p,
    true_divide_p,
    where_p,
)
from ..ops.floating import _conj_if_complex
from ..ops.gather import _gather
from ..ops.indexing import getitem, scatter_add_p
from ..ops.reduce import _abs2, all_, cumprod, cumsum, max, mean, min, prod, var
from ..ops.shape import _no_out, broadcast_to, concatenate, expand_dims, moveaxis, reshape, sum, transpose
from ._sorting import sort

__all__ = [
    "bincount",
    "corrcoef",
    "cov",
    "median",
    "nancumprod",
    "nancumsum",
    "nanmax",
    "nanmean",
    "nanmedian",
    "nanmin",
    "nanpercentile",
    "nanprod",
    "nanquantile",
    "nanstd",
    "nansum",
    "nanvar",
    "percentile",
    "quantile",
]

_NoValue = np._NoValue


# --------------------------------------------------------------------------- nan-reductions


def _nan_to(a: Any, fill: float) -> Any:
    return where_p.bind(isnan(a), fill, a) if is_inexact(a) else a


def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nansum``: NaNs count as zero (and get zero gradient)."""
    a = as_array(a)
    _no_out("nansum", {"out": out, **kw})
    return sum(_nan_to(a, 0.0), axis=axis, dtype=dtype, keepdims=bool(kw_default(keepdims, False)))


def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanprod``: NaNs count as one (and get zero gradient)."""
    a = as_array(a)
    _no_out("nanprod", {"out": out, **kw})
    return prod(_nan_to(a, 1.0), axis=axis, dtype=dtype, keepdims=bool(kw_default(keepdims, False)))


def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``np.nancumsum``."""
    a = as_array(a)
    _no_out("nancumsum", {"out": out})
    return cumsum(_nan_to(a, 0.0), axis=axis, dtype=dtype)


def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``np.nancumprod``."""
    a = as_array(a)
    _no_out("nancumprod", {"out": out})
    return cumprod(_nan_to(a, 1.0), axis=axis, dtype=dtype)


def _check_inexact_dtype(name: str, a: Any, dtype: Any) -> None:
    if dtype is not None and not np.issubdtype(np.dtype(dtype), np.inexact):
        raise TypeError(f"{name}: if a is inexact, dtype must be inexact")


def _valid_count(a: Any, axis: Any, keepdims: bool, dt: Any) -> Any:
    return sum(astype(logical_not(isnan(a)), dt), axis=axis, keepdims=keepdims)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, **kw: Any) -> Any:
    """``np.nanmean``: the mean of the non-NaN entries (NaN for an all-NaN slice)."""
    a = as_array(a)
    _no_out("nanmean", {"out": out, **kw})
    keepdims = bool(kw_default(keepdims, False))
    if not is_inexact(a):
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
    a = as_array(a)
    _no_out("nanvar", {"out": out, "where": where})
    if mean is not _NoValue:
        raise TypeError("nanvar: mean= is not supported on traced values")
    if correction is not _NoValue:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    keepdims = bool(kw_default(keepdims, False))
    if not is_inexact(a):
        return var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)
    _check_inexact_dtype("nanvar", a, dtype)
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
    a = as_array(a)
    _no_out(name, {"out": out, **kw})
    keepdims = bool(kw_default(keepdims, False))
    if not is_inexact(a):
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


# --------------------------------------------------------------------------- median / quantile


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
    return a if is_inexact(a) else astype(a, np.float64)


def _median_of_sorted(s: Any, cnt: Any) -> Any:
    """Median along the last axis of sorted ``s`` whose first ``cnt`` entries are valid."""
    n = shape_of(s)[-1]
    if isinstance(cnt, int):
        lo, hi = (n - 1) // 2, n // 2
        a = getitem(s, (Ellipsis, lo))
        b = a if lo == hi else getitem(s, (Ellipsis, hi))
        return a if lo == hi else true_divide_p.bind(add_p.bind(a, b), 2.0)
    c = astype(cnt, np.intp)
    lo = maximum_p.bind(floor_divide_p.bind(subtract_p.bind(c, 1), 2), 0)
    hi = minimum_p.bind(floor_divide_p.bind(c, 2), n - 1)
    a = _gather(s, expand_dims(lo, -1), -1 % len(shape_of(s)))
    b = _gather(s, expand_dims(hi, -1), -1 % len(shape_of(s)))
    return getitem(true_divide_p.bind(add_p.bind(a, b), 2.0), (Ellipsis, 0))


def _median(name: str, a: Any, axis: Any, out: Any, keepdims: Any, nan: bool) -> Any:
    a = as_array(a)
    _no_out(name, {"out": out})
    keepdims = bool(kw_default(keepdims, False))
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
    dt = dtype_of(as_array(q))
    if np.issubdtype(dt, np.inexact):
        return dt
    return np.dtype(np.float64) if percent else None


def _quantile(
    name: str, a: Any, q: Any, axis: Any, method: str, keepdims: Any, nan: bool, kw: dict, qdt: Any = None
) -> Any:
    a = as_array(a)
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
    keepdims = bool(kw_default(keepdims, False))
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
        cnt = astype(_valid_count(flat, -1, True, np.intp), dtype_of(q) if is_inexact(q) else np.float64)
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
        lo_c = minimum_p.bind(maximum_p.bind(ceil_p.bind(vi), 0.0), maximum_p.bind(last, 0.0))
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
        r = where_p.bind(isnan(getitem(s, (Ellipsis, slice(n - 1, n)))), math.nan, r) if is_inexact(s) else r
    if continuous and qdt is not None:
        r = astype(r, np.result_type(dtype_of(r), qdt))
    # (kept..., nq) -> q.shape + kept (NumPy puts the quantile axes first)
    r = moveaxis(r, -1, 0)
    r = reshape(r, qs + kept)
    if keepdims:
        r = reshape(r, qs + tuple(1 if i in axes else v for i, v in enumerate(xs)))
    return r


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


# --------------------------------------------------------------------------- covariance, counts


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
    m = as_array(m)
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
        y = as_array(y)
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
