"""Shape ops: reshape, transpose, broadcast_to and its transpose sum, concatenate, and
the NumPy functions built from them (ravel, squeeze, stack, split, tile, repeat, ...).

Structural ops are linear, so each VJP is the transposed op and each JVP is the op itself
applied to the tangent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import AXES, BOOL, INDEX, INT, SHAPE, declare
from ..errors import WengertError
from ._util import keyword_source, normalize_axis, one_axis, reduction_source, shape_of, zeros_like

# --------------------------------------------------------------------------- reshape


def _resolve_shape(shape: Any, size: int) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise ValueError("reshape: can only specify one unknown dimension (-1)")
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1]))
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if int(np.prod(shape)) != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


reshape_p = Primitive("reshape", lambda x, shape: np.reshape(x, shape))
reshape_p.describe(source=keyword_source("np.reshape", "shape"))
reshape_p.defvjp(lambda ct, ans, x, shape: reshape_p.bind(ct, shape=x), save="shapes")
reshape_p.defjvp(lambda t, ans, x, shape: reshape_p.bind(t[0], shape=shape))


def reshape(x: Any, shape: Any, order: str = "C") -> Any:
    """``np.reshape`` (C order only)."""
    if order != "C":
        raise ValueError("reshape: only order='C' is supported")
    xs = shape_of(x)
    new = _resolve_shape(shape, int(np.prod(xs)))
    if new == xs:
        return x
    return reshape_p.bind(x, shape=new)


def ravel(x: Any, order: str = "C") -> Any:
    return reshape(x, (-1,), order)


def expand_dims(x: Any, axis: Any) -> Any:
    xs = shape_of(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = len(xs) + len(axes)
    axes = normalize_axis(tuple(axes), nd)
    it = iter(xs)
    return reshape(x, tuple(1 if i in axes else next(it) for i in range(nd)))


def squeeze(x: Any, axis: Any = None) -> Any:
    xs = shape_of(x)
    if axis is None:
        axes = tuple(i for i, s in enumerate(xs) if s == 1)
    else:
        axes = normalize_axis(axis, len(xs))
        for a in axes:
            if xs[a] != 1:
                raise ValueError(
                    f"squeeze: cannot select an axis to squeeze out which has size not "
                    f"equal to one (axis {a} has size {xs[a]})"
                )
    return reshape(x, tuple(s for i, s in enumerate(xs) if i not in axes))


# --------------------------------------------------------------------------- transpose

transpose_p = Primitive("transpose", lambda x, axes: np.transpose(x, axes))


def _transpose_source(args: list, params: dict, em: Any) -> str | None:
    if set(params) != {"axes"} or len(args) != 1:
        return None
    if params["axes"] == (1, 0) and type(params["axes"]) is tuple:
        return f"{args[0]}.T"
    return f"np.transpose({args[0]}, {em.literal(params['axes'])})"


transpose_p.describe(source=_transpose_source)
transpose_p.defvjp(
    lambda ct, ans, axes: transpose_p.bind(ct, axes=tuple(np.argsort(axes).tolist())),
    save="none",
)
transpose_p.defjvp(lambda t, ans, x, axes: transpose_p.bind(t[0], axes=axes))


def transpose(x: Any, axes: Any = None) -> Any:
    nd = len(shape_of(x))
    if axes is None:
        axes = tuple(range(nd - 1, -1, -1))
    else:
        axes = tuple(int(a) % nd if nd else int(a) for a in axes)
        if sorted(axes) != list(range(nd)):
            raise ValueError(f"transpose: axes {axes} don't match array of {nd} dimensions")
    if axes == tuple(range(nd)):
        return x
    return transpose_p.bind(x, axes=axes)


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    nd = len(shape_of(x))
    a1, a2 = one_axis(axis1, nd), one_axis(axis2, nd)
    perm = list(range(nd))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return transpose(x, perm)


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    nd = len(shape_of(x))
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of elements")
    src = [one_axis(a, nd) for a in src]
    dst = [one_axis(a, nd) for a in dst]
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


# --------------------------------------------------------------------------- broadcast / sum


def _sum_impl(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    return np.sum(x, axis=axis, keepdims=keepdims)


sum_p = Primitive("sum", _sum_impl).describe(fresh=True, source=reduction_source("np.sum", fast_ufunc="np.add"))


def _sum_vjp(ct: Any, ans: Any, x: tuple, axis: tuple, keepdims: bool) -> Any:
    if not keepdims:
        ct = reshape_p.bind(ct, shape=tuple(1 if i in axis else s for i, s in enumerate(x)))
    return broadcast_to_p.bind(ct, shape=x)


sum_p.defvjp(_sum_vjp, save="shapes")
sum_p.defjvp(lambda t, ans, x, axis, keepdims: sum_p.bind(t[0], axis=axis, keepdims=keepdims))


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``shape``."""
    gs = g.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gs[i + lead] != 1
    )
    if axes:
        g = sum_p.bind(g, axis=axes, keepdims=False)
    if g.shape != shape:
        g = reshape_p.bind(g, shape=shape)
    return g


