"""The transformations (grad, value_and_grad, vjp, jacrev, elementwise_grad, stop_gradient,
custom_vjp, gradient_override, user primitives), Python control flow, the errors users
meet, the tracer protocol and dtypes.  Per-op derivatives are swept in test_ops.py."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp
from wengert import (
    CustomRuleError,
    NoRuleError,
    Tracer,
    TracerConversionError,
    WengertError,
    custom_vjp,
    elementwise_grad,
    grad,
    gradient_override,
    jacrev,
    stop_gradient,
    value_and_grad,
    vjp,
)

Params = collections.namedtuple("Params", "w b")

RNG = np.random.default_rng(0)


# --------------------------------------------------------------------------- helpers


def fd_grad(f, x, eps=1e-6):
    """Central differences of a scalar function of an array."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def fd_jac(f, x, eps=1e-6):
    """Central-difference Jacobian, shape out.shape + x.shape."""
    x = np.asarray(x, dtype=float)
    out_shape = np.shape(f(x))
    J = np.zeros(out_shape + x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        J[(Ellipsis,) + i] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps)
    return J


def assert_plain(tree):
    """No tracer anywhere in ``tree``."""
    for leaf in wengert.tree_leaves(tree):
        assert not isinstance(leaf, Tracer), leaf


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


# =========================================================================== jacrev


def test_jacrev_vector_function_closed_form():
    def f(x):
        return wnp.stack([x[0] * x[1], wnp.sin(x[2]) + x[0] ** 2])

    x = np.array([1.0, 2.0, 0.5])
    J = jacrev(f)(x)
    expected = np.array([[x[1], x[0], 0.0], [2 * x[0], 0.0, math.cos(x[2])]])
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, expected)


def test_jacrev_shape_is_out_plus_in():
    A = RNG.standard_normal((4, 2))

    def f(m):  # (2, 3) -> (4, 3)
        return wnp.tanh(A @ m)

    X = RNG.standard_normal((2, 3))
    J = jacrev(f)(X)
    assert J.shape == (4, 3, 2, 3)
    np.testing.assert_allclose(J, fd_jac(f, X), rtol=1e-6, atol=1e-9)


def test_jacrev_scalar_in_and_out():
    assert np.shape(jacrev(lambda x: x**3)(2.0)) == ()
    assert jacrev(lambda x: x**3)(2.0) == pytest.approx(12.0)
    x = np.array([1.0, 2.0, 3.0])
    J = jacrev(lambda x: wnp.sum(x**2))(x)
    assert J.shape == (3,)
    np.testing.assert_allclose(J, 2 * x)
    J = jacrev(lambda s: s * x)(2.0)
    assert J.shape == (3,)
    np.testing.assert_allclose(J, x)


def test_jacrev_argnums_tuple():
    def f(x, y):
        return x * wnp.sum(y**2)

    x = np.array([1.0, 2.0])
    y = np.array([3.0, 4.0, 5.0])
    Jx, Jy = jacrev(f, argnums=(0, 1))(x, y)
    assert Jx.shape == (2, 2) and Jy.shape == (2, 3)
    np.testing.assert_allclose(Jx, np.eye(2) * np.sum(y**2))
    np.testing.assert_allclose(Jy, np.outer(x, 2 * y))
    Jy_only = jacrev(f, argnums=1)(x, y)
    np.testing.assert_allclose(Jy_only, Jy)


def test_jacrev_pytree_in_and_out():
    def f(p):
        return {"lin": p.w @ p.b, "sq": (p.b**2,)}

    p = Params(w=RNG.standard_normal((2, 3)), b=RNG.standard_normal(3))
    J = jacrev(f)(p)
    # Output structure outside, input structure inside.
    assert set(J) == {"lin", "sq"}
    assert isinstance(J["lin"], Params) and isinstance(J["sq"], tuple)
    assert J["lin"].w.shape == (2, 2, 3) and J["lin"].b.shape == (2, 3)
    assert J["sq"][0].w.shape == (3, 2, 3) and J["sq"][0].b.shape == (3, 3)
    np.testing.assert_allclose(J["lin"].b, p.w)
    expected_w = np.zeros((2, 2, 3))
    for i in range(2):
        expected_w[i, i, :] = p.b
    np.testing.assert_allclose(J["lin"].w, expected_w)
    np.testing.assert_allclose(J["sq"][0].b, np.diag(2 * p.b))
    np.testing.assert_array_equal(J["sq"][0].w, np.zeros((3, 2, 3)))


def test_jacrev_has_aux():
    J, aux = jacrev(lambda x: (wnp.exp(x), {"norm": wnp.sum(x**2)}), has_aux=True)(np.array([0.0, 1.0]))
    np.testing.assert_allclose(J, np.diag(np.exp([0.0, 1.0])))
    assert_plain(aux)
    assert aux["norm"] == pytest.approx(1.0)


def test_jacrev_of_grad_is_the_hessian():
    def f(x):
        return wnp.sum(x**3) + x[0] * x[1]

    x = np.array([1.0, 2.0])
    H = jacrev(grad(f))(x)
    np.testing.assert_allclose(H, [[6.0, 1.0], [1.0, 12.0]])


