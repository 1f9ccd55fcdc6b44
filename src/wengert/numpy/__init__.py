"""``wengert.numpy``: NumPy's names, differentiable (the explicit namespace, like
``autograd.numpy``).  The same functions are reached from plain ``import numpy as np``
code through ``__array_ufunc__`` / ``__array_function__`` on traced values.

Functions that are not listed here, called on a traced value, raise ``NoRuleError``
naming the function.  Constants and non-differentiable helpers of NumPy are re-exported.
"""

from __future__ import annotations

import sys as _sys
from typing import Any

import numpy as _np

from ..core.primitive import Tracer as _Tracer
from ..ops import complex as _cx
from ..ops import contract as _c
from ..ops import elementwise as _e
from ..ops import indexing as _i
from ..ops import reduce as _r
from ..ops import shape as _s
from ..ops._util import dtype_of as _dtype_of

# Constants and dtypes pass straight through.
pi, e, inf, nan, newaxis, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, _np.newaxis, _np.euler_gamma
float16, float32, float64, complex64, complex128 = (
    _np.float16,
    _np.float32,
    _np.float64,
    _np.complex64,
    _np.complex128,
)
int8, int16, int32, int64, bool_, ndarray, dtype = (
    _np.int8,
    _np.int16,
    _np.int32,
    _np.int64,
    _np.bool_,
    _np.ndarray,
    _np.dtype,
)
# Non-differentiable constructors (return plain arrays).
zeros, ones, empty, full, eye, identity = _np.zeros, _np.ones, _np.empty, _np.full, _np.eye, _np.identity
arange, linspace, logspace, geomspace, meshgrid = _np.arange, _np.linspace, _np.logspace, _np.geomspace, _np.meshgrid
finfo, iinfo, issubdtype, result_type, promote_types = _np.finfo, _np.iinfo, _np.issubdtype, _np.result_type, _np.promote_types
from . import random  # noqa: E402,F401  (NumPy's sampling: constants to differentiation)

# ----------------------------------------------------------------------------- elementwise
add = _e.add_p.bind
subtract = _e.subtract_p.bind
multiply = _e.multiply_p.bind
true_divide = _e.true_divide_p.bind
divide = true_divide
power = _e.power_p.bind
negative = _e.negative_p.bind
reciprocal = _e.reciprocal_p.bind
square = _e.square_p.bind
exp = _e.exp_p.bind
exp2 = _e.exp2_p.bind
expm1 = _e.expm1_p.bind
log = _e.log_p.bind
log2 = _e.log2_p.bind
log10 = _e.log10_p.bind
log1p = _e.log1p_p.bind
sqrt = _e.sqrt_p.bind
cbrt = _e.cbrt_p.bind
sin = _e.sin_p.bind
cos = _e.cos_p.bind
tan = _e.tan_p.bind
arcsin = _e.arcsin_p.bind
arccos = _e.arccos_p.bind
arctan = _e.arctan_p.bind
arctan2 = _e.arctan2_p.bind
hypot = _e.hypot_p.bind
sinh = _e.sinh_p.bind
cosh = _e.cosh_p.bind
tanh = _e.tanh_p.bind
arcsinh = _e.arcsinh_p.bind
arccosh = _e.arccosh_p.bind
arctanh = _e.arctanh_p.bind
absolute = _e.abs_p.bind
abs = absolute  # noqa: A001
sign = _e.sign_p.bind
floor = _e.floor_p.bind
ceil = _e.ceil_p.bind
rint = _e.rint_p.bind
trunc = _e.trunc_p.bind
fix = trunc
floor_divide = _e.floor_divide_p.bind
remainder = _e.remainder_p.bind
mod = remainder
maximum = _e.maximum_p.bind
minimum = _e.minimum_p.bind
fmax = _e.fmax_p.bind
fmin = _e.fmin_p.bind
logaddexp = _e.logaddexp_p.bind
logaddexp2 = _e.logaddexp2_p.bind
less, less_equal, greater, greater_equal = _e.less, _e.less_equal, _e.greater, _e.greater_equal
equal, not_equal = _e.equal, _e.not_equal
logical_and, logical_or, logical_xor, logical_not = (
    _e.logical_and,
    _e.logical_or,
    _e.logical_xor,
    _e.logical_not,
)
isnan, isinf, isfinite, signbit = _e.isnan, _e.isinf, _e.isfinite, _e.signbit
where = _e.where
clip = _e.clip
astype = _e.astype
zeros_like, ones_like, full_like, empty_like = _e.zeros_like, _e.ones_like, _e.full_like, _e.empty_like
stop_gradient = _e.stop_gradient


