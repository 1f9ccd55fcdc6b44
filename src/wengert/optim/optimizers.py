"""First-order optimizers over pytrees: SGD, Adam, AdamW, RMSProp, Adagrad; gradient clipping.

An optimizer is a small object that holds only its hyperparameters.  Everything that changes
during training lives in a *state* that the caller keeps:

    opt = Adam(lr=1e-3)
    state = opt.init(params)                            # a NamedTuple of pytrees
    for batch in data:
        grads = wengert.grad(loss)(params, *batch)
        params, state = opt.update(grads, state, params)

``init`` and ``update`` are pure functions of their arguments: they never modify the arrays
they are given (new arrays are returned), so an old ``(params, state)`` pair stays valid and
the same optimizer object can drive several models.  Updates are written with ordinary
array arithmetic, so they can themselves be differentiated (the gradient of a loss after an
update with respect to the parameters before it, as in meta-learning).  States are NamedTuples whose fields are
pytrees (``None`` where a feature is off) and a step counter, so they round-trip through
``wengert.tree_flatten`` / ``tree_unflatten`` and can be saved with ``np.savez`` and
restored (``int(state.count)`` accepts the 0-d array that comes back).

Learning rates are numbers or schedules (``wengert.optim.schedules``: callables
``step -> lr``); the schedule is called with the number of updates already taken.
Every optimizer takes ``clip_value`` (clip each gradient entry to ``[-clip_value,
clip_value]``) and ``clip_norm`` (rescale the whole gradient to global norm at most
``clip_norm``), applied in that order before the update.  Updates keep each parameter's
dtype (float32 stays float32).

The update formulas follow PyTorch's ``torch.optim`` conventions (documented on each class).
"""

from __future__ import annotations

import abc
import math
from typing import Any, NamedTuple

import numpy as np

from ..tree import tree_flatten, tree_unflatten
from ._tree_util import as_leaf, fast_leaves, global_norm, structure_difference, tree_zeros_like
from .schedules import LearningRate, as_schedule

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSProp",
    "Adagrad",
    "SGDState",
    "AdamState",
    "RMSPropState",
    "AdagradState",
    "clip_by_value",
    "clip_by_global_norm",
    "global_norm",
]


# --------------------------------------------------------------------------- clipping


def clip_by_value(grads: Any, clip_value: float) -> Any:
    """Each entry of each leaf clipped to ``[-clip_value, clip_value]``."""
    c = float(clip_value)
    if not c > 0:
        raise ValueError(f"clip_by_value: clip_value must be > 0, got {clip_value}")
    leaves, td = tree_flatten(grads)
    return tree_unflatten(td, [np.clip(g, -c, c) for g in leaves])


def clip_by_global_norm(grads: Any, max_norm: float) -> Any:
    """``grads`` scaled by ``max_norm / global_norm(grads)`` when that norm exceeds
    ``max_norm`` (the direction is kept); unchanged otherwise."""
    m = float(max_norm)
    if not m > 0:
        raise ValueError(f"clip_by_global_norm: max_norm must be > 0, got {max_norm}")
    norm = global_norm(grads)
    if not norm > m:  # also leaves NaN norms alone, so the NaN stays visible
        return grads
    scale = m / norm
    leaves, td = tree_flatten(grads)
    return tree_unflatten(td, [g * scale for g in leaves])


# --------------------------------------------------------------------------- base class


def _check_nonneg(name: str, value: float, cls: str) -> float:
    value = float(value)
    if not value >= 0:
        raise ValueError(f"{cls}: {name} must be >= 0, got {value}")
    return value


def _check_unit(name: str, value: float, cls: str) -> float:
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"{cls}: {name} must be in [0, 1), got {value}")
    return value


