"""The digits examples reach their accuracy targets with a fixed seed (scikit-learn's 8x8
digits ship with scikit-learn: no download), and save their loss curves."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_wengert_example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name, target", [("digits_softmax", 0.95), ("digits_mlp", 0.97)])
def test_example_reaches_accuracy(name, target, capsys):
    res = _load(name).main(["--seed", "0", "--no-progress"])
    assert res.test_accuracy >= target
    assert res.train_accuracy >= res.test_accuracy - 0.01
    assert res.seconds < 60
    out = capsys.readouterr().out
    assert f"test accuracy {res.test_accuracy:.4f}" in out and "time " in out
    h = res.history
    assert len(h["loss"]) == res.steps and len(h["epoch_loss"]) == len(h["test_accuracy"]) == res.epochs
    assert h["epoch_loss"][-1] < h["epoch_loss"][0] / 5


def test_example_saves_a_loss_curve(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curve.png"
    res = _load("digits_softmax").main(["--seed", "1", "--epochs", "2", "--plot", str(path), "--no-progress"])
    assert res.plot == str(path) and res.epochs == 2
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_digits_for_the_command_line():
    from wengert.optim import LBFGS
    from wengert.optim.examples import load_digits_split, train_digits

    Xtr, ytr, Xte, yte = load_digits_split()
    assert Xtr.shape == (1347, 64) and Xte.shape == (450, 64) and Xtr.dtype == np.float32
    assert set(np.unique(yte)) == set(range(10))
    assert abs(float(Xtr.mean())) < 1e-5  # standardised with the training statistics
    res = train_digits("softmax", "lbfgs", seed=0, progress=False, epochs=60)
    assert res.test_accuracy >= 0.95 and res.steps <= 60
    res = train_digits("softmax", LBFGS(memory=5), progress=False, epochs=5)
    assert res.optimizer == "LBFGS"
    with pytest.raises(ValueError, match="model must be one of"):
        train_digits("cnn")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train_digits("mlp", "lion")
    assert "digits_softmax" not in sys.modules  # the examples are loaded by path only
