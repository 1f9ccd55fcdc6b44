"""Black boxes inside AD: primitives whose derivatives come from numerical differentiation.

``@blackbox`` turns a function wengert cannot trace (it calls compiled code, SciPy, ``math``,
or ``float()``s its input) into a ``Primitive``: its ``impl`` runs the function on plain
arrays, and its rules are numerical:
- JVP: the directional derivative along the tangents (one stencil: ``directional``);
- VJP for argument ``i``: ``ct . J_i`` with ``J_i`` the numerical Jacobian with respect to
  that argument (``jacobian``; one stencil per element of the argument).  The Jacobian is
  cached for the last arguments seen, so a reverse-mode Jacobian (one VJP per output
  element) computes it once.
Both rules are themselves black-box primitives (made on first use), so derivatives of any
order work: the second derivative is the numerical derivative of the numerical first
derivative (nested finite differences: less accurate, about the square root of the
first-order accuracy for central differences, and each level multiplies the cost).  With
``method="complex"`` the first level is exact to rounding and the second is a real-step
difference of it.

A warning (``NumericalDerivativeWarning``) is issued the first time a black box is
differentiated, once per black box.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.batching import _loop_rule
from ..core.primitive import Primitive
from ..errors import WengertError
from ..ops._util import dtype_of, shape_of
from ..ops.elementwise import zeros_like
from ..ops.shape import broadcast_to
from .derivatives import directional, jacobian
from .finite_diff import check_method_order

__all__ = ["blackbox", "NumericalDerivativeWarning"]


class NumericalDerivativeWarning(UserWarning):
    """A function's derivatives are computed by numerical differentiation."""


def _inexact(a: Any) -> bool:

    try:
        return bool(np.issubdtype(dtype_of(a), np.inexact))
    except TypeError:
        return False


class _Opts:
    __slots__ = ("method", "order", "step", "richardson", "vectorized", "batch_size", "warn")

    def __init__(
        self, method: str, order: int, step: Any, richardson: int, vectorized: bool, batch_size: int | None, warn: bool
    ) -> None:
        self.method, self.order, self.step, self.richardson = method, order, step, richardson
        self.vectorized, self.batch_size, self.warn = vectorized, batch_size, warn

    def kw(self, vectorized: bool = False) -> dict:
        return {
            "method": self.method,
            "order": self.order,
            "step": self.step,
            "richardson": self.richardson,
            "vectorized": vectorized,
            "batch_size": self.batch_size,
        }


class _Warned:
    __slots__ = ("done", "name", "method")

    def __init__(self, name: str, method: str) -> None:
        self.done, self.name, self.method = False, name, method

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            how = "the complex step" if self.method == "complex" else f"{self.method} finite differences"
            warnings.warn(
                f"wengert.numeric.blackbox: {self.name!r} is differentiated numerically ({how} with "
                "Richardson extrapolation): its derivatives are approximate and cost extra "
                "evaluations; higher orders nest numerical differences (see docs/numeric.md)",
                NumericalDerivativeWarning,
                stacklevel=5,
            )


def _out_array(y: Any, name: str) -> np.ndarray:
    if isinstance(y, (tuple, list, dict)):
        raise TypeError(
            f"blackbox {name!r}: the function returned a {type(y).__name__}; a black box must return "
            "one array (return several results from several black boxes, or concatenate them)"
        )
    return np.asarray(y)


class _LastJacobian:
    """A one-entry cache: the Jacobian for the last arguments (compared by value)."""

    __slots__ = ("key", "value")

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.value: Any = None

    def get(self, args: tuple, params: dict) -> Any:
        if self.key is None:
            return None
        k_args, k_params = self.key
        if len(k_args) != len(args) or k_params != params:
            return None
        for a, b in zip(k_args, args):
            b = np.asarray(b)
            if a.shape != b.shape or a.dtype != b.dtype or not np.array_equal(a, b):
                return None
        return self.value

    def put(self, args: tuple, params: dict, value: Any) -> None:
        self.key = (tuple(np.array(a, copy=True) for a in args), dict(params))
        self.value = value


