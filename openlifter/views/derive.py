"""What the live pages show, derived from a meet's materialized OpenLifter state.

Pure: a state dict in, plain JSON-able dicts out (no Tornado, no I/O). Every fact about
the lifting order, current and next lifter, totals, places, points and plates comes from
the OpenLifter rules (``openlifter.rules``); this module only chooses what each screen
needs and formats it in the meet's units. The state is whatever the updating browsers
have sent so far, so every function accepts a half-filled state ({} included) and never
raises on odd data.

``compute_views(state, seq)`` does the whole job once per meet change; the feed, the
pages and the JSON API all read from its result.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Iterable, Mapping, Sequence

from openlifter.rules.barload import LoadedPlate, bar_weight_for_lift, left_card_loadings, plate_views, select_plates
from openlifter.rules.lifting_order import (
    LiftingOrder,
    entries_in_flight,
    flights_on_platform,
    get_lifting_order,
    use_projected_totals,
)
from openlifter.rules.model import (
    MAX_ATTEMPTS,
    Entry,
    Lifting,
    MeetSetup,
    entries_from_state,
    lifting_from_json,
    lifting_from_state,
    meet_from_state,
)
from openlifter.rules.lead import lead_on_attempt, loading_increment_kg
from openlifter.rules.points import get_points
from openlifter.rules.rankings import BEST_JUNIORS, BEST_LIFTER, BEST_MASTERS, PointsCategory, RankedRow, Ranking, get_rankings
from openlifter.rules.results import (
    GUEST_PLACE,
    CategoryResults,
    best3_kg,
    entry_has_lifted,
    final_event_total_kg,
    final_total_kg,
    get_results,
    lifting_table_place,
    lifting_table_points,
    points_text,
    projected_event_total_kg,
    projected_total_kg,
)
from openlifter.views.clock import clock_view
from openlifter.views.lights import lights_view
from openlifter.rules.units import (
    display_weight,
    display_weight_in_units,
    display_weight_one_place,
    kg2lbs,
    weight_class_in_units,
    wtcls_str_kg2lbs,
)

LIFTS = ("S", "B", "D")
LIFT_NAMES = {"S": "Squat", "B": "Bench", "D": "Deadlift"}
SEX_LABELS = {"M": "Men", "F": "Women", "Mx": "Mx"}
EVENT_LABELS = {
    "SBD": "Full Power", "BD": "Push-Pull", "SB": "Squat-Bench", "SD": "Squat-Deadlift",
    "S": "Squat Only", "B": "Bench Only", "D": "Deadlift Only",
}
# Bounds on what a (possibly broken) state may ask the server to enumerate.
MAX_DAYS = 14
MAX_PLATFORMS_PER_DAY = 16
UPCOMING_LIMIT = 10
_LIVE_LIFTING_KEY = re.compile(r"d([1-9][0-9]{0,3})p([1-9][0-9]{0,3})")
_COLOR = re.compile(r"#[0-9A-Fa-f]{3,8}")
_FALLBACK_PLATE_COLOR = "#575757"


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


# ---- units -------------------------------------------------------------------------------


def _unit(meet: MeetSetup) -> str:
    return "kg" if meet.in_kg else "lb"


def _alt_unit(meet: MeetSetup) -> str | None:
    if not meet.show_alternate_units:
        return None
    return "lb" if meet.in_kg else "kg"


def _table_weight(kg: float, meet: MeetSetup) -> str:
    """A weight as the lifting table prints it (meet unit, up to two decimals)."""
    return display_weight_in_units(kg, meet.in_kg)


def _big_weight(kg: float, meet: MeetSetup) -> dict[str, Any]:
    """The attempt weight as the left card prints it: both units truncated to one decimal."""
    main = kg if meet.in_kg else kg2lbs(kg)
    alt = kg2lbs(kg) if meet.in_kg else kg
    return {
        "kg": kg,
        "text": display_weight_one_place(main),
        "unit": _unit(meet),
        "altText": display_weight_one_place(alt),
        "altUnit": "lb" if meet.in_kg else "kg",
        "showAlt": meet.show_alternate_units,
    }


def _class_label(text: str, meet: MeetSetup) -> str:
    """"−93 kg" for a class limit, "120+ kg" for the open-ended class, "" for none."""
    if not text:
        return ""
    return f"{text} {_unit(meet)}" if text.endswith("+") else f"\u2212{text} {_unit(meet)}"


def _weight_class_text(entry: Entry, meet: MeetSetup) -> str:
    return _class_label(weight_class_in_units(meet.weight_classes_for_sex(entry.sex), entry.bodyweight_kg, meet.in_kg), meet)


def _category_class_text(weight_class_str: str, meet: MeetSetup) -> str:
    if not weight_class_str:
        return ""
    return _class_label(weight_class_str if meet.in_kg else wtcls_str_kg2lbs(weight_class_str), meet)


# ---- meet and platforms --------------------------------------------------------------------


def setup_info(meet: MeetSetup) -> dict[str, Any]:
    return {
        "name": meet.name,
        "federation": meet.federation,
        "date": meet.date,
        "city": meet.city,
        "state": meet.state,
        "country": meet.country,
        "formula": meet.formula,
        "showPoints": meet.formula != "Total",
        "inKg": meet.in_kg,
        "unit": _unit(meet),
        "altUnit": _alt_unit(meet),
        "lengthDays": meet.length_days,
    }


def meet_info(state: Any) -> dict[str, Any]:
    """The meet's name, place, units and formula."""
    return setup_info(meet_from_state(state))


