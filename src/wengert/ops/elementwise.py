"""Elementwise ops (NumPy's ufuncs): arithmetic, exponentials and logarithms, trigonometric
and hyperbolic functions, comparisons, ``where``, ``maximum``/``minimum`` and casts.

Each differentiable elementwise op declares its partial derivatives once with
``defpartials``; both its VJP (with the broadcasting reduction) and its JVP are derived
from them.  Partials are written in wengert ops, so they can be differentiated again.
Python-float constants keep float32 computations in float32 (NumPy's weak scalars).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.primitive import SAVE_ARGS, Primitive, Tracer
from ..core.schema import DTYPE, INT, declare
from ..errors import TracerConversionError
from ..tree import tree_map
from ._util import _lower, dtype_of, ones_like, shape_of, zeros_like  # noqa: F401  (re-exported)
from .shape import align_batch, broadcast_to_p, unbroadcast

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _vjp_from_partial(fn: Callable, i: int, nargs: int, with_args: bool) -> Callable:
    if nargs == 1:
        if with_args:
            return lambda ct, ans, x, **params: multiply_p.bind(ct, fn(ans, x, **params))
        return lambda ct, ans, **params: multiply_p.bind(ct, fn(ans, **params))

    def vjp(ct: Any, ans: Any, *args: Any, **params: Any) -> Any:
        g = multiply_p.bind(ct, fn(ans, *args, **params))
        return _unbroadcast_like(g, args[i])

    return vjp


def _unbroadcast_like(g: Any, x: Any) -> Any:
    """``g`` summed down to the shape of ``x`` (itself when the shapes already agree; either
    may be a Python number)."""
    shape = shape_of(x)
    return g if shape_of(g) == shape else unbroadcast(g, shape)


def _jvp_from_partials(fns: tuple) -> Callable:
    def jvp(tangents: tuple, ans: Any, *args: Any, **params: Any) -> Any:
        out = None
        for t, fn in zip(tangents, fns):
            if t is None or fn is None:
                continue
            d = fn(ans, *args, **params)
            term = multiply_p.bind(t, d)
            out = term if out is None else add_p.bind(out, term)
        if out is None:
            return None
        ans_shape = shape_of(ans)
        if shape_of(out) != ans_shape:
            out = broadcast_to_p.bind(out, shape=ans_shape)
        return out

    return jvp


def _elementwise_batch(prim: Primitive) -> Callable:
    """vmap rule shared by elementwise ops: give batched arguments the full rank (batch
    axis first), then apply the op; broadcasting does the rest."""

    def rule(vals: list, batched: list, size: int, **params: Any) -> Any:
        return prim.bind(*align_batch(vals, batched), **params)

    return rule


def defpartials(prim: Primitive, *partials: Callable | None, save: str = "args") -> Primitive:
    """Define an elementwise primitive's derivatives by its partial derivatives.

    ``partials[i](ans, *args)`` (or ``partials[i](ans)`` with ``save="ans"``) returns
    d ans / d args[i], broadcastable against ``ans``; ``None`` marks a non-differentiable
    argument.  The VJP multiplies by the cotangent and sums away broadcasting; the JVP
    multiplies by the tangents and adds.  The primitive is elementwise: it gets the shared
    batching rule (unless it has one) and is described so.
    """
    prim.partials = partials
    prim.elementwise = True
    if prim.batch is None:
        prim.batch = _elementwise_batch(prim)
    flag = {"args": SAVE_ARGS, "both": 3, "ans": 2}[save]
    with_args = bool(flag & SAVE_ARGS)
    n = len(partials)
    prim.defvjp(
        *(None if fn is None else _vjp_from_partial(fn, i, n, with_args) for i, fn in enumerate(partials)),
        save=save,
    )
    # JVP rules always see the arguments; adapt ans-only partials to that signature.
    prim.defjvp(_jvp_from_partials(partials if with_args else tuple(map(_ans_only, partials))))
    return prim


def _ans_only(fn: Callable | None) -> Callable | None:
    if fn is None:
        return None
    return lambda ans, *args, **params: fn(ans, **params)


def _ufunc(
    name: str,
    impl: Callable,
    ufunc: np.ufunc | None = None,
    nondiff: bool = False,
    parse: bool = False,
    params: dict | None = None,
    **desc: Any,
) -> Primitive:
    """An elementwise primitive; ``ufunc`` is the NumPy ufunc it computes (``impl`` itself
    when that is one), which gives its NumPy spelling, its arity and a fresh result.
    ``parse=True``: the expression parser reads it by its math name; ``params``: the schema
    of its parameters (none by default)."""
    p = Primitive(name, impl, nondiff=nondiff)
    u = ufunc if ufunc is not None else (impl if isinstance(impl, np.ufunc) else None)
    base: dict[str, Any] = {"elementwise": True, "math": desc.get("math", name)}
    if u is not None:
        base.update(numpy=f"np.{u.__name__}", nargs=u.nin, fresh=True)
    if parse:
        base["parse_names"] = (base["math"],)
    base.update(desc)
    p.batch = _elementwise_batch(p)
    declare(p, **(params or {}))  # no params unless given
    return p.describe(**base)


# NumPy's own array and scalar types: Python's operators on them are NumPy's ufuncs.
_NUMPY_TYPES = frozenset({np.ndarray} | {t for t in np.sctypeDict.values() if isinstance(t, type) and issubclass(t, np.generic)})


_PY_SCALARS = frozenset({bool, int, float, complex})


def _numpy_binop(pyop: Callable, ufunc: np.ufunc, exact_ints: bool = False) -> Callable:
    """The impl of an arithmetic ufunc: Python's operator when an operand is a NumPy array
    or scalar (then it is NumPy's ufunc, and the fastest way to call it on NumPy scalars),
    and the ufunc itself otherwise.  Python numbers (and lists) thus follow NumPy's rules
    too: ``1.0 / 0.0`` is inf with NumPy's RuntimeWarning, not a ZeroDivisionError, and
    ``(-8.0) ** (1/3)`` is nan, not a complex number.  With ``exact_ints``, two Python ints
    keep Python's exact integer result (``2 ** 100``; constant folding relies on it)."""
    numpy_types = _NUMPY_TYPES

    def impl(x: Any, y: Any) -> Any:
        # One class lookup on the hot path (a traced value, cotangent or tangent comes first).
        if x.__class__ in numpy_types:
            return pyop(x, y)
        cx = x.__class__
        cy = y.__class__
        if cy in numpy_types or (exact_ints and cx is int and cy is int):
            return pyop(x, y)
        if cx in _PY_SCALARS and cy in _PY_SCALARS:
            return ufunc(x, y).item()  # stays a weak Python scalar (no float64 promotion)
        return ufunc(x, y)

    impl.__name__ = impl.__qualname__ = ufunc.__name__
    impl.__doc__ = f"numpy.{ufunc.__name__}, with Python's operator as the fast path."
    return impl


def _numpy_unop(pyop: Callable, ufunc: np.ufunc) -> Callable:
    """Like ``_numpy_binop`` for a unary ufunc."""
    numpy_types = _NUMPY_TYPES

    def impl(x: Any) -> Any:
        if x.__class__ in numpy_types:
            return pyop(x)
        return ufunc(x).item() if x.__class__ in _PY_SCALARS else ufunc(x)

    impl.__name__ = impl.__qualname__ = ufunc.__name__
    impl.__doc__ = f"numpy.{ufunc.__name__}, with Python's operator as the fast path."
    return impl


# --------------------------------------------------------------------------- arithmetic

add_p = _ufunc("add", _numpy_binop(operator.add, np.add, exact_ints=True), np.add, infix="+", prec=10, inplace=True)
add_p.defvjp(
    lambda ct, ans, x, y: unbroadcast(ct, x),
    lambda ct, ans, x, y: unbroadcast(ct, y),
    save="shapes",
)

subtract_p = _ufunc(
    "subtract", _numpy_binop(operator.sub, np.subtract, exact_ints=True), np.subtract, infix="-", prec=10, inplace=True
)
subtract_p.defvjp(
    lambda ct, ans, x, y: unbroadcast(ct, x),
    lambda ct, ans, x, y: unbroadcast(negative_p.bind(ct), y),
    save="shapes",
)

negative_p = _ufunc("negative", _numpy_unop(operator.neg, np.negative), np.negative, infix="-", prec=30, inplace=True)
negative_p.defvjp(lambda ct, ans: negative_p.bind(ct), save="none")


def _fit(t: Any, ans: Any) -> Any:
    return t if shape_of(t) == shape_of(ans) else broadcast_to_p.bind(t, shape=shape_of(ans))


def _add_jvp(ts: tuple, ans: Any, x: Any, y: Any) -> Any:
    tx, ty = ts
    return _fit(tx if ty is None else (ty if tx is None else add_p.bind(tx, ty)), ans)


def _sub_jvp(ts: tuple, ans: Any, x: Any, y: Any) -> Any:
    tx, ty = ts
    return _fit(tx if ty is None else (negative_p.bind(ty) if tx is None else subtract_p.bind(tx, ty)), ans)


add_p.defjvp(_add_jvp)
subtract_p.defjvp(_sub_jvp)
negative_p.defjvp(lambda ts, ans, x: negative_p.bind(ts[0]))

multiply_p = _ufunc(
    "multiply", _numpy_binop(operator.mul, np.multiply, exact_ints=True), np.multiply, infix="*", prec=20, inplace=True
)
defpartials(multiply_p, lambda ans, x, y: y, lambda ans, x, y: x)

true_divide_p = _ufunc(
    "true_divide", _numpy_binop(operator.truediv, np.true_divide), np.true_divide, infix="/", prec=20, inplace=True
)
defpartials(
    true_divide_p,
    lambda ans, x, y: true_divide_p.bind(1.0, y),  # not reciprocal: exact for integer y
    lambda ans, x, y: negative_p.bind(true_divide_p.bind(ans, y)),
    save="both",
)


def _pow_dx(ans: Any, x: Any, y: Any) -> Any:
    if not isinstance(y, (Tracer, np.ndarray)):
        if y == 0:
            return zeros_like(x)
        if y == 1:
            return ones_like(x)
        if y == 2:
            return multiply_p.bind(x, 2)
        return multiply_p.bind(y, power_p.bind(x, y - 1))
    return where(equal(y, 0), 0.0, multiply_p.bind(y, power_p.bind(x, subtract_p.bind(y, 1))))


def _pow_dy(ans: Any, x: Any, y: Any) -> Any:
    cplx = np.issubdtype(dtype_of(ans), np.complexfloating)
    if isinstance(x, (int, float)):  # a Python base stays weakly typed (float32 stays float32)
        neg = complex(math.log(-x), math.pi) if cplx and x < 0 else math.nan
        return multiply_p.bind(ans, math.log(x) if x > 0 else 0.0 if x == 0 else neg)
    safe_x = where(equal(x, 0), 1.0, x)
    if cplx and not np.issubdtype(dtype_of(x), np.complexfloating):
        safe_x = astype(safe_x, dtype_of(ans))  # the complex log of a negative real base
    return multiply_p.bind(ans, log_p.bind(safe_x))


power_p = _ufunc("power", _numpy_binop(operator.pow, np.power, exact_ints=True), np.power, infix="**", prec=40, inplace=True)
defpartials(power_p, _pow_dx, _pow_dy, save="both")

reciprocal_p = _ufunc("reciprocal", np.reciprocal, inplace=True)
defpartials(reciprocal_p, lambda ans: negative_p.bind(multiply_p.bind(ans, ans)), save="ans")

square_p = _ufunc("square", np.square, inplace=True, parse=True)
defpartials(square_p, lambda ans, x: multiply_p.bind(x, 2))

# --------------------------------------------------------------------------- exp / log

exp_p = _ufunc("exp", np.exp, latex=r"\exp", inplace=True, parse=True)
defpartials(exp_p, lambda ans: ans, save="ans")
exp2_p = _ufunc("exp2", np.exp2, parse=True)
defpartials(exp2_p, lambda ans: multiply_p.bind(ans, _LN2), save="ans")
expm1_p = _ufunc("expm1", np.expm1, inplace=True, parse=True)
defpartials(expm1_p, lambda ans: add_p.bind(ans, 1.0), save="ans")
log_p = _ufunc("log", np.log, latex=r"\log", parse_names=("log", "ln"), inplace=True)
defpartials(log_p, lambda ans, x: reciprocal_p.bind(x))
log2_p = _ufunc("log2", np.log2, parse=True)
defpartials(log2_p, lambda ans, x: reciprocal_p.bind(multiply_p.bind(x, _LN2)))
log10_p = _ufunc("log10", np.log10, parse=True)
defpartials(log10_p, lambda ans, x: reciprocal_p.bind(multiply_p.bind(x, _LN10)))
log1p_p = _ufunc("log1p", np.log1p, inplace=True, parse=True)
defpartials(log1p_p, lambda ans, x: reciprocal_p.bind(add_p.bind(x, 1.0)))
sqrt_p = _ufunc("sqrt", np.sqrt, inplace=True, parse=True)
defpartials(sqrt_p, lambda ans: true_divide_p.bind(0.5, ans), save="ans")
cbrt_p = _ufunc("cbrt", np.cbrt, parse=True)
defpartials(
    cbrt_p,
    lambda ans: reciprocal_p.bind(multiply_p.bind(square_p.bind(ans), 3.0)),
    save="ans",
)
logaddexp_p = _ufunc("logaddexp", np.logaddexp, parse=True)
defpartials(
    logaddexp_p,
    lambda ans, x, y: exp_p.bind(subtract_p.bind(x, ans)),
    lambda ans, x, y: exp_p.bind(subtract_p.bind(y, ans)),
    save="both",
)
logaddexp2_p = _ufunc("logaddexp2", np.logaddexp2)
defpartials(
    logaddexp2_p,
    lambda ans, x, y: exp2_p.bind(subtract_p.bind(x, ans)),
    lambda ans, x, y: exp2_p.bind(subtract_p.bind(y, ans)),
    save="both",
)

# --------------------------------------------------------------------------- trigonometric

sin_p = _ufunc("sin", np.sin, latex=r"\sin", finite=True, inplace=True, parse=True)
cos_p = _ufunc("cos", np.cos, latex=r"\cos", finite=True, inplace=True, parse=True)
tan_p = _ufunc("tan", np.tan, latex=r"\tan", parse=True)
defpartials(sin_p, lambda ans, x: cos_p.bind(x))
defpartials(cos_p, lambda ans, x: negative_p.bind(sin_p.bind(x)))
defpartials(tan_p, lambda ans: add_p.bind(multiply_p.bind(ans, ans), 1.0), save="ans")


def _one_minus_sq(x: Any) -> Any:
    return subtract_p.bind(1.0, multiply_p.bind(x, x))


arcsin_p = _ufunc("arcsin", np.arcsin, math="asin", latex=r"\arcsin", parse_names=("asin", "arcsin"))
defpartials(arcsin_p, lambda ans, x: reciprocal_p.bind(sqrt_p.bind(_one_minus_sq(x))))
arccos_p = _ufunc("arccos", np.arccos, math="acos", latex=r"\arccos", parse_names=("acos", "arccos"))
defpartials(arccos_p, lambda ans, x: negative_p.bind(reciprocal_p.bind(sqrt_p.bind(_one_minus_sq(x)))))
arctan_p = _ufunc("arctan", np.arctan, math="atan", latex=r"\arctan", parse_names=("atan", "arctan"), finite=True)
defpartials(arctan_p, lambda ans, x: reciprocal_p.bind(add_p.bind(multiply_p.bind(x, x), 1.0)))


def _atan2_den(y: Any, x: Any) -> Any:
    return add_p.bind(multiply_p.bind(x, x), multiply_p.bind(y, y))


arctan2_p = _ufunc("arctan2", np.arctan2, math="atan2", parse_names=("atan2", "arctan2"))
defpartials(
    arctan2_p,
    lambda ans, y, x: true_divide_p.bind(x, _atan2_den(y, x)),
    lambda ans, y, x: negative_p.bind(true_divide_p.bind(y, _atan2_den(y, x))),
)
hypot_p = _ufunc("hypot", np.hypot, parse=True)
defpartials(
    hypot_p,
    lambda ans, x, y: true_divide_p.bind(x, ans),
    lambda ans, x, y: true_divide_p.bind(y, ans),
    save="both",
)

sinh_p = _ufunc("sinh", np.sinh, latex=r"\sinh", parse=True)
cosh_p = _ufunc("cosh", np.cosh, latex=r"\cosh", parse=True)
tanh_p = _ufunc("tanh", np.tanh, latex=r"\tanh", finite=True, inplace=True, parse=True)
defpartials(sinh_p, lambda ans, x: cosh_p.bind(x))
defpartials(cosh_p, lambda ans, x: sinh_p.bind(x))
defpartials(tanh_p, lambda ans: _one_minus_sq(ans), save="ans")
arcsinh_p = _ufunc("arcsinh", np.arcsinh, math="asinh", parse_names=("asinh", "arcsinh"))
defpartials(
    arcsinh_p,
    lambda ans, x: reciprocal_p.bind(sqrt_p.bind(add_p.bind(multiply_p.bind(x, x), 1.0))),
)
arccosh_p = _ufunc("arccosh", np.arccosh, math="acosh", parse_names=("acosh", "arccosh"))


def _arccosh_d(ans: Any, x: Any) -> Any:
    if np.issubdtype(dtype_of(x), np.complexfloating):
        # 1/sqrt(z*z - 1) has the wrong sign where Re z < 0 (its branch cut is not arccosh's).
        return reciprocal_p.bind(multiply_p.bind(sqrt_p.bind(subtract_p.bind(x, 1.0)), sqrt_p.bind(add_p.bind(x, 1.0))))
    return reciprocal_p.bind(sqrt_p.bind(subtract_p.bind(multiply_p.bind(x, x), 1.0)))


defpartials(arccosh_p, _arccosh_d)
arctanh_p = _ufunc("arctanh", np.arctanh, math="atanh", parse_names=("atanh", "arctanh"))
defpartials(arctanh_p, lambda ans, x: reciprocal_p.bind(_one_minus_sq(x)))

# --------------------------------------------------------------------------- piecewise

abs_p = _ufunc("absolute", np.abs, math="abs", foldable=True, inplace=True, parse=True)
defpartials(abs_p, lambda ans, x: sign_p.bind(x))
# Complex input (JAX's convention, docs/complex.md): |z| is real and not holomorphic, so its
# rules are written out: VJP Re(ct) * conj(z) / |z|, JVP Re(conj(z) * t) / |z| (0 at z = 0).
_abs_real_vjp, _abs_real_jvp = abs_p.vjps[0], abs_p.jvp


def _conj_over_abs(x: Any, absx: Any) -> Any:
    return true_divide_p.bind(conj_p.bind(x), where_p.bind(equal(x, 0), 1.0, absx))


def _abs_vjp(ct: Any, ans: Any, x: Any) -> Any:
    if dtype_of(x).kind != "c":
        return _abs_real_vjp(ct, ans, x)
    return multiply_p.bind(_re(ct), _conj_over_abs(x, abs_p.bind(x)))


def _abs_jvp(ts: tuple, ans: Any, x: Any) -> Any:
    if dtype_of(x).kind != "c":
        return _abs_real_jvp(ts, ans, x)
    return _re(multiply_p.bind(ts[0], _conj_over_abs(x, ans)))


abs_p.defvjp(_abs_vjp, save="args")
abs_p.defjvp(_abs_jvp)

# Zero-derivative ops: their outputs are constants to every trace.  ``sign`` is recorded
# when a gradient override for it is in scope (straight-through estimators).
sign_p = _ufunc("sign", np.sign, nondiff=True, foldable=True, finite=True, parse=True)
sign_p.defvjp(lambda ct, ans, x: zeros_like(ct))
floor_p = _ufunc("floor", np.floor, nondiff=True, foldable=True)
ceil_p = _ufunc("ceil", np.ceil, nondiff=True, foldable=True)
rint_p = _ufunc("rint", np.rint, nondiff=True)
trunc_p = _ufunc("trunc", np.trunc, nondiff=True)
round_p = _ufunc(
    "round", lambda x, decimals=0: np.round(x, decimals), nondiff=True, fresh=True, params={"decimals": INT}
)
floor_divide_p = _ufunc(
    "floor_divide", _numpy_binop(operator.floordiv, np.floor_divide), np.floor_divide, nondiff=True, infix="//"
)

remainder_p = _ufunc("remainder", _numpy_binop(operator.mod, np.remainder), np.remainder, infix="%")
defpartials(
    remainder_p,
    lambda ans, x, y: ones_like(x),
    lambda ans, x, y: negative_p.bind(floor_divide_p.bind(x, y)),
)


def _max_vjp(first: bool) -> Callable:
    # Ties split the cotangent equally (JAX's convention).
    def vjp(ct: Any, ans: Any, x: Any, y: Any) -> Any:
        a, b = (x, y) if first else (y, x)
        win = where(greater(a, b), ct, where(equal(a, b), multiply_p.bind(ct, 0.5), 0.0))
        return unbroadcast(win, shape_of(a))

    return vjp


def _min_vjp(first: bool) -> Callable:
    def vjp(ct: Any, ans: Any, x: Any, y: Any) -> Any:
        a, b = (x, y) if first else (y, x)
        win = where(less(a, b), ct, where(equal(a, b), multiply_p.bind(ct, 0.5), 0.0))
        return unbroadcast(win, shape_of(a))

    return vjp


def _select_jvp(cmp: Callable) -> Callable:
    def jvp(ts: tuple, ans: Any, x: Any, y: Any) -> Any:
        # a missing tangent is zero in the output's dtype (a Python-float bound like
        # clip(x, 0.0, 1.0) must not turn a float32 tangent into float64)
        tx = ts[0] if ts[0] is not None else zeros_like(ans)
        ty = ts[1] if ts[1] is not None else zeros_like(ans)
        half = multiply_p.bind(add_p.bind(tx, ty), 0.5)
        out = where(cmp(x, y), tx, where(equal(x, y), half, ty))
        return broadcast_to_p.bind(out, shape=shape_of(ans)) if shape_of(out) != shape_of(ans) else out

    return jvp


maximum_p = _ufunc("maximum", np.maximum, foldable=True, inplace=True, parse=True)
maximum_p.defvjp(_max_vjp(True), _max_vjp(False), save="args")
maximum_p.defjvp(_select_jvp(lambda x, y: greater(x, y)))
minimum_p = _ufunc("minimum", np.minimum, foldable=True, inplace=True, parse=True)
minimum_p.defvjp(_min_vjp(True), _min_vjp(False), save="args")
minimum_p.defjvp(_select_jvp(lambda x, y: less(x, y)))


def _fmax_vjp(first: bool, cmp: Callable) -> Callable:
    # fmax/fmin ignore NaN: the gradient goes to the non-NaN argument.
    def vjp(ct: Any, ans: Any, x: Any, y: Any) -> Any:
        a, b = (x, y) if first else (y, x)
        take = logical_or(cmp(a, b), isnan(b))
        tie = logical_and(equal(a, b), logical_not(isnan(a)))
        win = where(tie, multiply_p.bind(ct, 0.5), where(take, ct, 0.0))
        return unbroadcast(win, shape_of(a))

    return vjp


fmax_p = _ufunc("fmax", np.fmax)
fmax_p.defvjp(_fmax_vjp(True, lambda a, b: greater(a, b)), _fmax_vjp(False, lambda a, b: greater(a, b)), save="args")
fmax_p.defjvp(_select_jvp(lambda x, y: logical_or(greater(x, y), isnan(y))))
fmin_p = _ufunc("fmin", np.fmin)
fmin_p.defvjp(_fmax_vjp(True, lambda a, b: less(a, b)), _fmax_vjp(False, lambda a, b: less(a, b)), save="args")
fmin_p.defjvp(_select_jvp(lambda x, y: logical_or(less(x, y), isnan(y))))

# --------------------------------------------------------------------------- comparisons

_CMP = {
    "less": np.less,
    "less_equal": np.less_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "equal": np.equal,
    "not_equal": np.not_equal,
    "logical_and": np.logical_and,
    "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
}
_CMP_INFIX = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=", "equal": "==", "not_equal": "!="}
_cmp_prims = {
    name: _ufunc(name, fn, nondiff=True, boolean=True, foldable=True, infix=_CMP_INFIX.get(name), parse=name in _CMP_INFIX)
    for name, fn in _CMP.items()
}
less = _cmp_prims["less"].bind
less_equal = _cmp_prims["less_equal"].bind
greater = _cmp_prims["greater"].bind
greater_equal = _cmp_prims["greater_equal"].bind
equal = _cmp_prims["equal"].bind
not_equal = _cmp_prims["not_equal"].bind
logical_and = _cmp_prims["logical_and"].bind
logical_or = _cmp_prims["logical_or"].bind
logical_xor = _cmp_prims["logical_xor"].bind
logical_not = _ufunc("logical_not", np.logical_not, nondiff=True, boolean=True, foldable=True).bind
isnan = _ufunc("isnan", np.isnan, nondiff=True, boolean=True, foldable=True).bind
isinf = _ufunc("isinf", np.isinf, nondiff=True, boolean=True, foldable=True).bind
isfinite = _ufunc("isfinite", np.isfinite, nondiff=True, boolean=True, foldable=True).bind
signbit = _ufunc("signbit", np.signbit, nondiff=True, boolean=True).bind

# --------------------------------------------------------------------------- where / clip


def _where_vjp(i: int) -> Callable:
    def vjp(ct: Any, ans: Any, c: Any, x: Any, y: Any) -> Any:
        g = where_p.bind(c, ct, 0.0) if i == 1 else where_p.bind(c, 0.0, ct)
        return unbroadcast(g, shape_of(x if i == 1 else y))

    return vjp


def _where_jvp(ts: tuple, ans: Any, c: Any, x: Any, y: Any) -> Any:
    tx = ts[1] if ts[1] is not None else 0.0
    ty = ts[2] if ts[2] is not None else 0.0
    out = where_p.bind(c, tx, ty)
    return broadcast_to_p.bind(out, shape=shape_of(ans)) if shape_of(out) != shape_of(ans) else out


where_p = _ufunc("where", lambda c, x, y: np.where(c, x, y), numpy="np.where", nargs=3, fresh=True, parse=True)
where_p.defvjp(None, _where_vjp(1), _where_vjp(2), save="args")
where_p.defjvp(_where_jvp)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """``np.where(condition, x, y)``; the condition is not differentiated."""
    if x is None and y is None:  # np.nonzero reaches wengert's nonzero for traced values
        return np.nonzero(condition)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return where_p.bind(condition, x, y)


def clip(x: Any, a_min: Any = None, a_max: Any = None, **kw: Any) -> Any:
    """``np.clip`` as ``minimum(maximum(x, a_min), a_max)`` (ties split, as in JAX)."""
    lo, hi = kw.pop("min", None), kw.pop("max", None)  # NumPy 2.1's names (and ndarray.clip's)
    if (lo is not None and a_min is not None) or (hi is not None and a_max is not None):
        raise ValueError("clip: give each bound once, as a_min/a_max or as min/max")
    a_min = a_min if lo is None else lo
    a_max = a_max if hi is None else hi
    if kw.get("out") is not None:
        raise TypeError("clip: out= is not supported on traced values")
    if a_min is not None:
        x = maximum_p.bind(x, a_min)
    if a_max is not None:
        x = minimum_p.bind(x, a_max)
    return x


# --------------------------------------------------------------------------- casts, constants


def _astype_source(args: list, params: dict, em: Any) -> str | None:
    return f"np.asarray({args[0]}).astype({em.literal(params['dtype'])})" if "dtype" in params and len(args) == 1 else None


astype_p = _ufunc(
    "astype",
    lambda x, dtype, orig: x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype),
    source=_astype_source,
    params={"dtype": DTYPE, "orig": DTYPE},
)


