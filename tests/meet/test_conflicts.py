"""The conflict rule of SPEC section 2, one behaviour per test."""

import time

from openlifter.meet.budget import WorkBudget
from openlifter.meet.meet import Endpoint, Meet, MeetLimits, Update
from openlifter.meet.keys import parse_key

ENDPOINTS = [Endpoint("Director", 10), Endpoint("Platform", 5), Endpoint("Weigh-in", 5), Endpoint("Announcer", 1)]


def make_meet() -> Meet:
    return Meet("123456789", ENDPOINTS)


def upd(key, value, local=1, after=0):
    return Update(key, parse_key(key), value, local, after)


def apply(meet, location, *updates):
    return meet.apply_batch(location, f"session-{location}", list(updates), now=0.0)


def test_update_with_no_concurrent_rival_is_accepted():
    meet = make_meet()
    out = apply(meet, "Platform", upd("meet.name", "A"))
    assert out.acks == [(1, 1)] and not out.rejections


def test_lower_priority_update_after_a_rival_is_rejected_with_the_server_value():
    meet = make_meet()
    apply(meet, "Platform", upd("registration.entries[0].bodyweightKg", 80))
    out = apply(meet, "Announcer", upd("registration.entries[0].bodyweightKg", 81, after=0))
    [rejection] = out.rejections
    assert rejection.conflict is True
    assert rejection.server_value == 80 and rejection.server_seq == 1
    assert meet.head == 1


def test_higher_priority_overrules():
    meet = make_meet()
    apply(meet, "Platform", upd("lifting.flight", "B"))
    out = apply(meet, "Director", upd("lifting.flight", "C", after=0))
    assert out.acks == [(1, 2)] and out.overruled == 1
    assert meet.state["lifting"]["flight"] == "C"


def test_equal_priority_keeps_what_the_server_holds():
    meet = make_meet()
    apply(meet, "Platform", upd("lifting.flight", "B"))
    out = apply(meet, "Weigh-in", upd("lifting.flight", "C", after=0))
    assert out.rejections and meet.state["lifting"]["flight"] == "B"


def test_identical_value_is_not_a_conflict():
    meet = make_meet()
    apply(meet, "Director", upd("lifting.flight", "B"))
    out = apply(meet, "Announcer", upd("lifting.flight", "B", after=0))
    assert out.acks == [(1, 2)]


def test_updates_from_the_same_location_never_conflict():
    meet = make_meet()
    apply(meet, "Director", upd("lifting.flight", "B"))
    out = apply(meet, "Director", upd("lifting.flight", "C", local=2, after=0))
    assert out.acks == [(2, 2)]


def test_rival_before_after_server_seq_is_not_concurrent():
    meet = make_meet()
    apply(meet, "Director", upd("lifting.flight", "B"))
    out = apply(meet, "Announcer", upd("lifting.flight", "C", after=1))
    assert out.acks == [(1, 2)]


def test_parent_key_overlaps_child_key():
    meet = make_meet()
    apply(meet, "Platform", upd("registration.entries[3].name", "Ann"))
    out = apply(meet, "Announcer", upd("registration.entries[3]", {"name": "Bob"}, after=0))
    assert out.rejections[0].server_seq == 1
    assert out.rejections[0].server_value == {"name": "Ann"}


def test_child_key_overlaps_parent_key():
    meet = make_meet()
    apply(meet, "Platform", upd("registration.entries[3]", {"name": "Ann"}))
    out = apply(meet, "Announcer", upd("registration.entries[3].name", "Bob", after=0))
    assert out.rejections and out.rejections[0].server_value == "Ann"


def test_index_prefix_of_digits_does_not_overlap():
    meet = make_meet()
    apply(meet, "Platform", upd("registration.entries[3].name", "Ann"))
    out = apply(meet, "Announcer", upd("registration.entries[31].name", "Bob", after=0))
    assert out.acks == [(1, 2)]


def test_whole_object_holding_the_same_value_is_not_a_conflict():
    meet = make_meet()
    apply(meet, "Platform", upd("registration.entries[3].name", "Ann"))
    out = apply(meet, "Announcer", upd("registration.entries[3]", {"name": "Ann"}, after=0))
    assert out.acks == [(1, 2)]


def test_highest_rival_priority_decides():
    meet = make_meet()
    apply(meet, "Announcer", upd("lifting.lift", "B"))
    apply(meet, "Director", upd("lifting.lift", "D"))
    out = apply(meet, "Platform", upd("lifting.lift", "S", after=0))
    assert out.rejections and out.rejections[0].server_seq == 2


