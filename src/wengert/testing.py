"""``check_grads``: reverse-mode derivatives against central finite differences, to any
order by nesting (the order-k check differentiates the order-(k-1) directional derivative).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .api import vjp
from .ops._util import dtype_of
from .tree import tree_flatten, tree_map

__all__ = ["check_grads"]


def _lower(x: Any) -> Any:
    from .core.primitive import Tracer

    return x.full_lower() if isinstance(x, Tracer) else x


def _random_like(tree: Any, rng: np.random.Generator) -> Any:
    def f(x: Any) -> Any:
        v = np.asarray(_lower(x))
        r = rng.standard_normal(v.shape)
        if np.issubdtype(v.dtype, np.complexfloating):
            r = r + 1j * rng.standard_normal(v.shape)
        return r.astype(v.dtype) if np.issubdtype(v.dtype, np.inexact) else r

    return tree_map(f, tree)


def _inner(a: Any, b: Any) -> Any:
    from . import numpy as wnp

    al, bl = tree_flatten(a)[0], tree_flatten(b)[0]
    total = 0.0
    for x, y in zip(al, bl):
        if x is None or y is None:
            continue
        total = total + wnp.sum(wnp.real(x * y))  # the real pairing Re(sum(x*y)) (docs/complex.md)
    return total


def _axpy(a: float, x: Any, y: Any) -> Any:
    return tree_map(lambda xi, yi: yi + a * xi, x, y)


def check_grads(
    f: Callable,
    args: Any,
    order: int = 2,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 0,
) -> None:
    """Check ``f``'s reverse-mode derivatives at ``args`` up to ``order``.

    Compares ``<ct, J v>`` from central differences with ``<vjp(ct), v>`` for random
    directions ``v`` and cotangents ``ct``; raises ``AssertionError`` with both values on a
    mismatch.  Order 2 checks the derivative of the order-1 directional derivative, etc.
    Tolerances default by dtype (float64: step 1e-6, rtol 1e-5; float32: 1e-3, 2e-2).
    """
    if not isinstance(args, tuple):
        args = (args,)
    if order < 1:
        return
    leaves = tree_flatten(args)[0]
    low = min((np.finfo(dtype_of(_lower(x))).bits for x in leaves if np.issubdtype(dtype_of(_lower(x)), np.inexact)), default=64)
    single = low <= 32
    eps = eps if eps is not None else (1e-3 if single else 1e-6)
    rtol = rtol if rtol is not None else (2e-2 if single else 1e-5)
    atol = atol if atol is not None else (2e-2 if single else 1e-6)
    rng = np.random.default_rng(seed)
    v = _random_like(args, rng)
    out, vjp_fn = vjp(f, *args)
    ct = _random_like(out, rng)

    # Finite differences in float64 where possible, to measure the truth accurately.
    def fd(x_args: Any) -> Any:
        return f(*x_args)

    plus = fd(_axpy(eps, v, args))
    minus = fd(_axpy(-eps, v, args))
    jv = tree_map(lambda p, m: (p - m) / (2 * eps), plus, minus)
    numeric = _lower(_inner(ct, jv))
    analytic = _lower(_inner(vjp_fn(ct), v))
    numeric, analytic = float(numeric), float(analytic)
    if not abs(numeric - analytic) <= atol + rtol * abs(numeric):
        raise AssertionError(
            f"check_grads (order {order}): reverse mode gives <vjp(ct), v> = {analytic:.10g} "
            f"but central differences give <ct, J v> = {numeric:.10g} "
            f"(difference {abs(numeric - analytic):.3g}, tolerance {atol + rtol * abs(numeric):.3g})"
        )
    if order > 1:

        def directional(*a: Any) -> Any:
            _, fn = vjp(f, *a)
            return _inner(fn(ct), v)

        check_grads(directional, args, order - 1, eps, rtol, atol, seed + 1)
