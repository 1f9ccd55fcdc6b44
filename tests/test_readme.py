"""README.md cannot go stale: every ```python block runs, in order, in one namespace, and the
claims its comments make are checked; the first ```bash block starts with the install + run
commands; and the ``wengert`` command lines of the README run (in a temporary directory).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BAYDIN = "log(x1) + x1*x2 - sin(x2)"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}[ \t]*\n(.*?)^```", README, re.M | re.S)


PYTHON_BLOCKS = _blocks("python")
BASH_BLOCKS = _blocks("bash")


def _cli_helpers():
    """check_baydin and the table parsers of test_cli.py (loaded by path)."""
    spec = importlib.util.spec_from_file_location("_wengert_test_cli_helpers", Path(__file__).parent / "cli" / "test_cli.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_wengert(argv: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, WENGERT_PLAIN="1")
    return subprocess.run(
        [sys.executable, "-m", "wengert", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


# =============================================================================== python blocks


@pytest.fixture(scope="module")
def readme_run():
    """Execute every ```python block in order in one namespace; returns (namespace, stdout per block)."""
    assert len(PYTHON_BLOCKS) >= 5, "the README's tour lost its Python examples"
    ns: dict = {"__name__": "__readme__"}
    outputs = []
    for k, src in enumerate(PYTHON_BLOCKS):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(compile(src, f"README.md python block {k + 1}", "exec"), ns)
        outputs.append(buf.getvalue())
    return ns, outputs


def _block_index(needle: str) -> int:
    (k,) = [i for i, b in enumerate(PYTHON_BLOCKS) if needle in b]
    return k


def test_readme_python_blocks_run(readme_run):
    ns, outputs = readme_run
    assert len(outputs) == len(PYTHON_BLOCKS)


def test_readme_logistic_regression_gradient(readme_run):
    """'a dict shaped like params', equal to central differences of the same loss."""
    ns, outputs = readme_run
    g, params, loss, X, y = ns["g"], ns["params"], ns["loss"], ns["X"], ns["y"]
    assert set(g) == {"w", "b"}
    assert np.shape(g["w"]) == (3,) and np.shape(g["b"]) == ()
    h = 1e-6
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        fd = (loss({"w": params["w"] + e, "b": params["b"]}, X, y) - loss({"w": params["w"] - e, "b": params["b"]}, X, y)) / (
            2 * h
        )
        assert g["w"][k] == pytest.approx(fd, abs=1e-8)
    fd_b = (loss({"w": params["w"], "b": params["b"] + h}, X, y) - loss({"w": params["w"], "b": params["b"] - h}, X, y)) / (2 * h)
    assert float(g["b"]) == pytest.approx(fd_b, abs=1e-8)
    assert outputs[_block_index("wengert.grad(loss)")].strip()  # it prints the gradient


def _rosenbrock_np(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_readme_forward_mode_and_hessians(readme_run):
    ns, _ = readme_run
    x = ns["x"]
    h = 1e-6
    fd = (_rosenbrock_np(x + h) - _rosenbrock_np(x - h)) / (2 * h)  # along the tangent ones(3)
    assert ns["value"] == pytest.approx(_rosenbrock_np(x))
    assert ns["tangent"] == pytest.approx(fd, rel=1e-7)
    H = np.asarray(ns["H"])
    assert H.shape == (3, 3)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    np.testing.assert_allclose(H @ np.ones(3), ns["Hv"], rtol=1e-12)
    # H[0, 0] of the Rosenbrock function: 1200 x0^2 - 400 x1 + 2
    assert H[0, 0] == pytest.approx(1200 * x[0] ** 2 - 400 * x[1] + 2)
    J = np.asarray(ns["J"])
    s = x.sum()
    expected = np.diag((1 - np.tanh(x) ** 2) * s) + np.tanh(x)[:, None] * np.ones(3)[None, :]
    np.testing.assert_allclose(J, expected, rtol=1e-12)
    X = ns["X"]
    per_example = np.asarray(ns["per_example"])
    np.testing.assert_allclose(per_example, (1 - np.tanh(X @ x) ** 2)[:, None] * X, rtol=1e-12)


def test_readme_higher_order_and_overrides(readme_run):
    ns, _ = readme_run
    assert float(ns["d3"]) == pytest.approx(-math.cos(0.5), rel=1e-12)  # the comment's claim
    np.testing.assert_allclose(ns["g_ste"], [2.0, 2.0])
    # the override was scoped: sign's gradient is zero again afterwards
    import wengert
    import wengert.numpy as wnp

    assert np.all(wengert.grad(lambda w: wnp.sum(wnp.sign(w) * 2.0))(np.array([0.3, -1.0])) == 0)


def test_readme_define_and_run(readme_run):
    ns, outputs = readme_run
    out = outputs[_block_index("wengert.trace(f)")]
    assert "v1 = log(x1)" in out  # the comment's claim
    assert "def " in out  # the generated NumPy source
    g1, g2 = ns["fast_grad"](2.0, 5.0)
    assert float(g1) == pytest.approx(5.5) and float(g2) == pytest.approx(2 - math.cos(5.0))
    assert "5.5" in out and "1.716" in out


def test_readme_scan_rnn(readme_run):
    ns, _ = readme_run
    W, U, b, xs = ns["W"], ns["U"], ns["b"], ns["xs"]
    gW = ns["gW"]

    def rnn_np(W):
        h = np.zeros((xs.shape[1], W.shape[0]))
        for x in xs:
            h = np.tanh(h @ W + x @ U + b)
        return np.sum(h**2)

    rng = np.random.default_rng(1)
    d = rng.standard_normal(W.shape)
    eps = 1e-6
    fd = (rnn_np(W + eps * d) - rnn_np(W - eps * d)) / (2 * eps)
    assert np.sum(gW * d) == pytest.approx(fd, rel=1e-6)
    assert ns["gU"].shape == U.shape and ns["gb"].shape == b.shape
    relu_ish = ns["relu_ish"]
    assert float(relu_ish(np.float64(2.0))) == pytest.approx(2.0)
    assert float(relu_ish(np.float64(-2.0))) == pytest.approx(-0.2)


def test_readme_symbolic(readme_run):
    ns, outputs = readme_run
    from wengert.symbolic import evaluate

    t0 = 0.7
    exact = (
        math.cos(t0) * math.sin(2 * t0) * math.sin(3 * t0)
        + 2 * math.sin(t0) * math.cos(2 * t0) * math.sin(3 * t0)
        + 3 * math.sin(t0) * math.sin(2 * t0) * math.cos(3 * t0)
    )
    assert float(evaluate(ns["d"], {"t": t0})) == pytest.approx(exact, rel=1e-12)
    m = re.search(r"\| tree (\d+) DAG (\d+)", outputs[_block_index("symbols(")])
    assert m and 1 <= int(m.group(2)) <= int(m.group(1))


def test_readme_numeric(readme_run):
    ns, _ = readme_run
    est, cs = ns["est"], ns["cs"]
    assert abs(est.value - math.e) <= max(10 * est.error, 1e-12)  # "e, with an error bound"
    assert est.error < 1e-6
    assert cs.value == pytest.approx(math.cos(0.3), rel=1e-14)


def test_readme_training(readme_run):
    ns, _ = readme_run
    np.testing.assert_allclose(ns["result"].params, np.ones(3), atol=0.1)  # "near [1, 1, 1]"


# =============================================================================== shell lines


def test_readme_first_commands():
    """The first two lines: install and run ``wengert diff`` on Baydin's function; install the
    test extra and run the tests."""
    assert BASH_BLOCKS, "README.md has no ```bash block"
    first = [ln for ln in BASH_BLOCKS[0].splitlines() if ln.strip()]
    assert README.index("```bash") < README.index("```python")  # it comes first
    line1 = [shlex.split(c, comments=True) for c in first[0].split("&&")]
    line2 = [shlex.split(c, comments=True) for c in first[1].split("&&")]
    assert line1 == [["pip", "install", "."], ["wengert", "diff", BAYDIN, "--at", "x1=2,x2=5"]]
    assert line2[0][:2] == ["pip", "install"] and line2[0][2].startswith(".[") and "test" in line2[0][2]
    assert line2[1] == ["python", "-m", "pytest"]


