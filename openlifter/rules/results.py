"""Totals, categories and places, as OpenLifter computes them.

Sources: ``src/logic/entry.ts`` (best lifts, totals), ``src/logic/divisionPlace.ts``
(categories, in-category sort, presentation order),
``src/components/lifting/LiftingTable.tsx`` (Place column),
``src/components/results/ByDivision.tsx`` (results page) and
``src/logic/export/oplcsv.ts`` (CSV Place).  Places are recomputed from the
entries each time, exactly like OpenLifter, so they change as lifts are judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Callable, Iterable, Sequence

from openlifter.rules.lifting_order import compare_entries_by_attempt, use_projected_totals
from openlifter.rules.model import MAX_ATTEMPTS, Entry, MeetSetup, js_string_compare
from openlifter.rules.points import display_points, get_points
from openlifter.rules.units import display_weight, weight_class_str

SEX_ORDER = ("F", "M", "Mx")
EVENT_ORDER = ("SBD", "BD", "SB", "SD", "S", "B", "D")
EQUIPMENT_ORDER = ("Bare", "Sleeves", "Wraps", "Single-ply", "Multi-ply", "Unlimited")

GUEST_PLACE = "G"


# --------------------------------------------------------------------------
# Best lifts and totals.


def best3_kg(entry: Entry, lift: str) -> float:
    """Best good lift among attempts 1-3: the only ones that count for the total."""
    weights, statuses = entry.weights(lift), entry.statuses(lift)
    best = 0.0
    for i in range(3):
        if statuses[i] > 0:
            best = max(best, weights[i])
    return best


def best5_kg(entry: Entry, lift: str) -> float:
    """Best good lift including 4th/5th (record) attempts; shown on the results page."""
    weights, statuses = entry.weights(lift), entry.statuses(lift)
    best = 0.0
    for i in range(MAX_ATTEMPTS):
        if statuses[i] == 1:
            best = max(best, weights[i])
    return best


def best3_squat_kg(entry: Entry) -> float:
    """Best of the first three squats."""
    return best3_kg(entry, "S")


def best3_bench_kg(entry: Entry) -> float:
    """Best of the first three bench presses."""
    return best3_kg(entry, "B")


def best3_deadlift_kg(entry: Entry) -> float:
    """Best of the first three deadlifts."""
    return best3_kg(entry, "D")


def best5_squat_kg(entry: Entry) -> float:
    """Best squat including extra attempts."""
    return best5_kg(entry, "S")


def best5_bench_kg(entry: Entry) -> float:
    """Best bench press including extra attempts."""
    return best5_kg(entry, "B")


def best5_deadlift_kg(entry: Entry) -> float:
    """Best deadlift including extra attempts."""
    return best5_kg(entry, "D")


def _bombed_lift(entry: Entry, lift: str, best: float) -> bool:
    return best == 0 and entry.statuses(lift)[0] == -1


def is_bombed_out(entry: Entry) -> bool:
    """A lift with no good attempt whose opener was failed: the total is void."""
    return any(_bombed_lift(entry, lift, best3_kg(entry, lift)) for lift in "SBD")


def final_total_kg(entry: Entry) -> float:
    """Sum of the three best3 lifts, or 0 for a bomb-out (lifting-table total)."""
    bests = {lift: best3_kg(entry, lift) for lift in "SBD"}
    if any(_bombed_lift(entry, lift, best) for lift, best in bests.items()):
        return 0.0
    return bests["S"] + bests["B"] + bests["D"]


def final_event_total_kg(entry: Entry, event: str) -> float:
    """Total of the lifts in ``event``; 0 (a DQ) if any of them has no good lift yet."""
    total = 0.0
    for lift in "SBD":
        if lift in event:
            best = best3_kg(entry, lift)
            if best == 0:
                return 0.0
            total += best
    return total


def _projected_best(entry: Entry, lift: str) -> float:
    """Best of 1-3 assuming an untaken opener will be good (later attempts only if good)."""
    weights, statuses = entry.weights(lift), entry.statuses(lift)
    best = 0.0
    if statuses[0] >= 0:
        best = max(best, weights[0])
    for i in (1, 2):
        if statuses[i] > 0:
            best = max(best, weights[i])
    return best


def _projected_sum(entry: Entry, lifts: str) -> float:
    bests = {lift: (_projected_best(entry, lift) if lift in lifts else 0.0) for lift in "SBD"}
    # OpenLifter checks the bomb-out of all three lifts, even outside the event.
    if any(_bombed_lift(entry, lift, best) for lift, best in bests.items()):
        return 0.0
    return bests["S"] + bests["B"] + bests["D"]


def projected_total_kg(entry: Entry) -> float:
    """Total while lifting is under way: openers not yet taken count as good."""
    return _projected_sum(entry, "SBD")


def projected_event_total_kg(entry: Entry, event: str) -> float:
    """Projected total of the lifts in ``event``."""
    return _projected_sum(entry, event)


def entry_has_lifted(entry: Entry) -> bool:
    """False for a no-show: no first attempt of any lift was judged."""
    return entry.squat_status[0] != 0 or entry.bench_status[0] != 0 or entry.deadlift_status[0] != 0


def is_dq(entry: Entry, event: str) -> bool:
    """Final event total 0: shown as DQ in the CSV and hidden on the results page."""
    return final_event_total_kg(entry, event) == 0


# --------------------------------------------------------------------------
# Categories.


@dataclass(frozen=True)
class Category:
    """A group lifters are ranked in: sex x event x equipment x division x class."""

    sex: str
    event: str
    equipment: str
    division: str
    weight_class_str: str


@dataclass(frozen=True)
class PlacedEntry:
    """An entry in a category with its OpenLifter place (index + 1; guests included)."""

    entry: Entry
    place: int


@dataclass(frozen=True)
class CategoryResults:
    """A category and its entries in place order."""

    category: Category
    placed: tuple[PlacedEntry, ...]

    @property
    def ordered_entries(self) -> tuple[Entry, ...]:
        """Entries in place order, like OpenLifter's ``orderedEntries``."""
        return tuple(p.entry for p in self.placed)


