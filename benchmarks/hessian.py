"""Second order: the dense Hessian and one Hessian-vector product of the Rosenbrock function.

The workload is the n-dimensional Rosenbrock function in float64,

    f(x) = sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)

at a fixed point x (uniform in [-1.5, 1.5)).  Its Hessian is tridiagonal, so the closed form
written by hand (``NumPy closed form``) is both the reference every result is checked against
and the floor of the table.  Two workloads:

- the dense ``n x n`` Hessian for each n in ``--sizes`` (100 and 400 by default);
- one Hessian-vector product ``H(x) @ v`` at n = ``--hvp-n`` (400), without forming ``H``.

Contenders, all in this one process and timed round-robin within each workload:
- wengert: ``wengert.hessian(f)(x)`` (forward over reverse) and ``wengert.hvp(f, (x,), (v,))``,
  with f written with ``wengert.numpy``;
- HIPS autograd: ``autograd.hessian`` and ``autograd.hessian_vector_product``;
- PyTorch: ``torch.func.hessian``; for the HVP the classic double backward
  (``torch.autograd.grad`` with ``create_graph=True``, then a second ``grad`` against v) and
  ``torch.func.jvp`` of ``torch.func.grad`` (forward over reverse);
- JAX without ``jit`` (``jax.hessian``; ``jax.jvp`` of ``jax.grad``) and the same under
  ``jax.jit`` (steady state; the first call, i.e. trace and XLA compile, is reported apart).
Missing peers are reported as "not installed".

Run:  python benchmarks/hessian.py [--write] [--rounds N] [--hvp-rounds N] [--sizes N ...]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "hessian"
REFERENCE = "NumPy closed form (by hand)"
W_HESS = "wengert hessian"
W_HVP = "wengert hvp"
T_HESS = "PyTorch torch.func.hessian"
T_HVP = "PyTorch double backward"
J_HESS = "JAX jit(hessian)"
J_HVP = "JAX jit(jvp of grad)"


def make_rosenbrock(total: Callable) -> Callable:
    """Rosenbrock over any NumPy-like namespace; ``total`` is its ``sum``."""

    def rosenbrock(x):
        return total(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    return rosenbrock


def closed_form_bands(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal and first off-diagonal of the Rosenbrock Hessian, derived by hand."""
    d = np.zeros_like(x)
    d[:-1] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    d[1:] += 200.0
    return d, -400.0 * x[:-1]


def closed_form_hessian(x: np.ndarray) -> np.ndarray:
    d, o = closed_form_bands(x)
    return np.diag(d) + np.diag(o, 1) + np.diag(o, -1)


