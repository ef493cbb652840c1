"""The OpenPowerlifting CSV of a meet, as OpenLifter's "Export for OpenPowerlifting" makes it.

Sources: ``src/logic/export/oplcsv.ts`` (layout, rows, places) and ``src/logic/export/csv.ts``
(``csvString``, ``csvDate``, ``removeEmptyColumns``), with ``getAge`` from
``src/logic/entry.ts``. The server builds this from the materialized state so that the
director sees, before publishing, exactly the file OpenPowerlifting will receive.

Pure: a state dict in, the CSV text out. Every reader tolerates a half-filled state.
"""

from __future__ import annotations

import math
import re
from typing import Any

from openlifter.rules.model import MAX_ATTEMPTS, Entry, MeetSetup, entries_from_state, meet_from_state
from openlifter.rules.points import display_points
from openlifter.rules.results import (
    EQUIPMENT_ORDER,
    Category,
    best3_kg,
    category_points,
    final_event_total_kg,
    get_results,
    opl_place,
)
from openlifter.rules.units import display_weight, kg2lbs, wtcls_str_kg2lbs

SUBMIT_ADDRESS = "issues@openpowerlifting.org"
LIFT_COLUMN_NAMES = (("S", "Squat"), ("B", "Bench"), ("D", "Deadlift"))
_DOUBLE_SPACE = re.compile(" {2}")


def csv_string(value: Any) -> str:
    """``csvString``: no commas or double quotes (the format has no quoting), "0" is empty."""
    if value is None:
        return ""
    text = str(value).replace(",", " ").replace('"', " ")
    if text == "0":
        return ""
    # JS replace(/ {2}/g, " ") runs once over the string, it does not repeat to a fixpoint.
    return _DOUBLE_SPACE.sub(" ", text).strip()


def csv_date(iso8601: str) -> str:
    """``csvDate``: a leading ' stops spreadsheets from reformatting the date."""
    return "" if iso8601 == "" else csv_string("'" + iso8601)


def _js_number(text: str | None) -> float:
    """``Number(s)`` for the parts of a YYYY-MM-DD date (a missing part is ``undefined``: NaN)."""
    if text is None:
        return math.nan
    s = text.strip()
    if s == "":
        return 0.0
    try:
        return float(s) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", s) else math.nan
    except ValueError:
        return math.nan


def _date_parts(text: str) -> list[float]:
    parts = text.split("-")
    return [_js_number(parts[i] if i < len(parts) else None) for i in range(3)]


def get_age(entry: Entry, meet_date: str) -> float:
    """``getAge``: the manual age, else inferred from the birth date on the lifter's day.

    OpenLifter's own quirks are kept (every month has 31 days; NaN for a malformed date).
    """
    if entry.age > 0:
        return entry.age
    if entry.birth_date == "":
        return 0
    my, mm, md = _date_parts(meet_date)
    by, bm, bd = _date_parts(entry.birth_date)
    if entry.day > 1:
        md += entry.day - 1
        if md > 31:
            md -= 31
            mm += 1
        if mm > 12:
            md -= 12  # OpenLifter subtracts from the day here, not the month; kept as is
            my += 1
    years = my - by
    if years <= 0:
        return 0
    if bm < mm or (bm == mm and bd <= md):
        return years
    return years - 1


