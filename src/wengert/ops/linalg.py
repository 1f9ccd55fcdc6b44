"""Linear algebra primitives (``numpy.linalg``): solve, inv, det/slogdet, cholesky, qr, and
the helpers every linalg rule shares; the spectral ones (eigh, eig, svd, pinv, lstsq) are in
``ops/spectral.py`` and the compositions (norms, matrix_power, ...) in ``numpy/linalg.py``.

Every primitive works on stacks of matrices ``(..., M, N)`` with NumPy's broadcasting of the
leading (batch) dimensions; wrappers turn NumPy's vector special cases into matrices first,
so each primitive has one vmap rule (align the batch ranks, then apply the primitive).
Rules are written with wengert ops (``solve`` differentiates through ``solve`` again, ...), so
they can be differentiated again.

Conventions at points where a derivative is not unique are described in ``docs/linalg.md``:
functions that read one triangle of their input (cholesky, eigh, eigvalsh, ``hermitian=True``
in svd and pinv) are differentiated with respect to the entries they read, so the gradient
is zero on the other triangle and agrees with finite differences of NumPy on any input; pairs
of (numerically) equal eigenvalues or singular values contribute zero to the
eigenvector/singular-vector terms instead of an infinite or NaN value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..core.schema import BOOL, declare
from ..errors import NoRuleError
from ._util import dtype_of, shape_of
from .complex import imag, is_complex, real
from .contract import diagonal as _c_diagonal
from .contract import matmul_p
from .elementwise import (
    abs_p,
    add_p,
    astype,
    less_equal,
    multiply_p,
    negative_p,
    stop_gradient_p,
    subtract_p,
    true_divide_p,
    where_p,
)
from .indexing import getitem
from .reduce import max as _max
from .shape import (
    align_batch,
    broadcast_to,
    concatenate,
    expand_dims,
    sum,
    swapaxes,
    unbroadcast,
)

__all__ = [
    "solve",
    "inv",
    "det",
    "slogdet",
    "cholesky",
    "qr",
]

_L = np.linalg._linalg  # NumPy's result types (EighResult, SVDResult, ...)

# --------------------------------------------------------------------------- helpers


def _T(x: Any) -> Any:
    return swapaxes(x, -1, -2)


def _mm(a: Any, b: Any) -> Any:
    return matmul_p.bind(a, b)


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return add_p.bind(a, b)


def _eye(n: int, like: Any) -> np.ndarray:
    return np.eye(n, dtype=dtype_of(like))


def _diag(v: Any) -> Any:
    """(..., n) -> (..., n, n) with ``v`` on the diagonal."""
    return multiply_p.bind(expand_dims(v, -1), _eye(shape_of(v)[-1], v))


def _diagpart(x: Any) -> Any:
    return _c_diagonal(x, 0, -2, -1)


def _tril(x: Any, k: int = 0) -> Any:
    m, n = shape_of(x)[-2:]
    return multiply_p.bind(x, np.tril(np.ones((m, n), dtype=dtype_of(x)), k))


def _triu(x: Any, k: int = 0) -> Any:
    m, n = shape_of(x)[-2:]
    return multiply_p.bind(x, np.triu(np.ones((m, n), dtype=dtype_of(x)), k))


def _reflect(t: Any, lower: bool) -> Any:
    """The symmetric matrix that LAPACK sees when it reads one triangle of ``t`` (the lower
    one, or the upper one): the tangent of such an input."""
    if lower:
        return add_p.bind(_tril(t), _T(_tril(t, -1)))
    return add_p.bind(_triu(t), _T(_triu(t, 1)))


def _fold(m: Any, lower: bool) -> Any:
    """The transpose of ``_reflect``: a gradient ``m`` with respect to the matrix LAPACK sees,
    carried onto the triangle actually read (``m_ii`` on the diagonal, ``m_ij + m_ji`` below
    it for the lower triangle, zero on the unread one).  ``m`` need not be symmetric:
    ``_fold(m) == _fold(m^T)``."""
    if lower:
        return add_p.bind(_tril(m), _tril(_T(m), -1))
    return add_p.bind(_triu(m), _triu(_T(m), 1))


def _col(v: Any) -> Any:
    """Scale columns: (..., k) -> (..., 1, k) for broadcasting against (..., m, k)."""
    return expand_dims(v, -2)


def _is_traced(*xs: Any) -> bool:
    return any(isinstance(x, Tracer) for x in xs)


def _real_only(name: str, *xs: Any) -> None:
    """Complex inputs of the decompositions with conjugate-transposed rules are not
    differentiated yet: a clear error instead of a wrong derivative."""
    for x in xs:
        if isinstance(x, Tracer) and is_complex(x):
            raise NoRuleError(
                f"wengert.numpy.linalg.{name}: derivatives for complex matrices are not "
                "implemented yet (real inputs are; solve, inv, det, slogdet, eig, eigvals, "
                "matrix_power, multi_dot, tensorsolve, tensorinv and norm support complex ones)"
            )


def _check_matrix(name: str, a: Any, square: bool = True) -> tuple[int, ...]:
    s = shape_of(a)
    if len(s) < 2:
        raise np.linalg.LinAlgError(
            f"{len(s)}-dimensional array given. Array must be at least two-dimensional ({name})"
        )
    if square and s[-1] != s[-2]:
        raise np.linalg.LinAlgError(f"Last 2 dimensions of the array must be square ({name})")
    return s


def _inverse_gaps(w: Any) -> Any:
    """``F[..., i, j] = 1 / (w_j - w_i)`` for separated values, 0 where ``|w_j - w_i|`` is
    within rounding of the largest ``|w|`` (ties; the diagonal included).

    The tie test uses the values only (no derivative); both ``where`` branches are finite,
    so differentiating F again gives no 0 * inf."""
    n = shape_of(w)[-1]
    d = subtract_p.bind(expand_dims(w, -2), expand_dims(w, -1))  # d[i, j] = w_j - w_i
    if n == 0:
        return d
    ws = stop_gradient_p.bind(w)
    big = _max(abs_p.bind(ws), axis=-1, keepdims=True)
    tol = multiply_p.bind(expand_dims(big, -1), 16.0 * n * float(np.finfo(dtype_of(w)).eps))
    gap = subtract_p.bind(expand_dims(ws, -2), expand_dims(ws, -1))
    tie = less_equal(abs_p.bind(gap), tol)
    safe = where_p.bind(tie, 1.0, d)
    return where_p.bind(tie, 0.0, true_divide_p.bind(1.0, safe))


def _batch_matrices(prim: Primitive) -> Callable:
    """vmap rule for primitives whose arguments are all stacks of matrices: give each batched
    argument the largest batch rank (size-1 axes after the vmap axis), then apply the
    primitive, whose impl broadcasts batch dimensions like NumPy's gufuncs."""

    def rule(vals: list, batched: list, size: int, **params: Any) -> Any:
        return prim.bind(*align_batch(vals, batched, 2), **params)

    return rule


