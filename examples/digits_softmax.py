"""Softmax regression on scikit-learn's 8x8 digits (the model of TensorFlow's first MNIST
tutorial: logits = x @ W + b, softmax cross-entropy), trained with Adam on mini-batches of 64.

Run:  python examples/digits_softmax.py [--plot loss.png] [--seed 0] [--epochs 20]
Needs: pip install 'wengert[examples]'  (scikit-learn for the data, matplotlib for --plot)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _digits import run  # noqa: E402


def main(argv: Sequence[str] | None = None):
    return run("softmax", __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    main()
