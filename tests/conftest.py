"""Shared pytest options: ``--exhaustive`` runs the exhaustive variants of the sweeps.

Tests marked ``exhaustive`` (thousands of random programs, every case in every mode and
dtype) are skipped unless ``--exhaustive`` is given or ``WENGERT_EXHAUSTIVE=1`` is set; a
representative subset of the same sweeps always runs, so CI is never empty.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--exhaustive",
        action="store_true",
        default=False,
        help="run the exhaustive variants of the op sweeps (tests marked 'exhaustive')",
    )


def exhaustive_enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("--exhaustive")) or os.environ.get("WENGERT_EXHAUSTIVE") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if exhaustive_enabled(config):
        return
    skip = pytest.mark.skip(reason="exhaustive variant: run with --exhaustive (or WENGERT_EXHAUSTIVE=1)")
    for item in items:
        if "exhaustive" in item.keywords:
            item.add_marker(skip)