broadcast_to_p = Primitive("broadcast_to", lambda x, shape: np.broadcast_to(x, shape))
broadcast_to_p.describe(source=keyword_source("np.broadcast_to", "shape"))
broadcast_to_p.defvjp(lambda ct, ans, x, shape: unbroadcast(ct, x), save="shapes")
broadcast_to_p.defjvp(lambda t, ans, x, shape: broadcast_to_p.bind(t[0], shape=shape))


def broadcast_to(x: Any, shape: Any) -> Any:
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if shape_of(x) == shape:
        return x
    np.broadcast_shapes(shape_of(x), shape)  # clear NumPy error if incompatible
    if np.broadcast_shapes(shape_of(x), shape) != shape:
        raise ValueError(f"cannot broadcast an array of shape {shape_of(x)} to shape {shape}")
    return broadcast_to_p.bind(x, shape=shape)


def broadcast_arrays(*xs: Any) -> tuple:
    """``np.broadcast_arrays``: a tuple, as NumPy 2 returns."""
    shape = np.broadcast_shapes(*(shape_of(x) for x in xs))
    return tuple(broadcast_to(x, shape) for x in xs)


def sum(x: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False, **kw: Any) -> Any:  # noqa: A001
    """``np.sum``."""
    _no_out("sum", kw)
    axes = normalize_axis(axis, len(shape_of(x)))
    if dtype is not None:  # (a traced value's own astype: wengert's cast, from a layer above)
        x = x.astype(dtype) if isinstance(x, Tracer) else np.asarray(x).astype(dtype)
    return sum_p.bind(x, axis=axes, keepdims=bool(keepdims))


def _no_out(name: str, kw: dict) -> None:
    for k, v in kw.items():
        if k in ("out", "where", "initial") and v is None:
            continue
        if k == "where" and v is True:
            continue
        raise TypeError(
            f"{name}: argument {k!r} is not supported on traced values "
            "(arrays inside a differentiated function cannot be written in place)"
        )


# --------------------------------------------------------------------------- concatenate

