"""Dtypes of gradients (float32 kept, mixed precision) and complex inputs (JAX's convention)."""

from __future__ import annotations

import numpy as np
import pytest

import wengert.numpy as wnp
from wengert import (
    elementwise_grad,
    grad,
    jacrev,
    value_and_grad,
    vjp,
)

RNG = np.random.default_rng(0)


# =========================================================================== dtypes


def test_float32_inputs_give_float32_gradients():
    x32 = np.array([0.5, 1.5], dtype=np.float32)
    for f in [
        lambda x: wnp.sum(wnp.sin(x) * 2.0 + x**2 / 3.0),
        lambda x: wnp.sum(wnp.exp(x) * 0.5 - 1.0 / x),
        lambda x: wnp.mean(wnp.tanh(x) ** 2),
        lambda x: wnp.max(x * x),
    ]:
        v, g = value_and_grad(f)(x32)
        assert np.asarray(v).dtype == np.float32
        assert g.dtype == np.float32
        g64 = grad(f)(x32.astype(np.float64))
        np.testing.assert_allclose(g, g64, rtol=1e-5)
    g = grad(lambda x: x * x)(np.float32(3.0))
    assert np.asarray(g).dtype == np.float32
    assert grad(grad(lambda x: wnp.sum(wnp.sin(x))))(np.float32(1.0)).dtype == np.float32
    assert jacrev(lambda x: x * 2.0)(x32).dtype == np.float32
    assert elementwise_grad(wnp.tanh)(x32).dtype == np.float32
    (g,) = vjp(wnp.sin, x32)[1](np.ones(2, np.float32))
    assert g.dtype == np.float32


def test_mixed_float32_and_float64():
    x32 = np.array([1.0, 2.0], dtype=np.float32)
    y64 = np.array([3.0, 4.0])
    gx, gy = grad(lambda a, b: wnp.sum(a * b), argnums=(0, 1))(x32, y64)
    assert gx.dtype == np.float32 and gy.dtype == np.float64
    np.testing.assert_allclose(gx, y64)
    np.testing.assert_allclose(gy, x32)
    # Casting up inside the function: the gradient comes back in the input's dtype.
    g = grad(lambda a: wnp.sum(a.astype(np.float64) ** 2))(x32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * x32)
    # Casting down.
    g = grad(lambda b: wnp.sum(b.astype(np.float32) ** 2))(y64)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * y64)


# --------------------------------------------------------------------------- complex (JAX's convention)


def test_complex_vjp_of_holomorphic_functions():
    # JAX: the VJP of a holomorphic f is ct -> ct * f'(z) (no conjugation).
    z = 1.0 + 2.0j
    for f, df in [(lambda z: z * z, lambda z: 2 * z), (wnp.exp, np.exp), (wnp.sin, np.cos)]:
        out, vjp_fn = vjp(f, z)
        (g,) = vjp_fn(np.complex128(1.0 - 0.5j))
        assert complex(g) == pytest.approx(complex((1.0 - 0.5j) * df(z)))


def test_complex_input_real_output_follows_jax():
    # JAX's autodiff cookbook: for f(z) = x^2 + y^2, grad(f)(3 + 4j) = 6 - 8j.
    z = 3.0 + 4.0j
    assert complex(grad(lambda z: wnp.real(z) ** 2 + wnp.imag(z) ** 2)(z)) == pytest.approx(6.0 - 8.0j)
    assert complex(grad(lambda z: wnp.abs(z) ** 2)(z)) == pytest.approx(6.0 - 8.0j)
    assert complex(grad(wnp.abs)(z)) == pytest.approx(0.6 - 0.8j)