def _ensure_float(x: Any) -> Any:
    if not np.issubdtype(dtype_of(x), np.inexact):
        return astype(x, np.float64)
    return x


# --------------------------------------------------------------------------- solve / inv


def _solve_vjp(ct: Any, ans: Any, a: Any, b: Any) -> tuple:
    gb = solve_p.bind(_T(a), ct)
    ga = negative_p.bind(_mm(gb, _T(ans)))
    return unbroadcast(ga, shape_of(a)), unbroadcast(gb, shape_of(b))


def _solve_jvp(ts: tuple, ans: Any, a: Any, b: Any) -> Any:
    ta, tb = ts
    rhs = tb
    if ta is not None:
        rhs = _add(rhs, negative_p.bind(_mm(ta, ans)))
    out = solve_p.bind(a, rhs)
    return out if shape_of(out) == shape_of(ans) else broadcast_to(out, shape_of(ans))


solve_p = Primitive("linalg_solve", lambda a, b: np.linalg.solve(a, b))
solve_p.defvjp_all(_solve_vjp)
solve_p.defjvp(_solve_jvp)


def solve(a: Any, b: Any) -> Any:
    """``np.linalg.solve``: ``b`` is a vector when it is 1-D (NumPy 2's rule), else a stack
    of matrices; batch dimensions broadcast."""
    _check_matrix("solve", a)
    if len(shape_of(b)) == 1:
        return getitem(solve_p.bind(a, expand_dims(b, -1)), (Ellipsis, 0))
    return solve_p.bind(a, b)


