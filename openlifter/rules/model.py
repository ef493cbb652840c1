"""Tolerant readers for OpenLifter's materialized Redux state.

The live server sees the state while it is being edited, so any field may be
missing, null or of the wrong type.  These readers turn such JSON into frozen
dataclasses with OpenLifter's defaults (``newDefaultEntry`` in
``src/logic/entry.ts``, ``initialState`` in ``src/reducers/meetReducer.ts`` and
``liftingReducer.ts``) so the rule modules never have to check types again.

Coercion rule, applied everywhere: a value of the wrong JSON type (or a
non-finite number, or a non-integral number where OpenLifter only ever stores
integers) is replaced by the field's default.  Values of the right type are
kept even when OpenLifter's UI would never produce them (an unknown ``sex``
string, a status of 2), because OpenLifter's own logic has defined behaviour
for them and the rule modules reproduce it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

MAX_ATTEMPTS = 5
"""Length of every attempt/status array (``MAX_ATTEMPTS`` in entry.ts)."""

LIFTS = ("S", "B", "D")

# Plate colours, as in src/constants/plateColors.ts (upper-case hex).
PLATE_BLACK = "#000000"
PLATE_WHITE = "#FFFFFF"
PLATE_BLUE = "#4990E2"
PLATE_GREEN = "#2AB003"
PLATE_GRAY = "#575757"
PLATE_RED = "#FF0000"
PLATE_YELLOW = "#FFEF2A"
PLATE_ORANGE = "#F25A1D"
PLATE_PINK = "#E81FA5"
PLATE_PURPLE = "#9B16F2"

_LBS_PER_KG = 2.20462262

DEFAULT_BAR_AND_COLLARS_KG = 25.0
"""Default bar+collars in kg mode (metal 2.5 kg collars)."""

DEFAULT_BAR_AND_COLLARS_LBS_AS_KG = 45 / _LBS_PER_KG
"""Default bar+collars in lbs mode: 45 lb stored as kg, like ``lbs2kg(45)``."""


# --------------------------------------------------------------------------
# JavaScript semantics shared by the rule modules.


def js_string_key(s: str) -> bytes:
    """Sort key giving JS string order (UTF-16 code units), not code points.

    JS ``<`` on strings compares UTF-16 code units; Python compares code
    points.  They differ only for astral characters (surrogate pairs sort
    below U+E000..U+FFFF in JS), which lifter names can contain (emoji).
    """
    return s.encode("utf-16-be", "surrogatepass")


def js_string_compare(a: str, b: str) -> int:
    """-1/0/1 like JS ``a < b ? -1 : a > b ? 1 : 0``."""
    ka, kb = js_string_key(a), js_string_key(b)
    if ka < kb:
        return -1
    if ka > kb:
        return 1
    return 0


# --------------------------------------------------------------------------
# Coercion helpers.


def _as_float(v: Any) -> float | None:
    """A finite float for a JSON number (bools and too-big ints excluded), else None."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        f = float(v)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def _num(v: Any, default: float) -> float:
    f = _as_float(v)
    return default if f is None else f


def _opt_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    return None


def _int(v: Any, default: int) -> int:
    i = _opt_int(v)
    return default if i is None else i


def _str(v: Any, default: str) -> str:
    return v if isinstance(v, str) else default


def _bool(v: Any, default: bool) -> bool:
    return v if isinstance(v, bool) else default


def _seq(v: Any) -> Sequence[Any]:
    return v if isinstance(v, (list, tuple)) else ()


def _str_tuple(v: Any) -> tuple[str, ...]:
    return tuple(x for x in _seq(v) if isinstance(x, str))


def _num_tuple(v: Any) -> tuple[float, ...]:
    return tuple(f for f in (_as_float(x) for x in _seq(v)) if f is not None)


def _attempts(v: Any) -> tuple[float, ...]:
    vals = [_num(x, 0.0) for x in list(_seq(v))[:MAX_ATTEMPTS]]
    vals += [0.0] * (MAX_ATTEMPTS - len(vals))
    return tuple(vals)


def _statuses(v: Any) -> tuple[int, ...]:
    vals = [_int(x, 0) for x in list(_seq(v))[:MAX_ATTEMPTS]]
    vals += [0] * (MAX_ATTEMPTS - len(vals))
    return tuple(vals)


