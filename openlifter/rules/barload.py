"""Bar loading for the loaders' display, as OpenLifter computes and draws it.

``selectPlates``/``makeLoadingRelative`` come from ``src/logic/barLoad.ts``;
the drawing facts (labels, heights, widths, text colour) from
``src/components/lifting/BarLoad.tsx`` and ``BarLoad.module.scss``, so the
overlay can draw the same bar without a browser-side copy of the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Sequence

from openlifter.rules.model import (
    PLATE_BLACK,
    PLATE_BLUE,
    PLATE_GRAY,
    PLATE_GREEN,
    PLATE_ORANGE,
    PLATE_PINK,
    PLATE_PURPLE,
    PLATE_RED,
    PLATE_WHITE,
    PLATE_YELLOW,
    MeetSetup,
    Plate,
    default_plates_kg,
    default_plates_lbs,
)
from openlifter.rules.units import display_weight, kg2lbs

__all__ = [
    "PLATE_BLACK", "PLATE_BLUE", "PLATE_GRAY", "PLATE_GREEN", "PLATE_ORANGE", "PLATE_PINK",
    "PLATE_PURPLE", "PLATE_RED", "PLATE_WHITE", "PLATE_YELLOW", "MAX_PLATE_HEIGHT_PCT", "MAX_PLATES_PER_SIDE",
    "LoadedPlate", "PlateView", "Plate", "bar_weight_for_lift", "default_plates_kg",
    "default_plates_lbs", "left_card_loadings", "make_loading_relative", "plate_views",
    "rack_info_text", "safe_kg2lbs", "select_plates",
]

MAX_PLATE_HEIGHT_PCT = 80.0
"""Tallest plate, as % of the bar-load box height (``$maximum-plate-height``)."""

MAX_PLATES_PER_SIDE = 200
"""Safety cap against absurd inventories; the rest shows as the "?x" remainder."""

_ERROR_HEIGHT_PCT = 14.0
_DARK_TEXT = "#232323"
_LIGHT_TEXT = "#FFFFFF"
_WHITE_BORDER = "1.5px solid #232323"

# Plate weight -> (height as % of the tallest plate, width factor).
_KG_STYLES = MappingProxyType({
    50: (100.0, 1.5), 25: (100.0, 1.0), 20: (100.0, 1.0), 15: (90.0, 1.0), 10: (80.0, 1.0),
    5: (70.0, 1.0), 2.5: (60.0, 1.0), 1.25: (50.0, 1.0), 1: (45.0, 1.0), 0.75: (40.0, 1.0),
    0.5: (30.0, 1.0), 0.25: (20.0, 1.0),
})
_LBS_STYLES = MappingProxyType({
    100: (100.0, 1.5), 55: (100.0, 1.2), 45: (100.0, 1.0), 35: (90.0, 1.0), 25: (80.0, 1.0),
    10: (70.0, 1.0), 5: (60.0, 1.0), 2.5: (50.0, 1.0), 1.25: (40.0, 1.0), 0.5: (30.0, 1.0),
})
_FRACTION_LABELS = MappingProxyType({1.25: "1¼", 0.75: "¾", 0.5: "½", 0.25: "¼"})


@dataclass(frozen=True)
class LoadedPlate:
    """One plate on one side of the bar (``LoadedPlate``), in the meet's unit.

    A negative weight is the unloadable remainder, coloured red.
    """

    weight_any: float
    is_already_loaded: bool
    color: str


def safe_kg2lbs(kg: float) -> float:
    """kg to lbs rounded to 0.01 via displayWeight, so 20.41 kg reads as exactly 45 lb."""
    text = display_weight(kg2lbs(kg))
    try:
        return float(text)
    except ValueError:
        return math.nan


def select_plates(
    loading_kg: float, bar_and_collars_kg: float, plates: Sequence[Plate], in_kg: bool
) -> list[LoadedPlate]:
    """Plates for one side, heaviest first, greedily within each plate's pair count.

    In lbs meets everything is converted first.  What cannot be loaded is
    appended as a negative red "plate" so the loaders see "?x".
    """
    if in_kg:
        loading, bar = loading_kg, bar_and_collars_kg
        inventory = [(p.weight_kg, p.pair_count, p.color) for p in plates]
    else:
        loading, bar = safe_kg2lbs(loading_kg), safe_kg2lbs(bar_and_collars_kg)
        inventory = [(safe_kg2lbs(p.weight_kg), p.pair_count, p.color) for p in plates]
    inventory.sort(key=lambda p: -p[0])  # stable, like JS sort by b - a
    side = (loading - bar) / 2
    loaded: list[LoadedPlate] = []
    for weight, pairs, color in inventory:
        if not weight > 0:
            continue  # a zero/negative/NaN plate can never help; OpenLifter would spin on it
        while pairs > 0 and weight <= side and len(loaded) < MAX_PLATES_PER_SIDE:
            pairs -= 1
            side -= weight
            loaded.append(LoadedPlate(weight, False, color))
    if side > 0:
        loaded.append(LoadedPlate(-side, False, PLATE_RED))
    return loaded


def make_loading_relative(loading: Sequence[LoadedPlate], relative_to: Sequence[LoadedPlate]) -> list[LoadedPlate]:
    """Mark plates of ``loading`` already on the bar in ``relative_to`` (two-pointer match).

    Both lists are heaviest first; each match moves the pointer past the
    matched plate, so the loaders only see what to add.
    """
    finger = 0
    out = []
    for plate in loading:
        index = next((i for i in range(finger, len(relative_to)) if relative_to[i].weight_any == plate.weight_any), -1)
        if index >= 0:
            finger = index + 1
            plate = replace(plate, is_already_loaded=True)
        out.append(plate)
    return out


def bar_weight_for_lift(meet: MeetSetup, lift: str) -> float:
    """Bar + collars in kg for the lift being loaded (0 for an unknown lift, as LeftCard)."""
    if lift == "S":
        return meet.squat_bar_and_collars_weight_kg
    if lift == "B":
        return meet.bench_bar_and_collars_weight_kg
    if lift == "D":
        return meet.deadlift_bar_and_collars_weight_kg
    return 0.0


def left_card_loadings(
    meet: MeetSetup, lift: str, current_kg: float, next_kg: float
) -> tuple[list[LoadedPlate], list[LoadedPlate]]:
    """Current and next loadings; the next is made relative when it is not lighter."""
    bar = bar_weight_for_lift(meet, lift)
    current = select_plates(current_kg, bar, meet.plates, meet.in_kg)
    nxt = select_plates(next_kg, bar, meet.plates, meet.in_kg)
    if next_kg >= current_kg:
        nxt = make_loading_relative(nxt, current)
    return current, nxt


def rack_info_text(lift: str, rack_info: str) -> str | None:
    """"Rack {x}" under the bar for squat and bench; deadlifts have no rack."""
    if lift == "D":
        return None
    return f"Rack {rack_info}"


@dataclass(frozen=True)
class PlateView:
    """Everything needed to draw one plate box (or the error box)."""

    label: str
    counter: str | None
    is_error: bool
    height_pct: float  # of the bar-load box height
    relative_height_pct: float  # of the tallest plate
    width_factor: float  # times the standard plate width
    background: str
    text_color: str
    border: str | None
    opacity: float | None


def plate_views(loading: Sequence[LoadedPlate], in_kg: bool) -> list[PlateView]:
    """Draw list for a loading: innermost plate first, error box last.

    Plates of unknown size (e.g. 2 kg) get the error box's shape but keep
    their colour; a run of three or more identical plates is numbered 1..n;
    white and yellow plates get dark text, white ones a border.
    """
    styles = _KG_STYLES if in_kg else _LBS_STYLES
    views: list[PlateView] = []
    i = 0
    while i < len(loading):
        weight = loading[i].weight_any
        if weight < 0:
            views.append(PlateView(
                label="?" + display_weight(-weight), counter=None, is_error=True,
                height_pct=_ERROR_HEIGHT_PCT, relative_height_pct=_ERROR_HEIGHT_PCT * 100 / MAX_PLATE_HEIGHT_PCT,
                width_factor=2.0, background=PLATE_RED, text_color=_LIGHT_TEXT, border=None, opacity=None,
            ))
            break
        count = 1
        while i + count < len(loading) and loading[i + count].weight_any == weight:
            count += 1
        style = styles.get(weight)
        for j in range(count):
            plate = loading[i + j]
            light = plate.color in (PLATE_WHITE, PLATE_YELLOW)
            if style is None:
                height, relative, width = _ERROR_HEIGHT_PCT, _ERROR_HEIGHT_PCT * 100 / MAX_PLATE_HEIGHT_PCT, 2.0
            else:
                relative, width = style
                height = MAX_PLATE_HEIGHT_PCT * relative / 100
            views.append(PlateView(
                label=_FRACTION_LABELS.get(weight) or display_weight(weight),
                counter=str(j + 1) if count >= 3 else None,
                is_error=False,
                height_pct=height,
                relative_height_pct=relative,
                width_factor=width,
                background=plate.color,
                text_color=_DARK_TEXT if light else _LIGHT_TEXT,
                border=_WHITE_BORDER if plate.color == PLATE_WHITE else None,
                opacity=0.25 if plate.is_already_loaded else None,
            ))
        i += count
    return views
