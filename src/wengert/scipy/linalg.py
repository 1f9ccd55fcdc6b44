"""``wengert.scipy.linalg``: differentiable ``scipy.linalg`` functions.

``solve_triangular``, ``cholesky``, ``cho_factor``/``cho_solve``, ``lu_factor``/``lu_solve``,
``expm``, ``sqrtm`` and ``block_diag``, with SciPy's signatures (``overwrite_*`` are accepted
and ignored: nothing is ever overwritten).  Matrices may carry leading batch dimensions where
SciPy allows them (``solve_triangular``, ``lu_factor``, ``expm``).

Derivatives: a triangular solve reads one triangle of ``a`` (without the diagonal when
``unit_diagonal=True``), so only that part gets a gradient; ``cholesky``/``cho_factor`` give
symmetric gradients (the derivative as a function of ``(A + A^T)/2``); ``expm``'s derivative
is its Frechet derivative (a block ``expm``); ``sqrtm``'s solves a Sylvester equation.
``cho_factor`` returns ``a``'s own entries in the unused triangle (as LAPACK leaves them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as _sl

from ..core.primitive import Tracer
from ..ops import scipy_linalg as _p
from ..ops._util import dtype_of, shape_of
from ..ops.contract import matmul_p
from ..ops.elementwise import astype, where
from ..ops.indexing import getitem
from ..ops.linalg import cholesky as _chol
from ..ops.shape import concatenate, reshape, swapaxes

__all__ = [
    "solve_triangular",
    "cholesky",
    "cho_factor",
    "cho_solve",
    "lu_factor",
    "lu_solve",
    "expm",
    "sqrtm",
    "block_diag",
]


def _lower(x: Any) -> Any:
    return x.full_lower() if isinstance(x, Tracer) else x


def _traced(*xs: Any) -> bool:
    return any(isinstance(x, Tracer) for x in xs)


def _float(*xs: Any) -> list:
    """Arrays of one floating dtype (integers become float64, float32 stays float32)."""
    xs = [x if isinstance(x, Tracer) else np.asarray(x) for x in xs]
    dt = np.result_type(*(dtype_of(x) for x in xs))
    if not np.issubdtype(dt, np.inexact):
        dt = np.dtype(np.float64)
    if np.issubdtype(dt, np.complexfloating):
        raise TypeError("wengert.scipy.linalg: complex matrices are not supported")
    return [astype(x, dt) for x in xs]


def _check_finite(name: str, *xs: Any) -> None:
    for x in xs:
        if not np.all(np.isfinite(np.asarray(_lower(x)))):
            raise ValueError("array must not contain infs or NaNs")


def _check_square(name: str, a: Any) -> int:
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise ValueError(f"{name}: expected square matrix, got an array of shape {s}")
    return s[-1]


def _trans_flag(trans: Any) -> int:
    t = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}.get(trans if not isinstance(trans, str) else trans.upper())
    if t is None:
        raise ValueError(f"invalid value for trans: {trans!r} (use 0, 1, 2, 'N', 'T' or 'C')")
    return t


def _as_matrix_rhs(name: str, b: Any, n: int) -> tuple[Any, bool]:
    """``b`` as (..., n, k); a 1-D ``b`` is one vector (SciPy's rule)."""
    s = shape_of(b)
    vec = len(s) == 1
    if vec:
        b = reshape(b, (s[0], 1))
    if len(shape_of(b)) < 2 or shape_of(b)[-2] != n:
        raise ValueError(f"{name}: shapes of a ({n}, {n}) and b {s} are incompatible")
    return b, vec


def solve_triangular(
    a: Any,
    b: Any,
    trans: Any = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """Solve ``a @ x = b`` (``trans=0``) or ``a.T @ x = b`` (``trans=1``/``2``) for ``x``,
    with ``a`` triangular; differentiable in ``a`` (its used triangle) and ``b``."""
    t = _trans_flag(trans)
    a, b = _float(a, b)
    n = _check_square("solve_triangular", a)
    if check_finite:
        _check_finite("solve_triangular", a, b)
    bm, vec = _as_matrix_rhs("solve_triangular", b, n)
    x = _p.triangular_solve(a, bm, bool(lower), t, bool(unit_diagonal))
    return getitem(x, (Ellipsis, 0)) if vec else x


def cholesky(a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """Cholesky factor: upper ``U`` with ``a = U^T U`` (default) or lower ``L`` with
    ``a = L L^T``.  Raises ``LinAlgError`` if ``a`` is not positive definite."""

    (a,) = _float(a)
    _check_square("cholesky", a)
    if check_finite:
        _check_finite("cholesky", a)
    return _chol(a, upper=not lower)


def cho_factor(a: Any, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """``(c, lower)`` for ``cho_solve``: the Cholesky factor in one triangle of ``c``; the
    other triangle holds ``a``'s entries (as SciPy leaves them)."""
    (a,) = _float(a)
    f = cholesky(a, lower=lower, check_finite=check_finite)
    n = shape_of(a)[-1]
    keep = np.tril(np.ones((n, n), dtype=bool)) if lower else np.triu(np.ones((n, n), dtype=bool))
    return where(keep, f, a), bool(lower)


def cho_solve(c_and_lower: tuple, b: Any, overwrite_b: bool = False, check_finite: bool = True) -> Any:
    """Solve ``A x = b`` given ``cho_factor(A)``; differentiable in ``c`` and ``b``."""
    try:
        c, lower = c_and_lower
    except (TypeError, ValueError):
        raise TypeError("cho_solve: the first argument must be the pair (c, lower) from cho_factor") from None
    c, b = _float(c, b)
    n = _check_square("cho_solve", c)
    if check_finite:
        _check_finite("cho_solve", c, b)
    bm, vec = _as_matrix_rhs("cho_solve", b, n)
    if lower:  # A = L L^T
        x = _p.triangular_solve(c, _p.triangular_solve(c, bm, True, 0), True, 1)
    else:  # A = U^T U
        x = _p.triangular_solve(c, _p.triangular_solve(c, bm, False, 1), False, 0)
    return getitem(x, (Ellipsis, 0)) if vec else x


def lu_factor(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> tuple:
    """``(lu, piv)``: SciPy's packed LU factors with partial pivoting; differentiable in
    ``a`` (square matrices, optionally batched).  ``piv`` is an integer array."""
    (a,) = _float(a)
    if check_finite:
        _check_finite("lu_factor", a)
    s = shape_of(a)
    if len(s) < 2:
        raise ValueError(f"lu_factor: expected a matrix, got an array of shape {s}")
    if s[-1] != s[-2]:
        if not _traced(a):
            return _sl.lu_factor(a, check_finite=False)
        raise ValueError(
            f"lu_factor: only square matrices can be differentiated (got shape {s}); "
            "use scipy.linalg.lu_factor on plain arrays"
        )
    piv, lu = _p.lu_factor_p.bind(a)
    return lu, piv


def lu_solve(lu_and_piv: tuple, b: Any, trans: Any = 0, overwrite_b: bool = False, check_finite: bool = True) -> Any:
    """Solve ``A x = b`` (``trans=0``) or ``A^T x = b`` (``trans=1``/``2``) given
    ``lu_factor(A)``; differentiable in ``lu`` and ``b``."""
    try:
        lu, piv = lu_and_piv
    except (TypeError, ValueError):
        raise TypeError("lu_solve: the first argument must be the pair (lu, piv) from lu_factor") from None
    t = _trans_flag(trans)
    lu, b = _float(lu, b)
    n = _check_square("lu_solve", lu)
    if check_finite:
        _check_finite("lu_solve", lu, b)
    bm, vec = _as_matrix_rhs("lu_solve", b, n)
    pt = _p.lu_perm_t(piv, lu)  # P^T, A = P L U
    if t == 0:
        y = _p.triangular_solve(lu, matmul_p.bind(pt, bm), True, 0, True)
        x = _p.triangular_solve(lu, y, False, 0)
    else:
        y = _p.triangular_solve(lu, bm, False, 1)
        y = _p.triangular_solve(lu, y, True, 1, True)
        x = matmul_p.bind(swapaxes(pt, -1, -2), y)
    return getitem(x, (Ellipsis, 0)) if vec else x


def expm(A: Any) -> Any:  # noqa: N803  (SciPy's argument name)
    """Matrix exponential (Pade approximation with scaling and squaring, as SciPy); its
    derivative is the Frechet derivative, computed as a block ``expm``."""
    (A,) = _float(A)
    _check_square("expm", A)
    return _p.expm_p.bind(A)


def sqrtm(A: Any, **kwargs: Any) -> Any:  # noqa: N803  (SciPy's argument name)
    """Principal matrix square root; its derivative solves ``X dX + dX X = dA``.

    Matrices without a real square root give SciPy's complex result on plain arrays; on
    traced values they raise ``ValueError`` (complex results are not differentiable)."""
    if kwargs:
        raise TypeError(f"sqrtm: unsupported arguments {sorted(kwargs)} (disp and blocksize are deprecated in SciPy)")
    (A,) = _float(A)
    _check_square("sqrtm", A)
    out = _p.sqrtm_p.bind(A)
    if _traced(A) and np.issubdtype(dtype_of(out), np.complexfloating):
        raise ValueError("sqrtm: the matrix has no real square root; complex results are not differentiable")
    return out


def block_diag(*arrs: Any) -> Any:
    """Block diagonal matrix of the arguments (0-D and 1-D arguments are 2-D rows, as in
    SciPy); differentiable in every block."""
    if not arrs:
        return np.empty((1, 0))
    blocks = []
    for k, a in enumerate(arrs):
        if not isinstance(a, Tracer):
            a = np.asarray(a)
        s = shape_of(a)
        if len(s) > 2:
            raise ValueError(f"arguments in the following positions have dimension greater than 2: [{k}]")
        if len(s) < 2:
            a = reshape(a, (1, -1) if s else (1, 1))
        blocks.append(a)
    dt = np.result_type(*(dtype_of(b) for b in blocks))
    blocks = [astype(b, dt) for b in blocks]
    cols = [shape_of(b)[1] for b in blocks]
    total = sum(cols)
    rows = []
    start = 0
    for b, c in zip(blocks, cols):
        r = shape_of(b)[0]
        parts = []
        if start:
            parts.append(np.zeros((r, start), dtype=dt))
        parts.append(b)
        if total - start - c:
            parts.append(np.zeros((r, total - start - c), dtype=dt))
        rows.append(concatenate(parts, axis=1) if len(parts) > 1 else b)
        start += c
    return concatenate(rows, axis=0) if len(rows) > 1 else rows[0]
