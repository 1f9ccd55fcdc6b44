"""``wengert.numpy.linalg``: NumPy's ``numpy.linalg``, differentiable (see docs/linalg.md).

The decompositions and solvers are primitives with their own rules (``ops/linalg.py``);
norms, ``cond``, ``matrix_power``, ``multi_dot``, the tensor solvers and the array-API names
are composed of them here.  Importing this module also lets plain
``np.linalg.<name>(traced)`` calls reach these functions through ``__array_function__``.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops import linalg as _la
from ..ops import spectral as _sp
from ..ops._util import dtype_of, normalize_axis, shape_of
from ..ops.complex import imag, is_complex, real
from ..ops.contract import diagonal as _c_diagonal
from ..ops.contract import dot, tensordot
from ..ops.contract import matmul as _matmul
from ..ops.contract import outer as _outer
from ..ops.contract import trace as _trace
from ..ops.elementwise import (
    abs_p,
    add_p,
    astype,
    equal,
    multiply_p,
    not_equal,
    power_p,
    sqrt_p,
    true_divide_p,
    where_p,
)
from ..ops.indexing import getitem
from ..ops.linalg import (  # noqa: F401  (re-exported)
    _T,
    _check_matrix,
    _ensure_float,
    _is_traced,
    _mm,
    cholesky,
    det,
    inv,
    qr,
    slogdet,
    solve,
)
from ..ops.reduce import max as _max
from ..ops.reduce import min as _min
from ..ops.shape import (
    expand_dims,
    moveaxis,
    reshape,
    sum,
    transpose,
)
from ..ops.spectral import eig, eigh, eigvals, eigvalsh, lstsq, pinv, svd, svdvals  # noqa: F401  (re-exported)
from . import _dispatch
from ._common import wrap_namespace  # noqa: E402
from ._matrices import cross as _cross  # noqa: E402

LinAlgError = np.linalg.LinAlgError

__all__ = [
    *_la.__all__,
    *_sp.__all__,
    "norm",
    "vector_norm",
    "matrix_norm",
    "cond",
    "matrix_power",
    "multi_dot",
    "tensorsolve",
    "tensorinv",
    "matmul",
    "matrix_transpose",
    "trace",
    "diagonal",
    "outer",
    "tensordot",
    "vecdot",
    "LinAlgError",
]


# --------------------------------------------------------------------------- norms


def _abs2(x: Any) -> Any:
    """|x|^2 (x*x for real x)."""
    if is_complex(x):
        return add_p.bind(multiply_p.bind(real(x), real(x)), multiply_p.bind(imag(x), imag(x)))
    return multiply_p.bind(x, x)


def _safe_sqrt(s: Any) -> Any:
    """sqrt with derivative 0 (not inf) at 0: the norm's gradient at the zero vector is 0."""
    zero = equal(s, 0.0)
    return where_p.bind(zero, 0.0, sqrt_p.bind(where_p.bind(zero, 1.0, s)))


def _safe_root(s: Any, p: float) -> Any:
    zero = equal(s, 0.0)
    return where_p.bind(zero, 0.0, power_p.bind(where_p.bind(zero, 1.0, s), 1.0 / p))


