"""Non-differentiable queries that differentiated code still needs: primitives whose
results are indices, counts or booleans (``argsort``, ``argpartition``, ``lexsort``,
``searchsorted``, ``digitize``, ``count_nonzero``, ``isclose``, ``isposinf``, ``isneginf``,
``flatnonzero``, ``argwhere``, ``nanargmax``, ``nanargmin``, ``isin``), each with its
batching rule and its public function.

They are declared ``nondiff``: no JVP or VJP, zero tangents inside differentiated code.
Their results steer differentiable ops (``sort`` is a gather by ``argsort`` indices, see
``wengert.numpy``), and under ``vmap`` they are batched like any other primitive.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.batching import _loop_rule
from ..core.primitive import Primitive, Tracer
from ..core.schema import AXES, BOOL, INT, REAL, choice, declare, one_of, optional, tuple_of
from ._util import any_traced, as_array, kw_default, ndim_of, normalize_axis, one_axis, shape_of
from .elementwise import _elementwise_batch
from .gather import _take
from .reduce import _arg_batch
from .shape import _no_out, moveaxis, ravel, stack

__all__ = [
    "argpartition",
    "argpartition_p",
    "argsort",
    "argsort_p",
    "argwhere",
    "argwhere_p",
    "count_nonzero",
    "count_nonzero_p",
    "digitize",
    "digitize_p",
    "flatnonzero",
    "flatnonzero_p",
    "isclose",
    "isclose_p",
    "isin",
    "isin_p",
    "isneginf",
    "isneginf_p",
    "isposinf",
    "isposinf_p",
    "lexsort",
    "lexsort_p",
    "nanargmax",
    "nanargmax_p",
    "nanargmin",
    "nanargmin_p",
    "searchsorted",
    "searchsorted_p",
]


def _nondiff(name: str, impl: Any, batch: Any = None) -> Primitive:
    p = Primitive(name, impl, nondiff=True)
    p.batch = batch
    return p


def _axis_plus_one(p: Primitive) -> Any:
    def rule(vals: list, b: list, size: int, axis: Any, **params: Any) -> Any:
        ax = tuple(a + 1 for a in axis) if isinstance(axis, tuple) else axis + 1
        return p.bind(vals[0], axis=ax, **params)

    return rule


# --------------------------------------------------------------------------- sorting orders

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
    a = as_array(a)
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
    a = as_array(a)
    _no_order("argpartition", order)
    if axis is None:
        a, axis = ravel(a), 0
    return argpartition_p.bind(a, kth=_kth(kth), axis=one_axis(axis, ndim_of(a)), kind=kind)


lexsort_p = _nondiff("lexsort", lambda keys, axis: np.lexsort(keys, axis=axis))
# keys (k, ...) batched as (B, k, ...): the batch becomes the first axis of each key
lexsort_p.batch = lambda vals, b, size, axis: lexsort_p.bind(moveaxis(vals[0], 0, 1), axis=axis + 1)


def lexsort(keys: Any, axis: int = -1) -> Any:
    """``np.lexsort`` (integer result, not differentiated)."""
    if isinstance(keys, (list, tuple)):
        keys = stack([as_array(k) for k in keys]) if any_traced(*keys) else np.asarray(keys)
    nd = ndim_of(keys) - 1
    if nd < 1:
        return np.lexsort(keys, axis=axis) if not isinstance(keys, Tracer) else lexsort_p.bind(keys, axis=-1)
    return lexsort_p.bind(keys, axis=one_axis(axis, nd))


# --------------------------------------------------------------------------- searching


def _searchsorted_batch(vals: list, b: list, size: int, **params: Any) -> Any:
    if not b[0] and not (len(b) > 2 and b[2]):  # sorted array shared: searchsorted is elementwise in v
        return searchsorted_p.bind(*vals, **params)
    return _loop_rule(searchsorted_p, vals, b, size, params)


searchsorted_p = _nondiff("searchsorted", lambda a, v, side: np.searchsorted(a, v, side=side))
searchsorted_p.batch = _searchsorted_batch


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """``np.searchsorted`` (integer result, not differentiated)."""
    a = as_array(a)
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


flatnonzero_p = _nondiff("flatnonzero", np.flatnonzero)
argwhere_p = _nondiff("argwhere", np.argwhere)


def flatnonzero(a: Any) -> Any:
    """``np.flatnonzero`` (integer result; its length depends on the values, so under
    ``vmap`` every batch element must have the same count)."""
    return flatnonzero_p.bind(a)


def argwhere(a: Any) -> Any:
    """``np.argwhere`` (integer result, not differentiated)."""
    return argwhere_p.bind(a)


nanargmax_p = _nondiff("nanargmax", lambda x, axis, keepdims: np.nanargmax(x, axis=axis, keepdims=keepdims))
nanargmin_p = _nondiff("nanargmin", lambda x, axis, keepdims: np.nanargmin(x, axis=axis, keepdims=keepdims))
nanargmax_p.batch = _arg_batch(nanargmax_p)
nanargmin_p.batch = _arg_batch(nanargmin_p)


def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
    a = as_array(a)
    _no_out("nanargmax", {"out": out})
    ax = None if axis is None else one_axis(axis, ndim_of(a))
    return nanargmax_p.bind(a, axis=ax, keepdims=bool(kw_default(keepdims, False)))


def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False) -> Any:
    a = as_array(a)
    _no_out("nanargmin", {"out": out})
    ax = None if axis is None else one_axis(axis, ndim_of(a))
    return nanargmin_p.bind(a, axis=ax, keepdims=bool(kw_default(keepdims, False)))


# --------------------------------------------------------------------------- counting


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
    a = as_array(a)
    out = count_nonzero_p.bind(a, axis=_reduce_axis(axis, ndim_of(a)), keepdims=bool(keepdims))
    return out


# --------------------------------------------------------------------------- elementwise tests

isclose_p = _nondiff(
    "isclose", lambda a, b, rtol, atol, equal_nan: np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
)
isclose_p.batch = _elementwise_batch(isclose_p)


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Any:
    """``np.isclose`` (boolean result, not differentiated)."""
    return isclose_p.bind(a, b, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))


isposinf_p = _nondiff("isposinf", np.isposinf)
isposinf_p.batch = _elementwise_batch(isposinf_p)
isneginf_p = _nondiff("isneginf", np.isneginf)
isneginf_p.batch = _elementwise_batch(isneginf_p)


def isposinf(x: Any) -> Any:
    return isposinf_p.bind(x)


def isneginf(x: Any) -> Any:
    return isneginf_p.bind(x)


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


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(
    argsort_p,
    axis=INT,
    kind=optional(choice("quicksort", "mergesort", "heapsort", "stable")),
    stable=optional(BOOL),
)
declare(argpartition_p, kth=one_of(INT, tuple_of(INT)), axis=INT, kind=choice("introselect"))
declare(searchsorted_p, side=choice("left", "right"))
declare(digitize_p, right=BOOL)
declare(count_nonzero_p, axis=optional(AXES), keepdims=BOOL)
declare(isclose_p, rtol=REAL, atol=REAL, equal_nan=BOOL)
declare(nanargmax_p, axis=optional(INT), keepdims=BOOL)
declare(nanargmin_p, axis=optional(INT), keepdims=BOOL)
declare(isin_p, invert=BOOL, kind=optional(choice("sort", "table")))
declare(lexsort_p, axis=INT)
for _p in (isposinf_p, isneginf_p, flatnonzero_p, argwhere_p):
    declare(_p)