Pair = tuple[int, int]  # (day, platform)


def live_platform_values(state: Any, subtree: str) -> dict[Pair, Any]:
    """The values under ``live.<subtree>.d<day>p<platform>`` (SPEC 4.1), by platform; keys
    of another shape are ignored."""
    live = state.get("live") if isinstance(state, Mapping) else None
    shared = live.get(subtree) if isinstance(live, Mapping) else None
    if not isinstance(shared, Mapping):
        return {}
    out: dict[Pair, Any] = {}
    for key, raw in shared.items():
        match = _LIVE_LIFTING_KEY.fullmatch(key) if isinstance(key, str) else None
        if match is not None:
            out[(int(match.group(1)), int(match.group(2)))] = raw
    return out


def live_lifting_from_state(state: Any) -> dict[Pair, Lifting]:
    """Each platform's own lifting state, ``live.lifting.d<day>p<platform>`` (SPEC 4.1): the
    whole OpenLifter ``lifting`` object of that platform's scoring table. The key names the
    day and platform, whatever the object says."""
    return {
        (day, platform): dataclasses.replace(lifting_from_json(raw), day=day, platform=platform)
        for (day, platform), raw in live_platform_values(state, "lifting").items()
        if isinstance(raw, Mapping)
    }


def live_platform_parts(state: Any) -> dict[Pair, dict[str, Any]]:
    """What each platform's scoring table and referees share besides its lifting state: the
    attempt clock (``live.clock.*``, ``views/clock.py``) and the referee lights
    (``live.decisions.*``, ``views/lights.py``), for the platforms that have either."""
    clocks, decisions = live_platform_values(state, "clock"), live_platform_values(state, "decisions")
    return {pair: platform_live_parts(clocks.get(pair), decisions.get(pair)) for pair in set(clocks) | set(decisions)}


def platform_live_parts(clock: Any = None, decisions: Any = None) -> dict[str, Any]:
    return {"clock": clock_view(clock), "lights": lights_view(decisions)}


def _in_bounds(pair: Pair) -> bool:
    return 1 <= pair[0] <= MAX_DAYS and 1 <= pair[1] <= MAX_PLATFORMS_PER_DAY


def platform_pairs(meet: MeetSetup, entry_pairs: Iterable[Pair], lifting: Lifting, live: Iterable[Pair] = ()) -> list[Pair]:
    """Every platform to show: those the setup declares, those entries use, the scoring
    table's and those with a lifting state of their own (all within bounds)."""
    pairs: set[Pair] = set()
    days = max(1, min(meet.length_days, MAX_DAYS))
    for day in range(1, days + 1):
        count = meet.platforms_on_days[day - 1] if day - 1 < len(meet.platforms_on_days) else 1
        for platform in range(1, max(1, min(count, MAX_PLATFORMS_PER_DAY)) + 1):
            pairs.add((day, platform))
    pairs.update(pair for pair in entry_pairs if _in_bounds(pair))
    if lifting.day >= 1 and lifting.platform >= 1:
        pairs.add((lifting.day, lifting.platform))
    pairs.update(pair for pair in live if _in_bounds(pair))
    return sorted(pairs)


def platform_info(day: int, platform: int, lifting: Lifting) -> dict[str, Any]:
    return {
        "day": day,
        "platform": platform,
        "id": f"{day}-{platform}",
        "label": f"Day {day} · Platform {platform}",
        "isTable": (day, platform) == (lifting.day, lifting.platform),
    }


def platforms(state: Any) -> list[dict[str, Any]]:
    """Every day/platform pair of the meet: those the setup declares, those entries use,
    and the one the scoring table is on (``isTable``)."""
    lifting = lifting_from_state(state)
    entry_pairs = ((e.day, e.platform) for e in entries_from_state(state))
    pairs = platform_pairs(meet_from_state(state), entry_pairs, lifting, live_lifting_from_state(state))
    return [platform_info(d, p, lifting) for d, p in pairs]


# ---- which group a platform is lifting ------------------------------------------------------


