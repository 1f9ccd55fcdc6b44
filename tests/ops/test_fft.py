"""``wengert.numpy.fft`` (and plain ``np.fft`` on traced values): values and dtypes equal
NumPy's, derivatives equal jax's (same cotangents and tangents) and central differences
(JAX's complex convention, docs/complex.md), forward equals reverse, vmap, errors."""

import warnings

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp

try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:  # pragma: no cover - jax is optional
    jax = jnp = None

needs_jax = pytest.mark.skipif(jax is None, reason="jax is not installed")
TOL = {np.complex128: 1e-9, np.complex64: 5e-4, np.float64: 1e-9, np.float32: 5e-4}


def _rand(rng, shape, dtype):
    x = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _rand_like(rng, v):
    v = np.asarray(v)
    return _rand(rng, v.shape, v.dtype)


def _pair(u, v):
    """Re(sum(u * v)): the pairing for which the VJP is the transpose of the JVP."""
    return np.real(np.sum(np.asarray(u, np.complex128) * np.asarray(v, np.complex128)))


def check_re(f, args, order=2, eps=1e-6, rtol=1e-5, atol=1e-6, seed=0):
    """Reverse mode against central differences to ``order`` under the Re pairing."""
    rng = np.random.default_rng(seed)
    vs = [_rand_like(rng, a) for a in args]
    out, vjp_fn = w.vjp(f, *args)
    ct = _rand_like(rng, out)
    plus = f(*[a + eps * v for a, v in zip(args, vs)])
    minus = f(*[a - eps * v for a, v in zip(args, vs)])
    numeric = _pair(ct, (np.asarray(plus) - np.asarray(minus)) / (2 * eps))
    analytic = sum(_pair(g, v) for g, v in zip(vjp_fn(ct), vs))
    assert abs(numeric - analytic) <= atol + rtol * abs(numeric), (order, numeric, analytic)
    if order > 1:

        def directional(*a):
            _, fn = w.vjp(f, *a)
            total = 0.0
            for g, v in zip(fn(ct), vs):
                total = total + wnp.sum(wnp.real(g * v))
            return total

        check_re(directional, args, order - 1, eps, rtol, atol, seed + 1)


# name -> (function of (module, x), input shape, input kind "r"/"c"); ``m`` is wnp, jnp or np.
CASES = {
    "fft": (lambda m, x: m.fft.fft(x), (5,), "c"),
    "fft_n_crop_axis0": (lambda m, x: m.fft.fft(x, n=2, axis=0), (3, 4), "c"),
    "fft_n_pad_ortho": (lambda m, x: m.fft.fft(x, n=7, norm="ortho"), (2, 4), "c"),
    "fft_real_input_forward": (lambda m, x: m.fft.fft(x, norm="forward"), (6,), "r"),
    "ifft": (lambda m, x: m.fft.ifft(x), (4,), "c"),
    "ifft_n_axis0_ortho": (lambda m, x: m.fft.ifft(x, n=5, axis=0, norm="ortho"), (3, 2), "c"),
    "ifft_real_input": (lambda m, x: m.fft.ifft(x, norm="forward"), (5,), "r"),
    "rfft_even": (lambda m, x: m.fft.rfft(x), (6,), "r"),
    "rfft_odd": (lambda m, x: m.fft.rfft(x), (7,), "r"),
    "rfft_n_pad_axis0_ortho": (lambda m, x: m.fft.rfft(x, n=6, axis=0, norm="ortho"), (3, 2), "r"),
    "rfft_n_crop_forward": (lambda m, x: m.fft.rfft(x, n=5, norm="forward"), (2, 8), "r"),
    "irfft": (lambda m, x: m.fft.irfft(x), (4,), "c"),
    "irfft_n_odd": (lambda m, x: m.fft.irfft(x, n=7), (4,), "c"),
    "irfft_n_crop_axis0_ortho": (lambda m, x: m.fft.irfft(x, n=4, axis=0, norm="ortho"), (5, 2), "c"),
    "irfft_n_pad_forward": (lambda m, x: m.fft.irfft(x, n=10, norm="forward"), (2, 3), "c"),
    "hfft": (lambda m, x: m.fft.hfft(x), (4,), "c"),
    "hfft_n_odd_ortho": (lambda m, x: m.fft.hfft(x, n=5, norm="ortho"), (2, 3), "c"),
    "ihfft": (lambda m, x: m.fft.ihfft(x), (6,), "r"),
    "ihfft_n_forward": (lambda m, x: m.fft.ihfft(x, n=5, norm="forward"), (2, 4), "r"),
    "fft2": (lambda m, x: m.fft.fft2(x), (3, 4), "c"),
    "fft2_s_ortho": (lambda m, x: m.fft.fft2(x, s=(2, 5), norm="ortho"), (2, 3, 4), "c"),
    "ifft2": (lambda m, x: m.fft.ifft2(x, axes=(0, 2)), (2, 3, 3), "c"),
    "fftn_all": (lambda m, x: m.fft.fftn(x), (2, 3, 2), "c"),
    "fftn_axes_s": (lambda m, x: m.fft.fftn(x, s=(4, 3), axes=(2, 0), norm="forward"), (2, 3, 2), "c"),
    "ifftn_s_minus1": (lambda m, x: m.fft.ifftn(x, s=(-1, 3), axes=(0, 1)), (2, 4), "c"),
    "rfft2": (lambda m, x: m.fft.rfft2(x), (3, 4), "r"),
    "rfft2_s": (lambda m, x: m.fft.rfft2(x, s=(4, 5), norm="ortho"), (2, 3, 4), "r"),
    "rfftn_axes": (lambda m, x: m.fft.rfftn(x, axes=(0, 2)), (3, 2, 4), "r"),
    "irfft2": (lambda m, x: m.fft.irfft2(x), (3, 3), "c"),
    "irfft2_s_odd": (lambda m, x: m.fft.irfft2(x, s=(4, 5), norm="forward"), (3, 3), "c"),
    "irfftn_axes_s": (lambda m, x: m.fft.irfftn(x, s=(3, 6), axes=(2, 0)), (4, 2, 3), "c"),
    "fftshift": (lambda m, x: m.fft.fftshift(x), (3, 4), "c"),
    "fftshift_axis": (lambda m, x: m.fft.fftshift(x, axes=1), (3, 5), "r"),
    "ifftshift_axes": (lambda m, x: m.fft.ifftshift(x, axes=(0, 1)), (3, 5), "c"),
}

