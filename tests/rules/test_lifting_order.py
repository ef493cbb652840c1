"""Lifting order, current and next lifter (openlifter/rules/lifting_order.py)."""

from openlifter.rules.lifting_order import (
    active_attempt,
    compare_entries_by_attempt,
    entries_in_flight,
    flights_on_platform,
    get_lifting_order,
    order_entries_by_attempt,
    use_projected_totals,
)
from openlifter.rules.model import Entry, Lifting

_FIELDS = {
    "S": ("squat_kg", "squat_status"),
    "B": ("bench_kg", "bench_status"),
    "D": ("deadlift_kg", "deadlift_status"),
}


def lifter(entry_id, kg=(), st=(), *, lift="S", name=None, lot=0, bw=80.0, **other):
    """An entry with the given attempts (padded to 5) on one lift."""
    kg_field, st_field = _FIELDS[lift]
    return Entry(
        id=entry_id,
        name=name if name is not None else f"Lifter {entry_id}",
        lot=lot,
        bodyweight_kg=bw,
        **{kg_field: tuple(float(x) for x in kg) + (0.0,) * (5 - len(kg)), st_field: tuple(st) + (0,) * (5 - len(st))},
        **other,
    )


def order(entries, **lifting):
    return get_lifting_order(entries, Lifting(**lifting))


def ids(lifting_order):
    return [e.id for e in lifting_order.ordered_entries]


# --- Active attempt ------------------------------------------------------------------------


def test_attempt_one_when_nobody_has_declared_anything():
    result = order([lifter(1), lifter(2)])
    assert result.attempt_one_indexed == 1
    assert result.current_entry_id is None
    assert result.next_entry_id is None


def test_active_attempt_is_the_lowest_pending_attempt():
    entries = [lifter(1, [100, 110], [1, 0]), lifter(2, [120], [0])]
    assert active_attempt(entries, Lifting()) == 1


def test_pending_attempt_is_scanned_from_the_highest_declared_one():
    # A lifter with both 1st and 2nd declared and unjudged counts as pending on the 2nd.
    entries = [lifter(1, [100, 110], [0, 0]), lifter(2, [120, 125], [1, 0])]
    assert active_attempt(entries, Lifting()) == 2


def test_moves_to_next_attempt_when_everyone_is_judged():
    entries = [lifter(1, [100], [1]), lifter(2, [120], [-1])]
    result = order(entries)
    assert result.attempt_one_indexed == 2
    assert result.current_entry_id is None


def test_never_auto_advances_from_third_to_fourth_attempt():
    entries = [lifter(1, [100, 105, 110], [1, 1, 1]), lifter(2, [120, 125, 130], [1, -1, 1])]
    assert active_attempt(entries, Lifting()) == 3


def test_stays_on_fourth_attempt_once_one_was_judged():
    entries = [lifter(1, [100, 105, 110, 112.5], [1, 1, 1, 1]), lifter(2, [120, 125, 130], [1, 1, -1])]
    assert active_attempt(entries, Lifting()) == 4


def test_declared_fourth_attempt_becomes_active_by_itself():
    entries = [lifter(1, [100, 105, 110, 112.5], [1, 1, 1, 0]), lifter(2, [120, 125, 130], [1, 1, -1])]
    assert active_attempt(entries, Lifting()) == 4


def test_attempt_override_wins_over_pending_attempts():
    entries = [lifter(1, [100], [0]), lifter(2, [120, 125], [1, 0])]
    result = order(entries, override_attempt=2)
    assert result.attempt_one_indexed == 2
    assert result.current_entry_id == 2


def test_attempt_is_computed_for_the_current_lift_only():
    entries = [lifter(1, [100, 110], [1, 0], lift="B"), lifter(2, [200], [0], lift="D")]
    assert active_attempt(entries, Lifting(lift="B")) == 2
    assert active_attempt(entries, Lifting(lift="D")) == 1


# --- Ordering --------------------------------------------------------------------------------


def test_lighter_attempt_lifts_first():
    entries = [lifter(1, [120]), lifter(2, [100]), lifter(3, [110])]
    assert ids(order(entries)) == [2, 3, 1]


def test_lifters_who_declared_next_attempt_come_first():
    # Lifter 1 has finished attempt 1 and declared 2; shown on top, by the next weight.
    entries = [lifter(2, [100]), lifter(1, [130, 140], [1]), lifter(3, [110])]
    assert ids(order(entries)) == [1, 2, 3]


def test_next_attempt_group_is_sorted_by_next_weight():
    entries = [lifter(1, [100, 150], [1]), lifter(2, [120, 125], [-1]), lifter(3, [110])]
    assert ids(order(entries)) == [2, 1, 3]