def _judged(entry: Entry, lift: str) -> list[int]:
    weights, statuses = entry.weights(lift), entry.statuses(lift)
    return [i + 1 for i in range(MAX_ATTEMPTS) if weights[i] != 0 and statuses[i] != 0]


def _pending(entry: Entry, lift: str) -> bool:
    weights, statuses = entry.weights(lift), entry.statuses(lift)
    return any(weights[i] != 0 and statuses[i] == 0 for i in range(MAX_ATTEMPTS))


def _inferred_group(entries: Sequence[Entry], day: int, platform: int) -> tuple[str, str]:
    """(flight, lift) a platform is most likely on, for a platform the shared ``lifting``
    slice does not describe (a meet has one lifting slice; each platform's table has its
    own). Groups go lift by lift, flight by flight; a group is under way once one of its
    attempts is judged and until its third attempts are done; else the next one with
    openers declared; else the last one that lifted."""
    on_platform = [e for e in entries if e.day == day and e.platform == platform]
    flights = flights_on_platform(on_platform, day, platform) or ["A"]
    groups = [(flight, lift) for lift in LIFTS for flight in flights]
    last_started: tuple[str, str] | None = None
    first_waiting: tuple[str, str] | None = None
    for flight, lift in groups:
        members = [e for e in on_platform if e.flight == flight]
        judged = [n for e in members for n in _judged(e, lift)]
        pending = any(_pending(e, lift) for e in members)
        if judged:
            last_started = (flight, lift)
            if pending or max(judged) < 3:
                return flight, lift
        elif pending and first_waiting is None:
            first_waiting = (flight, lift)
    return first_waiting or last_started or (flights[0], "S")


# ---- lifters ---------------------------------------------------------------------------------


def _attempt_cells(entry: Entry, lift: str, count: int, meet: MeetSetup) -> list[dict[str, Any]]:
    weights, statuses = entry.weights(lift), entry.statuses(lift)
    cells = []
    for i in range(count):
        kg, status = weights[i], statuses[i]
        if status > 0:
            result = "good"
        elif status < 0:
            result = "fail"
        else:
            result = "pending" if kg != 0 else "none"
        cells.append({"attempt": i + 1, "kg": kg, "text": _table_weight(kg, meet) if kg != 0 else "", "result": result})
    return cells


def _best_cell(entry: Entry, lift: str, meet: MeetSetup) -> dict[str, Any]:
    """The Best column: the best good lift of attempts 1-3, else the lightest miss (red)."""
    best = best3_kg(entry, lift)
    if best > 0:
        return {"kg": best, "text": _table_weight(best, meet), "result": "good"}
    weights, statuses = entry.weights(lift), entry.statuses(lift)
    misses = [weights[i] for i in range(3) if statuses[i] < 0 and weights[i] != 0]
    if misses:
        return {"kg": min(misses), "text": _table_weight(min(misses), meet), "result": "fail"}
    return {"kg": 0.0, "text": "", "result": "none"}


def _lifter(entry: Entry, meet: MeetSetup) -> dict[str, Any]:
    """Who a lifter is, as the graphics print it."""
    return {
        "id": entry.id,
        "name": entry.name,
        "team": entry.team,
        "instagram": entry.instagram,
        "country": entry.country,
        "state": entry.state,
        "sex": entry.sex,
        "sexLabel": SEX_LABELS.get(entry.sex, entry.sex),
        "equipment": entry.equipment,
        "divisions": list(entry.divisions),
        "division": entry.divisions[0] if entry.divisions else "",
        "events": list(entry.events),
        "lot": entry.lot,
        "guest": entry.guest,
        "flight": entry.flight,
        "bodyweightKg": entry.bodyweight_kg,
        "bodyweightText": _table_weight(entry.bodyweight_kg, meet) if entry.bodyweight_kg else "",
        "weightClassText": _weight_class_text(entry, meet),
    }


PlaceOf = Callable[[Entry], str]  # an entry's Place cell in the lifting table
ShownCategoryOf = Callable[[Entry], "CategoryResults | None"]  # the category that Place is in


class RowMemo:
    """Pieces of the lifting views per entry, kept while the entry (an immutable value) is
    the same object: a change re-derives only the rows of the lifters it touched, and an
    unchanged row stays the same dict (the feed's diff skips it by identity)."""

    def __init__(self) -> None:
        self._by_entry: dict[int, tuple[Entry, dict[Any, Any]]] = {}
        self.made = 0  # pieces made so far (the others were kept): the work the tests hold to a change's size

    def get(self, entry: Entry, key: Any, make: Callable[[], Any]) -> Any:
        slot = self._by_entry.get(id(entry))
        if slot is None or slot[0] is not entry:
            slot = self._by_entry[id(entry)] = (entry, {})
        pieces = slot[1]
        if key not in pieces:
            pieces[key] = make()
            self.made += 1
        return pieces[key]

    def forget(self, entry: Entry) -> None:
        slot = self._by_entry.get(id(entry))
        if slot is not None and slot[0] is entry:
            del self._by_entry[id(entry)]


