"""Linear algebra (``numpy.linalg``): solve, inv, det/slogdet, cholesky, qr, eigh, eig, svd,
pinv, lstsq and the functions composed from them (norm, matrix_power, multi_dot,
tensorsolve, ...).

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

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.primitive import Primitive, Tracer
from ..errors import NoRuleError
from ._util import dtype_of, shape_of
from .complex import conj, imag, is_complex, real
from .contract import diagonal as _c_diagonal
from .contract import matmul as _matmul
from .contract import matmul_p, tensordot
from .contract import outer as _outer
from .elementwise import (
    abs_p,
    add_p,
    astype,
    equal,
    less_equal,
    multiply_p,
    negative_p,
    not_equal,
    power_p,
    sqrt_p,
    stop_gradient_p,
    subtract_p,
    true_divide_p,
    where_p,
)
from .indexing import getitem
from .reduce import argmax
from .reduce import max as _max
from .reduce import min as _min
from .shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    moveaxis,
    reshape,
    reshape_p,
    sum,
    swapaxes,
    transpose,
    unbroadcast,
)

__all__ = [
    "solve",
    "inv",
    "det",
    "slogdet",
    "cholesky",
    "qr",
    "eigh",
    "eigvalsh",
    "eig",
    "eigvals",
    "svd",
    "svdvals",
    "pinv",
    "lstsq",
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


def _own(x: Any) -> Any:
    """A recorded view of one result of a multiple-result primitive.  Works around the
    reverse tape not reaching a multiple-result record when a non-last result of it is the
    differentiated function's output (see the report on core/reverse.py)."""
    return reshape_p.bind(x, shape=shape_of(x)) if isinstance(x, Tracer) else x


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
        n = 0
        for v, b in zip(vals, batched):
            r = len(shape_of(v)) - (1 if b else 0) - 2
            n = r if r > n else n
        args = []
        for v, b in zip(vals, batched):
            if b:
                s = shape_of(v)
                r = len(s) - 3
                if r < n:
                    v = reshape(v, (s[0],) + (1,) * (n - r) + s[1:])
            args.append(v)
        return prim.bind(*args, **params)

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


# --------------------------------------------------------------------------- eigh


def _eigh_jvp(ts: tuple, ans: tuple, a: Any, UPLO: str) -> tuple:  # noqa: N803 (NumPy's name)
    w, v = ans
    p = _mm(_T(v), _mm(_reflect(ts[0], UPLO == "L"), v))  # the triangle NumPy reads
    dw = _diagpart(p)
    dv = _mm(v, multiply_p.bind(_inverse_gaps(w), p))
    return dw, dv


def _eigh_vjp(ct: tuple, ans: tuple, UPLO: str) -> tuple:  # noqa: N803 (NumPy's name)
    w, v = ans
    wbar, vbar = ct
    inner = None if wbar is None else _diag(wbar)
    if vbar is not None:
        inner = _add(inner, multiply_p.bind(_inverse_gaps(w), _mm(_T(v), vbar)))
    return (_fold(_mm(v, _mm(inner, _T(v))), UPLO == "L"),)


eigh_p = Primitive(
    "linalg_eigh", lambda a, UPLO: tuple(np.linalg.eigh(a, UPLO=UPLO)), multiple_results=True  # noqa: N803
)
eigh_p.defvjp_all(_eigh_vjp, save="ans")
eigh_p.defjvp(_eigh_jvp)


def _check_uplo(UPLO: str) -> str:  # noqa: N803 (NumPy's name)
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return UPLO


