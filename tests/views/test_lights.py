"""Referee lights of a platform (``live.decisions.d<day>p<platform>.<position>``,
views/lights.py): shown together once all three referees have decided on one attempt."""

from __future__ import annotations

from display_states import demo_state
from openlifter.views.derive import compute_views
from openlifter.views.lights import lights_view


def decision(decision: str, entry: int = 5007, lift: str = "S", attempt: int = 1, card: str | None = None) -> dict:
    return {"entryId": entry, "lift": lift, "attempt": attempt, "decision": decision, "card": card}


def shown(view: dict) -> list:
    return [(p["position"], p["decided"], p["decision"], p["card"]) for p in view["positions"]]


def test_two_decisions_show_who_has_decided_but_not_what():
    view = lights_view({"left": decision("good"), "right": decision("bad")})
    assert view["complete"] is False and view["majority"] is None
    assert shown(view) == [("left", True, None, None), ("head", False, None, None), ("right", True, None, None)]


def test_three_decisions_on_one_attempt_show_the_lights_and_the_majority():
    view = lights_view({"left": decision("good"), "head": decision("bad", card="blue"), "right": decision("good")})
    assert (view["complete"], view["majority"], view["goodCount"]) == (True, "good", 2)
    assert (view["entryId"], view["lift"], view["attempt"]) == (5007, "S", 1)
    assert shown(view) == [("left", True, "good", None), ("head", True, "bad", "blue"), ("right", True, "good", None)]


def test_two_red_lights_are_a_no_lift():
    view = lights_view({"left": decision("bad"), "head": decision("bad"), "right": decision("good")})
    assert (view["majority"], view["goodCount"]) == ("bad", 1)


def test_decisions_on_different_attempts_do_not_show():
    view = lights_view({"left": decision("good"), "head": decision("good"), "right": decision("good", attempt=2)})
    assert view["complete"] is False


def test_a_card_only_goes_with_a_no_lift():
    view = lights_view({"left": decision("good", card="red"), "head": decision("bad", card="green"), "right": decision("bad", card="yellow")})
    assert [p["card"] for p in view["positions"]] == [None, None, "yellow"]


def test_what_is_not_a_decision_counts_as_none():
    for junk in (None, "good", 1, {"decision": "good"}, decision("maybe"), decision("good", lift="X"), decision("good", attempt=0),
                 {**decision("good"), "entryId": True}, {**decision("good"), "attempt": 1.5}):
        view = lights_view({"left": junk, "head": decision("good"), "right": decision("good")})
        assert view["complete"] is False and view["positions"][0]["decided"] is False, junk
    assert lights_view("junk")["complete"] is False


def test_each_platform_shows_its_own_lights():
    state = demo_state()
    state["live"] = {"decisions": {"d1p2": {"left": decision("good"), "head": decision("good"), "right": decision("bad")}}}
    views = compute_views(state)
    assert views.lifting_for(1, 2)["lights"]["complete"] is True
    assert views.lifting_for(1, 1)["lights"]["complete"] is False
