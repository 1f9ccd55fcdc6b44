"""A tangent or cotangent has its primal's dtype (trust issue, item 6)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import wengert
import wengert.numpy as wnp

X = np.array([0.5, -1.0, 2.0, 0.25], np.float32)

FUNCS = {
    "clip": lambda v: wnp.clip(v, -0.5, 1.0),
    "clip_lower_only": lambda v: wnp.clip(v, 0.0, None),
    "relu_maximum": lambda v: wnp.maximum(v, 0.0),
    "minimum_reflected": lambda v: wnp.minimum(0.0, v),
    "fmax": lambda v: wnp.fmax(v, 0.0),
    "at_set": lambda v: v.at[0].set(3.0),
    "at_add": lambda v: v.at[1:].add(1.0),
    "at_multiply": lambda v: v.at[1].multiply(2.0),
    "at_max": lambda v: v.at[1].max(0.0),
    "at_min": lambda v: v.at[2].min(0.0),
    "where": lambda v: wnp.where(v > 0, v, 0.0),
}


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_float32_stays_float32_in_every_mode(name):
    f = FUNCS[name]
    y, t = wengert.jvp(f, (X,), (np.ones_like(X),))
    assert y.dtype == np.float32 and t.dtype == np.float32
    g = wengert.grad(lambda v: wnp.sum(f(v)))(X)
    assert g.dtype == np.float32
    _, pullback = wengert.vjp(f, X)
    assert pullback(np.ones_like(np.asarray(y)))[0].dtype == np.float32
    j = wengert.jacfwd(f)(X)
    assert j.dtype == np.float32


def test_scipy_special_one_argument_functions_keep_float32():
    pytest.importorskip("scipy")
    import wengert.scipy.special as ws

    x = np.array([0.3, 0.6], np.float32)
    checked = 0
    for n in sorted(dir(ws)):
        f = getattr(ws, n)
        if n.startswith("_") or not callable(f) or isinstance(f, type):
            continue
        try:
            y, t = wengert.jvp(f, (x,), (np.ones_like(x),))
        except Exception:  # needs more arguments, or is not differentiable
            continue
        if getattr(y, "dtype", None) != np.float32:
            continue  # NumPy/SciPy themselves compute it in float64
        assert t.dtype == np.float32, n
        checked += 1
    assert checked >= 10


# ------------------------------------------------------------------ the sweep over every function


def _public_functions():
    """(name, wengert function, reference function, input shape) for every public function of
    ``wengert.numpy``, ``wengert.numpy.linalg`` and ``wengert.scipy.special`` that NumPy or
    SciPy also has."""
    mods = [("numpy", wnp, np, (3,)), ("numpy.linalg", wnp.linalg, np.linalg, (3, 3))]
    try:
        import scipy.special as ss

        import wengert.scipy.special as ws

        mods.append(("scipy.special", ws, ss, (3,)))
    except ImportError:  # pragma: no cover - scipy is in the test extra
        pass
    for mname, mod, ref, shape in mods:
        for n in sorted(dir(mod)):
            f = getattr(mod, n)
            rf = getattr(ref, n, None)
            if n.startswith("_") or not callable(f) or isinstance(f, type) or rf is None or f is rf:
                continue  # (f is rf: NumPy's own function passed through, not wengert's)
            yield f"{mname}.{n}", f, rf, shape


def _fills_out(rf, nargs: int) -> bool:
    try:
        names = list(inspect.signature(rf).parameters)
    except (TypeError, ValueError):
        return False
    return "out" in names and names.index("out") < nargs


def _float32_cases():
    """Each function with each number of float32 arguments (1 to 3, and one float32 array
    with Python floats) for which NumPy/SciPy give float32 results."""
    rng = np.random.default_rng(0)
    cases = []
    for name, f, rf, shape in _public_functions():
        arg_sets = [[(0.2 + 0.6 * rng.random(shape)).astype(np.float32) for _ in range(k)] for k in (1, 2, 3)]
        arg_sets.append([arg_sets[0][0], 0.5])  # a weak Python float beside a float32 array
        for args in arg_sets:
            if isinstance(rf, np.ufunc) and len(args) != rf.nin or _fills_out(rf, len(args)):
                continue  # a further positional argument is NumPy's out=
            try:
                with np.errstate(all="ignore"):
                    r = rf(*args)
            except Exception:  # not this arity
                continue
            rs = r if isinstance(r, tuple) else (r,)
            if not rs or not all(getattr(z, "dtype", None) == np.float32 for z in rs):
                continue
            cases.append((name, f, args))
    return cases


def _sum_all(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    total = 0.0
    for z in outs:
        total = total + wnp.sum(z)
    return total


def test_every_function_keeps_float32_in_jvp_grad_and_vjp():
    """No tangent or cotangent of any public function leaves float32 (and no value does)."""
    checked, bad = 0, []
    cases = _float32_cases()
    for name, f, args in cases:
        arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]

        def g(*xs, args=args, arrays=arrays, f=f):
            full = list(args)
            for i, x in zip(arrays, xs):
                full[i] = x
            return f(*full)

        primals = tuple(args[i] for i in arrays)
        try:
            with np.errstate(all="ignore"):
                y, t = wengert.jvp(g, primals, tuple(np.ones_like(p) for p in primals))
                grads = wengert.grad(lambda *xs: _sum_all(g(*xs)), argnums=tuple(range(len(primals))))(*primals)
                out, pullback = wengert.vjp(g, *primals)
                cts = pullback(type(out)(np.ones_like(o) for o in out) if isinstance(out, (tuple, list)) else np.ones_like(out))
        except (wengert.errors.WengertError, TypeError, ValueError, IndexError):
            # not differentiable (an integer-valued or index function), or an argument wengert
            # refuses (a float where NumPy truncates to an int): no tangent to check
            continue
        checked += 1
        leaves = [("value", v) for v in (y if isinstance(y, (tuple, list)) else (y,))]
        leaves += [("tangent", v) for v in (t if isinstance(t, (tuple, list)) else (t,))]
        leaves += [("grad", v) for v in grads] + [("vjp", v) for v in cts]
        wrong = sorted({kind for kind, v in leaves if v is not None and np.asarray(v).dtype != np.float32})
        if wrong:
            bad.append(f"{name}/{len(args)}: {', '.join(wrong)}")
    assert bad == []
    assert checked > 250, checked
