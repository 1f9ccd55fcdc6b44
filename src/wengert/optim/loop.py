"""``minimize``: the training loop in one call, with mini-batches, early stopping, callbacks
and a progress bar.

    result = minimize(loss, params, optimizer=Adam(1e-3), data=batches(X, y, batch_size=64), epochs=20)
    result.params, result.history["loss"]

``loss(params, *args)`` returns a scalar (or ``(scalar, aux)`` with ``has_aux=True``); its
gradient with respect to ``params`` comes from ``wengert.value_and_grad``.  ``data`` says
what ``args`` are:

- ``None``: ``loss(params)``, full batch;
- a ``tuple``: the extra arguments, full batch (``data=(X, y)`` calls ``loss(params, X, y)``);
- an array or a dict: one extra argument, full batch;
- any other iterable (a list of batches, a generator, ``batches(...)``, a data loader):
  mini-batches, one optimizer step per batch; a batch that is a tuple is unpacked into the
  arguments, anything else is passed as one argument.  A re-iterable object (a list,
  ``batches``) is iterated once per epoch; a one-shot iterator ends training when exhausted;
- a callable with no arguments: called at the start of each epoch to get that epoch's
  iterable of batches.

With full-batch data each step is an epoch.  The loop stops after ``steps`` optimizer steps
or ``epochs`` epochs (whichever comes first; the default is 1000 steps for full-batch data
and 1 epoch for mini-batches), when the loss stops improving (``tol``, ``patience``), when
the gradient norm falls to ``gtol``, or when a callback returns ``True``.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from ..api import value_and_grad
from ._tree_util import cast_leaves, global_norm, leaf_dtypes, ravel_pytree
from .lbfgs import STATUS_MESSAGES
from .optimizers import Adam, Optimizer

__all__ = ["minimize", "MinimizeResult", "StepInfo", "batches", "Batches"]


# --------------------------------------------------------------------------- data


class Batches:
    """Mini-batches of arrays that share their first axis, re-iterable: each ``iter()`` is
    one epoch (a fresh shuffle when ``shuffle=True``).  Shuffles are reproducible: epoch
    ``e`` uses ``np.random.default_rng([seed, e])``, independent of any global RNG.  Each
    batch is a tuple with one slice per array."""

    def __init__(
        self, *arrays: Any, batch_size: int, shuffle: bool = True, seed: int = 0, drop_last: bool = False
    ) -> None:
        if not arrays:
            raise ValueError("batches: give at least one array")
        n = len(arrays[0])
        for i, a in enumerate(arrays):
            if len(a) != n:
                raise ValueError(f"batches: array {i} has {len(a)} rows, array 0 has {n}")
        if int(batch_size) < 1:
            raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
        self.arrays, self.n, self.batch_size = arrays, n, int(batch_size)
        self.shuffle, self.seed, self.drop_last = bool(shuffle), int(seed), bool(drop_last)
        self.epoch = 0

    def __len__(self) -> int:
        return self.n // self.batch_size if self.drop_last else -(-self.n // self.batch_size)

    def __iter__(self) -> Iterator[tuple]:
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(self.n)
        else:
            order = None
        self.epoch += 1
        bs = self.batch_size
        for k in range(len(self)):
            if order is None:
                yield tuple(a[k * bs : (k + 1) * bs] for a in self.arrays)
            else:
                idx = order[k * bs : (k + 1) * bs]
                yield tuple(a[idx] for a in self.arrays)


def batches(*arrays: Any, batch_size: int, shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> Batches:
    """Mini-batches over arrays sharing their first axis (see ``Batches``)."""
    return Batches(*arrays, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)


def _is_full_batch(data: Any) -> bool:
    return data is None or isinstance(data, (tuple, dict, np.ndarray, np.generic, int, float)) or (
        hasattr(data, "shape") and hasattr(data, "dtype")
    )


def _as_args(batch: Any) -> tuple:
    return batch if isinstance(batch, tuple) else (batch,)


# --------------------------------------------------------------------------- progress


class _TextBar:
    """A one-line progress bar written to stderr (used when tqdm is not installed)."""

    def __init__(self, total: int | None, file: Any) -> None:
        self.total, self.file, self.n = total, file, 0
        self.t0 = self.last = time.perf_counter()
        self.postfix = ""
        self.drawn = -1  # the count shown by the last draw

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.perf_counter()
        if now - self.last >= 0.1 or self.n == self.total:
            self.last = now
            self._draw(now)

    def set_postfix_str(self, s: str, refresh: bool = False) -> None:
        self.postfix = s

    def _draw(self, now: float) -> None:
        rate = self.n / max(now - self.t0, 1e-9)
        if self.total:
            frac = min(self.n / self.total, 1.0)
            filled = int(round(25 * frac))
            head = f"{100 * frac:3.0f}%|{'#' * filled}{'.' * (25 - filled)}| {self.n}/{self.total}"
        else:
            head = f"{self.n} steps"
        self.file.write(f"\r{head} [{rate:.1f} it/s] {self.postfix}\x1b[K")
        self.file.flush()
        self.drawn = self.n

    def close(self) -> None:
        if self.drawn != self.n:
            self._draw(time.perf_counter())
        self.file.write("\n")
        self.file.flush()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str, refresh: bool = False) -> None:
        pass

    def close(self) -> None:
        pass


def _isatty(f: Any) -> bool:
    try:
        return bool(f.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _progress_bar(progress: bool | None, total: int | None) -> Any:
    """tqdm when installed, else a small text bar; nothing unless stderr is a terminal or
    when ``progress`` is False."""
    if progress is False or not _isatty(sys.stderr):
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _TextBar(total, sys.stderr)
    return tqdm(total=total, leave=True, dynamic_ncols=True, unit="step")


# --------------------------------------------------------------------------- results


class StepInfo(NamedTuple):
    """What a callback receives after each step."""

    step: int  # steps taken so far (1 after the first)
    epoch: int  # 0-based epoch of this step
    loss: float  # loss at the parameters before this step (on this step's batch)
    grad_norm: float  # global norm of that gradient
    params: Any  # parameters after the step
    state: Any  # optimizer state after the step
    grads: Any  # the gradient used by this step (before clipping)
    aux: Any  # the loss's auxiliary output (has_aux=True), else None
    end_of_epoch: bool  # True on the last step of an epoch
    epoch_loss: float | None  # mean loss over the epoch, on its last step


@dataclasses.dataclass
class MinimizeResult:
    """The outcome of ``minimize``.

    ``history`` has lists of floats: ``"loss"`` per step (at the parameters before the
    step; one more, at the final parameters, when ``gtol`` stopped the loop),
    ``"grad_norm"`` likewise (recorded for full-batch data, with ``gtol`` or with
    ``record_grad_norm=True``), ``"lr"`` per step (optimizers with a ``learning_rate``
    method), ``"epoch_loss"`` per completed epoch (mean of the step losses); lists that
    stayed empty are left out.
    """

    params: Any
    state: Any
    history: dict[str, list[float]]
    steps: int
    epochs: int
    loss: float  # the last loss recorded
    converged: bool  # stopped by tol or gtol
    message: str
    seconds: float

    def __repr__(self) -> str:
        return (
            f"MinimizeResult(loss={self.loss:.6g}, steps={self.steps}, epochs={self.epochs}, "
            f"converged={self.converged}, message={self.message!r}, seconds={self.seconds:.3g})"
        )


# --------------------------------------------------------------------------- minimize


def minimize(
    loss: Callable[..., Any],
    params: Any,
    optimizer: Optimizer | None = None,
    steps: int | None = None,
    data: Any = None,
    *,
    epochs: int | None = None,
    has_aux: bool = False,
    tol: float | None = None,
    gtol: float | None = None,
    patience: int = 1,
    callbacks: Callable[[StepInfo], Any] | Sequence[Callable[[StepInfo], Any]] = (),
    progress: bool | None = True,
    state: Any = None,
    record_grad_norm: bool | None = None,
) -> MinimizeResult:
    """Minimise ``loss(params, *args)`` over ``params`` (a pytree) with ``optimizer``.

    Parameters
    ----------
    loss: the objective; returns a real scalar, or ``(scalar, aux)`` with ``has_aux=True``.
    params: the starting parameters (never modified).
    optimizer: an ``Optimizer`` (default ``Adam()``); ``LBFGS`` gets the loss for its line
        search and, on full-batch data, the loss and gradient it found are reused.
    steps, epochs: stop after this many optimizer steps / passes over the data (module
        docstring for the defaults).
    data: full-batch arguments or an iterable of mini-batches (module docstring).
    tol: stop when the loss (per step for full-batch data, the epoch mean for mini-batches)
        has not improved on the best so far by more than ``tol * max(1, |best|)`` for
        ``patience`` consecutive checks.
    gtol: stop when the global norm of the gradient is ``<= gtol`` (the batch gradient for
        mini-batches).
    callbacks: callables receiving a ``StepInfo`` after every step; one that returns
        ``True`` stops the loop.
    progress: show a progress bar (tqdm if installed, else a text bar) when stderr is a
        terminal; ``False`` never shows one.
    state: an optimizer state to continue from (default ``optimizer.init(params)``).
    record_grad_norm: record ``history["grad_norm"]`` (default: for full-batch data, or
        when ``gtol`` is given; mini-batch steps are cheap enough for the norm to show).

    Returns a ``MinimizeResult`` with ``.params``, ``.state``, ``.history`` and the reason
    for stopping in ``.message``.
    """
    optimizer = Adam() if optimizer is None else optimizer
    if not hasattr(optimizer, "init") or not hasattr(optimizer, "update"):
        raise TypeError(f"minimize: optimizer must have init() and update(), got {optimizer!r}")
    if callable(callbacks):
        callbacks = (callbacks,)
    callbacks = tuple(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"minimize: callbacks must be callables, got {cb!r}")
    if steps is not None and int(steps) < 0:
        raise ValueError(f"minimize: steps must be >= 0, got {steps}")
    if epochs is not None and int(epochs) < 0:
        raise ValueError(f"minimize: epochs must be >= 0, got {epochs}")
    if int(patience) < 1:
        raise ValueError(f"minimize: patience must be >= 1, got {patience}")

    full = _is_full_batch(data)
    if full:
        max_steps = int(steps) if steps is not None else (int(epochs) if epochs is not None else 1000)
        if epochs is not None:
            max_steps = min(max_steps, int(epochs))
        max_epochs = max_steps
    else:
        max_steps = int(steps) if steps is not None else None
        max_epochs = int(epochs) if epochs is not None else (1 if steps is None else None)

    total = max_steps
    if total is None and max_epochs is not None and hasattr(data, "__len__") and not callable(data):
        total = max_epochs * len(data)

    vg = value_and_grad(loss, has_aux=has_aux)
    needs_fun = bool(getattr(optimizer, "requires_loss", False))
    state = optimizer.init(params) if state is None else state
    lr_of = getattr(optimizer, "learning_rate", None)

    if record_grad_norm is None:
        record_grad_norm = full or gtol is not None
    need_gnorm = bool(record_grad_norm) or gtol is not None or bool(callbacks)
    history: dict[str, list[float]] = {"loss": [], "grad_norm": [], "lr": [], "epoch_loss": []}
    h_loss, h_gnorm, h_lr = history["loss"], history["grad_norm"], history["lr"]
    show = not isinstance(bar := _progress_bar(progress, total), _NoBar)
    best = math.inf
    bad = 0
    step = 0
    epoch = 0
    converged = False
    message = ""
    last_loss = math.nan
    cached = None  # (loss, aux, grads) at the current params, from L-BFGS's line search
    t0 = time.perf_counter()

    def epoch_source(e: int) -> Iterable:
        if callable(data) and not hasattr(data, "__iter__"):
            return data()
        return data

    try:
        one_shot = (not full) and not callable(data) and iter(data) is data
        stop = max_steps == 0 or max_epochs == 0
        if stop:
            message = "no steps requested"
        while not stop:
            if full:  # one "batch": the fixed arguments
                it: Iterator = iter([() if data is None else _as_args(data)])
            else:
                it = iter(epoch_source(epoch))
            ep_losses: list[float] = []  # one per step taken in this epoch
            got_any = False
            nxt = next(it, _END)
            while nxt is not _END:
                got_any = True
                args = nxt if full else _as_args(nxt)
                if cached is not None:
                    value, aux, grads = cached
                    cached = None
                else:
                    out, grads = vg(params, *args)
                    value, aux = (out[0], out[1]) if has_aux else (out, None)
                fval = float(value)
                h_loss.append(fval)
                gnorm = global_norm(grads) if need_gnorm else None
                if record_grad_norm:
                    h_gnorm.append(gnorm)
                if lr_of is not None:
                    h_lr.append(lr_of(int(getattr(state, "count", step))))
                last_loss = fval

                if gtol is not None and gnorm <= gtol:
                    converged, message, stop = True, f"gradient norm {gnorm:.3g} <= gtol {gtol:g}", True
                    break
                if needs_fun:
                    fun = _bind(vg, args, has_aux)
                    params, state = optimizer.update(grads, state, params, fun=fun, value=value)
                    if full and getattr(state, "value", None) is not None and not math.isnan(float(state.value)):
                        cached = _reuse(state, params, has_aux)
                else:
                    params, state = optimizer.update(grads, state, params)
                step += 1
                ep_losses.append(fval)
                if show:
                    bar.set_postfix_str(f"loss {fval:.4g}", refresh=False)
                    bar.update(1)

                nxt = _END if full else next(it, _END)
                end = nxt is _END
                ep_loss = float(np.mean(ep_losses)) if end else None
                if end:
                    history["epoch_loss"].append(ep_loss)
                if callbacks:
                    info = StepInfo(step, epoch, fval, gnorm, params, state, grads, aux, end, ep_loss)
                    for cb in callbacks:
                        if cb(info) is True:
                            message, stop = "stopped by a callback", True
                    if stop:
                        break
                status = getattr(state, "status", 0)
                if status:
                    status = int(status)
                    converged = status == 2
                    message, stop = STATUS_MESSAGES.get(status, f"optimizer status {status}"), True
                    break
                if max_steps is not None and step >= max_steps:
                    message, stop = f"reached steps={max_steps}", True
                    break
                if tol is not None and (full or end):
                    check = fval if full else ep_loss
                    if best - check > tol * max(1.0, abs(best) if math.isfinite(best) else 1.0):
                        best, bad = check, 0
                    else:
                        bad += 1
                        best = min(best, check)
                        if bad >= patience:
                            converged, stop = True, True
                            message = f"loss improved by less than tol={tol:g} for {patience} check(s)"
                            break
                if not math.isfinite(fval):
                    message, stop = "the loss is not finite", True
                    break
            if not got_any and not stop:
                message, stop = ("data exhausted" if epoch else "the data yielded no batches"), True
                break
            if ep_losses:  # epochs count when at least one step was taken in them
                epoch += 1
            if not stop and max_epochs is not None and epoch >= max_epochs:
                message, stop = f"reached epochs={max_epochs}", True
            if not stop and one_shot:
                message, stop = "data exhausted", True
    finally:
        bar.close()
    for k in [k for k, v in history.items() if not v]:
        del history[k]
    return MinimizeResult(
        params=params,
        state=state,
        history=history,
        steps=step,
        epochs=epoch,
        loss=last_loss,
        converged=converged,
        message=message,
        seconds=time.perf_counter() - t0,
    )


_END = object()


def _bind(vg: Callable, args: tuple, has_aux: bool) -> Callable[[Any], tuple[Any, Any]]:
    """``params -> (loss, grads)`` with the batch bound (aux dropped) for line searches."""
    if has_aux:
        return lambda p: (lambda o, g: (o[0], g))(*vg(p, *args))
    return lambda p: vg(p, *args)


def _reuse(state: Any, params: Any, has_aux: bool) -> tuple | None:
    """The loss and gradient that L-BFGS's line search computed at ``params``, as a pytree,
    so that the next step need not evaluate them again (None when unavailable)."""
    flat_g = getattr(state, "grad", None)
    if flat_g is None or has_aux:
        return None
    _, unravel = ravel_pytree(params)
    grads = cast_leaves(unravel(np.asarray(flat_g)), leaf_dtypes(params))
    return state.value, None, grads
