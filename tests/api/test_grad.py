"""``grad`` and ``value_and_grad`` (argnums, keywords, ``has_aux``, pytrees), higher order,
``elementwise_grad`` and ``stop_gradient``.  Per-op derivatives are swept in tests/ops/test_op_table.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp
from tests.api._helpers import Params, assert_plain, fd_grad
from wengert import (
    Tracer,
    elementwise_grad,
    grad,
    stop_gradient,
    value_and_grad,
)

RNG = np.random.default_rng(0)


# =========================================================================== grad


def test_grad_of_sin_matches_cos():
    for x in [-2.0, 0.0, 0.3, 1.7]:
        assert grad(wnp.sin)(x) == pytest.approx(math.cos(x), rel=1e-14)


def test_grad_with_plain_numpy_code():
    def f(x):
        return np.sum(np.tanh(x) ** 2 + np.exp(-x) * x)

    x = RNG.standard_normal(5)
    np.testing.assert_allclose(grad(f)(x), fd_grad(f, x), rtol=1e-7, atol=1e-9)


def f_xy(x, y, z):
    return x * y**2 + wnp.sin(x) * z


def test_argnums_int():
    x, y, z = 0.5, 2.0, 3.0
    assert grad(f_xy)(x, y, z) == pytest.approx(y**2 + math.cos(x) * z)
    assert grad(f_xy, argnums=1)(x, y, z) == pytest.approx(2 * x * y)
    assert grad(f_xy, argnums=2)(x, y, z) == pytest.approx(math.sin(x))
    assert grad(f_xy, argnums=np.int64(1))(x, y, z) == pytest.approx(2 * x * y)


def test_argnums_tuple_keeps_order():
    x, y, z = 0.5, 2.0, 3.0
    gx, gy = grad(f_xy, argnums=(0, 1))(x, y, z)
    assert gx == pytest.approx(y**2 + math.cos(x) * z)
    assert gy == pytest.approx(2 * x * y)
    gz, gx2 = grad(f_xy, argnums=(2, 0))(x, y, z)
    assert gz == pytest.approx(math.sin(x))
    assert gx2 == pytest.approx(gx)
    single = grad(f_xy, argnums=(1,))(x, y, z)
    assert isinstance(single, tuple) and len(single) == 1
    assert single[0] == pytest.approx(2 * x * y)


def test_argnums_negative():
    x, y, z = 0.5, 2.0, 3.0
    assert grad(f_xy, argnums=-1)(x, y, z) == pytest.approx(math.sin(x))
    assert grad(f_xy, argnums=-3)(x, y, z) == pytest.approx(y**2 + math.cos(x) * z)
    gy, gz = grad(f_xy, argnums=(-2, -1))(x, y, z)
    assert gy == pytest.approx(2 * x * y)
    assert gz == pytest.approx(math.sin(x))


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums"):
        grad(f_xy, argnums=3)(1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="argnums"):
        grad(f_xy, argnums=-4)(1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="argnums"):
        grad(f_xy, argnums=())(1.0, 2.0, 3.0)


def test_duplicate_argnums_is_not_silently_wrong():
    try:
        g = grad(lambda x, y: x * y, argnums=(0, 0))(2.0, 3.0)
    except ValueError:
        return
    assert float(g[0]) == float(g[1]) == pytest.approx(3.0)


def test_non_differentiated_arguments_may_be_anything():
    def f(x, n, name, table):
        assert isinstance(n, int) and name == "w" and table["k"] == [1, 2]
        return x**n

    assert grad(f)(2.0, 3, "w", {"k": [1, 2]}) == pytest.approx(12.0)


def test_kwargs_passed_through():
    def f(x, *, scale, shift=0.0):
        return scale * wnp.sum(x**2) + shift

    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(grad(f)(x, scale=3.0), 6 * x)
    np.testing.assert_allclose(grad(f)(x, scale=0.5, shift=10.0), x)
    v, g = value_and_grad(f)(x, scale=2.0, shift=1.0)
    assert v == pytest.approx(11.0)
    np.testing.assert_allclose(g, 4 * x)


def test_has_aux_returns_plain_aux():
    def f(x):
        y = wnp.sin(x)
        loss = wnp.sum(y**2)
        return loss, {"y": y, "mean": wnp.mean(x), "label": "run-1", "n": 3}

    x = np.array([0.1, 0.2, 0.3])
    g, aux = grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * np.sin(x) * np.cos(x))
    assert_plain(aux)
    assert isinstance(aux["y"], np.ndarray)
    np.testing.assert_allclose(aux["y"], np.sin(x))
    assert aux["mean"] == pytest.approx(0.2)
    assert aux["label"] == "run-1" and aux["n"] == 3


def test_has_aux_requires_a_pair():
    with pytest.raises(TypeError, match="pair"):
        grad(lambda x: x, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="pair"):
        grad(lambda x: (x, x, x), has_aux=True)(1.0)


def test_value_and_grad():
    def f(x):
        return wnp.sum(wnp.exp(x))

    x = np.array([0.0, 1.0])
    v, g = value_and_grad(f)(x)
    assert not isinstance(v, Tracer)
    assert v == pytest.approx(1 + math.e)
    np.testing.assert_allclose(g, np.exp(x))


def test_value_and_grad_has_aux_follows_jax():
    def f(x, y):
        return x * y, {"prod": x * y, "x": x}

    (v, aux), g = value_and_grad(f, argnums=(0, 1), has_aux=True)(2.0, 5.0)
    assert v == pytest.approx(10.0)
    assert_plain(aux)
    assert aux["prod"] == pytest.approx(10.0) and aux["x"] == pytest.approx(2.0)
    assert g[0] == pytest.approx(5.0) and g[1] == pytest.approx(2.0)
    assert_plain((v, g))


def test_pytree_inputs_give_same_structure():
    def loss(p, batch):
        w, b = p["layer"].w, p["layer"].b
        pred = wnp.tanh(batch[0] @ w + b) * p["scale"][0]
        return wnp.mean((pred - batch[1]) ** 2)

    p = {
        "layer": Params(w=RNG.standard_normal((3, 2)), b=RNG.standard_normal(2)),
        "scale": [np.array(1.5)],
    }
    batch = [RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))]
    g = grad(loss)(p, batch)
    assert wengert.tree_structure(g) == wengert.tree_structure(p)
    assert isinstance(g["layer"], Params) and isinstance(g["scale"], list)
    for gl, pl in zip(wengert.tree_leaves(g), wengert.tree_leaves(p)):
        assert np.shape(gl) == np.shape(pl)
    # Compare every leaf with finite differences.
    leaves, td = wengert.tree_flatten(p)
    for k, leaf in enumerate(leaves):

        def f_leaf(v, k=k):
            new = list(leaves)
            new[k] = v
            return loss(wengert.tree_unflatten(td, new), batch)

        np.testing.assert_allclose(wengert.tree_leaves(g)[k], fd_grad(f_leaf, leaf), rtol=1e-6, atol=1e-9)
    gp, gb = grad(loss, argnums=(0, 1))(p, batch)
    assert isinstance(gb, list) and len(gb) == 2
    np.testing.assert_allclose(gp["layer"].w, g["layer"].w)


def test_python_float_input():
    g = grad(lambda x: x**3)(2.0)
    assert not isinstance(g, Tracer)
    assert np.shape(g) == ()
    assert np.asarray(g).dtype == np.float64
    assert float(g) == pytest.approx(12.0)


def test_output_not_depending_on_input_gives_zero_gradient():
    x = np.array([1.0, 2.0, 3.0])
    for f in [
        lambda x: 3.0,
        lambda x: np.float64(2.0),
        lambda x: wnp.sum(stop_gradient(x) ** 2),
        lambda x: wnp.sum(wnp.floor(x)),
        lambda x: wnp.sum(wnp.sign(x)),
    ]:
        g = grad(f)(x)
        assert not isinstance(g, Tracer)
        assert np.shape(g) == (3,)
        np.testing.assert_array_equal(g, np.zeros(3))
    gx, gy = grad(lambda x, y: wnp.sum(x**2), argnums=(0, 1))(x, 5.0)
    np.testing.assert_allclose(gx, 2 * x)
    assert np.shape(gy) == () and float(gy) == 0.0


def test_identity_and_returning_an_input():
    assert grad(lambda x: x)(2.0) == 1.0
    gx, gy = grad(lambda x, y: y, argnums=(0, 1))(2.0, 3.0)
    assert float(gx) == 0.0 and float(gy) == 1.0


def test_gradient_accumulates_over_fan_out():
    def f(x):
        a = x * x
        return a + a * x + wnp.sin(a)

    x = 0.7
    expected = 2 * x + 3 * x**2 + math.cos(x * x) * 2 * x
    assert grad(f)(x) == pytest.approx(expected, rel=1e-13)


# --------------------------------------------------------------------------- higher order


def test_third_derivatives_closed_forms():
    d3 = lambda f: grad(grad(grad(f)))  # noqa: E731
    for x in [-1.1, 0.3, 2.0]:
        assert d3(wnp.sin)(x) == pytest.approx(-math.cos(x), rel=1e-12)
        assert d3(lambda x: x**4)(x) == pytest.approx(24 * x, rel=1e-12)
        t = math.tanh(x)
        s = 1 - t * t
        s1 = -2 * t * s
        s2 = -2 * s * s + 4 * t * t * s
        expected = math.exp(t) * (s * (s * s + s1) + 2 * s * s1 + s2)
        assert d3(lambda x: wnp.exp(wnp.tanh(x)))(x) == pytest.approx(expected, rel=1e-11)


def test_fourth_derivative_of_exp():
    f = wnp.exp
    for _ in range(4):
        f = grad(f)
    assert f(0.5) == pytest.approx(math.exp(0.5), rel=1e-13)


def test_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1 (a wrong answer would be 2).
    def f(x):
        return x * grad(lambda y: x + y)(1.0)

    assert grad(f)(3.0) == pytest.approx(1.0)

    # d/dx [x * d/dy (x * y)|_{y=2}] = d/dx x^2 = 2x
    assert grad(lambda x: x * grad(lambda y: x * y)(2.0))(3.0) == pytest.approx(6.0)

    # The inner derivative is taken at a point that is the outer variable:
    # d/dx [d/dy (x * y^2)|_{y=x}] = d/dx 2x^2 = 4x
    assert grad(lambda x: grad(lambda y: x * y**2)(x))(3.0) == pytest.approx(12.0)


def test_nested_grad_with_aux_and_closure():
    def inner(y, x):
        return x * y**2, y * x

    def outer(x):
        g, aux = grad(inner, has_aux=True)(2.0, x)  # g = 4x, aux = 2x
        return g * aux  # 8 x^2

    assert grad(outer)(1.5) == pytest.approx(24.0)


# =========================================================================== elementwise_grad


def test_elementwise_grad():
    x = np.linspace(-2, 2, 7)
    np.testing.assert_allclose(elementwise_grad(wnp.tanh)(x), 1 - np.tanh(x) ** 2)
    np.testing.assert_allclose(elementwise_grad(lambda x: x**3)(x), 3 * x**2)
    # Second derivative elementwise.
    np.testing.assert_allclose(elementwise_grad(elementwise_grad(wnp.sin))(x), -np.sin(x))


def test_elementwise_grad_argnums():
    x = np.array([1.0, 2.0])
    y = np.array([3.0, 4.0])
    np.testing.assert_allclose(elementwise_grad(lambda x, y: x * y, argnums=1)(x, y), x)
    gx, gy = elementwise_grad(lambda x, y: x**2 * y, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 2 * x * y)
    np.testing.assert_allclose(gy, x**2)


# =========================================================================== stop_gradient


def test_stop_gradient_first_order():
    assert grad(lambda x: x * stop_gradient(x))(3.0) == pytest.approx(3.0)
    assert grad(lambda x: stop_gradient(x) ** 2 + x)(3.0) == pytest.approx(1.0)
    # On plain values it is the identity.
    np.testing.assert_array_equal(stop_gradient(np.arange(3.0)), np.arange(3.0))
    tree = stop_gradient({"a": 1.0, "b": (2.0,)})
    assert tree == {"a": 1.0, "b": (2.0,)}


def test_stop_gradient_on_pytree_inside_grad():
    def f(p):
        q = stop_gradient(p)
        return p["a"] * q["a"] + q["b"] * p["b"] ** 2

    g = grad(f)({"a": 2.0, "b": 3.0})
    assert g["a"] == pytest.approx(2.0)
    assert g["b"] == pytest.approx(2 * 3.0 * 3.0)


def test_stop_gradient_second_order():
    # stop_gradient stops every level: x^2 * c with c = 9 -> second derivative 2c.
    assert grad(grad(lambda x: x**2 * stop_gradient(x**2)))(3.0) == pytest.approx(18.0)

    # Inside the inner grad only: x * d/dy [sg(x) y^2]_{y=x} = 2 sg(x) x^2, d/dx = 4 sg(x) x.
    def f(x):
        return x * grad(lambda y: stop_gradient(x) * y**2)(x)

    assert grad(f)(3.0) == pytest.approx(36.0)
    # Without stop_gradient: x * 2 x x = 2x^3 -> 6 x^2 = 54.
    assert grad(lambda x: x * grad(lambda y: x * y**2)(x))(3.0) == pytest.approx(54.0)
