"""Best-lifter rankings by points: OpenLifter's ``src/logic/pointsPlace.ts``
(``getAllRankings``) and the ranking pages of ``src/components/results/ByPoints.tsx``.

Lifters are ranked within ``{sex, event, equipment}`` (equipment combined as the meet
says), one ranking per event they enter: guests last, then points on the final event
total (age-adjusted with the meet's coefficients for the Best Masters and Best Juniors
lists, not for Best Lifter), then the lighter lifter. As on OpenLifter's page, no-shows and
lifters with no event total are not shown, a row's place is its index in the ranking plus
one, and a guest's place is "G".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from openlifter.rules.model import Entry, MeetSetup
from openlifter.rules.oplcsv import get_age
from openlifter.rules.points import foster_mcculloch, get_age_adjusted_points
from openlifter.rules.results import entry_has_lifted, final_event_total_kg

BEST_LIFTER = "BestLifter"
BEST_MASTERS = "BestMastersLifter"
BEST_JUNIORS = "BestJuniorsLifter"
KINDS = (BEST_LIFTER, BEST_MASTERS, BEST_JUNIORS)
_SEXES = ("F", "M", "Mx")
_EVENTS = ("SBD", "BD", "SB", "SD", "S", "B", "D")
_EQUIPMENT = ("Bare", "Sleeves", "Wraps", "Single-ply", "Multi-ply", "Unlimited")


@dataclass(frozen=True)
class PointsCategory:
    sex: str
    event: str
    equipment: str


@dataclass(frozen=True)
class RankedRow:
    entry: Entry
    place: str  # "1", "2", ... or "G"
    points: float
    total_kg: float


@dataclass(frozen=True)
class Ranking:
    category: PointsCategory
    ordered_entries: tuple[Entry, ...]  # every lifter of the category, first place first
    rows: tuple[RankedRow, ...]  # those shown: not no-shows, not without a total


def ranking_points(entry: Entry, event: str, meet: MeetSetup, age_coefficients: str) -> float:
    """Points on the final event total, times the age coefficient the ranking uses."""
    total = final_event_total_kg(entry, event)
    return get_age_adjusted_points(
        meet.formula, entry.sex, entry.equipment, event, entry.bodyweight_kg, total, meet.in_kg,
        get_age(entry, meet.date), age_coefficients,
    )


def _equipment(entry: Entry, meet: MeetSetup) -> str:
    if meet.combine_sleeves_and_wraps and entry.equipment == "Sleeves":
        return "Wraps"
    if meet.combine_single_and_multi and entry.equipment == "Single-ply":
        return "Multi-ply"
    return entry.equipment


def _order(value: str, order: Sequence[str]) -> int:
    return order.index(value) if value in order else -1  # JavaScript's indexOf: unknown first


def ranking_order_key(entry: Entry, points: float) -> tuple[bool, float, float]:
    """Where a lifter stands in a ranking: guests last, then more points, then the lighter
    lifter; equal keys keep registration order (JavaScript's sort is stable). A key, not a
    comparison, so that one lifter whose points change can be moved by bisection."""
    return (entry.guest, -points if points == points else 0.0, entry.bodyweight_kg if entry.bodyweight_kg == entry.bodyweight_kg else 0.0)


def _sort_in_category(entries: list[Entry], event: str, meet: MeetSetup, age_coefficients: str) -> tuple[list[Entry], dict[int, float]]:
    points = {id(e): ranking_points(e, event, meet, age_coefficients) for e in entries}
    return sorted(entries, key=lambda e: ranking_order_key(e, points[id(e)])), points


def ranked_row(entry: Entry, index: int, event: str, points: float) -> RankedRow | None:
    """The row of the lifter at ``index`` (0-based) of a ranking; None for a no-show or a
    lifter with no event total (not shown)."""
    total = final_event_total_kg(entry, event)
    if entry_has_lifted(entry) and total != 0:
        return RankedRow(entry, "G" if entry.guest else str(index + 1), points, total)
    return None


def _in_list(entry: Entry, kind: str, age_coefficients: str) -> bool:
    """Best Masters / Best Juniors keep only lifters of that age (the manual age, as OpenLifter)."""
    if kind == BEST_MASTERS and entry.age <= 27:
        return False
    if kind == BEST_JUNIORS and entry.age >= 27:
        return False
    if kind == BEST_LIFTER or age_coefficients != "FosterMcCulloch":
        return True
    return entry.age >= 40 or foster_mcculloch(entry.age) != 1.0


def points_categories(entry: Entry, meet: MeetSetup, kind: str = BEST_LIFTER) -> list[PointsCategory]:
    """The rankings of list ``kind`` a lifter is in: one per event they enter (none when the
    list is not for their age)."""
    age_coefficients = "None" if kind == BEST_LIFTER else meet.age_coefficients
    if not _in_list(entry, kind, age_coefficients):
        return []
    return [PointsCategory(entry.sex, event, _equipment(entry, meet)) for event in entry.events]


def rank_points_category(category: PointsCategory, members: Sequence[Entry], meet: MeetSetup, kind: str = BEST_LIFTER) -> Ranking | None:
    """One ranking (``members`` in registration order); None when none of them is shown."""
    age_coefficients = "None" if kind == BEST_LIFTER else meet.age_coefficients
    ordered, points = _sort_in_category(list(members), category.event, meet, age_coefficients)
    rows = [row for index, entry in enumerate(ordered) if (row := ranked_row(entry, index, category.event, points[id(entry)]))]
    return Ranking(category, tuple(ordered), tuple(rows)) if rows else None


def presentation_key(category: PointsCategory) -> tuple[int, int, int]:
    """OpenLifter's order of the rankings: sex, then event, then equipment."""
    return (_order(category.sex, _SEXES), _order(category.event, _EVENTS), _order(category.equipment, _EQUIPMENT))


def get_rankings(entries: Iterable[Entry], meet: MeetSetup, kind: str = BEST_LIFTER) -> list[Ranking]:
    """The rankings of one list (``KINDS``), in OpenLifter's order of presentation; a
    category whose lifters are all hidden is left out, as on OpenLifter's page."""
    by_category: dict[PointsCategory, list[Entry]] = {}
    for entry in entries:
        for category in points_categories(entry, meet, kind):
            by_category.setdefault(category, []).append(entry)
    rankings = [r for c, members in by_category.items() if (r := rank_points_category(c, members, meet, kind)) is not None]
    rankings.sort(key=lambda r: presentation_key(r.category))  # stable: equal keys keep first-seen order
    return rankings
