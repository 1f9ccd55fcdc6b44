"""The errors users meet in the transformations: non-scalar outputs, non-float inputs, NumPy functions
without a rule, conversions and mutation of traced values, escaped tracers, the error classes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import wengert.numpy as wnp
from wengert import (
    CustomRuleError,
    NoRuleError,
    TracerConversionError,
    WengertError,
    elementwise_grad,
    grad,
    jacrev,
    vjp,
)

RNG = np.random.default_rng(0)


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
