"""The op table sweep (STYLE habit 12): every differentiable function of ``wengert.numpy``
against central finite differences, to second order, in float64 and float32.

The tables below are data.  Each row names an op (or a small function of ``xp``, which is
either ``numpy`` or ``wengert.numpy``) and the shapes and input domain to draw; the tests
sweep every row over dtypes, and the structural rows also through plain ``import numpy as
np`` (the ``__array_ufunc__`` / ``__array_function__`` path).  Adding a row tests the op.

Domains are chosen so that each function is smooth there, with margins wider than a
finite-difference step: no ties for max/min, no kinks of abs/clip/remainder, no branch cuts.
The non-smooth points have their own exact tests at the end (ties, zeros of prod, abs at 0).
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import wengert
import wengert.numpy as wnp
from wengert import check_grads, grad, jacrev
from wengert.tree import tree_leaves, tree_map

DTYPES = [np.float64, np.float32]
DTYPE_IDS = ["f64", "f32"]

# =============================================================================== domains
# A domain draws float64 values of a given shape; ``_draw`` casts them to the test dtype.

Domain = Callable[[np.random.Generator, tuple], np.ndarray]


def uniform(lo: float, hi: float) -> Domain:
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def signed(lo: float, hi: float) -> Domain:
    """|x| in [lo, hi] with either sign: away from zero."""
    return lambda rng, shape: rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def lattice(offset: float, kmin: int = -8, kmax: int = 8) -> Domain:
    """Values ``0.2 k + offset + [0, 0.05)``.  Draws from ``lattice(0.0)`` and
    ``lattice(0.1)`` are never closer than 0.05, whatever the broadcasting: no ties between
    the arguments of maximum/minimum/clip, and no kink inside a finite-difference step."""
    return lambda rng, shape: 0.2 * rng.integers(kmin, kmax, shape) + offset + rng.uniform(0, 0.05, shape)


def distinct(lo: float = -1.0) -> Domain:
    """All elements at least 0.07 apart (max/min reductions without ties)."""

    def draw(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        n = int(np.prod(shape))
        return (lo + 0.1 * rng.permutation(n) + rng.uniform(0, 0.03, n)).reshape(shape)

    return draw


STD = uniform(-1.0, 1.0)


def _draw(domain: Domain, shape: tuple, dtype: Any, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(domain(rng, tuple(shape)), dtype=np.float64).astype(dtype)


def _seed(*parts: Any) -> int:
    return zlib.crc32(repr(parts).encode())


def _bend(out: Any) -> Any:
    """sin of every output leaf: a nonlinearity after a linear op, so that the order-2 check
    differentiates the op's VJP rule applied to a traced cotangent (for a linear op alone
    the second derivative is identically zero)."""
    return tree_map(wnp.sin, out)


def _tol(dtype: Any) -> dict:
    return {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}


def _assert_close(got: Any, want: Any, dtype: Any) -> None:
    g, w = tree_leaves(got), tree_leaves(want)
    assert len(g) == len(w)
    for a, b in zip(g, w):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), **_tol(dtype))


def _weighted_sum(out: Any, seed: int) -> Any:
    """A scalar from every output leaf with varied (fixed, random) weights."""
    rng = np.random.default_rng(seed)
    total = 0.0
    for leaf in tree_leaves(out):
        w = rng.standard_normal(np.shape(leaf))
        total = total + wnp.sum(wnp.sin(leaf) * w)
    return total


# =============================================================================== elementwise

UNARY: dict[str, Domain] = {
    "negative": STD,
    "reciprocal": signed(0.5, 2.0),
    "square": uniform(-2.0, 2.0),
    "exp": uniform(-2.0, 2.0),
    "exp2": uniform(-2.0, 2.0),
    "expm1": uniform(-2.0, 2.0),
    "log": uniform(0.5, 3.0),
    "log2": uniform(0.5, 3.0),
    "log10": uniform(0.5, 3.0),
    "log1p": uniform(-0.5, 2.0),
    "sqrt": uniform(0.5, 3.0),
    "cbrt": signed(0.5, 3.0),
    "sin": uniform(-3.0, 3.0),
    "cos": uniform(-3.0, 3.0),
    "tan": uniform(-1.2, 1.2),
    "arcsin": uniform(-0.9, 0.9),
    "arccos": uniform(-0.9, 0.9),
    "arctan": uniform(-3.0, 3.0),
    "sinh": uniform(-2.0, 2.0),
    "cosh": uniform(-2.0, 2.0),
    "tanh": uniform(-2.0, 2.0),
    "arcsinh": uniform(-3.0, 3.0),
    "arccosh": uniform(1.1, 3.0),
    "arctanh": uniform(-0.9, 0.9),
    "abs": signed(0.2, 2.0),
    "absolute": signed(0.2, 2.0),
    "sign": signed(0.2, 2.0),
}

BINARY: dict[str, tuple[Domain, Domain]] = {
    "add": (STD, STD),
    "subtract": (STD, STD),
    "multiply": (uniform(-2.0, 2.0), uniform(-2.0, 2.0)),
    "divide": (uniform(-2.0, 2.0), signed(0.5, 2.0)),
    "true_divide": (uniform(-2.0, 2.0), signed(0.5, 2.0)),
    "power": (uniform(0.5, 2.0), uniform(-2.0, 2.0)),
    # arctan2(y, x) with x > 0: away from the branch cut on the negative x axis
    "arctan2": (uniform(-2.0, 2.0), uniform(0.5, 2.0)),
    "hypot": (signed(0.3, 2.0), signed(0.3, 2.0)),
    "logaddexp": (uniform(-2.0, 2.0), uniform(-2.0, 2.0)),
    "logaddexp2": (uniform(-2.0, 2.0), uniform(-2.0, 2.0)),
    "maximum": (lattice(0.0), lattice(0.1)),
    "minimum": (lattice(0.0), lattice(0.1)),
    "fmax": (lattice(0.0), lattice(0.1)),
    "fmin": (lattice(0.0), lattice(0.1)),
    # 1 < x / y < 2: no jump, and d/dy = -1 is not trivial
    "remainder": (uniform(2.2, 2.8), uniform(1.5, 1.9)),
}

UNARY_SHAPES = [(), (4,), (2, 3)]
BROADCAST = [
    ((), ()),
    ((4,), (4,)),
    ((2, 3), (2, 3)),
    ((3,), (2, 3)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((2, 1, 3), (4, 1)),
]


def _unary_check(name: str, shape: tuple, dtype: Any, seed: int) -> None:
    x = _draw(UNARY[name], shape, dtype, np.random.default_rng(seed))
    f = getattr(wnp, name)
    out = f(x)
    want = getattr(np, name)(x)
    assert out.dtype == want.dtype == dtype
    _assert_close(out, want, dtype)
    check_grads(f, (x,), order=2)


def _binary_check(name: str, sx: tuple, sy: tuple, dtype: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    dx, dy = BINARY[name]
    x, y = _draw(dx, sx, dtype, rng), _draw(dy, sy, dtype, rng)
    f = getattr(wnp, name)
    out = f(x, y)
    want = getattr(np, name)(x, y)
    assert out.dtype == want.dtype == dtype
    _assert_close(out, want, dtype)
    check_grads(f, (x, y), order=2)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name: str, shape: tuple, dtype: Any) -> None:
    _unary_check(name, shape, dtype, _seed(name, shape))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("shapes", BROADCAST, ids=lambda s: f"{s[0]}-{s[1]}")
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name: str, shapes: tuple, dtype: Any) -> None:
    _binary_check(name, *shapes, dtype, _seed(name, shapes))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("side", ["scalar-left", "scalar-right"])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_python_scalar(name: str, side: str, dtype: Any) -> None:
    """A Python float operand: NumPy's weak scalar, so float32 stays float32."""
    rng = np.random.default_rng(_seed(name, side))
    dx, dy = BINARY[name]
    if side == "scalar-left":
        c, x = float(_draw(dx, (), np.float64, rng)), _draw(dy, (2, 3), dtype, rng)
        f, ref = (lambda a: getattr(wnp, name)(c, a)), (lambda a: getattr(np, name)(c, a))
    else:
        x, c = _draw(dx, (2, 3), dtype, rng), float(_draw(dy, (), np.float64, rng))
        f, ref = (lambda a: getattr(wnp, name)(a, c)), (lambda a: getattr(np, name)(a, c))
    out = f(x)
    assert out.dtype == dtype
    _assert_close(out, ref(x), dtype)
    check_grads(f, (x,), order=2)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=20, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_unary_random_shapes(name: str, shape: tuple, dtype: Any, seed: int) -> None:
    _unary_check(name, shape, dtype, seed)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=20, deadline=None)
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
)
def test_binary_random_broadcasting(name: str, shapes: Any, dtype: Any, seed: int) -> None:
    sx, sy = shapes.input_shapes
    _binary_check(name, sx, sy, dtype, seed)