inv_p = Primitive("linalg_inv", lambda a: np.linalg.inv(a))
inv_p.defvjp(lambda ct, ans: negative_p.bind(_mm(_T(ans), _mm(ct, _T(ans)))), save="ans")
inv_p.defjvp(lambda ts, ans, a: negative_p.bind(_mm(ans, _mm(ts[0], ans))))


def inv(a: Any) -> Any:
    """``np.linalg.inv``."""
    _check_matrix("inv", a)
    return inv_p.bind(a)


# --------------------------------------------------------------------------- det / slogdet


def _adjugate_impl(a: Any) -> Any:
    # adj(U S Vh) = adj(Vh) adj(S) adj(U), adj(Q) = det(Q) Q^H for unitary Q, and
    # adj(S) = diag(prod_{j != i} s_j): exact for singular matrices too (no division).
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = left * right if n else s
    phase = np.linalg.det(u) * np.linalg.det(vh)  # of modulus 1
    adj = np.conj(np.swapaxes(vh, -1, -2)) @ (others[..., :, None] * np.conj(np.swapaxes(u, -1, -2)))
    return (adj * phase[..., None, None]).astype(a.dtype if np.iscomplexobj(a) else adj.real.dtype)


def _adjugate_jvp(ts: tuple, ans: Any, a: Any) -> Any:
    # adj(A) A = det(A) I  =>  d adj = (tr(adj dA) I - adj dA) A^{-1}
    t = ts[0]
    n = shape_of(a)[-1]
    tr = sum(_diagpart(_mm(ans, t)), axis=-1)
    x = subtract_p.bind(multiply_p.bind(expand_dims(expand_dims(tr, -1), -1), _eye(n, a)), _mm(ans, t))
    return _T(solve_p.bind(_T(a), _T(x)))


def _adjugate_vjp(ct: Any, ans: Any, a: Any) -> Any:
    d = _T(solve_p.bind(a, _T(ct)))  # ct A^{-T}
    trd = sum(_diagpart(d), axis=-1)
    adj_t = _T(ans)
    return subtract_p.bind(multiply_p.bind(expand_dims(expand_dims(trd, -1), -1), adj_t), _mm(adj_t, d))


adjugate_p = Primitive("linalg_adjugate", _adjugate_impl)
adjugate_p.defvjp(_adjugate_vjp)
adjugate_p.defjvp(_adjugate_jvp)


def _det_vjp(ct: Any, ans: Any, a: Any) -> Any:
    return multiply_p.bind(expand_dims(expand_dims(ct, -1), -1), _T(adjugate_p.bind(a)))


def _det_jvp(ts: tuple, ans: Any, a: Any) -> Any:
    return sum(multiply_p.bind(_T(adjugate_p.bind(a)), ts[0]), axis=(-2, -1))


det_p = Primitive("linalg_det", lambda a: np.linalg.det(a))
det_p.defvjp(_det_vjp, save="args")
det_p.defjvp(_det_jvp)


def det(a: Any) -> Any:
    """``np.linalg.det``; its gradient is the cofactor matrix ``adj(A)^T``, exact also at
    singular matrices."""
    _check_matrix("det", a)
    return det_p.bind(a)