def _pyproject() -> dict:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


def test_readme_test_extra_has_pytest():
    deps = _pyproject()["project"]["optional-dependencies"]["test"]
    assert any(re.match(r"pytest\b", d) for d in deps)


def _readme_extras() -> set[str]:
    names = set()
    for m in re.finditer(r"(?:\.|wengert)\[([\w,-]+)\]", README):
        names |= set(m.group(1).split(","))
    extras_line = re.search(r"^- Extras:(.*?)(?=^- |\Z)", README, re.M | re.S)
    if extras_line:
        names |= set(re.findall(r"`([\w-]+)`", re.sub(r"\([^)]*\)", "", extras_line.group(1))))
    return names


def test_readme_extras_exist():
    extras = set(_pyproject()["project"]["optional-dependencies"])
    assert {"test", "bench"} <= _readme_extras()
    assert _readme_extras() - extras == set()


def test_readme_first_command_output(tmp_path):
    """The first command prints Tables 2 and 3 of Baydin et al. (2018)."""
    cmd = shlex.split(BASH_BLOCKS[0].splitlines()[0].split("&&")[1], comments=True)
    assert cmd[0] == "wengert"
    res = run_wengert(cmd[1:], tmp_path)
    assert res.returncode == 0, res.stderr
    h = _cli_helpers()
    h.check_baydin(h.sections_plain(res.stdout))