POWERS = [0, 1, 2, 3, -1, -2, 0.5, 2.5, -1.5]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("p", POWERS, ids=str)
def test_power_constant_exponent(p: float, dtype: Any) -> None:
    """``x ** p`` for the exponents with special-cased rules; integer powers of negative
    bases too."""
    rng = np.random.default_rng(_seed("power", p))
    dom = signed(0.5, 2.0) if float(p).is_integer() else uniform(0.5, 2.0)
    x = _draw(dom, (2, 3), dtype, rng)
    f = lambda a: a**p
    out = f(x)
    assert out.dtype == dtype
    _assert_close(out, x**p, dtype)
    check_grads(f, (x,), order=2)
    check_grads(lambda a: wnp.power(a, np.array(p)), (x,), order=2)


def test_power_integer_array_exponent() -> None:
    x = np.array([1.5, -3.0, 2.0, 2.0, -0.5])
    y = np.array([0, 1, 2, -1, 3])
    check_grads(lambda a: wnp.power(a, y), (x,), order=2)
    np.testing.assert_allclose(grad(lambda a: wnp.sum(a**y))(x), [0.0, 1.0, 4.0, -0.25, 0.75])


def test_power_zero_base_exponent_gradient() -> None:
    # d/dy x**y at x = 0 is 0 (docs/conventions.md), for an array base and a Python base.
    y = np.array([2.0, 2.0])
    np.testing.assert_allclose(grad(lambda b: wnp.sum(np.array([0.0, 2.0]) ** b))(y), [0.0, 4 * np.log(2)])
    np.testing.assert_array_equal(grad(lambda b: wnp.sum(0.0**b))(y), [0.0, 0.0])
    np.testing.assert_allclose(grad(lambda b: wnp.sum(2.0**b))(y), 4 * np.log(2) * np.ones(2))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize(
    "divisor", [2, np.array([2, 4, 5]), np.array([2, 4, 5], np.int32), 2.0], ids=["int", "int64[]", "int32[]", "float"]
)
def test_divide_by_constants(divisor: Any, dtype: Any) -> None:
    """Dividing by integers (Python or arrays) must not use integer reciprocals."""
    x = np.array([1.0, -2.0, 3.0], dtype)
    want = 1.0 / np.broadcast_to(np.asarray(divisor, np.float64), x.shape)
    for f in (lambda a: wnp.sum(a / divisor), lambda a: wnp.sum(wnp.divide(a, divisor))):
        np.testing.assert_allclose(grad(f)(x), want, rtol=1e-6)
    check_grads(lambda a: a / divisor, (x,), order=2)
    check_grads(lambda a: divisor / a, (x,), order=2)


# =============================================================================== reductions

REDUCTIONS: dict[str, Domain] = {
    "sum": STD,
    "mean": STD,
    "prod": signed(0.7, 1.3),
    "max": distinct(),
    "min": distinct(),
    "var": STD,
    "std": STD,
}
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2), ()]
REDUCTION_CASES = [
    (name, axis, keepdims)
    for name, axis, keepdims in itertools.product(sorted(REDUCTIONS), AXES, [False, True])
    # std over no axis is sqrt(0): not differentiable
    if not (name == "std" and axis == ())
]


def _reduction_check(fn: Callable, shape: tuple, domain: Domain, dtype: Any, seed: int) -> None:
    x = _draw(domain, shape, dtype, np.random.default_rng(seed))
    out, want = fn(wnp, x), fn(np, x)
    assert np.shape(out) == np.shape(want) and out.dtype == dtype
    _assert_close(out, want, dtype)
    check_grads(lambda a: _bend(fn(wnp, a)), (x,), order=2)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize(("name", "axis", "keepdims"), REDUCTION_CASES, ids=str)
def test_reduction(name: str, axis: Any, keepdims: bool, dtype: Any) -> None:
    fn = lambda xp, a: getattr(xp, name)(a, axis=axis, keepdims=keepdims)
    _reduction_check(fn, (2, 3, 4), REDUCTIONS[name], dtype, _seed(name, axis, keepdims))


