"""Operators and NumPy protocols of traced values.

``Tracer`` gets Python's operators (arithmetic and reflected, ``@``, ``**``, comparisons,
indexing), array attributes (``shape``, ``dtype``, ``ndim``, ``T``, ...), array methods, and
``__array_ufunc__`` / ``__array_function__`` so that plain ``import numpy as np`` code runs
on wengert ops.  A NumPy function without a wengert rule raises ``NoRuleError`` naming it.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np

from ..core.primitive import Tracer
from ..errors import NoRuleError, TracerConversionError
from ..ops import elementwise as _e
from ..ops._util import dtype_of
from ..ops.indexing import at, getitem

_neg = _e.negative_p.bind


_NO_PARAMS = MappingProxyType({})  # shared and read-only: nobody can add to it


def _binop(prim: Any, reflected: bool) -> Any:
    """Operator method; with a non-traced other operand the tracer's own trace processes the
    call directly (the hot path of eager code like ``x * 0.9``)."""
    bind = prim.bind
    if reflected:

        def rop(s: Tracer, o: Any) -> Any:
            if isinstance(o, Tracer):
                return bind(o, s)
            return s._trace.process(prim, (o, s), _NO_PARAMS)

        return rop

    def op(s: Tracer, o: Any) -> Any:
        if isinstance(o, Tracer):
            return bind(s, o)
        return s._trace.process(prim, (s, o), _NO_PARAMS)

    return op


def _shape(self: Tracer) -> tuple:
    # The value may be a Python scalar (a user primitive's impl returning math.sin(...)).
    v = self.primal
    s = getattr(v, "shape", None)
    return s if s is not None else np.shape(v)


def _dtype(self: Tracer) -> Any:
    v = self.primal
    d = getattr(v, "dtype", None)
    return d if d is not None else np.result_type(v)


def _no_setitem(self: Tracer, idx: Any, value: Any) -> None:
    raise TypeError(
        "traced arrays are immutable: `x[idx] = v` cannot be differentiated. Write "
        "`x = x.at[idx].set(v)` (a functional update, JAX's convention; "
        "`wengert.numpy.at(x)[idx].set(v)` also works on plain arrays), or build the array "
        "with wengert.numpy.where / concatenate instead."
    )


def _iter(self: Tracer) -> Any:
    n = len(self)
    return (getitem(self, i) for i in range(n))


def _len(self: Tracer) -> int:
    s = self.shape
    if not s:
        raise TypeError("len() of unsized object (a 0-d traced array)")
    return s[0]


def _bool(self: Tracer) -> bool:
    return bool(self.full_lower())


def _float(self: Tracer) -> float:
    raise TracerConversionError(
        "float() of a traced value would drop its derivative. Keep it as an array inside "
        "the differentiated function, or wrap it in wengert.stop_gradient(...) if no "
        "derivative should flow through it."
    )


def _array(self: Tracer, dtype: Any = None, copy: Any = None) -> np.ndarray:
    raise TracerConversionError(
        "a traced value was converted to a NumPy array (np.asarray / np.array, or an "
        "assignment `a[idx] = x` into a plain ndarray), which would drop its derivative. Use "
        "wengert.numpy.asarray / wengert.numpy.array inside differentiated code, and build arrays "
        "functionally: `a = wengert.numpy.at(a)[idx].set(x)` or wengert.numpy.stack of the pieces."
    )


def _int(self: Tracer) -> int:
    return int(self.full_lower())


def _repr(self: Tracer) -> str:
    return f"{type(self).__name__}({self.full_lower()!r})"


# ----------------------------------------------------------------------------- protocols
_UFUNCS: dict = {}
_REDUCE: dict = {}
_ACCUMULATE: dict = {}
_FUNCS: dict = {}
# The facade namespace the tables and the tracer methods point into (``install`` sets it:
# ``wengert.numpy`` calls it once its functions exist, so this module never imports it).
wnp: Any = None


def _register_ufuncs() -> None:
    for name, obj in vars(np).items():
        if isinstance(obj, np.ufunc) and hasattr(wnp, name):
            _UFUNCS[obj] = getattr(wnp, name)
    _UFUNCS[np.matmul] = wnp.matmul
    _UFUNCS[np.absolute] = wnp.absolute
    _UFUNCS[np.divide] = wnp.true_divide


def _register_functions() -> None:
    names = (
        "sum mean var std prod cumsum cumprod max min amax amin ptp average argmax argmin "
        "reshape ravel transpose swapaxes moveaxis expand_dims squeeze broadcast_to "
        "broadcast_arrays concatenate stack hstack vstack column_stack split array_split "
        "hsplit vsplit tile repeat flip fliplr flipud roll rot90 atleast_1d atleast_2d "
        "atleast_3d take nonzero dot vdot inner outer tensordot einsum trace diagonal where "
        "clip zeros_like ones_like full_like empty_like round around copy shape ndim size "
        "iscomplexobj isrealobj real imag conj conjugate angle iscomplex isreal any all"
    ).split()
    names += (  # ops/gather.py, ops/queries.py, ops/floating.py, numpy/_<topic>.py
        "take_along_axis argsort argpartition sort partition searchsorted digitize count_nonzero isclose "
        "allclose array_equal isposinf isneginf flatnonzero argwhere nansum nanprod nancumsum nancumprod "
        "nanmean nanvar nanstd nanmax nanmin nanargmax nanargmin median nanmedian quantile percentile "
        "nanquantile nanpercentile diff ediff1d gradient trapezoid cumulative_sum cumulative_prod pad "
        "choose select tril triu diag diagflat kron cross vander convolve correlate polyval polyadd "
        "polysub polymul polyder polyint interp linspace logspace geomspace meshgrid nan_to_num unwrap "
        "append delete insert extract compress piecewise bincount cov corrcoef rollaxis dstack concat "
        "permute_dims matrix_transpose unstack isin sinc fix astype result_type can_cast common_type "
        "array_equiv lexsort tril_indices_from triu_indices_from diag_indices_from dsplit block resize "
        "trim_zeros poly polydiv i0 apply_along_axis apply_over_axes"
    ).split()
    for n in names:
        f = getattr(np, n, None)
        if f is not None:
            _FUNCS[f] = getattr(wnp, n)


def _ufunc_kwargs(ufunc: Any, kwargs: dict) -> dict:
    out = kwargs.pop("out", None)
    if out is not None and not (isinstance(out, tuple) and all(o is None for o in out)):
        raise TypeError(
            f"numpy.{ufunc.__name__}(..., out=...) writes in place, which cannot be "
            "differentiated; assign the result instead"
        )
    if kwargs.get("where", True) is not True:
        raise TypeError(f"numpy.{ufunc.__name__}(..., where=...) is not supported on traced values")
    kwargs.pop("where", None)
    return kwargs


def _array_ufunc(self: Tracer, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    kwargs = _ufunc_kwargs(ufunc, kwargs)
    if method == "__call__":
        f = _UFUNCS.get(ufunc)
        if f is None:
            raise NoRuleError(_no_ufunc_rule_message(ufunc))
        dtype = kwargs.pop("dtype", None)
        if kwargs and ufunc not in _KWARG_UFUNCS:
            raise TypeError(f"numpy.{ufunc.__name__}: unsupported arguments {sorted(kwargs)} on traced values")
        if dtype is not None:
            inputs = tuple(wnp.astype(x, dtype) for x in inputs)
        return f(*inputs, **kwargs)
    table = {"reduce": _REDUCE, "accumulate": _ACCUMULATE}.get(method)
    f = table.get(ufunc) if table is not None else None
    if f is None:
        raise NoRuleError(
            f"numpy.{ufunc.__name__}.{method} was called on a traced value, but wengert has "
            "no derivative rule for it"
        )
    if method == "reduce":
        return f(inputs[0], axis=kwargs.pop("axis", 0), keepdims=kwargs.pop("keepdims", False), **kwargs)
    return f(inputs[0], axis=kwargs.pop("axis", 0), **kwargs)


def _no_ufunc_rule_message(ufunc: Any) -> str:
    """Name the ufunc by the module it comes from (SciPy's special functions are ufuncs too)
    and point to wengert's differentiable version when there is one."""
    import sys

    name = ufunc.__name__
    special = sys.modules.get("scipy.special")
    if special is not None and getattr(special, name, None) is ufunc:
        import importlib.util

        if importlib.util.find_spec("wengert.scipy") is not None:
            return (
                f"scipy.special.{name} was called on a traced value, but SciPy's functions have "
                f"no derivative rules of their own. Use wengert.scipy.special.{name} "
                "(`import wengert.scipy.special`; once imported, scipy.special calls on traced "
                "values dispatch to it too)."
            )
    return (
        f"numpy.{name} was called on a traced value, but wengert has no derivative rule for "
        "it. See wengert.Primitive to define one."
    )


# gufuncs whose wengert functions check their own keywords (axis=, keepdims=, axes=)
_KWARG_UFUNCS = {getattr(np, n) for n in ("vecdot", "matvec", "vecmat") if hasattr(np, n)}


def _bool_op(logical: Any, name: str) -> Any:
    """``&``, ``|``, ``^`` of traced values: logical for booleans (masks built inside vmap);
    bitwise on integers has no derivative rule."""

    def op(s: Any, o: Any) -> Any:
        if _dtype_of(s) == np.bool_ and _dtype_of(o) == np.bool_:
            return logical(s, o)
        raise NoRuleError(f"numpy.{name} was called on a traced value, but wengert has no rule for it")

    return op


def _dtype_of(v: Any) -> Any:

    return dtype_of(v)


def _invert(s: Any) -> Any:
    if _dtype_of(s) == np.bool_:
        return wnp.logical_not(s)
    raise NoRuleError("numpy.invert was called on a traced value, but wengert has no rule for it")


def _array_function(self: Tracer, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    f = _FUNCS.get(func)
    if f is None:
        mod = getattr(func, "__module__", "numpy") or "numpy"
        raise NoRuleError(
            f"{mod}.{func.__name__} was called on a traced value, but wengert has no "
            "derivative rule for it. Use a differentiable alternative from wengert.numpy, "
            "or define a primitive for it (wengert.Primitive)."
        )
    return f(*args, **kwargs)


def _install() -> None:
    T = Tracer
    T.__add__ = _binop(_e.add_p, False)
    T.__radd__ = _binop(_e.add_p, True)
    T.__sub__ = _binop(_e.subtract_p, False)
    T.__rsub__ = _binop(_e.subtract_p, True)
    T.__mul__ = _binop(_e.multiply_p, False)
    T.__rmul__ = _binop(_e.multiply_p, True)
    T.__truediv__ = _binop(_e.true_divide_p, False)
    T.__rtruediv__ = _binop(_e.true_divide_p, True)
    T.__floordiv__ = lambda s, o: wnp.floor_divide(s, o)
    T.__rfloordiv__ = lambda s, o: wnp.floor_divide(o, s)
    T.__mod__ = lambda s, o: wnp.remainder(s, o)
    T.__rmod__ = lambda s, o: wnp.remainder(o, s)
    T.__pow__ = _binop(_e.power_p, False)
    T.__rpow__ = _binop(_e.power_p, True)
    T.__matmul__ = lambda s, o: wnp.matmul(s, o)
    T.__rmatmul__ = lambda s, o: wnp.matmul(o, s)
    T.__neg__ = lambda s: _neg(s)
    T.__pos__ = lambda s: s
    T.__abs__ = lambda s: wnp.absolute(s)
    T.__lt__ = lambda s, o: wnp.less(s, o)
    T.__le__ = lambda s, o: wnp.less_equal(s, o)
    T.__gt__ = lambda s, o: wnp.greater(s, o)
    T.__ge__ = lambda s, o: wnp.greater_equal(s, o)
    T.__eq__ = lambda s, o: wnp.equal(s, o)
    T.__ne__ = lambda s, o: wnp.not_equal(s, o)
    T.__hash__ = object.__hash__
    T.__getitem__ = getitem
    T.__setitem__ = _no_setitem
    T.__len__ = _len
    T.__iter__ = _iter
    T.__bool__ = _bool
    T.__float__ = _float
    T.__complex__ = _float
    T.__int__ = _int
    T.__array__ = _array
    T.__array_ufunc__ = _array_ufunc
    T.__array_function__ = _array_function
    T.__repr__ = _repr
    T.shape = property(_shape)
    T.dtype = property(_dtype)
    T.ndim = property(lambda s: len(s.shape))
    T.size = property(lambda s: int(np.prod(s.shape)))
    T.T = property(lambda s: wnp.transpose(s))
    T.mT = property(lambda s: wnp.swapaxes(s, -1, -2))
    T.real = property(wnp.real)
    T.imag = property(wnp.imag)
    T.conj = wnp.conj
    T.conjugate = wnp.conj
    T.astype = lambda s, dtype, **kw: wnp.astype(s, dtype)
    T.reshape = lambda s, *shape, **kw: wnp.reshape(
        s, shape[0] if len(shape) == 1 else shape, **kw
    )
    T.transpose = lambda s, *axes: wnp.transpose(
        s, (axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else axes) or None
    )
    T.ravel = lambda s, order="C": wnp.ravel(s, order)
    T.flatten = lambda s, order="C": wnp.ravel(s, order)
    T.squeeze = lambda s, axis=None: wnp.squeeze(s, axis)
    T.swapaxes = wnp.swapaxes
    T.sum = wnp.sum
    T.mean = wnp.mean
    T.prod = wnp.prod
    T.max = wnp.max
    T.min = wnp.min
    T.var = wnp.var
    T.std = wnp.std
    T.cumsum = wnp.cumsum
    T.cumprod = wnp.cumprod
    T.argmax = wnp.argmax
    T.argmin = wnp.argmin
    T.dot = wnp.dot
    T.clip = wnp.clip
    T.round = wnp.round
    T.trace = wnp.trace
    T.diagonal = wnp.diagonal
    T.repeat = lambda s, repeats, axis=None: wnp.repeat(s, repeats, axis)
    T.take = wnp.take
    T.copy = lambda s: s
    T.any = wnp.any
    T.all = wnp.all
    T.argsort = wnp.argsort
    T.__and__ = T.__rand__ = _bool_op(wnp.logical_and, "bitwise_and")
    T.__or__ = T.__ror__ = _bool_op(wnp.logical_or, "bitwise_or")
    T.__xor__ = T.__rxor__ = _bool_op(wnp.logical_xor, "bitwise_xor")
    T.__invert__ = _invert
    T.argpartition = wnp.argpartition
    T.searchsorted = wnp.searchsorted
    T.nonzero = wnp.nonzero
    T.__round__ = lambda s, n=None: wnp.round(s, n or 0)
    T.__divmod__ = lambda s, o: (wnp.floor_divide(s, o), wnp.remainder(s, o))
    T.__rdivmod__ = lambda s, o: (wnp.floor_divide(o, s), wnp.remainder(o, s))
    T.at = property(at)
    T.item = lambda s, *a: _float(s)
    T.tolist = lambda s: _float(s)


def install(namespace: Any) -> None:
    """Point NumPy's protocols on tracers (``__array_ufunc__``, ``__array_function__``, the
    operators and array methods) at the functions of ``namespace`` (``wengert.numpy``)."""
    global wnp
    wnp = namespace
    _REDUCE.update({np.add: wnp.sum, np.multiply: wnp.prod, np.maximum: wnp.max, np.minimum: wnp.min})
    _ACCUMULATE.update({np.add: wnp.cumsum, np.multiply: wnp.cumprod})
    _register_ufuncs()
    _register_functions()
    _install()
