"""Optimizers refuse gradients whose structure differs and bad learning rates, naming the
optimizer, the place and the step (trust issue, items 4 and 14) (moved from tests/test_trust_misc.py)."""

from __future__ import annotations

import numpy as np
import pytest

from wengert import optim

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