def test_batch_mixing_accepted_and_rejected_answers_each_update_once():
    meet = make_meet()
    apply(meet, "Director", upd("lifting.flight", "B"))
    out = apply(meet, "Announcer", upd("lifting.flight", "C", local=1), upd("lifting.lift", "B", local=2))
    assert [r.local_seq for r in out.rejections] == [1]
    assert out.acks == [(2, 2)]


def test_rejected_update_reports_latest_overlapping_seq_not_the_head():
    meet = make_meet()
    apply(meet, "Director", upd("lifting.flight", "B"))
    apply(meet, "Director", upd("meet.name", "X", local=2))
    out = apply(meet, "Announcer", upd("lifting.flight", "C", after=0))
    assert meet.head == 2 and out.rejections[0].server_seq == 1


def test_resent_update_is_acknowledged_again_not_applied_twice():
    meet = make_meet()
    apply(meet, "Director", upd("meet.name", "X", local=7))
    out = apply(meet, "Director", upd("meet.name", "X", local=7))
    assert out.acks == [(7, 1)] and meet.head == 1


def test_update_after_a_seq_the_server_does_not_have_is_refused_without_conflict():
    meet = make_meet()
    out = apply(meet, "Director", upd("meet.name", "X", after=5))
    assert out.rejections[0].conflict is False and meet.head == 0


def test_rule_scales_with_recent_history_not_log_length():
    meet = make_meet()
    for i in range(20000):
        apply(meet, "Platform", upd(f"registration.entries[{i % 500}].bodyweightKg", i, local=i + 1, after=i))
    history = meet.history
    visited = list(history.overlapping_since(parse_key("registration"), 19990, WorkBudget(10000)))
    assert len(visited) == 10


# ---- judging costs bounded work ---------------------------------------------------------


def _meet_with_subtree(entries: int) -> Meet:
    meet = make_meet()
    for start in range(0, entries, 1000):
        batch = [upd(f"x.k{i}", i, local=i + 1, after=i) for i in range(start, min(start + 1000, entries))]
        apply(meet, "Platform", *batch)
    return meet


def _judge_seconds(meet: Meet, rounds: int = 30) -> float:
    started = time.perf_counter()
    for local in range(1, rounds + 1):
        out = apply(meet, "Announcer", upd("x", {"other": local}, local=local, after=0))
        assert out.rejections  # the rule still holds: the Platform wrote there since
    return time.perf_counter() - started


def test_judging_an_update_costs_no_more_over_a_ten_times_larger_subtree():
    # Both are past the default work budget; walking the whole subtree made it 10x.
    large, huge = _meet_with_subtree(2500), _meet_with_subtree(25000)
    ratios = []
    for _ in range(3):  # measured side by side, best of three (a shared machine)
        ratios.append(_judge_seconds(huge) / _judge_seconds(large))
    assert min(ratios) < 3, ratios


def test_past_the_work_budget_a_location_that_wrote_there_counts_as_a_rival():
    meet = Meet("123456789", ENDPOINTS, limits=MeetLimits(conflict_check_steps=50))
    apply(meet, "Platform", *[upd(f"x.k{i}", i, local=i + 1) for i in range(100)])
    same = {f"k{i}": i for i in range(100)}  # identical, but too much to compare within 50 steps
    out = apply(meet, "Announcer", upd("x", same, after=0))
    assert out.rejections and out.rejections[0].conflict is True


def test_past_the_work_budget_a_higher_priority_update_still_overrules():
    meet = Meet("123456789", ENDPOINTS, limits=MeetLimits(conflict_check_steps=50))
    apply(meet, "Platform", *[upd(f"x.k{i}", i, local=i + 1) for i in range(100)])
    out = apply(meet, "Director", upd("x", {"new": 1}, after=0))
    assert out.acks == [(1, 101)] and out.overruled == 1


def test_past_the_work_budget_own_updates_are_still_no_rivals():
    meet = Meet("123456789", ENDPOINTS, limits=MeetLimits(conflict_check_steps=50))
    apply(meet, "Announcer", *[upd(f"x.k{i}", i, local=i + 1) for i in range(100)])
    out = apply(meet, "Announcer", upd("x", {"new": 1}, local=500, after=0))
    assert out.acks == [(500, 101)]
