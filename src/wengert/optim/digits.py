"""Training on scikit-learn's 8x8 handwritten digits: softmax regression and a two-layer MLP.

The data (1,797 images of 8x8 pixels, 10 classes) ships inside scikit-learn
(``sklearn.datasets.load_digits`` reads a file of the installed package: no download).
``load_digits_split`` splits it once, stratified by class, into 75 % training and 25 % test
images (the split is fixed by ``split_seed``, so every training seed is scored on the same
test set) and standardises the pixels with the training set's mean and standard deviation.

``train_digits`` trains one of two models with ``wengert.optim.minimize`` on mini-batches
and reports training and test accuracy:

- ``"softmax"``: softmax regression, ``logits = x @ W + b`` (TensorFlow's first MNIST
  tutorial model), weights starting at zero;
- ``"mlp"``: 64-128-10 with ReLU, He-normal weights.

Both use softmax cross-entropy from the logits plus a small L2 penalty on the weights, and
float32 throughout.  Needs scikit-learn (``pip install 'wengert[examples]'``); the loss-curve
plot needs matplotlib.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from .lbfgs import LBFGS
from .loop import MinimizeResult, StepInfo, batches, minimize
from .optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSProp

__all__ = ["load_digits_split", "init_params", "predict", "loss", "train_digits", "DigitsResult", "plot_history"]

MODELS = ("softmax", "mlp")
HIDDEN = 128
#: weight of the L2 penalty ``L2/2 * sum(w**2)`` per model
L2 = {"softmax": 1e-3, "mlp": 1e-4}

#: (model, optimizer) -> (learning rate, epochs); L-BFGS counts iterations instead of epochs
DEFAULTS: dict[tuple[str, str], tuple[float, int]] = {
    ("softmax", "adam"): (0.01, 20),
    ("softmax", "adamw"): (0.01, 20),
    ("softmax", "sgd"): (0.05, 30),
    ("softmax", "rmsprop"): (0.003, 30),
    ("softmax", "adagrad"): (0.1, 30),
    ("softmax", "lbfgs"): (1.0, 100),
    ("mlp", "adam"): (3e-3, 20),
    ("mlp", "adamw"): (3e-3, 20),
    ("mlp", "sgd"): (0.05, 40),
    ("mlp", "rmsprop"): (1e-3, 30),
    ("mlp", "adagrad"): (0.05, 40),
    ("mlp", "lbfgs"): (1.0, 200),
}


def _sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "the digits examples need scikit-learn (its 8x8 digits ship with it): pip install 'wengert[examples]'"
        ) from None
    return load_digits(return_X_y=True)


def load_digits_split(
    test_fraction: float = 0.25, split_seed: int = 0, dtype: Any = np.float32
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: standardised pixels (``dtype``) and integer
    labels, split stratified by class (``test_fraction`` of each class in the test set)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"load_digits_split: test_fraction must be in (0, 1), got {test_fraction}")
    X, y = _sklearn_digits()
    rng = np.random.default_rng(split_seed)
    test = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        test[idx[: int(round(test_fraction * len(idx)))]] = True
    mean = X[~test].mean(axis=0)
    std = X[~test].std(axis=0)
    std[std == 0] = 1.0  # pixels that are always blank in the training set
    Xs = ((X - mean) / std).astype(dtype)
    order_tr = np.flatnonzero(~test)
    order_te = np.flatnonzero(test)
    return Xs[order_tr], y[order_tr].astype(np.int64), Xs[order_te], y[order_te].astype(np.int64)


def init_params(model: str, seed: int = 0, n_in: int = 64, n_out: int = 10, dtype: Any = np.float32) -> Any:
    """Starting parameters: a dict ``{"w", "b"}`` for ``"softmax"``, a list of two such
    dicts for ``"mlp"``."""
    if model == "softmax":
        return {"w": np.zeros((n_in, n_out), dtype=dtype), "b": np.zeros(n_out, dtype=dtype)}
    if model == "mlp":
        return nn.mlp_init(np.random.default_rng(seed), (n_in, HIDDEN, n_out), w_init=nn.he_normal, dtype=dtype)
    raise ValueError(f"model must be one of {MODELS}, got {model!r}")


def predict(params: Any, x: Any) -> Any:
    """The logits of either model (told apart by the structure of ``params``)."""
    if isinstance(params, dict):
        return nn.dense(params, x)
    return nn.mlp(params, x, activation=nn.relu)


def _weights(params: Any) -> list:
    return [params["w"]] if isinstance(params, dict) else [layer["w"] for layer in params]


def loss(params: Any, x: Any, y: Any) -> Any:
    """Mean softmax cross-entropy of the logits plus ``L2/2 * sum(w**2)`` over the weights
    (``L2`` of the model that ``params`` belongs to)."""
    ws = _weights(params)
    reg = sum(np.sum(w * w) for w in ws)
    l2 = L2["softmax" if isinstance(params, dict) else "mlp"]
    return nn.softmax_cross_entropy(predict(params, x), y) + (0.5 * l2) * reg


def make_optimizer(name: str, model: str, lr: float | None = None) -> tuple[Optimizer, int]:
    """The optimizer called ``name`` with this model's default learning rate (or ``lr``),
    and the default number of epochs (iterations for L-BFGS)."""
    key = (model, name.lower())
    if key not in DEFAULTS:
        raise ValueError(
            f"optimizer must be one of {sorted({k[1] for k in DEFAULTS})} or an Optimizer, got {name!r}"
        )
    lr0, epochs = DEFAULTS[key]
    lr = lr0 if lr is None else lr
    opt = {
        "adam": lambda: Adam(lr),
        "adamw": lambda: AdamW(lr, weight_decay=1e-4),
        "sgd": lambda: SGD(lr, momentum=0.9, nesterov=True),
        "rmsprop": lambda: RMSProp(lr),
        "adagrad": lambda: Adagrad(lr),
        "lbfgs": lambda: LBFGS(lr),
    }[key[1]]()
    return opt, epochs


@dataclasses.dataclass
class DigitsResult:
    """What ``train_digits`` returns (``result`` is the ``MinimizeResult``)."""

    model: str
    optimizer: str
    params: Any
    history: dict[str, list[float]]
    train_accuracy: float
    test_accuracy: float
    train_loss: float
    test_loss: float
    seconds: float
    epochs: int
    steps: int
    plot: str | None
    result: MinimizeResult

    def summary(self) -> str:
        return (
            f"{self.model} with {self.optimizer}: test accuracy {self.test_accuracy:.4f}, "
            f"train accuracy {self.train_accuracy:.4f}, test loss {self.test_loss:.4f}, "
            f"{self.epochs} epochs / {self.steps} steps in {self.seconds:.2f} s"
        )


def train_digits(
    model: str = "softmax",
    optimizer: str | Optimizer = "adam",
    plot: str | Path | None = None,
    seed: int = 0,
    progress: bool = True,
    *,
    epochs: int | None = None,
    batch_size: int = 64,
    lr: float | None = None,
    blas_threads: int | None = 1,
) -> DigitsResult:
    """Train ``model`` (``"softmax"`` or ``"mlp"``) on the digits and score it on the test set.

    ``optimizer`` is a name (``"adam"``, ``"adamw"``, ``"sgd"`` (Nesterov momentum 0.9),
    ``"rmsprop"``, ``"adagrad"``, ``"lbfgs"``; with defaults tuned per model) or an
    ``Optimizer``.  Mini-batches of ``batch_size`` are reshuffled each epoch from ``seed``,
    which also seeds the MLP's initial weights; L-BFGS runs full-batch for ``epochs``
    iterations.  ``plot``: a path to save the loss curve and test accuracy as a PNG.
    ``blas_threads``: BLAS threads while training (through threadpoolctl, which comes with
    scikit-learn); the matrices are tiny, so one thread is fastest and does not slow down
    on a busy machine.  ``None`` leaves the setting alone.
    """
    with _blas_threads(blas_threads):
        return _train(model, optimizer, plot, seed, progress, epochs, batch_size, lr)


def _blas_threads(n: int | None) -> Any:
    if n is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=int(n), user_api="blas")


def _train(
    model: str,
    optimizer: str | Optimizer,
    plot: str | Path | None,
    seed: int,
    progress: bool,
    epochs: int | None,
    batch_size: int,
    lr: float | None,
) -> DigitsResult:
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    t0 = time.perf_counter()
    Xtr, ytr, Xte, yte = load_digits_split()
    if isinstance(optimizer, str):
        opt, default_epochs = make_optimizer(optimizer, model, lr)
    elif isinstance(optimizer, Optimizer) or (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        if lr is not None:
            raise ValueError("train_digits: give lr only with an optimizer name (the Optimizer has its own)")
        opt, default_epochs = optimizer, DEFAULTS[(model, "adam")][1]
    else:
        raise TypeError(f"train_digits: optimizer must be a name or an Optimizer, got {optimizer!r}")
    epochs = default_epochs if epochs is None else int(epochs)
    params = init_params(model, seed)
    full_batch = bool(getattr(opt, "requires_loss", False))
    data: Any = (Xtr, ytr) if full_batch else batches(Xtr, ytr, batch_size=batch_size, seed=seed)

    test_acc: list[float] = []

    def record_test_accuracy(info: StepInfo) -> None:
        if info.end_of_epoch:
            test_acc.append(nn.accuracy(predict(info.params, Xte), yte))

    res = minimize(
        loss, params, optimizer=opt, data=data, epochs=epochs, callbacks=[record_test_accuracy], progress=progress
    )
    history = dict(res.history)
    history["test_accuracy"] = test_acc
    params = res.params
    out = DigitsResult(
        model=model,
        optimizer=optimizer if isinstance(optimizer, str) else type(optimizer).__name__,
        params=params,
        history=history,
        train_accuracy=nn.accuracy(predict(params, Xtr), ytr),
        test_accuracy=nn.accuracy(predict(params, Xte), yte),
        train_loss=float(loss(params, Xtr, ytr)),
        test_loss=float(loss(params, Xte, yte)),
        seconds=time.perf_counter() - t0,
        epochs=res.epochs,
        steps=res.steps,
        plot=None,
        result=res,
    )
    if plot is not None:
        out.plot = str(plot_history(history, plot, title=f"{model} on the 8x8 digits ({out.optimizer})"))
    return out


def plot_history(history: dict[str, list[float]], path: str | Path, title: str = "") -> Path:
    """Save the loss per step, the epoch means and (if recorded) the test accuracy per epoch
    as a PNG at ``path`` (needs matplotlib; no display is used)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("saving a loss curve needs matplotlib: pip install 'wengert[examples]'") from None
    path = Path(path)
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    steps = np.arange(1, len(history["loss"]) + 1)
    ax.plot(steps, history["loss"], lw=0.8, alpha=0.5, color="C0", label="loss per step")
    ep = history.get("epoch_loss", [])
    if ep and len(ep) < len(steps):
        per = len(steps) / len(ep)
        ax.plot(per * np.arange(1, len(ep) + 1), ep, "o-", ms=3, color="C0", label="mean loss per epoch")
    ax.set_yscale("log")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss")
    ax.grid(True, which="both", alpha=0.3)
    acc = history.get("test_accuracy", [])
    handles, labels = ax.get_legend_handles_labels()
    if acc:
        ax2 = ax.twinx()
        per = len(steps) / len(acc)
        ax2.plot(per * np.arange(1, len(acc) + 1), acc, "s-", ms=3, color="C3", label="test accuracy")
        ax2.set_ylabel("test accuracy")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="center right")
    if title:
        ax.set_title(title)
    fig.savefig(path, dpi=110)
    return path
