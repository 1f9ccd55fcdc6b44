"""Indexing: ``x[idx]`` for basic and advanced indices, its transpose (scatter-add), and
the non-differentiable index queries (nonzero)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import INDEX, SHAPE, declare
from ..errors import WengertError
from ._util import dtype_of, one_axis, shape_of
from .elementwise import add_p, astype, maximum_p, minimum_p, multiply_p, where_p, zeros_like
from .shape import broadcast_to, moveaxis, ravel, unbroadcast


def _is_basic(idx: Any) -> bool:
    items = idx if isinstance(idx, tuple) else (idx,)
    for i in items:
        if not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))):
            return False
    return True


def _normalize_index(idx: Any) -> Any:
    """Lists become arrays (NumPy's advanced indexing); traced indices are refused."""
    items = idx if isinstance(idx, tuple) else (idx,)
    out = []
    for i in items:
        if isinstance(i, Tracer):
            v = i.full_lower()
            if np.issubdtype(np.asarray(v).dtype, np.inexact):
                raise WengertError(
                    "an array used as an index is being differentiated; indices must be "
                    "integers or booleans (use wengert.stop_gradient or an integer array)"
                )
            i = v
        elif isinstance(i, list):
            i = np.asarray(i)
            if i.size == 0:  # NumPy reads an empty list as an empty integer index
                i = i.astype(np.intp)
        out.append(i)
    return tuple(out) if isinstance(idx, tuple) else out[0]


def _scatter_add_impl(ct: Any, idx: Any, shape: tuple) -> Any:
    z = np.zeros_like(ct, shape=shape)
    if _is_basic(idx):
        z[idx] = ct
    else:
        np.add.at(z, idx, ct)
    return z


getitem_p = Primitive("getitem", lambda x, idx: x[idx])
scatter_add_p = Primitive("scatter_add", _scatter_add_impl).describe(fresh=True)


def _getitem_source(args: list, params: dict, em: Any) -> str | None:
    return f"{args[0]}[{em.index(params['idx'])}]" if set(params) == {"idx"} and len(args) == 1 else None


getitem_p.describe(source=_getitem_source)

getitem_p.defvjp(lambda ct, ans, x, idx: scatter_add_p.bind(ct, idx=idx, shape=x), save="shapes")
getitem_p.defjvp(lambda ts, ans, x, idx: getitem_p.bind(ts[0], idx=idx))
scatter_add_p.defvjp(lambda ct, ans, idx, shape: getitem_p.bind(ct, idx=idx), save="none")
scatter_add_p.defjvp(lambda ts, ans, x, idx, shape: scatter_add_p.bind(ts[0], idx=idx, shape=shape))


def getitem(x: Any, idx: Any) -> Any:
    """``x[idx]`` with NumPy's basic and advanced indexing."""
    return getitem_p.bind(x, idx=_normalize_index(idx))


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


# --------------------------------------------------------------------------- batching (vmap)


def _is_bool_index(i: Any) -> bool:
    return isinstance(i, (bool, np.bool_)) or (isinstance(i, np.ndarray) and i.dtype == bool)


def _is_int_scalar_index(i: Any) -> bool:
    """An integer that NumPy treats as a basic index when no array index is present (a
    Python or NumPy integer, or a 0-d integer array), and as a 0-d advanced index otherwise."""
    if isinstance(i, (bool, np.bool_)):
        return False
    return isinstance(i, (int, np.integer)) or (isinstance(i, np.ndarray) and i.ndim == 0)


def _advanced_shape(i: Any) -> tuple:
    """The broadcast contribution of one advanced index: a boolean array of any rank is its
    ``nonzero()`` (one axis of length ``count``); an integer is 0-d."""
    if _is_bool_index(i):
        a = np.asarray(i)
        return (int(np.count_nonzero(a)),)
    if _is_int_scalar_index(i):
        return ()
    return np.shape(i)


def _batch_index(idx: Any, ndim: int) -> tuple[tuple, int]:
    """The index for a batched array (batch axis first) and where NumPy puts the batch axis
    in the result.

    NumPy's rule: once any array (or boolean) index is present, every integer in the index is
    an advanced index too; when the advanced indices are not all adjacent (a slice, ``None``
    or ``Ellipsis`` between them), their broadcast dimensions move to the front of the result,
    and the batch axis (the leading slice added here) comes right after them.  When they are
    adjacent, their dimensions replace them in place and the batch axis stays first."""
    items = idx if isinstance(idx, tuple) else (idx,)
    new = (slice(None),) + items
    if not any(
        _is_bool_index(i) or (not _is_int_scalar_index(i) and not (i is None or i is Ellipsis or isinstance(i, slice)))
        for i in items
    ):
        return new, 0  # basic indexing only: every axis of the result keeps its place
    adv = [k for k, i in enumerate(new) if not (i is None or i is Ellipsis or isinstance(i, slice))]
    if adv == list(range(adv[0], adv[-1] + 1)):
        return new, 0
    return new, len(np.broadcast_shapes(*[_advanced_shape(new[k]) for k in adv]))


def _getitem_batch(vals: list, b: list, size: int, idx: Any) -> Any:

    x = vals[0]
    new, pos = _batch_index(idx, len(shape_of(x)))
    out = getitem_p.bind(x, idx=new)
    return moveaxis(out, pos, 0) if pos else out


def _scatter_add_batch(vals: list, b: list, size: int, idx: Any, shape: tuple) -> Any:

    ct = vals[0]
    new, pos = _batch_index(idx, len(shape) + 1)
    if pos:
        ct = moveaxis(ct, 0, pos)
    return scatter_add_p.bind(ct, idx=new, shape=(size,) + tuple(shape))


getitem_p.batch = _getitem_batch
scatter_add_p.batch = _scatter_add_batch


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

declare(getitem_p, idx=INDEX)
declare(scatter_add_p, idx=INDEX, shape=SHAPE)
declare(scatter_set_p, idx=INDEX)
declare(nonzero_p)