def test_jacrev_through_custom_rules_overrides_and_user_primitives():
    x = np.array([0.1, 0.5, 2.0])
    np.testing.assert_allclose(jacrev(lambda x: clip_gradient(x) * 5.0)(x), np.eye(3))
    np.testing.assert_allclose(jacrev(log1pexp)(x), np.diag(1 / (1 + np.exp(-x))))
    np.testing.assert_allclose(jacrev(cube)(x), np.diag(3 * x**2))
    np.testing.assert_allclose(jacrev(scalar_sin)(x), np.diag(np.cos(x)))
    np.testing.assert_allclose(jacrev(grad(lambda x: wnp.sum(scalar_sin(x))))(x), np.diag(-np.sin(x)))
    np.testing.assert_allclose(jacrev(lambda x: scale_p(x, 3.0))(x), 3 * np.eye(3))
    with gradient_override({"tanh": lambda ct, ans, x: wnp.clip(ct, -0.1, 0.1)}):
        J = jacrev(lambda x: wnp.tanh(x) * np.array([1.0, 0.05, -3.0]))(x)
    np.testing.assert_allclose(J, np.diag([0.1, 0.05, -0.1]))
    with gradient_override(STE):
        np.testing.assert_allclose(jacrev(lambda x: wnp.sign(x) * 2.0)(x), 2 * np.eye(3))


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


# =========================================================================== control flow


def test_if_else_on_values():
    def f(x):
        if x > 1.0:
            return x * 2.0
        else:
            return x**3

    assert grad(f)(2.0) == pytest.approx(2.0)
    assert grad(f)(0.5) == pytest.approx(0.75)

    def g(x):
        # Branch on an array reduction.
        if wnp.sum(x) > 0:
            return wnp.sum(wnp.sin(x))
        return wnp.sum(x**2)

    x = np.array([1.0, 0.5])
    np.testing.assert_allclose(grad(g)(x), np.cos(x))
    np.testing.assert_allclose(grad(g)(-x), -2 * x)


def test_while_loop_with_data_dependent_trip_count():
    def f(x):
        while x < 10.0:
            x = x * 2.0
        return x

    # 1.5 -> 3 -> 6 -> 12: three doublings.
    assert grad(f)(1.5) == pytest.approx(8.0)
    # 0.1 -> ... -> 12.8: seven doublings.
    assert grad(f)(0.1) == pytest.approx(128.0)
    assert grad(f)(20.0) == pytest.approx(1.0)


def test_newton_iteration_converges_to_the_derivative():
    def sqrt_newton(a):
        y = a
        while abs(y * y - a) > 1e-14 * a:
            y = 0.5 * (y + a / y)
        return y

    a = 7.0
    assert sqrt_newton(a) == pytest.approx(math.sqrt(a))
    assert grad(sqrt_newton)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-8)


def test_for_loops():
    def horner(c, x):
        acc = 0.0
        for ck in c:  # iterates over the first axis of a traced array
            acc = acc * x + ck
        return acc

    c = np.array([2.0, -1.0, 3.0, 0.5])  # 2x^3 - x^2 + 3x + 0.5
    x = 1.3
    assert grad(horner, argnums=1)(c, x) == pytest.approx(6 * x**2 - 2 * x + 3)
    np.testing.assert_allclose(grad(horner)(c, x), [x**3, x**2, x, 1.0])

    def rnn(w, xs):
        h = 0.0
        for t in range(len(xs)):
            h = wnp.tanh(w * h + xs[t])
        return h

    xs = np.array([0.5, -0.3, 0.8])
    w = 0.7
    assert grad(rnn)(w, xs) == pytest.approx(fd_grad(lambda v: rnn(v, xs), np.array(w)), rel=1e-7)


def test_recursion():
    def power(x, n):
        if n == 0:
            return 1.0
        half = power(x, n // 2)
        return half * half * (x if n % 2 else 1.0)

    for n in [1, 2, 5, 10]:
        assert grad(power)(1.1, n) == pytest.approx(n * 1.1 ** (n - 1), rel=1e-13)

    def fact_like(x, n):
        return x if n == 1 else x * fact_like(x - 1.0, n - 1)

    # x (x-1) (x-2): derivative 3x^2 - 6x + 2
    assert grad(fact_like)(4.0, 3) == pytest.approx(3 * 16 - 24 + 2)


def test_early_return():
    def f(x):
        for k in range(10):
            x = wnp.sin(x) + x
            if x > 3.0:
                return x * k
        return x

    x0 = 1.0
    assert grad(f)(x0) == pytest.approx(fd_grad(f, np.array(x0)), rel=1e-6)


def test_gradient_follows_taken_branch_of_piecewise_function():
    def relu_like(x):
        return wnp.sum(wnp.where(x > 0, x**2, -x))

    x = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(grad(relu_like)(x), [-1.0, -1.0, 1.0, 6.0])

    def piecewise(x):
        out = 0.0
        for xi in x:
            out = out + (xi**2 if xi > 0 else -xi)
        return out

    np.testing.assert_allclose(grad(piecewise)(x), [-1.0, -1.0, 1.0, 6.0])


# =========================================================================== custom_vjp


@custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda res, ct: (wnp.clip(ct, -1.0, 1.0),))


def test_custom_vjp_clipped_gradient():
    assert clip_gradient(2.5) == 2.5
    assert grad(lambda x: clip_gradient(x) * 5.0)(2.0) == pytest.approx(1.0)
    assert grad(lambda x: clip_gradient(x) * 0.5)(2.0) == pytest.approx(0.5)
    assert grad(lambda x: clip_gradient(x) * -3.0)(2.0) == pytest.approx(-1.0)
    g = grad(lambda x: wnp.sum(clip_gradient(x) * np.array([-4.0, 0.2, 9.0])))(np.ones(3))
    np.testing.assert_allclose(g, [-1.0, 0.2, 1.0])


