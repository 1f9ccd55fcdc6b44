"""Finite-difference stencils, computed exactly, and the default step.

A stencil for the ``n``-th derivative on the offsets ``s_0 .. s_{K-1}`` (in units of the
step ``h``) is the set of weights ``c_j`` with

    f^(n)(x) ~= sum_j c_j f(x + s_j h) / h^n.

Expanding ``f(x + s h)`` in a Taylor series, the weights must satisfy the moment conditions
``sum_j c_j s_j^k / k! = [k == n]`` for ``k = 0 .. K-1``: a Vandermonde system, solved here
in exact rational arithmetic (``fractions.Fraction``), so stencils of any derivative order and
accuracy order come out exact and are rounded to floating point only once.  The first
moment that does not vanish, ``sum_j c_j s_j^(n+p) / (n+p)!``, is the leading coefficient
of the truncation error ``C h^p f^(n+p)``.

Offsets by method, for derivative ``n`` and accuracy order ``p``:
- ``central``: ``-m .. m`` with ``m = (n + p - 1) // 2`` (``p`` must be even); the error series
  has only the powers ``h^p, h^(p+2), ...`` (symmetry), which Richardson extrapolation uses;
- ``forward``: ``0 .. n + p - 1``; ``backward``: the negatives; series ``h^p, h^(p+1), ...``.
Offsets whose weight is exactly zero (the centre of odd-order central stencils) are dropped,
so they cost no function evaluation.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from .richardson import ROUNDING_ULPS, select_window
from .richardson import richardson as _rich

__all__ = [
    "METHODS",
    "fd_weights",
    "Stencil",
    "stencil",
    "default_step",
    "step_factor",
]

METHODS = ("central", "forward", "backward", "complex")


def fd_weights(n: int, offsets: tuple) -> tuple[Fraction, ...]:
    """Exact weights of the ``n``-th derivative on ``offsets`` (integers or Fractions).

    Solves ``sum_j c_j s_j^k = n! [k == n]`` (``k = 0 .. len(offsets)-1``) by Gaussian
    elimination over the rationals.  Needs ``len(offsets) > n`` distinct offsets.
    """
    offs = tuple(Fraction(s) for s in offsets)
    return _fd_weights(int(n), offs)


@lru_cache(maxsize=256)
def _fd_weights(n: int, offs: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    k = len(offs)
    if n < 0:
        raise ValueError(f"fd_weights: the derivative order n must be >= 0, got {n}")
    if len(set(offs)) != k:
        raise ValueError(f"fd_weights: offsets must be distinct, got {offs}")
    if k <= n:
        raise ValueError(f"fd_weights: the {n}-th derivative needs at least {n + 1} offsets, got {k}")
    # Augmented matrix rows: [s_0^r, ..., s_{k-1}^r | rhs_r].
    rows = [[s**r for s in offs] + [Fraction(math.factorial(n)) if r == n else Fraction(0)] for r in range(k)]
    for col in range(k):
        piv = next(r for r in range(col, k) if rows[r][col] != 0)  # nonsingular: distinct nodes
        rows[col], rows[piv] = rows[piv], rows[col]
        p = rows[col][col]
        rows[col] = [v / p for v in rows[col]]
        for r in range(k):
            if r != col and rows[r][col] != 0:
                fac = rows[r][col]
                rows[r] = [a - fac * b for a, b in zip(rows[r], rows[col])]
    return tuple(rows[r][k] for r in range(k))


class Stencil:
    """A finite-difference formula: offsets, exact weights, error exponents.

    ``offsets`` / ``weights``: only the nonzero-weight points; ``center``: the weight of
    offset 0 (``Fraction(0)`` if absent); ``exponents(k)``: the first ``k`` powers of ``h``
    in the truncation error series; ``error_coef``: the exact leading error coefficient;
    ``noise``: ``sum |c_j|`` (how much the stencil amplifies rounding errors in ``f``).
    """

    __slots__ = ("n", "order", "method", "offsets", "weights", "center", "error_coef", "noise", "fweights", "foffsets")

    def __init__(self, n: int, order: int, method: str) -> None:
        self.n, self.order, self.method = n, order, method
        if method == "central":
            m = (n + order - 1) // 2
            offs = tuple(range(-m, m + 1))
        elif method == "forward":
            offs = tuple(range(0, n + order))
        else:  # backward
            offs = tuple(range(-(n + order - 1), 1))
        ws = fd_weights(n, offs)
        self.center = Fraction(0)
        self.offsets: tuple[int, ...] = ()
        self.weights: tuple[Fraction, ...] = ()
        for s, c in zip(offs, ws):
            if c == 0:
                continue
            if s == 0:
                self.center = c
            else:
                self.offsets += (s,)
                self.weights += (c,)
        q = n + order
        self.error_coef = sum((c * Fraction(s) ** q for s, c in zip(offs, ws)), Fraction(0)) / math.factorial(q)
        self.noise = sum((abs(c) for c in ws), Fraction(0))
        self.fweights = np.array([float(c) for c in self.weights])
        self.foffsets = np.array(self.offsets, dtype=float)

    def exponents(self, k: int) -> tuple[int, ...]:
        """The first ``k`` powers of ``h`` in the error series of this stencil."""
        q = 2 if self.method == "central" else 1
        return tuple(self.order + q * i for i in range(k))

    def __repr__(self) -> str:
        terms = [f"{self.center}*f(x)"] if self.center else []
        terms += [f"{c}*f(x{s:+d}h)" for s, c in zip(self.offsets, self.weights)]
        return f"<Stencil d^{self.n}/dx^{self.n}, {self.method}, order {self.order}: ({' + '.join(terms)}) / h^{self.n}>"


def check_method_order(method: str, order: int, where: str) -> None:
    if method not in METHODS:
        raise ValueError(f"{where}: method must be one of {METHODS}, got {method!r}")
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
        raise ValueError(f"{where}: order must be a positive integer, got {order!r}")
    if method == "central" and order % 2:
        raise ValueError(
            f"{where}: central differences have even accuracy orders (2, 4, 6, 8, ...), got order={order}; "
            "use method='forward' or 'backward' for odd orders"
        )


#: The highest derivative order accepted.  float64 carries about 16 significant digits and
#: an n-th difference quotient cancels roughly one digit per stencil point and divides by
#: h**n: past n = 20 no step leaves a single correct digit (the 15th derivative of exp at
#: 0.3 by 2nd-order central differences is already off by its own size).
MAX_DERIVATIVE_ORDER = 20
#: The largest stencil (derivative order plus accuracy order) accepted: beyond it the higher
#: accuracy order is lost to rounding, and the exact set-up would take over 100 ms.
MAX_STENCIL_SIZE = 24


def check_derivative_order(n: int, order: int, method: str, where: str) -> None:
    """Refuse derivative and accuracy orders that float64 cannot resolve (see
    ``MAX_DERIVATIVE_ORDER``), instead of spending seconds on a meaningless stencil."""
    if n > MAX_DERIVATIVE_ORDER:
        raise ValueError(
            f"{where}: n={n} is beyond what float64 finite differences can resolve (at most "
            f"n={MAX_DERIVATIVE_ORDER}); for high-order derivatives use automatic differentiation "
            "(wengert.jacfwd nested, or wengert.symbolic.diff)"
        )
    if method != "complex" and n + order > MAX_STENCIL_SIZE:
        raise ValueError(
            f"{where}: n={n} with accuracy order={order} needs a stencil of about {n + order} points; "
            f"float64 rounding makes accuracy beyond n + order = {MAX_STENCIL_SIZE} unreachable. "
            f"Use order <= {MAX_STENCIL_SIZE - n} (Richardson extrapolation raises the order further)"
        )


@lru_cache(maxsize=256)
def stencil(n: int, order: int = 2, method: str = "central") -> Stencil:
    """The stencil of the ``n``-th derivative with accuracy ``order`` (see module doc)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"stencil: the derivative order n must be a positive integer, got {n!r}")
    if method == "complex":
        raise ValueError("stencil: the complex step has no real stencil")
    check_method_order(method, order, "stencil")
    check_derivative_order(int(n), int(order), method, "stencil")
    return Stencil(int(n), int(order), method)