def closed_form_hvp(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    d, o = closed_form_bands(x)
    hv = d * v
    hv[:-1] += o * v[1:]
    hv[1:] += o * v[:-1]
    return hv


def build_contenders(
    x: np.ndarray, v: np.ndarray, clock: Callable[[], float] = time.perf_counter
) -> tuple[dict[str, Callable], dict[str, Callable], dict]:
    """(Hessian contenders, HVP contenders, JAX first-call seconds); each callable returns
    its result as the library's array."""
    hess: dict[str, Callable] = {REFERENCE: lambda: closed_form_hessian(x)}
    hvp: dict[str, Callable] = {REFERENCE: lambda: closed_form_hvp(x, v)}
    compile_s: dict[str, float] = {}

    import wengert
    import wengert.numpy as wnp

    f_w = make_rosenbrock(wnp.sum)
    h_w = wengert.hessian(f_w)
    hess[W_HESS] = lambda: h_w(x)
    hvp[W_HVP] = lambda: wengert.hvp(f_w, (x,), (v,))

    if _bench.peer("autograd") is not None:
        import autograd
        import autograd.numpy as anp

        f_ag = make_rosenbrock(anp.sum)
        h_ag = autograd.hessian(f_ag)
        hvp_ag = autograd.hessian_vector_product(f_ag)
        hess["HIPS autograd hessian"] = lambda: h_ag(x)
        hvp["HIPS autograd hessian_vector_product"] = lambda: hvp_ag(x, v)

    torch = _bench.import_torch()
    if torch is not None:
        import torch.func

        f_t = make_rosenbrock(torch.sum)
        xt = torch.from_numpy(x.copy())
        vt = torch.from_numpy(v.copy())
        h_t = torch.func.hessian(f_t)
        hess[T_HESS] = lambda: h_t(xt)
        xt_leaf = xt.clone().requires_grad_()

        def double_backward():
            (g,) = torch.autograd.grad(f_t(xt_leaf), xt_leaf, create_graph=True)
            (hv,) = torch.autograd.grad(g, xt_leaf, grad_outputs=vt)
            return hv

        g_t = torch.func.grad(f_t)
        hvp[T_HVP] = double_backward
        hvp["PyTorch torch.func.jvp of grad"] = lambda: torch.func.jvp(g_t, (xt,), (vt,))[1]

    jax = _bench.import_jax(x64=True)
    if jax is not None:
        import jax.numpy as jnp

        f_j = make_rosenbrock(jnp.sum)
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        h_j = jax.hessian(f_j)
        hvp_j = lambda x_, v_: jax.jvp(jax.grad(f_j), (x_,), (v_,))[1]  # noqa: E731
        h_jj, hvp_jj = jax.jit(h_j), jax.jit(hvp_j)
        hess["JAX hessian (no jit)"] = lambda: h_j(xj).block_until_ready()
        hess[J_HESS] = lambda: h_jj(xj).block_until_ready()
        hvp["JAX jvp of grad (no jit)"] = lambda: hvp_j(xj, vj).block_until_ready()
        hvp[J_HVP] = lambda: hvp_jj(xj, vj).block_until_ready()
        for name, fns in ((J_HESS, hess), (J_HVP, hvp)):
            t0 = clock()
            fns[name]()
            compile_s[name] = clock() - t0
    return hess, hvp, compile_s


def _as_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach()
    return np.asarray(a)


def check(fns: dict[str, Callable], want: np.ndarray, what: str, rtol: float = 1e-10) -> None:
    """Every contender's result equals the closed form (float64, relative to its largest entry)."""
    scale = float(np.max(np.abs(want)))
    for name, fn in fns.items():
        got = _as_numpy(fn())
        if got.shape != want.shape or got.dtype != np.float64:
            raise AssertionError(f"{what}, {name}: got {got.dtype}{got.shape}, expected float64{want.shape}")
        err = float(np.max(np.abs(got - want))) / scale
        if not err <= rtol:
            raise AssertionError(f"{what}, {name}: differs from the closed form (max error / max entry {err:.1e})")
    print(f"{what}: every contender equals the closed form (max error / max entry <= {rtol:g})")


def table(times: dict[str, list[float]], ratio_to: list[str]) -> str:
    stats = {n: _bench.summary(ts, 1e3) for n, ts in times.items()}  # ms
    rows = []
    for name, s in stats.items():
        row = [name, _bench.fmt(s["median"]), _bench.fmt(s["iqr"], 2), _bench.fmt(s["min"])]
        for other in ratio_to:
            row.append(_bench.fmt(s["median"] / stats[other]["median"], 3) if other in stats else "n/a")
        rows.append(row)
    for name, why in _bench.MISSING.items():
        rows.append([name, why] + [""] * (2 + len(ratio_to)))
    return _bench.markdown_table(["contender", "median ms", "IQR ms", "min ms"] + [f"× {r}" for r in ratio_to], rows)


def verdict_line(times: dict, ours: str, theirs: str, target: float | None) -> str:
    if theirs not in times:
        return f"- {ours} / {theirs}: not installed"
    r = _bench.summary(times[ours])["median"] / _bench.summary(times[theirs])["median"]
    goal = "" if target is None else f"; target ≤ {target:.2f}: {'met' if r <= target else 'not met'}"
    return f"- {ours} / {theirs} = **{r:.2f}** (ratio of medians; {_bench.paired_ratio(times[ours], times[theirs])}{goal})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 400], help="n for the dense Hessian")
    ap.add_argument("--hvp-n", type=int, default=400, help="n for the Hessian-vector product")
    ap.add_argument("--rounds", type=int, default=21, help="timed Hessians per contender and size")
    ap.add_argument("--hvp-rounds", type=int, default=101, help="timed HVPs per contender")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument(
        "--clock", choices=sorted(_bench.CLOCKS), default="wall", help="wall-clock time, or CPU time (steadier under load)"
    )
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()

    clock, clock_desc = _bench.CLOCKS[args.clock]
    rng = np.random.default_rng(0)
    sections, lines, raw = [], [], {}
    compile_notes = []
    for n in sorted(set(args.sizes) | {args.hvp_n}):
        x = rng.uniform(-1.5, 1.5, n)
        v = rng.standard_normal(n)
        hess, hvp, compile_s = build_contenders(x, v, clock)
        for name, s in compile_s.items():
            if (name == J_HESS and n in args.sizes) or (name == J_HVP and n == args.hvp_n):
                compile_notes.append(f"{name} at n = {n}: first call (trace + XLA compile) {s * 1e3:.0f} ms")
        if n in args.sizes:
            check(hess, closed_form_hessian(x), f"Hessian, n = {n}")
            print(f"Hessian, n = {n}")
            times = _bench.run_rounds(hess, args.rounds, args.warmup, clock=clock)
            raw[f"hessian_{n}"] = times
            sections.append(f"### Dense Hessian, n = {n}\n\n{table(times, [T_HESS, J_HESS, W_HESS])}")
            lines.append(verdict_line(times, W_HESS, T_HESS, 0.5).replace("- ", f"- n = {n}: ", 1))
            lines.append(verdict_line(times, W_HESS, J_HESS, None).replace("- ", f"- n = {n}: ", 1))
        if n == args.hvp_n:
            check(hvp, closed_form_hvp(x, v), f"HVP, n = {n}")
            print(f"HVP, n = {n}")
            times = _bench.run_rounds(hvp, args.hvp_rounds, args.warmup, clock=clock)
            raw[f"hvp_{n}"] = times
            sections.append(f"### Hessian-vector product, n = {n}\n\n{table(times, [T_HVP, J_HVP, W_HVP])}")
            lines.append(verdict_line(times, W_HVP, T_HVP, 1.0).replace("- ", f"- HVP, n = {n}: ", 1))
            lines.append(verdict_line(times, W_HVP, J_HVP, None).replace("- ", f"- HVP, n = {n}: ", 1))
    tables = "\n\n".join(sections)
    verdict = "\n".join(lines + [f"- {c}" for c in compile_notes])

    info = _bench.machine_info(["autograd", "torch", "jax"])
    body = f"""## Hessian and Hessian-vector product (`benchmarks/hessian.py`)

What it measures: the dense Hessian of the float64 Rosenbrock function
`sum(100*(x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)` at n = {", ".join(map(str, args.sizes))}, and one
Hessian-vector product at n = {args.hvp_n} without forming the Hessian.  wengert runs
`wengert.hessian(f)(x)` (forward over reverse) and `wengert.hvp(f, (x,), (v,))` with f written
with `wengert.numpy`; HIPS autograd `hessian` / `hessian_vector_product`; PyTorch
`torch.func.hessian`, double backward (`torch.autograd.grad` with `create_graph=True`, then a
second `grad` against v) and `torch.func.jvp` of `torch.func.grad`; JAX `jax.hessian` and
`jax.jvp` of `jax.grad`, without `jit` and under `jax.jit` (steady state; the first call is
listed below the tables).  "NumPy closed form" is the tridiagonal Hessian derived by hand (the
floor); every contender's result was checked against it (max error / max entry ≤ 1e-10) before
timing.  {args.rounds} timed Hessians and {args.hvp_rounds} timed HVPs per contender after
{args.warmup} warm-up calls, interleaved round-robin within each workload (garbage collector run
before each call and enabled during it; objects created before timing frozen with
`gc.freeze()`).  Clock: {clock_desc}.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{tables}

{verdict}
"""
    print()
    print(tables)
    print()
    print(verdict)
    if args.write:
        _bench.write_section(KEY, body)
        _bench.save_raw(KEY, {"args": vars(args), "info": info, "seconds": raw, "jax_first_call": compile_notes})


if __name__ == "__main__":
    main()
