"""Numerical differentiation: wengert.numeric against numdifftools, accuracy and time.

Cases (the exact answers are known):
- the Rosenbrock function in 10 dimensions, gradient and Hessian, at a fixed random point in
  [-2, 2]^10 (exact derivatives written out by hand);
- ``f(x) = exp(x) / sqrt(sin(x)^3 + cos(x)^3)`` at ``x = 1``, derivatives 1 to 4 (numdifftools'
  own example; exact values from SymPy with 30 significant digits).

Contenders, in one process and timed round-robin for each case:
- numdifftools (``Gradient``, ``Hessian``, ``Derivative``) with its defaults (central
  differences, adaptive steps, Richardson extrapolation), and with ``method="complex"``;
- wengert.numeric with its defaults (central differences of order 2, adaptive step search,
  Richardson extrapolation), and with ``method="complex"`` (complex step for first
  derivatives; the Hessian as central differences of complex-step gradients; derivatives 2-4
  by the Cauchy integral on a circle), both with ``vectorized=True`` (the functions accept a
  leading batch axis, so every point is evaluated in one call of ``f``);
- wengert.numeric with its defaults but ``vectorized=False`` (one call of ``f`` per point);
- plain central differences with a fixed step ``h = 1e-5`` (gradient only: the textbook way).
Error = the largest absolute deviation from the exact answer over all entries; relative error
= that divided by the largest exact entry.  The targets: some wengert method has a max error
no worse than numdifftools' default on every case in at most a tenth of its time, and the
complex step is within 1e-14 relative for first derivatives.

Run:  python benchmarks/numeric.py [--write] [--rounds N]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import _bench  # noqa: I001  (first: pins every library to one thread before NumPy loads)
import numpy as np

KEY = "numeric"
DIM = 10
X_ROSEN = np.random.default_rng(0).uniform(-2.0, 2.0, DIM)
X_ND = 1.0
ND_DEFAULT = "numdifftools (default: central)"
WENGERT_DEFAULT = "wengert.numeric (default: central, vectorized)"


# --------------------------------------------------------------------------- problems


def rosen(x: np.ndarray) -> Any:
    """Rosenbrock; also accepts a leading batch axis of points."""
    return np.sum(100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2 + (1.0 - x[..., :-1]) ** 2, axis=-1)


def rosen_grad(x: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosen_hess(x: np.ndarray) -> np.ndarray:
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        H[i, i + 1] = H[i + 1, i] = -400.0 * x[i]
        H[i + 1, i + 1] += 200.0
    return H


def nd_example(x: Any) -> Any:
    return np.exp(x) / np.sqrt(np.sin(x) ** 3 + np.cos(x) ** 3)


def nd_example_exact(n: int, x: float) -> float:
    import sympy as sp

    s = sp.Symbol("s")
    expr = sp.exp(s) / sp.sqrt(sp.sin(s) ** 3 + sp.cos(s) ** 3)
    return float(sp.diff(expr, s, n).subs(s, sp.Float(x, 30)).evalf(30))


def naive_gradient(f: Callable, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# --------------------------------------------------------------------------- contenders


def build_cases() -> list[tuple[str, Any, dict[str, Callable[[], Any]]]]:
    """(case name, exact answer, contenders returning their estimate)."""
    import wengert.numeric as wn

    nd = _bench.peer("numdifftools")
    cases = []

    def add(name: str, exact: Any, fns: dict[str, Callable[[], Any]]) -> None:
        cases.append((name, exact, fns))

    # Rosenbrock gradient
    fns: dict[str, Callable[[], Any]] = {}
    if nd is not None:
        G_nd, G_ndc = nd.Gradient(rosen), nd.Gradient(rosen, method="complex")
        fns[ND_DEFAULT] = lambda: G_nd(X_ROSEN)
        fns["numdifftools (complex)"] = lambda: G_ndc(X_ROSEN)
    fns[WENGERT_DEFAULT] = lambda: wn.gradient(rosen, X_ROSEN, vectorized=True).value
    fns["wengert.numeric (complex, vectorized)"] = lambda: wn.gradient(rosen, X_ROSEN, method="complex", vectorized=True).value
    fns["wengert.numeric (central, one call per point)"] = lambda: wn.gradient(rosen, X_ROSEN).value
    fns["central differences, h = 1e-5"] = lambda: naive_gradient(rosen, X_ROSEN)
    add(f"Rosenbrock n={DIM}: gradient", rosen_grad(X_ROSEN), fns)

    # Rosenbrock Hessian
    fns = {}
    if nd is not None:
        H_nd = nd.Hessian(rosen)
        fns[ND_DEFAULT] = lambda: H_nd(X_ROSEN)
    fns[WENGERT_DEFAULT] = lambda: wn.hessian(rosen, X_ROSEN, vectorized=True).value
    fns["wengert.numeric (complex, vectorized)"] = lambda: wn.hessian(rosen, X_ROSEN, method="complex", vectorized=True).value
    fns["wengert.numeric (central, one call per point)"] = lambda: wn.hessian(rosen, X_ROSEN).value
    add(f"Rosenbrock n={DIM}: Hessian", rosen_hess(X_ROSEN), fns)

    # exp(x)/sqrt(sin^3 + cos^3), derivatives 1..4
    for n in (1, 2, 3, 4):
        fns = {}
        if nd is not None:
            d_nd = nd.Derivative(nd_example, n=n)
            d_ndc = nd.Derivative(nd_example, n=n, method="complex")
            fns[ND_DEFAULT] = lambda d=d_nd: d(X_ND)
            fns["numdifftools (complex)"] = lambda d=d_ndc: d(X_ND)
        fns[WENGERT_DEFAULT] = lambda n=n: wn.derivative(nd_example, X_ND, n, vectorized=True).value
        fns["wengert.numeric (complex, vectorized)"] = lambda n=n: (
            wn.derivative(nd_example, X_ND, n, method="complex", vectorized=True).value
        )
        fns["wengert.numeric (central, one call per point)"] = lambda n=n: wn.derivative(nd_example, X_ND, n).value
        add(f"exp(x)/sqrt(sin³x+cos³x), x=1: d{n}", np.float64(nd_example_exact(n, X_ND)), fns)
    return cases


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=15, help="timed calls per contender and case")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()

    cases = build_cases()
    tables, verdicts, raw = [], [], {}
    all_met = True
    for name, exact, fns in cases:
        print(f"== {name}")
        scale = float(np.max(np.abs(exact)))
        errors = {c: float(np.max(np.abs(np.asarray(fn(), dtype=float) - exact))) for c, fn in fns.items()}
        times = _bench.run_rounds(fns, args.rounds, args.warmup)
        stats = {c: _bench.summary(ts, 1e3) for c, ts in times.items()}  # ms
        raw[name] = {"errors": errors, "seconds": times}
        nd_err = errors.get(ND_DEFAULT)
        nd_ms = stats.get(ND_DEFAULT, {}).get("median")
        rows = []
        for c in fns:
            s = stats[c]
            rows.append(
                [
                    c,
                    f"{errors[c]:.2e}",
                    f"{errors[c] / scale:.1e}",
                    _bench.fmt(s["median"]),
                    _bench.fmt(s["iqr"], 2),
                    _bench.fmt(s["median"] / nd_ms, 3) if nd_ms else "n/a",
                ]
            )
        for peer, why in _bench.MISSING.items():
            rows.append([peer, why, "", "", "", ""])
        tables.append(
            f"**{name}** (largest exact entry {scale:.4g})\n\n"
            + _bench.markdown_table(["contender", "max error", "relative", "median ms", "IQR ms", "× numdifftools"], rows)
        )
        if nd_err is None:
            verdicts.append(f"- {name}: numdifftools not installed, no comparison")
            all_met = False
            continue
        winners = [c for c in fns if c.startswith("wengert") and errors[c] <= nd_err and stats[c]["median"] <= 0.1 * nd_ms]
        met = bool(winners)
        all_met &= met
        best = min((c for c in fns if c.startswith("wengert")), key=lambda c: errors[c])
        verdicts.append(
            f"- {name}: numdifftools {nd_err:.1e} in {_bench.fmt(nd_ms)} ms; "
            + (
                "met by " + ", ".join(f"{c} ({errors[c]:.1e} in {_bench.fmt(stats[c]['median'])} ms)" for c in winners)
                if met
                else f"**not met** (most accurate wengert: {best}, {errors[best]:.1e})"
            )
        )
        if name.endswith("gradient") or name.endswith("d1"):
            c = "wengert.numeric (complex, vectorized)"
            rel = errors[c] / scale
            ok = rel <= 1e-14
            all_met &= ok
            verdicts.append(f"  - complex step relative error {rel:.1e} (target ≤ 1e-14: {'met' if ok else 'not met'})")
    verdict = "\n".join(verdicts)
    verdict += f"\n\nAll targets {'met' if all_met else '**not all met**'}."

    info = _bench.machine_info(["numdifftools", "sympy"])
    body = f"""## Numerical differentiation (`benchmarks/numeric.py`)

