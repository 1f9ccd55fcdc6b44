"""Per-op overhead of reverse mode on scalars: how much each recorded primitive costs.

The workload is a float64 scalar pushed through ``iters`` iterations of

    x = sin(x) * 0.9 + cos(x) * 0.1        # 5 primitive ops: sin, mul, cos, mul, add

and the time of one whole ``grad(f)(x)`` (forward with recording, then backward) divided by
the number of primitive ops (5 * iters, i.e. 10,000 by default).  On scalars the arithmetic is
negligible, so this is the bookkeeping cost per op: dispatch, tape record, VJP call.

Contenders, all in this one process and timed round-robin:
- NumPy forward only (``np.sin`` on ``np.float64``, no derivative): the floor;
- wengert with ``wengert.numpy`` (``wnp.sin``), and with plain ``np.sin`` reaching wengert
  through ``__array_ufunc__``;
- HIPS autograd (``autograd.numpy``);
- PyTorch eager (0-d float64 tensor with ``requires_grad``, ``.backward()``);
- JAX eager (``jax.grad`` without ``jit``, float64): far slower per op, so it runs fewer
  iterations (``--jax-iters``) and is normalised per op like the others.
Every gradient is checked against a forward-mode derivative computed by hand before timing.
Missing peers are reported as "not installed".

Run:  python benchmarks/per_op.py [--write] [--rounds N] [--iters N] [--jax-iters N]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "per_op"
OPS_PER_ITER = 5


def reference_grad(x0: float, iters: int) -> float:
    """d x_iters / d x_0 by forward-mode chain rule, in plain floats."""
    x, dx = float(x0), 1.0
    for _ in range(iters):
        x, dx = math.sin(x) * 0.9 + math.cos(x) * 0.1, (math.cos(x) * 0.9 - math.sin(x) * 0.1) * dx
    return dx


def build_contenders(iters: int, jax_iters: int) -> tuple[dict[str, Callable[[], float]], dict[str, int]]:
    """Callables running one ``grad`` each (returning the derivative), and their op counts."""
    x0 = np.float64(0.5)
    fns: dict[str, Callable[[], float]] = {}
    n_ops: dict[str, int] = {}

    def f_np(x):
        for _ in range(iters):
            x = np.sin(x) * 0.9 + np.cos(x) * 0.1
        return x

    fns["NumPy forward only (no gradient)"] = lambda: f_np(x0)
    n_ops["NumPy forward only (no gradient)"] = OPS_PER_ITER * iters

    import wengert
    import wengert.numpy as wnp

    def f_wnp(x):
        for _ in range(iters):
            x = wnp.sin(x) * 0.9 + wnp.cos(x) * 0.1
        return x

    g_wnp = wengert.grad(f_wnp)
    g_wnp_np = wengert.grad(f_np)  # the same plain-NumPy code, dispatched by __array_ufunc__
    fns["wengert (wnp.sin/wnp.cos)"] = lambda: g_wnp(x0)
    n_ops["wengert (wnp.sin/wnp.cos)"] = OPS_PER_ITER * iters
    fns["wengert (plain np.sin/np.cos)"] = lambda: g_wnp_np(x0)
    n_ops["wengert (plain np.sin/np.cos)"] = OPS_PER_ITER * iters

    if _bench.peer("autograd") is not None:
        import autograd
        import autograd.numpy as anp

        def f_ag(x):
            for _ in range(iters):
                x = anp.sin(x) * 0.9 + anp.cos(x) * 0.1
            return x

        g_ag = autograd.grad(f_ag)
        fns["HIPS autograd"] = lambda: g_ag(x0)
        n_ops["HIPS autograd"] = OPS_PER_ITER * iters

    torch = _bench.import_torch()
    if torch is not None:

        def g_torch() -> float:
            x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            y = x
            for _ in range(iters):
                y = torch.sin(y) * 0.9 + torch.cos(y) * 0.1
            y.backward()
            return x.grad

        fns["PyTorch eager"] = g_torch
        n_ops["PyTorch eager"] = OPS_PER_ITER * iters

    jax = _bench.import_jax(x64=True)
    if jax is not None:
        import jax.numpy as jnp

        def f_jax(x):
            for _ in range(jax_iters):
                x = jnp.sin(x) * 0.9 + jnp.cos(x) * 0.1
            return x

        g_jax = jax.grad(f_jax)
        x_jax = jnp.asarray(0.5, dtype=jnp.float64)

        def run_jax():
            return g_jax(x_jax).block_until_ready()

        fns["JAX eager (grad, no jit)"] = run_jax
        n_ops["JAX eager (grad, no jit)"] = OPS_PER_ITER * jax_iters
    return fns, n_ops


def check(fns: dict[str, Callable[[], float]], n_ops: dict[str, int]) -> None:
    for name, fn in fns.items():
        if name.startswith("NumPy forward"):
            continue
        iters = n_ops[name] // OPS_PER_ITER
        want = reference_grad(0.5, iters)
        got = float(fn())
        if not math.isclose(got, want, rel_tol=1e-9):
            raise AssertionError(f"{name}: gradient {got!r}, expected {want!r}")
    print("gradients agree with the forward-mode reference (rel. tol. 1e-9)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iters", type=int, default=2000, help="loop iterations (5 ops each)")
    ap.add_argument("--jax-iters", type=int, default=100, help="iterations for JAX eager")
    ap.add_argument("--rounds", type=int, default=41, help="timed calls per contender")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()

    fns, n_ops = build_contenders(args.iters, args.jax_iters)
    check(fns, n_ops)
    times = _bench.run_rounds(fns, args.rounds, args.warmup)

    stats = {n: _bench.summary(ts, 1e6 / n_ops[n]) for n, ts in times.items()}  # µs per op
    torch_med = stats.get("PyTorch eager", {}).get("median")
    ag_med = stats.get("HIPS autograd", {}).get("median")
    w_med = stats["wengert (wnp.sin/wnp.cos)"]["median"]

    rows = []
    for name, s in stats.items():
        rows.append(
            [
                name,
                f"{n_ops[name]:,}",
                _bench.fmt(s["median"]),
                _bench.fmt(s["iqr"], 2),
                _bench.fmt(s["min"]),
                _bench.fmt(s["median"] * n_ops[name] / 1e3),
                _bench.fmt(s["median"] / torch_med, 3) if torch_med else "n/a",
                _bench.fmt(s["median"] / w_med, 3),
            ]
        )
    for name, why in _bench.MISSING.items():
        rows.append([name, "", why, "", "", "", "", ""])
    table = _bench.markdown_table(
        ["contender", "ops/call", "median µs/op", "IQR µs/op", "min µs/op", "ms/call", "× PyTorch", "× wengert"],
        rows,
    )

    lines = []
    w_times = times["wengert (wnp.sin/wnp.cos)"]
    if torch_med:
        r = w_med / torch_med
        lines.append(
            f"- wengert / PyTorch eager = **{r:.2f}** (ratio of medians; "
            f"{_bench.paired_ratio(w_times, times['PyTorch eager'])}; target ≤ 0.50: "
            f"{'met' if r <= 0.5 else 'not met'})"
        )
    else:
        lines.append("- wengert / PyTorch eager: PyTorch not installed")
    if ag_med:
        lines.append(
            f"- wengert / HIPS autograd = **{w_med / ag_med:.2f}** "
            f"(ratio of medians; {_bench.paired_ratio(w_times, times['HIPS autograd'])})"
        )
    else:
        lines.append("- wengert / HIPS autograd: autograd not installed")
    verdict = "\n".join(lines)

    info = _bench.machine_info(["autograd", "torch", "jax"])
    body = f"""## Per-op overhead (`benchmarks/per_op.py`)

What it measures: the cost of one recorded primitive in reverse mode.  A float64 scalar goes
through {args.iters:,} iterations of `x = sin(x)*0.9 + cos(x)*0.1` (5 primitive ops each:
{OPS_PER_ITER * args.iters:,} ops); the time of one `grad(f)(x)` (forward with recording plus
backward) is divided by the number of ops.  JAX eager (`jax.grad` without `jit`, float64) runs
{args.jax_iters} iterations ({OPS_PER_ITER * args.jax_iters} ops) and is normalised the same way.
"NumPy forward only" is the same loop on `np.float64` without any derivative.  All gradients are
checked against a hand-computed forward-mode derivative first.  {args.rounds} timed calls per
contender after {args.warmup} warm-up calls, interleaved round-robin; the garbage collector runs
before each call and stays enabled during it, and the objects that exist before timing (the
imported libraries of all contenders) are frozen with `gc.freeze()` so that no contender's
collections have to walk the other contenders' modules.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{table}

{verdict}
"""
    _bench.publish(KEY, body, table, verdict, args.write, {"args": vars(args), "info": info, "n_ops": n_ops, "seconds": times})


if __name__ == "__main__":
    main()