@custom_vjp
def log1pexp(x):
    return wnp.log1p(wnp.exp(x))


def _log1pexp_fwd(x):
    return log1pexp(x), x


def _log1pexp_bwd(x, ct):
    return (ct * (1.0 - 1.0 / (1.0 + wnp.exp(x))),)


log1pexp.defvjp(_log1pexp_fwd, _log1pexp_bwd)


def test_custom_vjp_numerically_stable_log1pexp():
    with np.errstate(over="ignore", invalid="ignore"):
        naive = grad(lambda x: wnp.log1p(wnp.exp(x)))(1000.0)
        assert math.isnan(naive)  # the automatic derivative is inf / inf
        assert grad(log1pexp)(1000.0) == pytest.approx(1.0)
    for x in [-3.0, 0.0, 2.5]:
        assert grad(log1pexp)(x) == pytest.approx(1 / (1 + math.exp(-x)))
    # Second order differentiates through bwd: sigmoid'(x) = s (1 - s).
    s = 1 / (1 + math.exp(-0.3))
    assert grad(grad(log1pexp))(0.3) == pytest.approx(s * (1 - s))


@custom_vjp
def affine(p, x):
    return p["a"] * x + p["b"]


def _affine_fwd(p, x):
    return affine(p, x), (p, x)


def _affine_bwd(res, ct):
    p, x = res
    # None: no gradient for x, by choice.
    return {"a": wnp.sum(ct * x), "b": wnp.sum(ct)}, None


affine.defvjp(_affine_fwd, _affine_bwd)


def test_custom_vjp_pytree_arguments_and_none_cotangent():
    p = {"a": 2.0, "b": 3.0}
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(affine(p, x), 2 * x + 3)
    gp, gx = grad(lambda p, x: wnp.sum(affine(p, x)), argnums=(0, 1))(p, x)
    assert set(gp) == {"a", "b"}
    assert gp["a"] == pytest.approx(7.0)
    assert gp["b"] == pytest.approx(3.0)
    assert np.shape(gx) == (3,)
    np.testing.assert_array_equal(gx, np.zeros(3))


def test_custom_vjp_inside_a_larger_function():
    def model(x):
        h = wnp.sin(x) * 3.0
        return wnp.sum(log1pexp(h) ** 2) + wnp.sum(clip_gradient(h))

    x = np.array([0.2, -0.4, 1.1])
    g = grad(model)(x)
    h = np.sin(x) * 3.0
    sp = np.log1p(np.exp(h))
    sig = 1 / (1 + np.exp(-h))
    dh = 2 * sp * sig + np.clip(1.0, -1, 1)
    np.testing.assert_allclose(g, dh * 3.0 * np.cos(x))


@custom_vjp
def cube(x):
    return x**3


cube.defvjp(lambda x: (x**3, x), lambda x, ct: (3.0 * x**2 * ct,))


def test_custom_vjp_grad_of_grad():
    assert grad(cube)(2.0) == pytest.approx(12.0)
    assert grad(grad(cube))(2.0) == pytest.approx(12.0)
    assert grad(grad(grad(cube)))(2.0) == pytest.approx(6.0)
    x = 0.7
    expected = 6 * x * math.cos(x**3) - 9 * x**4 * math.sin(x**3)
    assert grad(grad(lambda x: wnp.sin(cube(x))))(x) == pytest.approx(expected)


def test_custom_vjp_with_non_array_argument():
    @custom_vjp
    def powk(x, n):
        return x**n

    powk.defvjp(lambda x, n: (x**n, (x, n)), lambda r, ct: (ct * r[1] * r[0] ** (r[1] - 1), None))
    assert grad(powk)(2.0, 3) == pytest.approx(12.0)


def test_custom_vjp_multiple_outputs():
    @custom_vjp
    def two(x):
        return {"p": x**2, "q": x}

    def bwd(x, ct):
        return (ct["p"] * 100.0 + ct["q"],)  # deliberately not 2x: proves bwd is used

    two.defvjp(lambda x: (two(x), x), bwd)
    assert grad(lambda x: two(x)["p"] + 2.0 * two(x)["q"])(2.0) == pytest.approx(102.0)
    # An unused output gets a zero cotangent.
    assert grad(lambda x: two(x)["q"])(2.0) == pytest.approx(1.0)


def _bad(fwd, bwd):
    @custom_vjp
    def f(x):
        return x * 2.0

    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_error_wrong_number_of_cotangents():
    f = _bad(lambda x: (x * 2.0, None), lambda r, ct: (ct, ct))
    with pytest.raises(CustomRuleError, match="one cotangent per argument"):
        grad(lambda x: wnp.sum(f(x)))(np.ones(2))
    f = _bad(lambda x: (x * 2.0, None), lambda r, ct: ct)
    with pytest.raises(CustomRuleError, match="tuple"):
        grad(lambda x: wnp.sum(f(x)))(np.ones(2))


def test_custom_vjp_error_wrong_structure():
    f = _bad(lambda x: (x * 2.0, None), lambda r, ct: ([ct],))
    with pytest.raises(CustomRuleError, match="structure"):
        grad(lambda x: wnp.sum(f(x)))(np.ones(2))


