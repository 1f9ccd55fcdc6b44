"""One training step of a small MLP: loss and the gradient of every parameter.

float32, batch 256, layers 784-512-512-10 with tanh, softmax cross-entropy computed stably
(log-sum-exp with the row maximum subtracted) against one-hot labels, mean over the batch.
One step = forward + gradient of (W1, b1, W2, b2, W3, b3); the input batch is not
differentiated.  Matrix products dominate, so this measures how much an AD library adds on
top of the arithmetic a careful person would write by hand.

Contenders, in one process and timed round-robin:
- hand-written NumPy forward + backward (the reference: only the products, the elementwise
  work and the reductions the gradient needs);
- wengert on the loss written with plain ``import numpy as np`` (as a user writes it), and
  the same loss written with ``wengert.numpy``;
- HIPS autograd (``autograd.numpy``);
- PyTorch eager (``.backward()``).
Before timing, every contender's loss and gradients are compared with the hand-written ones
(float32 tolerance) and wengert's gradients are checked to be float32.

Run:  python benchmarks/mlp_step.py [--write] [--rounds N] [--batch N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "mlp_step"
SIZES = (784, 512, 512, 10)
REFERENCE = "NumPy hand-written"


def make_problem(batch: int, seed: int = 0) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32))
        params.append((0.1 * rng.standard_normal(fan_out)).astype(np.float32))
    X = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], size=batch)
    Y = np.zeros((batch, SIZES[-1]), dtype=np.float32)
    Y[np.arange(batch), labels] = 1.0
    return tuple(params), X, Y


# --------------------------------------------------------------------------- by hand


def hand_step(params: tuple, x: np.ndarray, y: np.ndarray) -> tuple[Any, tuple]:
    """Loss and gradients written out by hand (rows of ``y`` are one-hot: they sum to 1).

    d loss / d logits = (softmax - Y) / N; the row maximum subtracted for stability has no
    effect on the loss, so no gradient flows through it.
    """
    W1, b1, W2, b2, W3, b3 = params
    n = x.shape[0]
    h1 = np.tanh(x @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    logp = z - np.log(s)
    loss = -(y * logp).sum() / n

    d3 = (e / s - y) / n
    gW3 = h2.T @ d3
    gb3 = d3.sum(axis=0)
    d2 = (d3 @ W3.T) * (1 - h2 * h2)
    gW2 = h1.T @ d2
    gb2 = d2.sum(axis=0)
    d1 = (d2 @ W2.T) * (1 - h1 * h1)
    gW1 = x.T @ d1
    gb1 = d1.sum(axis=0)
    return loss, (gW1, gb1, gW2, gb2, gW3, gb3)


# --------------------------------------------------------------------------- losses


def loss_np(params, x, y):
    """The loss as a user writes it, in plain NumPy (wengert differentiates it unchanged)."""
    W1, b1, W2, b2, W3, b3 = params
    h1 = np.tanh(x @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / x.shape[0]


def make_loss(xnp: Any) -> Callable:
    """The same loss over another NumPy-like namespace (wengert.numpy, autograd.numpy)."""

    def loss(params, x, y):
        W1, b1, W2, b2, W3, b3 = params
        h1 = xnp.tanh(x @ W1 + b1)
        h2 = xnp.tanh(h1 @ W2 + b2)
        logits = h2 @ W3 + b3
        z = logits - xnp.max(logits, axis=1, keepdims=True)
        logp = z - xnp.log(xnp.sum(xnp.exp(z), axis=1, keepdims=True))
        return -xnp.sum(y * logp) / x.shape[0]

    return loss


def build_contenders(params: tuple, x: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], tuple]]:
    """Callables running one step each, returning ``(loss, grads)`` as NumPy values."""
    fns: dict[str, Callable[[], tuple]] = {REFERENCE: lambda: hand_step(params, x, y)}

    import wengert
    import wengert.numpy as wnp

    vg_np = wengert.value_and_grad(loss_np)
    vg_wnp = wengert.value_and_grad(make_loss(wnp))
    fns["wengert (plain np loss)"] = lambda: vg_np(params, x, y)
    fns["wengert (wnp loss)"] = lambda: vg_wnp(params, x, y)

    if _bench.peer("autograd") is not None:
        import autograd
        import autograd.numpy as anp

        vg_ag = autograd.value_and_grad(make_loss(anp))
        fns["HIPS autograd"] = lambda: vg_ag(params, x, y)

    torch = _bench.import_torch()
    if torch is not None:
        tparams = [torch.from_numpy(p.copy()).requires_grad_() for p in params]
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def torch_step() -> tuple:
            for p in tparams:
                p.grad = None
            W1, b1, W2, b2, W3, b3 = tparams
            h1 = torch.tanh(tx @ W1 + b1)
            h2 = torch.tanh(h1 @ W2 + b2)
            logits = h2 @ W3 + b3
            z = logits - torch.amax(logits, dim=1, keepdim=True)
            logp = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
            loss = -torch.sum(ty * logp) / tx.shape[0]
            loss.backward()
            return loss.detach(), tuple(p.grad for p in tparams)

        fns["PyTorch eager"] = torch_step
    return fns


def _as_numpy(x: Any) -> np.ndarray:
    return x.numpy() if hasattr(x, "numpy") and not isinstance(x, np.ndarray) else np.asarray(x)


def check(fns: dict[str, Callable[[], tuple]], rtol: float = 2e-4) -> list[str]:
    """Compare every contender with the hand-written step; return notes on dtypes."""
    ref_loss, ref_grads = fns[REFERENCE]()
    names = ("W1", "b1", "W2", "b2", "W3", "b3")
    notes = []
    for name, fn in fns.items():
        loss, grads = fn()
        if not np.isclose(float(_as_numpy(loss)), float(ref_loss), rtol=rtol, atol=0):
            raise AssertionError(f"{name}: loss {loss} differs from hand-written {ref_loss}")
        for pname, g, r in zip(names, grads, ref_grads, strict=True):
            g = _as_numpy(g)
            if g.shape != r.shape:
                raise AssertionError(f"{name}: d loss/d {pname} has shape {g.shape}, expected {r.shape}")
            err = float(np.max(np.abs(g.astype(np.float64) - r)) / np.max(np.abs(r)))
            if not err <= rtol:
                raise AssertionError(f"{name}: d loss/d {pname} differs from hand-written (rel. err. {err:.2e})")
        dtypes = sorted({str(_as_numpy(g).dtype) for g in grads})
        if name.startswith("wengert") and dtypes != ["float32"]:
            raise AssertionError(f"{name}: gradients have dtypes {dtypes}, expected float32 only")
        notes.append(f"{name}: loss dtype {_as_numpy(loss).dtype}, gradient dtypes {', '.join(dtypes)}")
    print(f"all contenders match the hand-written gradients (max abs error / max abs value <= {rtol:g})")
    print("\n".join("  " + n for n in notes))
    return notes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=101, help="timed steps per contender")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()

    params, X, Y = make_problem(args.batch)
    fns = build_contenders(params, X, Y)
    notes = check(fns)
    times = _bench.run_rounds(fns, args.rounds, args.warmup)

    stats = {n: _bench.summary(ts, 1e3) for n, ts in times.items()}  # ms per step
    ref = stats[REFERENCE]["median"]
    rows = [
        [
            name,
            _bench.fmt(s["median"]),
            _bench.fmt(s["iqr"], 2),
            _bench.fmt(s["min"]),
            _bench.fmt(s["median"] / ref, 3),
        ]
        for name, s in stats.items()
    ]
    for name, why in _bench.MISSING.items():
        rows.append([name, why, "", "", ""])
    table = _bench.markdown_table(["contender", "median ms/step", "IQR ms", "min ms", "× hand-written NumPy"], rows)
    lines = []
    for name in ("wengert (plain np loss)", "wengert (wnp loss)"):
        r = stats[name]["median"] / ref
        lines.append(
            f"- {name} / hand-written NumPy = **{r:.3f}** (ratio of medians; "
            f"{_bench.paired_ratio(times[name], times[REFERENCE])}; "
            f"target ≤ 1.10: {'met' if r <= 1.10 else 'not met'})"
        )
    verdict = "\n".join(lines)

    info = _bench.machine_info(["autograd", "torch"])
    dtype_notes = "\n".join(f"  - {n}" for n in notes)
    body = f"""## MLP training step (`benchmarks/mlp_step.py`)

What it measures: one step = loss and gradient of all six parameters of a float32 MLP
{"-".join(map(str, SIZES))} with tanh, batch {args.batch}, softmax cross-entropy written with
log-sum-exp and the row maximum subtracted (one-hot labels, mean over the batch).  The input
batch is not differentiated.  The reference is a hand-written NumPy forward + backward; the
wengert rows differentiate the loss written with plain `import numpy as np` calls (as a user
writes it) and with `wengert.numpy`.  Every contender's loss and gradients were checked
against the hand-written ones before timing (max abs error / max abs value ≤ 2e-4); dtypes:
{dtype_notes}

{args.rounds} timed steps per contender after {args.warmup} warm-up steps, interleaved
round-robin (garbage collector run before each step and enabled during it; objects created
before timing frozen with `gc.freeze()`).

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{table}

{verdict}
"""
    _bench.publish(KEY, body, table, verdict, args.write, {"args": vars(args), "info": info, "seconds": times})


if __name__ == "__main__":
    main()