def _slogdet_vjp(ct: tuple, ans: tuple, a: Any) -> tuple:
    # logabsdet' = Re t and, for complex A, sign' = i Im(t) sign, with t = tr(A^{-1} dA).
    sbar, c = ct
    coef = c
    if sbar is not None and is_complex(a):
        sign = ans[0]
        coef = _add(coef, multiply_p.bind(imag(multiply_p.bind(sbar, sign)), 1j))
    if coef is None:
        return (None,)
    return (multiply_p.bind(expand_dims(expand_dims(coef, -1), -1), _T(inv_p.bind(a))),)


def _slogdet_jvp(ts: tuple, ans: tuple, a: Any) -> tuple:
    t = sum(multiply_p.bind(_T(inv_p.bind(a)), ts[0]), axis=(-2, -1))
    if not is_complex(t):
        return None, t
    sign_t = multiply_p.bind(ans[0], multiply_p.bind(imag(t), 1j)) if is_complex(a) else None
    return sign_t, real(t)


slogdet_p = Primitive("linalg_slogdet", lambda a: tuple(np.linalg.slogdet(a)), multiple_results=True)
slogdet_p.defvjp_all(_slogdet_vjp, save="both")
slogdet_p.defjvp(_slogdet_jvp)


def slogdet(a: Any) -> Any:
    """``np.linalg.slogdet`` -> ``SlogdetResult(sign, logabsdet)``; for real matrices
    ``sign`` is piecewise constant (no derivative), for complex ones it is the phase
    ``det/|det|`` and differentiable."""
    _check_matrix("slogdet", a)
    sign, logdet = slogdet_p.bind(a)
    return _L.SlogdetResult(sign, logdet)


# --------------------------------------------------------------------------- cholesky


def _chol_lower(ans: Any, upper: bool) -> Any:
    return _T(ans) if upper else ans


def _phi(x: Any) -> Any:
    """Lower triangle with the diagonal halved."""
    return subtract_p.bind(_tril(x), multiply_p.bind(x, 0.5 * _eye(shape_of(x)[-1], x)))


def _cholesky_jvp(ts: tuple, ans: Any, a: Any, upper: bool) -> Any:
    low = _chol_lower(ans, upper)
    da = _reflect(ts[0], not upper)  # NumPy reads the lower (upper=True: the upper) triangle
    x = solve_p.bind(low, _T(solve_p.bind(low, da)))  # L^{-1} dA L^{-T}
    dl = _mm(low, _phi(x))
    return _T(dl) if upper else dl


def _cholesky_vjp(ct: Any, ans: Any, upper: bool) -> Any:
    low = _chol_lower(ans, upper)
    lbar = _T(ct) if upper else ct
    p = _phi(_mm(_T(low), lbar))
    y = solve_p.bind(_T(low), p)  # L^{-T} P
    z = _T(solve_p.bind(_T(low), _T(y)))  # L^{-T} P L^{-1}
    return _fold(z, not upper)


cholesky_p = Primitive("linalg_cholesky", lambda a, upper: np.linalg.cholesky(a, upper=upper))
cholesky_p.defvjp(_cholesky_vjp, save="ans")
cholesky_p.defjvp(_cholesky_jvp)


def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """``np.linalg.cholesky``.  Like NumPy it reads one triangle (the lower one, or the upper
    one with ``upper=True``); the derivative is with respect to the entries read, so the
    gradient is zero on the other triangle."""
    _check_matrix("cholesky", a)
    _real_only("cholesky", a)
    return cholesky_p.bind(a, upper=bool(upper))


# --------------------------------------------------------------------------- qr