def test_custom_vjp_error_wrong_shape():
    f = _bad(lambda x: (x * 2.0, None), lambda r, ct: (np.ones(3),))
    with pytest.raises(CustomRuleError) as info:
        grad(lambda x: wnp.sum(f(x)))(np.ones(2))
    assert "(3,)" in str(info.value) and "(2,)" in str(info.value)
    assert str(info.value).index("(3,)") < str(info.value).index("expected")


def test_custom_vjp_error_fwd_not_a_pair():
    f = _bad(lambda x: x * 2.0, lambda r, ct: (ct,))
    with pytest.raises(CustomRuleError, match="pair"):
        grad(lambda x: wnp.sum(f(x)))(np.ones(2))


def test_custom_vjp_without_defvjp():
    @custom_vjp
    def f(x):
        return x * 2.0

    assert f(3.0) == 6.0  # fine without differentiation
    with pytest.raises(WengertError, match="defvjp"):
        grad(f)(3.0)


def test_custom_vjp_rejects_keyword_arguments():
    with pytest.raises(TypeError, match="positionally"):
        grad(lambda x: cube(x=x))(1.0)


# =========================================================================== gradient_override

STE = {"sign": lambda ct, ans, x: ct}


def test_straight_through_estimator_for_sign():
    def f(x):
        return wnp.sum(wnp.sign(x) * np.array([1.0, 2.0, 3.0]))

    x = np.array([-1.5, 0.3, 2.0])
    np.testing.assert_array_equal(grad(f)(x), np.zeros(3))
    with gradient_override(STE):
        np.testing.assert_array_equal(grad(f)(x), [1.0, 2.0, 3.0])
        # The forward value is unchanged.
        assert f(x) == pytest.approx(-1 + 2 + 3)
    np.testing.assert_array_equal(grad(f)(x), np.zeros(3))


def test_override_clips_tanh_only_inside_scope():
    clip = {"tanh": lambda ct, ans, x: wnp.clip(ct * (1.0 - ans**2), -0.1, 0.1)}

    def h(x):
        a = wnp.tanh(x) * 3.0  # outside the scope: exact
        with gradient_override(clip):
            b = wnp.tanh(x) * 3.0  # inside: clipped to 0.1
        return a + b

    x = 0.2
    exact = 3 * (1 - math.tanh(x) ** 2)
    assert grad(h)(x) == pytest.approx(exact + 0.1)
    assert grad(lambda x: wnp.tanh(x) * 3.0)(x) == pytest.approx(exact)


def test_override_multiply_only_inside_scope():
    halve = {"multiply": lambda ct, ans, x, y: (0.5 * ct * y, 0.5 * ct * x)}

    def f(x):
        with gradient_override(halve):
            a = x * x
        return a + x * x

    assert grad(f)(3.0) == pytest.approx(0.5 * 6.0 + 6.0)


def test_override_fixed_at_record_time():
    with gradient_override({"multiply": lambda ct, ans, x, y: (ct * 0.0 + 7.0, None)}):
        out, vjp_fn = vjp(lambda x: x * 3.0, 2.0)
    assert out == pytest.approx(6.0)
    # The scope has ended, yet the recorded op keeps its override.
    assert float(vjp_fn(1.0)[0]) == pytest.approx(7.0)
    with gradient_override({"multiply": lambda ct, ans, x, y: (ct * 0.0 - 1.0, None)}):
        # A different override in scope when the backward pass runs changes nothing.
        assert float(vjp_fn(1.0)[0]) == pytest.approx(7.0)
    _, plain_fn = vjp(lambda x: x * 3.0, 2.0)
    assert float(plain_fn(1.0)[0]) == pytest.approx(3.0)


def test_override_unknown_name_suggests_close_names():
    with pytest.raises(KeyError) as info:
        with gradient_override({"tahn": lambda ct, ans, x: ct}):
            pass  # pragma: no cover
    msg = str(info.value)
    assert "tahn" in msg and "'tanh'" in msg
    with pytest.raises(KeyError, match="multiply"):
        with gradient_override({"mutliply": lambda ct, ans, x, y: (ct, ct)}):
            pass  # pragma: no cover


def test_override_checks_its_arguments():
    with pytest.raises(TypeError):
        with gradient_override([("sin", lambda ct, ans, x: ct)]):  # type: ignore[arg-type]
            pass  # pragma: no cover
    with pytest.raises(TypeError, match="callable"):
        with gradient_override({"sin": 3.0}):  # type: ignore[dict-item]
            pass  # pragma: no cover


def test_override_returning_wrong_number_of_cotangents():
    with gradient_override({"multiply": lambda ct, ans, x, y: ct}):
        with pytest.raises(CustomRuleError, match="multiply"):
            grad(lambda x: x * x)(2.0)


def test_nested_override_scopes():
    tanh10 = {"tanh": lambda ct, ans, x: ct * 10.0}
    f = lambda x: wnp.tanh(x) + wnp.sin(x)  # noqa: E731
    x = 0.3
    exact = (1 - math.tanh(x) ** 2) + math.cos(x)
    with gradient_override(tanh10):
        with gradient_override({"sin": lambda ct, ans, x: ct * 100.0}):
            assert grad(f)(x) == pytest.approx(110.0)  # both in force
        with gradient_override({"tanh": lambda ct, ans, x: ct * 20.0}):
            assert grad(f)(x) == pytest.approx(20.0 + math.cos(x))  # inner wins
        assert grad(f)(x) == pytest.approx(10.0 + math.cos(x))  # outer restored
    assert grad(f)(x) == pytest.approx(exact)


