"""Derivative and accuracy orders: refused at once beyond float64, set up quickly, still
computed when accepted (trust issue, item 11) (moved from tests/test_trust_misc.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest

import wengert.numeric as wn
from wengert.numeric.finite_diff import MAX_DERIVATIVE_ORDER, stencil

# ---------------------------------------------------------------- numeric orders (item 11)


@pytest.mark.parametrize("n", [MAX_DERIVATIVE_ORDER + 1, 100, 300])
def test_orders_beyond_float64_are_refused_at_once(n):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=rf"n={n} is beyond what float64"):
        wn.derivative(np.exp, 0.3, n=n)
    assert time.perf_counter() - t0 < 0.1


def test_huge_accuracy_orders_are_refused():
    with pytest.raises(ValueError, match="accuracy order=40"):
        wn.derivative(np.exp, 0.3, n=2, order=40)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_every_accepted_order_sets_up_in_under_100_ms(method):
    for n in range(1, MAX_DERIVATIVE_ORDER + 1):
        order = 2 if method == "central" else 1
        best = np.inf
        for _ in range(3):
            stencil.cache_clear()
            t0 = time.perf_counter()
            stencil(n, order, method)
            best = min(best, time.perf_counter() - t0)
        assert best < 0.1, (n, method, best)


def test_accepted_high_order_still_computes():
    est = wn.derivative(np.exp, 0.3, n=4)
    assert est.value == pytest.approx(np.exp(0.3), rel=1e-4)
