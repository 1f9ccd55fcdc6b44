"""The rest of real-valued NumPy (ops/floating.py, ops/gather.py, ops/queries.py and the
topic modules of wengert.numpy): values equal NumPy's, reverse mode against central
differences to second order, forward against reverse, vmap against a loop, float32 kept,
plain ``np.<name>`` dispatch, the non-differentiable queries inside differentiated code,
conventions and errors."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wengert as w
import wengert.numpy as wnp
from wengert import NoRuleError
from wengert.numpy import _dispatch

RNG = np.random.default_rng(0)


def _u(shape, lo=-1.0, hi=1.0, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(dtype)


def _nanify(x):
    """Some entries NaN (traced or not): where(x > 0.45, nan, x)."""
    return np.where(x > 0.45, np.nan, x)


# --------------------------------------------------------------------------- the table
# name -> (f of one array written with plain ``np.``, input maker(dtype, seed)).  ``f`` runs
# as NumPy on plain arrays and through wengert on traced ones, so ``f(x)`` is the reference.


def _in(shape, lo=-1.0, hi=1.0):
    return lambda dtype=np.float64, seed=0: _u(shape, lo, hi, dtype, seed)


def _sorted_xp(x):
    return np.cumsum(np.abs(x[0]) + 0.2) - 1.0


X34, X5, POS34 = _in((3, 4)), _in((5,)), _in((3, 4), 0.3, 1.0)

CASES = {
    # ufuncs and sinc
    "sinc": (lambda x: np.sinc(x * 2), X34),
    "sinc_near_0": (lambda x: np.sinc(x * 0.3), X5),
    "deg_rad": (lambda x: np.deg2rad(x) * np.rad2deg(x) + np.radians(x) - np.degrees(x), X34),
    "fabs": (lambda x: np.fabs(x), X34),
    "copysign": (lambda x: np.copysign(x, x[::-1]) + np.copysign(2.0, x), X34),
    "fmod": (lambda x: np.fmod(x * 5, 1.3) + np.fmod(1.7, np.exp(x)), X34),
    "ldexp": (lambda x: np.ldexp(x, np.array([1, -2, 3, 0])), X34),
    "frexp": (lambda x: np.frexp(x * 100)[0], X34),
    "modf": (lambda x: np.modf(x * 3)[0] + np.modf(x * 3)[1], X34),
    "divmod": (lambda x: np.divmod(x * 3, 0.7)[1], X34),
    "nextafter": (lambda x: np.nextafter(x, x[::-1]), X34),
    "array_api_trig": (lambda x: np.acos(x * 0.9) + np.asin(x * 0.9) + np.atan(x) + np.atan2(x, 2.0) + np.asinh(x), X34),
    "acosh_atanh_pow": (lambda x: np.acosh(np.cosh(x) * 2) + np.atanh(x * 0.9) + np.pow(np.exp(x), 1.5), X34),
    "vecdot": (lambda x: np.vecdot(x, x[::-1]), X34),
    "vecdot_axis": (lambda x: np.vecdot(x, x**2, axis=0), X34),
    "matvec": (lambda x: np.matvec(x, x[0]), X34),
    "vecmat": (lambda x: np.vecmat(x[:, 0], x), X34),
    # nan-reductions
    "nansum": (lambda x: np.nansum(_nanify(x), axis=1), X34),
    "nanprod": (lambda x: np.nanprod(_nanify(x), axis=0, keepdims=True), X34),
    "nancumsum": (lambda x: np.nancumsum(_nanify(x), axis=1), X34),
    "nancumprod": (lambda x: np.nancumprod(_nanify(x)), X34),
    "nanmean": (lambda x: np.nanmean(_nanify(x), axis=0), X34),
    "nanmean_all_nan_slice": (lambda x: np.nan_to_num(np.nanmean(np.where(np.arange(3)[:, None] == 0, np.nan, x), axis=1)), X34),
    "nanvar": (lambda x: np.nanvar(_nanify(x), axis=0), X34),
    "nanvar_ddof_bad_dof": (lambda x: np.nan_to_num(np.nanvar(np.where(np.eye(3, 4) > 0, np.nan, x)[:, :2], axis=1, ddof=1)), X34),
    "nanstd": (lambda x: np.nanstd(_nanify(x), axis=(0, 1)), X34),
    "nanmax": (lambda x: np.nanmax(_nanify(x), axis=1), X34),
    "nanmin": (lambda x: np.nanmin(_nanify(x), axis=0), X34),
    # order statistics
    "sort": (lambda x: np.sort(x, axis=0) * np.arange(4), X34),
    "sort_flat": (lambda x: np.sort(x, axis=None), X34),
    "partition": (lambda x: np.partition(x, 2, axis=1), X34),
    "partition_multi_kth": (lambda x: np.partition(x, (0, 2), axis=0), X34),
    "take_along_axis": (lambda x: np.take_along_axis(x, np.argsort(x, axis=1)[:, :2], axis=1), X34),
    "median": (lambda x: np.median(x, axis=1), X34),
    "median_even_all": (lambda x: np.median(x), X34),
    "median_keepdims": (lambda x: np.median(x, axis=0, keepdims=True), X34),
    "nanmedian": (lambda x: np.nanmedian(_nanify(x), axis=1), X34),
    "quantile": (lambda x: np.quantile(x, [0.1, 0.5, 0.93], axis=0), X34),
    "quantile_tuple_axis": (lambda x: np.quantile(x, 0.35, axis=(0, 1), keepdims=True), X34),
    "quantile_methods": (
        lambda x: np.stack([np.quantile(x, 0.37, axis=1, method=m) for m in ("lower", "higher", "nearest", "midpoint")]),
        X34,
    ),
    "percentile": (lambda x: np.percentile(x, [20, 80]), X34),
    "nanquantile": (lambda x: np.nanquantile(_nanify(x), [0.25, 0.75], axis=1), X34),
    "nanpercentile": (lambda x: np.nanpercentile(_nanify(x), 40.0, axis=0), X34),
    # differences and integrals
    "diff": (lambda x: np.diff(x, axis=0), X34),
    "diff_n2_prepend_append": (lambda x: np.diff(x, 2, axis=1, prepend=0.5, append=x[:, :1]), X34),
    "ediff1d": (lambda x: np.ediff1d(x, to_begin=[1.0, 2.0], to_end=3.0), X34),
    "gradient_uniform": (lambda x: np.stack(np.gradient(x, 0.5)), X34),
    "gradient_coords_order2": (lambda x: np.gradient(x, np.array([0.0, 1.0, 1.5, 3.0]), axis=1, edge_order=2), X34),
    "gradient_coords_order1": (lambda x: np.gradient(x, np.array([0.0, 0.5, 2.0]), axis=0), X34),
    "trapezoid": (lambda x: np.trapezoid(x, np.array([0.0, 1.0, 1.5, 3.0])) + np.trapezoid(x, dx=0.3, axis=0).sum(), X34),
    "cumulative_sum": (lambda x: np.cumulative_sum(x, axis=1, include_initial=True), X34),
    "cumulative_prod": (lambda x: np.cumulative_prod(x[0]), X34),
    # padding
    "pad_constant": (lambda x: np.pad(x, ((1, 2), (0, 3)), constant_values=((1.0, 2.0), (3.0, 4.0))), X34),
    "pad_edge": (lambda x: np.pad(x, ((4, 7), (2, 1)), mode="edge"), X34),
    "pad_wrap": (lambda x: np.pad(x, ((4, 7), (2, 1)), mode="wrap"), X34),
    "pad_reflect": (lambda x: np.pad(x, 5, mode="reflect"), X34),
    "pad_symmetric": (lambda x: np.pad(x, (2, 6), mode="symmetric"), X34),
    "pad_reflect_odd": (lambda x: np.pad(x, ((4, 7), (2, 1)), mode="reflect", reflect_type="odd"), X34),
    "pad_symmetric_odd": (lambda x: np.pad(x, ((4, 7), (2, 1)), mode="symmetric", reflect_type="odd"), X34),
    "pad_linear_ramp": (lambda x: np.pad(x, ((2, 3), (1, 1)), mode="linear_ramp", end_values=((1.0, -2.0), (0.5, 3))), X34),
    "pad_mean": (lambda x: np.pad(x, ((2, 3), (1, 1)), mode="mean", stat_length=((2, 1), (3, 2))), X34),
    "pad_maximum": (lambda x: np.pad(x, ((2, 3), (1, 1)), mode="maximum"), X34),
    "pad_minimum": (lambda x: np.pad(x, {1: 2}, mode="minimum", stat_length=2), X34),
    "pad_median": (lambda x: np.pad(x, ((2, 3), (1, 1)), mode="median", stat_length=2), X34),
    # selection
    "choose": (lambda x: np.choose(np.array([[0, 1, 2, 1]]), [x, x**2, 0.5]), X34),
    "choose_wrap_clip": (lambda x: np.choose(np.array([3, -1, 2, 0]), [x, x**2], mode="wrap") + np.choose([5, 0, 1, 1], [x, 2 * x], mode="clip"), X34),
    "select": (lambda x: np.select([x > 0.3, x < -0.2], [x, x**2], default=-1.0), X34),
    "piecewise": (lambda x: np.piecewise(x, [x < 0, x > 0.5], [lambda v: v**2, lambda v: -v, 0.25]), X34),
    "extract_compress": (lambda x: np.concatenate([np.extract(x > 0, x), np.compress([True, False, True], x, axis=0).ravel()]), X34),
    # matrices and products
    "tril_triu": (lambda x: np.tril(x, -1) + 2 * np.triu(x, 1), X34),
    "diag_vector": (lambda x: np.diag(x[0], 1) + np.diag(x[1], -1), X34),
    "diag_matrix": (lambda x: np.diag(x, 1) + np.diag(x, -1)[:2].sum(), X34),
    "diagflat": (lambda x: np.diagflat(x[:2, :2], -1), X34),
    "kron": (lambda x: np.kron(x, x[:2, :2] ** 2), X34),
    "kron_ranks": (lambda x: np.kron(x[0], x[:2]), X34),
    "cross": (lambda x: np.cross(x[:, :3], x[::-1, 1:]), X34),
    "cross_axes": (lambda x: np.cross(x[:3], x[:3] ** 2, axisa=0, axisb=0, axisc=0), X34),
    "vander": (lambda x: np.vander(x[0], 5) + np.vander(x[1], 5, increasing=True), X34),
    # signals and polynomials
    "convolve": (lambda x: np.concatenate([np.convolve(x[0], x[1, :3], m) for m in ("full", "same", "valid")]), X34),
    "convolve_longer_v": (lambda x: np.concatenate([np.convolve(x[0, :2], x[1], m) for m in ("full", "same", "valid")]), X34),
    "correlate": (lambda x: np.concatenate([np.correlate(x[0], x[1, :3], m) for m in ("full", "same", "valid")]), X34),
    "correlate_longer_v": (lambda x: np.concatenate([np.correlate(x[0, :2], x[1], m) for m in ("full", "same", "valid")]), X34),
    "polyval": (lambda x: np.polyval(x[0], x[1:]), X34),
    "polyadd_sub_mul": (lambda x: np.concatenate([np.polyadd(x[0], x[1, :2]), np.polysub(x[1, :2], x[0]), np.polymul(x[0], x[2])]), X34),
    "polyder_polyint": (lambda x: np.concatenate([np.polyder(x[0], 2), np.polyint(x[1], 2, [1.0, 2.0]), np.polyint(x[2])]), X34),
    "interp": (lambda x: np.interp(x[1:] * 2, _sorted_xp(x), x[0] ** 2), X34),
    "interp_left_right": (lambda x: np.interp(x[1:] * 3, _sorted_xp(x), x[0], left=x[1, 0], right=-2.0), X34),
    "interp_period": (lambda x: np.interp(x[1:] * 5, x[0] * 3, x[0] ** 2, period=2.0), X34),
    # constructors
    "linspace": (lambda x: np.linspace(x[0], x[1], 5, axis=1), X34),
    "linspace_open_retstep": (lambda x: np.concatenate([np.linspace(x[0, 0], 2.0, 4, endpoint=False), np.linspace(x[0], x[1], 3, retstep=True)[1]]), X34),
    "logspace": (lambda x: np.logspace(x[0], x[1], 5, base=2.0), X34),
    "geomspace": (lambda x: np.geomspace(x[0] + 2, x[1] + 3, 5) + np.geomspace(-x[0] - 2, -x[1] - 3, 5), X34),
    "meshgrid": (lambda x: np.stack(np.meshgrid(x[0], x[1, :2])), X34),
    "meshgrid_ij_sparse": (lambda x: np.multiply(*np.meshgrid(x[0], x[1, :2], indexing="ij", sparse=True)), X34),
    "full": (lambda x: wnp.full((2, 3), x[0, 0]) * x[:2, :3], X34),
    # miscellaneous
    "nan_to_num": (
        lambda x: np.nan_to_num(np.log(x))
        + np.nan_to_num(np.where(x > 0.5, np.inf, x), posinf=5.0)
        + np.nan_to_num(np.where(x < -0.5, -np.inf, x), neginf=-3.0),
        X34,
    ),
    "unwrap": (lambda x: np.unwrap(x * 10), X34),
    "unwrap_axis0": (lambda x: np.unwrap(x * 10, axis=0, period=4.0), X34),
    "cov": (lambda x: np.cov(x), X34),
    "cov_y_weights": (lambda x: np.cov(x[0], x[1], fweights=[1, 2, 1, 1], aweights=[0.5, 1.0, 2.0, 1.0]), X34),
    "corrcoef": (lambda x: np.corrcoef(x, rowvar=False), X34),
    "insert": (lambda x: np.insert(x, [1, 3], x[0, :2] * 7, axis=1)[:, :5] + np.insert(x, 2, 5.0)[:12].reshape(3, 4).sum(), X34),
    "delete": (lambda x: np.delete(x, [0, 2], axis=1) + np.delete(x, 1)[:2], X34),
    "append": (lambda x: np.append(x, x[:1] ** 2, axis=0) + np.append(x[0], x[1]).sum(), X34),
    "bincount": (lambda x: np.bincount(np.array([0, 3, 3, 1]), weights=x[0], minlength=6), X34),
    "array_api_shapes": (lambda x: np.concat([np.permute_dims(x, (1, 0)), np.matrix_transpose(x)]) * np.stack(np.unstack(x, axis=1))[0, 0], X34),
    "rollaxis_dstack": (lambda x: np.rollaxis(np.dstack([x, x**2]), 2).sum(0), X34),
    "block": (lambda x: np.block([[x, x[:, :1]], [x[:1], x[:1, :1] ** 2]]) + np.block([[[x[0]], [x[1]]]]).sum(), X34),
    "resize_dsplit": (lambda x: np.resize(x, (5, 3)) * np.dsplit(x.reshape(3, 2, 2), 2)[1].sum(), X34),
    "trim_zeros": (lambda x: np.trim_zeros(np.where(np.abs(x) > 0.5, x, 0.0)[0]) + np.trim_zeros(np.pad(x, 1), "f").sum(), X34),
    "poly": (lambda x: np.poly(x[0]), X34),
    "polydiv": (lambda x: np.concatenate(np.polydiv(x[0], x[1, :2] + np.array([2.0, 0.0]))), X34),
    "apply_along_over_axes": (
        lambda x: np.apply_along_axis(lambda v: np.stack([v.sum(), (v**2).sum()]), 0, x) * np.apply_over_axes(np.sum, x, [0, 1]),
        X34,
    ),
    "i0": (lambda x: np.i0(x * 2), X34),
}


# the selected length depends on values (test_extract_under_vmap_names_the_problem)
NO_VMAP = {"extract_compress", "trim_zeros", "polydiv"}


def _value(f, x):
    out, _ = w.vjp(f, x)
    return out


@pytest.fixture(autouse=True)
def _no_warnings_noise():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_equal_numpy(name):
    f, make = CASES[name]
    x = make()
    ref = f(x)
    got = _value(f, x)
    assert np.shape(got) == np.shape(ref)
    assert np.asarray(got).dtype == np.asarray(ref).dtype
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_reverse_mode_against_finite_differences(name):
    f, make = CASES[name]
    w.check_grads(f, (make(),), order=2)


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_equals_reverse(name):
    f, make = CASES[name]
    x = make()
    out, jv = w.jvp(f, (x,), (_u(x.shape, seed=3),))
    u = _u(np.shape(out), seed=4) * np.isfinite(out)
    _, vjp_fn = w.vjp(f, x)
    (g,) = vjp_fn(u)
    np.testing.assert_allclose(np.sum(np.nan_to_num(u * jv)), np.sum(g * _u(x.shape, seed=3)), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", sorted(set(CASES) - NO_VMAP))
def test_vmap_matches_loop(name):
    f, make = CASES[name]
    xs = np.stack([make(seed=s) for s in range(3)])
    got = w.vmap(f)(xs)
    ref = np.stack([f(x) for x in xs])
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_stays_float32(name):
    f, make = CASES[name]
    x = make(np.float32)
    ref = f(x)
    out, vjp_fn = w.vjp(f, x)
    assert np.asarray(out).dtype == np.asarray(ref).dtype  # NumPy's own result dtype
    np.testing.assert_allclose(out, ref, rtol=2e-5, atol=2e-5, equal_nan=True)
    (g,) = vjp_fn(np.ones(np.shape(out), np.asarray(out).dtype))
    assert g.dtype == np.float32
    _, t = w.jvp(f, (x,), (np.ones_like(x),))
    assert np.asarray(t).dtype == np.asarray(out).dtype


@pytest.mark.parametrize("name", sorted(set(CASES) - NO_VMAP))
def test_graph_mode_matches_eager(name):
    from wengert.graph import jit

    f, make = CASES[name]
    x = make()
    np.testing.assert_allclose(jit(f)(x), f(x), rtol=1e-12, atol=1e-12, equal_nan=True)

    def h(x):
        return wnp.sum(wnp.sin(wnp.nan_to_num(f(x))))

    np.testing.assert_allclose(jit(w.grad(h))(x), w.grad(h)(x), rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
    ties=st.booleans(),
)
def test_sort_and_quantile_any_shape_and_axis(shape, data, ties):
    x = _u(tuple(shape), seed=sum(shape))
    if ties:
        x = np.round(x * 2) / 2  # many tied values
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    q = data.draw(st.floats(0.0, 1.0))
    method = data.draw(st.sampled_from(["linear", "lower", "higher", "nearest", "midpoint"]))
    for f in (
        lambda x: np.sort(x, axis=axis),
        lambda x: np.quantile(x, q, axis=axis, method=method),
        lambda x: np.median(x, axis=axis),
        lambda x: np.partition(x, shape[axis] - 1, axis=axis),
    ):
        np.testing.assert_allclose(_value(f, x), f(x), rtol=1e-13, atol=1e-13)
        # at tied values and quantile steps the derivative is one-sided: compare modes only
        np.testing.assert_allclose(w.jacfwd(f)(x), w.jacrev(f)(x), atol=1e-12)
        if not ties:
            w.check_grads(f, (x,), order=1)


# A few cases at second order in forward-over-reverse (Hessian-vector products).
@pytest.mark.parametrize("name", ["sinc", "sort", "nanvar", "quantile", "pad_reflect_odd", "convolve", "interp", "polyval", "cross"])
def test_hessian_forward_over_reverse(name):
    f, make = CASES[name]
    x = make()

    def scalar(x):
        return wnp.sum(wnp.sin(f(x)))

    v = _u(x.shape, seed=5)
    hv = w.hvp(scalar, (x,), (v,))
    h = 1e-5
    g = w.grad(scalar)
    fd = (g(x + h * v) - g(x - h * v)) / (2 * h)
    np.testing.assert_allclose(hv, fd, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- dispatch


OUR_NAMES = (
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
OUR_UFUNCS = (
    "deg2rad rad2deg radians degrees fabs copysign fmod ldexp frexp modf divmod heaviside nextafter "
    "spacing vecdot matvec vecmat acos asin atan atan2 acosh asinh atanh pow"
).split()


@pytest.mark.parametrize("name", OUR_NAMES)
def test_plain_numpy_function_reaches_wengert(name):
    assert _dispatch._FUNCS[getattr(np, name)] is getattr(wnp, name)


@pytest.mark.parametrize("name", OUR_UFUNCS)
def test_plain_numpy_ufunc_reaches_wengert(name):
    assert isinstance(getattr(np, name), np.ufunc)
    assert _dispatch._UFUNCS[getattr(np, name)] is getattr(wnp, name)


# Integer/bitwise ufuncs and the datetime test have no derivative and no wengert rule.
REFUSED_UFUNCS = {
    "bitwise_and", "bitwise_count", "bitwise_invert", "bitwise_left_shift", "bitwise_not", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "gcd", "invert", "isnat", "lcm", "left_shift", "right_shift",
}


def test_every_numpy_ufunc_is_covered_or_refused():
    names = [n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)]
    missing = [n for n in names if getattr(np, n) not in _dispatch._UFUNCS and n not in REFUSED_UFUNCS]
    assert missing == []
    x = np.arange(1.0, 4.0)
    for n in sorted(REFUSED_UFUNCS - {"isnat"}):
        with pytest.raises(NoRuleError, match=getattr(np, n).__name__):
            w.grad(lambda x, n=n: getattr(np, n)(x, x).sum() if getattr(np, n).nin == 2 else getattr(np, n)(x).sum())(x)


# --------------------------------------------------------------------------- non-differentiable queries

QUERIES = {
    "argsort": lambda x: np.argsort(x, axis=1),
    "argsort_flat": lambda x: np.argsort(x, axis=None, stable=True),
    "argpartition": lambda x: np.argpartition(x, 1, axis=0),
    "searchsorted": lambda x: np.searchsorted(np.array([-0.5, 0.0, 0.5]), x, side="right"),
    "searchsorted_sorter": lambda x: np.searchsorted(x[0], x[1], sorter=np.argsort(x[0])),
    "digitize": lambda x: np.digitize(x, np.array([-0.5, 0.0, 0.5]), right=True),
    "count_nonzero": lambda x: np.count_nonzero(x > 0, axis=1),
    "isclose": lambda x: np.isclose(x, np.round(x, 1), atol=0.02),
    "isin": lambda x: np.isin(np.round(x, 1), [0.0, 0.1, -0.1, 0.5]),
    "isposinf_isneginf": lambda x: np.isposinf(1 / (x - x[0, 0])) | np.isneginf(np.log(x + 0.5)),
    "nanargmax": lambda x: np.nanargmax(_nanify(x), axis=1),
    "nanargmin": lambda x: np.nanargmin(_nanify(x), axis=0, keepdims=True),
    "argmax": lambda x: np.argmax(x, axis=0),
    "heaviside": lambda x: np.heaviside(x, 0.5),
    "spacing": lambda x: np.spacing(x),
    "any_all": lambda x: np.any(x > 0.9, axis=1) ^ np.all(x > -0.9, axis=1),
    "masks": lambda x: ((x > 0) & (x < 0.5)) | ~(x > -0.5),
    "lexsort": lambda x: np.lexsort((np.round(x[0]), x[1])),
    "array_equiv": lambda x: np.stack([np.array_equiv(x, x[0]), np.array_equiv(x[:1], x[0])]),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_queries_inside_differentiated_code(name):
    q = QUERIES[name]
    x = _u((3, 4))
    ref = q(x)

    def f(x):
        r = q(x)
        assert not isinstance(r, w.Tracer)  # a constant to reverse and forward mode
        np.testing.assert_array_equal(r, ref)
        return wnp.sum(x * x)

    np.testing.assert_allclose(w.grad(f)(x), 2 * x)
    w.jvp(f, (x,), (x,))
    xs = np.stack([_u((3, 4), seed=s) for s in range(3)])
    np.testing.assert_array_equal(w.vmap(q)(xs), np.stack([q(v) for v in xs]))


def test_allclose_and_array_equal_are_python_bools():
    x = _u((3,))
    w.grad(lambda x: (assert_bool(np.allclose(x, x + 1e-12)), assert_bool(not np.array_equal(x, x + 1)), wnp.sum(x))[-1])(x)


def assert_bool(v):
    assert v is True


def test_flatnonzero_argwhere_nonzero_inside_grad():
    x = _u((3, 4))

    def f(x):
        np.testing.assert_array_equal(np.flatnonzero(x > 0), np.flatnonzero(x.full_lower() > 0))
        np.testing.assert_array_equal(np.argwhere(x > 0), np.argwhere(x.full_lower() > 0))
        return wnp.sum(x[np.nonzero(x > 0)])

    np.testing.assert_allclose(w.grad(f)(x), (x > 0).astype(float))


def test_dtype_and_shape_queries_accept_traced_values():
    x = np.ones((3, 3), np.float32)

    def f(x):
        assert np.result_type(x, 1.0) == np.float32 and np.result_type(x, np.float64) == np.float64
        assert np.can_cast(x, np.float64) and not np.can_cast(x, np.int32)
        assert np.common_type(x) == np.float32
        for g in (np.tril_indices_from, np.triu_indices_from, np.diag_indices_from):
            np.testing.assert_array_equal(g(x), g(np.ones((3, 3))))
        return wnp.sum(x)

    np.testing.assert_array_equal(w.grad(f)(x), np.ones((3, 3)))


def test_tracer_methods():
    x = _u((4,))
    w.grad(lambda x: (np.testing.assert_array_equal(x.argsort(), np.argsort(x.full_lower())), wnp.sum(x))[1])(x)


# --------------------------------------------------------------------------- conventions


def test_sinc_is_smooth_at_zero_to_fourth_order():
    d = [wnp.sinc]
    for _ in range(4):
        d.append(w.grad(d[-1]))
    expected = [1.0, 0.0, -(math.pi**2) / 3, 0.0, math.pi**4 / 5]
    for k in range(5):
        np.testing.assert_allclose(d[k](0.0), expected[k], atol=1e-12)
    # forward over reverse, and across the switch to the Taylor branch at |x| = 1/4
    for x0 in (0.0, 0.2499, 0.25, 0.2501, -0.7, 1e-9):
        hess = w.jvp(d[1], (x0,), (1.0,))[1]
        np.testing.assert_allclose(hess, d[2](x0), rtol=1e-12, atol=1e-14)
        fd = (d[2](x0 + 1e-5) - d[2](x0 - 1e-5)) / 2e-5
        np.testing.assert_allclose(d[3](x0), fd, rtol=1e-6, atol=1e-7)


def test_sort_ties_gradient_follows_the_stable_order():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_array_equal(w.grad(lambda x: wnp.sort(x)[2])(x), [0, 1, 0, 0])
    np.testing.assert_array_equal(w.grad(lambda x: wnp.sort(x)[3])(x), [0, 0, 1, 0])
    np.testing.assert_array_equal(w.grad(lambda x: wnp.sum(wnp.sort(x) * np.arange(4.0)))(x), [0, 2, 3, 1])


def test_nanmax_ties_split_and_nans_get_zero():
    x = np.array([np.nan, 2.0, 2.0, 1.0])
    np.testing.assert_array_equal(w.grad(np.nanmax)(x), [0, 0.5, 0.5, 0])
    np.testing.assert_array_equal(w.grad(np.nanmin)(x), [0, 0, 0, 1])
    np.testing.assert_array_equal(w.grad(np.nansum)(x), [0, 1, 1, 1])
    np.testing.assert_allclose(w.grad(np.nanmean)(x), [0, 1 / 3, 1 / 3, 1 / 3])
    assert np.isnan(wnp.nanmax(np.array([np.nan, np.nan]) + w.stop_gradient(0.0)))


def test_median_gradient_goes_to_the_middle_elements():
    np.testing.assert_array_equal(w.grad(np.median)(np.array([5.0, 1.0, 3.0])), [0, 0, 1])
    np.testing.assert_array_equal(w.grad(np.median)(np.array([5.0, 1.0, 3.0, 2.0])), [0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(w.grad(np.nanmedian)(np.array([5.0, np.nan, 3.0, 2.0])), [0, 0, 1, 0])
    g = w.grad(lambda x: np.median(x))(np.array([1.0, np.nan, 3.0]))
    assert np.isnan(np.median(np.array([1.0, np.nan, 3.0]))) and np.all(g == 0)


def test_quantile_is_differentiable_in_q():
    x = np.array([0.0, 1.0, 4.0, 9.0])
    # linear: value x[i] + (q*3 - i) * (x[i+1] - x[i]); d/dq = 3 * (x[i+1] - x[i])
    np.testing.assert_allclose(w.grad(lambda q: wnp.quantile(x, q))(0.5), 3 * 3.0)
    np.testing.assert_allclose(w.grad(lambda q: wnp.percentile(x, q))(20.0), 3 * 1.0 / 100)
    qs = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(w.vmap(lambda q: wnp.quantile(x, q))(qs), np.quantile(x, qs))


def test_interp_derivatives_and_conventions():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    dx = w.elementwise_grad(lambda x: wnp.interp(x, xp, fp))
    # interior slopes; at a knot the slope on its right; 0 outside and at xp[-1]
    np.testing.assert_allclose(dx(np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0])), [0, 2, 2, 0.5, 0.5, 0, 0])
    # in fp: the interpolation weights; in xp: through the interval's end points
    g = w.grad(lambda fp: wnp.interp(2.0, xp, fp))(fp)
    np.testing.assert_allclose(g, [0, 0.5, 0.5])
    w.check_grads(lambda xp: wnp.interp(np.array([0.3, 2.0]), xp, fp), (xp,), order=2)
    assert np.isnan(wnp.interp(np.array([np.nan, 0.5]) + w.stop_gradient(0.0), xp, fp)[0])
    # dtype: float64 as NumPy (the float32 gradient stays float32)
    fp32 = fp.astype(np.float32)
    assert w.grad(lambda fp: wnp.interp(0.5, xp, fp))(fp32).dtype == np.float32


def test_ufunc_closed_form_derivatives():
    x = np.array([-2.5, -0.5, 0.5, 2.5])
    np.testing.assert_array_equal(w.elementwise_grad(lambda x: np.copysign(x, -1.0))(x), -np.sign(x))
    np.testing.assert_array_equal(w.grad(lambda y: np.sum(np.copysign(x, y)))(x), np.zeros(4))
    np.testing.assert_allclose(w.grad(lambda y: np.sum(np.fmod(x, y)))(np.full(4, 0.7)), -np.trunc(x / 0.7))
    np.testing.assert_array_equal(w.elementwise_grad(lambda x: np.nextafter(x, 0.0))(x), np.ones(4))
    np.testing.assert_array_equal(w.elementwise_grad(lambda x: np.heaviside(x, 0.5) + x)(x), np.ones(4))
    np.testing.assert_array_equal(w.elementwise_grad(lambda x: np.spacing(x) + x)(x), np.ones(4))
    np.testing.assert_array_equal(w.elementwise_grad(lambda x: np.ldexp(x, 3))(x), np.full(4, 8.0))
    m, e = wnp.frexp(np.array([3.0, 0.0, -10.0]) + w.stop_gradient(0.0))
    mn, en = np.frexp(np.array([3.0, 0.0, -10.0]))
    np.testing.assert_array_equal(m, mn)
    np.testing.assert_array_equal(e, en)
    assert e.dtype == en.dtype
    np.testing.assert_array_equal(w.elementwise_grad(lambda x: np.frexp(x)[0])(np.array([3.0, 10.0])), [0.25, 1 / 16])
    np.testing.assert_array_equal(w.elementwise_grad(lambda x: np.modf(x)[0])(x), np.ones(4))


def test_pad_constant_values_are_differentiable():
    x = _u((2, 3))
    g = w.grad(lambda c: wnp.sum(wnp.pad(x, 1, constant_values=c)))(0.5)
    np.testing.assert_allclose(g, 4 * 5 - 6)
    g = w.grad(lambda c: wnp.sum(wnp.pad(x, ((1, 0), (0, 2)), constant_values=c) ** 2))(np.array([[1.0, 2.0], [3.0, 4.0]]))
    # axis 0 'before' (one row of 3) then axis 1 'after' (two columns of 3 rows; corners go to axis 1)
    np.testing.assert_allclose(g, [[2 * 3, 0], [0, 2 * 4 * 6]])
    np.testing.assert_allclose(w.grad(lambda e: wnp.sum(wnp.pad(x, 2, mode="linear_ramp", end_values=e)))(0.0), _fd_ramp(x), rtol=1e-6)


def _fd_ramp(x, h=1e-6):
    f = lambda e: np.sum(np.pad(x, 2, mode="linear_ramp", end_values=e))  # noqa: E731
    return (f(h) - f(-h)) / (2 * h)


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    widths=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=3),
    mode=st.sampled_from(["constant", "edge", "wrap", "reflect", "symmetric", "reflect_odd", "symmetric_odd", "mean", "maximum", "linear_ramp"]),
)
def test_pad_matches_numpy_and_its_transpose(shape, widths, mode):
    x = _u(tuple(shape), seed=len(shape))
    widths = widths[: len(shape)]
    kw = {}
    if mode.endswith("_odd"):
        mode, kw = mode[:-4], {"reflect_type": "odd"}
    f = lambda x: np.pad(x, widths, mode=mode, **kw)  # noqa: E731
    np.testing.assert_allclose(_value(f, x), f(x), rtol=1e-12, atol=1e-12)
    w.check_grads(f, (x,), order=1)
    np.testing.assert_allclose(w.jacfwd(f)(x), w.jacrev(f)(x), atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("m", [1, 3, 6])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolve_correlate_all_lengths(n, m, mode):
    a, v = _u((n,), seed=n), _u((m,), seed=10 + m)
    for np_f, w_f in ((np.convolve, wnp.convolve), (np.correlate, wnp.correlate)):
        f = lambda a, v: w_f(a, v, mode)  # noqa: E731
        np.testing.assert_allclose(_value(lambda a: f(a, v), a), np_f(a, v, mode), rtol=1e-13, atol=1e-13)
        w.check_grads(f, (a, v), order=2)


@pytest.mark.parametrize("n", [0, 1, 3])
@pytest.mark.parametrize("axis", [0, -1])
def test_diff_orders_and_axes(n, axis):
    x = _u((4, 5))
    f = lambda x: np.diff(x, n, axis=axis, prepend=x[:1] if axis == 0 else -1.0)  # noqa: E731
    np.testing.assert_allclose(_value(f, x), f(x))
    w.check_grads(f, (x,), order=1)


def test_sort_and_gather_under_vmap_of_grad():
    xs = np.stack([_u((5,), seed=s) for s in range(4)])
    weights = np.arange(5.0)
    g = w.vmap(w.grad(lambda x: wnp.sum(wnp.sort(x) * weights)))(xs)
    for x, gi in zip(xs, g):
        expect = np.zeros(5)
        expect[np.argsort(x)] = weights
        np.testing.assert_allclose(gi, expect)
    # batched indices, unbatched array (and the reverse)
    idx = np.stack([np.argsort(x) for x in xs])
    base = _u((5,), seed=9)
    np.testing.assert_allclose(w.vmap(lambda i: wnp.take_along_axis(base, i, 0), in_axes=0)(idx), base[idx])
    np.testing.assert_allclose(w.jacfwd(lambda b: w.vmap(lambda i: wnp.take_along_axis(b, i, 0))(idx))(base), w.jacrev(lambda b: w.vmap(lambda i: wnp.take_along_axis(b, i, 0))(idx))(base))


def test_linspace_and_constructors():
    g = w.grad(lambda a: wnp.sum(wnp.linspace(a, 2.0, 5)))(0.5)
    np.testing.assert_allclose(g, np.sum(1 - np.linspace(0, 1, 5)))
    np.testing.assert_allclose(w.grad(lambda a: wnp.sum(wnp.full((2, 2), a)))(1.5), 4.0)
    np.testing.assert_array_equal(w.grad(lambda a: wnp.linspace(a, 3.0, 4, dtype=int).sum() * 0 + a)(1.0), 1.0)
    # arange/eye/tri are plain NumPy constructors
    assert wnp.arange is np.arange and wnp.eye is np.eye and wnp.tri is np.tri


# --------------------------------------------------------------------------- errors

X = _u((3, 4))
ERRORS = [
    (lambda x: wnp.pad(x, 1, mode="nope"), ValueError, "mode 'nope' is not supported"),
    (lambda x: wnp.pad(x, 1, mode=lambda *a: None), TypeError, "callable mode"),
    (lambda x: wnp.pad(x, 1.5), TypeError, "pad_width"),
    (lambda x: wnp.pad(x, -1, mode="edge"), ValueError, "negative"),
    (lambda x: wnp.pad(x, 1, mode="edge", constant_values=1.0), ValueError, "unsupported keyword"),
    (lambda x: wnp.pad(x, 1, mode="maximum", stat_length=0), ValueError, "stat_length of 0"),
    (lambda x: wnp.pad(x[:0], 1, mode="edge"), ValueError, "can't extend empty axis"),
    (lambda x: wnp.choose(np.array([0, 3, 0, 1]), [x, x]), ValueError, "invalid entry in choice array"),
    (lambda x: wnp.choose(np.array([0.0]), [x, x]), TypeError, "integer"),
    (lambda x: wnp.choose(np.array([0]), [x], mode="bad"), ValueError, "clipmode"),
    (lambda x: wnp.select([x > 0], [x, x]), ValueError, "same length"),
    (lambda x: wnp.select([], []), ValueError, "empty condition list"),
    (lambda x: wnp.select([x], [x]), TypeError, "should be boolean"),
    (lambda x: wnp.diag(x[None]), ValueError, "1- or 2-d"),
    (lambda x: wnp.cross(x, x), ValueError, "dimension must be 2 or 3"),
    (lambda x: wnp.cross(x[0, 0], x[0]), ValueError, "zero dimension"),
    (lambda x: wnp.convolve(x[0, :0], x[0]), ValueError, "a cannot be empty"),
    (lambda x: wnp.correlate(x[0], x[0, :0]), ValueError, "v cannot be empty"),
    (lambda x: wnp.convolve(x, x[0]), ValueError, "1-D"),
    (lambda x: wnp.convolve(x[0], x[0], mode="middle"), ValueError, "mode"),
    (lambda x: wnp.quantile(x, 0.5, method="hazen"), ValueError, "not supported"),
    (lambda x: wnp.quantile(x, 1.5), ValueError, r"range \[0, 1\]"),
    (lambda x: wnp.percentile(x, -5), ValueError, r"range \[0, 100\]"),
    (lambda x: wnp.quantile(x, 0.5, weights=x), TypeError, "weights"),
    (lambda x: wnp.diff(x, -1), ValueError, "non-negative"),
    (lambda x: wnp.diff(x[0, 0]), ValueError, "at least one dimensional"),
    (lambda x: wnp.ediff1d(x, to_begin=np.array([1 + 1j])), TypeError, "same_kind"),
    (lambda x: wnp.interp(x, x[0], x[0, :2]), ValueError, "same length"),
    (lambda x: wnp.interp(x, x[0, :0], x[0, :0]), ValueError, "empty"),
    (lambda x: wnp.interp(x, x, x), ValueError, "1-D"),
    (lambda x: wnp.interp(x, x[0], x[0], period=0.0), ValueError, "non-zero"),
    (lambda x: wnp.linspace(x[0], x[1], -1), ValueError, "non-negative"),
    (lambda x: wnp.geomspace(x[0] * 0, x[1], 3), ValueError, "cannot include zero"),
    (lambda x: wnp.sort(x, order="a"), TypeError, "order"),
    (lambda x: wnp.partition(x, 1.5), TypeError, "Partition index must be integer"),
    (lambda x: wnp.take_along_axis(x, np.zeros((3, 1))), IndexError, "integer array"),
    (lambda x: wnp.take_along_axis(x, np.zeros(2, int)), ValueError, "same number of dimensions"),
    (lambda x: wnp.searchsorted(x[0], x, side="middle"), ValueError, "side"),
    (lambda x: wnp.gradient(x[:1]), ValueError, "too small"),
    (lambda x: wnp.gradient(x, 1.0, 2.0, 3.0), TypeError, "invalid number of arguments"),
    (lambda x: wnp.gradient(x, edge_order=3), ValueError, "edge_order"),
    (lambda x: wnp.gradient(x, np.arange(2.0), axis=1), ValueError, "match the length"),
    (lambda x: wnp.cumulative_sum(x), ValueError, "axis"),
    (lambda x: wnp.nanvar(x, ddof=1, correction=1), ValueError, "simultaneously"),
    (lambda x: wnp.nanmean(x, dtype=int), TypeError, "inexact"),
    (lambda x: wnp.nansum(x, initial=1.0), TypeError, "initial"),
    (lambda x: wnp.vander(x), ValueError, "one-dimensional"),
    (lambda x: wnp.vecdot(x, x[:, :2]), ValueError, "different lengths"),
    (lambda x: wnp.matrix_transpose(x[0]), ValueError, "at least 2-dimensional"),
    (lambda x: wnp.delete(x, x), TypeError, "concrete"),
    (lambda x: wnp.bincount(np.array([0, -1]), weights=x[0, :2]), ValueError, "negative"),
    (lambda x: wnp.polyder(x[0], -1), ValueError, "positive"),
    (lambda x: wnp.polyint(x[0], 3, [1.0, 2.0]), ValueError, "rank-1"),
    (lambda x: wnp.meshgrid(x[0], indexing="xx"), ValueError, "indexing"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    f, exc, match = ERRORS[case]

    def g(x):
        f(x)
        return wnp.sum(x)

    with pytest.raises(exc, match=match):
        w.grad(g)(X)


def test_extract_under_vmap_names_the_problem():
    with pytest.raises(TypeError, match="batched by vmap"):
        w.vmap(lambda x: np.extract(x > 0, x))(_u((2, 3)))


def test_cross_two_component_vectors_warn_like_numpy():
    a, b = _u((3, 2)), _u((3, 2), seed=1)
    with pytest.warns(DeprecationWarning, match="2-dimensional vectors"):
        got = _value(lambda a: wnp.cross(a, b), a)
    with pytest.warns(DeprecationWarning):
        np.testing.assert_allclose(got, np.cross(a, b))


# --------------------------------------------------------------------------- scripts/coverage.py


def _coverage_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "coverage.py"
    spec = importlib.util.spec_from_file_location("wengert_coverage_script", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_coverage_script_reports_what_runs():
    cov = _coverage_script()
    r = cov.probe(wnp.sinc, lambda f, x: f(x), cov._unit)
    assert (r.kind, r.vjp, r.jvp, r.vmap, r.complex) == ("differentiable", "✓", "✓", "✓ rule", "✓")
    r = cov.probe(wnp.argsort, lambda f, x: f(x), cov._unit)
    assert (r.kind, r.vjp, r.jvp, r.vmap) == ("non-differentiable", "0", "0", "✓ rule")
    r = cov.probe(wnp.fabs, lambda f, x: f(x), cov._unit)
    assert r.complex == "—"  # NumPy's fabs refuses complex input
    # a primitive with a wrong VJP and no JVP or batching rule is reported as such
    bad = w.Primitive("coverage_test_bad", np.sin, register=False)
    bad.defvjp(lambda ct, ans, x: ct * 2.0)
    r = cov.probe(bad.bind, lambda f, x: f(x), cov._unit)
    assert (r.vjp, r.jvp, r.vmap) == ("wrong", "✗ NoRuleError", "✓ loop")
    rows = {row[0]: row for row in cov.primitive_rows()}
    assert rows["take_along_axis"][1:] == ("ops/gather.py", "rules", "✓", "✓", "rule", "", "args")  # not elementwise
    assert rows["sinc"][1:4] == ("ops/floating.py", "partials", "✓")
    assert rows["argsort"][2:6] == ("zero", "—", "—", "rule")
    assert "bitwise_and" in cov.uncovered_ufuncs() and "sinc" not in cov.uncovered_functions()
