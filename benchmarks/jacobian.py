"""Dense Jacobian of a small layer, by forward mode and by reverse mode.

The workload is ``f(x) = tanh(A @ x)`` with ``A`` a fixed 300 x 300 float64 matrix and ``x`` a
float64 vector of 300: the Jacobian is the 300 x 300 matrix ``(1 - tanh(A @ x)**2)[:, None] * A``,
which ``NumPy closed form`` computes by hand (the reference every result is checked against,
and the floor of the table).  Forward mode pushes the 300 basis tangents, reverse mode pulls
the 300 basis cotangents; the batched versions do each in one pass with a 300 x 300 x 300
matrix product, so the arithmetic floor is about one ``A @ A``.

Contenders, all in this one process and timed round-robin:
- wengert ``jacfwd`` and ``jacrev`` (f written with ``wengert.numpy``);
- PyTorch ``torch.func.jacfwd`` and ``torch.func.jacrev``;
- HIPS autograd: ``autograd.jacobian`` (reverse mode, one backward pass per output) and
  forward mode built from ``autograd.make_jvp`` (one forward pass per basis tangent: autograd
  has no batched forward Jacobian);
- JAX ``jax.jacfwd`` / ``jax.jacrev`` without ``jit``, and under ``jax.jit`` (steady state;
  the first call, trace and XLA compile, is reported apart).
Missing peers are reported as "not installed".

Run:  python benchmarks/jacobian.py [--write] [--rounds N] [--n N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "jacobian"
REFERENCE = "NumPy closed form (by hand)"
W_FWD, W_REV = "wengert jacfwd", "wengert jacrev"
T_FWD, T_REV = "PyTorch torch.func.jacfwd", "PyTorch torch.func.jacrev"
J_FWD, J_REV = "JAX jit(jacfwd)", "JAX jit(jacrev)"


def closed_form(A: np.ndarray, x: np.ndarray) -> np.ndarray:  # noqa: N803  (the matrix A)
    y = np.tanh(A @ x)
    return (1.0 - y * y)[:, None] * A


def build_contenders(
    A: np.ndarray,  # noqa: N803  (the matrix A)
    x: np.ndarray,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[dict[str, Callable], dict[str, float]]:
    """Callables returning the Jacobian as the library's array, and JAX's first-call seconds."""
    fns: dict[str, Callable] = {REFERENCE: lambda: closed_form(A, x)}
    compile_s: dict[str, float] = {}

    import wengert
    import wengert.numpy as wnp

    def f_w(x_):
        return wnp.tanh(A @ x_)

    jf_w, jr_w = wengert.jacfwd(f_w), wengert.jacrev(f_w)
    fns[W_FWD] = lambda: jf_w(x)
    fns[W_REV] = lambda: jr_w(x)

    torch = _bench.import_torch()
    if torch is not None:
        import torch.func

        At, xt = torch.from_numpy(A.copy()), torch.from_numpy(x.copy())

        def f_t(x_):
            return torch.tanh(At @ x_)

        jf_t, jr_t = torch.func.jacfwd(f_t), torch.func.jacrev(f_t)
        fns[T_FWD] = lambda: jf_t(xt)
        fns[T_REV] = lambda: jr_t(xt)

    if _bench.peer("autograd") is not None:
        import autograd
        import autograd.numpy as anp

        def f_ag(x_):
            return anp.tanh(anp.dot(A, x_))

        jr_ag = autograd.jacobian(f_ag)
        jvp_ag = autograd.make_jvp(f_ag)
        basis = np.eye(x.size)

        def jf_ag():
            push = jvp_ag(x)  # one forward pass per basis tangent
            return np.stack([push(e)[1] for e in basis], axis=1)

        fns["HIPS autograd jacobian (reverse)"] = lambda: jr_ag(x)
        fns["HIPS autograd make_jvp per column (forward)"] = jf_ag

    jax = _bench.import_jax(x64=True)
    if jax is not None:
        import jax.numpy as jnp

        Aj, xj = jnp.asarray(A), jnp.asarray(x)

        def f_j(x_):
            return jnp.tanh(Aj @ x_)

        jf_j, jr_j = jax.jacfwd(f_j), jax.jacrev(f_j)
        jf_jj, jr_jj = jax.jit(jf_j), jax.jit(jr_j)
        fns["JAX jacfwd (no jit)"] = lambda: jf_j(xj).block_until_ready()
        fns["JAX jacrev (no jit)"] = lambda: jr_j(xj).block_until_ready()
        fns[J_FWD] = lambda: jf_jj(xj).block_until_ready()
        fns[J_REV] = lambda: jr_jj(xj).block_until_ready()
        for name in (J_FWD, J_REV):
            t0 = clock()
            fns[name]()
            compile_s[name] = clock() - t0
    return fns, compile_s


def _as_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach()
    return np.asarray(a)


def check(fns: dict[str, Callable], want: np.ndarray, rtol: float = 1e-12) -> None:
    scale = float(np.max(np.abs(want)))
    for name, fn in fns.items():
        got = _as_numpy(fn())
        if got.shape != want.shape or got.dtype != np.float64:
            raise AssertionError(f"{name}: got {got.dtype}{got.shape}, expected float64{want.shape}")
        err = float(np.max(np.abs(got - want))) / scale
        if not err <= rtol:
            raise AssertionError(f"{name}: differs from the closed form (max error / max entry {err:.1e})")
    print(f"every contender equals the closed form (max error / max entry <= {rtol:g})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="A is n x n, x has n entries")
    ap.add_argument("--rounds", type=int, default=31, help="timed Jacobians per contender")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument(
        "--clock", choices=sorted(_bench.CLOCKS), default="wall", help="wall-clock time, or CPU time (steadier under load)"
    )
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    A = rng.standard_normal((args.n, args.n)) / np.sqrt(args.n)
    x = rng.standard_normal(args.n)
    clock, clock_desc = _bench.CLOCKS[args.clock]
    fns, compile_s = build_contenders(A, x, clock)
    check(fns, closed_form(A, x))

    # the arithmetic floor: one n x n x n product, timed alongside
    fns["NumPy A @ A alone (floor of the batched modes)"] = lambda: A @ A
    times = _bench.run_rounds(fns, args.rounds, args.warmup, clock=clock)

    stats = {n: _bench.summary(ts, 1e3) for n, ts in times.items()}  # ms
    ratio_to = [T_FWD, T_REV, J_FWD, J_REV]
    rows = []
    for name, s in stats.items():
        row = [name, _bench.fmt(s["median"]), _bench.fmt(s["iqr"], 2), _bench.fmt(s["min"])]
        row += [_bench.fmt(s["median"] / stats[r]["median"], 3) if r in stats else "n/a" for r in ratio_to]
        rows.append(row)
    for name, why in _bench.MISSING.items():
        rows.append([name, why] + [""] * (2 + len(ratio_to)))
    table = _bench.markdown_table(["contender", "median ms", "IQR ms", "min ms"] + [f"× {r}" for r in ratio_to], rows)

    lines = []
    for ours, theirs, target in ((W_FWD, T_FWD, 1.0), (W_REV, T_REV, 1.0), (W_FWD, J_FWD, None), (W_REV, J_REV, None)):
        if theirs not in stats:
            lines.append(f"- {ours} / {theirs}: not installed")
            continue
        r = stats[ours]["median"] / stats[theirs]["median"]
        goal = "" if target is None else f"; target ≤ {target:.2f}: {'met' if r <= target else 'not met'}"
        lines.append(
            f"- {ours} / {theirs} = **{r:.2f}** (ratio of medians; {_bench.paired_ratio(times[ours], times[theirs])}{goal})"
        )
    lines += [f"- {name}: first call (trace + XLA compile) {s * 1e3:.0f} ms" for name, s in compile_s.items()]
    verdict = "\n".join(lines)

    info = _bench.machine_info(["autograd", "torch", "jax"])
    body = f"""## Jacobian, forward and reverse mode (`benchmarks/jacobian.py`)

