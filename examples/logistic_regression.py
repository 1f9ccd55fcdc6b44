"""Fit a logistic regression whose loss is written in plain NumPy, with wengert's gradients.

Run: python examples/logistic_regression.py
"""

import numpy as np

import wengert


def loss(params, X, y):
    """Mean negative log-likelihood, written with plain NumPy (never touched for wengert)."""
    w, b = params["w"], params["b"]
    z = X @ w + b
    # log(1 + exp(-z)) for y = 1 and log(1 + exp(z)) for y = 0, computed stably
    return np.mean(np.logaddexp(0.0, -z) * y + np.logaddexp(0.0, z) * (1 - y)) + 1e-3 * np.sum(w**2)


def main() -> None:
    rng = np.random.default_rng(0)
    n, d = 500, 5
    true_w = rng.standard_normal(d)
    X = rng.standard_normal((n, d))
    y = (X @ true_w + 0.3 * rng.standard_normal(n) > 0).astype(float)

    params = {"w": np.zeros(d), "b": np.zeros(())}
    value_and_grad = wengert.value_and_grad(loss)
    for step in range(301):
        value, g = value_and_grad(params, X, y)
        params = wengert.tree_map(lambda p, gp: p - 1.0 * gp, params, g)
        if step % 100 == 0:
            print(f"step {step:3d}  loss {value:.5f}")

    acc = np.mean(((X @ params["w"] + params["b"]) > 0) == (y > 0.5))
    print(f"training accuracy {acc:.3f}")
    cos = true_w @ params["w"] / np.linalg.norm(true_w) / np.linalg.norm(params["w"])
    print(f"cosine(true w, fitted w) = {cos:.4f}")

    # Cross-check the reverse-mode gradient with central finite differences.
    _, g = value_and_grad(params, X, y)
    h = 1e-6
    e = np.zeros(d)
    e[0] = h
    fd = (loss({"w": params["w"] + e, "b": params["b"]}, X, y) - loss({"w": params["w"] - e, "b": params["b"]}, X, y)) / (2 * h)
    print(f"d loss / d w[0]: reverse mode {g['w'][0]:.3e}, finite differences {fd:.3e}")


if __name__ == "__main__":
    main()
