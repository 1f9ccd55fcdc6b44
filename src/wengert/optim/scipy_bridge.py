"""``scipy_minimize``: ``scipy.optimize.minimize`` on a function of a pytree, with exact
derivatives from wengert.

The parameters are flattened into one float64 vector (``ravel_pytree``: leaves in
``wengert.tree_flatten`` order, each raveled in C order) for SciPy, and unflattened before
each call of ``fun``, so ``fun`` sees the structure and shapes of ``x0`` (as float64).  What
SciPy receives depends on the method:

- gradient methods (BFGS, L-BFGS-B, CG, TNC, SLSQP, ...): ``jac=True`` with the value and
  gradient from one ``wengert.value_and_grad`` pass;
- Newton-CG, trust-ncg, trust-krylov, trust-constr: also ``hessp``, Hessian-vector products
  by ``wengert.hvp`` (forward over reverse; the Hessian is never formed);
- dogleg, trust-exact: also ``hess``, the dense Hessian by ``wengert.hessian``;
- Nelder-Mead, Powell, COBYLA, COBYQA: the value only.

Constraints given as dicts (``{"type": "ineq", "fun": c}``) get ``c`` called on the pytree
and, unless they give one, an exact ``jac`` (``wengert.jacrev``; a ``jac`` given in the dict
is passed on unchanged and receives the flat vector).  ``bounds`` and
``NonlinearConstraint`` / ``LinearConstraint`` objects refer to the flat vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..api import hessian, hvp, jacrev, value_and_grad
from ._tree_util import cast_leaves, leaf_dtypes, ravel_pytree

__all__ = ["scipy_minimize"]

_NO_GRAD = {"nelder-mead", "powell", "cobyla", "cobyqa"}
_HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
_HESS = {"dogleg", "trust-exact"}


def scipy_minimize(
    fun: Callable[..., Any],
    x0: Any,
    args: Sequence[Any] = (),
    method: str | Callable = "BFGS",
    *,
    bounds: Any = None,
    constraints: Any = (),
    tol: float | None = None,
    callback: Callable[..., Any] | None = None,
    options: dict | None = None,
) -> Any:
    """``scipy.optimize.minimize(fun, x0, args, method, ...)`` for a scalar ``fun(params,
    *args)`` of a pytree ``params``, with exact gradients (and Hessian-vector products or
    Hessians where the method uses them; see the module docstring).

    Returns SciPy's ``OptimizeResult`` with ``x`` (and ``jac`` when present) as pytrees like
    ``x0`` (leaves in ``x0``'s dtypes; float32 stays float32), and ``x_flat`` the flat
    float64 solution.  ``callback`` receives the current parameters as a pytree.
    """
    try:
        import scipy.optimize as so
    except ImportError:  # pragma: no cover - scipy is a test dependency
        raise ImportError(
            "wengert.optim.scipy_minimize needs SciPy: pip install 'wengert[scipy]'"
        ) from None

    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    flat0, unravel = ravel_pytree(x0)
    dtypes = leaf_dtypes(x0)
    if not np.all(np.isfinite(flat0)):
        raise ValueError("scipy_minimize: x0 has non-finite entries")
    name = method.lower() if isinstance(method, str) else None

    def f_tree(p: Any) -> Any:
        return fun(p, *args)

    vg = value_and_grad(f_tree)

    def value_and_flat_grad(v: np.ndarray) -> tuple[float, np.ndarray]:
        val, g = vg(unravel(v))
        return float(val), ravel_pytree(g)[0]

    def value_only(v: np.ndarray) -> float:
        return float(f_tree(unravel(v)))

    kw: dict[str, Any] = {}
    if name in _NO_GRAD:
        objective: Callable = value_only
    else:
        objective = value_and_flat_grad
        kw["jac"] = True
    if name in _HESSP:

        def hessp(v: np.ndarray, p: np.ndarray) -> np.ndarray:
            return ravel_pytree(hvp(f_tree, (unravel(v),), (unravel(p),)))[0]

        kw["hessp"] = hessp
    elif name in _HESS:

        def hess(v: np.ndarray) -> np.ndarray:
            return np.asarray(hessian(lambda w: f_tree(unravel(w)))(v), dtype=float)

        kw["hess"] = hess

    if bounds is not None:
        kw["bounds"] = bounds
    if constraints is not None and not (isinstance(constraints, (tuple, list)) and len(constraints) == 0):
        kw["constraints"] = _wrap_constraints(constraints, unravel)
    if callback is not None:

        def cb(xk: np.ndarray, *rest: Any) -> Any:
            return callback(unravel(np.array(xk, dtype=float)))

        kw["callback"] = cb

    res = so.minimize(objective, flat0, method=method, tol=tol, options=options, **kw)
    x_flat = np.array(res.x, dtype=float)
    res.x_flat = x_flat
    res.x = cast_leaves(unravel(x_flat.copy()), dtypes)
    jac = res.get("jac")
    if jac is not None and np.shape(jac) == flat0.shape:
        res.jac = cast_leaves(unravel(np.array(jac, dtype=float)), dtypes)
    return res


def _wrap_constraints(constraints: Any, unravel: Callable) -> Any:
    single = isinstance(constraints, dict) or not isinstance(constraints, (list, tuple))
    items = [constraints] if single else list(constraints)
    out = []
    for c in items:
        if isinstance(c, dict):
            c = dict(c)
            if "fun" not in c:
                raise ValueError("scipy_minimize: a constraint dict needs a 'fun' entry")
            cfun = c["fun"]

            def wrapped(v: np.ndarray, *a: Any, _f: Callable = cfun) -> np.ndarray:
                return np.asarray(_f(unravel(v), *a), dtype=float)

            if "jac" not in c:

                def cjac(v: np.ndarray, *a: Any, _f: Callable = cfun) -> np.ndarray:
                    return np.asarray(jacrev(lambda w: _f(unravel(w), *a))(v), dtype=float)

                c["jac"] = cjac
            c["fun"] = wrapped
        out.append(c)
    return out[0] if single else out
