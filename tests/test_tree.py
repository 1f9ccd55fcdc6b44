"""Pytrees: flatten / unflatten / map round trips, TreeDef identity, registered containers,
and deep nesting (no recursion anywhere)."""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wengert
from wengert.tree import (
    TreeDef,
    register_pytree_node,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)

Point = collections.namedtuple("Point", "x y")
OtherPoint = collections.namedtuple("OtherPoint", "x y")


class Box:
    """A user container: two children and a hashable label kept in the TreeDef."""

    def __init__(self, label: str, first: object, second: object) -> None:
        self.label = label
        self.first = first
        self.second = second

    def __repr__(self) -> str:
        return f"Box({self.label!r}, {self.first!r}, {self.second!r})"


register_pytree_node(
    Box,
    lambda b: ((b.first, b.second), b.label),
    lambda label, children: Box(label, *children),
)


class Opaque:
    """Not registered: a leaf."""


# --------------------------------------------------------------------------- helpers


def assert_same(a: object, b: object) -> None:
    """Strict structural equality: same container types, same dict key order, equal leaves
    (a namedtuple is not equal to a plain tuple here, nor a list to a tuple)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        assert type(x) is type(y), (x, y)
        if isinstance(x, dict):
            assert list(x) == list(y), (x, y)
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, (tuple, list)):
            assert len(x) == len(y), (x, y)
            stack.extend(zip(x, y))
        elif isinstance(x, Box):
            assert x.label == y.label
            stack.extend([(x.first, y.first), (x.second, y.second)])
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        elif isinstance(x, float) and math.isnan(x):
            assert math.isnan(y)
        else:
            assert x is None and y is None or x == y, (x, y)


def nested_list(depth: int, leaf: object) -> list:
    t = leaf
    for _ in range(depth):
        t = [t]
    return t


def innermost(t: object) -> tuple[int, object]:
    depth = 0
    while isinstance(t, list):
        assert len(t) == 1
        t = t[0]
        depth += 1
    return depth, t


# --------------------------------------------------------------------------- basic containers


def test_flatten_tuple_list_dict_order() -> None:
    tree = {"b": (1, 2), "a": [3, {"z": 4, "c": 5}], "m": 6}
    leaves, td = tree_flatten(tree)
    # Depth first, dict keys sorted at every level.
    assert leaves == [3, 5, 4, 1, 2, 6]
    assert td.num_leaves == 6
    rebuilt = tree_unflatten(td, leaves)
    assert rebuilt == tree
    assert list(rebuilt) == ["a", "b", "m"]  # dicts come back in sorted key order
    assert list(rebuilt["a"][1]) == ["c", "z"]


def test_dict_with_mixed_key_types_is_deterministic() -> None:
    tree = {"b": 1, 2: 2, "a": 3, 1: 4}
    leaves, td = tree_flatten(tree)
    # Keys ordered by type name, then value: ints ('int') before strs ('str').
    assert leaves == [4, 2, 3, 1]
    assert tree_unflatten(td, leaves) == tree
    assert tree_structure({1: 0, "a": 0, 2: 0, "b": 0}) == td


def test_insertion_order_does_not_matter_for_dicts() -> None:
    a = {"x": 1.0, "y": 2.0}
    b = {"y": 2.0, "x": 1.0}
    assert tree_leaves(a) == tree_leaves(b) == [1.0, 2.0]
    assert tree_structure(a) == tree_structure(b)
    assert hash(tree_structure(a)) == hash(tree_structure(b))


def test_namedtuple_keeps_its_type() -> None:
    tree = Point(x=np.ones(2), y=(1.0, Point(2.0, 3.0)))
    leaves, td = tree_flatten(tree)
    assert len(leaves) == 4
    rebuilt = tree_unflatten(td, leaves)
    assert_same(rebuilt, tree)
    assert isinstance(rebuilt.y[1], Point)
    mapped = tree_map(lambda v: v * 2, tree)
    assert isinstance(mapped, Point)
    assert mapped.y[1].y == 6.0


def test_none_is_an_empty_node() -> None:
    leaves, td = tree_flatten(None)
    assert leaves == []
    assert td.num_leaves == 0
    assert tree_unflatten(td, []) is None
    leaves, td = tree_flatten([None, 1.0, (None,), {"a": None}])
    assert leaves == [1.0]
    assert_same(tree_unflatten(td, [7.0]), [None, 7.0, (None,), {"a": None}])
    assert tree_map(lambda v: v + 1, (None, 1.0)) == (None, 2.0)


def test_empty_containers() -> None:
    for tree in [(), [], {}, ((), [], {}), [[[]]]]:
        leaves, td = tree_flatten(tree)
        assert leaves == []
        assert_same(tree_unflatten(td, []), tree)


def test_scalar_and_array_leaves() -> None:
    for leaf in [1.0, 3, "text", np.arange(3.0), np.float32(2.0), Opaque(), 1 + 2j]:
        leaves, td = tree_flatten(leaf)
        assert len(leaves) == 1 and leaves[0] is leaf
        assert td.num_leaves == 1
        assert tree_unflatten(td, [leaf]) is leaf


def test_arrays_are_leaves_not_containers() -> None:
    tree = {"w": np.zeros((3, 2)), "b": np.zeros(2)}
    leaves = tree_leaves(tree)
    assert len(leaves) == 2
    assert leaves[0].shape == (2,) and leaves[1].shape == (3, 2)


def test_is_leaf_stops_descent() -> None:
    tree = [(1, 2), [3, (4, 5)]]
    leaves, td = tree_flatten(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert leaves == [(1, 2), 3, (4, 5)]
    assert tree_unflatten(td, leaves) == tree
    doubled = tree_map(lambda t: t * 2, tree, is_leaf=lambda x: isinstance(x, tuple))
    assert doubled == [(1, 2, 1, 2), [6, (4, 5, 4, 5)]]


# --------------------------------------------------------------------------- registered nodes


def test_registered_container_round_trip() -> None:
    tree = Box("layer", np.arange(3.0), {"w": 2.0, "b": (Box("inner", 1.0, None),)})
    leaves, td = tree_flatten(tree)
    assert len(leaves) == 3  # the array, then "b" (the inner Box's 1.0; None is empty), then "w"
    np.testing.assert_array_equal(leaves[0], np.arange(3.0))
    assert leaves[1:] == [1.0, 2.0]
    rebuilt = tree_unflatten(td, leaves)
    assert_same(rebuilt, _canonical(tree))
    assert list(rebuilt.second) == ["b", "w"]
    mapped = tree_map(lambda v: v * 10, tree)
    assert isinstance(mapped, Box) and mapped.label == "layer"
    np.testing.assert_array_equal(mapped.first, np.arange(3.0) * 10)
    assert mapped.second["b"][0].first == 10.0
    assert mapped.second["b"][0].second is None


def test_registered_container_aux_is_part_of_treedef() -> None:
    a = tree_structure(Box("a", 1.0, 2.0))
    a2 = tree_structure(Box("a", 5.0, 6.0))
    b = tree_structure(Box("b", 1.0, 2.0))
    assert a == a2 and hash(a) == hash(a2)
    assert a != b
    assert a != tree_structure((1.0, 2.0))


def test_registered_container_works_with_grad() -> None:
    import wengert.numpy as wnp

    def loss(box: Box) -> object:
        return wnp.sum(box.first**2) + box.second["s"] * 3.0

    g = wengert.grad(loss)(Box("p", np.array([1.0, 2.0]), {"s": 2.0}))
    assert isinstance(g, Box) and g.label == "p"
    np.testing.assert_allclose(g.first, [2.0, 4.0])
    np.testing.assert_allclose(g.second["s"], 3.0)


def test_register_requires_a_class() -> None:
    with pytest.raises(TypeError):
        register_pytree_node("not a class", lambda x: ((), None), lambda a, c: None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- TreeDef identity


def test_treedef_equality_and_hash() -> None:
    t1 = tree_structure({"a": [1, 2], "b": (3,)})
    t2 = tree_structure({"b": ("x",), "a": [np.zeros(3), "y"]})
    assert t1 == t2
    assert hash(t1) == hash(t2)
    assert len({t1, t2}) == 1
    assert isinstance(t1, TreeDef)

    different = [
        tree_structure({"a": [1, 2], "c": (3,)}),  # other key
        tree_structure({"a": (1, 2), "b": (3,)}),  # tuple instead of list
        tree_structure({"a": [1, 2, 3], "b": (3,)}),  # more leaves
        tree_structure({"a": [1, [2]], "b": (3,)}),  # deeper
        tree_structure([[1, 2], (3,)]),
    ]
    for d in different:
        assert t1 != d
        assert not (t1 == d)
    # Namedtuples: distinct from plain tuples and from each other.
    assert tree_structure(Point(1, 2)) != tree_structure((1, 2))
    assert tree_structure(Point(1, 2)) != tree_structure(OtherPoint(1, 2))
    assert tree_structure(Point(1, 2)) == tree_structure(Point("a", "b"))
    # Leaf vs None vs empty tuple.
    assert tree_structure(1.0) != tree_structure(None)
    assert tree_structure(None) != tree_structure(())
    assert tree_structure(()) != tree_structure([])
    # Comparison with other objects.
    assert t1 != 3
    assert t1 != "t1"


def test_treedef_repr() -> None:
    td = tree_structure(({"b": 1, "a": [2, (3,)]}, None, Point(1, (2,)), []))
    assert repr(td) == "({'a': [*, (*,)], 'b': *}, None, Point(*, (*,)), [])"


# --------------------------------------------------------------------------- errors


def test_unflatten_leaf_count_mismatch() -> None:
    td = tree_structure([1, (2, 3)])
    with pytest.raises(ValueError, match="needs 3 leaves, got 2"):
        tree_unflatten(td, [1, 2])
    with pytest.raises(ValueError, match="needs 3 leaves, got 4"):
        tree_unflatten(td, [1, 2, 3, 4])
    with pytest.raises(ValueError):
        tree_unflatten(tree_structure(None), [1])


def test_tree_map_structure_mismatch() -> None:
    with pytest.raises(ValueError, match="structure"):
        tree_map(lambda a, b: a + b, [1, 2], (1, 2))
    with pytest.raises(ValueError, match="structure"):
        tree_map(lambda a, b: a + b, {"a": 1}, {"b": 1})


def test_tree_map_several_trees() -> None:
    a = {"x": [1.0, 2.0], "y": Point(3.0, 4.0)}
    b = {"y": Point(30.0, 40.0), "x": [10.0, 20.0]}
    out = tree_map(lambda u, v: u + v, a, b)
    assert_same(out, {"x": [11.0, 22.0], "y": Point(33.0, 44.0)})


# --------------------------------------------------------------------------- deep nesting

DEPTH = 10_000


def test_deep_nested_list_flatten_unflatten_map() -> None:
    tree = nested_list(DEPTH, 1.5)
    leaves, td = tree_flatten(tree)
    assert leaves == [1.5]
    assert td.num_leaves == 1
    assert innermost(tree_unflatten(td, [2.5])) == (DEPTH, 2.5)
    assert innermost(tree_map(lambda v: v * 2, tree)) == (DEPTH, 3.0)
    assert tree_leaves(tree) == [1.5]


def test_deep_nested_treedef_eq_hash_repr() -> None:
    td1 = tree_structure(nested_list(DEPTH, 1.0))
    td2 = tree_structure(nested_list(DEPTH, "leaf"))
    assert td1 == td2
    assert hash(td1) == hash(td2)
    assert td1 != tree_structure(nested_list(DEPTH - 1, 1.0))
    assert td1 != tree_structure(nested_list(DEPTH, [1.0, 2.0]))
    r = repr(td1)
    assert r == "[" * DEPTH + "*" + "]" * DEPTH


def test_deep_nested_tree_map_of_two_trees() -> None:
    out = tree_map(lambda a, b: a + b, nested_list(DEPTH, 1.0), nested_list(DEPTH, 2.0))
    assert innermost(out) == (DEPTH, 3.0)
    with pytest.raises(ValueError):
        tree_map(lambda a, b: a + b, nested_list(DEPTH, 1.0), nested_list(DEPTH - 1, 2.0))


def test_deep_nested_mixed_containers() -> None:
    tree: object = 0.0
    for i in range(DEPTH):
        tree = {"k": tree} if i % 3 == 0 else (tree,) if i % 3 == 1 else [tree, i]
    leaves, td = tree_flatten(tree)
    assert len(leaves) == td.num_leaves == 1 + DEPTH // 3
    assert tree_structure(tree_unflatten(td, leaves)) == td


def test_wide_tree() -> None:
    tree = {f"k{i:05d}": [float(i), (float(-i),)] for i in range(5000)}
    leaves, td = tree_flatten(tree)
    assert len(leaves) == 10_000
    assert leaves[:4] == [0.0, -0.0, 1.0, -1.0]
    assert tree_unflatten(td, leaves) == tree


# --------------------------------------------------------------------------- random structures

_leaves = st.one_of(
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, width=64),
    st.text(max_size=3),
    st.none(),
)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=3), children, max_size=4),
        st.tuples(children, children).map(lambda t: Point(*t)),
        st.tuples(st.sampled_from(["p", "q"]), children, children).map(lambda t: Box(*t)),
    )


trees = st.recursive(_leaves, _extend, max_leaves=30)


def _canonical(tree: object) -> object:
    """``tree`` with every dict's keys in sorted order (how unflatten rebuilds dicts)."""
    return tree_map(lambda v: v, tree)


