"""The live view-model: states in, plain dicts out, facts from the OpenLifter rules."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from display_states import declare, demo_state, mark
from openlifter.rules.lifting_order import entries_in_flight, get_lifting_order
from openlifter.views.derive import bar_load, compute_views, lifting_view, meet_info, platforms, standings
from openlifter.rules.model import Lifting, entries_from_state
from openlifter.rules.points import display_points, get_points
from openlifter.rules.units import kg2lbs

ERIK, OSKAR, PIETER, LARS, JONAS, MAGNUS, ZOE, HENRIK, MAJA = 5007, 5004, 5002, 5003, 5001, 5000, 5005, 5006, 5013


def rules_order(state, day=1, platform=1, flight="A", lift="S"):
    lifting = Lifting(day=day, platform=platform, flight=flight, lift=lift)
    return get_lifting_order(entries_in_flight(entries_from_state(state), lifting), lifting)


# ---- half-filled states ----------------------------------------------------------------


@pytest.mark.parametrize("state", [
    {},
    {"meet": None, "registration": "x", "lifting": 7},
    {"registration": {"entries": [{}]}},
    {"registration": {"entries": [{"name": "Only a name"}]}, "lifting": {"lift": "Q", "overrideAttempt": 9}},
    {"registration": {"entries": [{"id": 1, "squatKg": [100], "squatStatus": [0]}]}, "lifting": {"overrideAttempt": 0}},
    {"meet": {"lengthDays": 10 ** 9, "platformsOnDays": [10 ** 9]}},
])
def test_odd_and_empty_states_give_complete_json(state):
    views = compute_views(state, 4)
    text = json.dumps(views.to_json(), allow_nan=False)
    assert views.seq == 4 and "lifting" in json.loads(text)
    assert len(views.platforms) <= 14 * 16 + 1
    assert lifting_view(state)["day"] >= 1 or lifting_view(state)["day"] <= 1
    standings(state)


def test_a_fresh_meet_shows_one_empty_platform():
    views = compute_views({})
    assert [(p["day"], p["platform"]) for p in views.platforms] == [(1, 1)]
    view = views.lifting_for()
    assert view["current"] is None and view["order"] == [] and not view["hasLifters"]
    assert views.standings["categories"] == []
    assert meet_info({})["unit"] == "kg"


# ---- the scoring table's platform ------------------------------------------------------------


def test_current_next_and_order_come_from_the_lifting_rules():
    state = demo_state()
    view = lifting_view(state, 1, 1)
    rules = rules_order(state)
    assert view["followsTable"] and view["flight"] == "A" and view["lift"] == "S"
    assert view["attempt"] == rules.attempt_one_indexed == 1
    assert view["current"]["id"] == rules.current_entry_id == ERIK
    assert view["next"]["id"] == rules.next_entry_id == OSKAR
    assert view["next"]["attempt"] == rules.next_attempt_one_indexed == 2
    assert [r["id"] for r in view["order"]] == [e.id for e in rules.ordered_entries]
    assert [r["id"] for r in view["order"] if r["isCurrent"]] == [ERIK]
    assert [r["id"] for r in view["order"] if r["isNext"]] == [OSKAR]


def test_upcoming_lifters_continue_with_the_next_attempt_in_declared_order():
    view = lifting_view(demo_state(), 1, 1)
    # Nobody else has a 1st squat left; those who declared a 2nd follow by weight, lot breaking the 220 tie.
    assert [(u["id"], u["attempt"]) for u in view["upcoming"]] == [
        (OSKAR, 2), (PIETER, 2), (LARS, 2), (JONAS, 2), (MAGNUS, 2)]
    assert view["upcoming"][0]["id"] == view["next"]["id"]


def test_current_lifter_card_has_weights_units_attempts_and_rack():
    current = lifting_view(demo_state())["current"]
    assert current["name"] == "Erik Sandberg"
    assert current["division"] == "Masters 1" and current["weightClassText"] == "\u221293 kg"
    assert current["liftName"] == "Squat" and current["attemptLabel"] == "1st attempt"
    assert current["weight"] == {"kg": 230, "text": "230", "unit": "kg", "altText": "507", "altUnit": "lb", "showAlt": True}
    assert current["rack"] == "12"
    assert [(a["text"], a["result"]) for a in current["attempts"]] == [("230", "pending"), ("", "none"), ("", "none")]


def test_judged_attempts_are_coloured_by_result():
    rows = {r["id"]: r for r in lifting_view(demo_state())["order"]}
    assert [a["result"] for a in rows[PIETER]["attempts"]["S"]] == ["fail", "pending", "none"]
    assert [a["result"] for a in rows[MAGNUS]["attempts"]["S"]] == ["good", "pending", "none"]
    assert rows[MAGNUS]["best"]["S"] == {"kg": 240, "text": "240", "result": "good"}
    assert rows[PIETER]["best"]["S"]["result"] == "fail"


def test_bar_load_uses_the_meet_plates_and_bar():
    load = lifting_view(demo_state())["barLoad"]
    assert [p["label"] for p in load["plates"]] == ["25", "25", "25", "25", "2.5"]
    assert [p["background"] for p in load["plates"]] == ["#FF0000"] * 4 + ["#000000"]
    assert load["perSideText"] == "25 + 25 + 25 + 25 + 2.5"
    assert load["barText"] == "25 kg" and load["loadable"] and load["rack"] == "12"


def test_next_bar_load_marks_plates_already_on_the_bar():
    state = demo_state()
    # After Erik's 230 the next is Oskar's 212.5: lighter, so the loaders strip the bar.
    assert not any(p["alreadyLoaded"] for p in lifting_view(state)["nextBarLoad"]["plates"])
    declare(state, ERIK, "S", 1, 200)
    view = lifting_view(state)
    assert view["next"]["weight"]["kg"] == 212.5
    loaded = [p["label"] for p in view["nextBarLoad"]["plates"] if p["alreadyLoaded"]]
    assert loaded == ["25", "25", "25", "2.5"]  # only the 10 and the 1.25 go on


def test_an_unloadable_weight_shows_the_remainder():
    load = bar_load(demo_state(), "S", 230.1)
    assert not load["loadable"] and load["plates"][-1]["isError"]


def test_plate_colours_that_are_not_colours_are_replaced():
    state = demo_state()
    state["meet"]["plates"][1]["color"] = "red;background:url(http://x)"
    load = lifting_view(state)["barLoad"]
    assert all(p["background"].startswith("#") and ";" not in p["background"] for p in load["plates"])


def test_marking_the_current_attempt_moves_to_the_next_lifter():
    state = demo_state()
    mark(state, ERIK, "S", 1, True)
    view = lifting_view(state)
    assert view["attempt"] == 2
    assert view["current"]["id"] == OSKAR and view["current"]["weight"]["text"] == "212.5"
    assert view["current"]["attempts"][0] == {"attempt": 1, "kg": 200, "text": "200", "result": "good"}


def test_the_overridden_lifter_is_current():
    state = demo_state()
    state["lifting"]["overrideEntryId"] = HENRIK
    assert lifting_view(state)["current"]["id"] == HENRIK


def test_a_declared_fourth_attempt_adds_a_column():
    state = demo_state()
    for attempt, status in ((2, 1), (3, 1)):
        declare(state, HENRIK, "S", attempt, 265 + attempt * 5)
        mark(state, HENRIK, "S", attempt, status == 1)
    declare(state, HENRIK, "S", 4, 285)
    view = lifting_view(state)
    assert view["attemptColumns"] == {"S": 4, "B": 3, "D": 3}
    assert all(len(r["attempts"]["S"]) == 4 for r in view["order"])


def test_a_whole_flight_played_keeps_the_view_on_the_rules():
    """Judge every pending attempt in order, each good lift followed by +5 kg: at each
    step the view's current, next and first upcoming lifter are the rules' own."""
    state = demo_state()
    declare(state, HENRIK, "S", 2, 275)
    declare(state, ZOE, "S", 2, 180)
    steps = 0
    while True:
        view = lifting_view(state)
        rules = rules_order(state)
        assert (view["current"] or {}).get("id") == rules.current_entry_id
        assert (view["next"] or {}).get("id") == rules.next_entry_id
        if view["upcoming"]:
            assert view["upcoming"][0]["id"] == rules.next_entry_id
        if view["current"] is None:
            break
        lifter, attempt = view["current"]["id"], view["attempt"]
        good = (lifter + attempt) % 3 != 0
        mark(state, lifter, "S", attempt, good)
        if attempt < 3:
            kg = view["current"]["weight"]["kg"] + (5 if good else 0)
            declare(state, lifter, "S", attempt + 1, kg)
        steps += 1
        assert steps < 40
    assert view["flightComplete"] and view["attempt"] == 3
    assert all(sum(1 for a in r["attempts"]["S"] if a["result"] in ("good", "fail")) == 3 for r in view["order"])


# ---- other platforms -------------------------------------------------------------------------


def test_another_platform_shows_its_own_flight():
    view = lifting_view(demo_state(), 1, 2)
    assert not view["followsTable"] and view["flight"] == "A" and view["lift"] == "S"
    assert view["current"]["id"] == MAJA
    assert [r["id"] for r in view["order"]] == [e.id for e in rules_order(demo_state(), platform=2).ordered_entries]


def test_another_platform_moves_to_the_next_flight_once_one_is_done():
    state = demo_state()
    for entry in state["registration"]["entries"]:
        if entry["platform"] == 2:
            entry["squatKg"] = [100, 105, 110, 0, 0]
            entry["squatStatus"] = [1, 1, -1, 0, 0]
    extra = copy.deepcopy(state["registration"]["entries"][-1])
    extra.update(id=5020, name="Flight B Lifter", flight="B", squatKg=[100, 0, 0, 0, 0], squatStatus=[0] * 5)
    state["registration"]["entries"].append(extra)
    state["registration"]["lookup"]["5020"] = len(state["registration"]["entries"]) - 1
    view = lifting_view(state, 1, 2)
    assert (view["flight"], view["lift"], view["current"]["id"]) == ("B", "S", 5020)
    # A flight between rounds (2nd attempts judged, 3rd not yet declared) is still on.
    for entry in state["registration"]["entries"]:
        if entry["platform"] == 2 and entry["flight"] == "A":
            entry["squatKg"] = [100, 105, 0, 0, 0]
            entry["squatStatus"] = [1, 1, 0, 0, 0]
    assert lifting_view(state, 1, 2)["flight"] == "A"


def test_a_platform_follows_its_own_shared_lifting_state():
    state = demo_state()
    state["live"] = {"lifting": {"d1p2": {"day": 9, "platform": 9, "flight": "A", "lift": "B", "overrideEntryId": 5011}}}
    view = lifting_view(state, 1, 2)
    assert view["followsTable"] and (view["day"], view["platform"], view["lift"]) == (1, 2, "B")  # the key names the platform
    assert view["current"]["id"] == 5011
    assert lifting_view(state, 1, 1)["lift"] == "S"  # platform 1 still follows ``lifting``


def test_a_platforms_own_lifting_state_wins_over_lifting():
    state = demo_state()
    state["live"] = {"lifting": {"d1p1": {"flight": "A", "lift": "D"}}}
    assert lifting_view(state, 1, 1)["lift"] == "D" and compute_views(state).lifting_for(1, 1)["lift"] == "D"


def test_a_platform_with_only_a_shared_lifting_state_is_listed():
    state = demo_state()
    state["live"] = {"lifting": {"d1p3": {"flight": "A"}, "nonsense": {}, "d0p1": {}, "d1p99999": {}}}
    assert [p["id"] for p in platforms(state)] == ["1-1", "1-2", "1-3"]


def test_platforms_come_from_the_setup_and_the_entries():
    state = demo_state()
    assert [(p["day"], p["platform"], p["isTable"]) for p in platforms(state)] == [(1, 1, True), (1, 2, False)]
    state["registration"]["entries"][0]["day"] = 2
    assert (2, 1) in [(p["day"], p["platform"]) for p in platforms(state)]
    assert compute_views(state).lifting_for(5, 5) is None


# ---- units ---------------------------------------------------------------------------------


def test_a_pounds_meet_shows_pounds_first_and_classes_in_pounds():
    state = demo_state()
    state["meet"]["inKg"] = False
    state["meet"]["plates"] = None  # the lbs defaults
    for entry in state["registration"]["entries"]:
        entry["squatKg"] = [round(w / 2.20462262, 4) if w else 0 for w in (507.5, 0, 0, 0, 0)]
        entry["squatStatus"] = [0] * 5
    current = lifting_view(state)["current"]
    assert current["weight"]["unit"] == "lb" and current["weight"]["text"] == "507.5"
    assert current["weight"]["altUnit"] == "kg" and current["weight"]["altText"] == "230.2"
    assert current["weightClassText"].endswith(" lb")
    assert all(p["background"] == "#575757" for p in lifting_view(state)["barLoad"]["plates"] if not p["isError"])


def test_without_alternate_units_the_card_says_so():
    state = demo_state()
    state["meet"]["showAlternateUnits"] = False
    assert lifting_view(state)["current"]["weight"]["showAlt"] is False
    assert compute_views(state).meet["altUnit"] is None


# ---- standings --------------------------------------------------------------------------------


def test_standings_are_projected_during_squats_with_places_and_points():
    result = standings(demo_state())
    assert result["projected"] and result["formula"] == "Dots"
    by_title = {c["title"]: c for c in result["categories"]}
    open93 = by_title["Open · Men \u221293 kg"]
    assert [(r["place"], r["name"], r["totalText"]) for r in open93["rows"]] == [
        ("1", "Magnus Halvorsen", "690"), ("2", "Jonas Eriksson", "665")]
    expected = get_points("Dots", "M", "Sleeves", "SBD", 92.4, 690, True)
    assert open93["rows"][0]["pointsText"] == display_points(expected)
    assert open93["subtitle"] == "Sleeves · Full Power"
    # Pieter failed his opener and has no good squat: no projected total, not listed.
    masters105 = by_title["Masters 1 · Men \u2212105 kg"]
    assert masters105["rows"] == [] and masters105["entryIds"] == [PIETER]


def test_final_standings_list_only_lifters_with_a_total():
    state = demo_state()
    assert all(c["rows"] == [] for c in standings(state, projected=False)["categories"])
    entry = state["registration"]["entries"][0]
    entry.update(benchKg=[160, 0, 0, 0, 0], benchStatus=[1, 0, 0, 0, 0])
    entry.update(deadliftKg=[290, 0, 0, 0, 0], deadliftStatus=[1, 0, 0, 0, 0])
    rows = [r for c in standings(state, projected=False)["categories"] for r in c["rows"]]
    assert [(r["name"], r["totalText"]) for r in rows] == [("Magnus Halvorsen", "690")]


def test_standings_follow_the_table_into_final_totals_from_second_deadlifts():
    state = demo_state()
    state["lifting"]["lift"] = "D"
    assert standings(state)["projected"] is True  # 1st deadlifts pending
    for entry in state["registration"]["entries"]:
        entry["deadliftStatus"] = [1, 0, 0, 0, 0]
    declare(state, MAGNUS, "D", 2, 300)
    assert lifting_view(state)["attempt"] == 2
    assert standings(state)["projected"] is False
    assert compute_views(state).standings["projected"] is False


def test_guests_show_g():
    state = demo_state()
    state["registration"]["entries"][1]["guest"] = True  # Jonas
    open93 = next(c for c in standings(state)["categories"] if c["title"] == "Open · Men \u221293 kg")
    assert [(r["place"], r["name"]) for r in open93["rows"]] == [("1", "Magnus Halvorsen"), ("G", "Jonas Eriksson")]


def test_category_of_prefers_the_first_division():
    state = demo_state()
    state["registration"]["entries"][0]["divisions"] = ["Open", "Masters 1"]
    views = compute_views(state)
    assert views.category_of(MAGNUS, "Open")["division"] == "Open"
    assert views.category_of(MAGNUS, "Masters 1")["division"] == "Masters 1"
    assert views.category_of(None) is None


def test_views_are_one_computation_of_every_platform():
    state = demo_state()
    views = compute_views(state, 9)
    assert views.lifting_for()["current"]["id"] == ERIK
    assert views.lifting_for(1, 2)["current"]["id"] == MAJA
    assert views.standings == standings(state)
    assert [v["id"] for v in views.to_json()["lifting"]] == ["1-1", "1-2"]


# ---- whatever the clients send, the views hold ---------------------------------------------


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10 ** 6) | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
entry_values = st.fixed_dictionaries({}, optional={
    "id": json_values | st.integers(0, 20), "day": st.integers(-1, 3) | json_values, "platform": st.integers(-1, 3),
    "flight": st.sampled_from(["A", "B", ""]) | json_values, "name": st.text(max_size=8),
    "sex": st.sampled_from(["M", "F", "Mx", "?"]),
    "divisions": st.lists(st.sampled_from(["Open", "", "J"]), max_size=2) | json_values,
    "events": st.lists(st.sampled_from(["SBD", "B", "SD", "X"]), max_size=2),
    "bodyweightKg": st.floats(-10, 300) | json_values, "lot": st.integers(-2, 5), "guest": st.booleans(),
    "equipment": st.sampled_from(["Sleeves", "Raw", "Single-ply"]),
    "squatKg": st.lists(st.floats(-50, 400) | st.sampled_from([0, 100, 102.5]), max_size=6) | json_values,
    "squatStatus": st.lists(st.sampled_from([-1, 0, 1, 2]), max_size=6) | json_values,
    "benchKg": st.lists(st.sampled_from([0, 60, 1e308]), max_size=5),
    "benchStatus": st.lists(st.sampled_from([-1, 0, 1]), max_size=5),
    "deadliftKg": st.lists(st.sampled_from([0, 100, 150.25]), max_size=5),
    "deadliftStatus": st.lists(st.sampled_from([-1, 0, 1]), max_size=5),
})
states = st.fixed_dictionaries({}, optional={
    "meet": st.fixed_dictionaries({}, optional={
        "inKg": st.booleans() | json_values, "showAlternateUnits": st.booleans(),
        "formula": st.sampled_from(["Wilks", "Dots", "IPF GL Points", "Total", "Bodyweight Multiple", "nope"]),
        "platformsOnDays": st.lists(st.integers(-3, 4), max_size=3) | json_values, "lengthDays": st.integers(-1, 4),
        "weightClassesKgMen": st.lists(st.floats(1, 200), max_size=3) | json_values,
        "plates": st.lists(st.fixed_dictionaries({"weightKg": st.floats(-5, 60) | json_values, "pairCount": st.integers(-1, 9),
                                                  "color": st.text(max_size=8)}), max_size=4) | json_values,
        "squatBarAndCollarsWeightKg": st.floats(-5, 400) | json_values,
    }) | json_values,
    "registration": (
        st.fixed_dictionaries({"entries": st.lists(entry_values, max_size=6)}, optional={"lookup": json_values}) | json_values
    ),
    "lifting": st.fixed_dictionaries({}, optional={
        "day": st.integers(0, 3) | json_values, "platform": st.integers(0, 3), "flight": st.sampled_from(["A", "B"]),
        "lift": st.sampled_from(["S", "B", "D", "X"]), "overrideAttempt": st.integers(-1, 7) | st.none(),
        "overrideEntryId": st.integers(0, 20) | st.none(),
    }) | json_values,
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(states)
def test_any_state_gives_views_without_raising(state):
    from openlifter.views.pages import encode

    views = compute_views(state, 1)
    json.loads(encode(views.to_json()))
    for pair in views.lifting:
        lifting_view(state, *pair)


def test_alternate_unit_weight_matches_the_left_card_rule():
    state = demo_state()
    declare(state, ERIK, "S", 1, 232.5)
    weight = lifting_view(state)["current"]["weight"]
    assert (weight["text"], weight["altText"]) == ("232.5", "512.5")  # 512.57 truncated to one place
    assert kg2lbs(232.5) > 512.5
