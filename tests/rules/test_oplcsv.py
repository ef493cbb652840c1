"""The OpenPowerlifting CSV the server makes from a meet's state (OpenLifter's oplcsv.ts rules)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from openlifter.rules.oplcsv import csv_string, export_opl_csv, get_age, opl_csv_rows
from openlifter.rules.model import entry_from_json

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.openlifter"


def lifter(entry_id: int, name: str, squats, benches, deadlifts, **fields: Any) -> dict[str, Any]:
    """An entry with (kg, status) attempts for each lift."""

    def cells(pairs):
        kg = [w for w, _ in pairs] + [0] * (5 - len(pairs))
        status = [s for _, s in pairs] + [0] * (5 - len(pairs))
        return kg, status

    s_kg, s_st = cells(squats)
    b_kg, b_st = cells(benches)
    d_kg, d_st = cells(deadlifts)
    return {
        "id": entry_id, "day": 1, "platform": 1, "flight": "A", "name": name, "sex": "M", "birthDate": "", "age": 0,
        "country": "", "state": "", "equipment": "Sleeves", "divisions": ["Open"], "events": ["SBD"], "lot": 0,
        "team": "", "guest": False, "instagram": "", "bodyweightKg": 90.0,
        "squatKg": s_kg, "squatStatus": s_st, "benchKg": b_kg, "benchStatus": b_st, "deadliftKg": d_kg, "deadliftStatus": d_st,
        **fields,
    }


def meet_state(*entries: dict[str, Any], **meet: Any) -> dict[str, Any]:
    return {
        "versions": {"stateVersion": "0", "releaseVersion": "1.4.0"},
        "meet": {
            "name": "Spring, Open", "federation": "NSF", "date": "2025-03-15", "country": "Norway", "state": "",
            "city": "Bergen", "formula": "Dots", "inKg": True, "weightClassesKgMen": [83, 93, 105],
            "weightClassesKgWomen": [63, 69], **meet,
        },
        "registration": {"entries": list(entries)},
    }


def entry_block(text: str) -> list[dict[str, str]]:
    """The entries block of an exported file, as dicts keyed by column."""
    blocks = text.split("\n\n")
    return list(csv.DictReader(io.StringIO(blocks[2])))


GOOD = [(200, 1), (210, 1), (220, -1)]
BENCH = [(140, 1), (145, 1), (150, 1)]
PULL = [(250, 1), (260, 1), (270, 1)]


def test_file_starts_with_the_version_line_and_the_meet_block():
    text = export_opl_csv(meet_state(lifter(1, "A", GOOD, BENCH, PULL)))
    lines = text.split("\n")
    assert lines[0] == "OPL Format v1 (OpenLifter 1.4.0),Submit by email:,issues@openpowerlifting.org"
    assert lines[1] == ""
    assert lines[2] == "Federation,Date,MeetCountry,MeetState,MeetTown,MeetName,Formula"
    assert lines[3] == "NSF,'2025-03-15,Norway,,Bergen,Spring Open,Dots"
    assert lines[4] == ""
    assert text.endswith("\n")


def test_ruleset_column_appears_only_when_sleeves_and_wraps_are_combined():
    plain = export_opl_csv(meet_state(lifter(1, "A", GOOD, BENCH, PULL), combineSingleAndMulti=True))
    assert "RuleSet" not in plain  # OpenLifter keys both rules off combineSleevesAndWraps
    combined = export_opl_csv(meet_state(lifter(1, "A", GOOD, BENCH, PULL), combineSleevesAndWraps=True))
    assert combined.split("\n")[2].endswith(",Formula,RuleSet")
    assert combined.split("\n")[3].endswith(",CombineSleevesAndWraps CombineSingleAndMulti")


def test_places_follow_the_final_total_within_a_category():
    rows = entry_block(export_opl_csv(meet_state(
        lifter(1, "Light", GOOD, BENCH, PULL),
        lifter(2, "Heavy", [(230, 1)], BENCH, PULL),
    )))
    assert [(r["Place"], r["Name"], r["TotalKg"]) for r in rows] == [("1", "Heavy", "650"), ("2", "Light", "630")]


def test_failed_attempts_are_negative_and_untaken_ones_empty():
    row = entry_block(export_opl_csv(meet_state(lifter(1, "A", GOOD, BENCH, PULL))))[0]
    assert (row["Squat1Kg"], row["Squat2Kg"], row["Squat3Kg"], row["Best3SquatKg"]) == ("200", "210", "-220", "210")


def test_columns_empty_in_every_row_are_dropped():
    header = export_opl_csv(meet_state(lifter(1, "A", GOOD, BENCH, PULL))).split("\n\n")[2].split("\n")[0]
    assert header.split(",") == [
        "Place", "Name", "Sex", "Equipment", "Division", "BodyweightKg", "WeightClassKg",
        "Squat1Kg", "Squat2Kg", "Squat3Kg", "Best3SquatKg", "Bench1Kg", "Bench2Kg", "Bench3Kg", "Best3BenchKg",
        "Deadlift1Kg", "Deadlift2Kg", "Deadlift3Kg", "Best3DeadliftKg", "TotalKg", "Points", "Event",
    ]


def test_a_lifter_with_no_good_lift_in_the_event_is_dq_without_points():
    rows = entry_block(export_opl_csv(meet_state(
        lifter(1, "Winner", GOOD, BENCH, PULL),
        lifter(2, "Bombed", [(200, -1), (200, -1), (200, -1)], BENCH, PULL),
    )))
    bombed = next(r for r in rows if r["Name"] == "Bombed")
    assert (bombed["Place"], bombed["TotalKg"], bombed["Points"], bombed["Best3SquatKg"]) == ("DQ", "", "", "")


def test_a_lifter_who_never_lifted_is_a_no_show():
    rows = entry_block(export_opl_csv(meet_state(lifter(1, "Winner", GOOD, BENCH, PULL), lifter(2, "Absent", [(200, 0)], [], []))))
    assert next(r for r in rows if r["Name"] == "Absent")["Place"] == "NS"


def test_a_guest_is_g_and_does_not_take_a_place():
    rows = entry_block(export_opl_csv(meet_state(
        lifter(1, "Guest", [(300, 1)], BENCH, PULL, guest=True),
        lifter(2, "Member", GOOD, BENCH, PULL),
    )))
    assert [(r["Name"], r["Place"]) for r in rows] == [("Member", "1"), ("Guest", "G")]


def test_a_lifter_in_two_divisions_has_a_row_in_each():
    rows = entry_block(export_opl_csv(meet_state(
        lifter(1, "Both", GOOD, BENCH, PULL, divisions=["Open", "Masters 1"]),
        lifter(2, "Open only", [(230, 1)], BENCH, PULL),
    )))
    assert [(r["Division"], r["Place"], r["Name"]) for r in rows] == [
        ("Masters 1", "1", "Both"), ("Open", "1", "Open only"), ("Open", "2", "Both"),
    ]


def test_a_bench_only_category_fills_only_bench_cells():
    rows = entry_block(export_opl_csv(meet_state(lifter(1, "Presser", [], BENCH, [], events=["B"]), lifter(2, "Full", GOOD, BENCH, PULL))))
    presser = next(r for r in rows if r["Name"] == "Presser")
    assert (presser["Event"], presser["Squat1Kg"], presser["Bench3Kg"], presser["TotalKg"]) == ("B", "", "150", "150")


def test_weight_class_and_bodyweight_follow_the_bodyweight():
    row = entry_block(export_opl_csv(meet_state(lifter(1, "A", GOOD, BENCH, PULL, bodyweightKg=110.35))))[0]
    assert (row["BodyweightKg"], row["WeightClassKg"]) == ("110.35", "105+")


def test_pound_meets_export_lbs_columns_and_traditional_classes():
    text = export_opl_csv(meet_state(lifter(1, "A", GOOD, BENCH, PULL, bodyweightKg=82.5), inKg=False))
    row = entry_block(text)[0]
    assert (row["WeightClassLBS"], row["Squat1LBS"]) == ("183", "440.92")


def test_csv_string_removes_commas_quotes_and_a_lone_zero():
    # One pass of "two spaces to one", as JS replace(/ {2}/g) does: three spaces become two.
    assert csv_string('Smith, "The Hammer"') == "Smith  The Hammer"
    assert csv_string("0") == ""
    assert csv_string(0) == ""
    assert csv_string("  padded  ") == "padded"


def test_age_is_inferred_from_the_birth_date_on_the_lifters_day():
    born = entry_from_json({"birthDate": "2000-03-16", "day": 1})
    assert get_age(born, "2025-03-15") == 24
    assert get_age(entry_from_json({"birthDate": "2000-03-16", "day": 2}), "2025-03-15") == 25
    assert get_age(entry_from_json({"birthDate": "2000-03-16", "age": 40}), "2025-03-15") == 40


def test_every_row_of_the_sample_meet_has_a_place_label():
    state = json.loads(SAMPLE.read_text())
    rows = opl_csv_rows(state)
    divisions_rows = sum(len(e["divisions"] or [""]) * len(e["events"]) for e in state["registration"]["entries"])
    assert len(rows) == divisions_rows
    assert all(r["Place"] in ("NS", "G", "DQ") or r["Place"].isdigit() for r in rows)


def test_an_empty_state_exports_the_header_blocks_only():
    text = export_opl_csv({})
    assert text.startswith("OPL Format v1 (OpenLifter unknown)")
    assert text.endswith(",Wilks\n\n\n\n")  # an entries block with no columns and no rows