SMALL_REDUCTION_CASES = [
    (name, shape, axis)
    for name, (shape, axis) in itertools.product(
        sorted(REDUCTIONS), [((), None), ((1,), None), ((5,), None), ((5,), 0), ((5,), -1)]
    )
    # std of a single element is sqrt(0): not differentiable
    if not (name == "std" and int(np.prod(shape)) == 1)
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize(("name", "shape", "axis"), SMALL_REDUCTION_CASES, ids=str)
def test_reduction_small(name: str, shape: tuple, axis: Any, dtype: Any) -> None:
    fn = lambda xp, a: getattr(xp, name)(a, axis=axis)
    _reduction_check(fn, shape, REDUCTIONS[name], dtype, _seed(name, shape, axis))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ddof", [1, 2])
@pytest.mark.parametrize("axis", [None, 1, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_ddof(name: str, axis: Any, ddof: int, keepdims: bool, dtype: Any) -> None:
    fn = lambda xp, a: getattr(xp, name)(a, axis=axis, ddof=ddof, keepdims=keepdims)
    _reduction_check(fn, (2, 3, 4), STD, dtype, _seed(name, axis, ddof, keepdims))


SCANS = {"cumsum": STD, "cumprod": signed(0.7, 1.3)}


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize(
    ("shape", "axis"),
    [
        ((2, 3, 4), None),
        ((2, 3, 4), 0),
        ((2, 3, 4), 1),
        ((2, 3, 4), 2),
        ((2, 3, 4), -1),
        ((2, 3, 4), -3),
        ((5,), None),
        ((5,), 0),
        ((1,), 0),
        ((), None),
    ],
    ids=str,
)
@pytest.mark.parametrize("name", sorted(SCANS))
def test_scan(name: str, shape: tuple, axis: Any, dtype: Any) -> None:
    fn = lambda xp, a: getattr(xp, name)(a, axis=axis)
    _reduction_check(fn, shape, SCANS[name], dtype, _seed(name, shape, axis))


# =============================================================================== structural ops


@dataclass(frozen=True)
class Case:
    """``fn(xp, *args)`` with ``xp`` numpy or wengert.numpy; ``shapes`` of the arguments."""

    id: str
    fn: Callable
    shapes: tuple
    domain: Domain = STD

    def __repr__(self) -> str:
        return self.id


S3 = (2, 3, 4)


def _shape_cases() -> list[Case]:
    c: list[Case] = []
    for new in [(4, 6), (-1,), (2, -1, 2), (1, 24, 1), S3]:
        c.append(Case(f"reshape{new}", lambda xp, a, new=new: xp.reshape(a, new), (S3,)))
    c.append(Case("ravel", lambda xp, a: xp.ravel(a), (S3,)))
    c.append(Case("transpose", lambda xp, a: xp.transpose(a), (S3,)))
    for perm in itertools.permutations(range(3)):
        c.append(Case(f"transpose{perm}", lambda xp, a, p=perm: xp.transpose(a, p), (S3,)))
    c.append(Case("transpose(-1,0,-2)", lambda xp, a: xp.transpose(a, (-1, 0, -2)), (S3,)))
    for a1, a2 in [(0, 1), (0, -1), (2, 1), (1, 1)]:
        c.append(Case(f"swapaxes{a1},{a2}", lambda xp, a, i=a1, j=a2: xp.swapaxes(a, i, j), (S3,)))
    for src, dst in [(0, -1), (-1, 0), (1, 2), ((0, 1), (-1, 0)), ((0, 2), (1, 0))]:
        c.append(Case(f"moveaxis{src}->{dst}", lambda xp, a, s=src, d=dst: xp.moveaxis(a, s, d), (S3,)))
    for axis in [0, 1, -1, 3, (0, 2), (-1, 0)]:
        c.append(Case(f"expand_dims{axis}", lambda xp, a, ax=axis: xp.expand_dims(a, ax), (S3,)))
    for axis in [None, 1, -1, (1, 3)]:
        c.append(Case(f"squeeze{axis}", lambda xp, a, ax=axis: xp.squeeze(a, ax), ((2, 1, 3, 1),)))
    for axis, shapes in [
        (0, ((1, 3, 4), S3, (3, 3, 4))),
        (1, (S3, (2, 1, 4))),
        (-1, (S3, (2, 3, 2), (2, 3, 1))),
        (None, (S3, (5,))),
    ]:
        c.append(Case(f"concatenate{axis}", lambda xp, *a, ax=axis: xp.concatenate(a, axis=ax), shapes))
    for axis in [0, 1, 2, -1, -3]:
        c.append(Case(f"stack{axis}", lambda xp, *a, ax=axis: xp.stack(a, axis=ax), ((2, 3),) * 3))
    for shapes in [((), ()), ((2,), (3,)), ((2, 3), (2, 1)), (S3, (2, 2, 4))]:
        c.append(Case(f"hstack{shapes}", lambda xp, *a: xp.hstack(a), shapes))
    for shapes in [((), ()), ((3,), (3,)), ((2, 3), (1, 3)), ((3,), (2, 3)), (S3, (1, 3, 4))]:
        c.append(Case(f"vstack{shapes}", lambda xp, *a: xp.vstack(a), shapes))
    for sections, axis in [(2, 2), (3, 1), (1, 0), ([1, 3], -1), ([1], 0), ([0, 2, 2], 1)]:
        c.append(Case(f"split{sections},{axis}", lambda xp, a, s=sections, ax=axis: xp.split(a, s, axis=ax), (S3,)))
    for src, dst in [((3,), (2, 3)), ((2, 1), (4, 2, 3)), ((), (2, 2)), ((1, 3, 1), S3)]:
        c.append(Case(f"broadcast_to{src}->{dst}", lambda xp, a, d=dst: xp.broadcast_to(a, d), (src,)))
    for reps in [2, (2, 1), (1, 2, 1, 2), (3,), (1, 1, 1)]:
        c.append(Case(f"tile{reps}", lambda xp, a, r=reps: xp.tile(a, r), ((2, 3),)))
    for reps, axis in [(2, None), (3, 1), (1, 0), ([1, 0, 2], 1), ([2, 1], 0), ([1, 2, 0, 3], -1)]:
        c.append(Case(f"repeat{reps},{axis}", lambda xp, a, r=reps, ax=axis: xp.repeat(a, r, axis=ax), (S3,)))
    c.append(Case("repeat-per-element-flat", lambda xp, a: xp.repeat(a, [2, 0, 1, 3, 1, 1]), ((2, 3),)))
    for axis in [None, 0, -1, (0, 2)]:
        c.append(Case(f"flip{axis}", lambda xp, a, ax=axis: xp.flip(a, ax), (S3,)))
    for shift, axis in [(2, None), (-1, 0), (5, -1), ((1, 2), (0, 2)), (1, (0, 1)), (-7, None)]:
        c.append(Case(f"roll{shift},{axis}", lambda xp, a, s=shift, ax=axis: xp.roll(a, s, axis=ax), (S3,)))
    for k, axes in itertools.product([-1, 0, 1, 2, 3, 5], [(0, 1), (1, 2), (-1, 0)]):
        c.append(Case(f"rot90k{k}{axes}", lambda xp, a, k=k, ax=axes: xp.rot90(a, k, axes=ax), (S3,)))
    return c


MASK34 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
MASK23 = np.array([[True, False, True], [False, True, True]])
INDICES_2D = [
    ("int", 1),
    ("neg-int", -1),
    ("two-ints", (1, -2)),
    ("slice", slice(1, None)),
    ("slice-step", slice(None, None, 2)),
    ("neg-step", (slice(None), slice(None, None, -2))),
    ("slice-both", (slice(0, 3, 2), slice(3, 0, -1))),
    ("empty-slice", (slice(2, 1),)),
    ("none", None),
    ("none-mid", (slice(None), None, 1)),
    ("ellipsis", (Ellipsis, 1)),
    ("ellipsis-none", (None, Ellipsis, None, slice(1, 3))),
    ("int-array", np.array([0, 2])),
    ("dup-int-array", np.array([2, 0, 2, 2])),
    ("list-dups", [1, 1, 0]),
    ("neg-alias-dups", [-1, 2]),
    ("empty-list", []),
    ("slice-empty-list", (slice(None), [])),
    ("2d-int-array", np.array([[0, 1], [1, 1]])),
    ("pair-arrays", ([0, 0, 2], [3, 3, 1])),
    ("array-slice", ([2, 0, 2], slice(1, 3))),
    ("slice-array", (slice(None), [3, 3, 0])),
    ("int-array-int", (1, [0, 0, 3])),
    ("array-none", (Ellipsis, [1, 1], None)),
    ("bool-rows", np.array([True, False, True])),
    ("bool-list", [False, True, True]),
    ("bool-full", MASK34),
    ("bool-rows-slice", (np.array([True, False, True]), slice(1, None))),
    ("slice-bool-cols", (slice(None, None, -1), np.array([False, True, True, False]))),
]
INDICES_3D = [
    ("adv-separated", (0, slice(None), [1, 1, 3])),
    ("adv-separated-2", ([1, 0, 1], slice(None), [3, 3, 0])),
    ("adv-adjacent", (slice(None), [2, 0, 2], [1, 1, 3])),
    ("bool-2d-leading", MASK23),
    ("bool-2d-ellipsis", (MASK23, Ellipsis)),
    ("mixed-all", (None, [1, 1], slice(None, None, 2), -1)),
    ("ellipsis-array", (Ellipsis, np.array([[0, 3], [3, 3]]))),
    ("step-and-mask", (slice(None, None, -1), 1, np.array([True, False, False, True]))),
]


def _index_cases() -> list[Case]:
    c = [Case(f"getitem-{name}", lambda xp, a, i=idx: a[i], ((3, 4),)) for name, idx in INDICES_2D]
    c += [Case(f"getitem3-{name}", lambda xp, a, i=idx: a[i], (S3,)) for name, idx in INDICES_3D]
    c.append(Case("take", lambda xp, a: xp.take(a, [0, 2, 2], axis=1), ((3, 4),)))
    c.append(Case("take-flat", lambda xp, a: xp.take(a, [5, 0, 5]), ((3, 4),)))
    c.append(Case("iterate-rows", lambda xp, a: [r * (k + 1) for k, r in enumerate(a)], ((3, 4),)))
    return c


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
    ((2, 1, 2, 3), (5, 3, 2)),
    ((1, 2, 3), (4, 3, 2)),
]
DOT_SHAPES = [
    ((), (2, 3)),
    ((2, 3), ()),
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 4)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
]
INNER_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (4, 3)), ((), (3,))]
OUTER_SHAPES = [((3,), (4,)), ((2, 2), (3,)), ((), (3,))]
TENSORDOT = [
    (2, ((2, 3, 4), (3, 4, 5))),
    (1, ((2, 3, 4), (4, 5))),
    (0, ((2, 3), (2,))),
    (([0, 2], [2, 0]), ((2, 3, 4), (4, 5, 2))),
    ((1, -1), ((2, 3, 4), (4, 3))),
    (([1], [0]), ((2, 3), (3, 2))),
    (([-1, 0], [0, 1]), ((2, 3), (3, 2, 4))),
]
EINSUM = [
    ("ij,jk->ik", ((2, 3), (3, 4))),
    ("ij,jk", ((2, 3), (3, 4))),
    ("ij->ji", ((2, 3),)),
    ("ij->", ((2, 3),)),
    ("ij", ((2, 3),)),
    ("ji", ((2, 3),)),
    ("ij->j", ((2, 3),)),
    ("ijk->kji", ((2, 3, 4),)),
    ("ii->i", ((3, 3),)),
    ("ii", ((3, 3),)),
    ("ii->", ((3, 3),)),
    ("iji->j", ((3, 2, 3),)),
    ("ii,i->i", ((3, 3), (3,))),
    ("iij,j->i", ((3, 3, 2), (2,))),
    ("i,i", ((3,), (3,))),
    ("i,j->ij", ((3,), (2,))),
    ("ij,ij->i", ((2, 3), (2, 3))),
    ("bij,bjk->bik", ((2, 2, 3), (2, 3, 4))),
    ("...ij,...jk->...ik", ((2, 2, 3), (3, 4))),
    ("...ij,...jk", ((5, 1, 2, 3), (2, 3, 4))),
    ("b...i,i->b...", ((2, 3, 4), (4,))),
    ("...,...", ((2, 3), (3,))),
    ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
    ("ij,jk,kl", ((2, 3), (3, 4), (4, 2))),
    ("i,i,i->", ((3,), (3,), (3,))),
    ("ab,bc,ca->", ((2, 3), (3, 4), (4, 2))),
]


