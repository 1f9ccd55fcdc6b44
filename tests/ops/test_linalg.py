"""wengert.numpy.linalg: values against NumPy, derivatives against finite differences (to
second order), forward against reverse mode, float32, vmap, plain ``np.linalg`` calls on
traced values, and the documented conventions at degenerate points (docs/linalg.md)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wengert as w
import wengert.numpy as wnp
from wengert import NoRuleError

WLA = wnp.linalg


def _sym(a):
    return (a + a.swapaxes(-1, -2)) / 2


def _wc(r, shape):
    """Well-conditioned square matrices."""
    n = shape[-1]
    return r.standard_normal(shape) + 2.0 * n * np.eye(n)


def _spd(r, shape):
    x = r.standard_normal(shape)
    return x @ x.swapaxes(-1, -2) + shape[-1] * np.eye(shape[-1])


def _symm(r, shape):
    x = r.standard_normal(shape)
    return x + x.swapaxes(-1, -2)


def _real_spectrum(r, shape):
    """Non-symmetric matrices with well-separated real eigenvalues."""
    n = shape[-1]
    p = r.standard_normal(shape) + 3.0 * np.eye(n)
    d = np.arange(1.0, n + 1.0) * 1.5 + 0.3 * r.standard_normal(shape[:-1])
    return p @ (d[..., :, None] * np.linalg.inv(p))


def _n(r, shape):
    return r.standard_normal(shape)


# (id, f(la, *args) with la = np.linalg or wengert.numpy.linalg, args(rng))
CASES = [
    ("solve", lambda la, a, b: la.solve(a, b), lambda r: (_wc(r, (3, 3)), _n(r, (3, 2)))),
    ("solve_vector_stacked", lambda la, a, b: la.solve(a, b), lambda r: (_wc(r, (2, 3, 3)), _n(r, (3,)))),
    ("solve_broadcast", lambda la, a, b: la.solve(a, b), lambda r: (_wc(r, (2, 1, 2, 2)), _n(r, (3, 2, 2)))),
    ("inv", lambda la, a: la.inv(a), lambda r: (_wc(r, (2, 3, 3)),)),
    ("det", lambda la, a: la.det(a), lambda r: (_wc(r, (2, 3, 3)),)),
    ("det_1x1", lambda la, a: la.det(a), lambda r: (_wc(r, (1, 1)),)),
    ("slogdet", lambda la, a: la.slogdet(a)[1], lambda r: (_n(r, (2, 3, 3)),)),
    ("cholesky", lambda la, a: la.cholesky(_sym(a)), lambda r: (_spd(r, (2, 3, 3)),)),
    ("cholesky_upper", lambda la, a: la.cholesky(_sym(a), upper=True), lambda r: (_spd(r, (3, 3)),)),
    ("qr_tall", lambda la, a: tuple(la.qr(a)), lambda r: (_n(r, (4, 3)),)),
    ("qr_square_stacked", lambda la, a: tuple(la.qr(a)), lambda r: (_n(r, (2, 3, 3)),)),
    ("qr_wide", lambda la, a: tuple(la.qr(a)), lambda r: (_n(r, (2, 2, 4)),)),
    ("qr_r", lambda la, a: la.qr(a, mode="r"), lambda r: (_n(r, (4, 2)),)),
    ("qr_complete_wide", lambda la, a: tuple(la.qr(a, mode="complete")), lambda r: (_n(r, (2, 3)),)),
    ("eigh", lambda la, a: tuple(la.eigh(_sym(a))), lambda r: (_symm(r, (3, 3)),)),
    ("eigh_upper_stacked", lambda la, a: tuple(la.eigh(_sym(a), UPLO="U")), lambda r: (_symm(r, (2, 3, 3)),)),
    ("eigvalsh", lambda la, a: la.eigvalsh(_sym(a)), lambda r: (_symm(r, (2, 4, 4)),)),
    ("eig", lambda la, a: tuple(la.eig(a)), lambda r: (_real_spectrum(r, (3, 3)),)),
    ("eigvals_stacked", lambda la, a: la.eigvals(a), lambda r: (_real_spectrum(r, (2, 3, 3)),)),
    ("svd_tall", lambda la, a: tuple(la.svd(a, full_matrices=False)), lambda r: (_n(r, (4, 3)),)),
    ("svd_wide_stacked", lambda la, a: tuple(la.svd(a, full_matrices=False)), lambda r: (_n(r, (2, 2, 3)),)),
    ("svd_square_full", lambda la, a: tuple(la.svd(a)), lambda r: (_n(r, (3, 3)),)),
    ("svd_values", lambda la, a: la.svd(a, compute_uv=False), lambda r: (_n(r, (2, 3, 4)),)),
    ("svd_hermitian", lambda la, a: tuple(la.svd(_sym(a), hermitian=True)), lambda r: (_symm(r, (3, 3)),)),
    ("svdvals", lambda la, a: la.svdvals(a), lambda r: (_n(r, (4, 2)),)),
    ("pinv_tall", lambda la, a: la.pinv(a), lambda r: (_n(r, (4, 3)),)),
    ("pinv_wide_stacked", lambda la, a: la.pinv(a), lambda r: (_n(r, (2, 2, 3)),)),
    ("pinv_hermitian", lambda la, a: la.pinv(_sym(a), hermitian=True), lambda r: (_symm(r, (3, 3)),)),
    ("pinv_rank_cut", lambda la, a: la.pinv(a, rtol=1e-3), lambda r: (_n(r, (3, 2)) @ _n(r, (2, 3)),)),
    ("lstsq_vector", lambda la, a, b: la.lstsq(a, b)[:2], lambda r: (_n(r, (4, 3)), _n(r, (4,)))),
    ("lstsq_matrix_wide", lambda la, a, b: la.lstsq(a, b)[0], lambda r: (_n(r, (2, 3)), _n(r, (2, 2)))),
    ("lstsq_s", lambda la, a, b: la.lstsq(a, b, rcond=None)[3], lambda r: (_n(r, (4, 3)), _n(r, (4, 2)))),
    ("norm_default", lambda la, x: la.norm(x), lambda r: (_n(r, (2, 3, 2)),)),
    ("norm_vec_axis", lambda la, x: la.norm(x, axis=1, keepdims=True), lambda r: (_n(r, (2, 3)),)),
    ("norm_vec_1", lambda la, x: la.norm(x, 1, axis=0), lambda r: (_n(r, (3, 2)),)),
    ("norm_vec_inf", lambda la, x: la.norm(x, np.inf), lambda r: (_n(r, (4,)),)),
    ("norm_vec_-inf", lambda la, x: la.norm(x, -np.inf, axis=-1), lambda r: (_n(r, (2, 4)),)),
    ("norm_vec_p", lambda la, x: la.norm(x, 3.5, axis=-1), lambda r: (_n(r, (2, 4)),)),
    ("norm_vec_neg_p", lambda la, x: la.norm(x, -1.5), lambda r: (_n(r, (3,)) + 3.0,)),
    ("norm_fro", lambda la, x: la.norm(x, "fro", axis=(2, 0)), lambda r: (_n(r, (2, 3, 4)),)),
    ("norm_nuc", lambda la, x: la.norm(x, "nuc", axis=(0, 2), keepdims=True), lambda r: (_n(r, (3, 2, 4)),)),
    ("norm_2", lambda la, x: la.norm(x, 2), lambda r: (_n(r, (3, 4)),)),
    ("norm_-2", lambda la, x: la.norm(x, -2, axis=(-1, -2)), lambda r: (_n(r, (2, 3, 4)),)),
    ("norm_1", lambda la, x: la.norm(x, 1, axis=(1, 0)), lambda r: (_n(r, (3, 4)),)),
    ("norm_-1", lambda la, x: la.norm(x, -1), lambda r: (_n(r, (3, 4)),)),
    ("norm_inf", lambda la, x: la.norm(x, np.inf, axis=(2, 0)), lambda r: (_n(r, (3, 2, 4)),)),
    ("norm_-inf", lambda la, x: la.norm(x, -np.inf, keepdims=True), lambda r: (_n(r, (3, 4)),)),
    ("vector_norm_axes", lambda la, x: la.vector_norm(x, axis=(0, 2), ord=3), lambda r: (_n(r, (2, 3, 2)),)),
    ("matrix_norm", lambda la, x: la.matrix_norm(x, ord="nuc", keepdims=True), lambda r: (_n(r, (2, 3, 2)),)),
    ("cond", lambda la, x: la.cond(x), lambda r: (_n(r, (2, 3, 3)),)),
    ("cond_fro", lambda la, x: la.cond(x, "fro"), lambda r: (_wc(r, (3, 3)),)),
    ("matrix_power_5", lambda la, a: la.matrix_power(a, 5), lambda r: (_wc(r, (2, 3, 3)) / 6.0,)),
    ("matrix_power_-2", lambda la, a: la.matrix_power(a, -2), lambda r: (_wc(r, (3, 3)) / 6.0,)),
    (
        "multi_dot_4",
        lambda la, a, b, c, d: la.multi_dot([a, b, c, d]),
        lambda r: (_n(r, (3,)), _n(r, (3, 5)), _n(r, (5, 2)), _n(r, (2, 4))),
    ),
    ("multi_dot_3", lambda la, a, b, c: la.multi_dot([a, b, c]), lambda r: (_n(r, (2, 3)), _n(r, (3, 4)), _n(r, (4,)))),
    ("tensorsolve", lambda la, a, b: la.tensorsolve(a, b), lambda r: (_wc(r, (6, 6)).reshape(2, 3, 6), _n(r, (2, 3)))),
    (
        "tensorsolve_axes",
        lambda la, a, b: la.tensorsolve(a, b, axes=(0,)),
        lambda r: (_wc(r, (4, 4)).reshape(4, 2, 2).transpose(1, 0, 2), _n(r, (4,))),
    ),
    ("tensorinv", lambda la, a: la.tensorinv(a, ind=1), lambda r: (_wc(r, (4, 4)).reshape(4, 2, 2),)),
    ("trace", lambda la, x: la.trace(x, offset=1), lambda r: (_n(r, (2, 3, 3)),)),
    ("diagonal", lambda la, x: la.diagonal(x), lambda r: (_n(r, (2, 3, 4)),)),
    ("matrix_transpose", lambda la, x: la.matrix_transpose(x), lambda r: (_n(r, (2, 3, 4)),)),
    ("vecdot", lambda la, x, y: la.vecdot(x, y, axis=0), lambda r: (_n(r, (3, 2)), _n(r, (3, 2)))),
    ("outer", lambda la, x, y: la.outer(x, y), lambda r: (_n(r, (3,)), _n(r, (2,)))),
    ("tensordot", lambda la, x, y: la.tensordot(x, y, axes=1), lambda r: (_n(r, (2, 3)), _n(r, (3, 2)))),
]
IDS = [c[0] for c in CASES]


def _args(case, seed=0):
    # Inputs come from their own stream: a direction drawn with the same seed as the input
    # would be the input itself (along which eigenvectors and singular vectors don't move).
    return case[2](np.random.default_rng(1000 + seed))


def _wf(case):
    return lambda *a: case[1](WLA, *a)


def _leaves(x):
    return [np.asarray(v) for v in w.tree_leaves(x)]


def _inner(a, b):
    return sum(float(np.sum(x * y)) for x, y in zip(_leaves(a), _leaves(b)))


def _rand_like(tree, rng, dtype=np.float64):
    return w.tree_map(lambda x: rng.standard_normal(np.shape(x)).astype(dtype), tree)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_match_numpy_when_traced(case):
    args = _args(case)
    ref = case[1](np.linalg, *args)
    out, _ = w.vjp(_wf(case), *args)
    assert w.tree_structure(tuple(_leaves(out))) == w.tree_structure(tuple(_leaves(ref)))
    for o, r in zip(_leaves(out), _leaves(ref)):
        assert o.shape == r.shape and o.dtype == r.dtype
        np.testing.assert_allclose(o, r, rtol=1e-10, atol=1e-12)
    # Untraced calls return NumPy's own results.
    for o, r in zip(_leaves(_wf(case)(*args)), _leaves(ref)):
        np.testing.assert_allclose(o, r, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_finite_differences_to_second_order(case):
    w.check_grads(_wf(case), _args(case), order=2)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_mode_agrees_with_reverse_mode(case):
    f, args = _wf(case), _args(case)
    rng = np.random.default_rng(1)
    v = _rand_like(args, rng)
    out, jv = w.jvp(f, args, v)
    u = _rand_like(out, rng)
    _, vjp_fn = w.vjp(f, *args)
    np.testing.assert_allclose(_inner(u, jv), _inner(vjp_fn(u), v), rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jacfwd_equals_jacrev(case):
    f, args = _wf(case), _args(case)
    nums = tuple(range(len(args)))
    jf = w.jacfwd(f, argnums=nums)(*args)
    jr = w.jacrev(f, argnums=nums)(*args)
    for a, b in zip(_leaves(jf), _leaves(jr)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_plain_numpy_linalg_calls_on_traced_values(case):
    args = _args(case)
    ct = _rand_like(case[1](np.linalg, *args), np.random.default_rng(2))
    out_np, fn_np = w.vjp(lambda *a: case[1](np.linalg, *a), *args)
    out_w, fn_w = w.vjp(_wf(case), *args)
    for a, b in zip(_leaves(out_np) + _leaves(fn_np(ct)), _leaves(out_w) + _leaves(fn_w(ct))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_stays_float32(case):
    args64 = _args(case)
    args32 = tuple(a.astype(np.float32) for a in args64)
    f = _wf(case)
    out32, fn32 = w.vjp(f, *args32)
    ct = _rand_like(out32, np.random.default_rng(3), np.float32)
    g32 = fn32(ct)
    _, fn64 = w.vjp(f, *args64)
    g64 = fn64(w.tree_map(lambda c: c.astype(np.float64), ct))
    for x in _leaves(out32) + _leaves(g32):
        assert x.dtype == np.float32
    for a, b in zip(_leaves(g32), _leaves(g64)):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3 * (1 + np.abs(b).max()))


VMAP_CASES = [c for c in CASES if c[0] in {
    "solve", "inv", "det", "slogdet", "cholesky", "qr_tall", "qr_wide", "eigh", "eig", "svd_tall",
    "svd_values", "pinv_tall", "pinv_hermitian", "norm_nuc", "matrix_power_-2", "tensorsolve",
}]


@pytest.mark.parametrize("case", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_equals_a_loop(case):
    f = _wf(case)
    batch = [_args(case, seed) for seed in range(3)]
    stacked = tuple(np.stack(xs) for xs in zip(*batch))
    out = w.vmap(f)(*stacked)
    for k, leaf in enumerate(_leaves(out)):
        ref = np.stack([_leaves(f(*b))[k] for b in batch])
        np.testing.assert_allclose(leaf, ref, rtol=1e-10, atol=1e-12)


def test_vmap_with_an_unbatched_operand():
    rng = np.random.default_rng(4)
    a, bs = _wc(rng, (2, 3, 3)), rng.standard_normal((5, 3))
    out = w.vmap(lambda b: WLA.solve(a, b))(bs)
    assert out.shape == (5, 2, 3)
    np.testing.assert_allclose(out, np.stack([np.linalg.solve(a, b) for b in bs]))
    out = w.vmap(lambda m: WLA.solve(m, bs[0]))(a)
    np.testing.assert_allclose(out, np.linalg.solve(a, bs[0]))


@settings(max_examples=15, deadline=None)
@given(
    batch=st.lists(st.integers(1, 2), max_size=2).map(tuple),
    n=st.integers(1, 3),
    k=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_solve_inv_det_over_shapes(batch, n, k, seed):
    r = np.random.default_rng(seed)
    a, b = _wc(r, batch + (n, n)), r.standard_normal(batch + (n, k))

    def f(a, b):
        return WLA.solve(a, b) + WLA.inv(a) @ b * WLA.det(a)[..., None, None]

    w.check_grads(f, (a, b), order=1)
    v = _rand_like((a, b), r)
    out, jv = w.jvp(f, (a, b), v)
    u = r.standard_normal(out.shape)
    np.testing.assert_allclose(_inner(u, jv), _inner(w.vjp(f, a, b)[1](u), v), rtol=1e-8, atol=1e-9)


# --------------------------------------------------------------------------- results, shapes


def test_result_types_are_numpys():
    rng = np.random.default_rng(5)
    a = _symm(rng, (3, 3))

    def f(a):
        e, s, q, sl = WLA.eigh(a), WLA.svd(a), WLA.qr(a), WLA.slogdet(a)
        assert isinstance(e, np.linalg._linalg.EighResult)
        assert isinstance(s, np.linalg._linalg.SVDResult)
        assert isinstance(q, np.linalg._linalg.QRResult)
        assert isinstance(sl, np.linalg._linalg.SlogdetResult)
        return e.eigenvalues + s.S + wnp.diagonal(q.R) + sl.logabsdet

    w.grad(lambda a: wnp.sum(f(a)))(a)


def test_slogdet_sign_and_lstsq_outputs():
    rng = np.random.default_rng(6)
    a = rng.standard_normal((2, 3, 3))
    sign, _ = w.vjp(lambda a: WLA.slogdet(a)[0], a)[0], None
    np.testing.assert_array_equal(sign, np.linalg.slogdet(a)[0])
    m, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    (x, res, rank, s), _ = w.vjp(lambda m: WLA.lstsq(m, b), m)
    rx, rres, rrank, rs = np.linalg.lstsq(m, b)
    np.testing.assert_allclose(x, rx)
    np.testing.assert_allclose(res, rres)
    assert rank == rrank and type(rank) is type(rrank)
    np.testing.assert_allclose(s, rs)
    # rank deficient: empty residuals, rank 2, x the minimum-norm solution
    m2 = np.c_[m[:, :2], m[:, :1] + m[:, 1:2]]
    (x, res, rank, _), _ = w.vjp(lambda m: WLA.lstsq(m, b), m2)
    rx, rres, rrank, _ = np.linalg.lstsq(m2, b)
    assert rank == rrank == 2 and res.shape == rres.shape == (0,)
    np.testing.assert_allclose(x, rx, atol=1e-12)


def test_lstsq_gradient_at_fixed_rank():
    rng = np.random.default_rng(7)
    u, v = rng.standard_normal((5, 2)), rng.standard_normal((2, 3))
    b = rng.standard_normal(5)
    # Perturbations keep the rank (they move the factors): the derivative of the
    # minimum-norm solution at fixed rank.
    w.check_grads(lambda u, v, b: WLA.lstsq(u @ v, b)[0], (u, v, b), order=2)


def test_matrix_power_zero_and_one():
    rng = np.random.default_rng(8)
    a = rng.standard_normal((2, 3, 3))
    out, fn = w.vjp(lambda a: WLA.matrix_power(a, 0), a)
    np.testing.assert_array_equal(out, np.linalg.matrix_power(a, 0))
    np.testing.assert_array_equal(fn(np.ones_like(out))[0], np.zeros_like(a))
    g = w.grad(lambda a: wnp.sum(WLA.matrix_power(a, 1)))(a)
    np.testing.assert_array_equal(g, np.ones_like(a))


def test_norm_order_zero_counts_and_has_no_derivative():
    x = np.array([[0.0, 2.0, -1.0], [0.0, 0.0, 3.0]])
    out, fn = w.vjp(lambda x: WLA.norm(x, 0, axis=1), x)
    np.testing.assert_array_equal(out, np.linalg.norm(x, 0, axis=1))
    assert out.dtype == np.float64
    g = w.grad(lambda x: wnp.sum(WLA.norm(x, 0, axis=1) * WLA.norm(x, axis=1)))(x)
    np.testing.assert_allclose(g, np.linalg.norm(x, 0, axis=1)[:, None] * x / np.linalg.norm(x, axis=1)[:, None])


def test_integer_input_gives_float_norm():
    x = np.arange(6).reshape(2, 3)
    out, _ = w.vjp(lambda s: WLA.norm(x * s), 1.0)
    np.testing.assert_allclose(out, np.linalg.norm(x))


# --------------------------------------------------------------------------- degenerate points


def test_symmetric_inputs_get_gradients_on_the_triangle_read():
    """cholesky, eigh, and svd/pinv with hermitian=True read one triangle (as NumPy): their gradients live on it, and on
    symmetric directions they agree with the symmetric gradient (tests/ops/test_linalg_triangles.py
    checks non-symmetric inputs against finite differences)."""
    rng = np.random.default_rng(9)
    a, c = _spd(rng, (3, 3)), rng.standard_normal((3, 3))
    lower, upper = np.tril(np.ones((3, 3))), np.triu(np.ones((3, 3)))
    for f, read in (
        (lambda a: wnp.sum(c * WLA.cholesky(a)), lower),
        (lambda a: wnp.sum(c * WLA.eigh(a)[1]), lower),
        (lambda a: wnp.sum(WLA.eigvalsh(a, UPLO="U") ** 3), upper),
    ):
        g = w.grad(f)(a)
        np.testing.assert_allclose(g * (1 - read), 0.0, atol=1e-12)
        d = rng.standard_normal((3, 3))
        d = d + d.T
        num = (float(f(a + 1e-6 * d)) - float(f(a - 1e-6 * d))) / 2e-6
        assert np.sum(g * d) == pytest.approx(num, rel=1e-6, abs=1e-8)
    for f in (  # hermitian=True: an eigh of the lower triangle
        lambda a: wnp.sum(c * WLA.svd(a, hermitian=True)[0] ** 2),
        lambda a: wnp.sum(c * WLA.pinv(a, hermitian=True)),
    ):
        g = w.grad(f)(a)
        np.testing.assert_allclose(g * (1 - lower), 0.0, atol=1e-12)
    # grad of the log-determinant through cholesky: inv(A) carried onto the lower triangle
    g = w.grad(lambda a: 2.0 * wnp.sum(wnp.log(wnp.diagonal(WLA.cholesky(a)))))(a)
    inv = np.linalg.inv(a)
    np.testing.assert_allclose(g, 2 * np.tril(inv, -1) + np.diag(np.diag(inv)), rtol=1e-10)


def test_eigenvalue_derivatives_are_exact_at_repeated_eigenvalues():
    eye = np.eye(3)
    np.testing.assert_allclose(w.grad(lambda a: wnp.sum(WLA.eigvalsh(a)))(eye), eye)
    np.testing.assert_allclose(w.grad(lambda a: wnp.sum(WLA.eigvalsh(a) ** 2))(2.0 * eye), 4.0 * eye)
    h = w.hessian(lambda a: wnp.sum(WLA.eigvalsh(a) ** 2))(eye)
    assert np.all(np.isfinite(h))


def test_eigenvector_gradient_is_zero_at_a_multiple_of_the_identity():
    c = np.random.default_rng(10).standard_normal((3, 3))
    g = w.grad(lambda a: wnp.sum(c * WLA.eigh(a)[1]))(3.0 * np.eye(3))
    np.testing.assert_array_equal(g, np.zeros((3, 3)))
    _, t = w.jvp(lambda a: WLA.eigh(a)[1], (np.eye(3),), (_symm(np.random.default_rng(11), (3, 3)),))
    np.testing.assert_array_equal(t, np.zeros((3, 3)))


def _degenerate_setup(seed):
    rng = np.random.default_rng(seed)
    q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    return rng, q, rng.standard_normal((3, 3))


def test_eigh_at_a_repeated_eigenvalue_is_exact_along_non_mixing_directions():
    rng, q, c = _degenerate_setup(12)
    a = q @ np.diag([1.0, 1.0, 2.0]) @ q.T

    def f(a):  # sum(C * A^3) written through eigh: independent of the eigenbasis chosen
        lam, v = WLA.eigh(a)
        return wnp.sum(c * ((v * lam**3) @ v.T))

    def fd(d, h=1e-5):
        return (f(a + h * d) - f(a - h * d)) / (2 * h)

    g = w.grad(f)(a)
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(w.hessian(f)(a)))
    v = np.linalg.eigh(a)[1]
    e = _symm(rng, (3, 3))
    e[0, 1] = e[1, 0] = 0.0  # no mixing inside the degenerate block {0, 1}
    d = v @ e @ v.T
    np.testing.assert_allclose(np.sum(g * d), fd(d), rtol=1e-6)
    _, t = w.jvp(f, (a,), (d,))
    np.testing.assert_allclose(t, fd(d), rtol=1e-6)
    # The mixing direction: the documented convention gives 0, the true derivative does not.
    mix = v @ (np.eye(3)[:, [0]] @ np.eye(3)[[1]] + np.eye(3)[:, [1]] @ np.eye(3)[[0]]) @ v.T
    assert abs(np.sum(g * mix)) < 1e-10
    assert abs(fd(mix)) > 1e-3


def test_svd_at_repeated_singular_values():
    rng, q, c = _degenerate_setup(13)
    p = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    a = q @ np.diag([2.0, 2.0, 1.0]) @ p
    # nuclear norm at an orthogonal matrix: the gradient U V^T is exact for any basis
    np.testing.assert_allclose(w.grad(lambda a: wnp.sum(WLA.svdvals(a)))(q @ p), q @ p, atol=1e-12)

    def f(a):  # sum(C * A A^T A) through the SVD: basis independent
        u, s, vh = WLA.svd(a)
        return wnp.sum(c * ((u * s**3) @ vh))

    g = w.grad(f)(a)
    assert np.all(np.isfinite(g))
    u, _, vh = np.linalg.svd(a)
    e = rng.standard_normal((3, 3))
    e[0, 1] = e[1, 0] = 0.0
    d = u @ e @ vh
    h = 1e-5
    np.testing.assert_allclose(np.sum(g * d), (f(a + h * d) - f(a - h * d)) / (2 * h), rtol=1e-6)
    gu = w.grad(lambda a: wnp.sum(c * WLA.svd(a)[0]))(np.eye(3))
    assert np.all(np.isfinite(gu))


def test_norms_at_zero_have_zero_gradient():
    z = np.zeros((2, 3))
    for f in (
        lambda x: WLA.norm(x),
        lambda x: WLA.norm(x, "fro"),
        lambda x: WLA.norm(x, 3.0, axis=1),
        lambda x: WLA.norm(x, axis=0),
        lambda x: WLA.vector_norm(x, ord=2.5),
    ):
        g = w.grad(lambda x: wnp.sum(f(x)))(z)
        np.testing.assert_array_equal(g, z)
        assert np.all(np.isfinite(w.hessian(lambda x: wnp.sum(f(x)))(z)))


def test_max_norm_ties_split_the_gradient():
    g = w.grad(lambda x: WLA.norm(x, np.inf))(np.array([1.0, -3.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, -0.5, 0.5])


def test_det_gradient_is_the_cofactor_matrix_at_singular_matrices():
    s = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    cof = np.array(
        [[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(s, i, 0), j, 1)) for j in range(3)] for i in range(3)]
    )
    np.testing.assert_allclose(w.grad(WLA.det)(s), cof, atol=1e-12)
    np.testing.assert_allclose(w.jvp(WLA.det, (s,), (np.eye(3),))[1], np.trace(cof.T), atol=1e-12)
    np.testing.assert_allclose(w.grad(WLA.det)(np.ones((3, 3))), np.zeros((3, 3)), atol=1e-12)


# --------------------------------------------------------------------------- errors


def _grad_sum(f):
    return w.grad(lambda x: wnp.sum(f(x)))


def test_undifferentiable_decompositions_raise_clear_errors():
    rng = np.random.default_rng(14)
    tall = rng.standard_normal((4, 3))
    with pytest.raises(ValueError, match="mode='complete'"):
        _grad_sum(lambda a: WLA.qr(a, mode="complete")[0])(tall)
    with pytest.raises(ValueError, match="mode='complete'"):
        w.jvp(lambda a: WLA.qr(a, mode="complete")[1], (tall,), (tall,))
    with pytest.raises(ValueError, match="raw"):
        _grad_sum(lambda a: WLA.qr(a, mode="raw")[0])(tall)
    with pytest.raises(ValueError, match="full_matrices"):
        _grad_sum(lambda a: WLA.svd(a)[0])(tall)
    with pytest.raises(ValueError, match="full_matrices"):
        w.jvp(lambda a: WLA.svd(a)[1], (tall,), (tall,))
    # reverse mode through S only is fine for the full SVD
    g = _grad_sum(lambda a: WLA.svd(a)[1])(tall)
    np.testing.assert_allclose(g, _grad_sum(WLA.svdvals)(tall))
    with pytest.raises(np.linalg.LinAlgError, match="2-dimensional"):
        _grad_sum(lambda a: WLA.lstsq(a, np.ones((2, 3)))[0])(rng.standard_normal((2, 3, 3)))


def test_argument_errors_match_numpy():
    x = np.ones((2, 3))
    for f, exc in [
        (lambda x: WLA.norm(x, "fro", axis=1), ValueError),
        (lambda x: WLA.norm(x, 3), ValueError),
        (lambda x: WLA.norm(x, axis=(0, 0)), ValueError),
        (lambda x: WLA.norm(x, 2, axis=(0, 1, 0)), ValueError),
        (lambda x: WLA.matrix_power(x @ x.T, 1.5), TypeError),
        (lambda x: WLA.inv(x), np.linalg.LinAlgError),
        (lambda x: WLA.eigh(x[0]), np.linalg.LinAlgError),
        (lambda x: WLA.eigh(x @ x.T, UPLO="X"), ValueError),
    ]:
        with pytest.raises(exc):
            f(x)  # NumPy's error on plain arrays ...
        with pytest.raises(exc):
            w.vjp(f, x)  # ... and the same kind on traced ones
    with pytest.raises(TypeError, match="out="):
        w.vjp(lambda x: WLA.multi_dot([x, x.T, x], out=np.empty((2, 3))), x)


def test_complex_matrices_raise_where_not_supported():
    rng = np.random.default_rng(15)
    z = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    for f in (WLA.cholesky, WLA.qr, WLA.eigh, WLA.eigvalsh, WLA.svd, WLA.svdvals, WLA.pinv, lambda a: WLA.norm(a, 2)):
        with pytest.raises(NoRuleError, match="complex"):
            w.vjp(f, z)
    with pytest.raises(NoRuleError, match="complex"):
        w.vjp(lambda b: WLA.lstsq(z, b), np.ones(3) + 0j)


# --------------------------------------------------------------------------- complex values


def _pair(u, v):
    """Re(sum(u * v)): the pairing for which the VJP is the transpose of the JVP (JAX's
    convention, docs/complex.md)."""
    return sum(
        float(np.real(np.sum(np.asarray(a, complex) * np.asarray(b, complex))))
        for a, b in zip(w.tree_leaves(u), w.tree_leaves(v))
    )


def _crand(r, x):
    x = np.asarray(x)
    y = r.standard_normal(x.shape)
    return y + 1j * r.standard_normal(x.shape) if np.iscomplexobj(x) else y


def _check_re(f, args, order=2, eps=1e-6, seed=7):
    """Reverse mode against central differences under the real pairing, to ``order``, and
    forward against reverse mode."""
    r = np.random.default_rng(seed)
    vs = [_crand(r, a) for a in args]
    out, fn = w.vjp(f, *args)
    ct = w.tree_map(lambda o: _crand(r, o), out)
    plus = f(*[a + eps * v for a, v in zip(args, vs)])
    minus = f(*[a - eps * v for a, v in zip(args, vs)])
    numeric = _pair(ct, w.tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps), plus, minus))
    analytic = _pair(fn(ct), vs)
    assert abs(numeric - analytic) <= 1e-6 + 1e-5 * abs(numeric), (order, numeric, analytic)
    _, jv = w.jvp(f, tuple(args), tuple(vs))
    assert abs(_pair(ct, jv) - analytic) <= 1e-8 * (1 + abs(analytic))
    if order > 1:

        def directional(*a):
            _, fn = w.vjp(f, *a)
            total = 0.0
            for g, v in zip(fn(ct), vs):
                total = total + wnp.sum(wnp.real(g * v))
            return total

        _check_re(directional, args, order - 1, eps, seed + 1)


def _cm(r, shape):
    return r.standard_normal(shape) + 1j * r.standard_normal(shape)


# a real matrix whose spectrum is one complex-conjugate pair and one real eigenvalue
_ROT = np.array([[0.2, -2.0, 0.3], [1.5, 0.1, 0.4], [0.3, 0.2, 1.0]])

COMPLEX_CASES = [
    ("eigvals_of_real_matrix", lambda la, a: la.eigvals(a), lambda r: (_ROT,)),
    ("eig_of_real_matrix", lambda la, a: tuple(la.eig(a)), lambda r: (_ROT + 0.1 * r.standard_normal((3, 3)),)),
    ("eig_complex_stacked", lambda la, a: tuple(la.eig(a)), lambda r: (_cm(r, (2, 3, 3)),)),
    ("solve", lambda la, a, b: la.solve(a, b), lambda r: (_cm(r, (3, 3)) + 4 * np.eye(3), _cm(r, (3, 2)))),
    ("solve_real_matrix", lambda la, a, b: la.solve(a, b), lambda r: (_wc(r, (3, 3)), _cm(r, (3,)))),
    ("inv", lambda la, a: la.inv(a), lambda r: (_cm(r, (2, 3, 3)),)),
    ("det", lambda la, a: la.det(a), lambda r: (_cm(r, (2, 3, 3)),)),
    ("slogdet", lambda la, a: tuple(la.slogdet(a)), lambda r: (_cm(r, (3, 3)),)),
    ("matrix_power", lambda la, a: la.matrix_power(a, -3), lambda r: (_cm(r, (3, 3)) + 3 * np.eye(3),)),
    ("multi_dot", lambda la, a, b, c: la.multi_dot([a, b, c]), lambda r: (_cm(r, (2,)), _cm(r, (2, 3)), _cm(r, (3, 2)))),
    ("norm", lambda la, x: la.norm(x), lambda r: (_cm(r, (2, 3)),)),
    ("norm_fro_axes", lambda la, x: la.norm(x, "fro", axis=(0, 2)), lambda r: (_cm(r, (2, 2, 3)),)),
    ("norm_1", lambda la, x: la.norm(x, 1), lambda r: (_cm(r, (2, 3)),)),
    ("norm_inf_vector", lambda la, x: la.norm(x, np.inf, axis=0), lambda r: (_cm(r, (3, 2)),)),
    ("norm_p", lambda la, x: la.norm(x, 2.5, axis=-1), lambda r: (_cm(r, (2, 3)),)),
]
CIDS = [c[0] for c in COMPLEX_CASES]


@pytest.mark.parametrize("case", COMPLEX_CASES, ids=CIDS)
def test_complex_values_match_numpy(case):
    args = _args(case)
    ref = case[1](np.linalg, *args)
    out, _ = w.vjp(_wf(case), *args)
    for o, r in zip(_leaves(out), _leaves(ref)):
        assert o.dtype == r.dtype
        np.testing.assert_allclose(o, r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", COMPLEX_CASES, ids=CIDS)
def test_complex_derivatives_match_finite_differences(case):
    _check_re(_wf(case), _args(case))


def test_eigvals_of_a_real_matrix_with_complex_spectrum_has_a_real_gradient():
    def f(a):
        lam = WLA.eigvals(a)
        return wnp.sum(wnp.real(lam) ** 2 + 3.0 * wnp.imag(lam))

    g = w.grad(f)(_ROT)
    assert g.dtype == np.float64
    h = 1e-6
    e = np.random.default_rng(16).standard_normal((3, 3))
    np.testing.assert_allclose(np.sum(g * e), (f(_ROT + h * e) - f(_ROT - h * e)) / (2 * h), rtol=1e-6)


def test_complex_eigenvectors_follow_numpys_gauge():
    # unit norm and a real largest component, also to first order
    a = _ROT
    t = np.random.default_rng(17).standard_normal((3, 3))
    (_, v), (_, dv) = w.jvp(lambda a: tuple(WLA.eig(a)), (a,), (t,))
    np.testing.assert_allclose(np.real(np.sum(np.conj(v) * dv, axis=0)), 0.0, atol=1e-12)
    k = np.argmax(np.abs(v), axis=0)
    np.testing.assert_allclose(np.imag(dv[k, np.arange(3)]), 0.0, atol=1e-12)


def test_jit_and_graph_mode():
    rng = np.random.default_rng(18)
    a, b = _wc(rng, (3, 3)), rng.standard_normal(3)

    def f(a):
        lam, v = WLA.eigh(_sym(a))
        return (
            wnp.sum(WLA.solve(a, b)) + WLA.slogdet(a)[1] + wnp.sum(lam * v[0]) + WLA.norm(a, "nuc")
            + wnp.sum(WLA.qr(a)[1]) + wnp.sum(WLA.lstsq(a, b)[0])
        )

    np.testing.assert_allclose(w.jit(f)(a), f(a), rtol=1e-12)
    np.testing.assert_allclose(w.grad(w.jit(f))(a), w.grad(f)(a), rtol=1e-10)
    assert "linalg_eigh" in str(w.trace(f)(a))


_VEC_ORDS = [None, 2, 1, np.inf, -np.inf, 3.0, 0.5]
_MAT_ORDS = [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 3), min_size=2, max_size=3).map(tuple),
    matrix=st.booleans(),
    ordi=st.integers(0, 8),
    keepdims=st.booleans(),
    data=st.data(),
)
def test_norm_over_orders_axes_and_shapes(shape, matrix, ordi, keepdims, data):
    nd = len(shape)
    if matrix:
        ax = tuple(data.draw(st.permutations(range(-nd, 0)))[:2])
        ord_ = _MAT_ORDS[ordi]
    else:
        ax = data.draw(st.integers(-nd, nd - 1))
        ord_ = _VEC_ORDS[ordi % len(_VEC_ORDS)]
    x = np.random.default_rng(ordi + 10 * nd).standard_normal(shape) + 0.1

    def f(x):
        return WLA.norm(x, ord_, axis=ax, keepdims=keepdims)

    out, fn = w.vjp(f, x)
    ref = np.linalg.norm(x, ord_, axis=ax, keepdims=keepdims)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    w.check_grads(f, (x,), order=1, seed=3)
    v = np.random.default_rng(1).standard_normal(shape)
    u = np.random.default_rng(2).standard_normal(ref.shape)
    np.testing.assert_allclose(np.sum(u * w.jvp(f, (x,), (v,))[1]), np.sum(fn(u)[0] * v), rtol=1e-9, atol=1e-12)


def test_complex64_stays_complex64():
    rng = np.random.default_rng(19)
    z = (_cm(rng, (3, 3)) + 3 * np.eye(3)).astype(np.complex64)
    for f in (WLA.inv, WLA.det, lambda a: WLA.eig(a)[0], lambda a: WLA.solve(a, a[0])):
        out, fn = w.vjp(f, z)
        g = fn(np.ones_like(out))[0]
        assert out.dtype == np.complex64 and g.dtype == np.complex64
