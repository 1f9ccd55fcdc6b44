"""``wengert.optim``: optimizers over pytrees, learning-rate schedules, the ``minimize``
training loop and a bridge to ``scipy.optimize.minimize``.

    import wengert.optim as optim
    opt = optim.Adam(lr=optim.warmup(optim.cosine_decay(1e-2, 1000), 50), clip_norm=1.0)
    state = opt.init(params)
    params, state = opt.update(grads, state, params)          # pure: nothing is modified

    result = optim.minimize(loss, params, optimizer=opt, data=optim.batches(X, y, batch_size=64), epochs=10)
    res = optim.scipy_minimize(f, x0, method="trust-ncg")     # exact gradients and Hessian-vector products
"""

from __future__ import annotations

from . import schedules
from ._tree_util import global_norm, ravel_pytree, tree_vdot
from .lbfgs import LBFGS, LBFGSState
from .loop import Batches, MinimizeResult, StepInfo, batches, minimize
from .optimizers import (
    SGD,
    Adagrad,
    AdagradState,
    Adam,
    AdamState,
    AdamW,
    Optimizer,
    RMSProp,
    RMSPropState,
    SGDState,
    clip_by_global_norm,
    clip_by_value,
)
from .schedules import Schedule, constant, cosine_decay, exponential_decay, step_decay, warmup
from .scipy_bridge import scipy_minimize

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSProp",
    "Adagrad",
    "LBFGS",
    "SGDState",
    "AdamState",
    "RMSPropState",
    "AdagradState",
    "LBFGSState",
    "clip_by_value",
    "clip_by_global_norm",
    "global_norm",
    "tree_vdot",
    "ravel_pytree",
    "schedules",
    "Schedule",
    "constant",
    "step_decay",
    "exponential_decay",
    "cosine_decay",
    "warmup",
    "minimize",
    "MinimizeResult",
    "StepInfo",
    "batches",
    "Batches",
    "scipy_minimize",
]
