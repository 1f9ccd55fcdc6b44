"""Regression tests of the trust issue: optimizer structures and rates, numeric orders, CLI points."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

import wengert.numeric as wn
from wengert import optim
from wengert.numeric.finite_diff import MAX_DERIVATIVE_ORDER, stencil

OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSProp, optim.Adagrad]


# ---------------------------------------------------------------- optimizers (items 4, 14)


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: o.__name__)
def test_update_refuses_grads_with_other_keys(opt):
    o = opt(lr=0.1)
    params = {"w": np.ones(2)}
    with pytest.raises(ValueError, match=r"missing key\(s\) 'w' and unexpected key\(s\) 'v'"):
        o.update({"v": np.ones(2)}, o.init(params), params)


def test_update_names_the_nested_place_that_differs():
    o = optim.Adam(lr=0.1)
    params = {"layer": [np.ones(2), np.ones(3)], "b": np.zeros(())}
    grads = {"layer": [np.ones(2)], "b": np.zeros(())}
    with pytest.raises(ValueError, match=r"a list of length 1 where 2 was expected at \['layer'\]"):
        o.update(grads, o.init(params), params)


def test_lbfgs_refuses_grads_with_other_keys():
    o = optim.LBFGS()
    params = {"w": np.ones(2)}
    fun = lambda p: (float(np.sum(p["w"] ** 2)), {"w": 2 * p["w"]})
    with pytest.raises(ValueError, match=r"missing key\(s\) 'w'"):
        o.update({"v": np.ones(2)}, o.init(params), params, fun=fun)


def test_matching_structures_still_update():
    o = optim.SGD(lr=0.5)
    params = {"w": np.ones(2)}
    new, _ = o.update({"w": np.ones(2)}, o.init(params), params)
    np.testing.assert_allclose(new["w"], [0.5, 0.5])


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=lambda o: o.__name__)
@pytest.mark.parametrize("lr", [np.inf, -np.inf, np.nan, -0.1, 0.0])
def test_bad_learning_rates_name_the_optimizer(opt, lr):
    with pytest.raises(ValueError, match=rf"{opt.__name__}: lr must be > 0 and finite"):
        opt(lr=lr)


@pytest.mark.parametrize("bad", [-0.01, np.inf, np.nan])
def test_a_schedule_giving_a_bad_rate_names_the_optimizer_and_step(bad):
    o = optim.Adam(lr=lambda t: 0.1 if t < 2 else bad)
    params = {"w": np.ones(2)}
    state = o.init(params)
    for _ in range(2):
        params, state = o.update({"w": np.ones(2)}, state, params)
    with pytest.raises(ValueError, match=r"Adam: the learning-rate schedule gave .* at step 2"):
        o.update({"w": np.ones(2)}, state, params)


def test_a_schedule_may_start_at_zero():
    o = optim.SGD(lr=lambda t: 0.1 * t)
    params = {"w": np.ones(2)}
    new, _ = o.update({"w": np.ones(2)}, o.init(params), params)
    np.testing.assert_allclose(new["w"], params["w"])


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


# ---------------------------------------------------------------- CLI points (item 14)


def test_cli_variable_given_twice_is_a_usage_error():
    r = subprocess.run(
        [sys.executable, "-m", "wengert.cli", "diff", "x*y", "--at", "x=1,x=2,y=3"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "x is given twice" in r.stderr


# ---------------------------------------------------------------- huge literals (item 9)


@pytest.mark.parametrize("text", ["0x" + "f" * 5000, "0o" + "7" * 1200, "0b" + "1" * 4000, "9" * 1001, "1." + "0" * 1000])
def test_huge_literals_are_parse_errors(text):
    from wengert.symbolic import ParseError, parse

    with pytest.raises(ParseError, match="too long|too large"):
        parse(text)


@pytest.mark.parametrize("text", ["0x" + "f" * 830 + "*x", "9" * 1000 + "+x", "0b" + "1" * 998 + "-x"])
def test_every_accepted_literal_prints_everywhere(text):
    from wengert.symbolic import latex, parse, source, to_str, wengert_list

    e = parse(text)
    for printer in (str, to_str, latex, source, wengert_list):
        assert printer(e)


@pytest.mark.parametrize(("expr", "at", "prim"), [("log(x)", "x=-1", "log"), ("x*y + log(x)", "x=0,y=1", "log"), ("sqrt(x - 2)", "x=1", "sqrt")])
def test_cli_domain_error_without_numpy_warnings(expr, at, prim):
    r = subprocess.run(
        [sys.executable, "-m", "wengert.cli", "diff", expr, "--at", at], capture_output=True, text=True
    )
    assert r.returncode == 1
    assert f"domain error: {prim} is undefined at this point" in r.stderr
    assert "RuntimeWarning" not in r.stderr and ".py:" not in r.stderr


def test_cli_infinite_derivative_prints_without_warnings():
    r = subprocess.run([sys.executable, "-m", "wengert.cli", "diff", "sqrt(x)", "--at", "x=0"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "RuntimeWarning" not in r.stderr