def _qr_jvp(ts: tuple, ans: tuple, a: Any) -> tuple:
    q, r = ans
    da = ts[0]
    b = _T(solve_p.bind(_T(r), _T(da)))  # dA R^{-1}
    c = _mm(_T(q), b)
    low = _tril(c, -1)
    omega = subtract_p.bind(low, _T(low))
    dr = _mm(subtract_p.bind(c, omega), r)
    dq = add_p.bind(_mm(q, subtract_p.bind(omega, c)), b)
    return dq, dr


def _qr_vjp(ct: tuple, ans: tuple) -> tuple:
    q, r = ans
    qbar, rbar = ct
    m = None
    if qbar is not None:
        m = _mm(_T(q), qbar)
    if rbar is not None:
        rr = _mm(rbar, _T(r))
        m = negative_p.bind(rr) if m is None else subtract_p.bind(m, rr)
    n_ = subtract_p.bind(subtract_p.bind(_tril(m, -1), _tril(_T(m), -1)), m)
    g = _mm(q, n_)
    if qbar is not None:
        g = add_p.bind(qbar, g)
    return (_T(solve_p.bind(r, _T(g))),)  # (Qbar + Q N) R^{-T}


qr_p = Primitive("linalg_qr", lambda a: tuple(np.linalg.qr(a, mode="reduced")), multiple_results=True)
qr_p.defvjp_all(_qr_vjp, save="ans")
qr_p.defjvp(_qr_jvp)


def _qr_complete_rule(*args: Any, **kw: Any) -> Any:
    raise ValueError(
        "qr(mode='complete') of a matrix with more rows than columns is not differentiable: "
        "the extra columns of Q are not unique. Use mode='reduced' (or 'r')."
    )


qr_complete_p = Primitive(
    "linalg_qr_complete", lambda a: tuple(np.linalg.qr(a, mode="complete")), multiple_results=True
)
qr_complete_p.defvjp_all(_qr_complete_rule)
qr_complete_p.defjvp(_qr_complete_rule)


def _qr_reduced(a: Any) -> tuple:
    m, n = shape_of(a)[-2:]
    if m >= n:
        return qr_p.bind(a)
    # Householder QR of [X | Y] with X square: Q, U from X, and R = [U | Q^T Y].
    q, u = qr_p.bind(getitem(a, (Ellipsis, slice(None), slice(0, m))))
    rest = _mm(_T(q), getitem(a, (Ellipsis, slice(None), slice(m, None))))
    return q, concatenate([u, rest], axis=-1)


def qr(a: Any, mode: str = "reduced") -> Any:
    """``np.linalg.qr`` (modes 'reduced', 'complete', 'r'; 'raw' only on plain arrays).

    Differentiable for every shape in modes 'reduced' and 'r', and in 'complete' unless
    ``M > N`` (then the extra columns of Q are not unique: a ValueError when differentiated).
    The derivative needs R to be invertible (full column rank of the leading square block).
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    _check_matrix("qr", a, square=False)
    if not _is_traced(a):
        return np.linalg.qr(a, mode=mode)
    if mode == "raw":
        raise ValueError("qr(mode='raw') returns LAPACK's Householder data and is not differentiable")
    _real_only("qr", a)
    a = _ensure_float(a)
    m, n = shape_of(a)[-2:]
    if mode == "complete" and m > n:
        q, r = qr_complete_p.bind(a)
    else:
        q, r = _qr_reduced(a)
    if mode == "r":
        return r
    return _L.QRResult(q, r)


# --------------------------------------------------------------------------- batching

for _p in (
    solve_p,
    inv_p,
    adjugate_p,
    det_p,
    slogdet_p,
    cholesky_p,
    qr_p,
    qr_complete_p,
):
    _p.batch = _batch_matrices(_p)


# --------------------------------------------------------------------------- parameter schemas
# (names and value types of each primitive's params: a loaded graph is checked against them)

for _p in (solve_p, inv_p, adjugate_p, det_p, slogdet_p, qr_p, qr_complete_p):
    declare(_p)
declare(cholesky_p, upper=BOOL)
