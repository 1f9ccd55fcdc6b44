"""``gradient_override``: scoped replacement of a primitive's VJP."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert.numpy as wnp
from tests.api._helpers import STE
from wengert import (
    CustomRuleError,
    grad,
    gradient_override,
    vjp,
)

RNG = np.random.default_rng(0)


# =========================================================================== gradient_override


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
