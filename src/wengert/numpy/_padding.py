"""``np.pad`` on traced values, with every named mode; differentiable in the array and in
traced ``constant_values``/``end_values``.  Constant modes are concatenations,
edge/wrap/even-reflect modes gathers, odd reflections and ramps fixed linear maps, and the
statistic modes the differentiable reductions."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import any_traced, as_array, dtype_of, index_along, ndim_of, shape_of
from ..ops.contract import einsum
from ..ops.elementwise import astype, rint_p
from ..ops.indexing import getitem
from ..ops.reduce import max, mean, min
from ..ops.shape import broadcast_to, concatenate, moveaxis, ravel
from ._common import _rearrange
from ._creation import linspace
from ._statistics import median

__all__ = ["pad"]


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
    if not any_traced(array, *kwargs.values()):
        return np.pad(array, pad_width, mode, **kwargs)
    if mode not in _PAD_KWARGS:
        raise ValueError(f"mode '{mode}' is not supported")
    bad = set(kwargs) - set(_PAD_KWARGS[mode])
    if bad:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {bad}")
    x = as_array(array)
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
                edge = getitem(x, index_along(ax, nd, 0))
                parts.append(linspace(eb, edge, num=b, endpoint=False, dtype=dt, axis=ax))
            parts.append(x)
            if a:
                edge = getitem(x, index_along(ax, nd, n - 1))
                ramp = linspace(ea, edge, num=a, endpoint=False, dtype=dt, axis=ax)
                parts.append(getitem(ramp, index_along(ax, nd, slice(None, None, -1))))
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
                r = func(getitem(x, index_along(ax, nd, slice(lo, hi))), axis=ax, keepdims=True)
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
