"""Shared helpers of the benchmark scripts (not a benchmark itself).

Importing this module first pins every numerical library to one thread: the variables
below are read by OpenBLAS/MKL/OpenMP when NumPy loads and by XLA when JAX loads, so each
script imports ``_bench`` before NumPy.  PyTorch is pinned by ``import_torch`` and JAX is
imported through ``import_jax``.

What lives here:
- ``peer``: import an optional competitor, or record it as "not installed";
- ``run_rounds``: time contenders round-robin (one call of each per round, the order
  rotated every round), so a load spike on a shared machine hits all of them alike; wall-clock
  time, or another clock of ``CLOCKS`` (CPU time) where a script offers ``--clock``;
- ``run_child``: run a measurement in a fresh process (first-call and compile times);
- ``summary`` / ``markdown_table``: medians, quartiles and minima;
- ``machine_info`` / ``write_section``: the environment block and the section of
  ``BENCHMARKS.md`` that a script owns (rewritten in place with ``--write``).
"""

from __future__ import annotations

import os
import sys

_THREAD_VARS = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
if "numpy" in sys.modules:  # too late: the BLAS thread pool is already sized
    raise RuntimeError("import _bench before numpy, so that the one-thread settings take effect")
os.environ.update(_THREAD_VARS)
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import datetime  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
RESULTS_DIR = ROOT / "benchmarks" / "results"

#: optional competitors found missing in this process (name -> reason)
MISSING: dict[str, str] = {}


# --------------------------------------------------------------------------- peers


def peer(module: str) -> ModuleType | None:
    """Import an optional competitor; ``None`` (and a note in ``MISSING``) if absent."""
    try:
        return importlib.import_module(module)
    except ImportError as e:  # a broken install counts as missing too
        MISSING[module.split(".")[0]] = f"not installed ({e.__class__.__name__}: {e})"
        return None


def import_torch() -> ModuleType | None:
    """PyTorch on one thread (intra- and inter-op), or ``None``."""
    torch = peer("torch")
    if torch is not None:
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # only allowed before the first parallel work; harmless
            pass
    return torch


def import_jax(x64: bool) -> ModuleType | None:
    """JAX on the CPU, one thread (``XLA_FLAGS`` above), float64 enabled if asked."""
    jax = peer("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", bool(x64))
        jax.config.update("jax_platforms", "cpu")
    return jax


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------- timing


#: the clocks a script may time with (``--clock``): name -> (function, description)
CLOCKS: dict[str, tuple[Callable[[], float], str]] = {
    "wall": (time.perf_counter, "wall-clock time (`time.perf_counter`)"),
    "cpu": (
        time.process_time,
        "CPU time of the process (`time.process_time`: user + system time of all its threads), "
        "which leaves out the time a call waits for a core while other programs run",
    ),
}


