"""Custom rules: ``custom_vjp``, ``custom_jvp`` and user primitives (``@primitive``, ``Primitive``),
alone, inside larger functions, at higher order, under ``jacrev`` and forward mode; their errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert
import wengert as w
import wengert.numpy as wnp
from tests.api._helpers import STE
from wengert import (
    CustomRuleError,
    WengertError,
    custom_vjp,
    elementwise_grad,
    grad,
    gradient_override,
    jacrev,
)

RNG = np.random.default_rng(0)


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


# custom_jvp, and custom_vjp under forward mode (moved from tests/test_forward.py)
def test_custom_jvp_forward_and_reverse():
    calls = []

    @w.custom_jvp
    def safe_log1pexp(x):
        return wnp.log1p(wnp.exp(x))

    def rule(primals, tangents):
        (x,), (t,) = primals, tangents
        calls.append(1)
        return safe_log1pexp(x), t / (1 + wnp.exp(-x))

    safe_log1pexp.defjvp(rule)
    x = np.array([-3.0, 0.0, 50.0, 800.0])
    out, t = w.jvp(safe_log1pexp, (x,), (np.ones(4),))
    np.testing.assert_allclose(t, 1 / (1 + np.exp(-x)))
    g = w.grad(lambda x: wnp.sum(safe_log1pexp(x)))(x)
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-x)))  # finite at x=800, where autodiff of the impl is nan
    assert calls
    # second order through the rule
    h = w.grad(lambda x: w.grad(lambda y: wnp.sum(safe_log1pexp(y)))(x)[0])(x)
    s = 1 / (1 + np.exp(-x[0]))
    np.testing.assert_allclose(h[0], s * (1 - s), rtol=1e-8)


def test_custom_jvp_shape_error():
    @w.custom_jvp
    def f(x):
        return x * 2

    f.defjvp(lambda p, t: (p[0] * 2, wnp.sum(t[0])))
    with pytest.raises(w.CustomRuleError, match=r"shape \(\).*expected \(3,\)"):
        w.jvp(f, (np.ones(3),), (np.ones(3),))


def test_custom_vjp_under_forward_mode():
    @w.custom_vjp
    def f(x):
        return wnp.sin(x)

    f.defvjp(lambda x: (wnp.sin(x), x), lambda x, ct: (ct * wnp.cos(x),))
    with pytest.raises(w.WengertError, match="defjvp"):
        w.jvp(f, (1.0,), (1.0,))
    f.defjvp(lambda p, t: (wnp.sin(p[0]), wnp.cos(p[0]) * t[0]))
    np.testing.assert_allclose(w.jvp(f, (1.0,), (1.0,))[1], np.cos(1.0))
    np.testing.assert_allclose(w.hessian(f)(1.0), -np.sin(1.0))