def _made(memo: RowMemo | None, entry: Entry, key: Any, make: Callable[[], Any]) -> Any:
    return make() if memo is None else memo.get(entry, key, make)


@dataclasses.dataclass(frozen=True)
class Scoring:
    """Totals, points and places of the lifting table, for one projected/final mode."""

    projected: bool
    place_of: PlaceOf
    shown_category_of: ShownCategoryOf = lambda entry: None

    def facts(self, entry: Entry, meet: MeetSetup) -> dict[str, Any]:
        total = projected_total_kg(entry) if self.projected else final_total_kg(entry)
        points = lifting_table_points(entry, meet, self.projected)
        return {
            "totalKg": total,
            "totalText": _table_weight(total, meet) if total else "",
            "points": points,
            "pointsText": points_text(points, meet.formula),
            "place": self.place_of(entry),
        }


def lead_rival(entry: Entry, category: CategoryResults) -> Entry | None:
    """The one a lifter's lead is tried against: the category is in place order (the same
    comparison, the same totals), so beating the one placed first among the others beats
    them all."""
    return next((m for m in category.ordered_entries if m is not entry and m.id != entry.id), None)


def _lead(entry: Entry, lift: str, attempt: int, declared_kg: float, score: Scoring, meet: MeetSetup) -> dict[str, Any]:
    """The lower third's place and what this attempt needs to take the lead of the category
    the place is in (``rules/lead.py``, projected or final as the table's totals)."""
    category = score.shown_category_of(entry)
    if category is None:
        return {"place": score.place_of(entry), "leads": False, "needsKg": None, "text": ""}
    leader = lead_rival(entry, category)
    rivals = (entry,) if leader is None else (entry, leader)
    lead = lead_on_attempt(entry, lift, attempt, rivals, category.category.event, score.projected, loading_increment_kg(meet))
    text = ""
    if lead.leads:
        text = "Leads the category"
    elif lead.needs_kg is not None:
        weight = f"{_table_weight(lead.needs_kg, meet)} {_unit(meet)}"
        text = f"Takes the lead with a good lift (needs {weight})" if declared_kg >= lead.needs_kg else f"Needs {weight} to take the lead"
    return {"place": score.place_of(entry), "leads": lead.leads, "needsKg": lead.needs_kg, "text": text}


def _rack_text(entry: Entry, lift: str) -> str:
    if lift == "S":
        return entry.squat_rack_info.strip()
    if lift == "B":
        return entry.bench_rack_info.strip()
    return ""


def _safe_color(color: str) -> str:
    return color if _COLOR.fullmatch(color) else _FALLBACK_PLATE_COLOR


def _plates(loading: Sequence[LoadedPlate], meet: MeetSetup) -> list[dict[str, Any]]:
    return [
        {
            "label": view.label,
            "counter": view.counter,
            "isError": view.is_error,
            "heightPct": round(view.height_pct, 3),
            "relativeHeightPct": round(view.relative_height_pct, 3),
            "widthFactor": view.width_factor,
            "background": _safe_color(view.background),
            "textColor": _safe_color(view.text_color),
            "border": view.border,
            "opacity": view.opacity,
            "alreadyLoaded": view.opacity is not None,
        }
        for view in plate_views(loading, meet.in_kg)
    ]


def _bar_load(meet: MeetSetup, lift: str, kg: float, loading: Sequence[LoadedPlate], rack: str) -> dict[str, Any]:
    bar_kg = bar_weight_for_lift(meet, lift)
    per_side = [p.weight_any for p in loading if p.weight_any > 0]
    return {
        **_big_weight(kg, meet),
        "lift": lift,
        "barKg": bar_kg,
        "barText": f"{_table_weight(bar_kg, meet)} {_unit(meet)}",
        "plates": _plates(loading, meet),
        "perSideText": " + ".join(display_weight(w) for w in per_side),
        "loadable": all(p.weight_any > 0 for p in loading),
        "belowBar": 0 < kg < bar_kg,
        "rack": rack,
    }


def bar_load(state: Any, lift: str, weight_kg: float, rack: str = "") -> dict[str, Any]:
    """The plates for one side of the bar at ``weight_kg`` with the meet's plates and bar."""
    meet = meet_from_state(state)
    loading = select_plates(weight_kg, bar_weight_for_lift(meet, lift), meet.plates, meet.in_kg)
    return _bar_load(meet, lift, weight_kg, loading, rack)


