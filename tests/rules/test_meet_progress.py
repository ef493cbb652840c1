"""A small meet played attempt by attempt through the JSON state, as OpenLifter would see it.

Five men in one flight, SBD, division "Open", classes 83/93/105 kg. Bjorn and Dag
open with the same weights (lot decides), Arno and Cato finish on the same total
(bodyweight decides), Eirik bombs out on deadlifts, and Cato takes a 4th squat
that OpenLifter does not advance to by itself.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from openlifter.rules.barload import left_card_loadings, plate_views
from openlifter.rules.lifting_order import entries_in_flight, get_lifting_order
from openlifter.rules.model import entries_from_state, lifting_from_state, meet_from_state
from openlifter.rules.results import (
    category_points,
    final_total_kg,
    get_results,
    is_bombed_out,
    lifting_table_places,
    lifting_table_points,
    opl_place,
    points_text,
    results_page_rows,
)
from openlifter.rules.units import attempt_weight_text

ARNO, BJORN, CATO, DAG, EIRIK = 1, 2, 3, 4, 5
FIELDS = {"S": ("squatKg", "squatStatus"), "B": ("benchKg", "benchStatus"), "D": ("deadliftKg", "deadliftStatus")}


def new_state():
    lifters = [(ARNO, "Arno", 90.0, 3), (BJORN, "Bjorn", 88.0, 1), (CATO, "Cato", 92.0, 5),
               (DAG, "Dag", 88.0, 2), (EIRIK, "Eirik", 100.0, 4)]
    entries = [
        {"id": i, "day": 1, "platform": 1, "flight": "A", "name": name, "sex": "M", "equipment": "Sleeves",
         "divisions": ["Open"], "events": ["SBD"], "lot": lot, "bodyweightKg": bw,
         "squatKg": [0] * 5, "benchKg": [0] * 5, "deadliftKg": [0] * 5,
         "squatStatus": [0] * 5, "benchStatus": [0] * 5, "deadliftStatus": [0] * 5}
        for i, name, bw, lot in lifters
    ]
    lookup = {str(e["id"]): n for n, e in enumerate(entries)}
    return {
        "meet": {"name": "Test", "weightClassesKgMen": [83, 93, 105], "formula": "Total", "inKg": True},
        "registration": {"nextEntryId": 6, "entries": entries, "lookup": lookup},
        "lifting": {"day": 1, "platform": 1, "flight": "A", "lift": "S",
                    "overrideAttempt": None, "overrideEntryId": None},
    }


def raw_entry(state, entry_id):
    return state["registration"]["entries"][state["registration"]["lookup"][str(entry_id)]]


def now(state):
    entries = entries_from_state(state)
    lifting = lifting_from_state(state)
    return get_lifting_order(entries_in_flight(entries, lifting), lifting)


def declare(state, entry_id, attempt, kg, lift=None):
    """ENTER_ATTEMPT."""
    raw_entry(state, entry_id)[FIELDS[lift or state["lifting"]["lift"]][0]][attempt - 1] = kg


def openers(state, lift, weights):
    """SET_LIFTING_GROUP to a new lift (clears overrides), then the openers."""
    state["lifting"].update(lift=lift, flight="A", overrideAttempt=None, overrideEntryId=None)
    for entry_id, kg in weights.items():
        declare(state, entry_id, 1, kg)


def lift(state, entry_id, good, next_kg=None):
    """The current lifter must be ``entry_id``; MARK_LIFT, then the next attempt is declared."""
    order = now(state)
    assert order.current_entry_id == entry_id
    attempt = order.attempt_one_indexed
    raw_entry(state, entry_id)[FIELDS[state["lifting"]["lift"]][1]][attempt - 1] = 1 if good else -1
    state["lifting"].update(overrideAttempt=None, overrideEntryId=None)
    if next_kg is not None:
        declare(state, entry_id, attempt + 1, next_kg)


def ids(order):
    return [e.id for e in order.ordered_entries]


def places(state):
    entries = entries_from_state(state)
    order = now(state)
    return lifting_table_places(entries, meet_from_state(state), state["lifting"]["lift"], order.attempt_one_indexed)


def test_whole_meet_played_attempt_by_attempt():
    state = new_state()

    # ---- Squat, 1st attempts: Bjorn and Dag both open at 180; lot 1 beats lot 2.
    openers(state, "S", {ARNO: 200, BJORN: 180, CATO: 210, DAG: 180, EIRIK: 220})
    order = now(state)
    assert (order.attempt_one_indexed, ids(order)) == (1, [BJORN, DAG, ARNO, CATO, EIRIK])
    assert (order.current_entry_id, order.next_entry_id, order.next_attempt_one_indexed) == (BJORN, DAG, 1)

    lift(state, BJORN, True, 190)
    order = now(state)
    assert ids(order) == [BJORN, DAG, ARNO, CATO, EIRIK]  # Bjorn moves to the top group
    assert (order.current_entry_id, order.next_entry_id) == (DAG, ARNO)

    lift(state, DAG, False, 180)
    assert ids(now(state)) == [DAG, BJORN, ARNO, CATO, EIRIK]  # 180 < 190 for the 2nd
    lift(state, ARNO, True, 210)
    lift(state, CATO, True, 220)
    order = now(state)
    assert (order.current_entry_id, order.next_entry_id, order.next_attempt_one_indexed) == (EIRIK, DAG, 2)
    lift(state, EIRIK, False, 220)

    # ---- Squat, 2nd attempts: Cato and Eirik both at 220; Eirik's lot 4 beats Cato's 5.
    order = now(state)
    assert (order.attempt_one_indexed, ids(order)) == (2, [DAG, BJORN, ARNO, EIRIK, CATO])
    lift(state, DAG, True, 190)
    lift(state, BJORN, True, 200)
    lift(state, ARNO, False, 210)
    lift(state, EIRIK, True, 230)
    order = now(state)
    assert (order.current_entry_id, order.next_entry_id, order.next_attempt_one_indexed) == (CATO, DAG, 3)
    lift(state, CATO, True, 225)

    # ---- Squat, 3rd attempts.
    order = now(state)
    assert (order.attempt_one_indexed, ids(order)) == (3, [DAG, BJORN, ARNO, CATO, EIRIK])
    lift(state, DAG, True)
    lift(state, BJORN, False)
    lift(state, ARNO, True)
    lift(state, CATO, True)
    order = now(state)
    assert (order.current_entry_id, order.next_entry_id) == (EIRIK, None)
    lift(state, EIRIK, False)

    # Everyone is done: OpenLifter stays on the 3rd attempt ("Flight Complete").
    order = now(state)
    assert (order.attempt_one_indexed, order.current_entry_id, order.next_entry_id) == (3, None, None)

    # The director picks attempt 4 in the footer; nobody has one yet.
    state["lifting"].update(overrideAttempt=4, overrideEntryId=None)
    order = now(state)
    assert (order.attempt_one_indexed, order.current_entry_id) == (4, None)
    assert ids(order) == [DAG, BJORN, ARNO, CATO, EIRIK]  # all listed by their 3rd attempt
    # Cato asks for a record attempt at 235 (entering it keeps the override).
    declare(state, CATO, 4, 235)
    order = now(state)
    assert (order.attempt_one_indexed, ids(order)) == (4, [CATO, DAG, BJORN, ARNO, EIRIK])
    assert (order.current_entry_id, order.next_entry_id) == (CATO, None)
    lift(state, CATO, True)
    order = now(state)
    assert (order.attempt_one_indexed, order.current_entry_id) == (4, None)

    # Projected places after squats: best-of-3 only (Cato's 235 4th does not count).
    # Bjorn and Dag both 190 at 88 kg: Bjorn made it on his 2nd, Dag on his 3rd.
    assert places(state) == {CATO: "1", ARNO: "2", BJORN: "3", DAG: "4", EIRIK: "1"}

    # ---- Bench.
    openers(state, "B", {ARNO: 130, BJORN: 120, CATO: 125, DAG: 120, EIRIK: 140})
    assert ids(now(state)) == [BJORN, DAG, CATO, ARNO, EIRIK]
    lift(state, BJORN, True, 125)
    lift(state, DAG, True, 127.5)
    lift(state, CATO, True, 130)
    lift(state, ARNO, True, 135)
    lift(state, EIRIK, True, 145)
    assert ids(now(state)) == [BJORN, DAG, CATO, ARNO, EIRIK]
    lift(state, BJORN, True, 130)
    lift(state, DAG, False, 127.5)
    lift(state, CATO, True, 135)
    lift(state, ARNO, True, 140)
    lift(state, EIRIK, False, 145)
    order = now(state)
    assert (order.attempt_one_indexed, ids(order)) == (3, [DAG, BJORN, CATO, ARNO, EIRIK])
    lift(state, DAG, True)
    lift(state, BJORN, False)
    lift(state, CATO, True)
    lift(state, ARNO, False)
    lift(state, EIRIK, True)
    assert now(state).current_entry_id is None
    # Squat + bench: Cato 360, Arno 345, Dag 317.5, Bjorn 315; Eirik alone in 105 with 365.
    assert places(state) == {CATO: "1", ARNO: "2", DAG: "3", BJORN: "4", EIRIK: "1"}

    # ---- Deadlift.
    openers(state, "D", {ARNO: 250, BJORN: 240, CATO: 235, DAG: 240, EIRIK: 260})
    assert ids(now(state)) == [CATO, BJORN, DAG, ARNO, EIRIK]
    lift(state, CATO, True, 245)
    lift(state, BJORN, True, 250)
    lift(state, DAG, True, 245)
    lift(state, ARNO, True, 260)
    lift(state, EIRIK, False, 260)
    order = now(state)
    # Dag and Cato both 245 (lot 2 before 5); Arno and Eirik both 260 (lot 3 before 4).
    assert (order.attempt_one_indexed, ids(order)) == (2, [DAG, CATO, BJORN, ARNO, EIRIK])
    # From 2nd-attempt deadlifts on, places use final totals: Arno and Cato are tied on
    # 595 and the lighter Arno leads; Eirik has no deadlift, so no total and no place.
    assert places(state) == {ARNO: "1", CATO: "2", DAG: "3", BJORN: "4", EIRIK: ""}

    lift(state, DAG, True, 252.5)
    lift(state, CATO, True, 250)
    lift(state, BJORN, False, 250)
    lift(state, ARNO, True, 265)
    lift(state, EIRIK, False, 260)
    order = now(state)
    assert (order.attempt_one_indexed, ids(order)) == (3, [BJORN, CATO, DAG, EIRIK, ARNO])
    lift(state, BJORN, True)
    lift(state, CATO, True)
    lift(state, DAG, False)
    lift(state, EIRIK, False)
    order = now(state)
    assert (order.current_entry_id, order.next_entry_id) == (ARNO, None)
    lift(state, ARNO, True)
    order = now(state)
    assert (order.attempt_one_indexed, order.current_entry_id) == (3, None)

    # ---- Final results: Arno 610 (90 kg) over Cato 610 (92 kg), Bjorn 565, Dag 562.5.
    entries = {e.id: e for e in entries_from_state(state)}
    assert {i: final_total_kg(e) for i, e in entries.items()} == {
        ARNO: 610, BJORN: 565, CATO: 610, DAG: 562.5, EIRIK: 0,
    }
    assert is_bombed_out(entries[EIRIK])
    assert places(state) == {ARNO: "1", CATO: "2", BJORN: "3", DAG: "4", EIRIK: ""}

    class_93, class_105 = get_results(entries.values(), meet_from_state(state))
    assert class_93.category.weight_class_str == "93"
    assert [(label, e.name) for label, e in results_page_rows(class_93)] == [
        ("1", "Arno"), ("2", "Cato"), ("3", "Bjorn"), ("4", "Dag"),
    ]
    assert results_page_rows(class_105) == []  # Eirik's DQ is hidden, and so is the card
    assert opl_place(entries[EIRIK], "SBD", class_105.placed[0].place) == "DQ"


# --- Half-filled state ---------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)
_weight = st.one_of(st.sampled_from([0, 100, 102.5, 110, 2.5, -5]), st.floats(), st.integers(), _json)
_status = st.one_of(st.sampled_from([-1, 0, 1, 2, 0.5]), _json)
_entry = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.integers(1, 4), _json),
    "day": st.one_of(st.just(1), _json),
    "platform": st.one_of(st.just(1), _json),
    "flight": st.one_of(st.just("A"), _json),
    "name": st.one_of(st.text(max_size=3), _json),
    "sex": st.one_of(st.sampled_from(["M", "F", "Mx", "X"]), _json),
    "equipment": st.one_of(st.sampled_from(["Sleeves", "Single-ply", "Raw"]), _json),
    "divisions": st.one_of(st.lists(st.sampled_from(["", "Open", "Jr"]), max_size=3), _json),
    "events": st.one_of(st.lists(st.sampled_from(["SBD", "B", "D", "X", ""]), max_size=3), _json),
    "lot": st.one_of(st.integers(0, 3), _json),
    "guest": st.one_of(st.booleans(), _json),
    "bodyweightKg": st.one_of(st.sampled_from([0, 80, 80.0, 120.5]), _json),
    **{f: st.one_of(st.lists(_weight, max_size=7), _json) for f in ("squatKg", "benchKg", "deadliftKg")},
    **{f: st.one_of(st.lists(_status, max_size=7), _json) for f in ("squatStatus", "benchStatus", "deadliftStatus")},
    "points": _json,
    "place": _json,
})
_state = st.fixed_dictionaries({}, optional={
    "meet": st.one_of(_json, st.fixed_dictionaries({}, optional={
        "inKg": st.one_of(st.booleans(), _json),
        "formula": st.one_of(st.sampled_from(["Wilks", "Dots", "IPF GL Points", "Total", "Nope"]), _json),
        "weightClassesKgMen": st.one_of(st.lists(st.sampled_from([59, 83.5, 120, 0]), max_size=3), _json),
        "plates": st.one_of(st.lists(st.fixed_dictionaries(
            {"weightKg": _weight, "pairCount": st.one_of(st.integers(-1, 3), _json)}), max_size=4), _json),
        "squatBarAndCollarsWeightKg": _weight,
    })),
    "registration": st.one_of(_json, st.fixed_dictionaries({}, optional={
        "entries": st.one_of(st.lists(st.one_of(_entry, _json), max_size=5), _json),
        "lookup": _json,
    })),
    "lifting": st.one_of(_json, st.fixed_dictionaries({}, optional={
        "lift": st.one_of(st.sampled_from(["S", "B", "D"]), _json),
        "overrideAttempt": st.one_of(st.integers(-2, 7), _json),
        "overrideEntryId": st.one_of(st.integers(0, 4), _json),
    })),
})


@settings(max_examples=300, deadline=None)
@given(_state)
def test_half_filled_state_never_raises(state):
    entries = entries_from_state(state)
    meet = meet_from_state(state)
    lifting = lifting_from_state(state)
    order = get_lifting_order(entries_in_flight(entries, lifting), lifting)
    lifting_table_places(entries, meet, lifting.lift, order.attempt_one_indexed)
    for projected in (True, False):
        for result in get_results(entries, meet, projected):
            results_page_rows(result)
            for placed in result.placed:
                opl_place(placed.entry, result.category.event, placed.place)
                points_text(category_points(placed.entry, result.category, meet), meet.formula)
    for entry in order.ordered_entries:
        points_text(lifting_table_points(entry, meet, True), meet.formula)
        kg = entry.weights(lifting.lift)[0]
        attempt_weight_text(kg, meet.in_kg, meet.show_alternate_units)
        current, nxt = left_card_loadings(meet, lifting.lift, kg, kg + 2.5)
        plate_views(current, meet.in_kg)
        plate_views(nxt, meet.in_kg)
