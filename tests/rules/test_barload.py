"""Bar loading and its drawing facts (openlifter/rules/barload.py)."""

import pytest

from openlifter.rules.barload import (
    MAX_PLATES_PER_SIDE,
    PLATE_BLACK,
    PLATE_BLUE,
    PLATE_GRAY,
    PLATE_GREEN,
    PLATE_RED,
    PLATE_WHITE,
    PLATE_YELLOW,
    LoadedPlate,
    Plate,
    bar_weight_for_lift,
    default_plates_kg,
    default_plates_lbs,
    left_card_loadings,
    make_loading_relative,
    plate_views,
    rack_info_text,
    safe_kg2lbs,
    select_plates,
)
from openlifter.rules.model import MeetSetup
from openlifter.rules.units import lbs2kg

KG_PLATES = default_plates_kg()
LBS_PLATES = default_plates_lbs()


def weights(loading):
    return [p.weight_any for p in loading]


def loaded(*ws, color=PLATE_RED):
    return [LoadedPlate(w, False, color) for w in ws]


# --- select_plates, kg -----------------------------------------------------------------------


def test_kg_loading_takes_heaviest_plates_first():
    assert weights(select_plates(180, 25, KG_PLATES, True)) == [25, 25, 25, 2.5]


def test_kg_loading_respects_pair_counts():
    # Only one pair of 20s, 15s and 10s: 250 kg is 4x25 + 10 + 2.5 per side.
    assert weights(select_plates(250, 25, KG_PLATES, True)) == [25, 25, 25, 25, 10, 2.5]


def test_plates_with_no_pairs_are_never_loaded():
    # 50s have 0 pairs; 8 pairs of 25s, then the single 20/15/2.5 pairs.
    assert weights(select_plates(500, 25, KG_PLATES, True)) == [25] * 8 + [20, 15, 2.5]


def test_loaded_plates_keep_their_colour():
    # 46.25 per side: 25 + 20 + 1.25.
    assert [p.color for p in select_plates(117.5, 25, KG_PLATES, True)] == [PLATE_RED, PLATE_BLUE, PLATE_BLACK]


def test_unloadable_remainder_is_a_negative_red_plate():
    loading = select_plates(100.3, 25, KG_PLATES, True)
    assert weights(loading)[:3] == [25, 10, 2.5]
    assert loading[-1].weight_any == pytest.approx(-0.15)
    assert loading[-1].color == PLATE_RED


def test_weight_at_or_below_the_bar_loads_nothing():
    assert select_plates(25, 25, KG_PLATES, True) == []
    assert select_plates(0, 25, KG_PLATES, True) == []


def test_bar_weight_depends_on_the_lift():
    meet = MeetSetup(squat_bar_and_collars_weight_kg=25, bench_bar_and_collars_weight_kg=20,
                deadlift_bar_and_collars_weight_kg=27.5)
    assert [bar_weight_for_lift(meet, lift) for lift in "SBD"] == [25, 20, 27.5]
    assert weights(select_plates(100, bar_weight_for_lift(meet, "B"), KG_PLATES, True)) == [25, 15]


# --- select_plates, lbs -----------------------------------------------------------------------


def test_kg_to_lbs_conversion_rounds_to_hundredths():
    assert safe_kg2lbs(lbs2kg(45)) == 45.0
    assert safe_kg2lbs(100) == 220.46


def test_lbs_loading_converts_everything_to_pounds():
    loading = select_plates(lbs2kg(405), lbs2kg(45), LBS_PLATES, False)
    assert weights(loading) == [45, 45, 45, 45]
    assert {p.color for p in loading} == {PLATE_GRAY}


def test_lbs_loading_uses_small_plates_with_their_pair_counts():
    # (136 - 45) / 2 = 45.5 per side; 0.5 lb plates come in two pairs.
    assert weights(select_plates(lbs2kg(136), lbs2kg(45), LBS_PLATES, False)) == [45, 0.5]
    # 11 per side: there is no 1 lb plate, so both pairs of 0.5s go on.
    assert weights(select_plates(lbs2kg(67), lbs2kg(45), LBS_PLATES, False)) == [10, 0.5, 0.5]
    # 1.5 per side: 1.25 fits, the last 0.25 is reported as a remainder.
    assert weights(select_plates(lbs2kg(48), lbs2kg(45), LBS_PLATES, False)) == [1.25, -0.25]


def test_nonpositive_plates_are_skipped_and_runaway_counts_are_capped():
    plates = (Plate(0.0, 5, PLATE_BLACK), Plate(0.25, 10**9, PLATE_BLUE))
    loading = select_plates(10**6, 25, plates, True)
    assert len(loading) == MAX_PLATES_PER_SIDE + 1
    assert loading[-1].weight_any < 0


# --- makeLoadingRelative -------------------------------------------------------------------------


def test_plates_already_on_the_bar_are_marked_loaded():
    current = loaded(25, 25, 2.5)
    nxt = make_loading_relative(loaded(25, 25, 10, 2.5), current)
    assert [p.is_already_loaded for p in nxt] == [True, True, False, True]