# ---- the lifting view of one platform ----------------------------------------------------------


def _upcoming(order: LiftingOrder, lift: str) -> list[tuple[Entry, int]]:
    """Lifters after the current one, in the order they will be called as far as the
    declared weights tell: the rest of this attempt, then those who already declared the
    next attempt (OpenLifter's next-lifter rule, continued)."""
    ordered = list(order.ordered_entries)
    attempt = order.attempt_one_indexed
    index = next((i for i, e in enumerate(ordered) if e.id == order.current_entry_id), -1)
    if index < 0:
        return []

    def pending(entry: Entry, n: int) -> bool:
        return 1 <= n <= MAX_ATTEMPTS and entry.weights(lift)[n - 1] != 0 and entry.statuses(lift)[n - 1] == 0

    out = [(e, attempt) for e in ordered[index + 1:] if pending(e, attempt)]
    out += [(e, attempt + 1) for e in ordered[:index] if pending(e, attempt + 1)]
    return out[:UPCOMING_LIMIT]


def _attempt_columns(entries: Sequence[Entry], lift: str, active: int) -> int:
    """3 attempt columns, 4 or 5 when a record attempt is declared or being taken."""
    declared = max((i + 1 for e in entries for i in range(3, MAX_ATTEMPTS) if e.weights(lift)[i] != 0), default=3)
    return max(3, min(MAX_ATTEMPTS, max(declared, active if active <= MAX_ATTEMPTS else 3)))


def platform_view(
    meet: MeetSetup, entries: Sequence[Entry], table: Lifting, day: int, platform: int, scoring: Mapping[bool, Scoring],
    flight: str | None = None, lift: str | None = None, own: Lifting | None = None, memo: RowMemo | None = None,
    live_parts: Mapping[str, Any] | None = None, group: Sequence[Entry] | None = None, flights: list[str] | None = None,
) -> dict[str, Any]:
    """``own``: the platform's ``live.lifting`` state, followed first (SPEC 4.1); ``memo``:
    rows kept from earlier views of the same meet setup; ``live_parts``: its clock and
    referee lights (``live_platform_parts``; a stopped clock and no lights when missing);
    ``group`` and ``flights``: the lifters of the flight it follows and the platform's
    flights, when the caller keeps them (then ``entries`` need only be the flight's)."""
    chosen = flight is None and lift is None
    follows_table = chosen and (own is not None or (day, platform) == (table.day, table.platform))
    if follows_table:
        lifting = own if own is not None else table
    else:
        guess_flight, guess_lift = _inferred_group(entries, day, platform)
        lifting = Lifting(day=day, platform=platform, flight=flight or guess_flight, lift=lift if lift in LIFTS else guess_lift)
    if group is None or not follows_table:
        group = entries_in_flight(entries, lifting)
    order = get_lifting_order(group, lifting)
    attempt = order.attempt_one_indexed
    lift_ = lifting.lift
    projected = use_projected_totals(lift_, attempt)
    score = scoring[projected]
    by_id = {e.id: e for e in group}
    current = by_id.get(order.current_entry_id) if order.current_entry_id is not None else None
    nxt = by_id.get(order.next_entry_id) if order.next_entry_id is not None else None
    columns = {lift: _attempt_columns(group, lift, attempt if lift == lift_ else 0) for lift in LIFTS}

    def card(entry: Entry, n: int) -> dict[str, Any]:
        key = ("card", lift_, n, projected, score.place_of(entry), columns[lift_])
        return _made(memo, entry, key, lambda: make_card(entry, n))

    def make_card(entry: Entry, n: int) -> dict[str, Any]:
        kg = entry.weights(lift_)[n - 1] if 1 <= n <= MAX_ATTEMPTS else 0.0
        earlier = [lift for lift in LIFTS[: LIFTS.index(lift_)] if best3_kg(entry, lift) > 0]
        subtotal = sum(best3_kg(entry, lift) for lift in earlier)
        return {
            **_lifter(entry, meet),
            **score.facts(entry, meet),
            "lift": lift_,
            "liftName": LIFT_NAMES[lift_],
            "attempt": n,
            "attemptLabel": f"{_ordinal(n)} attempt",
            "weight": _big_weight(kg, meet),
            "rack": _rack_text(entry, lift_),
            "attempts": _attempt_cells(entry, lift_, columns[lift_], meet),
            "best": {lift: _best_cell(entry, lift, meet) for lift in LIFTS},
            # Best lifts banked before this lift, for "Squat 200 · Bench 130 · Subtotal 330".
            "banked": [
                {"lift": lift, "name": LIFT_NAMES[lift], "text": _table_weight(best3_kg(entry, lift), meet)} for lift in earlier
            ],
            "subtotalText": _table_weight(subtotal, meet) if len(earlier) > 1 else "",
        }

    current_kg = current.weights(lift_)[attempt - 1] if current is not None and 1 <= attempt <= MAX_ATTEMPTS else 0.0
    next_attempt = order.next_attempt_one_indexed or 0
    next_kg = nxt.weights(lift_)[next_attempt - 1] if nxt is not None and 1 <= next_attempt <= MAX_ATTEMPTS else 0.0

    def bar_loads() -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        current_loading, next_loading = left_card_loadings(meet, lift_, current_kg, next_kg)
        return (
            _bar_load(meet, lift_, current_kg, current_loading, _rack_text(current, lift_)) if current else None,
            _bar_load(meet, lift_, next_kg, next_loading, _rack_text(nxt, lift_)) if nxt else None,
        )

    next_rack = _rack_text(nxt, lift_) if nxt is not None else None
    bar, next_bar = _made(memo, current, ("bars", lift_, current_kg, next_kg, next_rack), bar_loads) if current else bar_loads()
    upcoming = _upcoming(order, lift_)

    def row(entry: Entry, is_current: bool, is_next: bool) -> dict[str, Any]:
        return {
            **_lifter(entry, meet),
            **score.facts(entry, meet),
            "isCurrent": is_current,
            "isNext": is_next,
            "attempts": {lift: _attempt_cells(entry, lift, columns[lift], meet) for lift in LIFTS},
            "best": {lift: _best_cell(entry, lift, meet) for lift in LIFTS},
        }

    rows = []
    column_counts = tuple(columns[lift] for lift in LIFTS)
    for entry in order.ordered_entries:
        place = score.place_of(entry)
        is_current = current is not None and entry.id == current.id
        is_next = nxt is not None and entry.id == nxt.id
        key = ("row", projected, place, is_current, is_next, column_counts)
        rows.append(_made(memo, entry, key, lambda: row(entry, is_current, is_next)))
    return {
        **platform_info(day, platform, table),
        "followsTable": follows_table,
        "source": ("live" if own is not None else "lifting") if follows_table else "inferred",
        "flight": lifting.flight,
        "flights": flights if flights is not None else flights_on_platform(entries, day, platform),
        "lift": lift_,
        "liftName": LIFT_NAMES[lift_],
        "attempt": attempt,
        "attemptLabel": f"{_ordinal(attempt)} attempt" if attempt >= 1 else "",
        "projected": projected,
        "attemptColumns": columns,
        "flightComplete": current is None,
        "hasLifters": bool(group),
        "current": {**card(current, attempt), "lead": _lead(current, lift_, attempt, current_kg, score, meet)} if current is not None else None,
        "next": card(nxt, next_attempt) if nxt is not None else None,
        "upcoming": [card(e, n) for e, n in upcoming],
        "barLoad": bar,
        "nextBarLoad": next_bar,
        "order": rows,
        **(live_parts if live_parts is not None else platform_live_parts()),
    }