def eigh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 (NumPy's name)
    """``np.linalg.eigh`` -> ``EighResult(eigenvalues, eigenvectors)`` (ascending).

    Like NumPy it reads only the ``UPLO`` triangle; the derivative is with respect to the
    entries read (zero gradient on the other triangle, as HIPS autograd).  Eigenvalue
    derivatives are always finite; in the eigenvector
    derivative, pairs of eigenvalues equal to rounding contribute zero (see docs/linalg.md).
    """
    _check_matrix("eigh", a)
    _real_only("eigh", a)
    w, v = eigh_p.bind(a, UPLO=_check_uplo(UPLO))
    return _L.EighResult(w, v)


def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803 (NumPy's name)
    """``np.linalg.eigvalsh``: ascending eigenvalues of a symmetric matrix."""
    _check_matrix("eigvalsh", a)
    if not _is_traced(a):
        return np.linalg.eigvalsh(a, UPLO=_check_uplo(UPLO))
    _real_only("eigvalsh", a)
    return _own(eigh_p.bind(a, UPLO=_check_uplo(UPLO))[0])


# --------------------------------------------------------------------------- eig (real spectra)


def _eig_gauge(v: Any) -> Any:
    """One-hot mask of each eigenvector's largest-modulus component (LAPACK makes it real)."""
    n = shape_of(v)[-1]
    k = argmax(abs_p.bind(stop_gradient_p.bind(v)), axis=-2)
    return equal(np.arange(n).reshape(n, 1), expand_dims(k, -2))


def _eig_jvp(ts: tuple, ans: tuple, a: Any) -> tuple:
    w, v = ans
    c = solve_p.bind(v, _mm(ts[0], v))  # V^{-1} dA V
    dw = _diagpart(c)
    dv = _mm(v, multiply_p.bind(_inverse_gaps(w), c))
    # NumPy's eigenvectors have unit norm (and, when complex, a real largest component):
    # remove the radial part of each column, and its phase change.
    r = sum(multiply_p.bind(conj(v), dv), axis=-2)
    dv = subtract_p.bind(dv, multiply_p.bind(v, _col(real(r))))
    if is_complex(v):
        mask = _eig_gauge(v)
        vk = real(sum(where_p.bind(mask, v, 0.0), axis=-2))
        ph = true_divide_p.bind(imag(sum(where_p.bind(mask, dv, 0.0), axis=-2)), vk)
        dv = subtract_p.bind(dv, multiply_p.bind(v, _col(multiply_p.bind(ph, 1j))))
    return dw, dv


def _eig_vjp(ct: tuple, ans: tuple, a: Any) -> tuple:
    w, v = ans
    wbar, vbar = ct
    g = None if wbar is None else _diag(wbar)
    if vbar is not None:
        q = sum(multiply_p.bind(vbar, v), axis=-2)
        vb = subtract_p.bind(vbar, multiply_p.bind(conj(v), _col(real(q))))
        if is_complex(v):
            mask = _eig_gauge(v)
            vk = real(sum(where_p.bind(mask, v, 0.0), axis=-2))
            e = multiply_p.bind(true_divide_p.bind(imag(q), vk), -1j)
            vb = add_p.bind(vb, where_p.bind(mask, _col(e), 0.0))
        g = _add(g, multiply_p.bind(_inverse_gaps(w), _mm(_T(v), vb)))
    ga = solve_p.bind(_T(v), _mm(g, _T(v)))  # V^{-T} G V^T
    return (ga if is_complex(a) else real(ga),)


eig_p = Primitive("linalg_eig", lambda a: tuple(np.linalg.eig(a)), multiple_results=True)
eig_p.defvjp_all(_eig_vjp, save="both")
eig_p.defjvp(_eig_jvp)


def eig(a: Any) -> Any:
    """``np.linalg.eig`` -> ``EigResult(eigenvalues, eigenvectors)``: real arrays when the
    spectrum of a real matrix is real, complex ones otherwise (NumPy's rule).  Eigenvectors
    are differentiated in NumPy's gauge: unit norm, largest-modulus component real."""
    _check_matrix("eig", a)
    if not _is_traced(a):
        return np.linalg.eig(a)
    w, v = eig_p.bind(a)
    return _L.EigResult(w, v)


def eigvals(a: Any) -> Any:
    """``np.linalg.eigvals``."""
    _check_matrix("eigvals", a)
    if not _is_traced(a):
        return np.linalg.eigvals(a)
    return _own(eig(a)[0])


# --------------------------------------------------------------------------- svd


def _svd_inv_s(s: Any) -> Any:
    """1/s with 0 where s is zero to rounding (those directions get no derivative)."""
    ss = stop_gradient_p.bind(s)
    big = _max(ss, axis=-1, keepdims=True)
    tol = multiply_p.bind(big, 16.0 * shape_of(s)[-1] * float(np.finfo(dtype_of(s)).eps))
    small = less_equal(ss, tol)
    return where_p.bind(small, 0.0, true_divide_p.bind(1.0, where_p.bind(small, 1.0, s)))


def _svd_gaps(s: Any) -> Any:
    """F[i, j] = 1/(s_j^2 - s_i^2), 0 for ties (and on the diagonal)."""
    f = _inverse_gaps(s)  # 1/(s_j - s_i) or 0
    ssum = add_p.bind(expand_dims(s, -2), expand_dims(s, -1))
    ss = stop_gradient_p.bind(ssum)
    zero = equal(ss, 0.0)
    return multiply_p.bind(f, true_divide_p.bind(1.0, where_p.bind(zero, 1.0, ssum)))


def _svd_jvp(ts: tuple, ans: tuple, a: Any, hermitian: bool) -> tuple:
    u, s, vh = ans
    da = _reflect(ts[0], True) if hermitian else ts[0]  # hermitian: NumPy reads the lower triangle
    v = _T(vh)
    m, n = shape_of(a)[-2:]
    p = _mm(_T(u), _mm(da, v))
    ds = _diagpart(p)
    f = _svd_gaps(s)
    ps = multiply_p.bind(p, _col(s))  # P S
    sp = multiply_p.bind(expand_dims(s, -1), p)  # S P
    du = _mm(u, multiply_p.bind(f, add_p.bind(ps, _T(ps))))  # F o (P S + S P^T)
    dv = _mm(v, multiply_p.bind(f, add_p.bind(sp, _T(sp))))  # F o (S P + P^T S)
    if m > n:
        x = _mm(da, v)
        du = add_p.bind(du, multiply_p.bind(subtract_p.bind(x, _mm(u, _mm(_T(u), x))), _col(_svd_inv_s(s))))
    elif n > m:
        y = _mm(_T(da), u)
        dv = add_p.bind(dv, multiply_p.bind(subtract_p.bind(y, _mm(v, _mm(_T(v), y))), _col(_svd_inv_s(s))))
    return du, ds, _T(dv)


def _svd_vjp(ct: tuple, ans: tuple, hermitian: bool) -> tuple:
    u, s, vh = ans
    ubar, sbar, vhbar = ct
    v = _T(vh)
    m, n = shape_of(u)[-2], shape_of(vh)[-1]
    j = None if sbar is None else _diag(sbar)
    if ubar is not None or vhbar is not None:
        f = _svd_gaps(s)
        scol, srow = _col(s), expand_dims(s, -1)
    if ubar is not None:
        x = multiply_p.bind(f, _mm(_T(u), ubar))
        j = _add(j, add_p.bind(multiply_p.bind(x, scol), multiply_p.bind(_T(x), scol)))
    vbar = None if vhbar is None else _T(vhbar)
    if vbar is not None:
        y = multiply_p.bind(f, _mm(_T(v), vbar))
        j = _add(j, add_p.bind(multiply_p.bind(srow, y), multiply_p.bind(srow, _T(y))))
    g = _mm(u, _mm(j, vh)) if j is not None else None
    if ubar is not None and m > n:
        proj = subtract_p.bind(ubar, _mm(u, _mm(_T(u), ubar)))
        g = _add(g, _mm(multiply_p.bind(proj, _col(_svd_inv_s(s))), vh))
    if vbar is not None and n > m:
        proj = subtract_p.bind(vbar, _mm(v, _mm(_T(v), vbar)))
        g = _add(g, _mm(multiply_p.bind(u, _col(_svd_inv_s(s))), _T(proj)))
    if g is None:
        return (None,)
    return (_fold(g, True) if hermitian else g,)


def _svd_impl(a: Any, hermitian: bool) -> tuple:
    return tuple(np.linalg.svd(a, full_matrices=False, hermitian=hermitian))


svd_p = Primitive("linalg_svd", _svd_impl, multiple_results=True)
svd_p.defvjp_all(_svd_vjp, save="ans")
svd_p.defjvp(_svd_jvp)


def _svd_full_vjp(ct: tuple, ans: tuple, hermitian: bool) -> tuple:
    if ct[0] is not None or ct[2] is not None:
        _svd_full_error()
    u, s, vh = ans
    k = shape_of(s)[-1]
    u = getitem(u, (Ellipsis, slice(None), slice(0, k)))
    vh = getitem(vh, (Ellipsis, slice(0, k), slice(None)))
    g = _mm(multiply_p.bind(u, _col(ct[1])), vh)
    return (_fold(g, True) if hermitian else g,)


def _svd_full_error(*args: Any, **kw: Any) -> Any:
    raise ValueError(
        "svd(full_matrices=True) of a non-square matrix is not differentiable in u/vh: the "
        "extra singular vectors are not unique. Use full_matrices=False (or compute_uv=False "
        "for singular values only)."
    )


def _svd_full_jvp(*args: Any, **kw: Any) -> Any:
    raise ValueError(
        "forward mode (jvp, jacfwd, hessian) through svd(full_matrices=True) of a non-square "
        "matrix is not supported: the extra singular vectors are not unique. Use "
        "full_matrices=False, or compute_uv=False for singular values only."
    )


svd_full_p = Primitive(
    "linalg_svd_full",
    lambda a, hermitian: tuple(np.linalg.svd(a, full_matrices=True, hermitian=hermitian)),
    multiple_results=True,
)
svd_full_p.defvjp_all(_svd_full_vjp, save="ans")
svd_full_p.defjvp(_svd_full_jvp)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """``np.linalg.svd`` -> ``SVDResult(U, S, Vh)`` or the singular values.

    Differentiable: the singular values always; ``U``/``Vh`` of the reduced SVD (and of the
    full SVD of square matrices).  ``full_matrices=True`` with ``M != N`` differentiates
    only through ``S`` in reverse mode (a ValueError otherwise).
    """
    _check_matrix("svd", a, square=False)
    hermitian = bool(hermitian)
    if hermitian:
        _check_matrix("svd", a)
    if not _is_traced(a):
        return np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv, hermitian=hermitian)
    _real_only("svd", a)
    a = _ensure_float(a)
    m, n = shape_of(a)[-2:]
    if not compute_uv:
        return _own(svd_p.bind(a, hermitian=hermitian)[1])
    if full_matrices and m != n:
        u, s, vh = svd_full_p.bind(a, hermitian=hermitian)
    else:
        u, s, vh = svd_p.bind(a, hermitian=hermitian)
    return _L.SVDResult(u, s, vh)


def svdvals(x: Any, /) -> Any:
    """``np.linalg.svdvals``."""
    return svd(x, compute_uv=False)


# --------------------------------------------------------------------------- pinv / lstsq


def _pinv_tangent(da: Any, p: Any, a: Any) -> Any:
    """d pinv(A) = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (constant rank)."""
    dat = _T(da)
    t1 = negative_p.bind(_mm(p, _mm(da, p)))
    x = _mm(dat, subtract_p.bind(_eye(shape_of(a)[-2], a), _mm(a, p)))
    t2 = _mm(p, _mm(_T(p), x))
    y = _mm(dat, _mm(_T(p), p))
    t3 = subtract_p.bind(y, _mm(p, _mm(a, y)))
    return add_p.bind(add_p.bind(t1, t2), t3)


def _pinv_cotangent(g: Any, p: Any, a: Any) -> Any:
    """The transpose of ``_pinv_tangent``:
    -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    pt = _T(p)
    gt = _T(g)
    t1 = negative_p.bind(_mm(pt, _mm(g, pt)))
    x = _mm(gt, _mm(p, pt))
    t2 = subtract_p.bind(x, _mm(a, _mm(p, x)))
    y = _mm(_mm(pt, p), gt)
    t3 = subtract_p.bind(y, _mm(_mm(y, p), a))
    return add_p.bind(add_p.bind(t1, t2), t3)


def _pinv_impl(a: Any, rcond: Any, rtol: Any, hermitian: bool) -> Any:
    kw = {} if rtol is None else {"rtol": rtol}
    return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian, **kw)


# hermitian=True: NumPy's pinv (an eigh) reads the lower triangle of ``a`` only, so the rules
# use the symmetric matrix it sees and carry the gradient onto that triangle.


def _pinv_jvp(ts: tuple, ans: Any, a: Any, rcond: Any, rtol: Any, hermitian: bool) -> Any:
    if hermitian:
        return _pinv_tangent(_reflect(ts[0], True), ans, _reflect(a, True))
    return _pinv_tangent(ts[0], ans, a)


def _pinv_vjp(ct: Any, ans: Any, a: Any, rcond: Any, rtol: Any, hermitian: bool) -> Any:
    if hermitian:
        return _fold(_pinv_cotangent(ct, ans, _reflect(a, True)), True)
    return _pinv_cotangent(ct, ans, a)


pinv_p = Primitive("linalg_pinv", _pinv_impl)
pinv_p.defvjp(_pinv_vjp)
pinv_p.defjvp(_pinv_jvp)


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """``np.linalg.pinv`` (same cut-off rules).  The derivative is that of the pseudo-inverse
    of fixed rank (singular values cut off by ``rcond``/``rtol`` count as zero)."""
    _check_matrix("pinv", a, square=False)
    if rcond is not None and rtol is not None:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if hermitian:
        _check_matrix("pinv", a)
    if not _is_traced(a):
        kw = {} if rtol is None else {"rtol": rtol}
        return np.linalg.pinv(a, rcond=rcond, hermitian=hermitian, **kw)
    _real_only("pinv", a)
    return pinv_p.bind(_ensure_float(a), rcond=rcond, rtol=rtol, hermitian=bool(hermitian))


def _lstsq_x_vjp(ct: Any, ans: Any, a: Any, b: Any, rcond: Any) -> tuple:
    p = pinv_p.bind(a, rcond=rcond, rtol=None, hermitian=False)
    return _pinv_cotangent(_mm(ct, _T(b)), p, a), _mm(_T(p), ct)


def _lstsq_x_jvp(ts: tuple, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    ta, tb = ts
    p = pinv_p.bind(a, rcond=rcond, rtol=None, hermitian=False)
    out = None if ta is None else _mm(_pinv_tangent(ta, p, a), b)
    if tb is not None:
        out = _add(out, _mm(p, tb))
    return out


lstsq_x_p = Primitive("linalg_lstsq", lambda a, b, rcond: np.linalg.lstsq(a, b, rcond=rcond)[0])
lstsq_x_p.defvjp_all(_lstsq_x_vjp)
lstsq_x_p.defjvp(_lstsq_x_jvp)


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """``np.linalg.lstsq`` -> ``(x, residuals, rank, s)``: ``x``, ``residuals`` and ``s`` are
    differentiable (``x`` as ``pinv(a, rcond) @ b``, the minimum-norm solution, at fixed rank);
    ``rank`` is an int.  ``rcond=None`` means machine precision times ``max(M, N)``."""
    if not _is_traced(a, b):
        return np.linalg.lstsq(a, b, rcond=rcond)
    _real_only("lstsq", a, b)
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) != 2 or len(sb) not in (1, 2):
        raise np.linalg.LinAlgError(
            f"lstsq: a must be 2-dimensional and b 1- or 2-dimensional, got shapes {sa} and {sb} "
            "(NumPy's lstsq is not batched; use pinv(a) @ b for stacks)"
        )
    if sb[0] != sa[0]:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    m, n = sa
    a = _ensure_float(a)
    b = _ensure_float(b)
    dt = np.result_type(dtype_of(a), dtype_of(b))
    if rcond is None:
        rcond = float(np.finfo(dt).eps) * max(m, n)
    vec = len(sb) == 1
    b2 = expand_dims(b, -1) if vec else b
    x = lstsq_x_p.bind(a, b2, rcond=rcond)
    s = _own(svd_p.bind(a, hermitian=False)[1])
    s_low = s.full_lower() if isinstance(s, Tracer) else s
    if np.ndim(s_low) != 1:
        raise np.linalg.LinAlgError("lstsq: a must be 2-dimensional (NumPy's lstsq is not batched)")
    rank = int(np.sum(s_low > rcond * np.max(s_low))) if s_low.size else 0
    if rank == n and m > n:
        r = subtract_p.bind(b2, _mm(a, x))
        res = sum(multiply_p.bind(r, r), axis=0)
    else:
        res = np.zeros((0,), dtype=dt)
    if vec:
        x = getitem(x, (Ellipsis, 0))
    return x, res, np.int32(rank), s


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
        from ._util import normalize_axis

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
        from .contract import dot

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
    from .contract import trace as _trace

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
    eigh_p,
    eig_p,
    svd_p,
    svd_full_p,
    pinv_p,
):
    _p.batch = _batch_matrices(_p)
