"""Sorted values: ``sort`` and ``partition``, differentiable gathers by the indices of the
non-differentiable ``argsort`` / ``argpartition`` primitives (ops/queries.py).

Convention (also in docs/conventions.md): ``sort``/``partition`` values are gathers by
``argsort``/``argpartition`` indices: the derivative of each output goes to the input
element that landed there (for ties, the one NumPy's stable order puts there).
``median``/``quantile`` inherit this.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops._util import any_traced, ndim_of, one_axis
from ..ops.gather import _gather
from ..ops.queries import _kth, _no_order, argpartition_p, argsort_p
from ..ops.shape import ravel

__all__ = ["partition", "sort"]


def sort(a: Any, axis: int | None = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Any:
    """``np.sort``: the values are a gather by ``argsort`` indices (differentiable)."""
    _no_order("sort", order)
    if not any_traced(a):
        return np.sort(a, axis=axis, kind=kind, stable=stable)
    if axis is None:
        a, axis = ravel(a), 0
    axis = one_axis(axis, ndim_of(a))
    return _gather(a, argsort_p.bind(a, axis=axis, kind=kind, stable=stable), axis)


def partition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None) -> Any:
    """``np.partition``: a gather by ``argpartition`` indices (the same arrangement)."""
    _no_order("partition", order)
    if not any_traced(a):
        return np.partition(a, kth, axis=axis, kind=kind)
    if axis is None:
        a, axis = ravel(a), 0
    axis = one_axis(axis, ndim_of(a))
    return _gather(a, argpartition_p.bind(a, kth=_kth(kth), axis=axis, kind=kind), axis)