def _scoring(results: Mapping[bool, list[CategoryResults]]) -> dict[bool, Scoring]:
    def place_of(results: list[CategoryResults]) -> PlaceOf:
        return lambda entry: lifting_table_place(entry, results)

    def shown_category_of(results: list[CategoryResults]) -> ShownCategoryOf:
        def first(entry: Entry) -> CategoryResults | None:
            division = entry.divisions[0] if entry.divisions else ""
            return next((r for r in results if r.category.division == division and entry in r.ordered_entries), None)

        return first

    return {p: Scoring(p, place_of(results[p]), shown_category_of(results[p])) for p in (True, False)}


def _results(entries: Sequence[Entry], meet: MeetSetup) -> dict[bool, list[CategoryResults]]:
    return {p: get_results(entries, meet, projected=p) for p in (True, False)}


def lifting_view(state: Any, day: int | None = None, platform: int | None = None, *,
                 flight: str | None = None, lift: str | None = None) -> dict[str, Any]:
    """One platform's lifting view: flight order with every attempt, current lifter, next
    lifters, attempt, weight (meet unit and alternate unit), bar load and rack info.

    ``day``/``platform`` default to the scoring table's. A platform other than the table's
    is shown on the group it is most likely lifting, unless ``flight``/``lift`` say which.
    """
    meet, entries, table = meet_from_state(state), entries_from_state(state), lifting_from_state(state)
    day = table.day if day is None else day
    platform = table.platform if platform is None else platform
    own = live_lifting_from_state(state).get((day, platform))
    parts = live_platform_parts(state).get((day, platform))
    return platform_view(meet, entries, table, day, platform, _scoring(_results(entries, meet)), flight, lift, own, live_parts=parts)


# ---- standings ------------------------------------------------------------------------------


def category_key(sex: str, event: str, equipment: str, division: str, weight_class: str) -> str:
    return "|".join((sex, event, equipment, division, weight_class))