def positive(x: Any) -> Any:
    return x


def round(x: Any, decimals: int = 0, out: Any = None) -> Any:  # noqa: A001
    """``np.round`` (zero derivative)."""
    if out is not None:
        raise TypeError("round: out= is not supported on traced values")
    return _e.round_p.bind(x, decimals=decimals)


around = round


def float_power(x: Any, y: Any) -> Any:
    """``np.float_power``: computes in float64 (complex128 for complex input)."""
    dt = _np.complex128 if _np.issubdtype(_dtype(x), _np.complexfloating) or _np.iscomplexobj(y) else _np.float64
    return power(astype(x, dt), y)


# Complex numbers (JAX's convention, docs/complex.md).
real, imag, conj, conjugate, angle = _cx.real, _cx.imag, _cx.conj, _cx.conjugate, _cx.angle
iscomplex, isreal = _cx.iscomplex, _cx.isreal


def _dtype(x: Any) -> Any:

    return _dtype_of(x)


# ----------------------------------------------------------------------------- reductions
sum = _s.sum  # noqa: A001
mean, var, std, prod, cumsum, cumprod = _r.mean, _r.var, _r.std, _r.prod, _r.cumsum, _r.cumprod
max, min, amax, amin, ptp, average = _r.max, _r.min, _r.amax, _r.amin, _r.ptp, _r.average  # noqa: A001
argmax, argmin = _r.argmax, _r.argmin
any, all = _r.any_, _r.all_  # noqa: A001

# ----------------------------------------------------------------------------- shapes
reshape, ravel, transpose, swapaxes, moveaxis = _s.reshape, _s.ravel, _s.transpose, _s.swapaxes, _s.moveaxis
expand_dims, squeeze, broadcast_to, broadcast_arrays = (
    _s.expand_dims,
    _s.squeeze,
    _s.broadcast_to,
    _s.broadcast_arrays,
)
concatenate, stack, hstack, vstack, column_stack = (
    _s.concatenate,
    _s.stack,
    _s.hstack,
    _s.vstack,
    _s.column_stack,
)
split, array_split, hsplit, vsplit = _s.split, _s.array_split, _s.hsplit, _s.vsplit
tile, repeat, flip, fliplr, flipud, roll, rot90 = _s.tile, _s.repeat, _s.flip, _s.fliplr, _s.flipud, _s.roll, _s.rot90
atleast_1d, atleast_2d, atleast_3d = _s.atleast_1d, _s.atleast_2d, _s.atleast_3d

# ----------------------------------------------------------------------------- indexing
take, nonzero, at = _i.take, _i.nonzero, _i.at

# ----------------------------------------------------------------------------- contractions
matmul, einsum, dot, vdot, inner, outer, tensordot = (
    _c.matmul,
    _c.einsum,
    _c.dot,
    _c.vdot,
    _c.inner,
    _c.outer,
    _c.tensordot,
)
trace, diagonal = _c.trace, _c.diagonal


