"""L-BFGS with a line search, over pytrees of parameters.

The limited-memory BFGS method (Nocedal & Wright, *Numerical Optimization*, 2nd ed., ch. 7)
keeps the last ``memory`` pairs ``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k`` and applies the
inverse-Hessian approximation to the gradient with the two-loop recursion; the first
iteration (and any restart) takes a steepest-descent step of length ``min(1, 1/|g|_1)``.
The step length comes from a line search:

- ``"strong_wolfe"`` (default): bracketing and zoom with cubic interpolation (Algorithms 3.5
  and 3.6 of the same book), accepting a step with sufficient decrease (``c1``) and small
  curvature (``c2``);
- ``"backtracking"``: halve the step until the Armijo condition holds;
- ``None``: a fixed step ``lr`` (no loss evaluations beyond the final one).

The parameters are handled as one float64 vector internally (``ravel_pytree``); the loss is
always called with the parameters in their original dtypes and structure.  Its state is a
NamedTuple of arrays (history matrices, counters and the loss and gradient at the current
point), so it round-trips through ``tree_flatten``/``tree_unflatten`` like the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._tree_util import cast_leaves, leaf_dtypes, ravel_pytree
from .optimizers import Optimizer
from .schedules import LearningRate

__all__ = ["LBFGS", "LBFGSState"]

#: ``LBFGSState.status`` values
OK, LINE_SEARCH_FAILED, ZERO_GRADIENT = 0, 1, 2
STATUS_MESSAGES = {
    OK: "ok",
    LINE_SEARCH_FAILED: (
        "L-BFGS: the line search found no decrease, even along the steepest-descent direction "
        "(the loss is flat to its floating-point precision here)"
    ),
    ZERO_GRADIENT: "L-BFGS: the gradient is zero",
}


class LBFGSState(NamedTuple):
    count: Any  # iterations taken
    s: Any  # (memory, n) steps x_{k+1} - x_k, oldest first; the first ``k`` rows are used
    y: Any  # (memory, n) gradient differences
    rho: Any  # (memory,) 1 / (y_i . s_i)
    k: Any  # number of stored pairs
    value: Any  # loss at the current parameters after the last update (nan before)
    grad: Any  # flat gradient at the current parameters after the last update
    evals: Any  # loss evaluations made by the line searches
    status: Any  # OK, LINE_SEARCH_FAILED or ZERO_GRADIENT (see STATUS_MESSAGES)


def _cubic_min(a1: float, f1: float, g1: float, a2: float, f2: float, g2: float) -> float | None:
    """Minimiser of the cubic through (a1, f1) and (a2, f2) with slopes g1, g2 (None if the
    cubic has no real minimiser)."""
    if a1 == a2:
        return None
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (a1 - a2)
    disc = d1 * d1 - g1 * g2
    if not disc >= 0:
        return None
    d2 = math.copysign(math.sqrt(disc), a2 - a1)
    den = g2 - g1 + 2.0 * d2
    if den == 0 or not math.isfinite(den):
        return None
    return a2 - (a2 - a1) * (g2 + d2 - d1) / den


class LBFGS(Optimizer):
    """Limited-memory BFGS with a line search (see the module docstring).

    ``update(grads, state, params, fun=..., value=...)`` needs ``fun(params) -> (loss,
    grads)`` (``wengert.value_and_grad`` of the loss with its data bound) for the line search;
    ``value`` is the loss at ``params`` (computed when omitted).  ``minimize`` passes both and
    reuses the loss and gradient that the line search computed at the new point.

    ``lr`` scales the initial trial step (1 is right for quasi-Newton steps); ``memory`` is
    the number of stored pairs; ``max_ls`` bounds the loss evaluations of one line search.
    """

    requires_loss = True

    def __init__(
        self,
        lr: LearningRate = 1.0,
        memory: int = 10,
        line_search: str | None = "strong_wolfe",
        max_ls: int = 25,
        c1: float = 1e-4,
        c2: float = 0.9,
        *,
        clip_value: float | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_value, clip_norm)
        if int(memory) < 1:
            raise ValueError(f"LBFGS: memory must be >= 1, got {memory}")
        if line_search not in ("strong_wolfe", "backtracking", None):
            raise ValueError(
                f"LBFGS: line_search must be 'strong_wolfe', 'backtracking' or None, got {line_search!r}"
            )
        if not 0 < float(c1) < float(c2) < 1:
            raise ValueError(f"LBFGS: need 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
        if int(max_ls) < 1:
            raise ValueError(f"LBFGS: max_ls must be >= 1, got {max_ls}")
        self.memory, self.line_search, self.max_ls = int(memory), line_search, int(max_ls)
        self.c1, self.c2 = float(c1), float(c2)

    def init(self, params: Any) -> LBFGSState:
        flat, _ = ravel_pytree(params)
        n, m = flat.size, self.memory
        return LBFGSState(
            0, np.zeros((m, n)), np.zeros((m, n)), np.zeros(m), 0, np.nan, np.zeros(n), 0, OK
        )

    def update(
        self, grads: Any, state: LBFGSState, params: Any, *, fun: Callable[[Any], tuple[Any, Any]] | None = None,
        value: Any = None,
    ) -> tuple[Any, LBFGSState]:
        """One L-BFGS iteration from ``params`` (see the class docstring)."""
        if fun is None:
            raise TypeError(
                "LBFGS.update needs fun=value_and_grad(loss) (with the data bound) for its line search; "
                "wengert.optim.minimize passes it for you"
            )
        grads = self.clip(grads)
        return self._update(grads, state, params, fun, value)

    # ------------------------------------------------------------------ internals

    def _direction(self, g: np.ndarray, s: np.ndarray, y: np.ndarray, rho: np.ndarray, k: int) -> np.ndarray:
        """``-H g`` by the two-loop recursion over the first ``k`` stored pairs."""
        q = g.copy()
        alpha = np.empty(k)
        for i in range(k - 1, -1, -1):
            alpha[i] = rho[i] * (s[i] @ q)
            q -= alpha[i] * y[i]
        gamma = (s[k - 1] @ y[k - 1]) / (y[k - 1] @ y[k - 1])
        r = gamma * q
        for i in range(k):
            beta = rho[i] * (y[i] @ r)
            r += (alpha[i] - beta) * s[i]
        return -r

    def _update(  # type: ignore[override]
        self, grads: Any, state: LBFGSState, params: Any, fun: Callable, value: Any = None
    ) -> tuple[Any, LBFGSState]:
        count, k, evals = int(state.count), int(state.k), int(state.evals)
        self._check_structure(grads, params)
        x, unravel = ravel_pytree(params)
        dtypes = leaf_dtypes(params)
        g, _ = ravel_pytree(grads)
        if g.shape != x.shape:
            raise ValueError(f"LBFGS.update: grads have {g.size} entries but params have {x.size}")
        if np.shape(state.s)[1] != x.size:
            raise ValueError("LBFGS.update: the state was made for parameters of another size")

        def evaluate(v: np.ndarray) -> tuple[float, np.ndarray, Any]:
            p = cast_leaves(unravel(v), dtypes)
            f, gr = fun(p)
            return float(f), ravel_pytree(gr)[0], p

        if value is None:
            f0, _, _ = evaluate(x)
            evals += 1
        else:
            f0 = float(value)
        s_hist, y_hist, rho = np.array(state.s, dtype=float), np.array(state.y, dtype=float), np.array(state.rho, dtype=float)

        if not np.any(g):
            return params, state._replace(count=count + 1, value=f0, grad=g, evals=evals, status=ZERO_GRADIENT)

        d = self._direction(g, s_hist, y_hist, rho, k) if k else -g
        gd = float(g @ d)
        if not (gd < 0 and np.all(np.isfinite(d))):  # not a descent direction: restart
            k, d, gd = 0, -g, -float(g @ g)
        lr = self.learning_rate(count)
        a0 = lr * min(1.0, 1.0 / float(np.sum(np.abs(g)))) if k == 0 else lr

        a, f_new, g_new, p_new, n_evals = self._search(evaluate, x, d, f0, gd, a0)
        evals += n_evals
        if a is None:  # no decrease found
            status = LINE_SEARCH_FAILED if k == 0 else OK  # retry from steepest descent next time
            return params, LBFGSState(count + 1, s_hist, y_hist, rho, 0, f0, g, evals, status)

        s_new = a * d
        y_new = g_new - g
        sy = float(s_new @ y_new)
        if sy > 1e-10 * float(y_new @ y_new) and sy > 0:
            m = self.memory
            if k == m:
                s_hist = np.roll(s_hist, -1, axis=0)
                y_hist = np.roll(y_hist, -1, axis=0)
                rho = np.roll(rho, -1)
                k -= 1
            s_hist[k], y_hist[k], rho[k] = s_new, y_new, 1.0 / sy
            k += 1
        return p_new, LBFGSState(count + 1, s_hist, y_hist, rho, k, f_new, g_new, evals, OK)

    def _search(
        self, evaluate: Callable, x: np.ndarray, d: np.ndarray, f0: float, gd0: float, a0: float
    ) -> tuple[float | None, float, np.ndarray, Any, int]:
        """``(step, loss, flat grad, params, evaluations)`` at the accepted step, or a step of
        ``None`` when no point with sufficient decrease was found."""
        evals = 0
        cache: dict[float, tuple[float, np.ndarray, Any]] = {}

        def phi(a: float) -> tuple[float, float]:
            nonlocal evals
            evals += 1
            f, gr, p = evaluate(x + a * d)
            cache[a] = (f, gr, p)
            return f, float(gr @ d)

        def result(a: float | None) -> tuple:
            if a is None:
                return None, f0, None, None, evals
            f, gr, p = cache[a]
            return a, f, gr, p, evals

        c1, c2 = self.c1, self.c2
        armijo = lambda a, f: f <= f0 + c1 * a * gd0 and math.isfinite(f)

        if self.line_search is None:
            f, _ = phi(a0)
            return result(a0 if math.isfinite(f) else None)

        if self.line_search == "backtracking":
            a = a0
            for _ in range(self.max_ls):
                f, _ = phi(a)
                if armijo(a, f):
                    return result(a)
                a *= 0.5
            return result(None)

        # strong Wolfe: bracketing phase
        a_prev, f_prev, g_prev = 0.0, f0, gd0
        a = a0
        lo = hi = None
        for i in range(self.max_ls):
            f, ga = phi(a)
            if not math.isfinite(f):  # overshot into overflow: shrink
                hi = (a, f, ga)
                lo = (a_prev, f_prev, g_prev)
                break
            if not armijo(a, f) or (i > 0 and f >= f_prev):
                lo, hi = (a_prev, f_prev, g_prev), (a, f, ga)
                break
            if abs(ga) <= -c2 * gd0:
                return result(a)
            if ga >= 0:
                lo, hi = (a, f, ga), (a_prev, f_prev, g_prev)
                break
            a_prev, f_prev, g_prev = a, f, ga
            a *= 2.0
        else:
            return result(a_prev if a_prev > 0 else None)

        # zoom phase: lo always satisfies sufficient decrease and has the lowest loss so far
        for _ in range(self.max_ls):
            (al, fl, gl), (ah, fh, gh) = lo, hi
            width = ah - al
            a = None
            if math.isfinite(fh):
                a = _cubic_min(al, fl, gl, ah, fh, gh)
            lo_b, hi_b = min(al, ah), max(al, ah)
            margin = 0.1 * (hi_b - lo_b)
            if a is None or not (lo_b + margin <= a <= hi_b - margin):
                a = al + 0.5 * width
            if a == al or a == ah:
                break
            f, ga = phi(a)
            if not armijo(a, f) or f >= fl:
                hi = (a, f, ga)
            else:
                if abs(ga) <= -c2 * gd0:
                    return result(a)
                if ga * (ah - al) >= 0:
                    hi = lo
                lo = (a, f, ga)
            if abs(hi[0] - lo[0]) <= 1e-12 * max(1.0, abs(lo[0])):
                break
        al = lo[0]
        return result(al if al > 0 and al in cache else None)