def _js_number_text(value: float) -> str:
    """``String(n)`` for the numbers this file prints (ages, places)."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer():
            return str(int(value))
    return str(value)


def standardize_equipment(equipment: str) -> str:
    """The raw equipment (not the combined one); anything unknown is "Raw"."""
    return equipment if equipment in EQUIPMENT_ORDER else "Raw"


def _meet_block(meet: MeetSetup) -> tuple[list[str], list[str]]:
    names = ["Federation", "Date", "MeetCountry", "MeetState", "MeetTown", "MeetName", "Formula"]
    row = [
        csv_string(meet.federation), csv_date(meet.date), csv_string(meet.country), csv_string(meet.state),
        csv_string(meet.city), csv_string(meet.name), csv_string(meet.formula),
    ]
    # OpenLifter keys both tokens off combineSleevesAndWraps (its bug, kept: the file must match).
    if meet.combine_sleeves_and_wraps:
        names.append("RuleSet")
        row.append("CombineSleevesAndWraps CombineSingleAndMulti")
    return names, row


def entry_fieldnames(unit: str) -> list[str]:
    """Every column of the entries block, before empty ones are dropped."""
    lift_columns = []
    for _, name in LIFT_COLUMN_NAMES:
        lift_columns += [f"{name}{i + 1}{unit}" for i in range(MAX_ATTEMPTS)] + [f"Best3{name}{unit}"]
    return [
        "Place", "Name", "Instagram", "Sex", "BirthDate", "Age", "Country", "State",
        "Equipment", "Division", "Lot", f"Bodyweight{unit}", f"WeightClass{unit}",
        *lift_columns,
        f"Total{unit}", "Points", "Event", "Team",
    ]


def _entry_row(entry: Entry, category: Category, place: int, meet: MeetSetup, unit: str) -> dict[str, str]:
    def weight(kg: float) -> str:
        return csv_string(display_weight(kg if meet.in_kg else kg2lbs(kg)))

    total = final_event_total_kg(entry, category.event)
    weight_class = category.weight_class_str if meet.in_kg else wtcls_str_kg2lbs(category.weight_class_str)
    row = {
        "Place": opl_place(entry, category.event, place),
        "Name": csv_string(entry.name),
        "Instagram": csv_string(entry.instagram),
        "Sex": csv_string(entry.sex),
        "BirthDate": csv_date(entry.birth_date),
        "Age": csv_string(_js_number_text(get_age(entry, meet.date))),
        "Country": csv_string(entry.country),
        "State": csv_string(entry.state),
        "Equipment": csv_string(standardize_equipment(entry.equipment)),
        "Division": csv_string(category.division),
        "Lot": csv_string("" if entry.lot == 0 else entry.lot),
        f"Bodyweight{unit}": weight(entry.bodyweight_kg),
        f"WeightClass{unit}": csv_string(weight_class),
        f"Total{unit}": weight(total),
        "Event": csv_string(category.event),
        "Team": csv_string(entry.team),
    }
    for lift, name in LIFT_COLUMN_NAMES:
        if lift not in category.event:
            continue  # cells are filled only for the lifts of the category's event
        row[f"Best3{name}{unit}"] = weight(best3_kg(entry, lift))
        weights, statuses = entry.weights(lift), entry.statuses(lift)
        for i in range(MAX_ATTEMPTS):
            row[f"{name}{i + 1}{unit}"] = weight(weights[i] * statuses[i])  # negative: a missed attempt
    points = category_points(entry, category, meet)
    row["Points"] = "" if points == 0 else csv_string(display_points(points))
    return row


def remove_empty_columns(fieldnames: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Drop every column that is empty in all rows (all of them when there are no rows)."""
    keep = [i for i in range(len(fieldnames)) if any(row[i] != "" for row in rows)]
    return [fieldnames[i] for i in keep], [[row[i] for i in keep] for row in rows]


def _csv_text(fieldnames: list[str], rows: list[list[str]]) -> str:
    return ",".join(fieldnames) + "\n" + "\n".join(",".join(row) for row in rows) + "\n"


def opl_csv_rows(state: Any) -> list[dict[str, str]]:
    """The entry rows, one per (category, lifter), in category then place order.

    A lifter in two divisions (or events) has a row in each; places are final (not projected).
    """
    meet = meet_from_state(state)
    unit = "Kg" if meet.in_kg else "LBS"
    rows = []
    for result in get_results(entries_from_state(state), meet, projected=False):
        for placed in result.placed:
            rows.append(_entry_row(placed.entry, result.category, placed.place, meet, unit))
    return rows


def export_opl_csv(state: Any) -> str:
    """The whole file: version line, meet block, entries block (empty columns removed)."""
    meet = meet_from_state(state)
    unit = "Kg" if meet.in_kg else "LBS"
    fieldnames = entry_fieldnames(unit)
    rows = [[row.get(name, "") for name in fieldnames] for row in opl_csv_rows(state)]
    fieldnames, rows = remove_empty_columns(fieldnames, rows)
    meet_names, meet_row = _meet_block(meet)
    header = f"OPL Format v1 (OpenLifter {state_release_version(state)}),Submit by email:,{SUBMIT_ADDRESS}"
    return header + "\n\n" + _csv_text(meet_names, [meet_row]) + "\n" + _csv_text(fieldnames, rows)


def state_release_version(state: Any) -> str:
    """The OpenLifter release that saved the meet (``versions.releaseVersion``), else "unknown"."""
    versions = state.get("versions") if isinstance(state, dict) else None
    version = versions.get("releaseVersion") if isinstance(versions, dict) else None
    return csv_string(version) if isinstance(version, str) and version.strip() else "unknown"
