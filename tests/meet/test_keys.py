import pytest

from openlifter.meet.keys import InvalidKey, format_key, overlaps, parse_key


def test_every_name_and_index_is_a_segment():
    assert parse_key("registration.entries[3].squatKg[0]") == ("registration", "entries", 3, "squatKg", 0)


def test_numeric_names_stay_names():
    assert parse_key("registration.lookup.5027") == ("registration", "lookup", "5027")


@pytest.mark.parametrize("key", ["", ".a", "a.", "a..b", "a[01]", "a[-1]", "a[]", "[0]", "a b", "a[1]x", "a.[1]"])
def test_non_canonical_keys_are_refused(key):
    with pytest.raises(InvalidKey):
        parse_key(key)


def test_index_above_the_limit_is_refused():
    with pytest.raises(InvalidKey, match="limit"):
        parse_key("a[1001]", max_index=1000)


def test_overlong_key_is_refused():
    with pytest.raises(InvalidKey, match="longer"):
        parse_key("a" * 20, max_length=10)


def test_format_is_the_inverse_of_parse():
    key = "registration.entries[3].squatKg[0]"
    assert format_key(parse_key(key)) == key


@pytest.mark.parametrize(
    "a, b",
    [
        ("registration.entries", "registration.entries[3]"),
        ("registration.entries[3]", "registration.entries[3].name"),
        ("registration.entries[3].name", "registration.entries"),
        ("meet", "meet"),
    ],
)
def test_prefix_keys_overlap_both_ways(a, b):
    assert overlaps(parse_key(a), parse_key(b))
    assert overlaps(parse_key(b), parse_key(a))


@pytest.mark.parametrize(
    "a, b",
    [
        ("registration.entries[3]", "registration.entries[31]"),
        ("meet.name", "meet.names"),
        ("lifting.flight", "lifting.lift"),
    ],
)
def test_siblings_do_not_overlap(a, b):
    assert not overlaps(parse_key(a), parse_key(b))
