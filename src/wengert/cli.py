"""The ``wengert`` command (for now: ``demo`` and ``version``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _demo() -> int:
    import numpy as np

    import wengert
    import wengert.numpy as wnp

    def f(x1, x2):
        # Baydin et al. (2018), Table 2: f(x1, x2) = ln(x1) + x1*x2 - sin(x2)
        return wnp.log(x1) + x1 * x2 - wnp.sin(x2)

    x1, x2 = 2.0, 5.0
    value, (g1, g2) = wengert.value_and_grad(f, argnums=(0, 1))(x1, x2)
    print("f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at (x1, x2) = (2, 5)")
    print(f"  f          = {float(value):.4f}")
    print(f"  df/dx1     = {float(g1):.4f}   (exact 1/x1 + x2 = {1 / x1 + x2:.4f})")
    print(f"  df/dx2     = {float(g2):.4f}   (exact x1 - cos(x2) = {x1 - np.cos(x2):.4f})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wengert`` console script."""
    parser = argparse.ArgumentParser(prog="wengert", description="Derivatives of Python/NumPy code.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="differentiate the Baydin et al. example by reverse mode")
    sub.add_parser("version", help="print the version")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo()
    if args.command == "version":
        from wengert import __version__

        print(__version__)
        return 0
    parser.print_help(sys.stderr)
    return 2
