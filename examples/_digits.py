"""Shared by ``digits_softmax.py`` and ``digits_mlp.py``: the data and the command line.

The data are scikit-learn's 8x8 handwritten digits, which ship inside scikit-learn (no
download); ``load`` returns the fixed, stratified 75/25 split with standardised pixels.  The
training code itself lives in the package (``wengert.optim.examples.train_digits``), so the
command line (and the tests) run exactly what these scripts run.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from wengert.optim.digits import DigitsResult, load_digits_split
from wengert.optim.examples import train_digits

__all__ = ["load", "run"]


def load(split_seed: int = 0):
    """``(X_train, y_train, X_test, y_test)`` (float32 pixels, integer labels)."""
    return load_digits_split(split_seed=split_seed)


def run(model: str, description: str, argv: Sequence[str] | None = None) -> DigitsResult:
    """Parse the command line, train ``model``, print the test accuracy and the time."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--plot", metavar="PATH", help="save the loss curve (and test accuracy) as a PNG")
    ap.add_argument("--seed", type=int, default=0, help="initial weights and batch order (default 0)")
    ap.add_argument("--epochs", type=int, default=None, help="passes over the training set (default: tuned)")
    ap.add_argument(
        "--optimizer", default="adam", choices=["adam", "adamw", "sgd", "rmsprop", "adagrad", "lbfgs"],
        help="optimizer (default adam; lbfgs trains full-batch)",
    )
    ap.add_argument("--lr", type=float, default=None, help="learning rate (default: tuned per optimizer)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)
    Xtr, _, Xte, _ = load()
    print(f"digits: {len(Xtr)} training and {len(Xte)} test images of 8x8 pixels, 10 classes")
    res = train_digits(
        model, args.optimizer, plot=args.plot, seed=args.seed, progress=not args.no_progress,
        epochs=args.epochs, lr=args.lr,
    )
    print(f"{model} with {res.optimizer}: {res.epochs} epochs, {res.steps} steps ({res.result.message})")
    print(f"train accuracy {res.train_accuracy:.4f}, test loss {res.test_loss:.4f}")
    print(f"test accuracy {res.test_accuracy:.4f}")
    print(f"time {res.seconds:.2f} s")
    if res.plot:
        print(f"loss curve saved to {res.plot}")
    return res