concatenate_p = Primitive("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis))


def _concatenate_source(args: list, params: dict, em: Any) -> str | None:
    if set(params) != {"axis"}:
        return None
    return f"np.concatenate([{', '.join(args)}], axis={em.literal(params['axis'])})"


concatenate_p.describe(fresh=True, source=_concatenate_source)


def _concatenate_vjp(ct: Any, ans: Any, *shapes: tuple, axis: int) -> tuple:
    out = []
    start = 0
    for s in shapes:
        stop = start + s[axis]
        idx = (slice(None),) * axis + (slice(start, stop),)
        out.append(getitem(ct, idx))
        start = stop
    return tuple(out)


def _concatenate_jvp(ts: tuple, ans: Any, *xs: Any, axis: int) -> Any:
    parts = [zeros_like(x) if t is None else t for t, x in zip(ts, xs)]
    return concatenate_p.bind(*parts, axis=axis)


concatenate_p.defvjp_all(_concatenate_vjp, save="shapes")
concatenate_p.defjvp(_concatenate_jvp)


def concatenate(arrays: Sequence[Any], axis: int | None = 0, **kw: Any) -> Any:
    """``np.concatenate``."""
    _no_out("concatenate", kw)
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    nd = len(shape_of(arrays[0]))
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = one_axis(axis, nd)
    if len(arrays) == 1:
        return arrays[0]
    return concatenate_p.bind(*arrays, axis=axis)


def stack(arrays: Sequence[Any], axis: int = 0, **kw: Any) -> Any:
    _no_out("stack", kw)
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {shape_of(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    nd = len(shapes.pop()) + 1
    axis = one_axis(axis, nd)
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis)


def atleast_1d(*xs: Any) -> Any:
    r = [x if len(shape_of(x)) >= 1 else reshape(x, (1,)) for x in xs]
    return r[0] if len(r) == 1 else tuple(r)  # several arrays: a tuple, as NumPy 2


def atleast_2d(*xs: Any) -> Any:
    r = []
    for x in xs:
        s = shape_of(x)
        r.append(reshape(x, (1,) * (2 - len(s)) + s) if len(s) < 2 else x)
    return r[0] if len(r) == 1 else tuple(r)  # several arrays: a tuple, as NumPy 2


def atleast_3d(*xs: Any) -> Any:
    r = []
    for x in xs:
        s = shape_of(x)
        if len(s) == 0:
            x = reshape(x, (1, 1, 1))
        elif len(s) == 1:
            x = reshape(x, (1, s[0], 1))
        elif len(s) == 2:
            x = reshape(x, s + (1,))
        r.append(x)
    return r[0] if len(r) == 1 else tuple(r)  # several arrays: a tuple, as NumPy 2


def hstack(arrays: Sequence[Any], **kw: Any) -> Any:
    arrays = [atleast_1d(a) for a in arrays]
    return concatenate(arrays, axis=0 if len(shape_of(arrays[0])) == 1 else 1, **kw)


def vstack(arrays: Sequence[Any], **kw: Any) -> Any:
    return concatenate([atleast_2d(a) for a in arrays], axis=0, **kw)


def column_stack(arrays: Sequence[Any]) -> Any:
    cols = []
    for a in arrays:
        if len(shape_of(a)) < 2:
            a = reshape(a, (-1, 1))
        cols.append(a)
    return concatenate(cols, axis=1)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """``np.split``: pieces are slices of ``x`` (each differentiable)."""
    xs = shape_of(x)
    axis = one_axis(axis, len(xs))
    n = xs[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError("array split does not result in an equal division")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pre = (slice(None),) * axis
    return [getitem(x, pre + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    xs = shape_of(x)
    axis = one_axis(axis, len(xs))
    n = xs[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("number sections must be larger than 0.")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds = [0] + list(np.cumsum(sizes).tolist())
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pre = (slice(None),) * axis
    return [getitem(x, pre + (slice(a, b),)) for a, b in zip(bounds[:-1], bounds[1:])]


def hsplit(x: Any, s: Any) -> list:
    return split(x, s, axis=1 if len(shape_of(x)) > 1 else 0)


def vsplit(x: Any, s: Any) -> list:
    return split(x, s, axis=0)


def tile(x: Any, reps: Any) -> Any:
    """``np.tile`` as reshape + broadcast_to + reshape."""
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    xs = shape_of(x)
    nd = max(len(xs), len(reps))
    xs = (1,) * (nd - len(xs)) + xs
    reps = (1,) * (nd - len(reps)) + reps
    x = reshape(x, tuple(v for s in xs for v in (1, s)))
    x = broadcast_to(x, tuple(v for r, s in zip(reps, xs) for v in (r, s)))
    return reshape(x, tuple(r * s for r, s in zip(reps, xs)))


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Any:
    """``np.repeat``: a broadcast for a scalar count, a gather for per-element counts."""
    if axis is None:
        x = ravel(x)
        axis = 0
    xs = shape_of(x)
    axis = one_axis(axis, len(xs))
    if np.ndim(repeats) == 0:
        r = int(repeats)
        y = expand_dims(x, axis + 1)
        y = broadcast_to(y, xs[: axis + 1] + (r,) + xs[axis + 1 :])
        return reshape(y, xs[:axis] + (xs[axis] * r,) + xs[axis + 1 :])
    idx = np.repeat(np.arange(xs[axis]), np.asarray(repeats))
    return getitem(x, (slice(None),) * axis + (idx,))


def flip(x: Any, axis: Any = None) -> Any:
    nd = len(shape_of(x))
    axes = normalize_axis(axis, nd)
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(nd)))


def fliplr(x: Any) -> Any:
    return flip(x, 1)


def flipud(x: Any) -> Any:
    return flip(x, 0)


def roll(x: Any, shift: Any, axis: Any = None) -> Any:
    """``np.roll`` as a gather (its transpose rolls back)."""
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape_of(x))
    xs = shape_of(x)
    shifts = (shift,) if np.ndim(shift) == 0 else tuple(shift)
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError("roll: 'shift' and 'axis' should be scalars or 1D sequences of equal length")
    for s, a in zip(shifts, axes):
        a = one_axis(a, len(xs))
        idx = np.roll(np.arange(xs[a]), int(s))
        x = getitem(x, (slice(None),) * a + (idx,))
    return x


def rot90(x: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Any:
    k %= 4
    a0, a1 = axes
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a0), a1)
    if k == 1:
        return swapaxes(flip(x, a1), a0, a1)
    return flip(swapaxes(x, a0, a1), a1)


# --------------------------------------------------------------------------- batching (vmap)
# Rules receive the values (batched ones with the batch axis first) and flags saying which
# are batched; they return the batched result.


def _bcast_to_batch(v: Any, b: bool, size: int) -> Any:
    return v if b else broadcast_to_p.bind(v, shape=(size,) + shape_of(v))


reshape_p.batch = lambda vals, b, size, shape: reshape_p.bind(vals[0], shape=(size,) + shape)
transpose_p.batch = lambda vals, b, size, axes: transpose_p.bind(
    vals[0], axes=(0,) + tuple(a + 1 for a in axes)
)


def _broadcast_to_batch(vals: list, b: list, size: int, shape: tuple) -> Any:
    x = vals[0]
    s = shape_of(x)[1:]
    if len(s) < len(shape):
        x = reshape_p.bind(x, shape=(size,) + (1,) * (len(shape) - len(s)) + s)
    return broadcast_to_p.bind(x, shape=(size,) + shape)


broadcast_to_p.batch = _broadcast_to_batch
sum_p.batch = lambda vals, b, size, axis, keepdims: sum_p.bind(
    vals[0], axis=tuple(a + 1 for a in axis), keepdims=keepdims
)


def _concatenate_batch(vals: list, b: list, size: int, axis: int) -> Any:
    return concatenate_p.bind(*(_bcast_to_batch(v, f, size) for v, f in zip(vals, b)), axis=axis + 1)


concatenate_p.batch = _concatenate_batch


# --------------------------------------------------------------------------- batch alignment


def align_batch(vals: Sequence[Any], batched: Sequence[bool], core: Sequence[int] | int = 0) -> list:
    """The vmap rules' common step: give each batched argument (vmap axis first) the same
    number of batch dimensions, inserting size-1 axes after the vmap axis, so that NumPy's
    broadcasting of the remaining batch dimensions lines up.  ``core``: the number of
    trailing core dimensions of each argument (0 for elementwise ops, 2 for matrices)."""
    cores = [core] * len(vals) if isinstance(core, int) else list(core)
    n = 0
    for v, b, c in zip(vals, batched, cores):
        r = len(shape_of(v)) - (1 if b else 0) - c
        n = r if r > n else n
    out = []
    for v, b, c in zip(vals, batched, cores):
        if b:
            s = shape_of(v)
            r = len(s) - 1 - c
            if r < n:
                v = reshape_p.bind(v, shape=(s[0],) + (1,) * (n - r) + s[1:])
        out.append(v)
    return out


# --------------------------------------------------------------------------- getitem / scatter_add
# (each the transpose of the other; the structural family is closed under transposition)


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


# (their vmap rules)


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


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(reshape_p, shape=SHAPE)
declare(transpose_p, axes=AXES)
declare(broadcast_to_p, shape=SHAPE)
declare(concatenate_p, axis=INT)
declare(sum_p, axis=AXES, keepdims=BOOL)
declare(getitem_p, idx=INDEX)
declare(scatter_add_p, idx=INDEX, shape=SHAPE)
