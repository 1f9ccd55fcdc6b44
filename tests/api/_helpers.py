"""Helpers shared by the tests of the transformations (moved from tests/test_api.py)."""

import collections

import numpy as np

import wengert
from wengert import Tracer

Params = collections.namedtuple("Params", "w b")

STE = {"sign": lambda ct, ans, x: ct}


def fd_grad(f, x, eps=1e-6):
    """Central differences of a scalar function of an array."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def fd_jac(f, x, eps=1e-6):
    """Central-difference Jacobian, shape out.shape + x.shape."""
    x = np.asarray(x, dtype=float)
    out_shape = np.shape(f(x))
    J = np.zeros(out_shape + x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        J[(Ellipsis,) + i] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps)
    return J


def assert_plain(tree):
    """No tracer anywhere in ``tree``."""
    for leaf in wengert.tree_leaves(tree):
        assert not isinstance(leaf, Tracer), leaf
