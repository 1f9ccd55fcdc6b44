"""Choosing elements: ``choose`` and ``select`` (differentiable in the choices), and
``compress``/``extract`` (differentiable in the array; the condition must be concrete,
since it decides the result's shape)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..ops._util import as_array, dtype_of, index_along, ndim_of, one_axis, shape_of
from ..ops.elementwise import astype, maximum_p, minimum_p, remainder_p, where_p
from ..ops.gather import _gather
from ..ops.indexing import getitem
from ..ops.shape import _no_out, broadcast_to, expand_dims, ravel, stack
from ._common import _concrete

__all__ = ["choose", "compress", "extract", "select"]


def choose(a: Any, choices: Any, out: Any = None, mode: str = "raise") -> Any:
    """``np.choose``: ``choices[a[i]][i]`` with broadcasting; differentiable in ``choices``."""
    _no_out("choose", {"out": out})
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    if isinstance(choices, Tracer) or isinstance(choices, np.ndarray):
        choices = [getitem(choices, i) for i in range(shape_of(choices)[0])]
    dt = np.result_type(*(c if isinstance(c, (int, float, complex)) else dtype_of(as_array(c)) for c in choices))
    choices = [as_array(c) for c in choices]
    n = len(choices)
    if n == 0:
        raise ValueError("choose: at least one choice is needed")
    idx = as_array(a)
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
    conds = [as_array(c) for c in condlist]
    for i, c in enumerate(conds):
        if dtype_of(c) != np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    choices = [c if isinstance(c, (int, float, complex)) else as_array(c) for c in choicelist]
    dflt = default if isinstance(default, (int, float, complex)) else as_array(default)
    try:
        dt = np.result_type(*(c if isinstance(c, (int, float, complex)) else dtype_of(c) for c in choices + [dflt]))
    except TypeError as e:
        raise TypeError(f"Choicelist and default value do not have a common dtype: {e}") from None
    shape = np.broadcast_shapes(*(shape_of(c) for c in conds), *(np.shape(c) for c in choices + [dflt]))
    result = dflt
    for cond, choice in zip(reversed(conds), reversed(choices)):
        result = where_p.bind(cond, choice, result)
    result = astype(as_array(result) if not isinstance(result, Tracer) else result, dt)
    return broadcast_to(result, shape)


def _concrete_mask(name: str, cond: Any) -> np.ndarray:
    return _concrete(name, cond)


def extract(condition: Any, arr: Any) -> Any:
    """``np.extract``: ``ravel(arr)[ravel(condition) != 0]``."""
    cond = _concrete_mask("extract", condition)
    return getitem(ravel(as_array(arr)), np.ravel(cond) != 0)


def compress(condition: Any, a: Any, axis: int | None = None, out: Any = None) -> Any:
    """``np.compress``: the slices along ``axis`` where ``condition`` is true."""
    _no_out("compress", {"out": out})
    cond = _concrete_mask("compress", condition)
    if np.ndim(cond) != 1:
        raise ValueError("condition must be a 1-d array")
    a = as_array(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = one_axis(axis, ndim_of(a))
    idx = np.nonzero(cond)[0]
    if idx.size and idx[-1] >= shape_of(a)[axis]:
        raise IndexError(f"index {idx[-1]} is out of bounds for axis {axis} with size {shape_of(a)[axis]}")
    return getitem(a, index_along(axis, ndim_of(a), idx))
