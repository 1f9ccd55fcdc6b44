"""Parameter schemas of the primitives in ``wengert.ops`` and ``wengert.nn`` (see
``wengert.core.schema``), declared on the primitive objects themselves.

They are set here, in one place, for now; each belongs next to its primitive's definition
(the schema is part of the primitive's description) and will move there.  Modules that need
optional dependencies (SciPy) or are imported on demand (``wengert.nn``) get their schemas
when they are loaded: ``declare_loaded()`` declares those of every module imported so far
(it is cheap to call again; the loader calls it before reading a file).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ..core.schema import (
    BOOL,
    DTYPE,
    EINSUM_SUBSCRIPTS,
    INDEX,
    INT,
    REAL,
    choice,
    declare,
    one_of,
    optional,
    tuple_of,
)

AXES = tuple_of(INT)
SHAPE = tuple_of(INT)
NORM = choice("backward", "ortho", "forward")


def _none(*prims: Any) -> None:
    for p in prims:
        declare(p)


def _reductions(*prims: Any) -> None:
    for p in prims:
        declare(p, axis=AXES, keepdims=BOOL)


def _core() -> None:
    from . import complex as cx
    from . import contract, elementwise, fft, gather, indexing, linalg, queries, reduce, shape, ufuncs_extra

    e = elementwise
    # shape.py
    declare(shape.reshape_p, shape=SHAPE)
    declare(shape.transpose_p, axes=AXES)
    declare(shape.broadcast_to_p, shape=SHAPE)
    declare(shape.concatenate_p, axis=INT)
    _reductions(shape.sum_p)
    # elementwise.py
    _none(
        e.add_p, e.subtract_p, e.negative_p, e.multiply_p, e.true_divide_p, e.power_p,
        e.reciprocal_p, e.square_p, e.exp_p, e.exp2_p, e.expm1_p, e.log_p, e.log2_p, e.log10_p,
        e.log1p_p, e.sqrt_p, e.cbrt_p, e.logaddexp_p, e.logaddexp2_p, e.sin_p, e.cos_p, e.tan_p,
        e.arcsin_p, e.arccos_p, e.arctan_p, e.arctan2_p, e.hypot_p, e.sinh_p, e.cosh_p, e.tanh_p,
        e.arcsinh_p, e.arccosh_p, e.arctanh_p, e.abs_p, e.sign_p, e.floor_p, e.ceil_p, e.rint_p,
        e.trunc_p, e.floor_divide_p, e.remainder_p, e.maximum_p, e.minimum_p, e.fmax_p, e.fmin_p,
        e.where_p, e.stop_gradient_p,
    )  # fmt: skip
    _none(*e._cmp_prims.values())
    _none(*(f.__self__ for f in (e.logical_not, e.isnan, e.isinf, e.isfinite, e.signbit)))
    declare(e.round_p, decimals=INT)
    declare(e.astype_p, dtype=DTYPE, orig=DTYPE)
    declare(e._astype_int_p, dtype=DTYPE)
    # indexing.py
    declare(indexing.getitem_p, idx=INDEX)
    declare(indexing.scatter_add_p, idx=INDEX, shape=SHAPE)
    declare(indexing.scatter_set_p, idx=INDEX)
    _none(indexing.nonzero_p)
    # contract.py
    _none(contract.matmul_p)
    declare(contract.einsum_p, subscripts=EINSUM_SUBSCRIPTS)
    # reduce.py
    _reductions(reduce.amax_p, reduce.amin_p, reduce.prod_p, reduce.any_p, reduce.all_p)
    for p in (reduce.argmax_p, reduce.argmin_p):
        declare(p, axis=optional(INT), keepdims=BOOL)
    declare(reduce.cumsum_p, axis=INT)
    # complex.py
    _none(cx.complex_p, cx.real_p, cx.imag_p, cx.conj_p)
    # fft.py
    declare(fft.fft_p, axes=AXES, inverse=BOOL, norm=NORM)
    for p in (fft.rfft_p, fft.irfft_p):
        declare(p, axis=INT, n=INT, norm=NORM)
    # ufuncs_extra.py
    u = ufuncs_extra
    _none(
        u.deg2rad_p, u.rad2deg_p, u.fabs_p, u.copysign_p, u.fmod_p, u.ldexp_p, u.frexp_exponent_p,
        u.modf_fractional_p, u.heaviside_p, u.spacing_p, u.nextafter_p, u.sinc_p,
    )  # fmt: skip
    # gather.py
    declare(gather.take_along_axis_p, axis=INT)
    declare(gather.scatter_along_axis_p, axis=INT, shape=SHAPE)
    # queries.py
    q = queries
    declare(
        q.argsort_p,
        axis=INT,
        kind=optional(choice("quicksort", "mergesort", "heapsort", "stable")),
        stable=optional(BOOL),
    )
    declare(q.argpartition_p, kth=one_of(INT, tuple_of(INT)), axis=INT, kind=choice("introselect"))
    declare(q.searchsorted_p, side=choice("left", "right"))
    declare(q.digitize_p, right=BOOL)
    declare(q.count_nonzero_p, axis=optional(AXES), keepdims=BOOL)
    declare(q.isclose_p, rtol=REAL, atol=REAL, equal_nan=BOOL)
    declare(q.nanargmax_p, axis=optional(INT), keepdims=BOOL)
    declare(q.nanargmin_p, axis=optional(INT), keepdims=BOOL)
    declare(q.isin_p, invert=BOOL, kind=optional(choice("sort", "table")))
    declare(q.lexsort_p, axis=INT)
    _none(q.isposinf_p, q.isneginf_p, q.flatnonzero_p, q.argwhere_p)
    # linalg.py
    la = linalg
    _none(
        la.solve_p, la.inv_p, la.adjugate_p, la.det_p, la.slogdet_p, la.qr_p, la.qr_complete_p, la.eig_p,
    )  # fmt: skip
    declare(la.cholesky_p, upper=BOOL)
    declare(la.eigh_p, UPLO=choice("L", "U"))
    declare(la.svd_p, hermitian=BOOL)
    declare(la.svd_full_p, hermitian=BOOL)
    declare(la.pinv_p, rcond=optional(REAL), rtol=optional(REAL), hermitian=BOOL)
    declare(la.lstsq_x_p, rcond=optional(REAL))


def _special() -> None:
    from . import special as s

    _none(
        s.gammaln_p, s.digamma_p, s.polygamma_p, s.gamma_p, s.loggamma_p, s.beta_p, s.betaln_p,
        s.erf_p, s.erfc_p, s.erfcx_p, s.erfinv_p, s.erfcinv_p, s.ndtr_p, s.log_ndtr_p, s.ndtri_p,
        s.expit_p, s.logit_p, s.log_expit_p, s.xlogy_p, s.xlog1py_p, s.entr_p, s.rel_entr_p,
        s.kl_div_p, s.i0_p, s.i1_p, s.i0e_p, s.i1e_p, s.j0_p, s.j1_p, s.y0_p, s.y1_p, s.k0_p,
        s.k1_p, s.k0e_p, s.k1e_p, s.iv_p, s.ive_p, s.jv_p, s.yv_p, s.kv_p, s.kve_p, s.stdtr_p,
    )  # fmt: skip
    declare(s.igamma_p, k=INT, upper=BOOL)
    declare(s.ibeta_p, j=INT, k=INT, upper=BOOL)
    declare(s.logsumexp_p, axis=AXES)


def _scipy_linalg() -> None:
    from . import scipy_linalg as sl

    declare(sl.triangular_solve_p, lower=BOOL, trans=choice(0, 1), unit_diagonal=BOOL)
    declare(sl.lu_perm_t_p, dtype=DTYPE)
    _none(sl.lu_factor_p, sl.expm_p, sl.sylvester_p, sl.sqrtm_p)


def _scipy_signal() -> None:
    from . import scipy_signal as ss

    declare(ss.convolve_p, mode=choice("full", "valid", "same"), method=choice("direct", "fft", "auto"))


def _nn() -> None:
    from .. import nn

    _none(nn.dense_p, nn.relu_p)
    declare(nn.log_softmax_p, axis=AXES)
    declare(nn.softmax_xent_p, scale=REAL, axis=AXES, normalized=BOOL)


# Module -> its declarations; a module's are made once it has been imported.
_PENDING: dict[str, Callable[[], None]] = {
    "wengert.ops.special": _special,
    "wengert.ops.scipy_linalg": _scipy_linalg,
    "wengert.ops.scipy_signal": _scipy_signal,
    "wengert.nn": _nn,
}

_core()


def declare_loaded() -> None:
    """Declare the schemas of the optional modules imported since the last call."""
    for name in [m for m in _PENDING if m in sys.modules]:
        run = _PENDING.pop(name, None)  # (None: another thread got there first)
        if run is not None:
            run()
