"""The package's layers (one-place issue): no import cycle among wengert's modules at module
level, module-level imports only go down the layers drawn in docs/architecture.md, and the
imports hidden inside functions (the old way of dodging cycles) only shrink."""

from __future__ import annotations

import ast
import pathlib

import wengert

SRC = pathlib.Path(wengert.__file__).parent
PKG = "wengert"

# Lowest first; a module may import (at module level) only from its own layer or below.
LAYERS = [
    ("wengert.errors", "wengert.tree"),
    ("wengert.core",),
    ("wengert.ops",),
    ("wengert.numpy", "wengert.scipy"),
    ("wengert.api", "wengert.custom"),
    ("wengert.graph",),
    ("wengert.symbolic",),
    ("wengert.numeric",),
    # above all: wengert.optim, wengert.nn, wengert.testing, wengert.cli and the package itself
]

# An import of a wengert module inside a function is kept only for an optional extra (a
# SciPy-backed module, loaded on demand) or a convenience method of a data class that
# delegates to a layer above (Graph.source() calling the code generator), and says so.
ALLOWED_MARKERS = ("(optional extra", "(convenience: delegates to a layer above)")


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name[: -len(".__init__")] if name.endswith(".__init__") else name] = path
    return out


MODULES = _modules()


def _targets(mod: str, path: pathlib.Path, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == PKG]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != PKG:
        return []
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]


def _imports() -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    top: dict[str, set[str]] = {m: set() for m in MODULES}
    inner: list[tuple[str, int, str]] = []
    for mod, path in MODULES.items():
        text = path.read_text()
        lines = text.split("\n")
        tree = ast.parse(text)
        body = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets = [t for t in _targets(mod, path, node) if t in MODULES]
                if not targets:
                    continue
                if id(node) in body:
                    top[mod].update(targets)
                else:
                    inner.append((mod, node.lineno, lines[node.lineno - 1]))
    return top, inner


def _layer(mod: str) -> int:
    for k, names in enumerate(LAYERS):
        if any(mod == n or mod.startswith(n + ".") for n in names):
            return k
    return len(LAYERS)


def test_no_import_cycle_at_module_level():
    top, _ = _imports()
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(top[m]):
            if state.get(t) == 1:
                cycles.append(path[path.index(t) :] + [t])
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(top):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_module_level_imports_go_down_the_layers():
    top, _ = _imports()
    upward = sorted(f"{m} -> {t}" for m, ts in top.items() for t in ts if _layer(t) > _layer(m))
    assert upward == []


def test_imports_inside_functions_are_only_the_allowed_kinds():
    _, inner = _imports()
    unexplained = [f"{m}:{line}: {text.strip()}" for m, line, text in inner if not any(k in text for k in ALLOWED_MARKERS)]
    assert unexplained == [], "import these at module level (the layers have no cycles to dodge)"
    assert len(inner) <= 16  # the known ones: Graph's and Expr's convenience methods, SciPy, scikit-learn


def test_the_layer_map_knows_every_package():
    """A new subpackage must be placed in LAYERS (or be one of the top-level rooms)."""
    top_rooms = {"wengert", "wengert.optim", "wengert.nn", "wengert.cli", "wengert.testing", "wengert.__main__"}
    unplaced = sorted(
        m for m in MODULES if _layer(m) == len(LAYERS) and not any(m == r or m.startswith(r + ".") for r in top_rooms)
    )
    assert unplaced == []


def test_the_tape_layout_is_private_to_core_reverse():
    """Outside core/reverse.py nothing reads tape slots or records by hand: the reverse trace
    offers ``cotangents(outs, cts, wrt)``, ``record_call`` and ``release``."""
    import re

    leaks = []
    pattern = re.compile(r"\.tape\b|\bbackward\(|\b_OUT\b|\b_Multi\b|\.idx\b")
    for mod, path in MODULES.items():
        if mod == "wengert.core.reverse":
            continue
        for k, line in enumerate(path.read_text().split("\n"), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code) and "self.idx" not in code:
                leaks.append(f"{mod}:{k}: {line.strip()}")
    assert leaks == []