NOT_JAX = {"ifftn_s_minus1"}  # jax does not take NumPy 2's s=-1


def _dtype_for(kind, cdtype):
    return cdtype if kind == "c" else np.finfo(cdtype).dtype.type


def _input(name, cdtype, seed=0):
    _, shape, kind = CASES[name]
    return _rand(np.random.default_rng(seed), shape, _dtype_for(kind, cdtype))


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_dtypes_equal_numpy(name, dtype):
    f = CASES[name][0]
    x = _input(name, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning or other noise on the way
        expected = f(np, x)
        plain = f(wnp, x)
        traced, _ = w.jvp(lambda x: f(wnp, x), (x,), (np.ones_like(x),))
    for got in (plain, traced):
        assert got.dtype == expected.dtype
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_central_differences(name):
    f = CASES[name][0]
    x = _input(name, np.complex128, seed=1)
    # squared, so that the second-order check has something to check
    check_re(lambda x: f(wnp, x) ** 2, (x,), order=2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_check_grads_on_real_functions(dtype):
    x = np.random.default_rng(10).standard_normal((3, 4)).astype(dtype)
    c = np.array([1.0, 2.0 - 1.0j])[:, None]
    for f in [
        lambda x: wnp.fft.irfft(wnp.fft.rfft(x, axis=0) * c, n=3, axis=0) ** 2,
        lambda x: wnp.abs(wnp.fft.fft2(x, s=(2, 5), norm="ortho")) ** 2,
        lambda x: wnp.fft.hfft(wnp.fft.ihfft(x ** 2, n=5), n=4),
        lambda x: wnp.imag(wnp.fft.ifftn(wnp.fft.fft(wnp.fft.fftshift(x), axis=0) ** 2, axes=(1,))) * x,
    ]:
        w.check_grads(f, (x,), order=2)


def _jax_vjp_jvp(jf, x, ct, t):
    def run(x, ct, t):
        out, fn = jax.vjp(jf, x)
        return out, fn(ct)[0], jax.jvp(jf, (x,), (t,))[1]

    return jax.jit(run)(x, ct, t)


@needs_jax  # complex128 only: jax compiles per dtype, and complex64 is checked against NumPy and forward mode
@pytest.mark.parametrize("dtype", [np.complex128])
@pytest.mark.parametrize("name", sorted(set(CASES) - NOT_JAX))
def test_against_jax(name, dtype):
    f = CASES[name][0]
    x = _input(name, dtype, seed=2)
    rng = np.random.default_rng(3)
    out, vjp_fn = w.vjp(lambda x: f(wnp, x), x)
    ct, t = _rand_like(rng, out), _rand_like(rng, x)
    jout, jg, jjv = _jax_vjp_jvp(lambda x: f(jnp, x), x, ct, t)
    tol = TOL[dtype]
    np.testing.assert_allclose(out, np.asarray(jout), rtol=tol, atol=tol)
    (g,) = vjp_fn(ct)
    if not np.iscomplexobj(x):
        assert not np.iscomplexobj(g)  # real inputs get real gradients
    np.testing.assert_allclose(g, np.asarray(jg), rtol=tol, atol=tol)
    _, jv = w.jvp(lambda x: f(wnp, x), (x,), (t,))
    np.testing.assert_allclose(jv, np.asarray(jjv), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_equals_reverse_and_dtypes(name, dtype):
    f = CASES[name][0]
    x = _input(name, dtype, seed=4)
    rng = np.random.default_rng(5)

    def g(x):
        return f(wnp, x) * f(wnp, x)

    t = _rand_like(rng, x)
    out, jv = w.jvp(g, (x,), (t,))
    ct = _rand_like(rng, out)
    (gr,) = w.vjp(g, x)[1](ct)
    assert gr.dtype == x.dtype and np.asarray(jv).dtype == out.dtype
    lhs, rhs = _pair(ct, jv), _pair(gr, t)
    assert abs(lhs - rhs) <= TOL[dtype] * 10 * (1 + abs(lhs))


def test_real_signal_gradients_are_real_float32_and_float64():
    for dt in (np.float32, np.float64):
        x = np.linspace(-1, 1, 6).astype(dt)
        for f in (wnp.fft.rfft, wnp.fft.fft, wnp.fft.ihfft, lambda x: wnp.fft.fftn(x[:, None] * x)):
            g = w.grad(lambda x: wnp.sum(wnp.abs(f(x)) ** 2))(x)
            assert g.dtype == dt
        # Parseval: sum |rfft(x)|^2 weighs the middle terms once; d/dx sum |fft(x)|^2 = 2 n x.
        g = w.grad(lambda x: wnp.sum(wnp.abs(wnp.fft.fft(x)) ** 2))(x)
        np.testing.assert_allclose(g, 2 * 6 * x, rtol=1e-5)


def test_inverse_pairs_have_identity_derivatives():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 6))
    z = x + 1j * rng.standard_normal((3, 6))
    ct = rng.standard_normal((3, 6))
    for norm in (None, "ortho", "forward"):
        (g,) = w.vjp(lambda x: wnp.fft.irfft(wnp.fft.rfft(x, norm=norm), n=6, norm=norm), x)[1](ct)
        np.testing.assert_allclose(g, ct, atol=1e-12)
        (g,) = w.vjp(lambda z: wnp.fft.ifftn(wnp.fft.fftn(z, norm=norm), norm=norm), z)[1](ct + 1j * ct)
        np.testing.assert_allclose(g, ct + 1j * ct, atol=1e-12)


def test_plain_numpy_fft_calls_on_traced_values():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 5))

    def f(m):
        def g(x):
            y = m.fft.fftshift(m.fft.rfft2(x, s=(2, 6)), axes=0)
            z = m.fft.ifftn(m.fft.fftn(x * 1j + x, axes=(1,)), axes=(0, 1))
            return m.sum(m.abs(y) ** 2) + m.sum(m.real(z) * m.imag(m.fft.hfft(z[:, :3], n=4)[:, :1]))

        return g

    np.testing.assert_allclose(w.grad(f(np))(x), w.grad(f(wnp))(x), rtol=1e-12)
    if jax is not None:
        np.testing.assert_allclose(w.grad(f(np))(x), np.asarray(jax.jit(jax.grad(f(jnp)))(x)), rtol=1e-9)


