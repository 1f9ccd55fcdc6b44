"""Per-op cost under ``jit``: the scalar chain of ``per_op.py`` compiled, and what compiling costs.

The workload is the one of ``per_op.py``: a float64 scalar through ``iters`` = 2000 iterations
of ``x = sin(x) * 0.9 + cos(x) * 0.1`` (5 primitive ops each, 10,000 ops), differentiated with
``grad`` and compiled with ``jit`` as one function: ``jit(grad(f))``.  The Python loop unrolls
while tracing, so the compiled gradient is straight-line code of about 22,000 equations.

Two questions, measured separately:
- first call: trace + optimize + compile (generate NumPy source, ``exec`` it), measured in
  a fresh process each time (``--first-repeats`` processes; a second call in the same process
  hits the cache), and split into its phases in ``--phase-repeats`` more processes
  (``wengert.trace`` of ``grad(f)``, ``Graph.optimize``, ``Graph.compile``, and the first run
  of the compiled code: the same steps ``jit`` takes);
- steady state: later calls of the compiled gradient, per op of the forward loop (the time
  of one gradient divided by 10,000), interleaved round-robin with plain NumPy running the
  same loop forward on ``np.float64`` (no derivative) and with wengert's eager ``grad``.
JAX ``jit(grad(f))`` compiles the same unrolled loop with XLA: it runs once, in its own process,
killed after ``--jax-timeout`` seconds (then reported as not measured); when it finishes, that
process times its steady state round-robin against the NumPy forward loop.
Every gradient is checked against ``per_op.reference_grad`` (forward mode by hand).

Run:  python benchmarks/jit_per_op.py [--write] [--rounds N] [--first-repeats N] [--no-jax]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np
from per_op import OPS_PER_ITER, reference_grad

KEY = "jit_per_op"
SCRIPT = Path(__file__).resolve()
NUMPY_FWD = "NumPy forward only (no gradient)"
W_JIT = "wengert jit(grad(f)), steady state"
W_EAGER = "wengert grad(f), eager (no jit)"
J_JIT = "JAX jit(grad(f)), steady state"
X0 = 0.5


def numpy_forward(iters: int) -> Callable[[], float]:
    x0 = np.float64(X0)

    def f_np() -> float:
        x = x0
        for _ in range(iters):
            x = np.sin(x) * 0.9 + np.cos(x) * 0.1
        return x

    return f_np


def wengert_f(iters: int) -> Callable:
    import wengert.numpy as wnp

    def f(x):
        for _ in range(iters):
            x = wnp.sin(x) * 0.9 + wnp.cos(x) * 0.1
        return x

    return f


def _check(name: str, got: float, iters: int) -> None:
    want = reference_grad(X0, iters)
    if not math.isclose(float(got), want, rel_tol=1e-9):
        raise AssertionError(f"{name}: gradient {float(got)!r}, expected {want!r}")


# --------------------------------------------------------------------------- children


def child_first(iters: int, clock: Callable[[], float]) -> dict:
    """One fresh process: the first call of ``jit(grad(f))`` (trace + optimize + compile)."""
    import wengert

    g = wengert.jit(wengert.grad(wengert_f(iters)))
    x = np.float64(X0)
    t0 = clock()
    r = g(x)
    seconds = clock() - t0
    _check("wengert jit, first call", r, iters)
    return {"seconds": seconds}


def child_phases(iters: int, clock: Callable[[], float]) -> dict:
    """One fresh process: the steps of ``jit``'s first call, timed one by one."""
    import wengert

    x = np.float64(X0)
    t0 = clock()
    graph = wengert.trace(wengert.grad(wengert_f(iters)))(x)
    t1 = clock()
    opt = graph.optimize()
    t2 = clock()
    fn = opt.compile()
    t3 = clock()
    (r,) = fn(x)
    t4 = clock()
    _check("wengert compiled graph", r, iters)
    return {
        "trace": t1 - t0,
        "optimize": t2 - t1,
        "compile": t3 - t2,
        "first run": t4 - t3,
        "eqns traced": len(graph),
        "eqns optimized": len(opt),
    }


def child_jax(iters: int, rounds: int, warmup: int, clock: Callable[[], float]) -> dict:
    """One fresh process: JAX's ``jit(grad(f))`` first call, then its steady state
    interleaved with the NumPy forward loop."""
    jax = _bench.import_jax(x64=True)
    if jax is None:
        return {"missing": _bench.MISSING.get("jax", "not installed")}
    import jax.numpy as jnp

    def f(x):
        for _ in range(iters):
            x = jnp.sin(x) * 0.9 + jnp.cos(x) * 0.1
        return x

    g = jax.jit(jax.grad(f))
    x = jnp.asarray(X0, dtype=jnp.float64)
    t0 = clock()
    r = g(x).block_until_ready()
    compile_s = clock() - t0
    _check("JAX jit(grad(f))", r, iters)
    fns = {NUMPY_FWD: numpy_forward(iters), J_JIT: lambda: g(x).block_until_ready()}
    times = _bench.run_rounds(fns, rounds, warmup, verbose=False, clock=clock)
    return {"compile": compile_s, "seconds": times}


