"""Code generation (graph/codegen.py): a golden test of the generated NumPy source, one
readable statement per equation (also for a gradient), the compiled function runs that source,
and generated names never collide with the user's parameter names."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import wengert as w
import wengert.numpy as wnp
from tests.graph.test_jit import _close
from tests.graph.test_tracing import _mlp, _mlp_args
from wengert.graph import jit, trace
from wengert.tree import tree_leaves

# =============================================================================== moved from tests/test_jit.py


GOLDEN_SOURCE = """\
def predict(W, b, x):
    v1 = x @ W
    v2 = v1 + b
    v3 = np.tanh(v2)
    v4 = v3 ** 2
    v5 = np.sum(v4, axis=(1,))
    v6 = v5 * 0.5
    v7 = v3.T
    v8 = np.reshape(v7, (6,))
    v9 = v8[::2]
    return (v6, v9)
"""


def test_generated_source_golden() -> None:
    def predict(W: Any, b: Any, x: Any) -> Any:
        h = wnp.tanh(x @ W + b)
        return wnp.sum(h**2, axis=1) * 0.5 * 1.0, wnp.reshape(h.T, (-1,))[::2]

    W, b, x = np.ones((4, 2)), np.zeros(2), np.ones((3, 4))
    jp = jit(predict)
    assert jp.source(W, b, x) == GOLDEN_SOURCE
    # the compiled function is that source
    g = jp.lower(W, b, x)
    fn = g.compile()
    # what runs is that source with a `del` after each intermediate's last use
    assert fn.__wengert_source__ == g.source(free=True)
    kept = [ln for ln in fn.__wengert_source__.splitlines() if not ln.strip().startswith("del ")]
    golden = GOLDEN_SOURCE.splitlines()
    assert [ln.split(" = ")[0] for ln in kept] == [ln.split(" = ")[0] for ln in golden]
    for a, b in zip(kept, golden):  # the same statement, or a faster spelling of it
        assert a == b or "out=" in a or ("np.add.reduce(" in a and "np.sum(" in b), (a, b)
    rng = np.random.default_rng(0)
    W, b, x = rng.standard_normal((4, 2)), rng.standard_normal(2), rng.standard_normal((3, 4))
    _close(jp(W, b, x), predict(W, b, x))


def test_generated_source_of_a_gradient_is_readable() -> None:
    src = jit(w.grad(lambda x: wnp.sum(wnp.sin(x) ** 2))).source(np.ones(3))
    lines = src.splitlines()
    assert lines[0] == "def _lambda_(x):"
    assert "np.sin(x)" in src and "np.cos(x)" in src
    assert lines[-1].startswith("    return (")
    assert all(line.startswith("    v") for line in lines[1:-1])  # one statement per equation


@pytest.mark.parametrize("pname", ["c0", "_c0", "v1", "k0"])
def test_parameter_names_do_not_collide_with_generated_names(pname: str) -> None:
    ns: dict = {"wnp": wnp, "np": np}
    exec(f"def f({pname}, x):\n    return wnp.sin(x) * np.array([1.0, 2.0]) + {pname}", ns)
    f = ns["f"]
    a, x = np.array([10.0, 20.0]), np.array([0.5, 1.0])
    jf = jit(f)
    jf(a, x)
    _close(jf(a, x), f(a, x))


# =============================================================================== moved from tests/test_graph.py


def test_source_compiles_to_the_same_function() -> None:
    params, batch = _mlp_args()
    g = trace(lambda p, b: _mlp(p, b)["loss"])(params, batch)
    src = g.source()
    assert src.startswith("def ") and "np.tanh(" in src
    compile(src, "<test>", "exec")  # valid Python
    fn = g.compile()
    assert fn(*tree_leaves((params, batch)))[0] == pytest.approx(_mlp(params, batch)["loss"], rel=1e-14)