def test_relative_matching_never_reuses_a_plate():
    nxt = make_loading_relative(loaded(25, 25, 25), loaded(25, 20))
    assert [p.is_already_loaded for p in nxt] == [True, False, False]


def test_left_card_marks_next_loading_only_when_it_is_not_lighter():
    meet = MeetSetup()
    current, nxt = left_card_loadings(meet, "S", 180, 190)
    assert weights(current) == [25, 25, 25, 2.5]
    # 82.5 per side: 3x25 + 5 + 2.5; only the 5 must be added.
    assert [(p.weight_any, p.is_already_loaded) for p in nxt] == [
        (25, True), (25, True), (25, True), (5, False), (2.5, True),
    ]
    _, lighter = left_card_loadings(meet, "S", 180, 130)
    assert not any(p.is_already_loaded for p in lighter)


# --- Defaults and colours -------------------------------------------------------------------------


def test_default_kg_plates_match_openlifter():
    assert [(p.weight_kg, p.pair_count) for p in KG_PLATES] == [
        (50, 0), (25, 8), (20, 1), (15, 1), (10, 1), (5, 1), (2.5, 1), (2, 0), (1.5, 0), (1.25, 1),
        (1, 1), (0.75, 1), (0.5, 1), (0.25, 1),
    ]
    assert KG_PLATES[3].color == PLATE_YELLOW


def test_default_lbs_plates_are_stored_in_kg():
    assert [round(p.weight_kg * 2.20462262, 6) for p in LBS_PLATES] == [100, 55, 45, 35, 25, 10, 5, 2.5, 1.25, 0.5]
    assert [p.pair_count for p in LBS_PLATES] == [0, 0, 8, 0, 1, 2, 1, 1, 1, 2]
    assert LBS_PLATES[0].color == PLATE_GREEN


def test_plate_colour_constants_are_openlifters():
    assert (PLATE_BLACK, PLATE_WHITE, PLATE_BLUE, PLATE_GREEN, PLATE_GRAY, PLATE_RED, PLATE_YELLOW) == (
        "#000000", "#FFFFFF", "#4990E2", "#2AB003", "#575757", "#FF0000", "#FFEF2A",
    )


# --- Drawing facts ------------------------------------------------------------------------------------


def test_small_plates_are_labelled_with_fractions():
    views = plate_views(loaded(2.5, 1.25, 1, 0.75, 0.5, 0.25), True)
    assert [v.label for v in views] == ["2.5", "1¼", "1", "¾", "½", "¼"]


def test_plate_heights_follow_the_kg_size_table():
    views = plate_views(loaded(50, 25, 20, 15, 10, 5, 2.5, 1.25, 1, 0.75, 0.5, 0.25), True)
    assert [v.relative_height_pct for v in views] == [100, 100, 100, 90, 80, 70, 60, 50, 45, 40, 30, 20]
    assert views[3].height_pct == pytest.approx(72.0)
    assert [v.width_factor for v in views[:2]] == [1.5, 1.0]


def test_plate_heights_follow_the_lbs_size_table():
    views = plate_views(loaded(100, 55, 45, 35, 25, 10, 5, 2.5, 1.25, 0.5), False)
    assert [v.relative_height_pct for v in views] == [100, 100, 100, 90, 80, 70, 60, 50, 40, 30]
    assert [v.width_factor for v in views[:3]] == [1.5, 1.2, 1.0]


def test_plate_of_unknown_size_gets_the_error_shape_but_keeps_its_colour():
    [view] = plate_views(loaded(2, color=PLATE_BLUE), True)
    assert (view.label, view.is_error, view.height_pct, view.width_factor, view.background) == (
        "2", False, 14.0, 2.0, PLATE_BLUE,
    )


def test_remainder_is_drawn_as_an_error_box_and_ends_the_list():
    views = plate_views([LoadedPlate(25, False, PLATE_RED), LoadedPlate(-0.15, False, PLATE_RED)], True)
    assert [(v.label, v.is_error) for v in views] == [("25", False), ("?0.15", True)]


def test_three_or_more_identical_plates_are_numbered():
    views = plate_views(loaded(25, 25, 25, 10, 10), True)
    assert [v.counter for v in views] == ["1", "2", "3", None, None]


def test_light_plates_get_dark_text_and_white_plates_a_border():
    views = plate_views([LoadedPlate(15, False, PLATE_YELLOW), LoadedPlate(10, False, PLATE_WHITE),
                         LoadedPlate(5, False, PLATE_BLACK)], True)
    assert [v.text_color for v in views] == ["#232323", "#232323", "#FFFFFF"]
    assert [v.border for v in views] == [None, "1.5px solid #232323", None]


def test_plates_already_loaded_are_faded():
    views = plate_views([LoadedPlate(25, True, PLATE_RED), LoadedPlate(10, False, PLATE_GREEN)], True)
    assert [v.opacity for v in views] == [0.25, None]


def test_rack_info_is_shown_for_squat_and_bench_only():
    assert rack_info_text("S", "12") == "Rack 12"
    assert rack_info_text("B", "5/4") == "Rack 5/4"
    assert rack_info_text("D", "12") is None