def _astype_jvp(ts: tuple, ans: Any, x: Any, dtype: Any, orig: Any) -> Any:
    t = ts[0]
    if not np.issubdtype(dtype, np.complexfloating) and np.issubdtype(dtype_of(t), np.complexfloating):
        return astype(real_p.bind(t), dtype)
    return astype_p.bind(t, dtype=dtype, orig=orig)


astype_p.defjvp(_astype_jvp)
_astype_int_p = _ufunc(
    "astype_nondiff",
    lambda x, dtype: x.astype(dtype) if hasattr(x, "astype") else np.asarray(x, dtype),
    nondiff=True,
    source=_astype_source,
    params={"dtype": DTYPE},
)


def _astype_vjp_fix(ct: Any, ans: Any, dtype: Any, orig: Any) -> Any:
    if not np.issubdtype(orig, np.complexfloating) and np.issubdtype(dtype_of(ct), np.complexfloating):
        return astype(real_p.bind(ct), orig)
    return astype_p.bind(ct, dtype=orig, orig=dtype)


astype_p.defvjp(_astype_vjp_fix, save="none")


def astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    """Cast; differentiable between inexact dtypes, a constant otherwise."""
    dtype = np.dtype(dtype)
    orig = dtype_of(x)
    if orig == dtype:
        return x
    if np.issubdtype(dtype, np.inexact) and np.issubdtype(orig, np.inexact):
        return astype_p.bind(x, dtype=dtype, orig=orig)
    return _astype_int_p.bind(x, dtype=dtype)


