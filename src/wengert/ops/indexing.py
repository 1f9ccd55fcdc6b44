"""Indexing: ``x[idx]`` for basic and advanced indices, its transpose (scatter-add), and
the non-differentiable index queries (nonzero)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..errors import WengertError
from ._util import one_axis, shape_of


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
scatter_add_p = Primitive("scatter_add", _scatter_add_impl)

getitem_p.defvjp(lambda ct, ans, x, idx: scatter_add_p.bind(ct, idx=idx, shape=x), save="shapes")
getitem_p.defjvp(lambda ts, ans, x, idx: getitem_p.bind(ts[0], idx=idx))
getitem_p.linear = True
scatter_add_p.defvjp(lambda ct, ans, idx, shape: getitem_p.bind(ct, idx=idx), save="none")
scatter_add_p.defjvp(lambda ts, ans, x, idx, shape: scatter_add_p.bind(ts[0], idx=idx, shape=shape))
scatter_add_p.linear = True


def getitem(x: Any, idx: Any) -> Any:
    """``x[idx]`` with NumPy's basic and advanced indexing."""
    return getitem_p.bind(x, idx=_normalize_index(idx))


def take(a: Any, indices: Any, axis: int | None = None, **kw: Any) -> Any:
    """``np.take`` (mode='raise' only)."""
    if kw.get("out") is not None or kw.get("mode", "raise") != "raise":
        raise TypeError("take: out= and mode= other than 'raise' are not supported on traced values")
    from .shape import ravel

    if axis is None:
        return getitem(ravel(a), np.asarray(indices))
    axis = one_axis(axis, len(shape_of(a)))
    return getitem(a, (slice(None),) * axis + (np.asarray(indices),))


def _nonzero_impl(x: Any) -> tuple:
    return np.nonzero(x)


nonzero_p = Primitive("nonzero", _nonzero_impl, nondiff=True)


def nonzero(x: Any) -> tuple:
    """``np.nonzero`` (integer results, not differentiated)."""
    return nonzero_p.bind(x)


# --------------------------------------------------------------------------- batching (vmap)


def _batch_index(idx: Any, ndim: int) -> tuple[tuple, int]:
    """The index for a batched array (batch axis first) and where NumPy puts the batch axis
    in the result (advanced indices separated by slices move to the front)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    new = (slice(None),) + items
    adv = [k for k, i in enumerate(new) if not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)))]
    if not adv:
        return new, 0
    if adv != list(range(adv[0], adv[-1] + 1)):  # non-adjacent advanced indices
        shapes = []
        for k in adv:
            a = np.asarray(new[k])
            shapes.append(np.nonzero(a)[0].shape if a.dtype == bool else a.shape)
        return new, len(np.broadcast_shapes(*shapes))
    return new, 0


def _getitem_batch(vals: list, b: list, size: int, idx: Any) -> Any:
    from .shape import moveaxis

    x = vals[0]
    new, pos = _batch_index(idx, len(shape_of(x)))
    out = getitem_p.bind(x, idx=new)
    return moveaxis(out, pos, 0) if pos else out


def _scatter_add_batch(vals: list, b: list, size: int, idx: Any, shape: tuple) -> Any:
    from .shape import moveaxis

    ct = vals[0]
    new, pos = _batch_index(idx, len(shape) + 1)
    if pos:
        ct = moveaxis(ct, 0, pos)
    return scatter_add_p.bind(ct, idx=new, shape=(size,) + tuple(shape))


getitem_p.batch = _getitem_batch
scatter_add_p.batch = _scatter_add_batch