def test_override_scope_restored_after_exception():
    with pytest.raises(RuntimeError):
        with gradient_override(STE):
            raise RuntimeError("boom")
    assert grad(lambda x: wnp.sign(x) * 2.0)(1.0) == 0.0


def test_override_is_differentiable_at_second_order():
    # The override's rule is written in wengert ops, so an outer grad differentiates it:
    # d/dx [rule(ct=1, x)] with rule = ct * cos(x)^2 -> -2 cos sin.
    over = {"sin": lambda ct, ans, x: ct * wnp.cos(x) ** 2}
    with gradient_override(over):
        d2 = grad(grad(wnp.sin))(0.4)
    assert d2 == pytest.approx(-2 * math.cos(0.4) * math.sin(0.4))


# =========================================================================== user primitives


@wengert.primitive
def scalar_sin(x):
    """Not traceable: goes through Python floats and the math module."""
    if np.ndim(x):
        return np.array([math.sin(float(v)) for v in np.ravel(x)]).reshape(np.shape(x))
    return math.sin(float(x))


@wengert.primitive(name="test_api.scalar_cos")
def scalar_cos(x):
    if np.ndim(x):
        return np.array([math.cos(float(v)) for v in np.ravel(x)]).reshape(np.shape(x))
    return math.cos(float(x))


scalar_sin.defvjp(lambda ct, ans, x: ct * scalar_cos(x))
scalar_cos.defvjp(lambda ct, ans, x: -ct * scalar_sin(x))
# Registered primitives get JVP rules too (test_forward sweeps the registry for both).
scalar_sin.defjvp(lambda ts, ans, x: ts[0] * scalar_cos(x))
scalar_cos.defjvp(lambda ts, ans, x: -ts[0] * scalar_sin(x))


def test_user_primitive_decorator_first_and_higher_order():
    assert isinstance(scalar_sin, wengert.Primitive)
    assert scalar_cos.name == "test_api.scalar_cos"
    assert scalar_sin(0.5) == math.sin(0.5)  # plain call runs impl
    assert grad(scalar_sin)(0.5) == pytest.approx(math.cos(0.5), rel=1e-15)
    assert grad(grad(scalar_sin))(0.5) == pytest.approx(-math.sin(0.5), rel=1e-15)
    assert grad(grad(grad(scalar_sin)))(0.5) == pytest.approx(-math.cos(0.5), rel=1e-15)
    x = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(elementwise_grad(scalar_sin)(x), np.cos(x))
    # Inside a larger computation.
    g = grad(lambda x: wnp.sum(scalar_sin(x * 2.0) ** 2))(x)
    np.testing.assert_allclose(g, 2 * np.sin(2 * x) * np.cos(2 * x) * 2)


def _softplus_impl(x):
    return np.log1p(np.exp(x))


softplus_p = wengert.Primitive("test_api.softplus", _softplus_impl)
softplus_p.defvjp(lambda ct, ans, x: ct / (1.0 + wnp.exp(-x)))
softplus_p.defjvp(lambda ts, ans, x: ts[0] / (1.0 + wnp.exp(-x)))

scale_p = wengert.Primitive("test_api.scale", lambda x, k: x * k)
scale_p.defvjp(lambda ct, ans, x, k: ct * k, None)
scale_p.defjvp(lambda ts, ans, x, k: wnp.zeros_like(ans) if ts[0] is None else ts[0] * k)


def test_primitive_class_with_defvjp():
    x = 0.3
    s = 1 / (1 + math.exp(-x))
    assert grad(lambda x: softplus_p(x) * 2.0)(x) == pytest.approx(2 * s)
    assert grad(grad(softplus_p))(x) == pytest.approx(s * (1 - s))
    # A None rule: that argument gets no gradient.
    gx, gk = grad(lambda x, k: scale_p(x, k), argnums=(0, 1))(2.0, 3.0)
    assert gx == pytest.approx(3.0)
    assert float(gk) == 0.0
    # A primitive with no VJP at all fails clearly under grad.
    p = wengert.Primitive("test_api.norule", lambda x: x * 2, register=False)
    with pytest.raises(WengertError, match="test_api.norule"):
        grad(p)(1.0)


def test_primitive_names_are_unique():
    with pytest.raises(WengertError, match="already exists"):
        wengert.Primitive("sin", np.sin)
    # Redefining a user primitive under the same name (a re-run cell) is allowed.
    for _ in range(2):

        @wengert.primitive(name="test_api.redefined")
        def twice(x):
            return 2.0 * x

        twice.defvjp(lambda ct, ans, x: 2.0 * ct)
        twice.defjvp(lambda ts, ans, x: 2.0 * ts[0])
    assert grad(twice)(1.0) == pytest.approx(2.0)


def test_user_primitive_with_gradient_override():
    with gradient_override({"test_api.softplus": lambda ct, ans, x: ct * 0.0 + 42.0}):
        assert grad(softplus_p)(0.1) == pytest.approx(42.0)


# =========================================================================== errors


def test_grad_of_non_scalar_output():
    with pytest.raises(TypeError) as info:
        grad(lambda x: x * 2.0)(np.ones(3))
    msg = str(info.value)
    assert "(3,)" in msg
    for hint in ["jacrev", "elementwise_grad", "vjp"]:
        assert hint in msg
    with pytest.raises(TypeError, match="jacrev"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="bool"):
        grad(lambda x: x > 0)(1.0)