# ----------------------------------------------------------------------------- constructors
def array(obj: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    """``np.array`` that keeps derivatives: nested lists holding traced values are stacked."""
    if isinstance(obj, _Tracer):
        x = obj if dtype is None else astype(obj, dtype)
    elif isinstance(obj, (list, tuple)) and _contains_tracer(obj):
        x = _s.stack([array(o) for o in obj])
        if dtype is not None:
            x = astype(x, dtype)
    else:
        return _np.array(obj, dtype=dtype, copy=copy, ndmin=ndmin)
    nd = len(_s.shape_of(x))
    if nd < ndmin:
        x = _s.reshape(x, (1,) * (ndmin - nd) + _s.shape_of(x))
    return x


def asarray(obj: Any, dtype: Any = None) -> Any:
    """``np.asarray`` that passes traced values through."""
    if isinstance(obj, _Tracer) or (isinstance(obj, (list, tuple)) and _contains_tracer(obj)):
        return array(obj, dtype=dtype)
    return _np.asarray(obj, dtype=dtype)


def _contains_tracer(obj: Any) -> bool:
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, _Tracer):
            return True
        if isinstance(o, (list, tuple)):
            stack.extend(o)
    return False


def copy(x: Any) -> Any:
    return x if isinstance(x, _Tracer) else _np.copy(x)


def shape(x: Any) -> tuple:
    return _s.shape_of(x)


def ndim(x: Any) -> int:
    return len(_s.shape_of(x))


def size(x: Any, axis: int | None = None) -> int:
    s = _s.shape_of(x)
    return int(_np.prod(s)) if axis is None else s[axis]


def iscomplexobj(x: Any) -> bool:
    return _np.issubdtype(_dtype(x), _np.complexfloating)


def isrealobj(x: Any) -> bool:
    return not iscomplexobj(x)


# ----------------------------------------------------------------------------- more of NumPy
# (ops/floating.py, ops/gather.py, ops/queries.py and this package's topic modules)
from ..ops import floating as _fl  # noqa: E402
from ..ops import gather as _g  # noqa: E402
from ..ops import queries as _q  # noqa: E402
from . import _calculus as _calc  # noqa: E402
from . import _convolution as _conv  # noqa: E402
from . import _creation as _cr  # noqa: E402
from . import _dtypes as _dt  # noqa: E402
from . import _functional as _fn  # noqa: E402
from . import _logic as _lg  # noqa: E402
from . import _manipulation as _man  # noqa: E402
from . import _mathematical as _math  # noqa: E402
from . import _matrices as _mat  # noqa: E402
from . import _padding as _pad  # noqa: E402
from . import _polynomials as _poly  # noqa: E402
from . import _selection as _sel  # noqa: E402
from . import _sorting as _sort  # noqa: E402
from . import _statistics as _st  # noqa: E402

