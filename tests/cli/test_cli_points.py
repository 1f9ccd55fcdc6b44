"""The CLI's errors name what was wrong: a variable given twice, a point outside the function's
domain, no NumPy warnings from wengert's own files (trust issue, item 14) (moved from tests/test_trust_misc.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# ---------------------------------------------------------------- CLI points (item 14)


def test_cli_variable_given_twice_is_a_usage_error():
    r = subprocess.run(
        [sys.executable, "-m", "wengert.cli", "diff", "x*y", "--at", "x=1,x=2,y=3"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert "x is given twice" in r.stderr


@pytest.mark.parametrize(("expr", "at", "prim"), [("log(x)", "x=-1", "log"), ("x*y + log(x)", "x=0,y=1", "log"), ("sqrt(x - 2)", "x=1", "sqrt")])
def test_cli_domain_error_without_numpy_warnings(expr, at, prim):
    r = subprocess.run(
        [sys.executable, "-m", "wengert.cli", "diff", expr, "--at", at], capture_output=True, text=True
    )
    assert r.returncode == 1
    assert f"domain error: {prim} is undefined at this point" in r.stderr
    assert "RuntimeWarning" not in r.stderr and ".py:" not in r.stderr


def test_cli_infinite_derivative_prints_without_warnings():
    r = subprocess.run([sys.executable, "-m", "wengert.cli", "diff", "sqrt(x)", "--at", "x=0"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "RuntimeWarning" not in r.stderr
