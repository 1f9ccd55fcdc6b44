"""One training epoch of a two-layer MLP on scikit-learn's 8x8 digits with Adam, batch 64.

The model of ``examples/digits_mlp.py``: float32, 64-128-10 with ReLU, softmax cross-entropy
from the logits (mean over the batch) plus ``1e-4/2 * sum(w**2)`` on both weight matrices,
Adam with lr 3e-3.  One epoch = 22 steps over the 1,347 training images (the last batch has
3 images), each step = forward, gradient of the four parameters, Adam update.  Every timed
call starts from the same initial parameters and a fresh optimizer state and walks the same
batches (a fixed shuffle), so every contender does the same arithmetic.

Contenders, in one process and timed round-robin:
- wengert ``optim.minimize`` (the training loop as a user calls it; progress bar off);
- wengert's parts by hand: ``value_and_grad`` + ``Adam.update`` in a Python loop;
- PyTorch eager: the same model on tensors, ``F.cross_entropy``, ``loss.backward()`` and
  ``torch.optim.Adam`` (its default implementation on the CPU), and with ``foreach=True``.
Before timing, the parameters after one epoch are compared across contenders (float32
tolerance): the Adam updates agree, so the comparison is of equal work.

Run:  python benchmarks/train_epoch.py [--write] [--rounds N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "train_epoch"
BATCH = 64
LR = 3e-3
L2 = 1e-4
REFERENCE = "PyTorch eager"
TARGET = "wengert optim.minimize"


def make_problem(seed: int = 0) -> tuple[list[dict[str, np.ndarray]], list[tuple[np.ndarray, np.ndarray]]]:
    """Initial MLP parameters and the batches of one epoch (a fixed shuffle)."""
    from wengert.optim import digits

    Xtr, ytr, _, _ = digits.load_digits_split()
    params = digits.init_params("mlp", seed)
    order = np.random.default_rng(seed).permutation(len(ytr))
    batches = [(Xtr[order[i : i + BATCH]], ytr[order[i : i + BATCH]]) for i in range(0, len(ytr), BATCH)]
    return params, batches


def loss(params: list, x: np.ndarray, y: np.ndarray) -> Any:
    """As a user writes it with ``wengert.nn`` (the same as ``wengert.optim.digits.loss``)."""
    from wengert import nn

    logits = nn.mlp(params, x, activation=nn.relu)
    reg = np.sum(params[0]["w"] * params[0]["w"]) + np.sum(params[1]["w"] * params[1]["w"])
    return nn.softmax_cross_entropy(logits, y) + (0.5 * L2) * reg


def build_contenders(params: list, batches: list) -> dict[str, Callable[[], list[np.ndarray]]]:
    """Callables running one epoch each from ``params``, returning the final parameters as a
    list ``[W1, b1, W2, b2]`` of NumPy arrays."""
    import wengert
    from wengert import optim

    flat = lambda p: [p[0]["w"], p[0]["b"], p[1]["w"], p[1]["b"]]

    def wengert_minimize() -> list:
        res = optim.minimize(loss, params, optimizer=optim.Adam(LR), data=batches, epochs=1, progress=False)
        return flat(res.params)

    vg = wengert.value_and_grad(loss)

    def wengert_loop() -> list:
        opt = optim.Adam(LR)
        p, state = params, opt.init(params)
        for x, y in batches:
            _, g = vg(p, x, y)
            p, state = opt.update(g, state, p)
        return flat(p)

    fns: dict[str, Callable[[], list]] = {TARGET: wengert_minimize, "wengert value_and_grad + Adam.update": wengert_loop}

    torch = _bench.import_torch()
    if torch is not None:
        import torch.nn.functional as F

        init = [torch.from_numpy(a.copy()) for a in flat(params)]
        tparams = [t.clone().requires_grad_() for t in init]
        tbatches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

        def make_torch(foreach: bool | None) -> Callable[[], list]:
            def torch_epoch() -> list:
                with torch.no_grad():
                    for t, a in zip(tparams, init):
                        t.copy_(a)
                opt = torch.optim.Adam(tparams, lr=LR, foreach=foreach)
                W1, b1, W2, b2 = tparams
                for x, y in tbatches:
                    opt.zero_grad()
                    logits = torch.relu(x @ W1 + b1) @ W2 + b2
                    lo = F.cross_entropy(logits, y) + (0.5 * L2) * (torch.sum(W1 * W1) + torch.sum(W2 * W2))
                    lo.backward()
                    opt.step()
                return [t.detach().numpy().copy() for t in tparams]

            return torch_epoch

        fns[REFERENCE] = make_torch(None)
        fns["PyTorch eager (Adam foreach=True)"] = make_torch(True)
    return fns


def check(fns: dict[str, Callable[[], list]], rtol: float = 1e-4) -> str:
    """Every contender's parameters after one epoch against the first contender's."""
    names = ("W1", "b1", "W2", "b2")
    ref_name = next(iter(fns))
    ref = fns[ref_name]()
    worst = 0.0
    for name, fn in fns.items():
        out = fn()
        for pname, a, r in zip(names, out, ref, strict=True):
            a = np.asarray(a)
            if a.dtype != np.float32:
                raise AssertionError(f"{name}: {pname} has dtype {a.dtype}, expected float32")
            err = float(np.max(np.abs(a.astype(np.float64) - r)) / np.max(np.abs(r)))
            worst = max(worst, err)
            if not err <= rtol:
                raise AssertionError(f"{name}: {pname} after one epoch differs from {ref_name} (rel. err. {err:.2e})")
    note = (
        f"after one epoch every contender's parameters match {ref_name}'s "
        f"(max abs difference / max abs value ≤ {worst:.1e}; all float32)"
    )
    print(note)
    return note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=41, help="timed epochs per contender")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()

    params, batches = make_problem()
    fns = build_contenders(params, batches)
    note = check(fns)
    times = _bench.run_rounds(fns, args.rounds, args.warmup)

    stats = {n: _bench.summary(ts, 1e3) for n, ts in times.items()}  # ms per epoch
    ref = stats[REFERENCE]["median"] if REFERENCE in stats else None
    rows = [
        [
            name,
            _bench.fmt(s["median"]),
            _bench.fmt(s["median"] * 1e3 / len(batches)),
            _bench.fmt(s["iqr"], 2),
            _bench.fmt(s["min"]),
            _bench.fmt(s["median"] / ref, 3) if ref else "n/a",
        ]
        for name, s in stats.items()
    ]
    for name, why in _bench.MISSING.items():
        rows.append([name, why, "", "", "", ""])
    table = _bench.markdown_table(["contender", "median ms/epoch", "µs/step", "IQR ms", "min ms", "× PyTorch eager"], rows)
    if ref:
        lines = []
        for name in (TARGET, "wengert value_and_grad + Adam.update"):
            r = stats[name]["median"] / ref
            lines.append(
                f"- {name} / PyTorch eager = **{r:.3f}** (ratio of medians; "
                f"{_bench.paired_ratio(times[name], times[REFERENCE])}"
                + (f"; target ≤ 1.00: {'met' if r <= 1.0 else 'not met'})" if name == TARGET else ")")
            )
        verdict = "\n".join(lines)
    else:
        verdict = "- PyTorch is not installed: no comparison."

    info = _bench.machine_info(["torch", "scikit-learn"])
    body = f"""## One training epoch: MLP on the 8x8 digits with Adam (`benchmarks/train_epoch.py`)

What it measures: one epoch of `examples/digits_mlp.py`'s model: float32 MLP 64-128-10 with
ReLU, softmax cross-entropy from the logits plus an L2 penalty, Adam (lr {LR:g}), batch
{BATCH}, {len(batches)} steps over the 1,347 training images of scikit-learn's digits (a fixed
shuffle).  Each timed call starts from the same initial parameters and a fresh optimizer.
wengert runs the loss written with `wengert.nn` through `optim.minimize` (the user's call)
and, separately, through `value_and_grad` + `Adam.update` in a plain loop; PyTorch runs the
same model on tensors with `F.cross_entropy`, `backward()` and `torch.optim.Adam` (default
and `foreach=True`).  Check before timing: {note}.

{args.rounds} timed epochs per contender after {args.warmup} warm-up epochs, interleaved
round-robin (garbage collector run before each epoch and enabled during it; objects created
before timing frozen with `gc.freeze()`).

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{table}

{verdict}
"""
    _bench.publish(KEY, body, table, verdict, args.write, {"args": vars(args), "info": info, "seconds": times})


if __name__ == "__main__":
    main()
