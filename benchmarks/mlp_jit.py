"""The MLP training step of ``mlp_step.py`` compiled with ``jit``.

Same problem, loss and hand-written reference as ``mlp_step.py`` (imported from it, not
copied): float32 MLP 784-512-512-10 with tanh, batch 256, softmax cross-entropy with the row
maximum subtracted; one step = loss and gradient of (W1, b1, W2, b2, W3, b3).  Here wengert
traces the step once, optimizes the graph and generates NumPy code for it:
``wengert.jit(wengert.value_and_grad(loss))``.

Contenders, all in this one process and timed round-robin:
- hand-written NumPy forward + backward (the reference, ``mlp_step.hand_step``);
- wengert ``jit(value_and_grad(loss))`` with the loss written with plain ``import numpy as np``
  and with ``wengert.numpy`` (steady state; the first call is timed once, apart);
- wengert eager ``value_and_grad`` (``wengert.numpy`` loss), for comparison.
Every contender's loss and gradients are checked against the hand-written ones
(``mlp_step.check``: float32 tolerance, wengert's gradients float32).

Run:  python benchmarks/mlp_jit.py [--write] [--rounds N] [--batch N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np
from mlp_step import REFERENCE, SIZES, check, hand_step, loss_np, make_loss, make_problem

KEY = "mlp_jit"
JIT_NP = "wengert jit (plain np loss)"
JIT_WNP = "wengert jit (wnp loss)"


def build_contenders(
    params: tuple, x: np.ndarray, y: np.ndarray, clock: Callable[[], float] = time.perf_counter
) -> tuple[dict[str, Callable], dict[str, float]]:
    """Callables running one step each (returning ``(loss, grads)``), and the seconds of each
    jitted step's first call (trace + optimize + compile)."""
    import wengert
    import wengert.numpy as wnp

    fns: dict[str, Callable] = {REFERENCE: lambda: hand_step(params, x, y)}
    first: dict[str, float] = {}
    for name, loss in ((JIT_NP, loss_np), (JIT_WNP, make_loss(wnp))):
        step = wengert.jit(wengert.value_and_grad(loss))
        t0 = clock()
        step(params, x, y)
        first[name] = clock() - t0
        fns[name] = lambda step=step: step(params, x, y)
    vg = wengert.value_and_grad(make_loss(wnp))
    fns["wengert eager (wnp loss)"] = lambda: vg(params, x, y)
    return fns, first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=101, help="timed steps per contender")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument(
        "--clock", choices=sorted(_bench.CLOCKS), default="wall", help="wall-clock time, or CPU time (steadier under load)"
    )
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()

    params, X, Y = make_problem(args.batch)
    clock, clock_desc = _bench.CLOCKS[args.clock]
    fns, first = build_contenders(params, X, Y, clock)
    notes = check(fns)
    times = _bench.run_rounds(fns, args.rounds, args.warmup, clock=clock)

    stats = {n: _bench.summary(ts, 1e3) for n, ts in times.items()}  # ms per step
    ref = stats[REFERENCE]["median"]
    rows = [
        [name, _bench.fmt(s["median"]), _bench.fmt(s["iqr"], 2), _bench.fmt(s["min"]), _bench.fmt(s["median"] / ref, 3)]
        for name, s in stats.items()
    ]
    table = _bench.markdown_table(["contender", "median ms/step", "IQR ms", "min ms", "× hand-written NumPy"], rows)
    lines = []
    for name in (JIT_NP, JIT_WNP):
        r = stats[name]["median"] / ref
        lines.append(
            f"- {name} / hand-written NumPy = **{r:.3f}** (ratio of medians; "
            f"{_bench.paired_ratio(times[name], times[REFERENCE])}; target ≤ 1.00: {'met' if r <= 1.0 else 'not met'})"
        )
    lines += [f"- {name}: first call (trace + optimize + compile) {s * 1e3:.0f} ms" for name, s in first.items()]
    verdict = "\n".join(lines)

    info = _bench.machine_info([])
    dtype_notes = "\n".join(f"  - {n}" for n in notes)
    body = f"""## MLP training step under jit (`benchmarks/mlp_jit.py`)

What it measures: the training step of `mlp_step.py` (float32 MLP {"-".join(map(str, SIZES))}
with tanh, batch {args.batch}, softmax cross-entropy; loss and gradient of all six parameters),
compiled: `wengert.jit(wengert.value_and_grad(loss))`, with the loss written with plain
`import numpy as np` and with `wengert.numpy`, against the same hand-written NumPy forward +
backward (problem, loss and reference imported from `mlp_step.py`).  The eager wengert step is
timed alongside for comparison; the jitted steps' first calls (trace + optimize + compile, in
this process) are listed below the table.  Every contender's loss and gradients were checked
against the hand-written ones before timing (max abs error / max abs value ≤ 2e-4); dtypes:
{dtype_notes}

{args.rounds} timed steps per contender after {args.warmup} warm-up steps, interleaved
round-robin (garbage collector run before each step and enabled during it; objects created
before timing frozen with `gc.freeze()`).  Clock: {clock_desc}.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{table}

{verdict}
"""
    _bench.publish(
        KEY, body, table, verdict, args.write, {"args": vars(args), "info": info, "seconds": times, "first_call_s": first}
    )


if __name__ == "__main__":
    main()
