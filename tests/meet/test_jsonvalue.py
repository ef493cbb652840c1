from openlifter.meet.jsonvalue import MISSING, get_in, json_equal, set_in
from openlifter.meet.keys import parse_key


def test_set_creates_intermediate_objects_and_arrays():
    state = {}
    set_in(state, parse_key("registration.entries[2].name"), "Ann")
    assert state == {"registration": {"entries": [None, None, {"name": "Ann"}]}}


def test_whole_object_value_replaces_the_subtree():
    state = {"meet": {"name": "A", "city": "B"}}
    set_in(state, parse_key("meet"), {"name": "C"})
    assert state == {"meet": {"name": "C"}}


def test_node_of_the_wrong_kind_is_replaced():
    state = {"lifting": 3}
    set_in(state, parse_key("lifting.flight"), "B")
    assert state == {"lifting": {"flight": "B"}}


def test_stored_value_is_a_copy():
    value = {"name": "A"}
    state = {}
    set_in(state, parse_key("meet"), value)
    set_in(state, parse_key("meet.name"), "B")
    assert value == {"name": "A"}


def test_get_missing_path_is_missing():
    assert get_in({"a": [1]}, parse_key("a[3]")) is MISSING
    assert get_in({"a": 1}, parse_key("a.b")) is MISSING


def test_json_equality_tells_booleans_from_numbers():
    assert not json_equal(True, 1)
    assert json_equal(1, 1.0)
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert not json_equal({"a": 1}, {"a": 1, "b": 2})
    assert not json_equal("1", 1)


def test_write_effect_counts_the_nulls_a_write_would_pad():
    from openlifter.meet.jsonvalue import write_effect

    root = {"a": [1, 2]}
    assert (write_effect(root, ("a", 5)).padding, write_effect(root, ("a", 5)).discarded) == (3, MISSING)
    assert (write_effect(root, ("a", 1)).padding, write_effect(root, ("a", 1)).discarded) == (0, 2)
    assert write_effect(root, ("b", 4, "c", 6)).padding == 10  # fresh arrays pad in full
    assert write_effect({"a": "text"}, ("a", 2)).discarded == "text"


def test_write_effect_counts_only_the_structure_a_write_creates():
    from openlifter.meet.jsonvalue import write_effect

    root = {"a": {"b": 1}}
    assert write_effect(root, ("a", "b")).new_structure == 0
    assert write_effect(root, ("a", "c")).new_structure == len('"c":,')
    assert write_effect(root, ("x", "yz")).new_structure == len('"x":,') + len('{"yz":,}')


def test_write_effect_matches_set_in():
    from openlifter.meet.jsonvalue import write_effect

    root = {"a": [None, {"b": [0]}]}
    padding = write_effect(root, ("a", 1, "b", 4, "c")).padding
    before = sum(len(x) for x in (root["a"], root["a"][1]["b"]))
    set_in(root, ("a", 1, "b", 4, "c"), 1)
    after = sum(len(x) for x in (root["a"], root["a"][1]["b"]))
    assert after - before - 1 == padding == 3


def test_encoded_size_within_gives_the_size_or_none_past_the_limit():
    from openlifter.meet.jsonvalue import encoded_size, encoded_size_within

    value = {"a": [1, "é", None, {"b": True}], "c": 2.5}
    assert encoded_size_within(value, 1000) == encoded_size(value)
    assert encoded_size_within(value, encoded_size(value) - 1) is None
    assert encoded_size_within(list(range(10**6)), 100) is None
