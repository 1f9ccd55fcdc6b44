"""vmap (core/batching.py): against a Python loop, of grad (per-example gradients), and
vmap, jacfwd and jacrev of indexing with every combination NumPy allows (trust issue,
item 5): integers, slices, ``None``, ``Ellipsis``, integer and boolean arrays in any order.
NumPy moves the advanced-index dimensions to the front when they are not adjacent, and counts
integers as advanced indices once an array index is present; the ground truth is a Python
loop over the batch with NumPy itself."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp

SHAPE = (3, 4, 5)  # one batch element
POOL = {
    "0": 0,
    "-1": -1,
    "np1": np.int64(1),
    "0d": np.array(2),
    "s13": slice(1, 3),
    "s:": slice(None),
    "s::-2": slice(None, None, -2),
    "None": None,
    "...": Ellipsis,
    "i[2,0]": np.array([2, 0]),
    "i[[0],[1]]": np.array([[0], [1]]),
    "b3": np.array([True, False, True]),
    "True": True,
}


def _valid_indices(max_len: int = 3):
    x = np.zeros(SHAPE)
    for n in range(1, max_len + 1):
        for names in itertools.product(POOL, repeat=n):
            if names.count("...") > 1:
                continue
            idx = tuple(POOL[k] for k in names)
            try:
                x[idx]
            except IndexError:
                continue
            yield "|".join(names), idx


CASES = list(_valid_indices())


def test_the_combinations_cover_the_hard_cases():
    ids = {c[0] for c in CASES}
    assert len(CASES) > 500
    for hard in ("0|None|i[2,0]", "i[2,0]|s:|0", "s:|i[2,0]|i[[0],[1]]", "b3|...|i[2,0]", "True|0|i[2,0]"):
        assert hard in ids


def test_vmap_of_every_index_matches_a_loop():
    rng = np.random.default_rng(0)
    batch = rng.standard_normal((2,) + SHAPE)
    bad = []
    for name, idx in CASES:
        want = np.stack([np.sin(v[idx]) for v in batch])
        got = w.vmap(lambda v, idx=idx: wnp.sin(v[idx]))(batch)
        if got.shape != want.shape or not np.allclose(got, want):
            bad.append(name)
    assert bad == []


def test_vmap_with_a_batch_axis_that_is_not_first():
    rng = np.random.default_rng(1)
    batch = rng.standard_normal((3, 2, 4, 5))  # batch axis 1
    idx = (0, None, np.array([3, 1]))
    want = np.stack([batch[:, j][idx] for j in range(2)])
    got = w.vmap(lambda v: v[idx], in_axes=1)(batch)
    np.testing.assert_allclose(got, want)


def _jacobian_by_numpy(idx):
    """The Jacobian of ``v -> v[idx]``: the indexing applied to the identity, reshaped."""
    n = int(np.prod(SHAPE))
    eye = np.eye(n).reshape((n,) + SHAPE)
    cols = np.stack([e[idx] for e in eye], axis=-1)  # out_shape + (n,)
    return cols.reshape(cols.shape[:-1] + SHAPE)


@pytest.mark.parametrize("mode", ["jacfwd", "jacrev"])
def test_jacobians_of_every_index(mode):
    rng = np.random.default_rng(2)
    v = rng.standard_normal(SHAPE)
    jac = getattr(w, mode)
    bad = []
    for name, idx in CASES[::3]:
        want = _jacobian_by_numpy(idx)
        got = jac(lambda v, idx=idx: v[idx])(v)
        if np.shape(got) != want.shape or not np.allclose(got, want):
            bad.append(name)
    assert bad == []


def test_vmap_of_grad_of_mixed_indexing():
    rng = np.random.default_rng(3)
    batch = rng.standard_normal((4,) + SHAPE)
    bad = []
    for name, idx in CASES[::2]:
        c = rng.standard_normal(np.zeros(SHAPE)[idx].shape)

        def loss(v, idx=idx, c=c):
            return wnp.sum(wnp.sin(v[idx]) * c)

        got = w.vmap(w.grad(loss))(batch)
        want = np.zeros_like(batch)
        for k, v in enumerate(batch):
            np.add.at(want[k], idx, np.cos(v[idx]) * c)
        if not np.allclose(got, want):
            bad.append(name)
    assert bad == []


def test_the_issue_example():
    idx = np.array([2, 0, 1])
    batch = np.random.default_rng(4).standard_normal((5, 3, 4))
    got = w.vmap(lambda v: wnp.sin(v[0, None, idx]))(batch)
    np.testing.assert_allclose(got, np.stack([np.sin(v[0, None, idx]) for v in batch]))
    g = w.vmap(w.grad(lambda v: wnp.sum(wnp.sin(v[0, None, idx]))))(batch)
    want = np.zeros_like(batch)
    want[:, 0, idx] = np.cos(batch[:, 0, idx])
    np.testing.assert_allclose(g, want)
    for jac in (w.jacfwd, w.jacrev):
        j = jac(lambda v: v[0, None, idx])(batch[0])
        assert j.shape == (3, 1, 3, 4)


# --------------------------------------------------------------------------- vmap of whole functions
# (moved from tests/test_forward.py)

RNG = np.random.default_rng(42)


def test_vmap_matches_loop():
    A = RNG.standard_normal((4, 3))
    xs = RNG.standard_normal((6, 3))

    def f(x, A):
        return wnp.tanh(A @ x) * wnp.sum(x**2) + wnp.max(x)

    batched = w.vmap(f, in_axes=(0, None))(xs, A)
    np.testing.assert_allclose(batched, np.stack([f(x, A) for x in xs]))
    # in_axes other than 0 and out_axes
    out = w.vmap(lambda x: x * 2, in_axes=1, out_axes=1)(xs)
    np.testing.assert_allclose(out, xs * 2)
    with pytest.raises(ValueError, match="inconsistent sizes"):
        w.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))


def test_vmap_of_grad_is_per_example_gradients():
    X = RNG.standard_normal((5, 3))
    wv = RNG.standard_normal(3)
    per_ex = w.vmap(w.grad(lambda wv, x: wnp.tanh(x @ wv)), in_axes=(None, 0))(wv, X)
    expected = np.stack([(1 - np.tanh(x @ wv) ** 2) * x for x in X])
    np.testing.assert_allclose(per_ex, expected)