@settings(max_examples=150, deadline=None)
@given(trees)
def test_random_round_trip(tree: object) -> None:
    leaves, td = tree_flatten(tree)
    assert td.num_leaves == len(leaves)
    assert None not in leaves  # None is a node, never a leaf
    rebuilt = tree_unflatten(td, leaves)
    assert tree_structure(rebuilt) == td
    assert hash(tree_structure(rebuilt)) == hash(td)
    assert tree_leaves(rebuilt) == leaves
    assert_same(rebuilt, _canonical(tree))
    # Python's own dict equality ignores order: the rebuilt tree equals the original.
    if not any(isinstance(x, Box) for x in _all_nodes(tree)):
        assert rebuilt == tree


@settings(max_examples=100, deadline=None)
@given(trees)
def test_random_map_and_new_leaves(tree: object) -> None:
    leaves, td = tree_flatten(tree)
    tagged = tree_map(lambda v: ("leaf", v), tree)
    # A tuple leaf value is a container itself, so flatten with is_leaf to recover the tags.
    tagged_leaves, tagged_td = tree_flatten(tagged, is_leaf=lambda x: isinstance(x, tuple) and x[:1] == ("leaf",))
    assert tagged_td == td
    assert tagged_leaves == [("leaf", v) for v in leaves]
    new = list(range(len(leaves)))
    assert tree_leaves(tree_unflatten(td, new)) == new
    with pytest.raises(ValueError):
        tree_unflatten(td, new + [0])


@settings(max_examples=100, deadline=None)
@given(trees, trees)
def test_random_treedef_equality_matches_structure(a: object, b: object) -> None:
    ta, tb = tree_structure(a), tree_structure(b)
    same = ta == tb
    assert same == (tb == ta)
    if same:
        assert hash(ta) == hash(tb)
        assert repr(ta) == repr(tb)
        tree_unflatten(ta, tree_leaves(b))  # b's leaves fit a's structure
    else:
        assert repr(ta) != repr(tb) or _has_box_label_difference(a, b)


def _all_nodes(tree: object) -> list:
    out, stack = [], [tree]
    while stack:
        x = stack.pop()
        out.append(x)
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, Box):
            stack.extend([x.first, x.second])
    return out


def _has_box_label_difference(a: object, b: object) -> bool:
    # The repr of a registered node shows its class, not its aux data.
    return any(isinstance(x, Box) for x in _all_nodes(a) + _all_nodes(b))