def step_factor(n: int, order: int, method: str, richardson: int, eps: float) -> float:
    """The step, in units of the coordinate's scale, that balances truncation and rounding.

    Model (derivatives of size ``1`` on the unit scale): truncation ``|C| h^P`` with ``P`` the
    accuracy order after ``richardson`` extrapolation steps, rounding ``N eps / h^n`` with
    ``N = sum |c_j|``.  The sum is smallest at ``h = (n N eps / (P |C|))^(1/(n+P))``.
    """
    st = stencil(n, order, method)
    P = st.exponents(richardson + 1)[-1]
    c = abs(float(st.error_coef)) or 1.0
    return float((n * float(st.noise) * eps / (P * c)) ** (1.0 / (n + P)))


def pow2_floor(h: np.ndarray) -> np.ndarray:
    """Round positive steps down to powers of two, so that ``x + s h`` is exact for the small
    integer offsets ``s`` (no representation error in the step)."""
    h = np.asarray(h, dtype=float)
    with np.errstate(divide="ignore"):
        return np.exp2(np.floor(np.log2(h)))


def coordinate_scale(x: np.ndarray) -> np.ndarray:
    """The scale of each coordinate: ``|x|``, or 1 where ``x == 0`` (or not finite)."""
    a = np.abs(np.asarray(x, dtype=float))
    return np.where((a > 0) & np.isfinite(a), a, 1.0)