# --------------------------------------------------------------------------- parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iters", type=int, default=2000, help="loop iterations (5 ops each)")
    ap.add_argument("--rounds", type=int, default=61, help="timed steady-state calls per contender")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--first-repeats", type=int, default=5, help="fresh processes timing the first call")
    ap.add_argument("--phase-repeats", type=int, default=3, help="fresh processes timing its phases")
    ap.add_argument("--jax-timeout", type=float, default=60.0, help="seconds JAX may take to compile")
    ap.add_argument("--no-jax", action="store_true", help="skip JAX")
    ap.add_argument(
        "--clock", choices=sorted(_bench.CLOCKS), default="wall", help="wall-clock time, or CPU time (steadier under load)"
    )
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    ap.add_argument("--child", choices=["first", "phases", "jax"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    n_ops = OPS_PER_ITER * args.iters
    clock, clock_desc = _bench.CLOCKS[args.clock]

    if args.child:
        run = {
            "first": lambda: child_first(args.iters, clock),
            "phases": lambda: child_phases(args.iters, clock),
            "jax": lambda: child_jax(args.iters, args.rounds, args.warmup, clock),
        }[args.child]
        print(json.dumps(run()))
        return

    child = [SCRIPT, "--iters", args.iters, "--clock", args.clock, "--child"]
    first = []
    for i in range(args.first_repeats):
        first.append(_bench.run_child([*child, "first"])["seconds"])
        print(f"wengert first call, process {i + 1}: {first[-1]:.2f} s", file=sys.stderr)
    phases = []
    for i in range(args.phase_repeats):
        phases.append(_bench.run_child([*child, "phases"]))
        print(f"wengert phases, process {i + 1}: {phases[-1]}", file=sys.stderr)

    jax_res: dict | None = None
    jax_note = "not run (--no-jax)"
    if not args.no_jax:
        # the child also imports JAX and times the steady state: allow for that beyond the limit
        margin = 30.0 + args.rounds * 0.05
        argv = [*child, "jax", "--rounds", args.rounds, "--warmup", args.warmup]
        t0 = time.perf_counter()
        try:
            jax_res = _bench.run_child(argv, timeout=args.jax_timeout + margin)
        except subprocess.TimeoutExpired:
            jax_note = (
                f"> {args.jax_timeout:.0f} s, not measured (process killed after "
                f"{time.perf_counter() - t0:.0f} s including the JAX import)"
            )
        else:
            if "missing" in jax_res:
                jax_note = jax_res["missing"]
                jax_res = None
            elif jax_res["compile"] > args.jax_timeout:
                jax_note = f"{jax_res['compile']:.1f} s (over the {args.jax_timeout:.0f} s limit)"
            else:
                jax_note = f"{jax_res['compile']:.1f} s"
        print(f"JAX jit(grad(f)) first call: {jax_note}", file=sys.stderr)

    import wengert

    f = wengert_f(args.iters)
    g_jit = wengert.jit(wengert.grad(f))
    g_eager = wengert.grad(f)
    x = np.float64(X0)
    fns = {NUMPY_FWD: numpy_forward(args.iters), W_JIT: lambda: g_jit(x), W_EAGER: lambda: g_eager(x)}
    _check(W_JIT, g_jit(x), args.iters)  # the first call (compiling) happens here, untimed
    _check(W_JIT, g_jit(x), args.iters)
    _check(W_EAGER, g_eager(x), args.iters)
    print(f"gradients agree with the forward-mode reference (rel. tol. 1e-9); {len(g_jit.lower(x))} equations")
    times = _bench.run_rounds(fns, args.rounds, args.warmup, clock=clock)

    # ------------------------------------------------------------ steady-state table
    stats = {n: _bench.summary(ts, 1e6 / n_ops) for n, ts in times.items()}  # µs per op
    ref = stats[NUMPY_FWD]["median"]
    rows = []
    for name, s in stats.items():
        rows.append(
            [
                name,
                _bench.fmt(s["median"]),
                _bench.fmt(s["iqr"], 2),
                _bench.fmt(s["min"]),
                _bench.fmt(s["median"] * n_ops / 1e3),
                _bench.fmt(s["median"] / ref, 3),
            ]
        )
    if jax_res is not None:
        js = {n: _bench.summary(ts, 1e6 / n_ops) for n, ts in jax_res["seconds"].items()}
        s = js[J_JIT]
        rows.append(
            [
                f"{J_JIT} (own process)",
                _bench.fmt(s["median"]),
                _bench.fmt(s["iqr"], 2),
                _bench.fmt(s["min"]),
                _bench.fmt(s["median"] * n_ops / 1e3),
                _bench.fmt(s["median"] / js[NUMPY_FWD]["median"], 3) + " (vs NumPy in its process)",
            ]
        )
    else:
        rows.append([J_JIT, jax_note, "", "", "", ""])
    steady_table = _bench.markdown_table(
        ["contender", "median µs/op", "IQR µs/op", "min µs/op", "ms/call", "× NumPy forward"], rows
    )

    # ------------------------------------------------------------ first-call table
    fs = _bench.summary(first)
    rows = [
        [
            "wengert jit(grad(f)): first call (trace + optimize + compile)",
            str(len(first)),
            _bench.fmt(fs["median"]),
            _bench.fmt(fs["min"]),
            _bench.fmt(max(first)),
        ]
    ]
    for phase in ("trace", "optimize", "compile", "first run"):
        ps = [p[phase] for p in phases]
        s = _bench.summary(ps)
        rows.append([f"… phase: {phase}", str(len(ps)), _bench.fmt(s["median"]), _bench.fmt(s["min"]), _bench.fmt(max(ps))])
    if jax_res is not None:
        c = _bench.fmt(jax_res["compile"])
        rows.append(["JAX jit(grad(f)): first call (trace + XLA compile)", "1", c, c, c])
    else:
        rows.append(["JAX jit(grad(f)): first call (trace + XLA compile)", "1", jax_note, "", ""])
    first_table = _bench.markdown_table(["", "processes", "median s", "min s", "max s"], rows)
    eqns = phases[0] if phases else {}
    graph_note = (
        f"The traced gradient graph has {eqns['eqns traced']:,} equations, {eqns['eqns optimized']:,} after optimization."
        if eqns
        else ""
    )

    # ------------------------------------------------------------ verdict
    lines = [
        f"- wengert first call = **{fs['median']:.2f} s** (median of {len(first)} fresh processes; "
        f"target < 1 s: {'met' if fs['median'] < 1.0 else 'not met'})"
    ]
    r = stats[W_JIT]["median"] / ref
    lines.append(
        f"- wengert jit steady state / NumPy forward = **{r:.2f}** (ratio of medians; "
        f"{_bench.paired_ratio(times[W_JIT], times[NUMPY_FWD])}; target < 3: {'met' if r < 3 else 'not met'})"
    )
    if jax_res is not None:
        js_med = _bench.summary(jax_res["seconds"][J_JIT])["median"]
        lines.append(
            f"- wengert jit steady state / JAX jit steady state = **{stats[W_JIT]['median'] / (js_med * 1e6 / n_ops):.2f}**"
            " (ratio of medians measured in different processes)"
        )
    verdict = "\n".join(lines)

    info = _bench.machine_info(["jax"])
    body = f"""## Per-op cost under jit (`benchmarks/jit_per_op.py`)

What it measures: the scalar chain of `per_op.py` (a float64 scalar through {args.iters:,}
iterations of `x = sin(x)*0.9 + cos(x)*0.1`, {n_ops:,} primitive ops) differentiated and
compiled as one function, `wengert.jit(wengert.grad(f))`; the loop unrolls while tracing.
First call: trace + optimize + compile (NumPy source generated and `exec`uted), each in a fresh
process ({args.first_repeats} processes), and its phases in {args.phase_repeats} more processes
(`wengert.trace(grad(f))`, `Graph.optimize`, `Graph.compile`, first run of the compiled code).
{graph_note}  Steady state: the time of one compiled gradient divided by the {n_ops:,} ops of
the forward loop, {args.rounds} timed calls after {args.warmup} warm-up calls, interleaved
round-robin with plain NumPy running the same loop forward on `np.float64` (no derivative) and
with wengert's eager `grad` (garbage collector run before each call and enabled during it;
objects created before timing frozen with `gc.freeze()`).  JAX `jax.jit(jax.grad(f))`
compiles once, in its own process, killed after {args.jax_timeout:.0f} s of compiling (plus the
time to import JAX and time it); when it finishes, that process times its steady state
round-robin against the same NumPy loop.  All gradients were checked against a forward-mode
derivative computed by hand (rel. tol. 1e-9).  Clock (for every figure, first calls included):
{clock_desc}.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

### Steady state

{steady_table}

### First call

{first_table}

{verdict}
"""
    print()
    print(steady_table)
    print()
    print(first_table)
    print()
    print(verdict)
    if args.write:
        _bench.write_section(KEY, body)
        _bench.save_raw(
            KEY,
            {"args": vars(args), "info": info, "seconds": times, "first_call_s": first, "phases": phases, "jax": jax_res},
        )


if __name__ == "__main__":
    main()