def _standing_row(entry: Entry, place: int, event: str, meet: MeetSetup, projected: bool) -> dict[str, Any] | None:
    """A lifter's row in a standings category; None when not listed (no total yet, bombed
    out or no-show: OpenLifter's results page)."""
    total = projected_event_total_kg(entry, event) if projected else final_event_total_kg(entry, event)
    if total == 0 or (not projected and not entry_has_lifted(entry)):
        return None
    points = get_points(meet.formula, entry.sex, entry.equipment, event, entry.bodyweight_kg, total, meet.in_kg)
    return {
        **_lifter(entry, meet),
        "place": GUEST_PLACE if entry.guest else str(place),
        "totalKg": total,
        "totalText": _table_weight(total, meet),
        "points": points,
        "pointsText": points_text(points, meet.formula),
        "best": {lift: _best_cell(entry, lift, meet) for lift in LIFTS if lift in event},
    }


def category_view(result: CategoryResults, meet: MeetSetup, projected: bool, memo: RowMemo | None = None) -> dict[str, Any]:
    """One standings category: its title and its lifters with a total, in place order.
    ``memo``: rows kept from earlier views (a lifter whose place did not move keeps the
    same row)."""
    c = result.category
    rows = []
    for placed in result.placed:
        entry, place = placed.entry, placed.place
        row = _made(memo, entry, ("standing", c.event, place, projected), lambda: _standing_row(entry, place, c.event, meet, projected))
        if row is not None:
            rows.append(row)
    class_text = _category_class_text(c.weight_class_str, meet)
    sex_label = SEX_LABELS.get(c.sex, c.sex)
    return {
        "key": category_key(c.sex, c.event, c.equipment, c.division, c.weight_class_str),
        "sex": c.sex,
        "sexLabel": sex_label,
        "event": c.event,
        "eventLabel": EVENT_LABELS.get(c.event, c.event),
        "equipment": c.equipment,
        "division": c.division,
        "weightClass": c.weight_class_str,
        "weightClassText": class_text,
        "title": " · ".join(x for x in (c.division, f"{sex_label} {class_text}".strip()) if x),
        "subtitle": " · ".join(x for x in (c.equipment, EVENT_LABELS.get(c.event, c.event)) if x),
        "entryIds": [p.entry.id for p in result.placed],
        "rows": rows,
    }


def standings_view(meet: MeetSetup, projected: bool, categories: list[dict[str, Any]]) -> dict[str, Any]:
    return {"projected": projected, "formula": meet.formula, "showPoints": meet.formula != "Total", "categories": categories}


def _standings(meet: MeetSetup, projected: bool, results: list[CategoryResults]) -> dict[str, Any]:
    return standings_view(meet, projected, [category_view(result, meet, projected) for result in results])


def table_lifting(table: Lifting, live: Mapping[Pair, Lifting]) -> Lifting:
    """What the scoring table's platform lifts by: its own live state, else ``lifting``."""
    return live.get((table.day, table.platform), table)


def table_projected(entries: Iterable[Entry], table: Lifting) -> bool:
    order = get_lifting_order(entries_in_flight(entries, table), table)
    return use_projected_totals(table.lift, order.attempt_one_indexed)


def standings(state: Any, projected: bool | None = None) -> dict[str, Any]:
    """Every category (sex x event x equipment x division x class) in OpenLifter's order,
    with places, totals and points of the meet's formula. Totals are projected (openers
    not yet taken count) like the lifting table's until the scoring table reaches 2nd
    deadlifts, unless ``projected`` says otherwise. Lifters without a total are left out."""
    meet, entries, table = meet_from_state(state), entries_from_state(state), lifting_from_state(state)
    if projected is None:
        projected = table_projected(entries, table_lifting(table, live_lifting_from_state(state)))
    return _standings(meet, projected, get_results(entries, meet, projected=projected))


