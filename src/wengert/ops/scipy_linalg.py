"""Linear-algebra primitives from ``scipy.linalg``: triangular solves, LU factorization, the
matrix exponential, the matrix square root and the Sylvester equation.

Each rule is written with wengert ops and these primitives again (a triangular solve's
derivative is a triangular solve, ``expm``'s Frechet derivative is a block ``expm``, ``sqrtm``'s
derivative solves a Sylvester equation whose own derivative solves another), so every
derivative can be differentiated again.  Cholesky comes from ``wengert.ops.linalg``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as _sl

from ..core.primitive import Primitive
from ..core.schema import BOOL, DTYPE, choice, declare
from ._util import dtype_of, shape_of
from .contract import matmul_p
from .elementwise import add_p, multiply_p, negative_p, subtract_p, zeros_like
from .indexing import getitem
from .shape import align_batch, broadcast_to, concatenate, reshape, swapaxes, unbroadcast


def _T(x: Any) -> Any:
    return swapaxes(x, -1, -2)


def _mm(a: Any, b: Any) -> Any:
    return matmul_p.bind(a, b)


def _tri_mask(n: int, lower: bool, strict: bool, dtype: Any) -> np.ndarray:
    ones = np.ones((n, n), dtype=dtype)
    if lower:
        return np.tril(ones, -1 if strict else 0)
    return np.triu(ones, 1 if strict else 0)


def _mask(x: Any, lower: bool, strict: bool) -> Any:
    """The lower (upper) triangle of ``x``, without the diagonal if ``strict``."""
    return multiply_p.bind(x, _tri_mask(shape_of(x)[-1], lower, strict, dtype_of(x)))


# --------------------------------------------------------------------------- triangular solve
# triangular_solve_p(a, b, lower, trans, unit_diagonal): X with op(A) X = B, where op(A) is
# A (trans=0) or A^T (trans=1); a is (..., n, n), b is (..., n, k) (batch dims broadcast).
# Only the triangle that the solve reads (without the diagonal if unit_diagonal) carries a
# derivative.


def _trisolve_impl(a: Any, b: Any, lower: bool, trans: int, unit_diagonal: bool) -> Any:
    if a.ndim == 2 and b.ndim == 2:
        return _sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=False)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + b.shape[-2:], dtype=np.result_type(a, b))
    for i in np.ndindex(batch):
        out[i] = _sl.solve_triangular(a[i], b[i], trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=False)
    return out


def triangular_solve(a: Any, b: Any, lower: bool, trans: int = 0, unit_diagonal: bool = False) -> Any:
    return triangular_solve_p.bind(a, b, lower=lower, trans=trans, unit_diagonal=unit_diagonal)


def _trisolve_vjp(ct: Any, ans: Any, a: Any, b: Any, lower: bool, trans: int, unit_diagonal: bool) -> tuple:
    gb = triangular_solve(a, ct, lower, 1 - trans, unit_diagonal)
    ga = _mm(gb, _T(ans)) if trans == 0 else _mm(ans, _T(gb))
    ga = _mask(negative_p.bind(ga), lower, unit_diagonal)
    return unbroadcast(ga, shape_of(a)), unbroadcast(gb, shape_of(b))


def _trisolve_jvp(ts: tuple, ans: Any, a: Any, b: Any, lower: bool, trans: int, unit_diagonal: bool) -> Any:
    ta, tb = ts
    rhs = None
    if ta is not None:
        da = _mask(ta, lower, unit_diagonal)
        rhs = negative_p.bind(_mm(da if trans == 0 else _T(da), ans))
    if tb is not None:
        rhs = tb if rhs is None else add_p.bind(rhs, tb)
    if shape_of(rhs) != shape_of(ans):

        rhs = broadcast_to(rhs, shape_of(ans))
    return triangular_solve(a, rhs, lower, trans, unit_diagonal)


def _trisolve_batch(vals: list, batched: list, size: int, **params: Any) -> Any:
    a, b = vals
    if batched[1] and not batched[0] and len(shape_of(a)) == 2:
        # one solve with the batch folded into the right-hand-side columns
        sb = shape_of(b)  # (B, ..., n, k)
        bt = reshape(swapaxes(reshape(b, (-1,) + sb[-2:]), 0, 1), (sb[-2], -1))
        x = triangular_solve_p.bind(a, bt, **params)
        x = swapaxes(reshape(x, (sb[-2], -1, sb[-1])), 0, 1)
        return reshape(x, sb)
    a, b = align_batch([a, b], batched, (2, 2))
    return triangular_solve_p.bind(a, b, **params)


triangular_solve_p = Primitive("triangular_solve", _trisolve_impl)
triangular_solve_p.defvjp_all(_trisolve_vjp, save="both")
triangular_solve_p.defjvp(_trisolve_jvp)
triangular_solve_p.batch = _trisolve_batch


# --------------------------------------------------------------------------- LU
# lu_factor_p(a) -> (piv, lu): SciPy's packed factors of a square matrix, A = P L U with L
# unit lower triangular (below the diagonal of lu) and U upper triangular (on and above).
# The pivots come first so that the differentiable result holds the tape record.


def _lu_factor_impl(a: Any) -> tuple:
    if a.ndim == 2:
        lu, piv = _sl.lu_factor(a, check_finite=False)
        return piv, lu
    lu = np.empty_like(a)
    piv = np.empty(a.shape[:-1], dtype=np.int32)
    for i in np.ndindex(a.shape[:-2]):
        lu[i], piv[i] = _sl.lu_factor(a[i], check_finite=False)
    return piv, lu


def _perm_t_impl(piv: Any, dtype: Any) -> Any:
    """P^T (with A = P L U) from LAPACK's pivots (row i was swapped with row piv[i])."""
    piv = np.asarray(piv)
    n = piv.shape[-1]
    out = np.empty(piv.shape + (n,), dtype=dtype)
    for idx in np.ndindex(piv.shape[:-1]):
        perm = np.arange(n)
        for i, p in enumerate(piv[idx]):
            perm[i], perm[p] = perm[p], perm[i]
        out[idx] = np.eye(n, dtype=dtype)[perm]
    return out


