"""Pytrees: nested containers of arrays that every wengert API accepts and returns.

A pytree is a tuple, list, dict, namedtuple, ``None`` or a registered container whose
children are pytrees; anything else is a leaf.  ``tree_flatten`` turns a pytree into a list of
leaves plus a ``TreeDef`` that ``tree_unflatten`` uses to rebuild it.  Flattening is a loop
over an explicit stack, so deep nesting cannot hit the recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple

__all__ = [
    "TreeDef",
    "register_pytree_node",
    "tree_flatten",
    "tree_unflatten",
    "tree_map",
    "tree_leaves",
    "tree_structure",
]


class _NodeType(NamedTuple):
    to_iterable: Callable[[Any], tuple[Iterable[Any], Hashable]]
    from_iterable: Callable[[Hashable, list[Any]], Any]


_registry: dict[type, _NodeType] = {}


def register_pytree_node(
    cls: type,
    flatten: Callable[[Any], tuple[Iterable[Any], Hashable]],
    unflatten: Callable[[Hashable, list[Any]], Any],
) -> None:
    """Register ``cls`` as a container: ``flatten(x) -> (children, aux)`` and
    ``unflatten(aux, children) -> x``.  ``aux`` must be hashable (it is part of the TreeDef)."""
    if not isinstance(cls, type):
        raise TypeError(f"register_pytree_node: cls must be a class, got {cls!r}")
    _registry[cls] = _NodeType(flatten, unflatten)


def _dict_flatten(d: dict) -> tuple[list, tuple]:
    keys = sorted(d, key=_sort_key)
    return [d[k] for k in keys], tuple(keys)


def _sort_key(k: Any) -> tuple[str, Any]:
    # Sort keys of mixed types deterministically: by type name, then value.
    return (type(k).__name__, k)


register_pytree_node(tuple, lambda t: (t, None), lambda _, c: tuple(c))
register_pytree_node(list, lambda t: (t, None), lambda _, c: list(c))
register_pytree_node(dict, _dict_flatten, lambda keys, c: dict(zip(keys, c)))
register_pytree_node(type(None), lambda _: ((), None), lambda _, c: None)


def _node_type(x: Any) -> _NodeType | None:
    t = type(x)
    nt = _registry.get(t)
    if nt is not None:
        return nt
    if issubclass(t, tuple) and hasattr(t, "_fields"):  # namedtuple
        return _NodeType(lambda v: (tuple(v), type(v)), lambda cls, c: cls(*c))
    return None


class TreeDef:
    """The structure of a pytree with its leaves taken out (hashable, comparable)."""

    __slots__ = ("kind", "aux", "children", "num_leaves", "_hash")

    def __init__(self, kind: type | None, aux: Hashable, children: tuple[TreeDef, ...]):
        self.kind = kind  # None for a leaf
        self.aux = aux
        self.children = children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)
        self._hash = hash((kind, aux, children))

    def __eq__(self, other: object) -> bool:
        # A loop, not recursion: deeply nested trees must not hit the recursion limit.
        stack = [(self, other)]
        while stack:
            a, b = stack.pop()
            if a is b:
                continue
            if not (
                isinstance(b, TreeDef)
                and a._hash == b._hash
                and a.kind is b.kind
                and len(a.children) == len(b.children)
                and a.aux == b.aux
            ):
                return False
            stack.extend(zip(a.children, b.children))
        return True

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        # Iterative post-order: each node's string is built from its children's strings.
        done: list[str] = []
        stack: list[tuple[TreeDef, bool]] = [(self, False)]
        while stack:
            td, expanded = stack.pop()
            if td.kind is None:
                done.append("*")
            elif not expanded:
                stack.append((td, True))
                stack.extend((c, False) for c in reversed(td.children))
            else:
                n = len(td.children)
                parts = done[len(done) - n :]
                del done[len(done) - n :]
                done.append(td._format(parts))
        return done[0]

    def _format(self, parts: list[str]) -> str:
        inner = ", ".join(parts)
        if self.kind is tuple:
            return f"({inner}{',' if len(parts) == 1 else ''})"
        if self.kind is list:
            return f"[{inner}]"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.aux, parts)) + "}"
        if self.kind is type(None):
            return "None"
        return f"{self.kind.__name__}({inner})"


LEAF = TreeDef(None, None, ())


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, TreeDef]:
    """Return ``(leaves, treedef)``; leaves are listed depth first, dict keys in sorted order."""
    leaves: list = []
    # Iterative post-order build: a stack of (node, children_defs_so_far) frames.
    stack: list[list] = [[None, None, None, [tree], 0, []]]  # kind, aux, nt, children, pos, defs
    while True:
        frame = stack[-1]
        children, pos = frame[3], frame[4]
        if pos == len(children):
            stack.pop()
            td = TreeDef(frame[0], frame[1], tuple(frame[5]))
            if not stack:
                return leaves, td.children[0]
            stack[-1][5].append(td)
            continue
        frame[4] = pos + 1
        x = children[pos]
        nt = None if (is_leaf is not None and is_leaf(x)) else _node_type(x)
        if nt is None:
            leaves.append(x)
            frame[5].append(LEAF)
            continue
        kids, aux = nt.to_iterable(x)
        stack.append([type(x), aux, nt, list(kids), 0, []])


def tree_unflatten(treedef: TreeDef, leaves: Iterable[Any]) -> Any:
    """Rebuild a pytree of structure ``treedef`` from ``leaves``."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"tree_unflatten: the tree structure {treedef!r} needs {treedef.num_leaves} "
            f"leaves, got {len(leaves)}"
        )
    it = iter(leaves)
    # Iterative post-order rebuild.
    stack: list[list] = [[treedef, 0, []]]
    while True:
        td, pos, built = stack[-1]
        if td.kind is None:
            stack.pop()
            value = next(it)
        elif pos < len(td.children):
            stack[-1][1] = pos + 1
            stack.append([td.children[pos], 0, []])
            continue
        else:
            stack.pop()
            value = _rebuild(td, built)
        if not stack:
            return value
        stack[-1][2].append(value)


def _rebuild(td: TreeDef, children: list) -> Any:
    nt = _registry.get(td.kind)  # type: ignore[arg-type]
    if nt is None:  # namedtuple
        return td.aux(*children)  # type: ignore[operator]
    return nt.from_iterable(td.aux, children)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list:
    """The leaves of ``tree`` in flattening order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> TreeDef:
    """The TreeDef of ``tree``."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(
    f: Callable[..., Any],
    tree: Any,
    *rest: Any,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """Apply ``f`` to the leaves of ``tree`` (and the matching leaves of ``rest``)."""
    leaves, td = tree_flatten(tree, is_leaf)
    if not rest:
        return tree_unflatten(td, [f(x) for x in leaves])
    others = []
    for i, r in enumerate(rest):
        rl, rtd = tree_flatten(r, is_leaf)
        if rtd != td:
            raise ValueError(
                f"tree_map: argument {i + 1} has structure {rtd!r}, expected {td!r}"
            )
        others.append(rl)
    return tree_unflatten(td, [f(*xs) for xs in zip(leaves, *others)])