def _contract_cases() -> list[Case]:
    c = [Case(f"matmul{sa}@{sb}", lambda xp, a, b: xp.matmul(a, b), (sa, sb)) for sa, sb in MATMUL_SHAPES]
    c += [Case(f"@{sa}@{sb}", lambda xp, a, b: a @ b, (sa, sb)) for sa, sb in MATMUL_SHAPES[:5]]
    c += [Case(f"dot{sa},{sb}", lambda xp, a, b: xp.dot(a, b), (sa, sb)) for sa, sb in DOT_SHAPES]
    c += [Case(f"inner{sa},{sb}", lambda xp, a, b: xp.inner(a, b), (sa, sb)) for sa, sb in INNER_SHAPES]
    c += [Case(f"outer{sa},{sb}", lambda xp, a, b: xp.outer(a, b), (sa, sb)) for sa, sb in OUTER_SHAPES]
    c += [Case(f"tensordot{ax}", lambda xp, a, b, ax=ax: xp.tensordot(a, b, axes=ax), shapes) for ax, shapes in TENSORDOT]
    c += [Case(f"einsum[{s}]", lambda xp, *a, s=s: xp.einsum(s, *a), shapes) for s, shapes in EINSUM]
    for off in [-1, 0, 1, 2, 5]:
        c.append(Case(f"trace{off}", lambda xp, a, o=off: xp.trace(a, o), ((3, 4),)))
    c.append(Case("trace-axes", lambda xp, a: xp.trace(a, 1, axis1=2, axis2=0), (S3,)))
    for off, (a1, a2) in itertools.product([-2, -1, 0, 1, 3], [(0, 1), (1, 0), (-1, 0), (2, 1)]):
        c.append(Case(f"diagonal{off},{a1},{a2}", lambda xp, a, o=off, i=a1, j=a2: xp.diagonal(a, o, i, j), ((3, 2, 4),)))
    for off in [-2, 0, 1]:
        c.append(Case(f"diagonal2d{off}", lambda xp, a, o=off: xp.diagonal(a, o), ((3, 4),)))
    return c


WHERE_MASK = np.array([[True, False, True], [False, False, True]])
CLIP_LO = lattice(0.1, -6, -1)  # in [-1.1, -0.25], never within 0.05 of lattice(0.0)
CLIP_HI = lattice(0.1, 1, 6)  # in [0.3, 1.25]


def _other_cases() -> list[Case]:
    return [
        Case("where", lambda xp, a, b: xp.where(WHERE_MASK, a, b), ((2, 3), (2, 3))),
        Case("where-broadcast", lambda xp, a, b: xp.where(WHERE_MASK, a, b), ((3,), (2, 1))),
        Case("where-cond-broadcast", lambda xp, a, b: xp.where(WHERE_MASK[0], a, b), ((2, 3), ())),
        Case("where-const", lambda xp, a: xp.where(WHERE_MASK, 0.5, a), ((2, 3),)),
        Case("where-from-data", lambda xp, a: xp.where(a > 0.1, a * a, -a), ((2, 3),), lattice(0.0)),
        Case("clip-scalars", lambda xp, a: xp.clip(a, -0.5, 0.7), ((2, 3, 4),), lattice(0.0)),
        Case("clip-lo-only", lambda xp, a: xp.clip(a, -0.5, None), ((2, 3, 4),), lattice(0.0)),
        Case("clip-hi-only", lambda xp, a: xp.clip(a, None, 0.7), ((2, 3, 4),), lattice(0.0)),
        Case("zeros_like-ones_like", lambda xp, a: a * xp.ones_like(a) + xp.zeros_like(a) + a * a, ((2, 3),)),
        Case("array-scalars", lambda xp, a, b: wnp.array([a[0], b, 1.0]), ((2,), ())),
        Case("array-nested", lambda xp, a, b: wnp.array([[a[0], b], [b * b, a[1]]]), ((2,), ())),
        Case("array-of-arrays", lambda xp, a, b: wnp.array([a, b, a * b]), ((3,), (3,))),
        Case("array-tracer", lambda xp, a: wnp.array(a), ((2, 3),)),
        Case("array-ndmin", lambda xp, a: wnp.array(a, ndmin=3), ((3,),)),
        Case("asarray-list", lambda xp, a, b: wnp.asarray([a, b * 2.0]), ((2,), (2,))),
        Case("asarray-tracer", lambda xp, a: wnp.asarray(a) * 2.0, ((2,),)),
    ]