lu_perm_t_p = Primitive("lu_pivots_to_permutation", _perm_t_impl, nondiff=True)


def lu_perm_t(piv: Any, like: Any) -> Any:
    """The permutation matrix P^T (as ``like``'s dtype) of SciPy's LU pivots."""
    return lu_perm_t_p.bind(piv, dtype=dtype_of(like))


def _l_inv(lu: Any, x: Any, trans: int = 0) -> Any:
    return triangular_solve(lu, x, True, trans, True)


def _u_inv(lu: Any, x: Any, trans: int = 0) -> Any:
    return triangular_solve(lu, x, False, trans, False)


def _lu_jvp(ts: tuple, ans: tuple, a: Any) -> tuple:
    piv, lu = ans
    pt = lu_perm_t(piv, lu)
    x = _l_inv(lu, _mm(pt, ts[0]))  # L^{-1} P^T dA
    f = _T(_u_inv(lu, _T(x), 1))  # ... U^{-1}
    low = add_p.bind(_mask(lu, True, True), np.eye(shape_of(lu)[-1], dtype=dtype_of(lu)))
    up = _mask(lu, False, False)
    dlu = add_p.bind(_mm(low, _mask(f, True, True)), _mm(_mask(f, False, False), up))
    return None, dlu


def _lu_vjp(ct: tuple, ans: tuple) -> tuple:
    c = ct[1]
    if c is None:
        return (None,)
    piv, lu = ans
    low = add_p.bind(_mask(lu, True, True), np.eye(shape_of(lu)[-1], dtype=dtype_of(lu)))
    up = _mask(lu, False, False)
    fbar = add_p.bind(_mask(_mm(_T(low), c), True, True), _mask(_mm(c, _T(up)), False, False))
    y = _l_inv(lu, fbar, 1)  # L^{-T} Fbar
    z = _T(_u_inv(lu, _T(y)))  # ... U^{-T}
    return (_mm(_T(lu_perm_t(piv, lu)), z),)


lu_factor_p = Primitive("lu_factor", _lu_factor_impl, multiple_results=True)
lu_factor_p.defvjp_all(_lu_vjp, save="ans")
lu_factor_p.defjvp(_lu_jvp)
lu_factor_p.batch = lambda vals, batched, size: lu_factor_p.bind(vals[0])  # the impl batches


# --------------------------------------------------------------------------- expm


def _expm_impl(a: Any) -> Any:
    return _sl.expm(a)


