"""A tangent or cotangent has its primal's dtype (trust issue, item 6)."""

from __future__ import annotations

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
