"""RFC 6902 patches between views (openlifter/views/patch.py), checked by applying them
with the jsonpatch library."""

from __future__ import annotations

import copy
import json

import jsonpatch
from hypothesis import given
from hypothesis import strategies as st

from openlifter.views.patch import Differ, make_patch

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False), st.text(max_size=3))
rows = st.lists(st.fixed_dictionaries({"id": st.integers(0, 6), "kg": scalars}), max_size=6, unique_by=lambda r: r["id"])
json_values = st.recursive(
    scalars | rows,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text("ab/~", max_size=2), inner, max_size=4),
    max_leaves=20,
)


@given(json_values, json_values)
def test_applying_the_patch_turns_the_old_value_into_the_new(old, new):
    patched = jsonpatch.apply_patch(copy.deepcopy(old), make_patch(old, new))
    assert json.dumps(patched, sort_keys=True) == json.dumps(new, sort_keys=True)  # as JSON: 1, 1.0 and true differ


def test_a_lifter_moving_in_a_keyed_list_is_moves_not_rewritten_rows():
    old = [{"id": n, "name": f"L{n}"} for n in range(20)]
    new = old[:3] + old[4:12] + [old[3]] + old[12:]
    ops = make_patch(old, new)
    assert {op["op"] for op in ops} == {"move"} and len(ops) <= 8
    assert jsonpatch.apply_patch(copy.deepcopy(old), ops) == new


def test_a_list_moving_on_by_one_is_a_remove_and_an_add():
    cards = [{"id": n, "name": f"L{n}"} for n in range(11)]
    ops = make_patch(cards[:10], cards[1:])
    assert [op["op"] for op in ops] == ["remove", "add"]


def test_the_same_object_is_not_looked_into():
    class Exploding(dict):
        def __eq__(self, other):
            raise AssertionError("compared")

        __hash__ = None

    shared = Exploding(a=1)
    assert make_patch({"x": shared, "y": 1}, {"x": shared, "y": 2}) == [{"op": "replace", "path": "/y", "value": 2}]


def test_keys_with_slashes_and_tildes_are_escaped():
    ops = make_patch({"a/b": 1, "c~d": 1}, {"a/b": 2, "c~d": 2})
    assert {op["path"] for op in ops} == {"/a~1b", "/c~0d"}


def test_a_long_list_with_one_row_changed_costs_the_row_not_the_list():
    rows = [{"id": n, "place": str(n + 1), "totalKg": 100 + n} for n in range(3000)]
    moved = rows[:1500] + [dict(rows[1500], totalKg=0)] + rows[1501:]  # the rest are the same objects
    differ = Differ()
    differ.diff({"rows": rows}, {"rows": moved})
    assert differ.ops == [{"op": "replace", "path": "/rows/1500/totalKg", "value": 0}]
    assert differ.visited < 20


@given(rows, st.lists(st.tuples(st.sampled_from(["insert", "remove", "replace"]), st.integers(0, 6), st.integers(0, 9)), max_size=4))
def test_a_list_edited_in_place_of_its_unchanged_items_patches_right(old, edits):
    new = list(old)  # the unchanged rows stay the same objects, as the incremental views keep them
    for edit, at, value in edits:
        at = min(at, len(new))
        if edit == "insert":
            new.insert(at, {"id": 100 + value, "kg": value})
        elif new and at < len(new):
            if edit == "remove":
                del new[at]
            else:
                new[at] = dict(new[at], kg=value)
    patched = jsonpatch.apply_patch(copy.deepcopy({"rows": old}), make_patch({"rows": old}, {"rows": new}))
    assert json.dumps(patched, sort_keys=True) == json.dumps({"rows": new}, sort_keys=True)