What it measures: the dense {args.n} x {args.n} Jacobian of `f(x) = tanh(A @ x)` (A a fixed
{args.n} x {args.n} matrix, float64 throughout) by forward mode (`jacfwd`) and by reverse mode
(`jacrev`).  wengert, PyTorch (`torch.func`) and JAX batch the {args.n} basis tangents or
cotangents into one pass (`vmap`), whose cost is one {args.n} x {args.n} x {args.n} matrix
product (timed alone as "NumPy A @ A alone"); HIPS autograd's `jacobian` runs one backward
pass per output and its forward mode (`make_jvp`) one forward pass per input.  JAX rows run
without `jit` and under `jax.jit` (steady state; the first call is listed below the table).
"NumPy closed form" is `(1 - tanh(A @ x)**2)[:, None] * A` written by hand; every contender's
Jacobian was checked against it (max error / max entry ≤ 1e-12) before timing.
{args.rounds} timed Jacobians per contender after {args.warmup} warm-up calls, interleaved
round-robin (garbage collector run before each call and enabled during it; objects created
before timing frozen with `gc.freeze()`).  Clock: {clock_desc}.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{table}

{verdict}
"""
    _bench.publish(
        KEY, body, table, verdict, args.write, {"args": vars(args), "info": info, "seconds": times, "jax_first_call_s": compile_s}
    )


if __name__ == "__main__":
    main()
