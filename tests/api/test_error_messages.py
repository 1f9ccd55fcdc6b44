"""Errors that say what was wrong and what to do (issue: trust, item 14, API part)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp
from wengert.errors import NoRuleError, TracerConversionError


def _sum(out):
    return out.sum() if hasattr(out, "sum") else out


def _through(transform: str, f):
    """Call ``f`` at 1.0 (or a small vector) under the named transform."""
    x = np.array([1.0, 2.0])
    calls = {
        "grad": lambda: wengert.grad(lambda v: _sum(f(v)))(x),
        "jvp": lambda: wengert.jvp(f, (x,), (np.ones(2),)),
        "vjp": lambda: wengert.vjp(f, x),
        "jacfwd": lambda: wengert.jacfwd(f)(x),
        "jacrev": lambda: wengert.jacrev(f)(x),
        "vmap": lambda: wengert.vmap(f)(np.ones((3, 2))),
        "jit": lambda: wengert.jit(f)(x),
    }
    return calls[transform]()


# ---------------------------------------------------------------- writing into plain arrays


TRANSFORMS = ["grad", "jvp", "vjp", "jacfwd", "jacrev", "vmap", "jit"]


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("make", [np.zeros, wnp.zeros], ids=["np.zeros", "wnp.zeros"])
def test_assigning_traced_scalar_into_plain_array_names_the_fix(transform, make):
    def f(v):
        a = make(3)
        a[0] = v[0]
        return a

    with pytest.raises(TracerConversionError) as info:
        _through(transform, f)
    msg = str(info.value)
    assert "plain NumPy array" in msg
    assert ".at(" in msg or ".at[" in msg
    assert "stack" in msg
    assert "setting an array element" not in msg
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("transform", ["grad", "jvp", "jacrev"])
def test_assigning_traced_row_into_plain_array_names_the_fix(transform):
    def f(v):
        a = np.zeros((3, 2))
        a[1] = v
        return a

    with pytest.raises(TracerConversionError, match=r"at\(a\)\[idx\]\.set"):
        _through(transform, f)


def test_traced_setitem_points_to_at():
    def f(v):
        v[0] = 1.0
        return v.sum()

    with pytest.raises(TypeError, match=r"x\.at\[idx\]\.set\(v\)"):
        wengert.grad(f)(np.ones(3))


def test_the_suggested_fix_works():
    def f(w):
        a = wnp.at(np.zeros(3))[0].set(w)
        return (a * a).sum() + w

    assert wengert.grad(f)(2.0) == pytest.approx(5.0)


def test_unrelated_value_errors_pass_through():
    def f(x):
        raise ValueError("mine")

    with pytest.raises(ValueError, match="mine"):
        wengert.grad(f)(1.0)


# ---------------------------------------------------------------- argnums


ARGNUM_TRANSFORMS = [
    wengert.grad,
    wengert.value_and_grad,
    wengert.elementwise_grad,
    wengert.jacrev,
    wengert.jacfwd,
    wengert.jacobian,
    wengert.hessian,
]


@pytest.mark.parametrize("transform", ARGNUM_TRANSFORMS, ids=lambda t: t.__name__)
@pytest.mark.parametrize(
    "argnums, pattern",
    [
        (0.5, r"argnums must be an int or a tuple of ints.*0\.5"),
        ("w", r"argnums='w' is a name; argnums takes positions"),
        ((0, "w"), r"holds 'w'"),
        ((0, 1.0), r"holds 1\.0"),
        (True, r"is a bool"),
        (None, r"argnums must be an int or a tuple of ints.*None"),
    ],
)
def test_bad_argnums_raise_when_the_transform_is_built(transform, argnums, pattern):
    with pytest.raises(TypeError, match=pattern):
        transform(lambda x: x, argnums=argnums)


@pytest.mark.parametrize("transform", ARGNUM_TRANSFORMS, ids=lambda t: t.__name__)
def test_autograd_spelling_argnum_names_argnums(transform):
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'argnum': wengert spells it 'argnums'"):
        transform(lambda x: x, argnum=0)


def test_misspelled_keyword_suggests_the_closest():
    with pytest.raises(TypeError, match="did you mean 'has_aux'"):
        wengert.grad(lambda x: x, has_auxx=True)
    with pytest.raises(TypeError, match="did you mean 'in_axes'"):
        wengert.vmap(lambda x: x, in_axis=0)


def test_good_argnums_still_work():
    f = lambda x, y: x * y**2
    assert wengert.grad(f, argnums=1)(2.0, 3.0) == pytest.approx(12.0)
    assert wengert.grad(f, argnums=np.int64(1))(2.0, 3.0) == pytest.approx(12.0)
    gx, gy = wengert.grad(f, argnums=[0, 1])(2.0, 3.0)
    assert (gx, gy) == (pytest.approx(9.0), pytest.approx(12.0))


# ---------------------------------------------------------------- non-array outputs


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("ret", ["hi", object(), {1, 2}, b"bytes"], ids=["str", "object", "set", "bytes"])
def test_function_returning_a_non_array_is_named(transform, ret):
    with pytest.raises(TypeError, match=rf"returned a {type(ret).__name__}.*not an array"):
        _through(transform, lambda v: ret)


def test_non_array_inside_a_pytree_output_names_the_leaf():
    with pytest.raises(TypeError, match=r"returned a str.*output leaf 1"):
        wengert.jvp(lambda x: (x, "label"), (1.0,), (1.0,))


def test_grad_of_string_output():
    with pytest.raises(TypeError, match=r"grad of <lambda>: the function returned a str \('hi'\)"):
        wengert.grad(lambda x: "hi")(1.0)


def test_has_aux_may_carry_non_arrays():
    (val, aux), g = wengert.value_and_grad(lambda x: (x * x, "note"), has_aux=True)(3.0)
    assert aux == "note" and g == pytest.approx(6.0)


# ---------------------------------------------------------------- SciPy without wengert.scipy


def test_scipy_special_without_wengert_scipy_names_the_wengert_function():
    import subprocess

    code = (
        "import scipy.special, wengert\n"
        "try:\n"
        "    wengert.grad(lambda x: scipy.special.erf(x))(1.0)\n"
        "except wengert.errors.NoRuleError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "scipy.special.erf" in out
    assert "wengert.scipy.special.erf" in out
    assert "numpy.erf" not in out


def test_scipy_special_after_importing_wengert_scipy_differentiates():
    pytest.importorskip("scipy")
    import scipy.special

    import wengert.scipy.special  # noqa: F401

    g = wengert.grad(lambda x: scipy.special.erf(x))(1.0)
    assert g == pytest.approx(2 / np.sqrt(np.pi) * np.exp(-1.0))


def test_numpy_ufunc_without_rule_is_named_numpy():
    with pytest.raises(NoRuleError, match=r"numpy\.gcd"):
        wengert.grad(lambda x: np.gcd(x, x).sum())(np.ones(2))
