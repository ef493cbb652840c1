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