SHAPE_CASES = _shape_cases()
INDEX_CASES = _index_cases()
CONTRACT_CASES = _contract_cases()
OTHER_CASES = _other_cases()
STRUCTURAL = SHAPE_CASES + INDEX_CASES + CONTRACT_CASES + OTHER_CASES


def _case_args(case: Case, dtype: Any) -> tuple:
    rng = np.random.default_rng(_seed(case.id))
    return tuple(_draw(case.domain, s, dtype, rng) for s in case.shapes)


def _uses_numpy(case: Case) -> bool:
    # wnp.array / wnp.asarray of lists of traced values have no NumPy-protocol path
    return not case.id.startswith(("array", "asarray"))


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case", STRUCTURAL, ids=repr)
def test_structural(case: Case, dtype: Any) -> None:
    args = _case_args(case, dtype)
    out = case.fn(wnp, *args)
    if _uses_numpy(case):
        want = case.fn(np, *args)
        _assert_close(out, want, dtype)
        assert [o.dtype for o in tree_leaves(out)] == [w.dtype for w in tree_leaves(want)]
    check_grads(lambda *a: _bend(case.fn(wnp, *a)), args, order=2)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("case", [c for c in STRUCTURAL if _uses_numpy(c)], ids=repr)
def test_structural_through_numpy(case: Case, dtype: Any) -> None:
    """The same function written with plain ``numpy`` (dispatching on traced values) has
    the same value and gradient as the ``wengert.numpy`` version."""
    args = _case_args(case, dtype)
    seed = _seed("weights", case.id)
    argnums = tuple(range(len(args)))
    g_np = grad(lambda *a: _weighted_sum(case.fn(np, *a), seed), argnums)(*args)
    g_w = grad(lambda *a: _weighted_sum(case.fn(wnp, *a), seed), argnums)(*args)
    _assert_close(g_np, g_w, dtype)
    for g in g_np:
        assert g.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize(
    ("shapes", "lo_shape", "hi_shape"),
    [((2, 3), (3,), (2, 1)), ((2, 3), (2, 3), None), ((2, 3), None, ()), ((3,), (), ())],
    ids=str,
)
def test_clip_traced_bounds(shapes: tuple, lo_shape: Any, hi_shape: Any, dtype: Any) -> None:
    rng = np.random.default_rng(_seed("clip", shapes, lo_shape, hi_shape))
    args = [_draw(lattice(0.0), shapes, dtype, rng)]
    if lo_shape is not None:
        args.append(_draw(CLIP_LO, lo_shape, dtype, rng))
    if hi_shape is not None:
        args.append(_draw(CLIP_HI, hi_shape, dtype, rng))

    def f(xp: Any, *a: Any) -> Any:
        a = list(a)
        x = a.pop(0)
        lo = a.pop(0) if lo_shape is not None else None
        hi = a.pop(0) if hi_shape is not None else None
        return xp.clip(x, lo, hi)

    _assert_close(f(wnp, *args), f(np, *args), dtype)
    check_grads(lambda *a: f(wnp, *a), tuple(args), order=2)


# =============================================================================== NumPy's path
# Elementwise functions, operators, methods and ufunc methods reached from plain numpy code.


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("name", sorted(UNARY) + sorted(BINARY))
def test_elementwise_through_numpy(name: str, dtype: Any) -> None:
    rng = np.random.default_rng(_seed("np", name))
    if name in UNARY:
        args = (_draw(UNARY[name], (2, 3), dtype, rng),)
    else:
        args = (_draw(BINARY[name][0], (2, 3), dtype, rng), _draw(BINARY[name][1], (3,), dtype, rng))
    argnums = tuple(range(len(args)))
    seed = _seed("weights", name)
    g_np = grad(lambda *a: _weighted_sum(getattr(np, name)(*a), seed), argnums)(*args)
    g_w = grad(lambda *a: _weighted_sum(getattr(wnp, name)(*a), seed), argnums)(*args)
    _assert_close(g_np, g_w, dtype)
    check_grads(lambda *a: getattr(np, name)(*a), args, order=2)