What it measures: accuracy and time of numerical derivatives, wengert.numeric against
numdifftools in the same process.  Rosenbrock in {DIM} dimensions (gradient, Hessian) at a fixed
random point in [-2, 2]^{DIM}, exact derivatives written out by hand; numdifftools' example
`exp(x)/sqrt(sin(x)^3 + cos(x)^3)` at x = 1, derivatives 1 to 4, exact values from SymPy.
"max error" is the largest absolute deviation over all entries, "relative" divides it by the
largest exact entry.  wengert runs with its defaults (central differences of order 2, an
adaptive search over steps, Richardson extrapolation, error estimates) and with
`method="complex"`; "vectorized" means the function received every point in one call
(it accepts a leading batch axis), "one call per point" that it did not.  {args.rounds} timed
calls per contender after {args.warmup} warm-up calls, interleaved round-robin.  Targets: for
every case some wengert method has a max error no worse than numdifftools' default in at most
a tenth of its time; the complex step within 1e-14 relative for first derivatives.

Command: `{_bench.command_line()}`

{_bench.env_block(info)}

{chr(10).join(t + chr(10) for t in tables)}
{verdict}
"""
    print()
    print("\n\n".join(tables))
    print()
    print(verdict)
    if args.write:
        _bench.write_section(KEY, body)
        _bench.save_raw(KEY, {"args": vars(args), "info": info, "cases": raw})


if __name__ == "__main__":
    main()