@pytest.mark.parametrize(
    "value",
    [1, np.int32(3), np.array([1, 2]), True, np.array([True, False])],
    ids=["int", "np.int32", "int-array", "bool", "bool-array"],
)
def test_integer_and_boolean_inputs(value):
    def f(x):
        return wnp.sum(x * 1.0)

    with pytest.raises(TypeError, match=r"argument 0 \('x'\)") as info:
        grad(f)(value)
    assert "dtype" in str(info.value)


def test_string_and_object_inputs():
    def f(x, y):
        return x

    with pytest.raises(TypeError, match=r"argument 1 \('y'\).*'str'"):
        grad(f, argnums=1)(1.0, "text")
    with pytest.raises(TypeError, match=r"argument 0 \('x'\)"):
        grad(f)(object(), 1.0)


def test_bad_leaf_inside_a_pytree_names_the_argument():
    def f(x, params):
        return x * params["w"]

    with pytest.raises(TypeError, match=r"argument 1 \('params'\)"):
        grad(f, argnums=1)(1.0, {"w": 2.0, "steps": 3})


def test_integer_input_to_vjp():
    with pytest.raises(TypeError, match=r"vjp: argument 0"):
        vjp(lambda x: x * 1.0, np.arange(3))


def test_integer_input_to_jacrev_names_the_users_argument():
    def f(x, n):
        return x * n

    with pytest.raises(TypeError, match=r"jacrev: argument 1 \('n'\)"):
        jacrev(f, argnums=1)(np.ones(2), np.arange(2))
    with pytest.raises(TypeError, match=r"elementwise_grad: argument 1 \('n'\)"):
        elementwise_grad(f, argnums=1)(np.ones(2), np.arange(2))


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x: np.sum(np.polyfit(x, x, 1)), "polyfit"),
        (lambda x: np.sum(np.histogram(x)[0] * 1.0), "histogram"),
        (lambda x: np.sum(np.gcd(x, x)), "gcd"),
        (lambda x: np.sum(np.add.reduceat(x, [0, 1])), "reduceat"),
    ],
    ids=["polyfit", "histogram", "gcd(ufunc)", "add.reduceat"],
)
def test_numpy_function_without_rule(fn, name):
    with pytest.raises(NoRuleError, match=name) as info:
        grad(fn)(np.array([0.1, 0.5, 0.9]))
    assert isinstance(info.value, WengertError) and isinstance(info.value, TypeError)


def test_float_of_traced_value():
    for conv in [float, lambda x: x.item(), math.sin, complex]:
        with pytest.raises(TracerConversionError, match="stop_gradient"):
            grad(lambda x: conv(x) * 1.0)(1.0)


def test_setitem_on_traced_value():
    def f(x):
        x[0] = 1.0
        return wnp.sum(x)

    with pytest.raises(TypeError, match=r"\.at"):
        grad(f)(np.ones(3))


def test_at_set_suggested_by_the_setitem_error():
    def f(x):
        return wnp.sum(x.at[0].set(5.0) * x)

    # d/dx_i sum(y * x) with y = x except y_0 = 5: [5, 2 x_1, 2 x_2]
    np.testing.assert_allclose(grad(f)(np.ones(3)), [5.0, 2.0, 2.0])


def test_numpy_conversion_of_traced_value():
    for conv in [np.asarray, np.array, lambda x: np.asarray(x, dtype=float)]:
        with pytest.raises(TracerConversionError):
            grad(lambda x: wnp.sum(conv(x)))(np.ones(3))

    def inplace(x):
        buf = np.zeros(3)
        buf[:] = x
        return wnp.sum(buf)

    with pytest.raises(TracerConversionError):
        grad(inplace)(np.ones(3))


def test_ufunc_out_argument_is_refused():
    def f(x):
        out = np.zeros(3)
        np.sin(x, out=out)
        return wnp.sum(out)

    with pytest.raises(TypeError, match="out="):
        grad(f)(np.ones(3))


def test_escaped_tracer_is_reported():
    saved = []

    def leak(x):
        saved.append(x)
        return x * 2.0

    grad(leak)(1.0)
    with pytest.raises(WengertError, match="escaped"):
        wnp.sin(saved[0])
    with pytest.raises(WengertError, match="escaped"):
        saved[0] * 3.0


def test_error_classes():
    assert issubclass(NoRuleError, WengertError)
    assert issubclass(TracerConversionError, WengertError)
    assert issubclass(CustomRuleError, WengertError)


# =========================================================================== tracer protocol


def _probe(f, x):
    """Run ``f`` on a tracer of ``x`` inside grad and return what it observed."""
    seen = {}

    def wrapped(t):
        assert isinstance(t, Tracer)
        seen["out"] = f(t)
        return wnp.sum(t) * 0.0

    grad(wrapped)(x)
    return seen["out"]


