"""Run every benchmark and rewrite its section of ``BENCHMARKS.md``.

Each benchmark runs as its own process (``python benchmarks/<name>.py --write``), one after
the other, so that they neither share imported libraries nor compete for the CPU.  A failing
benchmark is reported and leaves its previous section of ``BENCHMARKS.md`` untouched; the
exit status is non-zero if any failed.

Run:  python benchmarks/run_all.py [--quick] [--only per_op mlp_step ...] [--no-write]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> (extra arguments for --quick)
BENCHMARKS = {
    "per_op": ["--rounds", "7"],
    "mlp_step": ["--rounds", "15"],
    "deep_chain_memory": ["--repeats", "1"],
    "hessian": ["--rounds", "7", "--hvp-rounds", "21"],
    "jacobian": ["--rounds", "9"],
    "jit_per_op": ["--rounds", "11", "--first-repeats", "2", "--phase-repeats", "1"],
    "rnn": ["--rounds", "11", "--first-repeats", "2"],
    "mlp_jit": ["--rounds", "15"],
    "numeric": ["--rounds", "5"],
    "train_epoch": ["--rounds", "11"],
    "symbolic": ["--rounds", "5", "--eval-rounds", "3"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = ap.parse_args()

    failed = []
    for name in args.only or list(BENCHMARKS):
        cmd = [sys.executable, str(HERE / f"{name}.py")]
        if not args.no_write:
            cmd.append("--write")
        if args.quick:
            cmd += BENCHMARKS[name]
        print(f"=== {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, cwd=HERE.parent).returncode
        print(f"=== {name}: exit status {rc} after {time.perf_counter() - t0:.0f} s\n", flush=True)
        if rc != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