def test_group_is_chosen_by_weights_not_statuses():
    # Declared 2nd attempt puts lifter 1 in the "next" group although its 1st is unjudged.
    entries = [lifter(2, [100]), lifter(1, [130, 140], [0, 0])]
    result = order(entries, override_attempt=1)
    assert ids(result) == [1, 2]


def test_lifters_without_this_attempt_but_with_previous_come_after():
    # Attempt 2: lifter 3 has not declared a 2nd yet (byPrev), lifter 4 has nothing (notLifting).
    entries = [
        lifter(4),
        lifter(3, [90], [1]),
        lifter(1, [100, 110], [1, 0]),
        lifter(2, [100, 105], [1, 0]),
    ]
    result = order(entries)
    assert result.attempt_one_indexed == 2
    assert ids(result) == [2, 1, 3, 4]


def test_lifters_not_doing_the_lift_are_listed_last():
    bench_only = lifter(9, name="Bench Only", lot=1)
    entries = [bench_only, lifter(1, [100]), lifter(2, [90])]
    assert ids(order(entries)) == [2, 1, 9]


# --- Tie-breaks (compareEntriesByAttempt) -----------------------------------------------------


def test_equal_weights_are_broken_by_lot_number():
    a, b = lifter(1, [100], lot=7, bw=60), lifter(2, [100], lot=3, bw=90)
    assert compare_entries_by_attempt(a, b, "S", 1) > 0
    assert ids(order([a, b])) == [2, 1]


def test_lot_is_ignored_unless_both_lifters_have_one():
    a, b = lifter(1, [100], lot=0, bw=60), lifter(2, [100], lot=3, bw=90)
    assert ids(order([b, a])) == [1, 2]


def test_equal_weights_are_broken_by_the_previous_attempt():
    # Both on 110 for the 2nd; lifter 2 opened lighter, so lifted first before and again now.
    a = lifter(1, [105, 110], [1, 0], bw=60)
    b = lifter(2, [100, 110], [1, 0], bw=90)
    assert ids(order([a, b])) == [2, 1]


def test_previous_attempts_are_checked_down_to_the_opener():
    a = lifter(1, [102.5, 110, 115], [1, 1, 0], bw=60)
    b = lifter(2, [100, 110, 115], [1, 1, 0], bw=90)
    assert compare_entries_by_attempt(a, b, "S", 3) > 0


def test_equal_openers_are_broken_by_lighter_bodyweight():
    a, b = lifter(1, [100], bw=82.3), lifter(2, [100], bw=81.9)
    assert ids(order([a, b])) == [2, 1]


def test_equal_everything_is_broken_by_name():
    a, b = lifter(1, [100], name="Zoe"), lifter(2, [100], name="Adam")
    assert ids(order([a, b])) == [2, 1]


def test_names_compare_as_utf16_code_units():
    # U+FF21 (fullwidth A) is above the surrogate pair of U+1F600 in UTF-16.
    a, b = lifter(1, [100], name="\uFF21"), lifter(2, [100], name="\U0001F600")
    assert ids(order([a, b])) == [2, 1]


def test_identical_entries_keep_their_input_order():
    a, b = lifter(1, [100], name="Same"), lifter(2, [100], name="Same")
    assert ids(order([a, b])) == [1, 2]
    assert ids(order([b, a])) == [2, 1]


def test_flight_order_page_sorts_by_opener_lot_bodyweight_name():
    entries = [lifter(1, [110]), lifter(2, [100], bw=90), lifter(3, [100], bw=70), lifter(4, [90])]
    assert [e.id for e in order_entries_by_attempt(entries, "S", 1)] == [4, 3, 2, 1]


# --- Current lifter --------------------------------------------------------------------------


def test_current_lifter_is_first_pending_in_order():
    entries = [lifter(1, [100], [1]), lifter(2, [110], [0]), lifter(3, [120], [0])]
    result = order(entries)
    assert ids(result) == [1, 2, 3]
    assert result.current_entry_id == 2


def test_entry_override_selects_the_current_lifter():
    entries = [lifter(1, [100], [0]), lifter(2, [110], [0])]
    assert order(entries, override_entry_id=2).current_entry_id == 2


def test_entry_override_may_select_an_already_judged_lifter():
    entries = [lifter(1, [100], [1]), lifter(2, [110], [0])]
    assert order(entries, override_entry_id=1).current_entry_id == 1


def test_entry_override_is_ignored_when_not_in_the_flight():
    entries = [lifter(1, [100], [0]), lifter(2, [110], [0])]
    assert order(entries, override_entry_id=999).current_entry_id == 1