# (id, plain-numpy/method/operator form, wengert.numpy form, argument shapes)
NUMPY_FORMS: list[tuple[str, Callable, Callable, tuple]] = [
    ("x.T", lambda a: a.T, lambda a: wnp.transpose(a), ((2, 3),)),
    ("x.mT", lambda a: a.mT, lambda a: wnp.swapaxes(a, -1, -2), ((4, 2, 3),)),
    ("x.reshape(*)", lambda a: a.reshape(3, 2), lambda a: wnp.reshape(a, (3, 2)), ((2, 3),)),
    ("x.reshape(())", lambda a: a.reshape((-1,)), lambda a: wnp.reshape(a, (6,)), ((2, 3),)),
    ("x.ravel()", lambda a: a.ravel(), lambda a: wnp.ravel(a), ((2, 3),)),
    ("x.flatten()", lambda a: a.flatten(), lambda a: wnp.ravel(a), ((2, 3),)),
    ("x.transpose(1,0)", lambda a: a.transpose(1, 0), lambda a: wnp.transpose(a), ((2, 3),)),
    ("x.transpose(())", lambda a: a.transpose((2, 0, 1)), lambda a: wnp.transpose(a, (2, 0, 1)), (S3,)),
    ("x.swapaxes", lambda a: a.swapaxes(0, 2), lambda a: wnp.swapaxes(a, 0, 2), (S3,)),
    ("x.squeeze()", lambda a: a.squeeze(), lambda a: wnp.squeeze(a), ((2, 1, 3),)),
    ("x.sum()", lambda a: a.sum(), lambda a: wnp.sum(a), ((2, 3),)),
    ("x.sum(axis)", lambda a: a.sum(axis=1, keepdims=True), lambda a: wnp.sum(a, 1, keepdims=True), ((2, 3),)),
    ("x.mean(axis)", lambda a: a.mean(axis=0), lambda a: wnp.mean(a, 0), ((2, 3),)),
    ("x.prod(axis)", lambda a: a.prod(axis=-1), lambda a: wnp.prod(a, -1), ((2, 3),)),
    ("x.max()", lambda a: a.max(), lambda a: wnp.max(a), ((2, 3),)),
    ("x.min(axis)", lambda a: a.min(axis=1), lambda a: wnp.min(a, 1), ((2, 3),)),
    ("x.var(ddof)", lambda a: a.var(ddof=1), lambda a: wnp.var(a, ddof=1), ((2, 3),)),
    ("x.std(axis)", lambda a: a.std(axis=0), lambda a: wnp.std(a, 0), ((2, 3),)),
    ("x.cumsum(axis)", lambda a: a.cumsum(axis=1), lambda a: wnp.cumsum(a, 1), ((2, 3),)),
    ("x.cumprod()", lambda a: a.cumprod(), lambda a: wnp.cumprod(a), ((2, 3),)),
    ("x.dot", lambda a, b: a.dot(b), lambda a, b: wnp.dot(a, b), ((2, 3), (3, 4))),
    ("x.clip", lambda a: a.clip(0.35, 0.65), lambda a: wnp.clip(a, 0.35, 0.65), ((2, 3),)),
    ("x.clip(min=)", lambda a: a.clip(min=0.35), lambda a: wnp.clip(a, 0.35, None), ((2, 3),)),
    ("np.clip(max=)", lambda a: np.clip(a, max=0.65), lambda a: wnp.clip(a, None, 0.65), ((2, 3),)),
    ("np.clip(min=,max=)", lambda a: np.clip(a, min=0.35, max=0.65), lambda a: wnp.clip(a, 0.35, 0.65), ((2, 3),)),
    ("x.trace()", lambda a: a.trace(), lambda a: wnp.trace(a), ((3, 3),)),
    ("x.diagonal(1)", lambda a: a.diagonal(1), lambda a: wnp.diagonal(a, 1), ((3, 3),)),
    ("x.repeat", lambda a: a.repeat(2, axis=0), lambda a: wnp.repeat(a, 2, 0), ((2, 3),)),
    ("x.take", lambda a: a.take([0, 5, 5]), lambda a: wnp.ravel(a)[np.array([0, 5, 5])], ((2, 3),)),
    ("x.astype(same)", lambda a: a.astype(a.dtype), lambda a: a, ((2, 3),)),
    ("abs(x)", lambda a: abs(a), lambda a: wnp.abs(a), ((2, 3),)),
    ("-x", lambda a: -a, lambda a: wnp.negative(a), ((2, 3),)),
    ("+x", lambda a: +a, lambda a: a, ((2, 3),)),
    ("x+y", lambda a, b: a + b, wnp.add, ((2, 3), (3,))),
    ("x-y", lambda a, b: a - b, wnp.subtract, ((2, 3), (3,))),
    ("x*y", lambda a, b: a * b, wnp.multiply, ((2, 3), (3,))),
    ("x/y", lambda a, b: a / b, wnp.divide, ((2, 3), (3,))),
    ("x**y", lambda a, b: a**b, wnp.power, ((2, 3), (3,))),
    ("x%y", lambda a, b: (a + 2.0) % (b + 1.5), lambda a, b: wnp.remainder(a + 2.0, b + 1.5), ((2, 3), (3,))),
    ("x@y", lambda a, b: a @ b, wnp.matmul, ((2, 3), (3, 4))),
    ("ndarray+x", lambda a: np.full(3, 0.5) + a, lambda a: wnp.add(0.5, a), ((2, 3),)),
    ("ndarray-x", lambda a: np.full(3, 0.5) - a, lambda a: wnp.subtract(0.5, a), ((2, 3),)),
    ("ndarray*x", lambda a: np.full(3, 0.5) * a, lambda a: wnp.multiply(0.5, a), ((2, 3),)),
    ("ndarray/x", lambda a: np.full(3, 0.5) / a, lambda a: wnp.divide(0.5, a), ((2, 3),)),
    ("ndarray**x", lambda a: np.full(3, 0.5) ** a, lambda a: wnp.power(0.5, a), ((2, 3),)),
    ("ndarray@x", lambda a: np.ones((2, 2)) @ a, lambda a: wnp.matmul(np.ones((2, 2)), a), ((2, 3),)),
    ("float-x", lambda a: 2.0 - a, lambda a: wnp.subtract(2.0, a), ((2, 3),)),
    ("float/x", lambda a: 2.0 / a, lambda a: wnp.divide(2.0, a), ((2, 3),)),
    ("float**x", lambda a: 2.0**a, lambda a: wnp.power(2.0, a), ((2, 3),)),
    ("np.add.reduce", lambda a: np.add.reduce(a, axis=1), lambda a: wnp.sum(a, 1), ((2, 3),)),
    ("np.multiply.reduce", lambda a: np.multiply.reduce(a), lambda a: wnp.prod(a, 0), ((2, 3),)),
    ("np.maximum.reduce", lambda a: np.maximum.reduce(a, axis=1), lambda a: wnp.max(a, 1), ((2, 3),)),
    ("np.minimum.reduce", lambda a: np.minimum.reduce(a), lambda a: wnp.min(a, 0), ((2, 3),)),
    ("np.add.accumulate", lambda a: np.add.accumulate(a, axis=1), lambda a: wnp.cumsum(a, 1), ((2, 3),)),
    ("np.multiply.accumulate", lambda a: np.multiply.accumulate(a), lambda a: wnp.cumprod(a, 0), ((2, 3),)),
    ("np.amax", lambda a: np.amax(a, axis=0), lambda a: wnp.max(a, 0), ((2, 3),)),
    ("np.amin", lambda a: np.amin(a), lambda a: wnp.min(a), ((2, 3),)),
    ("np.sum(dtype)", lambda a: np.sum(a, dtype=a.dtype), lambda a: wnp.sum(a), ((2, 3),)),
    ("np.exp(dtype)", lambda a: np.exp(a, dtype=a.dtype), wnp.exp, ((2, 3),)),
    ("np.ptp", lambda a: np.ptp(a, axis=1), lambda a: wnp.max(a, 1) - wnp.min(a, 1), ((2, 3),)),
    (
        "np.average",
        lambda a: np.average(a, axis=1, weights=[1.0, 2.0, 3.0]),
        lambda a: wnp.sum(a * np.array([1.0, 2.0, 3.0]), 1) / 6.0,
        ((2, 3),),
    ),
    ("np.sign*x", lambda a: np.sign(a - 0.55) * a, lambda a: wnp.sign(a - 0.55) * a, ((2, 3),)),
    ("sum(generator)", lambda a: sum(r for r in a), lambda a: a[0] + a[1], ((2, 3),)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize(("name", "f_np", "f_w", "shapes"), NUMPY_FORMS, ids=[r[0] for r in NUMPY_FORMS])
def test_numpy_forms(name: str, f_np: Callable, f_w: Callable, shapes: tuple, dtype: Any) -> None:
    rng = np.random.default_rng(_seed("form", name))
    # distinct values in [0.2, 1.4), on a 0.1 grid plus [0, 0.03): no ties, and constants
    # such as the clip bounds sit 0.02 away from every value
    args = tuple(_draw(distinct(0.2) if s else uniform(0.2, 0.8), s, dtype, rng) for s in shapes)
    argnums = tuple(range(len(args)))
    seed = _seed("weights", name)
    _assert_close(f_np(*args), f_w(*args), dtype)
    g_np = grad(lambda *a: _weighted_sum(f_np(*a), seed), argnums)(*args)
    g_w = grad(lambda *a: _weighted_sum(f_w(*a), seed), argnums)(*args)
    _assert_close(g_np, g_w, dtype)
    for g in g_np:
        assert g.dtype == dtype
    check_grads(lambda *a: _bend(f_np(*a)), args, order=2)


# =============================================================================== dtypes


def _cotangent_dtypes(f: Callable, args: tuple) -> list:
    """The dtypes of the cotangents that reach each input, before ``grad`` casts them to the
    input's dtype (an identity custom_vjp records what its rule receives)."""
    seen: list = []

    @wengert.custom_vjp
    def probe(x: Any) -> Any:
        return x

    def bwd(res: Any, ct: Any) -> tuple:
        seen.append(ct.dtype)
        return (ct,)

    probe.defvjp(lambda x: (x, None), bwd)
    argnums = tuple(range(len(args)))
    gs = grad(lambda *a: wnp.sum(f(*[probe(x) for x in a])), argnums)(*args)
    assert [g.dtype for g in gs] == [x.dtype for x in args]
    return seen


FLOAT32_FUNCTIONS: list[tuple[str, Callable, int]] = (
    [(n, getattr(wnp, n), 1) for n in sorted(UNARY) if n != "sign"]  # sign: no cotangent at all
    + [(n, getattr(wnp, n), 2) for n in sorted(BINARY)]
    + [(f"{n}(x, 0.5)", lambda a, n=n: getattr(wnp, n)(a, 0.5), 1) for n in sorted(BINARY)]
    + [(f"{n}(0.5, x)", lambda a, n=n: getattr(wnp, n)(0.5, a), 1) for n in sorted(BINARY)]
    + [(f"{n}(x, 2)", lambda a, n=n: getattr(wnp, n)(a, 2), 1) for n in sorted(BINARY)]
    + [(n, lambda a, n=n: getattr(wnp, n)(a, axis=0), 1) for n in sorted(REDUCTIONS)]
    + [(n, lambda a, n=n: getattr(wnp, n)(a, axis=1), 1) for n in sorted(SCANS)]
    + [
        ("var-ddof", lambda a: wnp.var(a, ddof=1), 1),
        ("where", lambda a: wnp.where(a > 0.5, a, 0.0), 1),
        ("clip", lambda a: wnp.clip(a, 0.4, 0.8), 1),
        ("einsum-diag", lambda a, b: wnp.einsum("ii,i->i", a, b[0]), 2),
        ("matmul", lambda a, b: a @ b, 2),
        ("getitem", lambda a: a[[0, 0]], 1),
        ("x / 3", lambda a: a / 3, 1),
        ("x ** 3", lambda a: a**3, 1),
    ]
)


@pytest.mark.parametrize(("name", "f", "nargs"), FLOAT32_FUNCTIONS, ids=[r[0] for r in FLOAT32_FUNCTIONS])
def test_float32_cotangents_stay_float32(name: str, f: Callable, nargs: int) -> None:
    """float32 stays float32 inside the backward pass too (Python constants are weak)."""
    rng = np.random.default_rng(_seed("f32", name))
    args = tuple(rng.uniform(0.3, 0.9, (3, 3)).astype(np.float32) for _ in range(nargs))
    if name.startswith("arccosh"):
        args = tuple(a + 1.5 for a in args)
    assert f(*args).dtype == np.float32
    seen = _cotangent_dtypes(f, args)
    assert seen and all(d == np.float32 for d in seen), seen


@pytest.mark.parametrize(
    "f",
    [wnp.sin, wnp.exp, lambda a: wnp.prod(a, 0), lambda a: wnp.std(a), lambda a: wnp.max(a, 1), lambda a: a @ a],
    ids=["sin", "exp", "prod", "std", "max", "matmul"],
)
def test_float32_second_order_gradients(f: Callable) -> None:
    x = np.random.default_rng(1).uniform(0.3, 0.9, (3, 3)).astype(np.float32)
    h = jacrev(grad(lambda a: wnp.sum(f(a))))(x)
    assert h.dtype == np.float32 and h.shape == (3, 3, 3, 3)


def test_mixed_precision_gradients_keep_input_dtypes() -> None:
    x32, y64 = np.ones(3, np.float32), np.full(3, 2.0)
    gx, gy = grad(lambda a, b: wnp.sum(a * b), (0, 1))(x32, y64)
    assert gx.dtype == np.float32 and gy.dtype == np.float64
    np.testing.assert_array_equal(gx, [2, 2, 2])


# =============================================================================== non-smooth points


def test_max_min_ties_split_equally() -> None:
    np.testing.assert_array_equal(grad(wnp.max)(np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(grad(wnp.min)(np.array([1.0, 1.0, 3.0])), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(grad(np.max)(np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(grad(lambda a: a.max())(np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(grad(lambda a: wnp.sum(wnp.max(a, axis=1)))(x), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = np.array([[1.0, 3.0, 2.0], [1.0, 2.0, 2.0]])
    np.testing.assert_allclose(grad(lambda a: wnp.sum(wnp.min(a, axis=0, keepdims=True)))(y), [[0.5, 0, 0.5], [0.5, 1, 0.5]])
    np.testing.assert_allclose(grad(wnp.max)(x), [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_allclose(grad(wnp.max)(np.full((2, 2), 7.0)), np.full((2, 2), 0.25))


def test_max_ties_second_order() -> None:
    # f = max(x)^2 at [1, 3, 3]: gradient 2 * 3 * w, Hessian 2 w w^T with w = [0, .5, .5]
    x = np.array([1.0, 3.0, 3.0])
    w = np.array([0.0, 0.5, 0.5])
    np.testing.assert_allclose(grad(lambda a: wnp.max(a) ** 2)(x), 6 * w)
    np.testing.assert_allclose(jacrev(grad(lambda a: wnp.max(a) ** 2))(x), 2 * np.outer(w, w))


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_elementwise_ties(name: str) -> None:
    op = getattr(wnp, name)
    x = np.array([1.0, -3.0, 2.0])
    # op(x, x) is x: gradient 1, and the second derivative of op(x, x)^2 is 2
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(op(a, a)))(x), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(getattr(np, name)(a, a)))(x), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(jacrev(grad(lambda a: wnp.sum(op(a, a) ** 2)))(x), 2 * np.eye(3))
    # equal arguments: each gets half
    gx, gy = grad(lambda a, b: wnp.sum(op(a, b)), (0, 1))(x, x.copy())
    np.testing.assert_array_equal(gx, [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(gy, [0.5, 0.5, 0.5])
    # a tie with a constant
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(op(a, 2.0)))(np.array([2.0, 2.0])), [0.5, 0.5])
    # ties under broadcasting: the halves of y's share are summed
    a = np.array([[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]])
    b = np.array([1.0, 0.0, 4.0])
    ga, gb = grad(lambda p, q: wnp.sum(op(p, q)), (0, 1))(a, b)
    big = name in ("maximum", "fmax")
    np.testing.assert_array_equal(ga, [[0.5, 1.0, 0.0], [0.0, 0.5, 0.0]] if big else [[0.5, 0.0, 1.0], [1.0, 0.5, 1.0]])
    np.testing.assert_array_equal(gb, [1.5, 0.5, 2.0] if big else [0.5, 1.5, 0.0])


def test_fmax_fmin_route_gradient_around_nan() -> None:
    x = np.array([2.0, np.nan, 3.0])
    y = np.array([np.nan, 1.0, 5.0])
    gx, gy = grad(lambda a, b: wnp.sum(wnp.fmax(a, b)), (0, 1))(x, y)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 1.0, 1.0])
    gx, gy = grad(lambda a, b: wnp.sum(wnp.fmin(a, b)), (0, 1))(x, y)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gy, [0.0, 1.0, 0.0])


def test_clip_at_bounds_splits() -> None:
    x = np.array([1.0, 3.0, 2.0, 0.0, 4.0])
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(wnp.clip(a, 1.0, 3.0)))(x), [0.5, 0.5, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(np.clip(a, 1.0, 3.0)))(x), [0.5, 0.5, 1.0, 0.0, 0.0])
    # the bound's share: half at a tie, all where it clips
    x = np.array([1.0, 3.0, 2.0, 0.0, 0.5])
    lo = np.array([1.0, 0.0, 0.0, 0.0, 1.0])
    g = grad(lambda b: wnp.sum(wnp.clip(x, b, 3.0)))(lo)
    np.testing.assert_array_equal(g, [0.5, 0.0, 0.0, 0.5, 1.0])


def _with(x: np.ndarray, at: dict[int, float]) -> np.ndarray:
    """A copy of ``x`` with the flat elements ``at`` (index: value) replaced."""
    y = x.copy().reshape(-1)
    for k, v in at.items():
        y[k] = v
    return y.reshape(x.shape)


def _multilinear_jacobian(f: Callable, x: np.ndarray) -> np.ndarray:
    """The exact Jacobian of ``f`` if it is affine in each single element of ``x`` (products
    are): column k is f(x with x_k = 1) - f(x with x_k = 0)."""
    cols = [f(_with(x, {k: 1.0})) - f(_with(x, {k: 0.0})) for k in range(x.size)]
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def _multilinear_hessian(f: Callable, x: np.ndarray) -> np.ndarray:
    """The exact Hessian of such a scalar ``f``: zero diagonal, mixed second differences."""
    n = x.size
    h = np.zeros((n, n))
    for i, j in itertools.permutations(range(n), 2):
        h[i, j] = sum(
            si * sj * f(_with(x, {i: vi, j: vj})) for (vi, si), (vj, sj) in itertools.product([(1.0, 1), (0.0, -1)], repeat=2)
        )
    return h.reshape(x.shape * 2)


PROD_ZEROS = [[2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0], [0.0, 2.0, 3.0, 0.5], [1.5, -2.0, 0.0], [0.0], [4.0, 0.0]]


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("values", PROD_ZEROS, ids=str)
def test_prod_with_zeros_is_exact(values: list, dtype: Any) -> None:
    x = np.array(values, dtype)
    g = grad(wnp.prod)(x)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, _multilinear_jacobian(np.prod, x.astype(np.float64)))
    np.testing.assert_array_equal(grad(np.prod)(x), g)
    np.testing.assert_array_equal(jacrev(grad(wnp.prod))(x), _multilinear_hessian(np.prod, x.astype(np.float64)))


def test_prod_examples_from_the_docs() -> None:
    np.testing.assert_array_equal(grad(wnp.prod)(np.array([2.0, 0.0, 3.0])), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(grad(wnp.prod)(np.array([0.0, 0.0, 3.0])), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad(wnp.prod)(np.array([0.0, 5.0, 3.0])), [15.0, 0.0, 0.0])
    np.testing.assert_array_equal(
        jacrev(grad(wnp.prod))(np.array([2.0, 0.0, 3.0])), [[0.0, 3.0, 0.0], [3.0, 0.0, 2.0], [0.0, 2.0, 0.0]]
    )
    np.testing.assert_array_equal(
        jacrev(grad(wnp.prod))(np.array([0.0, 0.0, 3.0])), [[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    )


ZEROS_2D = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.5, 2.0, -3.0]])


@pytest.mark.parametrize("axis", [0, 1, -1, None, (0, 1)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_prod_with_zeros_along_axes(axis: Any, keepdims: bool) -> None:
    f = lambda xp, a: xp.prod(a, axis=axis, keepdims=keepdims)
    x = ZEROS_2D
    np.testing.assert_array_equal(jacrev(lambda a: f(wnp, a))(x), _multilinear_jacobian(lambda a: f(np, a), x))
    check_grads(lambda a: f(wnp, a), (x,), order=2)


@pytest.mark.parametrize("axis", [0, 1, -1, None], ids=str)
def test_cumprod_with_zeros_along_axes(axis: Any) -> None:
    f = lambda xp, a: xp.cumprod(a, axis=axis)
    x = ZEROS_2D
    np.testing.assert_array_equal(jacrev(lambda a: f(wnp, a))(x), _multilinear_jacobian(lambda a: f(np, a), x))
    check_grads(lambda a: f(wnp, a), (x,), order=2)


def test_cumprod_with_zeros() -> None:
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    # sum(cumprod(x)) = x0 + x0 x1 + x0 x1 x2 + ...; at x1 = 0 only the first two terms move
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(wnp.cumprod(a)))(x), [1.0, 8.0, 0.0, 0.0, 0.0])
    check_grads(wnp.cumprod, (x,), order=2)
    check_grads(wnp.cumprod, (np.zeros(4),), order=2)


@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
def test_abs_at_zero(dtype: Any) -> None:
    x = np.array([-1.0, 0.0, 2.0], dtype)
    for f in (wnp.abs, wnp.absolute, np.abs, np.absolute, abs):
        g = grad(lambda a, f=f: wnp.sum(f(a)))(x)
        assert g.dtype == dtype
        np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(jacrev(grad(lambda a: wnp.sum(wnp.abs(a))))(x), np.zeros((3, 3)))
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(wnp.sign(a) * 3.0))(x), np.zeros(3))


# =============================================================================== constants


def test_zeros_like_ones_like_are_constants() -> None:
    seen: list = []

    def f(a: Any) -> Any:
        z, o = wnp.zeros_like(a), wnp.ones_like(a)
        nz, no = np.zeros_like(a), np.ones_like(a)
        seen.extend([z, o, nz, no])
        return wnp.sum(a * o + z + a * no + nz)

    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
    g = grad(f)(x)
    np.testing.assert_array_equal(g, np.full((2, 3), 2.0))
    for c in seen:
        assert type(c) is np.ndarray and c.shape == x.shape and c.dtype == np.float32
    np.testing.assert_array_equal(seen[0], 0.0)
    np.testing.assert_array_equal(seen[1], 1.0)


def test_stop_gradient() -> None:
    x = np.array([0.5, -1.0, 2.0])
    sg = wengert.stop_gradient
    np.testing.assert_allclose(grad(lambda a: wnp.sum(wnp.sin(a) * sg(a)))(x), np.cos(x) * x)
    np.testing.assert_array_equal(grad(lambda a: wnp.sum(sg(a) ** 2))(x), np.zeros(3))
    # a constant for every enclosing differentiation: d/da (3 a^2 sg(a)) = 6 a sg(a) = 6 a^2
    g1 = grad(lambda a: wnp.sum(a**3 * sg(a)))
    np.testing.assert_allclose(g1(x), 3 * x**3)
    np.testing.assert_allclose(grad(lambda a: wnp.sum(g1(a)))(x), 6 * x**2)
    # pytrees
    d = sg({"p": x, "q": [x * 2.0]})
    np.testing.assert_array_equal(d["q"][0], x * 2.0)
    gp = grad(lambda t: wnp.sum(t["p"] * sg(t["q"][0])) + wnp.sum(sg(t)["p"]))({"p": x, "q": [x * 2.0]})
    np.testing.assert_array_equal(gp["p"], 2.0 * x)
    np.testing.assert_array_equal(gp["q"][0], np.zeros(3))