def _make(fun: Callable, name: str, opts: _Opts, warned: _Warned, register: bool, top: bool) -> Primitive:
    """A primitive running ``fun`` with numerical JVP and VJP rules (made lazily)."""
    prim = Primitive(name, fun, register=register)
    derived: dict[Any, Primitive] = {}

    # -- JVP ---------------------------------------------------------------------------
    def jvp_impl(*ats: Any, **params: Any) -> Any:

        k = len(ats) // 2
        args, tans = ats[:k], ats[k:]
        idx = [i for i in range(k) if _inexact(args[i])]
        y0 = _out_array(fun(*args, **params), name)
        if not idx:
            return np.zeros_like(y0)

        def g(xs: tuple) -> Any:
            full = list(args)
            for i, x in zip(idx, xs):
                full[i] = x
            return fun(*full, **params)

        xs = tuple(np.asarray(args[i]) for i in idx)
        vs = tuple(np.broadcast_to(np.asarray(tans[i]), np.shape(args[i])) for i in idx)
        kw = opts.kw(opts.vectorized and top)
        kw.pop("step")
        step = opts.step
        est = directional(g, xs, vs, 1, step=step, **kw)
        return np.asarray(est.value).astype(np.result_type(y0.dtype, *(x.dtype for x in xs)), copy=False)

    def jvp_rule(tangents: tuple, ans: Any, *args: Any, **params: Any) -> Any:

        warned()
        if "jvp" not in derived:
            derived["jvp"] = _make(jvp_impl, f"{name}/jvp", opts, warned, False, False)
        tans = [t if t is not None else (zeros_like(a) if _inexact(a) else 0.0) for t, a in zip(tangents, args)]
        if all(t is None for t in tangents):
            return None
        return derived["jvp"].bind(*args, *tans, **params)

    prim.defjvp(jvp_rule)

    # -- VJP ---------------------------------------------------------------------------
    cache = _LastJacobian()

    def jacobian_of(i: int, args: tuple, params: dict) -> np.ndarray:

        key_params = params if all(np.ndim(v) == 0 for v in params.values()) else None
        hit = cache.get(args, key_params) if key_params is not None else None
        if hit is not None and i in hit:
            return hit[i]

        def g(x: Any) -> Any:
            full = list(args)
            full[i] = x
            return _out_array(fun(*full, **params), name)

        kw = opts.kw(opts.vectorized and top)
        J = np.asarray(jacobian(g, np.asarray(args[i]), **kw).value)
        if key_params is not None:
            if hit is None:
                hit = {}
                cache.put(args, key_params, hit)
            hit[i] = J
        return J

    def vjp_impl_for(i: int) -> Callable:
        def vjp_impl(ct: Any, *args: Any, **params: Any) -> Any:
            J = jacobian_of(i, args, params)
            ct = np.asarray(ct)
            g = np.tensordot(ct, J, axes=ct.ndim) if ct.ndim else ct * J
            return np.asarray(g).astype(np.result_type(np.asarray(args[i]).dtype, ct.dtype), copy=False)

        return vjp_impl

    def vjp_prim(i: int) -> Primitive:
        if i not in derived:
            derived[i] = _make(vjp_impl_for(i), f"{name}/vjp{i}", opts, warned, False, False)
        return derived[i]

    class _Cotangents:
        """The cotangents of all arguments, each computed only when asked for."""

        __slots__ = ("ct", "args", "params")

        def __init__(self, ct: Any, args: tuple, params: dict) -> None:
            self.ct, self.args, self.params = ct, args, params

        def __len__(self) -> int:
            return len(self.args)

        def __getitem__(self, i: int) -> Any:
            if not _inexact(self.args[i]):
                return None
            return vjp_prim(i).bind(self.ct, *self.args, **self.params)

        def __iter__(self):  # noqa: ANN204
            return (self[i] for i in range(len(self.args)))

    def vjp_all(ct: Any, ans: Any, *args: Any, **params: Any) -> Any:
        warned()
        return _Cotangents(ct, args, params)

    prim.defvjp_all(vjp_all, save="args")

    # -- vmap --------------------------------------------------------------------------
    if opts.vectorized and top:

        def batch(vals: list, batched: list, size: int, **params: Any) -> Any:

            if not all(_inexact(v) for v, b in zip(vals, batched) if b):

                return _loop_rule(prim, vals, batched, size, params)
            full = [v if b else broadcast_to(v, (size,) + tuple(shape_of(v))) for v, b in zip(vals, batched)]
            return prim.bind(*full, **params)

        prim.batch = batch
    return prim


_names: set[str] = set()


def blackbox(
    fun: Callable | None = None,
    *,
    method: str = "central",
    order: int = 2,
    step: Any = None,
    richardson: int = 3,
    vectorized: bool = False,
    batch_size: int | None = None,
    name: str | None = None,
    warn: bool = True,
) -> Any:
    """Make ``fun`` a primitive whose derivatives are computed numerically (decorator).

    ``fun(*arrays, **static)`` must return one array; its floating-point positional
    arguments are differentiable, other positional arguments and all keyword arguments are
    passed through unchanged.  ``method``, ``order``, ``step``, ``richardson``: as for
    ``wengert.numeric.jacobian`` (``method="complex"`` needs ``fun`` to accept complex
    input).  ``vectorized=True``: ``fun`` accepts a leading batch axis on every floating
    argument (points are then evaluated in batches, and ``vmap`` calls it once).  The result
    is a ``wengert.Primitive``: call it like the function, inside any wengert transformation::

        @wengert.numeric.blackbox
        def energy(x):
            return scipy.special.ellipe(float(x[0])) * x[1]   # not traceable

        wengert.grad(lambda x: energy(x) ** 2)(np.array([0.3, 2.0]))
    """

    check_method_order(method, order, "blackbox")
    if not isinstance(richardson, (int, np.integer)) or richardson < 0:
        raise ValueError(f"blackbox: richardson must be a non-negative integer, got {richardson!r}")

    def wrap(f: Callable) -> Primitive:
        if not callable(f):
            raise TypeError(f"blackbox: expected a function, got {f!r}")
        pname = name or f"blackbox:{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', repr(f))}"
        if pname in _names:  # redefinition (a re-run cell, a reload)
            Primitive.registry.pop(pname, None)
        elif pname in Primitive.registry:
            raise WengertError(f"blackbox: a primitive named {pname!r} already exists; pass name=")
        opts = _Opts(method, int(order), step, int(richardson), bool(vectorized), batch_size, warn)
        warned = _Warned(pname, method) if warn else (lambda: None)
        prim = _make(f, pname, opts, warned, True, True)  # type: ignore[arg-type]
        _names.add(pname)
        return prim

    return wrap(fun) if fun is not None else wrap