def _mapping(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


# --------------------------------------------------------------------------
# Entry.


@dataclass(frozen=True)
class Entry:
    """One registration (``Entry`` in src/types/dataTypes.ts), weights in kg."""

    id: int = 0
    day: int = 1
    platform: int = 1
    flight: str = "A"
    name: str = ""
    sex: str = "M"
    birth_date: str = ""
    age: int = 0
    country: str = ""
    state: str = ""
    intended_weight_class_kg: str = ""
    equipment: str = "Sleeves"
    divisions: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    lot: int = 0
    member_id: str = ""
    paid: bool = False
    team: str = ""
    guest: bool = False
    instagram: str = ""
    notes: str = ""
    bodyweight_kg: float = 0.0
    squat_rack_info: str = ""
    bench_rack_info: str = ""
    squat_kg: tuple[float, ...] = (0.0,) * MAX_ATTEMPTS
    bench_kg: tuple[float, ...] = (0.0,) * MAX_ATTEMPTS
    deadlift_kg: tuple[float, ...] = (0.0,) * MAX_ATTEMPTS
    squat_status: tuple[int, ...] = (0,) * MAX_ATTEMPTS
    bench_status: tuple[int, ...] = (0,) * MAX_ATTEMPTS
    deadlift_status: tuple[int, ...] = (0,) * MAX_ATTEMPTS
    points: float = 0.0  # fork-only
    place: int | float | str | None = None  # fork-only

    def weights(self, lift: str) -> tuple[float, ...]:
        """Attempt weights for lift S/B/D (anything else reads as squat, like entry.ts)."""
        if lift == "B":
            return self.bench_kg
        if lift == "D":
            return self.deadlift_kg
        return self.squat_kg

    def statuses(self, lift: str) -> tuple[int, ...]:
        """Attempt statuses (-1 no lift, 0 pending, 1 good) for lift S/B/D."""
        if lift == "B":
            return self.bench_status
        if lift == "D":
            return self.deadlift_status
        return self.squat_status


def _place(v: Any) -> int | float | str | None:
    if isinstance(v, str):
        return v
    i = _opt_int(v)
    return i if i is not None else _as_float(v)


def entry_from_json(raw: Any, default_id: int = 0) -> Entry:
    """Read one entry dict; never raises, whatever the input."""
    r = _mapping(raw)
    return Entry(
        id=_int(r.get("id"), default_id),
        day=_int(r.get("day"), 1),
        platform=_int(r.get("platform"), 1),
        flight=_str(r.get("flight"), "A"),
        name=_str(r.get("name"), ""),
        sex=_str(r.get("sex"), "M"),
        birth_date=_str(r.get("birthDate"), ""),
        age=_int(r.get("age"), 0),
        country=_str(r.get("country"), ""),
        state=_str(r.get("state"), ""),
        intended_weight_class_kg=_str(r.get("intendedWeightClassKg"), ""),
        equipment=_str(r.get("equipment"), "Sleeves"),
        divisions=_str_tuple(r.get("divisions")),
        events=_str_tuple(r.get("events")),
        lot=_int(r.get("lot"), 0),
        member_id=_str(r.get("memberId"), ""),
        paid=_bool(r.get("paid"), False),
        team=_str(r.get("team"), ""),
        guest=_bool(r.get("guest"), False),
        instagram=_str(r.get("instagram"), ""),
        notes=_str(r.get("notes"), ""),
        bodyweight_kg=_num(r.get("bodyweightKg"), 0.0),
        squat_rack_info=_str(r.get("squatRackInfo"), ""),
        bench_rack_info=_str(r.get("benchRackInfo"), ""),
        squat_kg=_attempts(r.get("squatKg")),
        bench_kg=_attempts(r.get("benchKg")),
        deadlift_kg=_attempts(r.get("deadliftKg")),
        squat_status=_statuses(r.get("squatStatus")),
        bench_status=_statuses(r.get("benchStatus")),
        deadlift_status=_statuses(r.get("deadliftStatus")),
        points=_num(r.get("points"), 0.0),
        place=_place(r.get("place")),
    )


def entries_from_state(state: Any) -> list[Entry]:
    """All entries of a GlobalState dict, in registration order.

    An entry without a usable ``id`` gets the id that ``registration.lookup``
    maps to its index (lookup keys are strings in JSON), else 0.
    """
    registration = _mapping(_mapping(state).get("registration"))
    raw_entries = _seq(registration.get("entries"))
    id_by_index: dict[int, int] = {}
    for key, index in _mapping(registration.get("lookup")).items():
        try:
            entry_id = int(key)
        except (TypeError, ValueError):
            continue
        position = _opt_int(index)
        if position is not None:
            id_by_index.setdefault(position, entry_id)
    return [
        entry_from_json(raw, id_by_index.get(i, 0))
        for i, raw in enumerate(raw_entries)
        if isinstance(raw, Mapping)
    ]


# --------------------------------------------------------------------------
# Meet setup.


@dataclass(frozen=True)
class Plate:
    """One plate kind in the meet's inventory (weight stored in kg)."""

    weight_kg: float
    pair_count: int
    color: str


def default_plates_kg() -> tuple[Plate, ...]:
    """OpenLifter's default kg plate set (meetReducer.ts ``defaultPlatesKg``)."""
    spec = (
        (50, 0, PLATE_GREEN), (25, 8, PLATE_RED), (20, 1, PLATE_BLUE),
        (15, 1, PLATE_YELLOW), (10, 1, PLATE_GREEN), (5, 1, PLATE_BLACK),
        (2.5, 1, PLATE_BLACK), (2, 0, PLATE_BLUE), (1.5, 0, PLATE_YELLOW),
        (1.25, 1, PLATE_BLACK), (1, 1, PLATE_BLUE), (0.75, 1, PLATE_RED),
        (0.5, 1, PLATE_GREEN), (0.25, 1, PLATE_BLUE),
    )
    return tuple(Plate(float(w), n, c) for w, n, c in spec)


def default_plates_lbs() -> tuple[Plate, ...]:
    """OpenLifter's default lbs plate set, stored as kg like ``lbs2kg(x)``."""
    spec = (
        (100, 0, PLATE_GREEN), (55, 0, PLATE_RED), (45, 8, PLATE_GRAY),
        (35, 0, PLATE_GRAY), (25, 1, PLATE_GRAY), (10, 2, PLATE_GRAY),
        (5, 1, PLATE_GRAY), (2.5, 1, PLATE_GRAY), (1.25, 1, PLATE_GRAY),
        (0.5, 2, PLATE_GRAY),
    )
    return tuple(Plate(w / _LBS_PER_KG, n, c) for w, n, c in spec)


@dataclass(frozen=True)
class MeetSetup:
    """The meet setup (OpenLifter's ``MeetState``; not the served meet of ``openlifter.meet``).

    Weights in kg whatever ``in_kg`` says."""

    name: str = ""
    country: str = ""
    state: str = ""
    city: str = ""
    federation: str = ""
    date: str = ""
    length_days: int = 1
    platforms_on_days: tuple[int, ...] = (1,)
    age_coefficients: str = "FosterMcCulloch"
    divisions: tuple[str, ...] = ()
    weight_classes_kg_men: tuple[float, ...] = ()
    weight_classes_kg_women: tuple[float, ...] = ()
    weight_classes_kg_mx: tuple[float, ...] = ()
    formula: str = "Wilks"
    combine_sleeves_and_wraps: bool = False
    combine_single_and_multi: bool = False
    allow_4th_attempts: bool = True
    in_kg: bool = True
    show_alternate_units: bool = True
    squat_bar_and_collars_weight_kg: float = DEFAULT_BAR_AND_COLLARS_KG
    bench_bar_and_collars_weight_kg: float = DEFAULT_BAR_AND_COLLARS_KG
    deadlift_bar_and_collars_weight_kg: float = DEFAULT_BAR_AND_COLLARS_KG
    plates: tuple[Plate, ...] = field(default_factory=default_plates_kg)

    def weight_classes_for_sex(self, sex: str) -> tuple[float, ...]:
        """Classes used for a sex; unknown sexes use the men's (mapSexToClasses)."""
        if sex == "F":
            return self.weight_classes_kg_women
        if sex == "Mx":
            return self.weight_classes_kg_mx
        return self.weight_classes_kg_men


def _plates(v: Any, in_kg: bool) -> tuple[Plate, ...]:
    if not isinstance(v, (list, tuple)):
        return default_plates_kg() if in_kg else default_plates_lbs()
    out = []
    for p in v:
        weight = _as_float(p.get("weightKg")) if isinstance(p, Mapping) else None
        if weight is None:
            continue
        out.append(Plate(weight, _int(p.get("pairCount"), 0), _str(p.get("color"), PLATE_BLACK)))
    return tuple(out)


def meet_from_json(raw: Any) -> MeetSetup:
    """Read the ``meet`` slice.  Missing bar/plates get the defaults of the meet's unit.

    ``date`` defaults to "" rather than today: a reader must stay pure.
    """
    r = _mapping(raw)
    in_kg = _bool(r.get("inKg"), True)
    bar = DEFAULT_BAR_AND_COLLARS_KG if in_kg else DEFAULT_BAR_AND_COLLARS_LBS_AS_KG
    platforms = tuple(i for i in (_opt_int(x) for x in _seq(r.get("platformsOnDays"))) if i is not None)
    return MeetSetup(
        name=_str(r.get("name"), ""),
        country=_str(r.get("country"), ""),
        state=_str(r.get("state"), ""),
        city=_str(r.get("city"), ""),
        federation=_str(r.get("federation"), ""),
        date=_str(r.get("date"), ""),
        length_days=_int(r.get("lengthDays"), 1),
        platforms_on_days=platforms if isinstance(r.get("platformsOnDays"), (list, tuple)) else (1,),
        age_coefficients=_str(r.get("ageCoefficients"), "FosterMcCulloch"),
        divisions=_str_tuple(r.get("divisions")),
        weight_classes_kg_men=_num_tuple(r.get("weightClassesKgMen")),
        weight_classes_kg_women=_num_tuple(r.get("weightClassesKgWomen")),
        weight_classes_kg_mx=_num_tuple(r.get("weightClassesKgMx")),
        formula=_str(r.get("formula"), "Wilks"),
        combine_sleeves_and_wraps=_bool(r.get("combineSleevesAndWraps"), False),
        combine_single_and_multi=_bool(r.get("combineSingleAndMulti"), False),
        allow_4th_attempts=_bool(r.get("allow4thAttempts"), True),
        in_kg=in_kg,
        show_alternate_units=_bool(r.get("showAlternateUnits"), True),
        squat_bar_and_collars_weight_kg=_num(r.get("squatBarAndCollarsWeightKg"), bar),
        bench_bar_and_collars_weight_kg=_num(r.get("benchBarAndCollarsWeightKg"), bar),
        deadlift_bar_and_collars_weight_kg=_num(r.get("deadliftBarAndCollarsWeightKg"), bar),
        plates=_plates(r.get("plates"), in_kg),
    )


def meet_from_state(state: Any) -> MeetSetup:
    """``meet_from_json`` on ``state["meet"]``."""
    return meet_from_json(_mapping(state).get("meet"))


# --------------------------------------------------------------------------
# Lifting.


@dataclass(frozen=True)
class Lifting:
    """The lifting group on screen (``LiftingState``); progress itself is derived."""

    day: int = 1
    platform: int = 1
    flight: str = "A"
    lift: str = "S"
    override_attempt: int | None = None
    override_entry_id: int | None = None
    column_division_width_px: float = 90.0


def lifting_from_json(raw: Any) -> Lifting:
    """Read the ``lifting`` slice.  An unknown lift reads as "S", as entry.ts falls back to squat."""
    r = _mapping(raw)
    lift = r.get("lift")
    return Lifting(
        day=_int(r.get("day"), 1),
        platform=_int(r.get("platform"), 1),
        flight=_str(r.get("flight"), "A"),
        lift=lift if lift in LIFTS else "S",
        override_attempt=_opt_int(r.get("overrideAttempt")),
        override_entry_id=_opt_int(r.get("overrideEntryId")),
        column_division_width_px=_num(r.get("columnDivisionWidthPx"), 90.0),
    )


def lifting_from_state(state: Any) -> Lifting:
    """``lifting_from_json`` on ``state["lifting"]``."""
    return lifting_from_json(_mapping(state).get("lifting"))