def default_step(
    x: np.ndarray, n: int = 1, method: str = "central", order: int = 2, richardson: int = 3, dtype: np.dtype | None = None
) -> np.ndarray:
    """The default base step for each coordinate of ``x``: ``step_factor * scale``, rounded
    down to a power of two, with ``scale = |x|`` (1 where ``x == 0``).

    For ``method="complex"`` (first derivatives) the step is ``2^-64 * scale``: the complex
    step has no subtractive cancellation, so any step small enough to make the ``h^2``
    truncation negligible works.
    """
    x = np.asarray(x)
    dt = np.dtype(dtype) if dtype is not None else (x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(float))
    scale = coordinate_scale(x)
    if method == "complex":
        return pow2_floor(scale * 2.0**-64)
    eps = float(np.finfo(dt).eps)
    return pow2_floor(step_factor(n, order, method, richardson, eps) * scale)


# --------------------------------------------------------------------------- drivers
#
# Every real-step computation below is a set of G one-dimensional problems: problem g moves
# x along a direction u_g (a scaled unit vector for partial derivatives, a dense vector for
# directional and elementwise derivatives).  For each candidate step multiplier tau[s, g] and
# stencil offset o_a the point x + o_a tau[s, g] u_g is evaluated; the difference quotients
#     D[s, g, m] = (c_0 f_m(x) + sum_a c_a f_m(x + o_a tau[s, g] u_g)) / tau[s, g]^n
# are extrapolated along s (richardson.py), and each element keeps its best window.

#: the adaptive search: this many steps above the default (on the scale max(|x|, 1)) ...
STEPS_UP = 8
#: ... and below it (on the scale |x|)
STEPS_DOWN = 4
#: at most this many extra levels bridge |x| < 1 up to the scale 1
MAX_BRIDGE = 40
RATIO = 2.0