def full_like(x: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Any:
    if isinstance(fill_value, Tracer):
        return broadcast_to_p.bind(astype(fill_value, dtype or dtype_of(x)), shape=shape or shape_of(x))
    return np.full_like(_lower(x), fill_value, dtype=dtype or dtype_of(x), shape=shape_of(x) if shape is None else shape)


def empty_like(x: Any, dtype: Any = None, shape: Any = None) -> Any:
    return zeros_like(x, dtype, shape)


# --------------------------------------------------------------------------- stop_gradient


stop_gradient_p = _ufunc("stop_gradient", lambda x: x, nondiff=True, source=lambda args, params, em: args[0])


def stop_gradient(x: Any) -> Any:
    """The value of ``x``, treated as a constant by every enclosing differentiation."""

    return tree_map(stop_gradient_p.bind, x)


def no_float_conversion(name: str) -> TracerConversionError:
    return TracerConversionError(
        f"{name}() of a traced value would drop its derivative. Keep the value as an array "
        "inside the differentiated function, or wrap it in wengert.stop_gradient(...) "
        "explicitly if no derivative should flow through it."
    )


# --------------------------------------------------------------------------- complex parts
# (the convention is JAX's: see ops/complex.py and docs/complex.md)


def is_complex(x: Any) -> bool:
    """Has ``x`` a complex dtype?"""
    return dtype_of(x).kind == "c"


def _re(x: Any) -> Any:
    """Real part of a cotangent or tangent (itself when already real)."""
    return real_p.bind(x) if is_complex(x) else x


def _im(x: Any) -> Any:
    return imag_p.bind(x) if is_complex(x) else zeros_like(x)


# --------------------------------------------------------------------------- complex(re, im)


def _complex_impl(re: Any, im: Any) -> Any:
    # Not ``re + 1j * im``: 1j * inf would put a NaN in the real part.
    dt = np.result_type(re, im, np.complex64)
    shape = np.broadcast_shapes(np.shape(re), np.shape(im))
    out = np.empty_like(re if hasattr(re, "shape") else im, dtype=dt, shape=shape)
    out.real = re
    out.imag = im
    return out


complex_p = Primitive("complex", _complex_impl)
complex_p.defvjp(
    lambda ct, ans, re, im: unbroadcast(_re(ct), re),
    lambda ct, ans, re, im: unbroadcast(negative_p.bind(_im(ct)), im),
    save="shapes",
)


def _complex_jvp(ts: tuple, ans: Any, re: Any, im: Any) -> Any:
    out = complex_p.bind(_re(ts[0]) if ts[0] is not None else 0.0, _re(ts[1]) if ts[1] is not None else 0.0)
    if shape_of(out) != shape_of(ans):
        out = broadcast_to_p.bind(out, shape=shape_of(ans))
    return out


complex_p.defjvp(_complex_jvp)

complex_p.batch = _elementwise_batch(complex_p)


# --------------------------------------------------------------------------- real / imag / conj


real_p = Primitive("real", np.real)
real_p.defvjp(lambda ct, ans: complex_p.bind(_re(ct), 0.0), save="none")
real_p.defjvp(lambda ts, ans, x: _re(ts[0]))

imag_p = Primitive("imag", np.imag)
imag_p.defvjp(lambda ct, ans: complex_p.bind(0.0, negative_p.bind(_re(ct))), save="none")
imag_p.defjvp(lambda ts, ans, x: _im(ts[0]))

conj_p = Primitive("conj", np.conjugate)
conj_p.defvjp(lambda ct, ans: conj_p.bind(ct) if is_complex(ct) else ct, save="none")
conj_p.defjvp(lambda ts, ans, x: conj_p.bind(ts[0]) if is_complex(ts[0]) else ts[0])

for _p in (real_p, imag_p, conj_p):
    _p.batch = (lambda p: lambda vals, b, size: p.bind(vals[0]))(_p)

for _p in (complex_p, real_p, imag_p, conj_p):
    declare(_p)


# --------------------------------------------------------------------------- batching