def test_operators_with_scalars_and_arrays_on_either_side():
    x = np.array([0.5, 1.5, 2.5])
    a = np.array([2.0, -1.0, 3.0])
    abs_a = np.abs(a)
    cases = [
        (lambda t: t + 2.0, lambda v: v + 2.0),
        (lambda t: 2.0 + t, lambda v: 2.0 + v),
        (lambda t: t - 3.0, lambda v: v - 3.0),
        (lambda t: 3.0 - t, lambda v: 3.0 - v),
        (lambda t: t * 2, lambda v: v * 2),
        (lambda t: 2 * t, lambda v: 2 * v),
        (lambda t: t / 4.0, lambda v: v / 4.0),
        (lambda t: 4.0 / t, lambda v: 4.0 / v),
        (lambda t: t**3, lambda v: v**3),
        (lambda t: 2.0**t, lambda v: 2.0**v),
        (lambda t: t**t, lambda v: v**v),
        (lambda t: -t, lambda v: -v),
        (lambda t: +t, lambda v: +v),
        (lambda t: abs(t - 1.0), lambda v: abs(v - 1.0)),
        (lambda t: t + a, lambda v: v + a),
        (lambda t: a + t, lambda v: a + v),
        (lambda t: a - t, lambda v: a - v),
        (lambda t: a * t, lambda v: a * v),
        (lambda t: a / t, lambda v: a / v),
        (lambda t: abs_a**t, lambda v: abs_a**v),
        (lambda t: t % 1.0, lambda v: v % 1.0),
        (lambda t: t * t + t / t, lambda v: v * v + v / v),
    ]
    for k, (op, ref) in enumerate(cases):
        g = grad(lambda t: wnp.sum(op(t)))(x)
        np.testing.assert_allclose(g, fd_grad(lambda v: np.sum(ref(v)), x), rtol=1e-6, atol=1e-8, err_msg=str(k))
        # The traced value equals NumPy's.
        np.testing.assert_allclose(_probe(lambda t: op(t).full_lower(), x), ref(x), err_msg=str(k))


