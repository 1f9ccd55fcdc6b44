"""``vjp``: pytree outputs, one cotangent per primal, ``has_aux``, cotangent checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert.numpy as wnp
from tests.api._helpers import assert_plain
from wengert import (
    grad,
    vjp,
)

RNG = np.random.default_rng(0)


# =========================================================================== vjp


def test_vjp_pytree_output_and_repeated_calls():
    def f(x, y):
        return {"prod": x * y, "pair": (wnp.sin(x), wnp.sum(y**2))}

    x = np.array([0.1, 0.2, 0.3])
    y = np.array([1.0, -1.0, 2.0])
    out, vjp_fn = vjp(f, x, y)
    assert_plain(out)
    np.testing.assert_allclose(out["prod"], x * y)
    assert out["pair"][1] == pytest.approx(6.0)
    ct = {"prod": np.array([1.0, 2.0, 3.0]), "pair": (np.ones(3), 2.0)}
    gx, gy = vjp_fn(ct)
    np.testing.assert_allclose(gx, ct["prod"] * y + np.cos(x))
    np.testing.assert_allclose(gy, ct["prod"] * x + 2.0 * 2 * y)
    # A second call with another cotangent gives the matching answer.
    ct2 = {"prod": np.zeros(3), "pair": (np.zeros(3), 1.0)}
    gx2, gy2 = vjp_fn(ct2)
    np.testing.assert_allclose(gx2, np.zeros(3))
    np.testing.assert_allclose(gy2, 2 * y)
    # And the first again, unchanged.
    gx3, _ = vjp_fn(ct)
    np.testing.assert_allclose(gx3, gx)


def test_vjp_returns_one_cotangent_per_primal():
    out, vjp_fn = vjp(lambda a: a * 2.0, np.ones(2))
    cts = vjp_fn(np.ones(2))
    assert isinstance(cts, tuple) and len(cts) == 1
    np.testing.assert_allclose(cts[0], [2.0, 2.0])


def test_vjp_with_constant_output_leaf():
    out, vjp_fn = vjp(lambda x, y: (x * y, 3.0), np.array([1.0, 2.0]), 2.0)
    assert out[1] == 3.0
    gx, gy = vjp_fn((np.ones(2), 1.0))
    np.testing.assert_allclose(gx, [2.0, 2.0])
    assert float(gy) == pytest.approx(3.0)


def test_vjp_has_aux():
    out, vjp_fn, aux = vjp(lambda x: (x**2, {"s": wnp.sum(x)}), np.array([1.0, 2.0]), has_aux=True)
    np.testing.assert_allclose(out, [1.0, 4.0])
    assert_plain(aux)
    assert aux["s"] == pytest.approx(3.0)
    (g,) = vjp_fn(np.array([1.0, 1.0]))
    np.testing.assert_allclose(g, [2.0, 4.0])


def test_vjp_cotangent_checks():
    _, vjp_fn = vjp(lambda x: (x * 2, wnp.sum(x)), np.ones(3))
    with pytest.raises(TypeError, match="structure"):
        vjp_fn(np.ones(3))
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        vjp_fn((np.ones(2), 1.0))


def test_grad_through_vjp_fn():
    def first(x):
        _, vjp_fn = vjp(wnp.sin, x)
        return vjp_fn(1.0)[0]

    assert first(0.5) == pytest.approx(math.cos(0.5))
    assert grad(first)(0.5) == pytest.approx(-math.sin(0.5))
