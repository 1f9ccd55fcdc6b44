"""Symbolic differentiation: wengert.symbolic against SymPy, in the same run.

Workloads (one symbol x, float64):
- ``prod_k``: f = prod_{i=1..k} sin(i*x) for k in ``--ks`` (10, 20, 40 by default);
- ``nested20``: f = sin(cos(sin(...cos(x)))) 20 functions deep (``--depth``).

Measured for each workload:
1. the time to differentiate: wengert ``diff`` (forward-mode AD over the expression DAG,
   then ``simplify``), wengert ``diff(..., simplified=False)``, SymPy ``diff`` alone and
   SymPy ``diff`` followed by ``count_ops``.  SymPy's cache is cleared before each of its
   calls (inside the timed call, about 0.01 ms), so that a repeated call does not just look
   its previous result up (a row shows the warm-cache look-up for comparison); wengert's
   hash-consing table is weak, so it holds nothing once the previous result is dropped;
2. the size of the derivative: wengert's ``dag_size`` (operations, each shared
   subexpression once) and ``tree_size`` (as if written out as a tree), against SymPy's
   ``count_ops`` (which counts the tree: SymPy does not share subexpressions);
3. ``sympy.simplify`` of SymPy's derivative, for the first k only, in a child process
   killed after ``--simplify-timeout`` seconds (60);
4. evaluating the derivative on ``--points`` points (10^5): the function compiled by
   ``wengert.symbolic.lambdify`` (graph-mode code generation: one NumPy call per DAG node)
   against ``sympy.lambdify(x, d, "numpy")``, and ``sympy.lambdify(..., cse=True)`` for
   reference.
Every derivative is checked against the closed form (prod * sum i*cot(i*x) for prod_k;
a forward-mode chain rule in floats for nested20) before timing.

Run:  python benchmarks/symbolic.py [--write] [--rounds N] [--eval-rounds N] [--ks K ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "symbolic"
SCRIPT = Path(__file__).resolve()
W_DIFF = "wengert diff + simplify"
W_RAW = "wengert diff (no simplify)"
S_DIFF = "SymPy diff"
S_DIFF_OPS = "SymPy diff + count_ops"
S_WARM = "SymPy diff, warm cache (a look-up)"
W_EVAL = "wengert lambdify"
S_EVAL = "SymPy lambdify (numpy)"
S_EVAL_CSE = "SymPy lambdify (numpy, cse=True)"


# --------------------------------------------------------------------------- workloads


def build_wengert(name: str) -> tuple[Any, Any]:
    import wengert.numpy as wnp
    import wengert.symbolic as sym

    x = sym.symbols("x")
    return x, _build(name, x, wnp.sin, wnp.cos)


def build_sympy(name: str) -> tuple[Any, Any]:
    import sympy

    x = sympy.Symbol("x")
    return x, _build(name, x, sympy.sin, sympy.cos)


def _build(name: str, x: Any, sin: Callable, cos: Callable) -> Any:
    if name.startswith("prod_"):
        k = int(name[5:])
        f = sin(x)
        for i in range(2, k + 1):
            f = f * sin(i * x)
        return f
    depth = int(name[6:])  # nested<depth>
    f = x
    for i in range(depth):
        f = (cos if i % 2 == 0 else sin)(f)  # the outermost is sin for an even depth
    return f


def reference_derivative(name: str, xs: np.ndarray) -> np.ndarray:
    """The derivative in closed form (prod_k) or by the chain rule in floats (nested)."""
    if name.startswith("prod_"):
        k = int(name[5:])
        prod = np.ones_like(xs)
        cot_sum = np.zeros_like(xs)
        for i in range(1, k + 1):
            prod = prod * np.sin(i * xs)
            cot_sum = cot_sum + i / np.tan(i * xs)
        return prod * cot_sum
    depth = int(name[6:])
    v, dv = xs.copy(), np.ones_like(xs)
    for i in range(depth):
        if i % 2 == 0:
            v, dv = np.cos(v), -np.sin(v) * dv
        else:
            v, dv = np.sin(v), np.cos(v) * dv
    return dv


# --------------------------------------------------------------------------- sympy.simplify in a child


def child_simplify(name: str) -> None:
    """Print "ready" once SymPy's derivative is built, then simplify it and print the result
    as JSON (the parent times from "ready" and kills the child at the timeout)."""
    import sympy

    x, f = build_sympy(name)
    d = sympy.diff(f, x)
    print("ready", flush=True)
    t0 = time.perf_counter()
    s = sympy.simplify(d)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "ops_before": int(sympy.count_ops(d)), "ops_after": int(sympy.count_ops(s))}))


def time_sympy_simplify(name: str, timeout: float) -> dict:
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--child-simplify", name], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"sympy.simplify child failed: {line}{proc.stderr.read()[-2000:]}")
        t0 = time.perf_counter()
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return {"timed_out": True, "timeout": timeout, "waited": time.perf_counter() - t0}
        if proc.returncode != 0:
            raise RuntimeError(f"sympy.simplify child failed ({proc.returncode}):\n{err[-2000:]}")
        return {"timed_out": False, **json.loads(out.strip().splitlines()[-1])}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


# --------------------------------------------------------------------------- measurements


def diff_contenders(name: str) -> dict[str, Callable[[], Any]]:
    import sympy
    from sympy.core.cache import clear_cache

    import wengert.symbolic as sym

    wx, wf = build_wengert(name)
    sx, sf = build_sympy(name)

    def sympy_diff() -> Any:
        clear_cache()
        return sympy.diff(sf, sx)

    def sympy_diff_ops() -> Any:
        clear_cache()
        return sympy.count_ops(sympy.diff(sf, sx))

    return {
        W_DIFF: lambda: sym.diff(wf, wx),
        W_RAW: lambda: sym.diff(wf, wx, simplified=False),
        S_DIFF: sympy_diff,
        S_DIFF_OPS: sympy_diff_ops,
        S_WARM: lambda: sympy.diff(sf, sx),
    }


def sizes_and_functions(name: str, xs: np.ndarray) -> tuple[dict, dict[str, Callable[[], Any]], dict]:
    """Derivative sizes, the evaluation contenders (checked against the reference), and the
    one-off times to build the compiled functions."""
    import sympy

    import wengert.symbolic as sym

    wx, wf = build_wengert(name)
    sx, sf = build_sympy(name)
    wd = sym.diff(wf, wx)
    wraw = sym.diff(wf, wx, simplified=False)
    sd = sympy.diff(sf, sx)
    sizes = {
        "wengert dag_size": sym.dag_size(wd),
        "wengert tree_size": sym.tree_size(wd),
        "wengert dag_size (no simplify)": sym.dag_size(wraw),
        "wengert tree_size (no simplify)": sym.tree_size(wraw),
        "SymPy count_ops": int(sympy.count_ops(sd)),
    }
    build_s = {}
    t0 = time.perf_counter()
    wfn = sym.lambdify(wd, [wx])
    build_s[W_EVAL] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sfn = sympy.lambdify(sx, sd, "numpy")
    build_s[S_EVAL] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sfn_cse = sympy.lambdify(sx, sd, "numpy", cse=True)
    build_s[S_EVAL_CSE] = time.perf_counter() - t0
    fns = {W_EVAL: lambda: wfn(xs), S_EVAL: lambda: sfn(xs), S_EVAL_CSE: lambda: sfn_cse(xs)}
    want = reference_derivative(name, xs)
    scale = np.max(np.abs(want))
    for label, fn in fns.items():
        got = np.asarray(fn(), dtype=float)
        err = float(np.max(np.abs(got - want)) / scale)
        if not err <= 1e-9:
            raise AssertionError(f"{name}: {label} differs from the closed form (max error / max value {err:.2e})")
    return sizes, fns, build_s


# --------------------------------------------------------------------------- report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ks", type=int, nargs="+", default=[10, 20, 40], help="k of the product of sines")
    ap.add_argument("--depth", type=int, default=20, help="depth of the nested sin/cos")
    ap.add_argument("--rounds", type=int, default=15, help="timed derivatives per contender and workload")
    ap.add_argument("--eval-rounds", type=int, default=7, help="timed evaluations per contender and workload")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--points", type=int, default=100_000, help="evaluation points")
    ap.add_argument("--simplify-timeout", type=float, default=60.0, help="seconds granted to sympy.simplify")
    ap.add_argument(
        "--clock", choices=sorted(_bench.CLOCKS), default="wall", help="wall-clock time, or CPU time (steadier under load)"
    )
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    ap.add_argument("--child-simplify", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_simplify:
        child_simplify(args.child_simplify)
        return
    clock, clock_desc = _bench.CLOCKS[args.clock]
    if _bench.peer("sympy") is None:
        raise SystemExit("this benchmark compares against SymPy, which is not installed")

    names = [f"prod_{k}" for k in args.ks] + [f"nested{args.depth}"]
    rng = np.random.default_rng(0)
    xs = rng.uniform(0.05, 1.5, args.points)

    diff_stats: dict[str, dict[str, dict]] = {}
    diff_times: dict[str, dict[str, list[float]]] = {}
    eval_stats: dict[str, dict[str, dict]] = {}
    eval_times: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, dict] = {}
    builds: dict[str, dict] = {}
    for name in names:
        print(f"== {name}", file=sys.stderr)
        sizes[name], efns, builds[name] = sizes_and_functions(name, xs)
        diff_times[name] = _bench.run_rounds(diff_contenders(name), args.rounds, args.warmup, clock=clock)
        diff_stats[name] = {n: _bench.summary(ts, 1e3) for n, ts in diff_times[name].items()}  # ms
        eval_times[name] = _bench.run_rounds(efns, args.eval_rounds, args.warmup, clock=clock)
        eval_stats[name] = {n: _bench.summary(ts, 1e3) for n, ts in eval_times[name].items()}  # ms
        del efns

    first = names[0]
    print(f"== sympy.simplify of SymPy's derivative of {first} (timeout {args.simplify_timeout:g} s)", file=sys.stderr)
    simp = time_sympy_simplify(first, args.simplify_timeout)

    fmt = _bench.fmt
    # 1. differentiation
    rows = []
    for name in names:
        st = diff_stats[name]
        sref = st[S_DIFF]["median"]
        for label in (W_DIFF, W_RAW, S_DIFF, S_DIFF_OPS, S_WARM):
            s = st[label]
            rows.append([name, label, fmt(s["median"]), fmt(s["iqr"], 2), fmt(s["min"]), fmt(s["median"] / sref, 3)])
    diff_table = _bench.markdown_table(["workload", "contender", "median ms", "IQR ms", "min ms", "× SymPy diff"], rows)

    # 2. sizes
    rows = []
    for name in names:
        z = sizes[name]
        rows.append(
            [
                name,
                f"{z['wengert dag_size']:,}",
                f"{z['wengert tree_size']:,}",
                f"{z['wengert dag_size (no simplify)']:,}",
                f"{z['wengert tree_size (no simplify)']:,}",
                f"{z['SymPy count_ops']:,}",
                fmt(z["wengert dag_size"] / z["SymPy count_ops"], 3),
            ]
        )
    size_table = _bench.markdown_table(
        [
            "workload",
            "wengert DAG (simplified)",
            "wengert tree (simplified)",
            "wengert DAG (raw)",
            "wengert tree (raw)",
            "SymPy count_ops",
            "DAG / count_ops",
        ],
        rows,
    )

    # 4. evaluation
    rows = []
    for name in names:
        st = eval_stats[name]
        wmed = st[W_EVAL]["median"]
        for label in (W_EVAL, S_EVAL, S_EVAL_CSE):
            s = st[label]
            rows.append(
                [
                    name,
                    label,
                    fmt(s["median"]),
                    fmt(s["iqr"], 2),
                    fmt(s["min"]),
                    fmt(s["median"] / wmed, 3),
                    fmt(builds[name][label] * 1e3),
                ]
            )
    eval_table = _bench.markdown_table(
        ["workload", "contender", "median ms", "IQR ms", "min ms", "× wengert", "build ms (once)"], rows
    )

    # verdicts
    lines = []
    for name in names:
        st = diff_stats[name]
        r = st[W_DIFF]["median"] / st[S_DIFF]["median"]
        paired = _bench.paired_ratio(diff_times[name][W_DIFF], diff_times[name][S_DIFF])
        lines.append(
            f"- {name}: wengert diff + simplify / SymPy diff alone = **{r:.3f}** ({paired}; target < 1: "
            f"{'met' if r < 1 else 'not met'})"
        )
    big = f"prod_{max(args.ks)}"
    z = sizes[big]
    ratio = z["wengert dag_size"] / z["SymPy count_ops"]
    lines.append(
        f"- {big}: simplified derivative's DAG = {z['wengert dag_size']:,} operations, SymPy's count_ops = "
        f"{z['SymPy count_ops']:,}: ratio **{ratio:.3f}** (target < 0.1: {'met' if ratio < 0.1 else 'not met'})"
    )
    ks = sorted(args.ks)
    if len(ks) >= 2:
        a, b = f"prod_{ks[-2]}", f"prod_{ks[-1]}"
        lines.append(
            f"- growth from k={ks[-2]} to k={ks[-1]} (×{ks[-1] / ks[-2]:g}): wengert DAG ×"
            f"{sizes[b]['wengert dag_size'] / sizes[a]['wengert dag_size']:.2f}, wengert tree ×"
            f"{sizes[b]['wengert tree_size'] / sizes[a]['wengert tree_size']:.2f}, SymPy count_ops ×"
            f"{sizes[b]['SymPy count_ops'] / sizes[a]['SymPy count_ops']:.2f}"
        )
    es = eval_stats[big]
    speed = es[S_EVAL]["median"] / es[W_EVAL]["median"]
    lines.append(
        f"- {big}, derivative on {args.points:,} points: SymPy lambdify / wengert lambdify = **{speed:.1f}×** "
        f"({_bench.paired_ratio(eval_times[big][S_EVAL], eval_times[big][W_EVAL])}; target ≥ 10: "
        f"{'met' if speed >= 10 else 'not met'}); with `cse=True` SymPy is "
        f"{es[S_EVAL_CSE]['median'] / es[W_EVAL]['median']:.2f}× wengert"
    )
    if simp["timed_out"]:
        lines.append(f"- `sympy.simplify` of SymPy's derivative of {first}: did not finish in {simp['timeout']:g} s (killed)")
    else:
        lines.append(
            f"- `sympy.simplify` of SymPy's derivative of {first}: {simp['seconds']:.1f} s, count_ops "
            f"{simp['ops_before']:,} → {simp['ops_after']:,} (wengert diff + simplify: "
            f"{diff_stats[first][W_DIFF]['median']:.2f} ms, DAG {sizes[first]['wengert dag_size']:,})"
        )
    verdict = "\n".join(lines)

    info = _bench.machine_info(["sympy"])
    info["clock"] = clock_desc
    body = f"""## Symbolic differentiation (`benchmarks/symbolic.py`)

