#!/usr/bin/env python
"""Generate docs/coverage.md: what wengert differentiates, found by running it.

Nothing in the generated document is written by hand.  For every public function of
``wengert.numpy`` (and its ``linalg`` and ``fft`` namespaces) the script calls the function
on a small input and reports, per mode, what actually happened:

- **VJP**: reverse mode agrees with central differences (``wengert.check_grads``, order 1);
- **JVP**: forward mode agrees with central differences;
- **vmap**: ``vmap`` agrees with a Python loop, and whether every primitive met had a
  batching rule (``rule``) or some fell back to the loop (``loop``);
- **complex**: on a complex input, forward mode agrees with central differences and
  reverse mode is its transpose under the pairing ``Re(sum(u * v))`` (docs/complex.md).

Functions whose outputs are integers or booleans are reported as non-differentiable; for
them the modes say whether they run inside ``vjp``/``jvp``/``vmap``.  The primitives table
is read from the attributes of every registered ``wengert.Primitive``.

Usage::

    python scripts/coverage.py            # rewrite docs/coverage.md
    python scripts/coverage.py --check    # exit 1 if docs/coverage.md is out of date
    python scripts/coverage.py --stdout   # print instead of writing

A function needing particular arguments gets them from the ``PROBES`` table below; one
without an entry is called as ``f(x)`` with ``x`` of shape (2, 3) in (0.2, 0.8).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import wengert as w
import wengert.numpy as wnp
import wengert.ops
from wengert import Primitive
from wengert.core import batching
from wengert.numpy import _dispatch
from wengert.tree import tree_leaves, tree_map

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "coverage.md"

YES, NO = "✓", "✗"

# --------------------------------------------------------------------------- inputs


def _unit(dtype: Any = np.float64, shape: tuple = (2, 3), seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 0.8, shape).astype(dtype)


def _spd(dtype: Any = np.float64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (3, 3))
    return (a @ a.T + 3 * np.eye(3)).astype(dtype)


def _square(dtype: Any = np.float64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (3, 3)) + 2 * np.eye(3)).astype(dtype)


def _vec(n: int = 4) -> Callable:
    return lambda dtype=np.float64, seed=0: _unit(dtype, (n,), seed)


def _gt1(dtype: Any = np.float64, seed: int = 0) -> np.ndarray:
    return _unit(dtype, seed=seed) + 1.0


def _mixed(dtype: Any = np.float64, seed: int = 0) -> np.ndarray:
    return (_unit(dtype, seed=seed) - 0.5) * 3


_IDX = np.array([[0, 1, 1], [1, 0, 1]])

# name -> (call(f, x), input maker).  ``call`` receives the wengert function and the
# (possibly traced) input array.
PROBES: dict[str, tuple[Callable, Callable]] = {}


def _p(names: str, call: Callable, make: Callable = _unit) -> None:
    for n in names.split():
        PROBES[n] = (call, make)


_BINARY = (
    "add subtract multiply true_divide divide power pow arctan2 atan2 hypot logaddexp logaddexp2 maximum "
    "minimum fmax fmin remainder mod fmod floor_divide copysign nextafter heaviside less less_equal "
    "greater greater_equal equal not_equal logical_and logical_or logical_xor float_power isclose divmod"
)
_p(_BINARY, lambda f, x: f(x, x[::-1] + 0.05))
_p("allclose array_equal", lambda f, x: f(x, x))
_p("arccosh acosh", lambda f, x: f(x), _gt1)
_p("ldexp", lambda f, x: f(x, np.array([1, -2, 3])))
_p("where", lambda f, x: f(x > 0.5, x, x**2))
_p("clip", lambda f, x: f(x, 0.3, 0.6))
_p("reshape", lambda f, x: f(x, (3, 2)))
_p("swapaxes", lambda f, x: f(x, 0, 1))
_p("moveaxis rollaxis", lambda f, x: f(x, 0, 1) if f is not wnp.rollaxis else f(x, 1))
_p("expand_dims", lambda f, x: f(x, 0))
_p("squeeze", lambda f, x: f(x[:1]))
_p("broadcast_to", lambda f, x: f(x, (2, 2, 3)))
_p("broadcast_arrays", lambda f, x: f(x[0], x[1:]))
_p("meshgrid", lambda f, x: f(x[0], x[1, :2]))
_p("cumulative_sum cumulative_prod", lambda f, x: f(x, axis=1, include_initial=True))
_p("polyint", lambda f, x: f(x[0], 2, 1.5))
_p("concatenate stack hstack vstack column_stack dstack concat", lambda f, x: f([x, x**2]))
_p("split vsplit array_split", lambda f, x: f(x, 2) if f is not wnp.array_split else f(x, 2, axis=1))
_p("hsplit", lambda f, x: f(x, 3))
_p("tile repeat", lambda f, x: f(x, 2))
_p("roll", lambda f, x: f(x, 1, axis=1))
_p("take", lambda f, x: f(x, np.array([2, 0, 2]), axis=1))
_p("take_along_axis", lambda f, x: f(x, _IDX, axis=1))
_p("choose", lambda f, x: f(np.array([[0, 1, 1], [1, 0, 1]]), [x, x**2]))
_p("select", lambda f, x: f([x > 0.5, x < 0.3], [x, x**2], 0.5))
_p("compress", lambda f, x: f([True, False, True], x, axis=1))
_p("extract", lambda f, x: f(x > 0.4, x))
_p("piecewise", lambda f, x: f(x, [x < 0.5], [lambda v: v**2, lambda v: 2 * v]))
_p("matmul dot", lambda f, x: f(x, x.T))
_p("inner vdot outer kron vecdot", lambda f, x: f(x, x**2))
_p("matvec", lambda f, x: f(x, x[0]))
_p("vecmat", lambda f, x: f(x[:, 0], x))
_p("tensordot", lambda f, x: f(x, x, axes=([1], [1])))
_p("einsum", lambda f, x: f("ij,kj->ik", x, x))
_p("cross", lambda f, x: f(x, x[::-1] ** 2))
_p("partition argpartition", lambda f, x: f(x, 1))
_p("searchsorted", lambda f, x: f(np.array([0.1, 0.4, 0.6, 0.9]), x))
_p("digitize", lambda f, x: f(x, np.array([0.1, 0.4, 0.6, 0.9])))
_p("isin", lambda f, x: f(x, x[0]))
_p("quantile nanquantile", lambda f, x: f(x, 0.3, axis=1))
_p("percentile nanpercentile", lambda f, x: f(x, 30.0, axis=1))
_p("pad", lambda f, x: f(x, ((1, 2), (0, 1)), mode="reflect"))
_p("diag diagflat", lambda f, x: f(x[0]))
_p("vander", lambda f, x: f(x[0], 3))
_p("convolve correlate polyval polyadd polysub polymul", lambda f, x: f(x[0], x[1, :2]))
_p("interp", lambda f, x: f(x[1] * 0.9, np.array([0.1, 0.5, 0.9]), x[0]))
_p("linspace logspace", lambda f, x: f(x[0], x[1], 4))
_p("geomspace", lambda f, x: f(x[0], x[1] + 1.0, 4))
_p("full", lambda f, x: f((2, 2), x[0, 0]))
_p("append", lambda f, x: f(x, x**2, axis=0))
_p("delete", lambda f, x: f(x, 1, axis=1))
_p("insert", lambda f, x: f(x, 1, x[:, 0] ** 2, axis=1))
_p("bincount", lambda f, x: f(np.array([0, 2, 2]), x[0]))
_p("trace diagonal", lambda f, x: f(x[:, :2]))
_p("permute_dims", lambda f, x: f(x, (1, 0)))
_p("average", lambda f, x: f(x, axis=1, weights=x[0]))
_p("astype", lambda f, x: f(x, np.complex128))
_p("array asarray", lambda f, x: f([x[0], x[1] ** 2]))
_p("at", lambda f, x: f(x)[0, 1].set(x[1, 1] ** 2))
_p("stop_gradient", lambda f, x: f(x) * x)
_p("zeros_like ones_like empty_like", lambda f, x: f(x) + x)
_p("full_like", lambda f, x: f(x, x[0, 0]))
_p("round around", lambda f, x: f(x * 10, 1))
_p("can_cast", lambda f, x: f(x, np.float64))
_p("array_equiv", lambda f, x: f(x, x[0]))
_p("diag_indices_from tril_indices_from triu_indices_from", lambda f, x: f(x[:, :2]))
_p("dsplit", lambda f, x: f(x.reshape(2, 1, 3), 3))
_p("apply_along_axis", lambda f, x: f(lambda v: v**2 * v[0], 0, x))
_p("apply_over_axes", lambda f, x: f(wnp.sum, x, [0]))
_p("poly", lambda f, x: f(x[0]))
_p("polydiv", lambda f, x: f(x[0], x[1, :2]))
_p("resize", lambda f, x: f(x, (3, 3)))
# numpy.linalg
_p("linalg.cholesky linalg.eigh linalg.eigvalsh", lambda f, x: f((x + x.T) / 2), _spd)
_p(
    "linalg.det linalg.inv linalg.slogdet linalg.eig linalg.eigvals linalg.qr linalg.svd linalg.svdvals "
    "linalg.pinv linalg.norm linalg.matrix_norm linalg.cond linalg.matrix_transpose linalg.diagonal "
    "linalg.trace",
    lambda f, x: f(x),
    _square,
)
_p("linalg.solve linalg.matmul", lambda f, x: f(x, x[:, :2]), _square)
_p("linalg.lstsq", lambda f, x: f(x, x[:, :2])[0], _square)
_p("linalg.matrix_power", lambda f, x: f(x, 3), _square)
_p("linalg.vector_norm", lambda f, x: f(x, axis=1), _square)
_p("linalg.multi_dot", lambda f, x: f([x, x.T, x]), _square)
_p("linalg.outer linalg.vecdot", lambda f, x: f(x[0], x[1]), _square)
_p("linalg.tensordot", lambda f, x: f(x, x, axes=1), _square)
_p("linalg.tensorinv", lambda f, x: f(np.reshape(x, (3, 3)), ind=1), _square)
_p("linalg.tensorsolve", lambda f, x: f(x, x[0]), _square)
# numpy.fft
_p("fft.fftfreq fft.rfftfreq", lambda f, x: f(4, x[0, 0]))
_p("fft.fftshift fft.ifftshift", lambda f, x: f(x))
_p("fft.irfft fft.hfft", lambda f, x: f(x[0]))

# Conventions that make a column differ from finite differences on purpose.
NOTES = {
    "stop_gradient": "zero derivative by design",
    "sign": "zero derivative by convention (also for complex z/abs(z))",
    "extract": "output length depends on values: no vmap",
    "compress": "output length depends on values: no vmap",
    "flatnonzero": "output length depends on values",
    "argwhere": "output length depends on values",
    "nonzero": "output length depends on values",
    "geomspace": "complex start/stop refused on traced values",
    "trim_zeros": "output shape depends on values: no vmap",
    "polydiv": "remainder length depends on values: no vmap",
    "float_power": "complex input is cast to float64 first (the imaginary part is dropped)",
}

# --------------------------------------------------------------------------- probing


class _Probe:
    """The outcome of running one function in every mode."""

    def __init__(self) -> None:
        self.kind = ""
        self.vjp = self.jvp = self.vmap = self.complex = ""
        self.note = ""


def _err(e: BaseException) -> str:
    return f"{NO} {type(e).__name__}"


def _inexact_leaves(out: Any) -> list:
    return [np.asarray(v) for v in tree_leaves(out) if np.issubdtype(np.asarray(v).dtype, np.inexact)]


def _close(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    la = [np.asarray(v) for v in tree_leaves(a)]
    lb = [np.asarray(v) for v in tree_leaves(b)]
    if len(la) != len(lb):
        return False
    return all(x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True) for x, y in zip(la, lb))


def _fd(fn: Callable, x: np.ndarray, v: np.ndarray, h: float = 1e-6) -> Any:
    plus, minus = fn(x + h * v), fn(x - h * v)
    return tree_map(
        lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * h)
        if np.issubdtype(np.asarray(p).dtype, np.inexact)
        else np.zeros(np.shape(p)),
        plus,
        minus,
    )


def _pair(u: Any, v: Any) -> float:
    return float(
        sum(
            np.real(np.sum(np.asarray(a, np.complex128) * np.asarray(b, np.complex128)))
            for a, b in zip(tree_leaves(u), tree_leaves(v))
            if np.issubdtype(np.asarray(a).dtype, np.inexact)
        )
    )


def _random_like(out: Any, rng: np.random.Generator) -> Any:
    def f(o: Any) -> Any:
        o = np.asarray(o)
        if not np.issubdtype(o.dtype, np.inexact):
            return np.zeros_like(o)
        r = rng.standard_normal(o.shape)
        if np.iscomplexobj(o):
            r = r + 1j * rng.standard_normal(o.shape)
        return r.astype(o.dtype)

    return tree_map(f, out)


def _check_transpose(fn: Callable, x: np.ndarray, rng: np.random.Generator) -> bool:
    """Central differences of ``fn`` against its VJP under Re(sum(u * v)) (any dtype)."""
    v = rng.standard_normal(x.shape)
    if np.iscomplexobj(x):
        v = v + 1j * rng.standard_normal(x.shape)
    out, vjp_fn = w.vjp(fn, x)
    ct = _random_like(out, rng)
    numeric = _pair(ct, _fd(fn, x, v))
    (g,) = vjp_fn(ct)
    analytic = _pair(g, v)
    return abs(numeric - analytic) <= 1e-6 + 1e-5 * abs(numeric)


def _check_jvp(fn: Callable, x: np.ndarray, rng: np.random.Generator) -> bool:
    v = rng.standard_normal(x.shape).astype(x.dtype)
    if np.iscomplexobj(x):
        v = v + 1j * rng.standard_normal(x.shape)
    _, t = w.jvp(fn, (x,), (v,))
    expected = _fd(fn, x, v)
    t = tree_map(lambda a, e: np.zeros(np.shape(e)) if a is None else a, t, expected) if t is not None else expected
    return _close(t, expected, rtol=1e-5, atol=1e-6)


def _run_vmap(fn: Callable, xs: np.ndarray) -> str:
    used: list = []
    orig = batching._loop_rule

    def spy(prim: Any, *a: Any, **k: Any) -> Any:
        used.append(prim.name)
        return orig(prim, *a, **k)

    batching._loop_rule = spy
    try:
        got = w.vmap(fn)(xs)
    finally:
        batching._loop_rule = orig
    per = [fn(x) for x in xs]
    expected = tree_map(lambda *ys: np.stack([np.asarray(y) for y in ys]), *per)
    if not _close(got, expected, rtol=1e-9, atol=1e-12):
        return "wrong"
    return f"{YES} loop" if used else f"{YES} rule"


def probe(f: Callable, call: Callable, make: Callable) -> _Probe:
    r = _Probe()
    rng = np.random.default_rng(0)
    x = make(np.float64)

    def fn(a: Any) -> Any:
        return call(f, a)

    try:
        out = fn(x)
    except Exception as e:  # noqa: BLE001
        r.kind = "not probed"
        r.note = f"{type(e).__name__} on the probe input; add an entry to PROBES"
        return r
    if any(isinstance(v, (np.dtype, type)) for v in tree_leaves(out)):
        r.kind = "dtype query"
    diff = bool(_inexact_leaves(out))
    r.kind = r.kind or ("differentiable" if diff else "non-differentiable")
    # Reverse mode.
    try:
        if diff:
            r.vjp = YES if _check_transpose(fn, x, rng) else "wrong"
        else:
            w.vjp(lambda a: (fn(a), wnp.sum(a))[1], x)
            r.vjp = "0"
    except Exception as e:  # noqa: BLE001
        r.vjp = _err(e)
    # Forward mode.
    try:
        if diff:
            r.jvp = YES if _check_jvp(fn, x, rng) else "wrong"
        else:
            w.jvp(lambda a: (fn(a), wnp.sum(a))[1], (x,), (np.ones_like(x),))
            r.jvp = "0"
    except Exception as e:  # noqa: BLE001
        r.jvp = _err(e)
    # Batching.
    if r.kind == "dtype query":
        r.vmap = r.complex = "—"
        return r
    try:
        r.vmap = _run_vmap(fn, np.stack([x, make(np.float64, seed=1)]))
    except Exception as e:  # noqa: BLE001
        r.vmap = _err(e)
    # Complex input.
    if not diff:
        r.complex = "—"
        return r
    xc = x + 0.5j * make(np.float64, seed=2)
    try:
        with np.errstate(all="ignore"):
            fn(xc)
    except Exception:  # noqa: BLE001  (NumPy itself refuses complex input)
        r.complex = "—"
        return r
    try:
        ok = _check_jvp(fn, xc, rng) and _check_transpose(fn, xc, rng)
        r.complex = YES if ok else "wrong"
    except Exception as e:  # noqa: BLE001
        r.complex = _err(e)
    return r


# --------------------------------------------------------------------------- namespaces


def _plain_numpy(obj: Any, np_mod: Any, name: str) -> bool:
    return getattr(np_mod, name, None) is obj


def _dispatch_mark(np_obj: Any) -> str:
    """Whether plain NumPy reaches wengert for traced values (— where NumPy has no such
    function or it cannot dispatch: C constructors such as np.array)."""
    if np_obj is None:
        return "—"
    if not isinstance(np_obj, np.ufunc) and not hasattr(np_obj, "_implementation"):
        return "—"
    try:
        return YES if (np_obj in _dispatch._FUNCS or np_obj in _dispatch._UFUNCS) else NO
    except TypeError:
        return NO


def _public(mod: Any) -> list[str]:
    names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
    return sorted(set(names))


def namespace_rows(mod: Any, np_mod: Any, prefix: str) -> tuple[list, list]:
    rows, plain = [], []
    for name in _public(mod):
        obj = getattr(mod, name, None)
        if not callable(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            continue
        if isinstance(obj, type) or name in ("dtype", "finfo", "iinfo", "random"):
            continue
        if _plain_numpy(obj, np_mod, name):
            plain.append(name)
            continue
        key = prefix + name
        call, make = PROBES.get(key, (lambda f, x: f(x), _unit))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                r = probe(obj, call, make)
        r.note = r.note or NOTES.get(key, "")
        rows.append((name, _dispatch_mark(getattr(np_mod, name, None)), r))
    return rows, plain


def _modules_of_primitives() -> dict:
    where: dict = {}
    for info in pkgutil.iter_modules(wengert.ops.__path__):
        mod = importlib.import_module(f"wengert.ops.{info.name}")
        for v in vars(mod).values():
            if isinstance(v, Primitive):
                where.setdefault(v.name, f"ops/{info.name}.py")
    return where


_SAVE = {0: "nothing", 1: "args", 2: "output", 3: "args+output", 4: "shapes", 6: "output+shapes"}


def primitive_rows() -> list:
    where = _modules_of_primitives()
    rows = []
    for name in sorted(Primitive.registry):
        p = Primitive.registry[name]
        if p.nondiff:
            deriv = "zero"
            vjp = jvp = "—"
        else:
            deriv = "partials" if p.partials is not None else "rules"
            vjp = YES if (p.vjps is not None or p.vjp_all is not None) else NO
            jvp = YES if p.jvp is not None else NO
        rows.append(
            (
                name,
                where.get(name, "(user / other)"),
                deriv,
                vjp,
                jvp,
                "rule" if p.batch is not None else "loop",
                "yes" if p.elementwise else "",
                "—" if p.nondiff else _SAVE.get(p.save, str(p.save)),
            )
        )
    return rows


def uncovered_ufuncs() -> list[str]:
    return sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc) and getattr(np, n) not in _dispatch._UFUNCS)


def uncovered_functions() -> list[str]:
    out = []
    for n in dir(np):
        if n.startswith("_"):
            continue
        obj = getattr(np, n)
        if isinstance(obj, np.ufunc) or not callable(obj) or inspect.isclass(obj):
            continue
        if not hasattr(obj, "_implementation"):  # not dispatched through __array_function__
            continue
        if obj not in _dispatch._FUNCS:
            out.append(n)
    return sorted(out)


# --------------------------------------------------------------------------- document


def _table(header: list[str], rows: list) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return lines


def render() -> str:
    out = [
        "# Coverage",
        "",
        "<!-- Generated by scripts/coverage.py; do not edit by hand. -->",
        "",
        "What wengert differentiates, **found by running it**: every function below was called",
        "on a small input (shape (2, 3) unless `PROBES` in scripts/coverage.py says otherwise).",
        "",
        "- **VJP**: reverse mode agrees with central differences.",
        "- **JVP**: forward mode agrees with central differences.",
        "- **vmap**: `vmap` agrees with a Python loop; `rule` if every primitive met has a",
        "  batching rule, `loop` if some fell back to the per-element loop (correct, slower).",
        "- **complex**: on a complex input, forward mode agrees with central differences and",
        "  reverse mode is its transpose under `Re(sum(u * v))` (JAX's convention); `—` where",
        "  NumPy itself refuses complex input or the output is not differentiable.",
        "- `0`: an integer/boolean result (no derivative) that runs inside the transformation;",
        f"  `{NO} Error`: the transformation raises that error; `wrong`: it runs but disagrees.",
        f"- **`np.`**: {YES} if plain `numpy.<name>` called on a traced value reaches the wengert",
        "  function (through `__array_ufunc__`/`__array_function__`).",
        "",
    ]
    for title, mod, np_mod, prefix in (
        ("`wengert.numpy`", wnp, np, ""),
        ("`wengert.numpy.linalg`", wnp.linalg, np.linalg, "linalg."),
        ("`wengert.numpy.fft`", wnp.fft, np.fft, "fft."),
    ):
        rows, plain = namespace_rows(mod, np_mod, prefix)
        n_ok = sum(1 for _, _, r in rows if r.kind == "differentiable" and r.vjp == YES and r.jvp == YES)
        out += [f"## {title}", "", f"{len(rows)} functions probed, {n_ok} differentiable in both modes.", ""]
        table = [
            (f"`{name}`", disp, r.kind, r.vjp, r.jvp, r.vmap, r.complex, r.note)
            for name, disp, r in rows
        ]
        out += _table(["function", "`np.`", "kind", "VJP", "JVP", "vmap", "complex", "note"], table)
        if plain:
            out += [
                "",
                "Re-exported from NumPy unchanged (constants, dtypes and constructors that take no",
                "traced values; they return plain arrays): " + ", ".join(f"`{n}`" for n in plain) + ".",
            ]
        out.append("")
    prim = primitive_rows()
    out += [
        "## Primitives",
        "",
        f"{len(prim)} registered primitives (`wengert.Primitive.registry`).  *derivative*: `partials`",
        "(elementwise, both rules from declared partial derivatives), `rules` (VJP and JVP written",
        "out) or `zero` (non-differentiable: traces run it on values and record nothing).",
        "*tape keeps*: what reverse mode stores for the VJP.",
        "",
    ]
    out += _table(["primitive", "module", "derivative", "VJP", "JVP", "vmap", "elementwise", "tape keeps"], [
        (f"`{r[0]}`",) + r[1:] for r in prim
    ])
    out += [
        "",
        "## Not covered",
        "",
        "NumPy ufuncs without a wengert rule (integer and bitwise ones; called on a traced value they",
        "raise `NoRuleError`): " + ", ".join(f"`{n}`" for n in uncovered_ufuncs()) + ".",
        "",
        "NumPy functions dispatched through `__array_function__` that have no wengert version (called",
        "on a traced value they raise `NoRuleError` naming the function): "
        + ", ".join(f"`{n}`" for n in uncovered_functions())
        + ".",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    ap.add_argument("--stdout", action="store_true", help="print the document instead of writing it")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = render()
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = args.out.read_text() if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run python scripts/coverage.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