class Optimizer(abc.ABC):
    """Base class: ``init(params) -> state`` and ``update(grads, state, params) ->
    (new_params, new_state)``.

    Subclasses implement ``init`` and ``_update`` (which receives clipped gradients).
    ``requires_loss`` is True for optimizers whose ``update`` also needs the loss
    function (L-BFGS's line search); ``minimize`` passes it as ``fun=``.
    """

    requires_loss = False

    def __init__(self, lr: LearningRate, clip_value: float | None = None, clip_norm: float | None = None) -> None:
        name = type(self).__name__
        self.lr = lr
        self._schedule = as_schedule(lr)
        if not callable(lr) and not (float(lr) > 0 and math.isfinite(float(lr))):
            raise ValueError(f"{name}: lr must be > 0 and finite, got {lr}")
        self.clip_value = None if clip_value is None else float(clip_value)
        self.clip_norm = None if clip_norm is None else float(clip_norm)
        for n, v in (("clip_value", self.clip_value), ("clip_norm", self.clip_norm)):
            if v is not None and not v > 0:
                raise ValueError(f"{name}: {n} must be > 0, got {v}")

    # -- public API

    @abc.abstractmethod
    def init(self, params: Any) -> Any:
        """The state before the first update (a NamedTuple of pytrees and a counter)."""

    def update(self, grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
        """One step: ``(new_params, new_state)``.  ``grads`` has ``params``' structure."""
        grads = self.clip(grads)
        return self._update(grads, state, params)

    def learning_rate(self, count: int) -> float:
        """The learning rate of update number ``count`` (0-based); a schedule that gives a
        negative or non-finite rate is an error, not a silently diverging run."""
        lr = float(self._schedule(int(count)))
        if not (lr >= 0.0 and math.isfinite(lr)):
            raise ValueError(
                f"{type(self).__name__}: the learning-rate schedule gave {lr} at step {int(count)}; "
                "a rate must be finite and >= 0 (check the schedule's parameters)"
            )
        return lr

    def clip(self, grads: Any) -> Any:
        """The gradient clipping this optimizer applies before its update."""
        if self.clip_value is not None:
            grads = clip_by_value(grads, self.clip_value)
        if self.clip_norm is not None:
            grads = clip_by_global_norm(grads, self.clip_norm)
        return grads

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"

    # -- for subclasses

    @abc.abstractmethod
    def _update(self, grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
        """The update proper, on already clipped gradients."""

    def _leaves(self, grads: Any, params: Any, *slots: Any) -> tuple[Any, list, list, list[list]]:
        """Flatten ``params`` (with its TreeDef), ``grads`` and the state's per-parameter
        pytrees, checking that their leaves correspond (same number and shapes).

        Only ``params`` gets a full ``tree_flatten``: the others are walked by the cheaper
        ``fast_leaves`` (same order), which matters for small models where flattening
        costs as much as the arithmetic."""
        p_leaves, td = tree_flatten(params)
        p_leaves = [as_leaf(p) for p in p_leaves]
        g_leaves, g_td = tree_flatten(grads)
        if g_td != td:
            self._structure_error(grads, params, g_td, td)
        self._match(g_leaves, p_leaves, "grads", td)
        out = []
        for s in slots:
            s_leaves = fast_leaves(s)
            self._match(s_leaves, p_leaves, "the state", td)
            out.append(s_leaves)
        return td, g_leaves, p_leaves, out

    def _check_structure(self, grads: Any, params: Any) -> None:
        """Gradients pair with parameters by structure (dict keys, lengths), not position."""
        g_td = tree_flatten(grads)[1]
        td = tree_flatten(params)[1]
        if g_td != td:
            self._structure_error(grads, params, g_td, td)

    def _structure_error(self, grads: Any, params: Any, g_td: Any, td: Any) -> None:
        raise ValueError(
            f"{type(self).__name__}.update: grads and params have different structures: "
            f"{structure_difference(grads, params)} (grads {g_td!r}, params {td!r})"
        )

    def _match(self, leaves: list, p_leaves: list, what: str, td: Any) -> None:
        name = type(self).__name__
        if len(leaves) != len(p_leaves):
            raise ValueError(
                f"{name}.update: {what} has {len(leaves)} leaves but params have {len(p_leaves)} "
                f"(structure {td!r})" + ("; was the state made by init() for these parameters?" if what != "grads" else "")
            )
        for i, (x, p) in enumerate(zip(leaves, p_leaves)):
            shape = x.shape if x.__class__ is np.ndarray else np.shape(x)
            if shape != p.shape:
                raise ValueError(
                    f"{name}.update: leaf {i} of {what} has shape {np.shape(x)} but the parameter has shape {p.shape}"
                )


# --------------------------------------------------------------------------- SGD


class SGDState(NamedTuple):
    count: Any  # updates taken so far
    momentum: Any  # the velocity pytree, or None without momentum


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay.

    With ``g = grad + weight_decay * p``: without momentum ``p <- p - lr * g``; with momentum
    ``v <- momentum * v + g`` (``v`` starts at 0), then ``p <- p - lr * v``, or with
    ``nesterov=True`` ``p <- p - lr * (g + momentum * v)`` (PyTorch's ``SGD`` without
    dampening).
    """

    def __init__(
        self,
        lr: LearningRate = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        *,
        clip_value: float | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_value, clip_norm)
        self.momentum = _check_unit("momentum", momentum, "SGD")
        self.nesterov = bool(nesterov)
        self.weight_decay = _check_nonneg("weight_decay", weight_decay, "SGD")
        if self.nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")

    def init(self, params: Any) -> SGDState:
        return SGDState(0, tree_zeros_like(params) if self.momentum else None)

    def _update(self, grads: Any, state: SGDState, params: Any) -> tuple[Any, SGDState]:
        count = int(state.count)
        lr = self.learning_rate(count)
        mu, wd = self.momentum, self.weight_decay
        slots = (state.momentum,) if mu else ()
        td, gs, ps, sl = self._leaves(grads, params, *slots)
        new_p, new_v = [], []
        for i, (g, p) in enumerate(zip(gs, ps)):
            if wd:
                g = g + wd * p
            if mu:
                v = mu * sl[0][i] + g
                new_v.append(v)
                g = g + mu * v if self.nesterov else v
            new_p.append(p - lr * g)
        mom = tree_unflatten(td, new_v) if mu else None
        return tree_unflatten(td, new_p), SGDState(count + 1, mom)


# --------------------------------------------------------------------------- Adam / AdamW


class AdamState(NamedTuple):
    count: Any
    mu: Any  # first-moment estimates (pytree like params)
    nu: Any  # second-moment estimates


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; ``weight_decay`` adds the L2 term
    ``weight_decay * p`` to the gradient (PyTorch's ``Adam``; use ``AdamW`` for decoupled decay).

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``, and at step ``t`` (from 1)
    ``p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        b1: float = 0.9,
        b2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        clip_value: float | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_value, clip_norm)
        name = type(self).__name__
        self.b1 = _check_unit("b1", b1, name)
        self.b2 = _check_unit("b2", b2, name)
        self.eps = _check_nonneg("eps", eps, name)
        self.weight_decay = _check_nonneg("weight_decay", weight_decay, name)

    def init(self, params: Any) -> AdamState:
        return AdamState(0, tree_zeros_like(params), tree_zeros_like(params))

    _decoupled = False

    def _update(self, grads: Any, state: AdamState, params: Any) -> tuple[Any, AdamState]:
        count = int(state.count)
        lr = self.learning_rate(count)
        t = count + 1
        b1, b2 = self.b1, self.b2
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        # m_hat / (sqrt(v_hat) + eps) == (sqrt(c2) / c1) * m / (sqrt(v) + eps * sqrt(c2))
        step = lr * c2**0.5 / c1
        eps_hat = self.eps * c2**0.5
        wd = self.weight_decay
        decay = 1.0 - lr * wd if self._decoupled else 1.0
        td, gs, ps, (mus, nus) = self._leaves(grads, params, state.mu, state.nu)
        new_p, new_m, new_v = [], [], []
        for g, p, mu, nu in zip(gs, ps, mus, nus):
            if wd and not self._decoupled:
                g = g + wd * p
            m = b1 * mu + (1.0 - b1) * g
            v = b2 * nu + (1.0 - b2) * (g * g)
            u = m / (np.sqrt(v) + eps_hat)
            new_p.append((p * decay if decay != 1.0 else p) - step * u)
            new_m.append(m)
            new_v.append(v)
        return tree_unflatten(td, new_p), AdamState(count + 1, tree_unflatten(td, new_m), tree_unflatten(td, new_v))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019; PyTorch's ``AdamW``):
    each step first shrinks ``p <- p * (1 - lr * weight_decay)``, then applies Adam's update
    to the unmodified gradient.  Default ``weight_decay=0.01``."""

    _decoupled = True

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        b1: float = 0.9,
        b2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        *,
        clip_value: float | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, b1, b2, eps, weight_decay, clip_value=clip_value, clip_norm=clip_norm)


# --------------------------------------------------------------------------- RMSProp


class RMSPropState(NamedTuple):
    count: Any
    nu: Any  # running mean of squared gradients
    mu: Any  # running mean of gradients (centered=True), else None
    momentum: Any  # momentum buffer (momentum > 0), else None


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton, 2012), PyTorch's ``RMSprop`` conventions.

    ``v <- decay v + (1 - decay) g^2``; the denominator is ``sqrt(v) + eps``, or with
    ``centered=True`` ``sqrt(v - m^2) + eps`` where ``m <- decay m + (1 - decay) g``.  Without
    momentum ``p <- p - lr g / denom``; with it ``b <- momentum b + g / denom`` and
    ``p <- p - lr b``.  ``weight_decay`` adds ``weight_decay * p`` to the gradient.
    """

    def __init__(
        self,
        lr: LearningRate = 0.01,
        decay: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
        *,
        clip_value: float | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_value, clip_norm)
        self.decay = _check_unit("decay", decay, "RMSProp")
        self.eps = _check_nonneg("eps", eps, "RMSProp")
        self.momentum = _check_unit("momentum", momentum, "RMSProp")
        self.centered = bool(centered)
        self.weight_decay = _check_nonneg("weight_decay", weight_decay, "RMSProp")

    def init(self, params: Any) -> RMSPropState:
        z = tree_zeros_like
        return RMSPropState(
            0, z(params), z(params) if self.centered else None, z(params) if self.momentum else None
        )

    def _update(self, grads: Any, state: RMSPropState, params: Any) -> tuple[Any, RMSPropState]:
        count = int(state.count)
        lr = self.learning_rate(count)
        a, eps, mom, wd = self.decay, self.eps, self.momentum, self.weight_decay
        slots = [state.nu]
        if self.centered:
            slots.append(state.mu)
        if mom:
            slots.append(state.momentum)
        td, gs, ps, sl = self._leaves(grads, params, *slots)
        new_p, new_v, new_m, new_b = [], [], [], []
        for i, (g, p) in enumerate(zip(gs, ps)):
            if wd:
                g = g + wd * p
            v = a * sl[0][i] + (1.0 - a) * (g * g)
            new_v.append(v)
            if self.centered:
                m = a * sl[1][i] + (1.0 - a) * g
                new_m.append(m)
                u = g / (np.sqrt(v - m * m) + eps)
            else:
                u = g / (np.sqrt(v) + eps)
            if mom:
                u = mom * sl[-1][i] + u
                new_b.append(u)
            new_p.append(p - lr * u)
        return tree_unflatten(td, new_p), RMSPropState(
            count + 1,
            tree_unflatten(td, new_v),
            tree_unflatten(td, new_m) if self.centered else None,
            tree_unflatten(td, new_b) if mom else None,
        )


# --------------------------------------------------------------------------- Adagrad


class AdagradState(NamedTuple):
    count: Any
    sum_sq: Any  # accumulated squared gradients


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): ``s <- s + g^2``, ``p <- p - lr g / (sqrt(s) + eps)``;
    ``s`` starts at ``initial_accumulator_value`` (PyTorch's ``Adagrad``, no lr decay).
    ``weight_decay`` adds ``weight_decay * p`` to the gradient."""

    def __init__(
        self,
        lr: LearningRate = 0.01,
        eps: float = 1e-10,
        initial_accumulator_value: float = 0.0,
        weight_decay: float = 0.0,
        *,
        clip_value: float | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(lr, clip_value, clip_norm)
        self.eps = _check_nonneg("eps", eps, "Adagrad")
        self.initial_accumulator_value = _check_nonneg("initial_accumulator_value", initial_accumulator_value, "Adagrad")
        self.weight_decay = _check_nonneg("weight_decay", weight_decay, "Adagrad")

    def init(self, params: Any) -> AdagradState:
        leaves, td = tree_flatten(params)
        s0 = self.initial_accumulator_value
        return AdagradState(0, tree_unflatten(td, [np.full_like(as_leaf(p), s0) for p in leaves]))

    def _update(self, grads: Any, state: AdagradState, params: Any) -> tuple[Any, AdagradState]:
        count = int(state.count)
        lr = self.learning_rate(count)
        td, gs, ps, (ss,) = self._leaves(grads, params, state.sum_sq)
        new_p, new_s = [], []
        for g, p, s in zip(gs, ps, ss):
            if self.weight_decay:
                g = g + self.weight_decay * p
            s = s + g * g
            new_p.append(p - lr * (g / (np.sqrt(s) + self.eps)))
            new_s.append(s)
        return tree_unflatten(td, new_p), AdagradState(count + 1, tree_unflatten(td, new_s))