def results_equipment(equipment: str, combine_sleeves_and_wraps: bool, combine_single_and_multi: bool) -> str:
    """Equipment a lifter is ranked under: Sleeves->Wraps or else Single-ply->Multi-ply when combined."""
    if combine_sleeves_and_wraps and equipment == "Sleeves":
        return "Wraps"
    if combine_single_and_multi and equipment == "Single-ply":
        return "Multi-ply"
    return equipment


def entry_categories(entry: Entry, meet: MeetSetup) -> list[Category]:
    """One category per (division x event); no divisions means division ""."""
    wcls = weight_class_str(meet.weight_classes_for_sex(entry.sex), entry.bodyweight_kg)
    equipment = results_equipment(entry.equipment, meet.combine_sleeves_and_wraps, meet.combine_single_and_multi)
    divisions = entry.divisions if entry.divisions else ("",)
    return [Category(entry.sex, event, equipment, division, wcls) for division in divisions for event in entry.events]


def _last_successful_lift(event: str, entry: Entry) -> str:
    """Last lift of the event (scanning backwards) with any good attempt, 4th/5th included."""
    for lift in reversed(event):
        if lift not in "SBD":
            return "S"
        if 1 in entry.statuses(lift):
            return lift
    return "S"


def _last_successful_attempt_index(lift: str, entry: Entry) -> int:
    """0-based index of the last good attempt among the first three, or 0."""
    statuses = entry.statuses(lift)
    for i in (2, 1, 0):
        if statuses[i] == 1:
            return i
    return 0