def _vector_norm(x: Any, ord: Any, axis: int, keepdims: bool) -> Any:  # noqa: A002
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return _safe_sqrt(sum(_abs2(x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    try:
        ord + 1  # noqa: B018
    except TypeError:
        raise ValueError(f"Invalid norm order '{ord}' for vectors") from None
    if ord == np.inf:
        return _max(abs_p.bind(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _min(abs_p.bind(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return sum(astype(not_equal(x, 0), dtype_of(real(x))), axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(abs_p.bind(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    return _safe_root(sum(power_p.bind(abs_p.bind(x), p), axis=axis, keepdims=keepdims), p)


def _matrix_norm(x: Any, ord: Any, row: int, col: int, keepdims: bool) -> Any:  # noqa: A002
    if ord in (2, -2, "nuc"):
        s = svd(moveaxis(x, (row, col), (-2, -1)), compute_uv=False)
        if ord == 2:
            out = _max(s, axis=-1)
        elif ord == -2:
            out = _min(s, axis=-1)
        else:
            out = sum(s, axis=-1)
    elif ord in (None, "fro", "f"):
        out = _safe_sqrt(sum(_abs2(x), axis=(row, col)))
    elif ord in (1, -1, np.inf, -np.inf):
        red, keep = (row, col) if ord in (1, -1) else (col, row)
        ext = _max if ord in (1, np.inf) else _min
        if keep > red:
            keep -= 1
        out = ext(sum(abs_p.bind(x), axis=red), axis=keep)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shp = list(shape_of(x))
        shp[row] = 1
        shp[col] = 1
        out = reshape(out, tuple(shp))
    return out


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """``np.linalg.norm``: vector orders None/2, 1, inf, -inf, 0, any p; matrix orders
    'fro', 'nuc', 2, -2, 1, -1, inf, -inf; ``axis`` an int or a pair, ``keepdims``.

    The 2-norm/Frobenius norm (and p-norms) of an all-zero vector have gradient 0.
    """
    if not _is_traced(x):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    x = _ensure_float(x)
    nd = len(shape_of(x))
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            out = _safe_sqrt(sum(_abs2(x)))
            return reshape(out, (1,) * nd) if keepdims else out
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = int(operator.index(axis))
        except TypeError:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from None
        axis = (axis,)
    if len(axis) == 1:
        ax = axis[0]
        if not -nd <= ax < nd:
            raise np.exceptions.AxisError(ax, nd)
        return _vector_norm(x, ord, ax % nd, bool(keepdims))
    if len(axis) == 2:
        r, c = axis
        for ax in axis:
            if not -nd <= ax < nd:
                raise np.exceptions.AxisError(ax, nd)
        r, c = r % nd, c % nd
        if r == c:
            raise ValueError("Duplicate axes given.")
        return _matrix_norm(x, ord, r, c, bool(keepdims))
    raise ValueError("Improper number of dimensions to norm.")


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:  # noqa: A002
    """``np.linalg.vector_norm`` (``axis`` None or a tuple flattens those axes into one)."""
    if not _is_traced(x):
        return np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    x = _ensure_float(x)
    shp = shape_of(x)
    nd = len(shp)
    if axis is None:
        out = _vector_norm(reshape(x, (-1,)), ord, 0, False)
        return reshape(out, (1,) * nd) if keepdims else out
    if isinstance(axis, tuple):

        axes = normalize_axis(axis, nd)
        rest = [i for i in range(nd) if i not in axes]
        y = reshape(transpose(x, rest + list(axes)), tuple(shp[i] for i in rest) + (-1,))
        out = _vector_norm(y, ord, len(rest), False)
        if keepdims:
            out = reshape(out, tuple(1 if i in axes else shp[i] for i in range(nd)))
        return out
    return norm(x, ord=ord, axis=axis, keepdims=keepdims)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:  # noqa: A002
    """``np.linalg.matrix_norm`` over the last two axes."""
    if not _is_traced(x):
        return np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord)
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)


def cond(x: Any, p: Any = None) -> Any:
    """``np.linalg.cond``: ratio of singular values for p None/2/-2, else
    ``norm(x, p) * norm(inv(x), p)``."""
    if not _is_traced(x):
        return np.linalg.cond(x, p)
    _check_matrix("cond", x, square=p not in (None, 2, -2))
    x = _ensure_float(x)
    if p in (None, 2, -2):
        s = svd(x, compute_uv=False)
        first, last = getitem(s, (Ellipsis, 0)), getitem(s, (Ellipsis, -1))
        return true_divide_p.bind(first, last) if p != -2 else true_divide_p.bind(last, first)
    return multiply_p.bind(norm(x, p, axis=(-2, -1)), norm(inv(x), p, axis=(-2, -1)))


# --------------------------------------------------------------------------- composed


def matrix_power(a: Any, n: Any) -> Any:
    """``np.linalg.matrix_power`` by repeated squaring (``inv`` first for ``n < 0``)."""
    try:
        n = operator.index(n)
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e
    _check_matrix("matrix_power", a)
    if not _is_traced(a):
        return np.linalg.matrix_power(a, n)
    shp = shape_of(a)
    if n == 0:
        return np.broadcast_to(np.eye(shp[-1], dtype=dtype_of(a)), shp).copy()
    if n < 0:
        a = inv(a)
        n = -n
    if n == 1:
        return a
    if n == 2:
        return _mm(a, a)
    if n == 3:
        return _mm(_mm(a, a), a)
    result = None
    z = a
    while True:
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else _mm(result, z)
        if n == 0:
            return result
        z = _mm(z, z)


def _chain_order(dims: list[int]) -> list[list[int]]:
    """Split points of the cheapest parenthesisation of a matrix chain (dynamic programming
    over the chain's sub-ranges): ``split[i][j]`` is where ``A_i..A_j`` is cut."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            best = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, k
            cost[i][j] = best
    return split


def multi_dot(arrays: Sequence[Any], *, out: Any = None) -> Any:
    """``np.linalg.multi_dot``: a matmul chain in the cheapest order; the first array may be
    1-D (a row), the last 1-D (a column)."""
    arrays = list(arrays)
    if not _is_traced(*arrays):
        return np.linalg.multi_dot(arrays, out=out)
    if out is not None:
        raise TypeError("multi_dot: out= is not supported on traced values")
    if len(arrays) < 2:
        raise ValueError("Expecting at least two arrays.")
    if len(arrays) == 2:

        return dot(arrays[0], arrays[1])
    first_vec = len(shape_of(arrays[0])) == 1
    last_vec = len(shape_of(arrays[-1])) == 1
    if first_vec:
        arrays[0] = expand_dims(arrays[0], 0)
    if last_vec:
        arrays[-1] = expand_dims(arrays[-1], -1)
    for x in arrays:
        if len(shape_of(x)) != 2:
            raise np.linalg.LinAlgError(f"{len(shape_of(x))}-dimensional array given. Array must be two-dimensional")
    dims = [shape_of(arrays[0])[0]] + [shape_of(x)[1] for x in arrays]
    split = _chain_order(dims)

    def prod(i: int, j: int) -> Any:
        if i == j:
            return arrays[i]
        k = split[i][j]
        return _matmul(prod(i, k), prod(k + 1, j))

    res = prod(0, len(arrays) - 1)
    if first_vec and last_vec:
        return getitem(res, (0, 0))
    if first_vec:
        return getitem(res, 0)
    if last_vec:
        return getitem(res, (slice(None), 0))
    return res


def tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    """``np.linalg.tensorsolve`` as a reshaped ``solve``."""
    if not _is_traced(a, b):
        return np.linalg.tensorsolve(a, b, axes=axes)
    an = len(shape_of(a))
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k % an)
            allaxes.insert(an, k % an)
        a = transpose(a, allaxes)
    bn = len(shape_of(b))
    oldshape = shape_of(a)[-(an - bn) :] if an > bn else ()
    prod = int(np.prod(oldshape))
    if int(np.prod(shape_of(a))) != prod**2:
        raise np.linalg.LinAlgError("Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    x = solve(reshape(a, (prod, prod)), reshape(b, (-1,)))
    return reshape(x, oldshape)


def tensorinv(a: Any, ind: int = 2) -> Any:
    """``np.linalg.tensorinv`` as a reshaped ``inv``."""
    if not _is_traced(a):
        return np.linalg.tensorinv(a, ind=ind)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    shp = shape_of(a)
    oldshape = shp
    prod = int(np.prod(oldshape[:ind]))
    invshape = oldshape[ind:] + oldshape[:ind]
    if int(np.prod(oldshape[ind:])) != prod:
        raise np.linalg.LinAlgError("tensorinv: the product of the first `ind` dimensions must equal that of the rest")
    return reshape(inv(reshape(a, (prod, -1))), invshape)


# --------------------------------------------------------------------------- array-API names


def matmul(x1: Any, x2: Any, /) -> Any:
    return _matmul(x1, x2)


def matrix_transpose(x: Any, /) -> Any:
    if len(shape_of(x)) < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return _T(x)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:

    return _trace(x, offset, -2, -1, dtype=dtype)


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """``np.linalg.diagonal``: the diagonals of the last two axes."""
    return _c_diagonal(x, offset, -2, -1)


def outer(x1: Any, x2: Any, /) -> Any:
    if len(shape_of(x1)) != 1 or len(shape_of(x2)) != 1:
        raise ValueError("Input arrays must be one-dimensional")
    return _outer(x1, x2)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    return sum(multiply_p.bind(x1, x2), axis=axis)


tensordot = tensordot  # np.linalg.tensordot is np.tensordot


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """``np.linalg.cross``: the cross product of 3-vectors along ``axis`` (array-API name)."""
    return _cross(x1, x2, axis=axis)


__all__.append("cross")

wrap_namespace(globals(), __all__)  # lists of traced values are arrays here too


def _register() -> None:

    here = globals()
    for name in __all__:
        f = getattr(np.linalg, name, None)
        if f is not None and f not in _dispatch._FUNCS and callable(here[name]) and not isinstance(here[name], type):
            _dispatch._FUNCS[f] = here[name]


_register()


def __dir__() -> list[str]:
    """The public names only (the helpers imported from ``ops`` are not part of the facade)."""
    return sorted(__all__)


# NumPy's other public linalg names as NumPy's own (matrix_rank: integer-valued, no derivative).
for _name in dir(np.linalg):
    if not _name.startswith("_") and _name not in globals() and _name != "test":
        globals()[_name] = getattr(np.linalg, _name)
        __all__.append(_name)
del _name
