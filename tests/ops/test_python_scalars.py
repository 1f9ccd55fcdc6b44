"""wengert ops on Python numbers give NumPy's results, in every mode (trust issue, items 7-8)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp

CASES = [
    ("true_divide", 1.0, 0.0),
    ("divide", 0.0, 0.0),
    ("divide", -3.0, 0.0),
    ("floor_divide", 1.0, 0.0),
    ("floor_divide", 1, 0),
    ("remainder", 1.0, 0.0),
    ("remainder", 1, 0),
    ("fmod", 1.0, 0.0),
    ("power", 10.0, 400.0),
    ("power", -8.0, 1 / 3),
    ("power", 0.0, -1.0),
    ("multiply", 1e300, 1e300),
]


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize(("name", "x", "y"), CASES)
def test_python_numbers_follow_numpy(name, x, y):
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        got = getattr(wnp, name)(x, y)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        want = getattr(np, name)(x, y)
    assert _same(got, want), (name, x, y, got, want)
    assert not np.iscomplexobj(got)
    assert {w.category for w in ours} == {w.category for w in theirs}


def test_negative_base_fractional_power_is_nan_with_a_warning():
    with pytest.warns(RuntimeWarning):
        r = wnp.power(-8.0, 1 / 3)
    assert np.isnan(r) and not np.iscomplexobj(r)
    with pytest.warns(RuntimeWarning):
        assert np.isnan(wengert.grad(lambda x: x ** (1 / 3))(-8.0))


def test_exp_overflow_is_inf():
    with pytest.warns(RuntimeWarning):
        assert wnp.exp(1000.0) == np.inf


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "mode",
    ["eager", "grad", "jvp", "hessian", "jit", "jit_grad", "grad_jit", "vmap"],
)
def test_division_by_python_zero_in_every_mode(mode):
    f = lambda x: x / 0.0
    if mode == "eager":
        assert f(wnp.asarray(1.0)) == np.inf
    elif mode == "grad":
        assert wengert.grad(f)(1.0) == np.inf
    elif mode == "jvp":
        y, t = wengert.jvp(f, (1.0,), (1.0,))
        assert y == np.inf and t == np.inf
    elif mode == "hessian":
        h = wengert.hessian(f)(1.0)
        assert np.isfinite(h) or np.isnan(h)  # computed, no exception
    elif mode == "jit":
        assert wengert.jit(f)(1.0) == np.inf
        assert wengert.jit(f)(1.0) == np.inf  # second call: compiled code
    elif mode == "jit_grad":
        g = wengert.jit(wengert.grad(f))
        assert g(1.0) == np.inf and g(2.0) == np.inf
    elif mode == "grad_jit":
        assert wengert.grad(wengert.jit(f))(1.0) == np.inf
    elif mode == "vmap":
        assert np.all(wengert.vmap(f)(np.ones(3)) == np.inf)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_scalar_results_stay_weak_for_float32():
    """Python-number arithmetic inside a rule must not promote float32 to float64."""
    x = np.float32(2.0)
    y, t = wengert.jvp(lambda v: v * (1.0 / 3.0) + v / 0.5, (x,), (np.float32(1.0),))
    assert np.asarray(y).dtype == np.float32 and np.asarray(t).dtype == np.float32
    assert wengert.grad(lambda v: wnp.var(v))(np.ones(3, np.float32)).dtype == np.float32


def test_python_integers_stay_exact():
    assert wnp.power(2, 100) == 2**100
    assert wnp.multiply(10**20, 10**20) == 10**40