def compare_in_category(a: Entry, b: Entry, event: str, projected: bool) -> int:
    """Place order in a category; negative if ``a`` places higher.

    Non-guests first; higher total; lighter lifter; with no total, by name;
    otherwise whoever reached the total first: earlier last good lift in SBD
    order, then earlier last good attempt, then OpenLifter's lifting-order
    comparison called with the 0-based attempt index (so it compares the
    *previous* attempt's weight, nothing for an opener, then lot,
    bodyweight, name).
    """
    if a.guest != b.guest:
        return int(a.guest) - int(b.guest)
    total_fn = projected_event_total_kg if projected else final_event_total_kg
    a_total, b_total = total_fn(a, event), total_fn(b, event)
    if a_total != b_total:
        return 1 if b_total > a_total else -1
    if a.bodyweight_kg != b.bodyweight_kg:
        return -1 if a.bodyweight_kg < b.bodyweight_kg else 1
    if a_total == 0:
        return js_string_compare(a.name, b.name)
    a_lift, b_lift = _last_successful_lift(event, a), _last_successful_lift(event, b)
    if a_lift != b_lift:
        return "SBD".index(a_lift) - "SBD".index(b_lift)
    a_attempt = _last_successful_attempt_index(a_lift, a)
    b_attempt = _last_successful_attempt_index(a_lift, b)
    if a_attempt != b_attempt:
        return a_attempt - b_attempt
    return compare_entries_by_attempt(a, b, a_lift, a_attempt)


def sort_by_place_in_category(entries: Iterable[Entry], event: str, projected: bool = False) -> list[Entry]:
    """Entries of one category, first place first (stable, like V8's sort)."""
    def compare(a: Entry, b: Entry) -> int:
        return compare_in_category(a, b, event, projected)

    return sorted(entries, key=cmp_to_key(compare))


def _order_index(value: str, order: Sequence[str]) -> int:
    return order.index(value) if value in order else -1


_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def _js_parse_int(text: str) -> int | None:
    match = _LEADING_INT.match(text)
    return int(match.group(1)) if match else None


def compare_categories(a: Category, b: Category) -> int:
    """Presentation order: sex F/M/Mx, event, equipment, division, then class with SHW last."""
    a_sex = SEX_ORDER.index(a.sex) if a.sex in SEX_ORDER else 3
    b_sex = SEX_ORDER.index(b.sex) if b.sex in SEX_ORDER else 3
    for x, y in (
        (a_sex, b_sex),
        (_order_index(a.event, EVENT_ORDER), _order_index(b.event, EVENT_ORDER)),
        (_order_index(a.equipment, EQUIPMENT_ORDER), _order_index(b.equipment, EQUIPMENT_ORDER)),
    ):
        if x != y:
            return x - y
    by_division = js_string_compare(a.division, b.division)
    if by_division:
        return by_division
    a_shw, b_shw = "+" in a.weight_class_str, "+" in b.weight_class_str
    if a_shw != b_shw:
        return 1 if a_shw else -1
    a_cls = 0 if a.weight_class_str == "" else _js_parse_int(a.weight_class_str)
    b_cls = 0 if b.weight_class_str == "" else _js_parse_int(b.weight_class_str)
    if a_cls is None or b_cls is None:
        return 0  # JS: NaN from parseInt compares as "equal"
    return a_cls - b_cls


def sort_category_results(results: Iterable[CategoryResults]) -> list[CategoryResults]:
    """Categories in presentation order; full ties keep first-seen order."""
    def compare(a: CategoryResults, b: CategoryResults) -> int:
        return compare_categories(a.category, b.category)

    return sorted(results, key=cmp_to_key(compare))


