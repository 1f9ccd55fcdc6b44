"""Indexing built on the structural ``getitem``/``scatter_add`` (``ops/shape.py``): ``take``,
the functional updates ``x.at[idx].set/add/multiply/min/max`` (``scatter_set``), and the
non-differentiable ``nonzero``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive
from ..core.schema import INDEX, declare
from ..errors import WengertError
from ._util import dtype_of, one_axis, shape_of
from .elementwise import add_p, astype, maximum_p, minimum_p, multiply_p, where_p, zeros_like
from .shape import _is_basic, _normalize_index, broadcast_to, getitem, getitem_p, ravel, scatter_add_p, unbroadcast


def take(a: Any, indices: Any, axis: int | None = None, **kw: Any) -> Any:
    """``np.take`` (mode='raise' only)."""
    if kw.get("out") is not None or kw.get("mode", "raise") != "raise":
        raise TypeError("take: out= and mode= other than 'raise' are not supported on traced values")

    if axis is None:
        return getitem(ravel(a), np.asarray(indices))
    axis = one_axis(axis, len(shape_of(a)))
    return getitem(a, (slice(None),) * axis + (np.asarray(indices),))


def _nonzero_impl(x: Any) -> tuple:
    return np.nonzero(x)


nonzero_p = Primitive("nonzero", _nonzero_impl, nondiff=True, multiple_results=True)


def _nonzero_batch(vals: list, batched: list, size: int) -> Any:
    raise WengertError(
        "nonzero (and where(condition) with one argument) has a data-dependent shape, so it cannot "
        "be vmapped; use where(condition, x, y) or a boolean mask instead"
    )


nonzero_p.batch = _nonzero_batch


def nonzero(x: Any) -> tuple:
    """``np.nonzero`` (integer results, not differentiated)."""
    return nonzero_p.bind(x)


# --------------------------------------------------------------------------- functional updates


def _set_impl(x: Any, v: Any, idx: Any) -> Any:
    y = x.copy()
    y[idx] = v
    return y


def _update_mask(x_shape: tuple, idx: Any, dtype: Any) -> np.ndarray:
    m = np.zeros(x_shape, dtype=bool)
    m[idx] = True
    return m


def _set_vjp_x(ct: Any, ans: Any, x: tuple, v: tuple, idx: Any) -> Any:

    return where_p.bind(_update_mask(x, idx, None), 0.0, ct)


def _set_vjp_v(ct: Any, ans: Any, x: tuple, v: tuple, idx: Any) -> Any:

    return unbroadcast(getitem_p.bind(ct, idx=idx), v)


def _set_jvp(ts: tuple, ans: Any, x: Any, v: Any, idx: Any) -> Any:

    tx = ts[0] if ts[0] is not None else zeros_like(x)
    tv = ts[1] if ts[1] is not None else zeros_like(v)
    return scatter_set_p.bind(tx, tv, idx=idx)


scatter_set_p = Primitive("scatter_set", _set_impl)
scatter_set_p.defvjp(_set_vjp_x, _set_vjp_v, save="shapes")
scatter_set_p.defjvp(_set_jvp)


def _has_duplicates(shape: tuple, idx: Any) -> bool:
    if _is_basic(idx):
        return False
    pos = np.arange(int(np.prod(shape))).reshape(shape)[idx]
    return np.unique(pos).size != np.size(pos)


class _IndexUpdateRef:
    """``x.at[idx]``: functional updates returning a new array (JAX's convention)."""

    __slots__ = ("x", "idx")

    def __init__(self, x: Any, idx: Any) -> None:
        self.x = x
        self.idx = _normalize_index(idx)

    def get(self) -> Any:
        return getitem_p.bind(self.x, idx=self.idx)

    def _cast(self, v: Any) -> Any:
        """``v`` in ``x``'s dtype, as JAX's ``.at[]`` does: an update never changes the
        array's dtype (``x32.at[0].add(1.0)`` stays float32, and so do its tangents)."""
        dx = dtype_of(self.x)
        if dtype_of(v) == dx:
            return v

        return astype(v, dx)

    def set(self, v: Any) -> Any:
        """``x`` with ``x[idx]`` replaced by ``v`` (for repeated indices the last one wins)."""

        target = shape_of(getitem_p.bind(_zeros_probe(self.x), idx=self.idx))
        return scatter_set_p.bind(self.x, broadcast_to(self._cast(v), target), idx=self.idx)

    def add(self, v: Any) -> Any:
        """``x`` with ``v`` added at ``idx`` (repeated indices accumulate)."""

        target = shape_of(getitem_p.bind(_zeros_probe(self.x), idx=self.idx))
        update = scatter_add_p.bind(broadcast_to(self._cast(v), target), idx=self.idx, shape=shape_of(self.x))
        return add_p.bind(self.x, update)

    def _combine(self, name: str, op: Any, v: Any) -> Any:
        if _has_duplicates(shape_of(self.x), self.idx):
            raise ValueError(f".at[idx].{name}: the index repeats positions; only .set and .add support repeated indices")
        return self.set(op(self.get(), v))

    def multiply(self, v: Any) -> Any:

        return self._combine("multiply", multiply_p.bind, v)

    def min(self, v: Any) -> Any:  # noqa: A003

        return self._combine("min", minimum_p.bind, v)

    def max(self, v: Any) -> Any:  # noqa: A003

        return self._combine("max", maximum_p.bind, v)


def _zeros_probe(x: Any) -> np.ndarray:
    # A cheap stand-in with x's shape for computing the shape of x[idx].
    return np.broadcast_to(np.zeros((), dtype=np.int8), shape_of(x))


class _AtHelper:
    __slots__ = ("x",)

    def __init__(self, x: Any) -> None:
        self.x = x

    def __getitem__(self, idx: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.x, idx)


def at(x: Any) -> _AtHelper:
    """``at(x)[idx].set(v)``: the functional update of any array (``x.at`` on traced values)."""
    return _AtHelper(x)


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(scatter_set_p, idx=INDEX)
declare(nonzero_p)