def test_attempt_override_with_entry_override_keeps_that_lifter():
    # The footer's attempt selector also pins the current lifter.
    entries = [lifter(1, [100, 105], [1, 0]), lifter(2, [110], [0])]
    result = order(entries, override_attempt=1, override_entry_id=1)
    assert (result.attempt_one_indexed, result.current_entry_id) == (1, 1)


def test_flight_complete_has_no_current_or_next_lifter():
    entries = [lifter(1, [100, 105, 110], [1, 1, 1]), lifter(2, [100, 105, 110], [1, -1, -1])]
    result = order(entries)
    assert (result.current_entry_id, result.next_entry_id, result.next_attempt_one_indexed) == (None, None, None)


# --- Next lifter -----------------------------------------------------------------------------


def test_next_lifter_is_the_next_pending_on_the_same_attempt():
    entries = [lifter(1, [100]), lifter(2, [110], [-1]), lifter(3, [120])]
    result = order(entries)
    assert (result.current_entry_id, result.next_entry_id, result.next_attempt_one_indexed) == (1, 3, 1)


def test_next_lifter_wraps_around_to_the_next_attempt():
    entries = [lifter(1, [100, 105], [1, 0]), lifter(2, [110], [0])]
    result = order(entries)
    assert ids(result) == [1, 2]
    assert (result.current_entry_id, result.next_entry_id, result.next_attempt_one_indexed) == (2, 1, 2)


def test_next_lifter_wrap_only_looks_above_the_current_lifter():
    # Back on attempt 1 by override, both lifters have their 2nd pending.
    entries = [lifter(1, [100, 130], [1, 0]), lifter(2, [100, 135], [1, 0])]
    from_bottom = order(entries, override_attempt=1, override_entry_id=2)
    assert ids(from_bottom) == [1, 2]
    assert (from_bottom.next_entry_id, from_bottom.next_attempt_one_indexed) == (1, 2)
    from_top = order(entries, override_attempt=1, override_entry_id=1)
    assert (from_top.current_entry_id, from_top.next_entry_id) == (1, None)


def test_no_next_lifter_when_nobody_else_is_pending():
    entries = [lifter(1, [100]), lifter(2, [110], [1])]
    result = order(entries)
    assert (result.current_entry_id, result.next_entry_id) == (1, None)


def test_no_wrap_past_the_fifth_attempt():
    entries = [lifter(1, [100, 105, 110, 112.5, 115], [1, 1, 1, 1, 0]), lifter(2, [100], [1])]
    result = order(entries)
    assert (result.attempt_one_indexed, result.current_entry_id, result.next_entry_id) == (5, 1, None)


def test_out_of_range_attempt_override_does_not_raise():
    entries = [lifter(1, [100]), lifter(2, [100, 110], [1], lot=2), lifter(3, lot=1)]
    for attempt in (-3, 0, 6, 10**9):
        result = order(entries, override_attempt=attempt)
        assert result.attempt_one_indexed == attempt
        assert result.current_entry_id is None
        assert sorted(ids(result)) == [1, 2, 3]


def test_attempt_override_zero_reads_missing_slots_like_javascript():
    # Slot -1 is undefined, never 0: everyone without a 1st attempt lands in "this attempt".
    entries = [lifter(1, name="B"), lifter(2, [100], name="A"), lifter(3, name="A")]
    result = order(entries, override_attempt=0)
    assert ids(result) == [2, 3, 1]
    assert (result.current_entry_id, result.next_entry_id) == (None, None)


# --- Flight selection ------------------------------------------------------------------------


def test_entries_in_flight_filters_by_day_platform_and_flight_only():
    entries = [
        lifter(1, day=1, platform=1, flight="A", events=("B",)),
        lifter(2, day=1, platform=1, flight="B"),
        lifter(3, day=1, platform=2, flight="A"),
        lifter(4, day=2, platform=1, flight="A"),
        lifter(5, day=1, platform=1, flight="A"),
    ]
    assert [e.id for e in entries_in_flight(entries, Lifting(lift="S"))] == [1, 5]


def test_flights_on_platform_are_distinct_and_sorted():
    entries = [lifter(1, flight="C"), lifter(2, flight="A"), lifter(3, flight="C"), lifter(4, flight="B", platform=2)]
    assert flights_on_platform(entries, 1, 1) == ["A", "C"]


def test_projected_totals_are_used_until_second_attempt_deadlifts():
    assert use_projected_totals("S", 3) is True
    assert use_projected_totals("B", 4) is True
    assert use_projected_totals("D", 1) is True
    assert use_projected_totals("D", 2) is False