def get_results(entries: Iterable[Entry], meet: MeetSetup, projected: bool = False) -> list[CategoryResults]:
    """Every category present, in presentation order, each with its entries and places.

    ``projected`` ranks by projected totals (the lifting table before
    2nd-attempt deadlifts); otherwise by final event totals.
    """
    members: dict[Category, list[Entry]] = {}
    for entry in entries:
        for category in entry_categories(entry, meet):
            members.setdefault(category, []).append(entry)
    results = [
        CategoryResults(
            category,
            tuple(
                PlacedEntry(e, i + 1)
                for i, e in enumerate(sort_by_place_in_category(group, category.event, projected))
            ),
        )
        for category, group in members.items()
    ]
    return sort_category_results(results)


# --------------------------------------------------------------------------
# Place labels for each screen.


def lifting_table_place_by(entry: Entry, place_in_division: Callable[[Entry, str], int | None]) -> str:
    """The lifting table's Place cell.

    Blank without a final total (even while totals are projected); "G" for a
    guest; otherwise the place in the first category, in presentation order,
    of the entry's *first* division (so SBD wins over B), which
    ``place_in_division(entry, division)`` looks up; blank without a division.
    """
    if final_total_kg(entry) == 0:
        return ""
    if entry.guest:
        return GUEST_PLACE
    if not entry.divisions:
        return ""
    place = place_in_division(entry, entry.divisions[0])
    return "" if place is None else str(place)


def lifting_table_place(entry: Entry, results: Sequence[CategoryResults]) -> str:
    """``lifting_table_place_by`` searching every category's results."""

    def place_in_division(entry: Entry, division: str) -> int | None:
        for result in results:
            if result.category.division != division:
                continue
            for placed in result.placed:
                if placed.entry.id == entry.id:
                    return placed.place
        return None

    return lifting_table_place_by(entry, place_in_division)


def lifting_table_places(entries: Sequence[Entry], meet: MeetSetup, lift: str, attempt_one_indexed: int) -> dict[int, str]:
    """Place cell per entry id, ranking all ``entries`` as the fork's lifting table does."""
    results = get_results(entries, meet, projected=use_projected_totals(lift, attempt_one_indexed))
    return {e.id: lifting_table_place(e, results) for e in entries}


def results_page_rows(result: CategoryResults) -> list[tuple[str, Entry]]:
    """(place label, entry) rows of a results-page card, hiding no-shows and DQs.

    Guests show "G"; other places keep their index in the full category.
    An empty list means OpenLifter hides the whole card.
    """
    rows = []
    for placed in result.placed:
        entry = placed.entry
        if not entry_has_lifted(entry) or final_event_total_kg(entry, result.category.event) == 0:
            continue
        rows.append((GUEST_PLACE if entry.guest else str(placed.place), entry))
    return rows


def opl_place(entry: Entry, event: str, place: int) -> str:
    """OpenPowerlifting CSV Place: NS (no-show), G (guest), DQ (event total 0) or the number."""
    if not entry_has_lifted(entry):
        return "NS"
    if entry.guest:
        return GUEST_PLACE
    if final_event_total_kg(entry, event) == 0:
        return "DQ"
    return str(place)


# --------------------------------------------------------------------------
# Points.


def lifting_table_points(entry: Entry, meet: MeetSetup, projected: bool) -> float:
    """Points column of the lifting table: the (projected or final) full total, first event or SBD."""
    total = projected_total_kg(entry) if projected else final_total_kg(entry)
    event = entry.events[0] if entry.events else "SBD"
    return get_points(meet.formula, entry.sex, entry.equipment, event, entry.bodyweight_kg, total, meet.in_kg)


def points_text(points: float, formula: str) -> str:
    """A points cell: blank for 0, a weight for the "Total" formula, else two decimals."""
    if points == 0:
        return ""
    return display_weight(points) if formula == "Total" else display_points(points)


def category_points(entry: Entry, category: Category, meet: MeetSetup) -> float:
    """Points for the results page and CSV: final event total of the category's event, raw equipment."""
    total = final_event_total_kg(entry, category.event)
    return get_points(meet.formula, entry.sex, entry.equipment, category.event, entry.bodyweight_kg, total, meet.in_kg)