def run_rounds(
    contenders: dict[str, Callable[[], Any]],
    rounds: int,
    warmup: int,
    verbose: bool = True,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per call of each contender: ``warmup`` untimed calls each, then ``rounds``
    rounds in which every contender runs once (round ``r`` starts at contender ``r``).
    ``clock`` is wall-clock time unless a script asks for another (see ``CLOCKS``).

    The garbage collector is run (untimed) before each call and stays enabled during it,
    as in a user's program: collection triggered by a contender's own allocations counts.
    Objects alive before timing (every imported library, the inputs) are moved out of the
    collector's reach first with ``gc.freeze()``: otherwise the full collections that a
    contender's allocations trigger would also traverse the other contenders' libraries
    (importing JAX and PyTorch doubles HIPS autograd's per-op time in this way).
    """
    names = list(contenders)
    for name in names:
        for _ in range(warmup):
            contenders[name]()
    gc.collect()
    gc.freeze()
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            fn = contenders[name]
            gc.collect()
            t0 = clock()
            fn()
            times[name].append(clock() - t0)
        if verbose:
            print(f"  round {r + 1}/{rounds} done", file=sys.stderr, end="\r", flush=True)
    if verbose:
        print(file=sys.stderr)
    return times


def run_child(argv: Sequence[str], timeout: float | None = None) -> dict:
    """Run ``python *argv`` in a fresh process and return the JSON object it prints as the
    last line of its standard output.  The child inherits this process's environment, so the
    one-thread settings above apply to it too.  A child still running after ``timeout``
    seconds is killed and ``subprocess.TimeoutExpired`` raised; a failing child raises
    ``RuntimeError`` with the end of its standard error."""
    proc = subprocess.run([sys.executable, *map(str, argv)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"child {' '.join(map(str, argv))} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def summary(ts: Sequence[float], scale: float = 1.0) -> dict[str, float]:
    """Median, first and third quartiles, interquartile range and minimum, times ``scale``."""
    xs = sorted(t * scale for t in ts)
    if len(xs) >= 2:
        q1, _, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    else:
        q1 = q3 = xs[0]
    return {"median": statistics.median(xs), "q1": q1, "q3": q3, "iqr": q3 - q1, "min": xs[0], "n": len(xs)}


def paired_ratio(a: Sequence[float], b: Sequence[float]) -> str:
    """Median and quartiles of the per-round ratios ``a[r] / b[r]``: both calls of a round ran
    back to back, so this is steadier than the ratio of medians when the load changes."""
    s = summary([x / y for x, y in zip(a, b, strict=True)])
    return f"per-round ratio median {s['median']:.2f}, quartiles {s['q1']:.2f}–{s['q3']:.2f}"


def fmt(x: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (no scientific notation for ordinary sizes)."""
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    mag = int(np.floor(np.log10(abs(x))))
    decimals = max(digits - 1 - mag, 0)
    return f"{x:,.{decimals}f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``align`` is one of l/r per column (default: first
    column left, the others right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    rule = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- environment


def cpu_model() -> str:
    """``model name`` of /proc/cpuinfo, with family/model/stepping, clock and cache where
    given (virtual machines often report only a vendor line such as "AMD EPYC")."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if not line.strip():
                break  # the first processor is enough
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    except OSError:
        return platform.processor() or platform.machine()
    name = fields.get("model name", platform.processor() or platform.machine())
    extra = [f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping") if fields.get(k)]
    if fields.get("cpu MHz"):
        extra.append(f"{float(fields['cpu MHz']):.0f} MHz")
    if fields.get("cache size"):
        extra.append(f"cache {fields['cache size']}")
    return f"{name} ({', '.join(extra)})" if extra else name


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        return rev + (", src/ modified" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_info(peers: Sequence[str]) -> dict[str, str]:
    """What a reader needs to compare figures: CPU, cores, versions, date, thread pinning."""
    info = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu_model(),
        "cores": f"{os.cpu_count()} logical CPUs visible; every library pinned to 1 thread",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "wengert": f"{version('wengert')} (git {git_revision()})",
    }
    if hasattr(os, "getloadavg"):
        info["load average"] = "{:.2f} / {:.2f} / {:.2f} (1 / 5 / 15 min, when the table was written)".format(*os.getloadavg())
    for p in peers:
        info[p] = version(p)
    return info


def env_block(info: dict[str, str]) -> str:
    return "\n".join(f"- **{k}**: {v}" for k, v in info.items())


# --------------------------------------------------------------------------- BENCHMARKS.md

_HEADER = """# Benchmarks

Produced by the scripts in `benchmarks/` (`python benchmarks/run_all.py` runs all of them and
rewrites this file; each script rewrites only its own section with `--write`).  Every contender
runs on one thread (`OMP_NUM_THREADS=MKL_NUM_THREADS=OPENBLAS_NUM_THREADS=1`,
`torch.set_num_threads(1)`, `XLA_FLAGS=--xla_cpu_multi_thread_eigen=false
intra_op_parallelism_threads=1`).  Timings interleave the contenders round-robin so that noise
on a shared machine hits all of them alike; compare ratios rather than absolute times across
machines.  Figures are as measured, never edited by hand.
"""


def _markers(key: str) -> tuple[str, str]:
    return f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"


def write_section(key: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace the section ``key`` of ``BENCHMARKS.md`` by ``body`` (or append it)."""
    start, end = _markers(key)
    text = path.read_text() if path.exists() else _HEADER
    block = f"{start}\n{body.rstrip()}\n{end}"
    i, j = text.find(start), text.find(end)
    if i >= 0 and j > i:
        text = text[:i] + block + text[j + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
    print(f"wrote section {key!r} of {path.relative_to(ROOT)}")


def save_raw(key: str, data: dict) -> None:
    """Keep the raw measurements in ``benchmarks/results/<key>.json`` (git-ignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{key}.json").write_text(json.dumps(data, indent=1, default=str))


def command_line() -> str:
    args = " ".join(sys.argv[1:])
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(ROOT)
    except ValueError:
        pass
    return f"python {script} {args}".strip()


def publish(key: str, body: str, table: str, verdict: str, write: bool, raw: dict) -> None:
    """Print a benchmark's table and verdict; with ``write`` also rewrite its section of
    ``BENCHMARKS.md`` and save the raw timings."""
    print()
    print(table)
    print()
    print(verdict)
    if write:
        write_section(key, body)
        save_raw(key, raw)