What it measures: `wengert.symbolic` against SymPy, in the same process.  Workloads (one
symbol x): f = prod_{{i=1..k}} sin(i*x) for k = {", ".join(map(str, args.ks))}, and
f = sin(cos(sin(...cos(x)))) {args.depth} functions deep (`nested{args.depth}`).
wengert's `diff` runs the forward-mode JVP rules over the expression DAG and then `simplify`
(linear pass; shared subexpressions stay shared); SymPy's `diff` builds a tree.  SymPy's cache
is cleared inside each of its timed calls (about 0.01 ms), so that repeated calls are not
look-ups of the previous result (the row "warm cache" shows what such a look-up costs);
wengert's hash-consing table is weak and holds nothing between calls.
{args.rounds} timed derivatives and {args.eval_rounds} timed evaluations per contender and
workload, after {args.warmup} warm-up call(s), interleaved round-robin.  Sizes: wengert's
`dag_size` counts each shared operation once, `tree_size` counts the expression written out
as a tree, SymPy's `count_ops` counts its tree.  Evaluation: the derivative on
{args.points:,} points uniform in [0.05, 1.5); every contender is checked against the closed
form (relative error ≤ 1e-9) first; "build" is the one-off time to create the function.
`sympy.simplify` runs in a child process for the first workload only, killed after
{args.simplify_timeout:g} s.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

### Time to differentiate

{diff_table}

### Size of the derivative

{size_table}

### Evaluating the derivative on {args.points:,} points

{eval_table}

{verdict}
"""
    for t in (diff_table, size_table, eval_table, verdict):
        print()
        print(t)
    if args.write:
        _bench.write_section(KEY, body)
        _bench.save_raw(
            KEY,
            {
                "args": vars(args),
                "info": info,
                "sizes": sizes,
                "diff_seconds": diff_times,
                "eval_seconds": eval_times,
                "build_seconds": builds,
                "sympy_simplify": simp,
            },
        )


if __name__ == "__main__":
    main()
