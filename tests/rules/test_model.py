"""Tolerant readers of the OpenLifter state (openlifter/rules/model.py)."""

import json
from pathlib import Path

from openlifter.rules.model import (
    MAX_ATTEMPTS,
    Entry,
    Lifting,
    MeetSetup,
    default_plates_kg,
    default_plates_lbs,
    entries_from_state,
    entry_from_json,
    js_string_compare,
    lifting_from_json,
    lifting_from_state,
    meet_from_json,
    meet_from_state,
)

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.openlifter"


def test_sample_fixture_loads_without_error():
    state = json.loads(SAMPLE.read_text())
    entries = entries_from_state(state)
    meet = meet_from_state(state)
    lifting = lifting_from_state(state)
    assert [e.id for e in entries] == [5027, 5028]
    assert entries[0].name == "Yavanna Slughorn"
    assert entries[0].divisions == ("Rabbits", "Juniors 38-48")
    assert entries[0].squat_kg == (112.5, 120.0, 0.0, 0.0, 0.0)
    assert entries[0].squat_status == (-1, 0, 0, 0, 0)
    assert entries[1].sex == "Mx"
    assert meet.name == "sample"
    assert meet.weight_classes_kg_men[0] == 41.9
    assert len(meet.plates) == 14
    assert lifting == Lifting(day=1, platform=1, flight="A", lift="S")


def test_empty_entry_gets_openlifter_defaults():
    entry = entry_from_json({})
    assert entry == Entry()
    assert (entry.day, entry.platform, entry.flight) == (1, 1, "A")
    assert (entry.sex, entry.equipment, entry.guest, entry.lot) == ("M", "Sleeves", False, 0)
    assert entry.deadlift_kg == (0.0,) * MAX_ATTEMPTS
    assert entry.place is None


def test_short_attempt_arrays_are_padded_to_five():
    entry = entry_from_json({"squatKg": [100, 110], "squatStatus": [1]})
    assert entry.squat_kg == (100.0, 110.0, 0.0, 0.0, 0.0)
    assert entry.squat_status == (1, 0, 0, 0, 0)


def test_long_attempt_arrays_are_truncated_to_five():
    entry = entry_from_json({"benchKg": [1, 2, 3, 4, 5, 6, 7], "benchStatus": [1, 1, 1, 1, 1, -1]})
    assert entry.bench_kg == (1.0, 2.0, 3.0, 4.0, 5.0)
    assert entry.bench_status == (1, 1, 1, 1, 1)


def test_null_and_wrong_types_fall_back_to_defaults():
    entry = entry_from_json({
        "id": "5001", "name": 7, "bodyweightKg": None, "guest": "yes", "lot": "3",
        "divisions": "Open", "events": ["SBD", None, 3],
        "squatKg": [None, "100", 100, True, float("nan")], "squatStatus": [1.5, True, -1, None, 1],
    })
    assert entry.id == 0
    assert entry.name == ""
    assert entry.bodyweight_kg == 0.0
    assert entry.guest is False
    assert entry.lot == 0
    assert entry.divisions == ()
    assert entry.events == ("SBD",)
    assert entry.squat_kg == (0.0, 0.0, 100.0, 0.0, 0.0)
    assert entry.squat_status == (0, 0, -1, 0, 1)


def test_non_object_entry_reads_as_default():
    assert entry_from_json(None) == Entry()
    assert entry_from_json([1, 2, 3]) == Entry()


def test_fork_only_fields_are_tolerated():
    entry = entry_from_json({"points": 412.5, "place": "GUEST", "instagram": "@lifter"})
    assert (entry.points, entry.place, entry.instagram) == (412.5, "GUEST", "@lifter")
    assert entry_from_json({"place": 3.0}).place == 3
    assert entry_from_json({"place": {"x": 1}}).place is None


def test_entry_without_id_recovers_it_from_string_keyed_lookup():
    state = {"registration": {"entries": [{"name": "A"}, {"id": 7, "name": "B"}], "lookup": {"5005": 0, "7": 1}}}
    assert [e.id for e in entries_from_state(state)] == [5005, 7]


def test_entries_from_state_skips_non_objects_and_survives_missing_registration():
    assert entries_from_state({}) == []
    assert entries_from_state(None) == []
    assert entries_from_state({"registration": {"entries": "x"}}) == []
    state = {"registration": {"entries": [None, {"id": 1}, 5], "lookup": {"bad": "x"}}}
    assert [e.id for e in entries_from_state(state)] == [1]


def test_empty_meet_gets_openlifter_defaults():
    meet = meet_from_json({})
    assert meet == MeetSetup()
    assert (meet.formula, meet.in_kg, meet.show_alternate_units) == ("Wilks", True, True)
    assert meet.squat_bar_and_collars_weight_kg == 25.0
    assert meet.plates == default_plates_kg()
    assert meet.platforms_on_days == (1,)
    assert meet.date == ""


def test_lbs_meet_missing_bar_and_plates_gets_lbs_defaults():
    meet = meet_from_json({"inKg": False})
    assert meet.bench_bar_and_collars_weight_kg == 45 / 2.20462262
    assert meet.plates == default_plates_lbs()


def test_meet_lists_drop_values_of_the_wrong_type():
    meet = meet_from_json({
        "weightClassesKgMen": [59, "66", None, 74.0], "divisions": ["Open", 3],
        "plates": [{"weightKg": 20, "pairCount": 2, "color": "#4990E2"}, {"weightKg": "x"}, None,
                   {"weightKg": 10, "pairCount": "1"}],
        "squatBarAndCollarsWeightKg": None,
    })
    assert meet.weight_classes_kg_men == (59.0, 74.0)
    assert meet.divisions == ("Open",)
    assert [(p.weight_kg, p.pair_count, p.color) for p in meet.plates] == [(20.0, 2, "#4990E2"), (10.0, 0, "#000000")]
    assert meet.squat_bar_and_collars_weight_kg == 25.0


def test_unknown_sex_uses_mens_classes():
    meet = meet_from_json({"weightClassesKgMen": [83], "weightClassesKgWomen": [63], "weightClassesKgMx": [75]})
    assert meet.weight_classes_for_sex("F") == (63.0,)
    assert meet.weight_classes_for_sex("Mx") == (75.0,)
    assert meet.weight_classes_for_sex("X") == (83.0,)


def test_lifting_reads_overrides_and_defaults():
    assert lifting_from_json(None) == Lifting()
    lifting = lifting_from_json({"day": 2, "platform": 3, "flight": "B", "lift": "D",
                                 "overrideAttempt": 4, "overrideEntryId": 5001.0})
    assert lifting == Lifting(day=2, platform=3, flight="B", lift="D", override_attempt=4, override_entry_id=5001)


def test_unknown_lift_reads_as_squat():
    assert lifting_from_json({"lift": "X"}).lift == "S"


def test_non_integer_overrides_are_ignored():
    lifting = lifting_from_json({"overrideAttempt": "2", "overrideEntryId": 1.5})
    assert (lifting.override_attempt, lifting.override_entry_id) == (None, None)


def test_js_string_order_uses_utf16_code_units():
    # U+1F600 is a surrogate pair (D83D DE00) and sorts before U+FF21 in JS,
    # although its code point is higher.
    assert js_string_compare("\U0001F600", "\uFF21") == -1
    assert "\U0001F600" > "\uFF21"
    assert js_string_compare("Bob", "Bob") == 0
    assert js_string_compare("b", "B") == 1