def _frechet(a: Any, e: Any) -> Any:
    """The Frechet derivative L(A, E) of expm: the upper right block of
    expm([[A, E], [0, A]])."""
    n = shape_of(a)[-1]
    nd = max(len(shape_of(a)), len(shape_of(e)))
    if shape_of(a) != shape_of(e):

        shp = np.broadcast_shapes(shape_of(a), shape_of(e))
        a, e = broadcast_to(a, shp), broadcast_to(e, shp)
    z = zeros_like(a)
    top = concatenate([a, e], axis=nd - 1)
    bottom = concatenate([z, a], axis=nd - 1)
    big = expm_p.bind(concatenate([top, bottom], axis=nd - 2))
    return getitem(big, (Ellipsis, slice(0, n), slice(n, 2 * n)))


expm_p = Primitive("expm", _expm_impl)
expm_p.defvjp(lambda ct, ans, a: _frechet(_T(a), ct), save="args")
expm_p.defjvp(lambda ts, ans, a: _frechet(a, ts[0]))
expm_p.batch = lambda vals, batched, size: expm_p.bind(vals[0])  # expm batches leading dims


# --------------------------------------------------------------------------- Sylvester / sqrtm
# sylvester_p(a, b, q): X with A X + X B = Q (2-D).  Its derivative solves the same
# equation: A dX + dX B = dQ - dA X - X dB; the adjoint operator is Y -> A^T Y + Y B^T.


def _sylvester_impl(a: Any, b: Any, q: Any) -> Any:
    if a.ndim == 2 and b.ndim == 2 and q.ndim == 2:
        return _sl.solve_sylvester(a, b, q)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2], q.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    q = np.broadcast_to(q, batch + q.shape[-2:])
    out = np.empty(batch + q.shape[-2:], dtype=np.result_type(a, b, q))
    for i in np.ndindex(batch):
        out[i] = _sl.solve_sylvester(a[i], b[i], q[i])
    return out


def _sylvester_vjp(ct: Any, ans: Any, a: Any, b: Any, q: Any) -> tuple:
    y = sylvester_p.bind(_T(a), _T(b), ct)
    ga = negative_p.bind(_mm(y, _T(ans)))
    gb = negative_p.bind(_mm(_T(ans), y))
    return unbroadcast(ga, shape_of(a)), unbroadcast(gb, shape_of(b)), unbroadcast(y, shape_of(q))


def _sylvester_jvp(ts: tuple, ans: Any, a: Any, b: Any, q: Any) -> Any:
    ta, tb, tq = ts
    rhs = tq
    if ta is not None:
        t = _mm(ta, ans)
        rhs = negative_p.bind(t) if rhs is None else subtract_p.bind(rhs, t)
    if tb is not None:
        t = _mm(ans, tb)
        rhs = negative_p.bind(t) if rhs is None else subtract_p.bind(rhs, t)
    return sylvester_p.bind(a, b, rhs)


def _sylvester_batch(vals: list, batched: list, size: int) -> Any:
    return sylvester_p.bind(*align_batch(list(vals), batched, (2, 2, 2)))


sylvester_p = Primitive("solve_sylvester", _sylvester_impl)
sylvester_p.defvjp_all(_sylvester_vjp, save="both")
sylvester_p.defjvp(_sylvester_jvp)
sylvester_p.batch = _sylvester_batch


def _sqrtm_impl(a: Any) -> Any:
    if a.ndim == 2:
        return _sl.sqrtm(a)
    out = None
    for i in np.ndindex(a.shape[:-2]):
        r = _sl.sqrtm(a[i])
        if out is None:
            out = np.empty(a.shape[:-2] + r.shape, dtype=r.dtype)
        out[i] = r
    return out if out is not None else np.empty(a.shape, dtype=a.dtype)


# X = sqrtm(A): X dX + dX X = dA.
sqrtm_p = Primitive("sqrtm", _sqrtm_impl)
sqrtm_p.defvjp(lambda ct, ans: sylvester_p.bind(_T(ans), _T(ans), ct), save="ans")
sqrtm_p.defjvp(lambda ts, ans, a: sylvester_p.bind(ans, ans, ts[0]))
sqrtm_p.batch = lambda vals, batched, size: sqrtm_p.bind(vals[0])


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

declare(triangular_solve_p, lower=BOOL, trans=choice(0, 1), unit_diagonal=BOOL)
declare(lu_perm_t_p, dtype=DTYPE)
for _p in (lu_factor_p, expm_p, sylvester_p, sqrtm_p):
    declare(_p)