def test_fftfreq_and_rfftfreq():
    for n in (1, 4, 7):
        for d in (1.0, 0.25):
            np.testing.assert_array_equal(wnp.fft.fftfreq(n, d), np.fft.fftfreq(n, d))
            np.testing.assert_array_equal(wnp.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d))
            out, t = w.jvp(lambda d: wnp.fft.fftfreq(n, d), (np.float64(d),), (np.float64(1.0),))
            np.testing.assert_allclose(out, np.fft.fftfreq(n, d), rtol=1e-15)
            np.testing.assert_allclose(t, -np.fft.fftfreq(n, d) / d, rtol=1e-12)
            g = w.grad(lambda d: wnp.sum(wnp.fft.rfftfreq(n, d) ** 2))(d)
            np.testing.assert_allclose(g, -2 * np.sum(np.fft.rfftfreq(n, d) ** 2) / d, rtol=1e-12)
    # plain np.fft.fftfreq already works with a traced spacing (plain arithmetic)
    g = w.grad(lambda d: wnp.sum(np.fft.fftfreq(4, d)))(0.5)
    np.testing.assert_allclose(g, -np.sum(np.fft.fftfreq(4, 0.5)) / 0.5)


def test_vmap_uses_batch_rules_and_matches_numpy():
    rng = np.random.default_rng(8)
    xs = rng.standard_normal((3, 4, 5))
    for f, nf in [
        (lambda x: wnp.fft.rfft(x, axis=0), lambda x: np.fft.rfft(x, axis=1)),
        (lambda x: wnp.fft.irfft(x * 1j + x, n=6), lambda x: np.fft.irfft(x * 1j + x, n=6)),
        (lambda x: wnp.fft.fft2(x, s=(3, 3)), lambda x: np.fft.fft2(x, s=(3, 3))),
    ]:
        np.testing.assert_allclose(w.vmap(f)(xs), nf(xs), atol=1e-12)
    # the VJP of each primitive under vmap (jacrev-style stacks of cotangents)
    x = rng.standard_normal(6)
    _, fn = w.vjp(lambda x: wnp.fft.irfft(wnp.fft.rfft(x) * (1 + 2j), n=6), x)
    cts = rng.standard_normal((4, 6))
    np.testing.assert_allclose(w.vmap(fn)(cts)[0], np.stack([fn(c)[0] for c in cts]), atol=1e-12)
    np.testing.assert_allclose(w.jacfwd(lambda x: wnp.fft.irfft(wnp.fft.rfft(x) * 2.0, n=6))(x), 2 * np.eye(6), atol=1e-12)
    np.testing.assert_allclose(w.jacrev(lambda x: wnp.fft.irfft(wnp.fft.rfft(x) * 2.0, n=6))(x), 2 * np.eye(6), atol=1e-12)