# ---- everything at once -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MeetViews:
    """Everything the pages, the feed and the API show, computed once per meet change."""

    seq: int
    meet: dict[str, Any]
    platforms: list[dict[str, Any]]
    table: tuple[int, int]
    lifting: Mapping[tuple[int, int], dict[str, Any]]
    standings: dict[str, Any]
    rankings: dict[str, Any] = dataclasses.field(default_factory=dict)  # Best Lifter by points
    # Each lifter id's categories, as positions in ``standings["categories"]`` in order, when
    # the maker keeps them (``IncrementalViews``): ``category_of`` then costs the lifter,
    # not the meet. Without it, ``category_of`` searches the categories.
    lifter_categories: Mapping[int, tuple[int, ...]] | None = dataclasses.field(default=None, compare=False, repr=False)

    def lifting_for(self, day: int | None = None, platform: int | None = None) -> dict[str, Any] | None:
        """A platform's view (the scoring table's when not given); None if it does not exist."""
        if day is None and platform is None:
            day, platform = self.table
        elif day is None or platform is None:
            day = self.table[0] if day is None else day
            platform = 1 if platform is None else platform
        return self.lifting.get((day, platform))

    def category_of(self, entry_id: int | None, division: str = "") -> dict[str, Any] | None:
        """The first category (in presentation order) of a lifter, in ``division`` if given."""
        if entry_id is None:
            return None
        categories = self.standings["categories"]
        if self.lifter_categories is not None:
            mine = [categories[at] for at in self.lifter_categories.get(entry_id, ())]
        else:
            mine = [category for category in categories if entry_id in category["entryIds"]]
        for wanted in ([division] if division else []) + [None]:
            for category in mine:
                if wanted is None or category["division"] == wanted:
                    return category
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "meet": self.meet,
            "platforms": self.platforms,
            "table": {"day": self.table[0], "platform": self.table[1]},
            "lifting": [self.lifting[pair] for pair in sorted(self.lifting)],
            "standings": self.standings,
            "rankings": self.rankings,
        }


def compute_views(state: Any, seq: int = 0) -> MeetViews:
    """Parse the state once and derive every platform's lifting view and the standings."""
    meet, entries, table = meet_from_state(state), entries_from_state(state), lifting_from_state(state)
    live = live_lifting_from_state(state)
    live_parts = live_platform_parts(state)
    results = _results(entries, meet)
    scoring = _scoring(results)
    by_pair: dict[Pair, list[Entry]] = {}
    for entry in entries:
        by_pair.setdefault((entry.day, entry.platform), []).append(entry)
    pairs = platform_pairs(meet, by_pair, table, live)
    lifting = {
        (d, p): platform_view(meet, by_pair.get((d, p), []), table, d, p, scoring, own=live.get((d, p)), live_parts=live_parts.get((d, p)))
        for d, p in pairs
    }
    table_view = lifting.get((table.day, table.platform))
    projected = table_view["projected"] if table_view is not None else table_projected(entries, table_lifting(table, live))
    return MeetViews(
        seq=seq,
        meet=setup_info(meet),
        platforms=[platform_info(d, p, table) for d, p in pairs],
        table=(table.day, table.platform),
        lifting=lifting,
        standings=_standings(meet, projected, results[projected]),
        rankings=rankings_of(meet, BEST_LIFTER, [ranking_category_view(r, meet) for r in get_rankings(entries, meet)]),
    )


# ---- best lifter by points ------------------------------------------------------------------

RANKING_LISTS = {"best": BEST_LIFTER, "masters": BEST_MASTERS, "juniors": BEST_JUNIORS}
_RANKING_TITLES = {BEST_LIFTER: "Best lifter", BEST_MASTERS: "Best masters lifter", BEST_JUNIORS: "Best juniors lifter"}


def ranking_category_view(ranking: Ranking, meet: MeetSetup) -> dict[str, Any]:
    return {**ranking_head(ranking.category), "rows": [ranking_row_view(row, meet) for row in ranking.rows]}


def ranking_head(category: PointsCategory) -> dict[str, Any]:
    """A ranking's title and what it ranks (everything but its rows)."""
    return {
        "key": f"{category.sex}|{category.event}|{category.equipment}",
        "sex": category.sex,
        "event": category.event,
        "equipment": category.equipment,
        "title": f"{SEX_LABELS.get(category.sex, category.sex)} · {category.equipment} · {category.event}",
    }


def ranking_row_view(row: RankedRow, meet: MeetSetup) -> dict[str, Any]:
    return {
        **_lifter(row.entry, meet),
        "place": row.place,
        "points": row.points,
        "pointsText": points_text(row.points, meet.formula) if row.points else "N/A",
        "totalKg": row.total_kg,
        "totalText": _table_weight(row.total_kg, meet),
    }


def rankings_of(meet: MeetSetup, kind: str, categories: list[dict[str, Any]]) -> dict[str, Any]:
    which = next(name for name, k in RANKING_LISTS.items() if k == kind)
    return {"list": which, "title": _RANKING_TITLES[kind], "formula": meet.formula,
            "ageAdjusted": kind != BEST_LIFTER and meet.age_coefficients != "None", "categories": categories}


def rankings_view(state: Any, which: str = "best") -> dict[str, Any]:
    """The best-lifter rankings by points (``rules/rankings.py``) of one list (``best``,
    ``masters`` or ``juniors``, as ``RANKING_LISTS``), shaped for the API and the pages."""
    meet, kind = meet_from_state(state), RANKING_LISTS[which]
    return rankings_of(meet, kind, [ranking_category_view(r, meet) for r in get_rankings(entries_from_state(state), meet, kind)])