def test_operator_values_match_numpy():
    x = np.array([0.5, 1.5, 2.5])
    a = np.array([2.0, -1.0, 3.0])

    def check(t):
        pairs = [
            (t + 1.0, x + 1.0),
            (1.0 - t, 1.0 - x),
            (a * t, a * x),
            (t / a, x / a),
            (t**2, x**2),
            (-t, -x),
        ]
        for got, want in pairs:
            assert isinstance(got, Tracer)
            np.testing.assert_allclose(got.full_lower(), want)
        # Zero-derivative ops give constants, not tracers.
        floor = t // 1.0
        assert not isinstance(floor, Tracer)
        np.testing.assert_allclose(floor, x // 1.0)
        return True

    assert _probe(check, x)


def test_matmul_both_sides():
    A = RNG.standard_normal((2, 3))
    x = RNG.standard_normal(3)
    np.testing.assert_allclose(grad(lambda x: wnp.sum(A @ x))(x), A.sum(axis=0))
    np.testing.assert_allclose(grad(lambda x: x @ x)(x), 2 * x)
    B = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(grad(lambda m: wnp.sum(m @ B))(A), np.ones((2, 2)) @ B.T)
    np.testing.assert_allclose(grad(lambda m: np.sum(np.matmul(B, m)))(A), B.T @ np.ones((3, 3)))


def test_comparisons_return_plain_booleans():
    def check(t):
        results = [t < 1.0, t <= 1.0, t > 1.0, t >= 1.0, t == 2.0, t != 2.0, 1.0 < t]
        for r in results:
            assert not isinstance(r, Tracer)
        assert bool(t > 1.0) is True
        if t < 1.0:
            raise AssertionError("2.0 < 1.0 must be False")
        return True

    assert _probe(check, 2.0)

    def array_check(t):
        r = t > 1.0
        assert not isinstance(r, Tracer)
        assert r.dtype == np.bool_
        np.testing.assert_array_equal(r, [False, True])
        assert (t > 0).all()
        return True

    assert _probe(array_check, np.array([0.5, 1.5]))


def test_attributes_len_and_iteration():
    x = np.arange(6.0).reshape(2, 3)

    def check(t):
        assert t.shape == (2, 3)
        assert t.dtype == np.float64
        assert t.ndim == 2
        assert t.size == 6
        assert len(t) == 2
        assert np.shape(t) == (2, 3) and np.ndim(t) == 2
        assert t.T.shape == (3, 2) and isinstance(t.T, Tracer)
        rows = list(t)
        assert len(rows) == 2 and all(isinstance(r, Tracer) and r.shape == (3,) for r in rows)
        np.testing.assert_array_equal(rows[1].full_lower(), [3.0, 4.0, 5.0])
        return True

    assert _probe(check, x)
    with pytest.raises(TypeError, match="len"):
        grad(lambda t: len(t) * t)(1.0)


def test_indexing_gradients():
    x = np.arange(12.0).reshape(3, 4)
    g = grad(lambda t: t[0, 1] * t[2, 3] + wnp.sum(t[1]) + wnp.sum(t[:, 0] ** 2))(x)
    expected = np.zeros((3, 4))
    expected[0, 1] += x[2, 3]
    expected[2, 3] += x[0, 1]
    expected[1] += 1
    expected[:, 0] += 2 * x[:, 0]
    np.testing.assert_allclose(g, expected)
    # Advanced indexing with repeats accumulates.
    g = grad(lambda t: wnp.sum(t[[0, 0, 2], [1, 1, 3]]))(x)
    expected = np.zeros((3, 4))
    expected[0, 1] = 2
    expected[2, 3] = 1
    np.testing.assert_allclose(g, expected)
    # Boolean mask, negative index, ellipsis, newaxis.
    mask = x > 5
    np.testing.assert_allclose(grad(lambda t: wnp.sum(t[mask]))(x), mask * 1.0)
    g = grad(lambda t: wnp.sum(t[..., -1, None] * 3.0))(x)
    expected = np.zeros((3, 4))
    expected[:, -1] = 3.0
    np.testing.assert_allclose(g, expected)


def test_methods():
    x = RNG.standard_normal((2, 3))
    checks = [
        (lambda t: t.sum(axis=0), lambda v: v.sum(axis=0)),
        (lambda t: t.reshape(2, -1), lambda v: v.reshape(2, -1)),
        (lambda t: t.reshape((3, 2)), lambda v: v.reshape((3, 2))),
        (lambda t: t.mean(), lambda v: v.mean()),
        (lambda t: t.max(), lambda v: v.max()),
        (lambda t: t.max(axis=1), lambda v: v.max(axis=1)),
        (lambda t: t.min(axis=0), lambda v: v.min(axis=0)),
        (lambda t: t.transpose(), lambda v: v.transpose()),
        (lambda t: t.transpose(1, 0), lambda v: v.transpose(1, 0)),
        (lambda t: t.ravel(), lambda v: v.ravel()),
        (lambda t: t.flatten(), lambda v: v.flatten()),
        (lambda t: t.prod(axis=1), lambda v: v.prod(axis=1)),
        (lambda t: t.var(), lambda v: v.var()),
        (lambda t: t.std(axis=0), lambda v: v.std(axis=0)),
        (lambda t: t.cumsum(axis=1), lambda v: v.cumsum(axis=1)),
        (lambda t: t.clip(-0.5, 0.5), lambda v: v.clip(-0.5, 0.5)),
        (lambda t: t.dot(np.ones(3)), lambda v: v.dot(np.ones(3))),
        (lambda t: t.swapaxes(0, 1), lambda v: v.swapaxes(0, 1)),
        (lambda t: t.copy(), lambda v: v.copy()),
    ]
    w = RNG.standard_normal(6)
    for k, (m, ref) in enumerate(checks):
        # Values agree with NumPy.
        val = _probe(lambda t: m(t).full_lower() if isinstance(m(t), Tracer) else m(t), x)
        np.testing.assert_allclose(val, ref(x), rtol=1e-6, err_msg=str(k))
        # Gradients agree with finite differences (weighted so that each output counts).
        n = np.size(ref(x))
        wk = w[:n].reshape(np.shape(ref(x)))

        def f(t, m=m, wk=wk):
            return wnp.sum(m(t) * wk)

        np.testing.assert_allclose(
            grad(f)(x),
            fd_grad(lambda v, ref=ref, wk=wk: np.sum(ref(v).astype(float) * wk), x, eps=1e-4),
            rtol=1e-4,
            atol=1e-6,
            err_msg=str(k),
        )


def test_astype_method():
    x = RNG.standard_normal((2, 3))
    w = RNG.standard_normal((2, 3)).astype(np.float32)

    def f(t):
        y = t.astype(np.float32)
        assert y.dtype == np.float32
        return wnp.sum(y * w)

    g = grad(f)(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, w, rtol=1e-7)
    # To an integer dtype: no derivative flows.
    np.testing.assert_array_equal(grad(lambda t: wnp.sum(t.astype(np.int64) * 1.0 + t))(x), np.ones((2, 3)))


def test_array_ufunc_with_ndarray_on_the_left():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(x):
        y = A * x  # ndarray.__mul__ defers to the tracer's __array_ufunc__
        assert isinstance(y, Tracer)
        z = A + x
        assert isinstance(z, Tracer)
        return wnp.sum(y) + wnp.sum(np.sin(z)) + wnp.sum(np.multiply(A, x))

    x = np.array([0.3, -0.2])
    expected = 2 * A.sum(axis=0) + np.cos(A + x).sum(axis=0)
    np.testing.assert_allclose(grad(f)(x), expected)


def test_ufunc_reduce_and_accumulate():
    X = np.arange(6.0).reshape(2, 3) + 1.0
    W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    row_weights = np.array([1.0, 2.0])
    cases = [
        (lambda x: np.sum(np.add.reduce(x)), np.ones((2, 3))),
        (lambda x: np.sum(np.add.reduce(x, axis=1) * row_weights), [[1.0] * 3, [2.0] * 3]),
        # d/dx sum(cumsum(x, 1) * W) = reverse cumsum of W along axis 1
        (lambda x: np.sum(np.add.accumulate(x, axis=1) * W), [[6.0, 5.0, 3.0], [15.0, 11.0, 6.0]]),
        (lambda x: np.multiply.reduce(x, axis=None), np.prod(X) / X),
        (lambda x: np.sum(np.maximum.reduce(x, axis=1)), [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
    ]
    for k, (f, expected) in enumerate(cases):
        np.testing.assert_allclose(grad(f)(X), expected, err_msg=str(k))


def test_numpy_functions_dispatch_to_wengert():
    x = RNG.standard_normal((2, 3))

    def f(t):
        a = np.concatenate([t, t**2], axis=0)
        b = np.reshape(a, (3, 4))
        c = np.transpose(b) @ np.ones(3)
        return np.sum(np.where(c > 0, c, 0.0)) + np.mean(np.exp(t)) + np.einsum("ij,ij->", t, t)

    np.testing.assert_allclose(grad(f)(x), fd_grad(f, x), rtol=1e-6, atol=1e-8)


def test_wengert_numpy_array_keeps_derivatives():
    def f(x):
        v = wnp.array([x, 2.0 * x, x**2])
        return wnp.sum(v * np.array([1.0, 1.0, 1.0]))

    assert grad(f)(3.0) == pytest.approx(1 + 2 + 6)


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