def test_errors_and_warnings_match_numpy():
    x = np.ones(4)
    z = np.ones(4, complex)
    with pytest.raises(TypeError, match="must be real"):
        w.grad(lambda z: wnp.sum(wnp.abs(wnp.fft.rfft(z))))(z)
    with pytest.raises(TypeError, match="must be real"):
        wnp.fft.ihfft(z)
    for bad in (lambda: wnp.fft.fft(x, norm="bogus"), lambda: wnp.fft.rfftn(x, norm="Ortho")):
        with pytest.raises(ValueError, match="Invalid norm value"):
            bad()
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        wnp.fft.fft(x, n=0)
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        wnp.fft.irfft(np.ones(1, complex))
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        wnp.fft.fftn(np.ones((2, 2)), s=(2,), axes=(0, 1))
    with pytest.raises(np.exceptions.AxisError):
        wnp.fft.fft(x, axis=1)
    with pytest.raises(TypeError, match="out="):
        w.grad(lambda x: wnp.sum(wnp.abs(np.fft.fft(x, out=np.empty(4, complex)))))(x)
    # NumPy 2 deprecates s without axes; same warning, same values
    a = np.arange(6.0).reshape(2, 3)
    with pytest.warns(DeprecationWarning):
        got = wnp.fft.fftn(a, s=(2, 2))
    with pytest.warns(DeprecationWarning):
        np.testing.assert_allclose(got, np.fft.fftn(a, s=(2, 2)))


def test_repeated_axes_follow_numpy():
    rng = np.random.default_rng(9)
    z = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    np.testing.assert_allclose(wnp.fft.fftn(z, axes=(0, 0)), np.fft.fftn(z, axes=(0, 0)), atol=1e-12)
    np.testing.assert_allclose(wnp.fft.fftn(z, s=(4, 2), axes=(0, 0)), np.fft.fftn(z, s=(4, 2), axes=(0, 0)), atol=1e-12)
    check_re(lambda z: wnp.fft.fftn(z, s=(4, 2), axes=(0, 0)) ** 2, (z,))