MY_MODEL = """\
import numpy as np


def loss(w, scale):
    return scale * np.sum(np.log1p(np.exp(-w)) + 0.5 * w ** 2)
"""


def _tour_commands() -> list:
    """Every ``wengert ...`` command of the README's bash blocks after the first."""
    params = []
    for block in BASH_BLOCKS[1:]:
        for line in block.splitlines():
            for part in line.split("&&"):
                argv = shlex.split(part, comments=True)
                if not argv or argv[0] != "wengert":
                    continue
                marks = []
                if argv[1] == "train":
                    marks.append(pytest.mark.slow)
                params.append(pytest.param(argv, marks=marks, id=" ".join(argv[:2])))
    return params


TOUR = _tour_commands()


def test_readme_tour_has_every_command():
    assert {p.values[0][1] for p in TOUR} >= {"diff", "grad", "graph", "train"}


@pytest.mark.parametrize("argv", TOUR)
def test_readme_tour_command(tmp_path, argv):
    cmd = argv[1]
    if cmd == "grad":  # the README's my_model.py and weights.npy
        spec = argv[2]
        (tmp_path / spec.split(":")[0]).write_text(MY_MODEL.replace("def loss", f"def {spec.split(':')[1]}"))
        for a in argv:
            if a.endswith(".npy"):
                np.save(tmp_path / a, np.array([0.5, -1.0, 2.0]))
    if cmd == "train":
        pytest.importorskip("sklearn")
        if "--plot" in argv:
            pytest.importorskip("matplotlib")
    res = run_wengert(argv[1:], tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    out = res.stdout
    if cmd == "diff":
        h = _cli_helpers()
        secs = h.sections_markdown(out) if "markdown" in argv else h.sections_plain(out)
        _, rows = h.section(secs, "The three methods")
        for r in rows:
            assert float(r[6]) < 1e-8  # the methods agree
    elif cmd == "grad":
        diffs = re.findall(r"max \|\w+ - \w+\|: (\S+)", out)
        assert diffs and all(float(d) < 1e-8 for d in diffs)
        if "--show-source" in argv:
            assert re.search(r"^def \w+\(", out, re.M)
    elif cmd == "graph":
        target = Path(argv[argv.index("--out") + 1])
        if shutil.which("dot") is None or target.suffix == ".dot":
            dot_file = tmp_path / target.with_suffix(".dot")
            assert dot_file.read_text().startswith("digraph")
            if target.suffix != ".dot":
                assert "graphviz" in res.stderr.lower()
        elif target.suffix == ".svg":
            root = ET.parse(tmp_path / target).getroot()
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
    elif cmd == "train":
        m = re.search(r"test accuracy (\d\.\d+)", out)
        assert m and float(m.group(1)) > 0.9
        if "--plot" in argv:
            png = argv[argv.index("--plot") + 1]
            assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