acos, asin, atan, atan2 = arccos, arcsin, arctan, arctan2  # NumPy 2's array-API names
acosh, asinh, atanh, pow = arccosh, arcsinh, arctanh, power  # noqa: A001
deg2rad, rad2deg, radians, degrees = _fl.deg2rad, _fl.rad2deg, _fl.deg2rad, _fl.rad2deg
fabs, copysign, fmod, ldexp, frexp, modf, divmod = (  # noqa: A001
    _fl.fabs,
    _fl.copysign,
    _fl.fmod,
    _fl.ldexp,
    _fl.frexp,
    _fl.modf,
    _fl.divmod,
)
heaviside, nextafter, spacing, sinc = _fl.heaviside, _fl.nextafter, _fl.spacing, _fl.sinc
vecdot, matvec, vecmat = _fl.vecdot, _fl.matvec, _fl.vecmat
take_along_axis, choose, select, compress, extract = _g.take_along_axis, _sel.choose, _sel.select, _sel.compress, _sel.extract
sort, partition, argsort, argpartition = _sort.sort, _sort.partition, _q.argsort, _q.argpartition
searchsorted, digitize, count_nonzero, isin = _q.searchsorted, _q.digitize, _q.count_nonzero, _q.isin
isclose, allclose, array_equal, isposinf, isneginf = _q.isclose, _lg.allclose, _lg.array_equal, _q.isposinf, _q.isneginf
flatnonzero, argwhere, nanargmax, nanargmin = _q.flatnonzero, _q.argwhere, _q.nanargmax, _q.nanargmin
nansum, nanprod, nancumsum, nancumprod = _st.nansum, _st.nanprod, _st.nancumsum, _st.nancumprod
nanmean, nanvar, nanstd, nanmax, nanmin = _st.nanmean, _st.nanvar, _st.nanstd, _st.nanmax, _st.nanmin
median, nanmedian, quantile, percentile = _st.median, _st.nanmedian, _st.quantile, _st.percentile
nanquantile, nanpercentile = _st.nanquantile, _st.nanpercentile
diff, ediff1d, gradient, trapezoid = _calc.diff, _calc.ediff1d, _calc.gradient, _calc.trapezoid
cumulative_sum, cumulative_prod = _calc.cumulative_sum, _calc.cumulative_prod
pad = _pad.pad
tril, triu, diag, diagflat, kron, cross, vander = (
    _mat.tril,
    _mat.triu,
    _mat.diag,
    _mat.diagflat,
    _mat.kron,
    _mat.cross,
    _mat.vander,
)
convolve, correlate, interp, bincount = _conv.convolve, _conv.correlate, _math.interp, _st.bincount
cov, corrcoef = _st.cov, _st.corrcoef
polyval, polyadd, polysub = _poly.polyval, _poly.polyadd, _poly.polysub
polymul, polyder, polyint = _poly.polymul, _poly.polyder, _poly.polyint
nan_to_num, unwrap, piecewise = _math.nan_to_num, _calc.unwrap, _fn.piecewise
append, delete, insert, rollaxis, dstack = _man.append, _man.delete, _man.insert, _man.rollaxis, _man.dstack
concat, permute_dims, matrix_transpose, unstack = _man.concat, _man.permute_dims, _man.matrix_transpose, _man.unstack
# Constructors: differentiable in traced start/stop/fill values, plain NumPy otherwise.
linspace, logspace, geomspace, full, meshgrid = _cr.linspace, _cr.logspace, _cr.geomspace, _cr.full, _cr.meshgrid
result_type, can_cast, common_type, array_equiv, lexsort = (
    _dt.result_type,
    _dt.can_cast,
    _dt.common_type,
    _lg.array_equiv,
    _q.lexsort,
)
tril_indices_from, triu_indices_from, diag_indices_from = _mat.tril_indices_from, _mat.triu_indices_from, _mat.diag_indices_from
dsplit, block, resize, trim_zeros = _man.dsplit, _man.block, _man.resize, _man.trim_zeros
poly, polydiv, i0 = _poly.poly, _poly.polydiv, _math.i0
apply_along_axis, apply_over_axes = _fn.apply_along_axis, _fn.apply_over_axes
tri, tril_indices, triu_indices, diag_indices, indices, ix_ = (
    _np.tri,
    _np.tril_indices,
    _np.triu_indices,
    _np.diag_indices,
    _np.indices,
    _np.ix_,
)


# NumPy's protocols on tracers point into this namespace; wengert.numpy.fft and
# wengert.numpy.linalg register np.fft.* and np.linalg.* for traced values.
from . import _dispatch  # noqa: E402
from ._common import wrap_namespace as _wrap_namespace  # noqa: E402

_wrap_namespace(globals(), [_n for _n in list(globals()) if not _n.startswith("_")])  # lists of traced values
_dispatch.install(_sys.modules[__name__])

from . import fft, linalg  # noqa: E402,F401

# Every other public NumPy name, as NumPy's own (types, constants, non-differentiable helpers
# such as np.r_, errstate, unique): code ported from NumPy or autograd finds all it uses.  On a
# traced value NumPy's functions among them dispatch back here and, having no derivative
# rule, raise a NoRuleError that names them.
for _name in dir(_np):
    if not _name.startswith("_") and _name not in globals():
        globals()[_name] = getattr(_np, _name)
del _name
