"""OpenLifter's unit conversion and weight display (openlifter/rules/units.py)."""

import math

import pytest

from openlifter.rules.units import (
    attempt_weight_text,
    display_weight,
    display_weight_in_units,
    display_weight_one_place,
    kg2lbs,
    lbs2kg,
    total_weight_text,
    weight_class_in_units,
    weight_class_lbs_str,
    weight_class_str,
    wtcls_str_kg2lbs,
)


def test_kg_lbs_factor_is_openlifters():
    assert kg2lbs(100) == pytest.approx(220.462262)
    assert lbs2kg(220.462262) == pytest.approx(100)


def test_display_weight_shows_at_most_two_decimals_without_trailing_zeros():
    assert display_weight(100) == "100"
    assert display_weight(112.5) == "112.5"
    assert display_weight(102.25) == "102.25"
    assert display_weight(kg2lbs(100)) == "220.46"
    assert display_weight(1234567) == "1234567"


def test_display_weight_bumps_a_hundredths_nine_to_the_next_tenth():
    assert display_weight(2.29) == "2.3"
    assert display_weight(kg2lbs(lbs2kg(45))) == "45"


def test_display_weight_rounds_halves_up_like_math_round():
    assert display_weight(0.125) == "0.13"
    assert display_weight(-0.125) == "-0.12"


def test_display_weight_never_corrects_negative_nines():
    assert display_weight(-2.29) == "-2.29"
    assert display_weight(-102.5) == "-102.5"


def test_display_weight_keeps_negative_zero_like_intl():
    assert display_weight(-0.0) == "-0"
    assert display_weight(0.0) == "0"


def test_display_weight_of_non_finite_numbers_does_not_raise():
    assert display_weight(math.nan) == "NaN"
    assert display_weight(math.inf) == "∞"


def test_display_weight_one_place_truncates_after_rounding():
    assert display_weight_one_place(kg2lbs(200)) == "440.9"
    assert display_weight_one_place(102.45) == "102.4"
    assert display_weight_one_place(102.49) == "102.5"
    assert display_weight_one_place(100) == "100"


def test_display_weight_in_units_converts_for_lbs_meets():
    assert display_weight_in_units(100, True) == "100"
    assert display_weight_in_units(100, False) == "220.46"


def test_weight_class_is_first_class_at_or_above_bodyweight():
    classes = [59, 66, 74, 82.5]
    assert weight_class_str(classes, 70) == "74"
    assert weight_class_str(classes, 74) == "74"
    assert weight_class_str(classes, 80) == "82.5"


def test_weight_class_above_last_is_superheavy():
    assert weight_class_str([59, 66, 120], 130.2) == "120+"


def test_weight_class_blank_without_bodyweight_or_classes():
    assert weight_class_str([59, 66], 0) == ""
    assert weight_class_str([], 80) == ""


def test_lbs_weight_class_is_floored_pounds():
    assert weight_class_lbs_str([74, 93], 70) == "163"
    assert weight_class_lbs_str([74, 93], 90) == "205"
    assert weight_class_lbs_str([74, 93], 100) == "205+"
    assert weight_class_lbs_str([74, 93], 0) == ""


def test_lbs_weight_class_182_is_reported_as_183():
    assert weight_class_lbs_str([83], 80) == "183"
    assert wtcls_str_kg2lbs("83") == "183"


def test_kg_class_string_converts_to_lbs_keeping_plus():
    assert wtcls_str_kg2lbs("90") == "198"
    assert wtcls_str_kg2lbs("120+") == "264+"
    assert wtcls_str_kg2lbs("") == "0"
    assert wtcls_str_kg2lbs("abc") == "NaN"


def test_weight_class_in_units_picks_kg_or_lbs():
    assert weight_class_in_units([90], 85, True) == "90"
    assert weight_class_in_units([90], 85, False) == "198"


def test_attempt_weight_shows_alternate_unit_after_meet_unit():
    assert attempt_weight_text(200, True, True) == "200kg / 440.9lb"
    assert attempt_weight_text(200, True, False) == "200kg"
    assert attempt_weight_text(lbs2kg(405), False, True) == "405lb / 183.7kg"
    assert attempt_weight_text(lbs2kg(405), False, False) == "405lb"


def test_results_total_uses_two_decimals():
    assert total_weight_text(600, True, True) == "600kg / 1322.77lb"
    assert total_weight_text(600, False, False) == "1322.77lb"
