"""SPEC 4.1: each platform's scoring table shares its lifting under live.lifting.d<day>p<platform>,
and the views of that platform follow it (before ``lifting``, before any guess)."""

from __future__ import annotations

from display_states import demo_state, mark
from openlifter.views.derive import compute_views, lifting_view, platforms
from openlifter.views.derive import live_lifting_from_state

MAJA, INGRID, ERIK = 5013, 5010, 5007


def shared(day: int, platform: int, **lifting) -> dict:
    return {f"d{day}p{platform}": {"day": day, "platform": platform, "flight": "A", "lift": "S",
                                   "overrideAttempt": None, "overrideEntryId": None, **lifting}}


def test_a_platform_follows_its_own_shared_lifting_not_the_guess():
    state = demo_state()
    state["live"] = {"lifting": shared(1, 2, lift="B")}
    view = lifting_view(state, 1, 2)
    assert view["followsTable"] and view["source"] == "live"
    assert view["lift"] == "B" and view["attempt"] == 1


def test_shared_lifting_of_a_platform_wins_over_the_lifting_slice():
    state = demo_state()
    state["live"] = {"lifting": shared(1, 1, lift="D")}
    view = lifting_view(state, 1, 1)
    assert view["source"] == "live" and view["lift"] == "D"


def test_the_lifting_slice_still_drives_its_platform_without_shared_lifting():
    view = lifting_view(demo_state(), 1, 1)
    assert view["source"] == "lifting" and view["lift"] == "S"


def test_the_key_names_the_platform_whatever_the_object_says():
    state = demo_state()
    state["live"] = {"lifting": {"d1p2": {"day": 1, "platform": 1, "flight": "A", "lift": "D"}}}
    assert set(live_lifting_from_state(state)) == {(1, 2)}
    assert live_lifting_from_state(state)[(1, 2)].platform == 2
    assert lifting_view(state, 1, 1)["lift"] == "S"  # platform 1 is not steered by d1p2


def test_an_override_in_shared_lifting_picks_the_current_lifter():
    state = demo_state()
    state["live"] = {"lifting": shared(1, 2, overrideEntryId=MAJA, overrideAttempt=1)}
    assert lifting_view(state, 1, 2)["current"]["id"] == MAJA


def test_two_platforms_each_follow_their_own_table():
    state = demo_state()
    state["live"] = {"lifting": {**shared(1, 1, lift="B"), **shared(1, 2, lift="D")}}
    views = compute_views(state, 1)
    assert views.lifting_for(1, 1)["lift"] == "B"
    assert views.lifting_for(1, 2)["lift"] == "D"


def test_a_judged_attempt_moves_the_followed_platform_on():
    state = demo_state()
    state["live"] = {"lifting": shared(1, 2)}
    before = lifting_view(state, 1, 2)["current"]["id"]
    mark(state, before, "S", lifting_view(state, 1, 2)["attempt"], True)
    assert lifting_view(state, 1, 2)["current"]["id"] != before


def test_bad_shared_keys_and_values_are_ignored():
    state = demo_state()
    state["live"] = {"lifting": {"d0p1": {}, "d1p99999": {}, "x": {}, "d1p2": 7, "d01p2": {}}}
    assert live_lifting_from_state(state) == {}
    assert len(compute_views(state).platforms) == len(platforms(demo_state()))


def test_a_shared_lifting_adds_its_platform_to_the_meet():
    state = demo_state()
    state["live"] = {"lifting": shared(2, 1)}
    assert (2, 1) in [(p["day"], p["platform"]) for p in platforms(state)]
