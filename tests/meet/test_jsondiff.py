"""The narrowest keys between two saves of a meet (what the watch bridge sends)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from openlifter.meet.jsondiff import changed_updates, edits_within
from openlifter.meet.jsonvalue import copy_json, encoded_size, json_equal, set_in
from openlifter.meet.keys import parse_key

SAMPLE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "sample.openlifter").read_text())
SLICES = ("meet", "registration", "lifting")


def test_a_changed_bodyweight_is_one_key():
    new = copy.deepcopy(SAMPLE)
    new["registration"]["entries"][1]["bodyweightKg"] = 88.2
    assert changed_updates(SAMPLE, new, SLICES) == [("registration.entries[1].bodyweightKg", 88.2)]


def test_a_judged_attempt_is_one_cell():
    new = copy.deepcopy(SAMPLE)
    new["registration"]["entries"][0]["squatStatus"][1] = 1
    assert changed_updates(SAMPLE, new, SLICES) == [("registration.entries[0].squatStatus[1]", 1)]


def test_an_added_entry_sends_the_entries_and_the_rest_narrowly():
    new = copy.deepcopy(SAMPLE)
    new["registration"]["entries"].append({**new["registration"]["entries"][0], "id": 9999})
    new["registration"]["nextEntryId"] += 1
    keys = [key for key, _ in changed_updates(SAMPLE, new, SLICES)]
    assert "registration.entries" in keys and "registration.nextEntryId" in keys and "registration" not in keys


def test_a_removed_field_sends_its_object():
    new = copy.deepcopy(SAMPLE)
    del new["registration"]["entries"][0]["instagram"]
    assert changed_updates(SAMPLE, new, SLICES) == [("registration.entries[0]", new["registration"]["entries"][0])]


def test_a_name_no_key_can_spell_sends_its_object():
    old = {"meet": {"a": 1}}
    new = {"meet": {"a": 1, "with space": 2}}
    assert changed_updates(old, new, ("meet",)) == [("meet", new["meet"])]


def test_no_previous_save_sends_every_slice_whole():
    assert [key for key, _ in changed_updates(None, SAMPLE, SLICES)] == list(SLICES)


def test_an_unchanged_save_sends_nothing():
    assert changed_updates(SAMPLE, copy.deepcopy(SAMPLE), SLICES) == []


def test_true_and_one_differ():
    assert changed_updates({"meet": {"x": 1}}, {"meet": {"x": True}}, ("meet",)) == [("meet.x", True)]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["a", "b", ""]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["a", "b", "c d", "5"]), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values, json_values)
def test_applying_the_updates_gives_the_new_save(old_value, new_value):
    old, new = {"meet": old_value}, {"meet": new_value}
    rebuilt = copy_json(old)
    for key, value in changed_updates(old, new, ("meet",)):
        set_in(rebuilt, parse_key(key), value)
    assert json_equal(rebuilt, new)


def test_a_value_within_the_limit_is_one_update():
    assert edits_within("registration", {"entries": [{"id": 1}]}, 1024) == [("registration", {"entries": [{"id": 1}]})]


def test_a_value_past_the_limit_is_its_empty_container_then_its_members_each_within_it():
    entries = [{"id": i, "name": "x" * 60} for i in range(5)]
    edits = edits_within("registration", {"nextEntryId": 5, "entries": entries}, 200)
    assert [key for key, _ in edits] == [
        "registration", "registration.nextEntryId", "registration.entries", *(f"registration.entries[{i}]" for i in range(5)),
    ]
    assert edits[0][1] == {} and edits[2][1] == [] and all(encoded_size(value) <= 200 for _, value in edits)
    rebuilt: dict = {}
    for key, value in edits:  # applied in order, they make the value again
        set_in(rebuilt, parse_key(key), copy_json(value))
    assert rebuilt == {"registration": {"nextEntryId": 5, "entries": entries}}


def test_a_member_whose_name_cannot_be_a_key_segment_keeps_its_container_whole():
    assert edits_within("meet", {"a b": "x" * 30}, 20) == [("meet", {"a b": "x" * 30})]