def candidate_taus(levels: int, scale: np.ndarray | None, down: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Step multipliers ``tau`` (S, G) of the base steps, and which are used (S, G).

    Adaptive search (``scale`` given: the coordinate scale of each problem): ``2^(u_g - s)``
    for ``s = 0 .. S_g - 1`` with ``u_g = STEPS_UP + bridge_g``, where ``bridge_g =
    ceil(log2(1 / scale_g))`` for ``scale_g < 1`` (capped at ``MAX_BRIDGE``): the largest steps
    are ``2^STEPS_UP`` default steps *on the scale 1*, the smallest ``2^-STEPS_DOWN`` default
    steps on the scale ``|x|``; ``S_g = levels + u_g + STEPS_DOWN``.  Explicit steps
    (``scale=None``): ``2^-s`` for the ``levels`` of one window (at least 2).  ``down``
    replaces ``STEPS_DOWN`` (``check_grads`` searches further down, to resolve kinks).
    """
    if scale is None:
        S = max(levels, 2)
        t = RATIO ** -np.arange(S, dtype=float)
        return t[:, None], np.ones((S, 1), dtype=bool)
    sc = np.asarray(scale, dtype=float).ravel()
    with np.errstate(divide="ignore"):
        bridge = np.where(sc < 1.0, np.ceil(-np.log2(np.maximum(sc, 1e-300))), 0.0)
    down = STEPS_DOWN if down is None else int(down)
    up = STEPS_UP + np.minimum(bridge, MAX_BRIDGE).astype(int)
    Sg = levels + up + down
    S = int(Sg.max()) if sc.size else levels + STEPS_UP + down
    s = np.arange(S)[:, None]
    return RATIO ** (up[None, :] - s).astype(float), s < Sg[None, :]


def rounding_eps(*dtypes: np.dtype) -> float:
    """Relative rounding error of one function value: ``ROUNDING_ULPS`` machine epsilons of
    the least precise dtype involved."""
    return _rounding_eps(tuple(np.dtype(d) for d in dtypes))


@lru_cache(maxsize=64)
def _rounding_eps(dtypes: tuple) -> float:

    eps = max((float(np.finfo(d).eps) for d in dtypes if np.issubdtype(d, np.inexact)), default=float(np.finfo(float).eps))
    return ROUNDING_ULPS * eps


def fd_problems(
    ev: Any,
    f0: np.ndarray,
    st: Any,
    richardson: int,
    adaptive: bool,
    valid: np.ndarray,
    build: Any,
    tdiv: np.ndarray,
    transform: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve one-dimensional problems on the grid ``valid`` (S, G) of (step, problem) pairs.

    ``build(s, a, g)`` (index arrays) returns the points; ``tdiv`` (broadcastable to
    (S, G, M)) are the step multipliers the quotients are divided by (``tdiv^n``).  Unused grid
    entries are NaN and never chosen.  Returns ``value``, ``error`` (G, M) and the index of
    the chosen window per element.  ``transform`` maps the raw values (K, M) of the evaluated
    points first (the complex-step Hessian takes imaginary parts there).
    """

    S, G = valid.shape
    A = len(st.offsets)
    sv, gv = np.nonzero(valid)  # used (step, problem) pairs
    P = len(sv)
    K = P * A
    N = ev.space.size
    chunk = max(1, min(K, (1 << 22) // max(N, 1)))
    if ev.batch_size:
        chunk = min(chunk, ev.batch_size)
    parts = []
    for k0 in range(0, K, chunk):
        ks = np.arange(k0, min(K, k0 + chunk))
        a, p = np.divmod(ks, P)
        rows = ev.rows(build(sv[p], a, gv[p]))
        if transform is not None:
            rows = transform(rows, gv[p])
        parts.append(rows)
    Fv = (np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]).reshape(A, P, -1)
    M = Fv.shape[-1]
    c = st.fweights
    levels = richardson + 1
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):  # NaN: outside f's domain
        Dv = np.tensordot(c, Fv, 1)
        Bv = np.tensordot(np.abs(c), np.abs(Fv), 1)
        c0 = float(st.center)
        if c0:
            Dv = Dv + c0 * f0
            Bv = Bv + abs(c0) * np.abs(f0)
        if P == S * G:  # every (step, problem) pair used: no scatter
            D = Dv.reshape(S, G, M)
            B = Bv.reshape(S, G, M)
        else:
            D = np.full((S, G, M), np.nan, dtype=Dv.dtype)
            B = np.full((S, G, M), np.nan)
            D[sv, gv] = Dv
            B[sv, gv] = Bv
        scale = np.asarray(tdiv, dtype=float) ** st.n
        D = D / scale
        B = B / scale
        T, Tl, R = _rich(D, B, levels, RATIO, st.exponents(levels))
        eps_f = rounding_eps(ev.space.dtype, ev.out.dtype)
        val, err, idx = select_window(T, Tl, R, eps_f, only_first=not adaptive)
    return val, err, idx


class ProductStencil:
    """The mixed partial ``d^2 f / dx_i dx_j`` as the product of two first-derivative
    stencils: weights ``c_a c_b`` on the offsets ``(o_a, o_b)``.  Its error series has the
    powers of the one-dimensional stencil (``h^p, h^(p+2), ...`` for central)."""

    __slots__ = ("n", "order", "method", "offsets", "offsets2", "fweights", "center", "_st")

    def __init__(self, order: int, method: str) -> None:
        st = stencil(1, order, method)
        self._st = st
        self.n, self.order, self.method = 2, order, method
        full = [(0, st.center)] if st.center else []
        full += list(zip(st.offsets, st.weights))
        pairs, ws = [], []
        for oa, ca in full:
            for ob, cb in full:
                if oa == 0 and ob == 0:
                    continue
                pairs.append((oa, ob))
                ws.append(ca * cb)
        self.offsets = tuple(pairs)
        self.offsets2 = np.array(pairs, dtype=float).reshape(-1, 2)
        self.fweights = np.array([float(w) for w in ws])
        self.center = st.center * st.center

    def exponents(self, k: int) -> tuple[int, ...]:
        return self._st.exponents(k)


@lru_cache(maxsize=64)
def product_stencil(order: int = 2, method: str = "central") -> ProductStencil:
    check_method_order(method, order, "product_stencil")
    return ProductStencil(int(order), method)
