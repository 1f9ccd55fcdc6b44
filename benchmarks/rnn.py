"""Backpropagation through time: the gradient of a small recurrent network, written with ``scan``.

float32 throughout.  T = 100 steps, batch 16, input 32, hidden 64:

    h_0 = 0;  h_t = tanh(h_{t-1} @ W + x_t @ U + b);  loss = sum(h_T ** 2)

and the gradient of the loss with respect to (W, U, b).  Per step the arithmetic is two small
matrix products forward and three backward, so per-step overhead (dispatch, tape, loop) is a
large share of the time.

Contenders, all in this one process and timed round-robin:
- hand-written NumPy BPTT (the reference): a forward loop that keeps every h_t, then a
  backward loop accumulating the three gradients;
- wengert ``jit(grad(loss, argnums=(0, 1, 2)))`` with the recurrence written with
  ``wengert.graph.scan`` (steady state; the first call, trace + optimize + compile, is timed
  in fresh processes, ``--first-repeats`` of them);
- wengert eager ``grad`` of the same recurrence as a Python loop;
- HIPS autograd and PyTorch eager on the Python loop;
- JAX ``jit(grad)`` with ``jax.lax.scan`` (steady state; its first call is reported apart).
Two diagnostic rows time the forward pass alone (the hand-written loop, and wengert's
``jit(loss)``, one scan), for reading how many forward passes a gradient costs.
Every contender's gradients are compared with the hand-written ones and checked to be float32.

Run:  python benchmarks/rnn.py [--write] [--rounds N] [--first-repeats N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "rnn"
SCRIPT = Path(__file__).resolve()
T, BATCH, N_IN, HIDDEN = 100, 16, 32, 64
REFERENCE = "NumPy hand-written BPTT"
W_JIT = "wengert jit(grad) with scan"
W_EAGER = "wengert grad, eager Python loop"
J_JIT = "JAX jit(grad) with lax.scan"
FWD_NP = "(diagnostic) NumPy forward loop only"
FWD_W = "(diagnostic) wengert jit(loss), forward scan only"


def make_problem(seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    W = (rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)).astype(np.float32)
    U = (rng.standard_normal((N_IN, HIDDEN)) / np.sqrt(N_IN)).astype(np.float32)
    b = (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32)
    xs = rng.standard_normal((T, BATCH, N_IN)).astype(np.float32)
    h0 = np.zeros((BATCH, HIDDEN), dtype=np.float32)
    return W, U, b, xs, h0


# --------------------------------------------------------------------------- by hand


def hand_forward(W, U, b, xs, h0):  # noqa: N803  (the matrices W, U)
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(h @ W + xs[t] @ U + b)
    return h


def hand_bptt(W, U, b, xs, h0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: N803  (the matrices W, U)
    """d loss / d (W, U, b), backpropagation through time written out by hand."""
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(h @ W + xs[t] @ U + b)
        hs.append(h)
    dh = 2.0 * h  # d sum(h_T**2) / d h_T
    gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    for t in range(xs.shape[0] - 1, -1, -1):
        da = dh * (1.0 - hs[t + 1] * hs[t + 1])  # through tanh
        gW += hs[t].T @ da
        gU += xs[t].T @ da
        gb += da.sum(axis=0)
        dh = da @ W.T
    return gW, gU, gb


# --------------------------------------------------------------------------- losses


def make_loss_scan(xnp: Any, scan: Callable) -> Callable:
    """The loss with the recurrence as ``scan`` (wengert.graph.scan, jax.lax.scan)."""

    def loss(W, U, b, xs, h0):  # noqa: N803  (the matrices W, U)
        def step(h, x):
            return xnp.tanh(h @ W + x @ U + b), None

        h, _ = scan(step, h0, xs)
        return xnp.sum(h**2)

    return loss


def make_loss_loop(xnp: Any) -> Callable:
    """The loss with the recurrence as a Python loop (wengert.numpy, autograd.numpy, torch)."""

    def loss(W, U, b, xs, h0):  # noqa: N803  (the matrices W, U)
        h = h0
        for t in range(xs.shape[0]):
            h = xnp.tanh(h @ W + xs[t] @ U + b)
        return xnp.sum(h**2)

    return loss


def wengert_jit_grad() -> Callable:
    import wengert
    import wengert.numpy as wnp
    from wengert.graph import scan

    return wengert.jit(wengert.grad(make_loss_scan(wnp, scan), argnums=(0, 1, 2)))


def build_contenders(
    W,
    U,
    b,
    xs,
    h0,
    clock: Callable[[], float] = time.perf_counter,  # noqa: N803  (the matrices W, U)
) -> tuple[dict[str, Callable], dict[str, Callable], dict[str, float]]:
    """(gradient contenders returning (gW, gU, gb), forward-only diagnostics, JAX first call)."""
    args = (W, U, b, xs, h0)
    fns: dict[str, Callable] = {REFERENCE: lambda: hand_bptt(*args)}
    compile_s: dict[str, float] = {}

    import wengert
    import wengert.numpy as wnp
    from wengert.graph import scan

    g_jit = wengert_jit_grad()
    g_eager = wengert.grad(make_loss_loop(wnp), argnums=(0, 1, 2))
    fwd_jit = wengert.jit(make_loss_scan(wnp, scan))
    fns[W_JIT] = lambda: g_jit(*args)
    fns[W_EAGER] = lambda: g_eager(*args)
    diag = {FWD_NP: lambda: hand_forward(*args), FWD_W: lambda: fwd_jit(*args)}

    if _bench.peer("autograd") is not None:
        import autograd
        import autograd.numpy as anp

        loss_ag = make_loss_loop(anp)
        g_ag = autograd.grad(lambda params, xs_, h0_: loss_ag(*params, xs_, h0_))  # w.r.t. the tuple
        fns["HIPS autograd, Python loop"] = lambda: tuple(g_ag((W, U, b), xs, h0))

    torch = _bench.import_torch()
    if torch is not None:
        tparams = [torch.from_numpy(p.copy()).requires_grad_() for p in (W, U, b)]
        txs, th0 = torch.from_numpy(xs), torch.from_numpy(h0)
        loss_t = make_loss_loop(torch)

        def torch_grad() -> tuple:
            for p in tparams:
                p.grad = None
            loss_t(*tparams, txs, th0).backward()
            return tuple(p.grad for p in tparams)

        fns["PyTorch eager, Python loop"] = torch_grad

    jax = _bench.import_jax(x64=False)
    if jax is not None:
        import jax.numpy as jnp

        g_j = jax.jit(jax.grad(make_loss_scan(jnp, jax.lax.scan), argnums=(0, 1, 2)))
        jargs = tuple(jnp.asarray(a) for a in args)

        def jax_grad() -> tuple:
            return tuple(g.block_until_ready() for g in g_j(*jargs))

        t0 = clock()
        jax_grad()
        compile_s[J_JIT] = clock() - t0
        fns[J_JIT] = jax_grad
    return fns, diag, compile_s


def _as_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach()
    return np.asarray(a)


def check(fns: dict[str, Callable], rtol: float = 1e-4) -> list[str]:
    ref = fns[REFERENCE]()
    notes = []
    for name, fn in fns.items():
        got = [_as_numpy(g) for g in fn()]
        for pname, g, r in zip(("W", "U", "b"), got, ref, strict=True):
            if g.shape != r.shape:
                raise AssertionError(f"{name}: d loss/d {pname} has shape {g.shape}, expected {r.shape}")
            if g.dtype != np.float32:
                raise AssertionError(f"{name}: d loss/d {pname} has dtype {g.dtype}, expected float32")
            err = float(np.max(np.abs(g.astype(np.float64) - r)) / np.max(np.abs(r)))
            if not err <= rtol:
                raise AssertionError(f"{name}: d loss/d {pname} differs from hand-written (rel. err. {err:.2e})")
        notes.append(name)
    print(f"all contenders match the hand-written gradients in float32 (max abs error / max abs value <= {rtol:g})")
    return notes


def child_first(clock: Callable[[], float]) -> dict:
    """One fresh process: the first call of wengert's ``jit(grad)`` (trace + optimize + compile)."""
    args = make_problem()
    g = wengert_jit_grad()
    t0 = clock()
    got = g(*args)
    seconds = clock() - t0
    ref = hand_bptt(*args)
    for a, r in zip(got, ref):
        if not np.max(np.abs(a - r)) <= 1e-4 * np.max(np.abs(r)):
            raise AssertionError("wengert jit, first call: gradient differs from hand-written")
    return {"seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=61, help="timed gradients per contender")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--first-repeats", type=int, default=5, help="fresh processes timing the first call")
    ap.add_argument(
        "--clock", choices=sorted(_bench.CLOCKS), default="wall", help="wall-clock time, or CPU time (steadier under load)"
    )
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    ap.add_argument("--child", choices=["first"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    clock, clock_desc = _bench.CLOCKS[args.clock]
    if args.child:
        print(json.dumps(child_first(clock)))
        return

    first = []
    for i in range(args.first_repeats):
        first.append(_bench.run_child([SCRIPT, "--clock", args.clock, "--child", "first"])["seconds"])
        print(f"wengert first call, process {i + 1}: {first[-1]:.3f} s", file=sys.stderr)

    problem = make_problem()
    fns, diag, compile_s = build_contenders(*problem, clock=clock)
    check(fns)
    times = _bench.run_rounds({**fns, **diag}, args.rounds, args.warmup, clock=clock)

    stats = {n: _bench.summary(ts, 1e3) for n, ts in times.items()}  # ms
    ref = stats[REFERENCE]["median"]
    jmed = stats[J_JIT]["median"] if J_JIT in stats else None
    rows = []
    for name, s in stats.items():
        rows.append(
            [
                name,
                _bench.fmt(s["median"]),
                _bench.fmt(s["iqr"], 2),
                _bench.fmt(s["min"]),
                _bench.fmt(s["median"] / ref, 3),
                _bench.fmt(s["median"] / jmed, 3) if jmed else "n/a",
            ]
        )
    for name, why in _bench.MISSING.items():
        rows.append([name, why, "", "", "", ""])
    table = _bench.markdown_table(["contender", "median ms", "IQR ms", "min ms", "× hand-written BPTT", "× JAX jit+scan"], rows)

    fs = _bench.summary(first)
    lines = [
        f"- wengert first call (trace + optimize + compile) = **{fs['median'] * 1e3:.0f} ms** (median of "
        f"{len(first)} fresh processes, range {min(first) * 1e3:.0f}–{max(first) * 1e3:.0f} ms; "
        f"target < 500 ms: {'met' if fs['median'] < 0.5 else 'not met'})"
    ]
    r = stats[W_JIT]["median"] / ref
    lines.append(
        f"- {W_JIT} / hand-written BPTT = **{r:.2f}** (ratio of medians; "
        f"{_bench.paired_ratio(times[W_JIT], times[REFERENCE])}; target ≤ 1.00: {'met' if r <= 1.0 else 'not met'})"
    )
    if jmed:
        lines.append(
            f"- {W_JIT} / {J_JIT} = **{stats[W_JIT]['median'] / jmed:.2f}** (ratio of medians; "
            f"{_bench.paired_ratio(times[W_JIT], times[J_JIT])})"
        )
    lines += [f"- {name}: first call (trace + XLA compile) {s * 1e3:.0f} ms" for name, s in compile_s.items()]
    verdict = "\n".join(lines)

    info = _bench.machine_info(["autograd", "torch", "jax"])
    body = f"""## RNN gradient through time (`benchmarks/rnn.py`)

What it measures: the gradient with respect to (W, U, b) of `sum(h_T**2)` for the recurrence
`h_t = tanh(h_(t-1) @ W + x_t @ U + b)`, h_0 = 0, T = {T} steps, batch {BATCH}, input {N_IN},
hidden {HIDDEN}, **float32 for every contender** (inputs, parameters and gradients; checked).
The reference is hand-written NumPy BPTT (a forward loop keeping every h_t, a backward loop
accumulating the gradients).  wengert: `wengert.jit(wengert.grad(loss, argnums=(0, 1, 2)))`
with the recurrence written with `wengert.graph.scan`, and eager `wengert.grad` of the same
recurrence as a Python loop; HIPS autograd and PyTorch eager differentiate the Python loop;
JAX runs `jax.jit(jax.grad(...))` with `jax.lax.scan`.  The diagnostic rows time the forward
pass alone.  Every contender's gradients were checked against the hand-written ones (max abs
error / max abs value ≤ 1e-4) before timing.  {args.rounds} timed gradients per contender after
{args.warmup} warm-up calls, interleaved round-robin (garbage collector run before each call and
enabled during it; objects created before timing frozen with `gc.freeze()`).  wengert's first
call (trace + optimize + compile) was timed in {args.first_repeats} fresh processes.  Clock (for every
figure): {clock_desc}.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{table}

{verdict}
"""
    _bench.publish(
        KEY,
        body,
        table,
        verdict,
        args.write,
        {"args": vars(args), "info": info, "seconds": times, "first_call_s": first, "jax_first_call_s": compile_s},
    )


if __name__ == "__main__":
    main()
