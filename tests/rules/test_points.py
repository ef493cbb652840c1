"""OpenLifter's points formulas, checked against published values and hand-worked arithmetic.

Expected values are computed here from the published formulas with the bodyweight already
substituted (powers of 100 written out), never by calling the module's own helpers.
"""

from __future__ import annotations

import math

import pytest

from openlifter.rules.points import (
    FORMULAS,
    ah,
    bodyweight_multiple,
    display_points,
    dots,
    foster_mcculloch,
    get_age_adjusted_points,
    get_points,
    glossbrenner,
    goodlift,
    ipf_points,
    nasa,
    reshel,
    schwartz_malone,
    wilks,
    wilks2020,
)

TIGHT = 1e-9  # relative tolerance for hand-worked values

# Wilks coefficients at 100 kg, published in OpenPowerlifting's coefficients crate
# (crates/coefficients/src/wilks.rs, "taken verbatim from the old Python implementation").
WILKS_MEN_100 = 0.6085890719066511
WILKS_WOMEN_100 = 0.8325833167368228

# The Schwartz polynomial at 100 kg, term by term:
# 6.31926 - 0.262349*100 + 0.51155e-2*1e4 - 0.519738e-4*1e6 + 0.267626e-6*1e8
#         - 0.540132e-9*1e10 - 0.728875e-13*1e12
SCHWARTZ_100 = 6.31926 - 26.2349 + 51.155 - 51.9738 + 26.7626 - 5.40132 - 0.0728875


def malone(bw: float) -> float:
    """The Malone curve as published (fitted by OpenPowerlifting)."""
    return 106.011586323613 * bw**-1.293027130579051 + 0.322935585328304


# Formulas scored from sex, bodyweight and total only.
SEX_BW_TOTAL = [
    ah, bodyweight_multiple, dots, glossbrenner, nasa, reshel, schwartz_malone, wilks, wilks2020
]

# Equipment that OpenLifter folds into the two divisions the IPF publishes parameters for.
FOLDED_EQUIPMENT = [
    ("Bare", "Sleeves"),
    ("Wraps", "Sleeves"),
    ("Multi-ply", "Single-ply"),
    ("Unlimited", "Single-ply"),
]


# --- Formula names ------------------------------------------------------------------------


def test_formula_names_are_openlifters():
    assert FORMULAS == (
        "AH",
        "Bodyweight Multiple",
        "Dots",
        "Glossbrenner",
        "IPF GL Points",
        "IPF Points",
        "NASA Points",
        "Reshel",
        "Schwartz/Malone",
        "Total",
        "Wilks",
        "Wilks2020",
    )


# --- Wilks ------------------------------------------------------------------------------


def test_wilks_men_matches_published_value():
    # OpenPowerlifting crates/coefficients/src/wilks.rs: M, 100 kg, 1000 kg total -> 608.58907.
    assert wilks("M", 100, 1000) == pytest.approx(608.58907, abs=5e-6)


def test_wilks_women_matches_published_value():
    # OpenPowerlifting crates/coefficients/src/wilks.rs: F, 60 kg, 500 kg total -> 557.4434.
    assert wilks("F", 60, 500) == pytest.approx(557.4434, abs=5e-5)


def test_wilks_women_at_100kg_is_hand_worked_polynomial():
    # 500 / (a + b*100 + c*100^2 + d*100^3 + e*100^4 + f*100^5), women's coefficients.
    denominator = 594.31747775582 - 2723.842536447 + 8211.2226871 - 9307.33913 + 4731.582 - 905.4
    assert 500 / denominator == pytest.approx(WILKS_WOMEN_100, rel=TIGHT)
    assert wilks("F", 100, 400) == pytest.approx(400 * WILKS_WOMEN_100, rel=TIGHT)


@pytest.mark.parametrize(
    ("sex", "outside", "bound"),
    [("M", 30, 40), ("M", 250, 201.9), ("F", 20, 26.51), ("F", 200, 154.53)],
)
def test_wilks_clamps_bodyweight(sex, outside, bound):
    assert wilks(sex, outside, 500) == pytest.approx(wilks(sex, bound, 500), rel=TIGHT)


# --- Wilks2020 --------------------------------------------------------------------------


def test_wilks2020_men_at_100kg_is_hand_worked_polynomial():
    denominator = (
        47.4617885411949
        + 8.47206137941125 * 100
        + 0.073694103462609 * 1e4
        - 0.00139583381094385 * 1e6
        + 0.00000707665973070743 * 1e8
        - 0.0000000120804336482315 * 1e10
    )
    assert wilks2020("M", 100, 700) == pytest.approx(700 * 600 / denominator, rel=TIGHT)


def test_wilks2020_women_at_100kg_is_hand_worked_polynomial():
    denominator = (
        -125.425539779509
        + 13.7121941940668 * 100
        - 0.0330725063103405 * 1e4
        - 0.0010504000506583 * 1e6
        + 0.00000938773881462799 * 1e8
        - 0.000000023334613884954 * 1e10
    )
    assert wilks2020("F", 100, 450) == pytest.approx(450 * 600 / denominator, rel=TIGHT)


@pytest.mark.parametrize(
    ("sex", "outside", "bound"),
    [("M", 30, 40), ("M", 250, 200.95), ("F", 30, 40), ("F", 200, 150.95)],
)
def test_wilks2020_clamps_bodyweight(sex, outside, bound):
    assert wilks2020(sex, outside, 500) == pytest.approx(wilks2020(sex, bound, 500), rel=TIGHT)


# --- Dots -------------------------------------------------------------------------------


def test_dots_men_at_100kg_is_hand_worked_polynomial():
    # 500 / (A*100^4 + B*100^3 + C*100^2 + D*100 + E), men's coefficients.
    denominator = -109.3 + 739.1293 - 1918.759221 + 2409.00756 - 307.75076
    assert dots("M", 100, 700) == pytest.approx(700 * 500 / denominator, rel=TIGHT)


def test_dots_women_at_100kg_is_hand_worked_polynomial():
    denominator = -107.06 + 515.8568 - 1126.655495 + 1361.75032 - 57.96288
    assert dots("F", 100, 450) == pytest.approx(450 * 500 / denominator, rel=TIGHT)


@pytest.mark.parametrize(
    ("sex", "outside", "bound"),
    [("M", 35, 40), ("M", 250, 210), ("F", 35, 40), ("F", 180, 150)],
)
def test_dots_clamps_bodyweight(sex, outside, bound):
    assert dots(sex, outside, 500) == pytest.approx(dots(sex, bound, 500), rel=TIGHT)


# --- IPF GL Points ----------------------------------------------------------------------


def test_goodlift_matches_published_equipped_men_sbd_value():
    # Dmitry Inzarkin, 2019 IPF World Open Men's Championships: 92.04 kg, 1035 kg -> 112.85
    # (published example in OpenPowerlifting crates/coefficients/src/goodlift.rs).
    assert goodlift("M", 92.04, 1035, "Single-ply", "SBD") == pytest.approx(112.85, abs=0.005)


def test_goodlift_matches_published_classic_women_bench_value():
    # Susanna Torronen, 2019 World Open Classic Bench Press: 70.50 kg, 122.5 kg -> 96.78.
    assert goodlift("F", 70.5, 122.5, "Sleeves", "B") == pytest.approx(96.78, abs=0.005)


def test_goodlift_classic_men_sbd_is_hand_worked():
    # total * 100 / (A - B * e^(-C * bw)) with A=1199.72839, B=1025.18162, C=0.00921, bw=100.
    expected = 700 * 100 / (1199.72839 - 1025.18162 * math.exp(-0.921))
    assert goodlift("M", 100, 700, "Sleeves", "SBD") == pytest.approx(expected, rel=TIGHT)


@pytest.mark.parametrize("event", ["S", "D", "SB", "SD", "BD"])
def test_goodlift_is_zero_for_events_other_than_sbd_and_bench(event):
    assert goodlift("M", 100, 300, "Sleeves", event) == 0.0


def test_goodlift_is_zero_below_40kg_bodyweight():
    assert goodlift("F", 39.99, 300, "Sleeves", "SBD") == 0.0
    assert goodlift("F", 40, 300, "Sleeves", "SBD") > 0


@pytest.mark.parametrize(("equipment", "as_"), FOLDED_EQUIPMENT)
def test_goodlift_normalises_equipment(equipment, as_):
    assert goodlift("M", 93, 800, equipment, "SBD") == goodlift("M", 93, 800, as_, "SBD")
    assert goodlift("M", 93, 800, "Sleeves", "SBD") != goodlift("M", 93, 800, "Single-ply", "SBD")


def test_goodlift_is_zero_for_unknown_equipment():
    assert goodlift("M", 93, 800, "Straps", "SBD") == 0.0


# --- IPF Points (2019) ------------------------------------------------------------------


def test_ipf_points_classic_men_sbd_is_hand_worked():
    # 500 + 100 * (total - (c1 ln bw - c2)) / (c3 ln bw - c4), M Sleeves SBD, bw 100.
    ln_bw = math.log(100)
    mean = 310.67 * ln_bw - 857.785
    deviation = 53.216 * ln_bw - 147.0835
    expected = 500 + 100 * (700 - mean) / deviation
    assert ipf_points("M", 100, 700, "Sleeves", "SBD") == pytest.approx(expected, rel=TIGHT)


def test_ipf_points_equipped_women_deadlift_is_hand_worked():
    ln_bw = math.log(60)
    mean = 51.002 * ln_bw - 69.8265
    deviation = 8.5802 * ln_bw - 5.7258
    expected = 500 + 100 * (180 - mean) / deviation
    assert ipf_points("F", 60, 180, "Single-ply", "D") == pytest.approx(expected, rel=TIGHT)


@pytest.mark.parametrize("event", ["SB", "SD", "BD"])
def test_ipf_points_is_zero_for_events_without_parameters(event):
    assert ipf_points("M", 100, 300, "Sleeves", event) == 0.0


def test_ipf_points_is_never_negative():
    assert ipf_points("M", 100, 1, "Sleeves", "SBD") == 0.0


def test_ipf_points_is_zero_below_40kg_bodyweight():
    assert ipf_points("F", 39.5, 300, "Sleeves", "SBD") == 0.0


@pytest.mark.parametrize(("equipment", "as_"), FOLDED_EQUIPMENT)
def test_ipf_points_normalises_equipment(equipment, as_):
    assert ipf_points("F", 63, 450, equipment, "SBD") == ipf_points("F", 63, 450, as_, "SBD")
    classic = ipf_points("F", 63, 450, "Sleeves", "SBD")
    assert classic != ipf_points("F", 63, 450, "Single-ply", "SBD")


# --- Schwartz/Malone --------------------------------------------------------------------


def test_schwartz_men_at_100kg_is_hand_worked_polynomial():
    assert schwartz_malone("M", 100, 700) == pytest.approx(700 * SCHWARTZ_100, rel=TIGHT)


@pytest.mark.parametrize(
    ("bw", "coefficient"),
    [
        (130, 0.521 - 0.0012 * 5),  # 126-136 kg piece
        (140, 0.509 - 0.0011 * 5),  # 136-146 kg piece
        (150, 0.498 - 0.001 * 5),  # 146-156 kg piece
        (160, 0.4879 - 0.00088185 * 5),  # above 156 kg, OpenLifter's table-fitted slope
    ],
)
def test_schwartz_is_piecewise_linear_above_126kg(bw, coefficient):
    assert schwartz_malone("M", bw, 100) == pytest.approx(100 * coefficient, rel=TIGHT)


@pytest.mark.parametrize(("outside", "bound"), [(30, 40), (200, 166)])
def test_schwartz_clamps_bodyweight(outside, bound):
    at_bound = schwartz_malone("M", bound, 500)
    assert schwartz_malone("M", outside, 500) == pytest.approx(at_bound, rel=TIGHT)


def test_malone_women_is_hand_worked_power_curve():
    expected = 106.011586323613 * 60**-1.293027130579051 + 0.322935585328304
    assert schwartz_malone("F", 60, 400) == pytest.approx(400 * expected, rel=TIGHT)


def test_malone_clamps_light_bodyweights_to_29_24kg():
    at_bound = schwartz_malone("F", 29.24, 200)
    assert schwartz_malone("F", 20, 200) == pytest.approx(at_bound, rel=TIGHT)


def test_schwartz_malone_is_zero_for_mx():
    assert schwartz_malone("Mx", 100, 700) == 0.0


# --- Glossbrenner -----------------------------------------------------------------------


def test_glossbrenner_men_is_mean_of_schwartz_and_wilks():
    expected = 700 * (SCHWARTZ_100 + WILKS_MEN_100) / 2
    assert glossbrenner("M", 100, 700) == pytest.approx(expected, rel=TIGHT)


def test_glossbrenner_women_is_mean_of_malone_and_wilks():
    expected = 400 * (malone(100) + WILKS_WOMEN_100) / 2
    assert glossbrenner("F", 100, 400) == pytest.approx(expected, rel=TIGHT)


def test_glossbrenner_men_uses_a_line_instead_of_wilks_from_153_05kg():
    schwartz_160 = 0.4879 - 0.00088185 * 5
    line_160 = -0.000821668402557 * 160 + 0.676940740094416
    expected = 500 * (schwartz_160 + line_160) / 2
    assert glossbrenner("M", 160, 500) == pytest.approx(expected, rel=TIGHT)


def test_glossbrenner_women_uses_a_line_instead_of_wilks_from_106_3kg():
    line_110 = -0.000313738002024 * 110 + 0.852664892884785
    expected = 400 * (malone(110) + line_110) / 2
    assert glossbrenner("F", 110, 400) == pytest.approx(expected, rel=TIGHT)


def test_glossbrenner_men_clamps_light_bodyweights_to_40kg():
    assert glossbrenner("M", 35, 300) == pytest.approx(glossbrenner("M", 40, 300), rel=TIGHT)


# --- AH ---------------------------------------------------------------------------------


def test_ah_men_at_100kg_is_hand_worked():
    # 3.2695 / log10(100)^1.95 = 3.2695 / 2^1.95
    assert ah("M", 100, 200) == pytest.approx(200 * 3.2695 / 2**1.95, rel=TIGHT)


def test_ah_women_at_100kg_is_hand_worked():
    # 2.7566 / log10(100)^1.8 = 2.7566 / 2^1.8
    assert ah("F", 100, 120) == pytest.approx(120 * 2.7566 / 2**1.8, rel=TIGHT)


@pytest.mark.parametrize(
    ("sex", "outside", "bound"),
    [("M", 25, 32), ("M", 200, 157), ("F", 20, 28), ("F", 150, 112)],
)
def test_ah_clamps_bodyweight(sex, outside, bound):
    assert ah(sex, outside, 150) == pytest.approx(ah(sex, bound, 150), rel=TIGHT)


# --- NASA -------------------------------------------------------------------------------


def test_nasa_is_hand_worked_line():
    # (700 / 100) * (0.00620912 * 100 + 0.565697) = 7 * 1.186609
    assert nasa("M", 100, 700) == pytest.approx(8.306263, rel=TIGHT)


def test_nasa_is_the_same_for_every_sex():
    assert nasa("F", 60, 400) == nasa("M", 60, 400) == nasa("Mx", 60, 400)


def test_nasa_is_zero_below_30kg_bodyweight():
    assert nasa("F", 29.9, 100) == 0.0
    assert nasa("F", 30, 100) == pytest.approx((100 / 30) * (0.00620912 * 30 + 0.565697), rel=TIGHT)


# --- Reshel -----------------------------------------------------------------------------


def test_reshel_men_at_100kg_is_hand_worked():
    coefficient = (
        23740.8329088123 * (100 - 9.75618720662844) ** -2.68445158813578 + 0.787990994925928
    )
    assert reshel("M", 100, 700) == pytest.approx(700 * coefficient, rel=TIGHT)


def test_reshel_women_at_60kg_is_hand_worked():
    coefficient = 239.894659799145 * (60 - 20.5105859285582) ** -1.61417872668708 + 1.16052601684125
    assert reshel("F", 60, 400) == pytest.approx(400 * coefficient, rel=TIGHT)


@pytest.mark.parametrize(
    ("sex", "outside", "bound"),
    [("M", 45, 50), ("M", 200, 174.75), ("F", 35, 40), ("F", 150, 118.75)],
)
def test_reshel_clamps_bodyweight(sex, outside, bound):
    assert reshel(sex, outside, 300) == pytest.approx(reshel(sex, bound, 300), rel=TIGHT)


# --- Bodyweight multiple ----------------------------------------------------------------


def test_bodyweight_multiple_is_total_over_bodyweight():
    assert bodyweight_multiple("F", 62.5, 250) == 4.0


# --- Shared behaviour: zeros, Mx, junk input --------------------------------------------


@pytest.mark.parametrize("formula", SEX_BW_TOTAL, ids=lambda f: f.__name__)
def test_formula_is_zero_for_zero_bodyweight(formula):
    assert formula("M", 0, 500) == 0.0
    assert formula("F", 0, 500) == 0.0


@pytest.mark.parametrize("formula", SEX_BW_TOTAL, ids=lambda f: f.__name__)
def test_formula_is_zero_for_zero_total(formula):
    assert formula("M", 90, 0) == 0.0
    assert formula("F", 60, 0) == 0.0


@pytest.mark.parametrize(
    ("formula", "event"), [(goodlift, "SBD"), (goodlift, "B"), (ipf_points, "SBD")]
)
def test_ipf_formulas_are_zero_for_zero_bodyweight_or_total(formula, event):
    assert formula("M", 0, 500, "Sleeves", event) == 0.0
    assert formula("M", 90, 0, "Sleeves", event) == 0.0


@pytest.mark.parametrize("formula", [f for f in FORMULAS if f != "Schwartz/Malone"])
def test_mx_is_scored_as_m(formula):
    for bw in (35, 74.3, 120, 230):
        as_mx = get_points(formula, "Mx", "Wraps", "SBD", bw, 612.5, True)
        assert as_mx == get_points(formula, "M", "Wraps", "SBD", bw, 612.5, True)
    assert get_points(formula, "Mx", "Wraps", "SBD", 74.3, 612.5, True) > 0


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize(
    "junk", [float("nan"), float("inf"), float("-inf"), -80.0, None, "", "80", [80], True, 10**400]
)
def test_junk_bodyweight_or_total_scores_zero_without_raising(formula, junk):
    # Even formulas that clamp bodyweight treat a junk bodyweight as missing, not as light.
    assert get_points(formula, "M", "Sleeves", "SBD", 90, junk, True) == 0.0
    if formula != "Total":  # "Total" ignores bodyweight
        assert get_points(formula, "M", "Sleeves", "SBD", junk, 500, True) == 0.0


def test_result_that_overflows_to_infinity_scores_zero():
    assert bodyweight_multiple("M", 1e-300, 1e300) == 0.0
    assert get_points("Total", "M", "Sleeves", "SBD", 100, 1.7e308, False) == 0.0


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("sex", ["", "X", "m", None, ["M"]])
def test_unknown_sex_scores_zero_without_raising(formula, sex):
    expected = 500.0 if formula == "Total" else 0.0
    if formula in ("NASA Points", "Bodyweight Multiple"):
        expected = get_points(formula, "M", "Sleeves", "SBD", 90, 500, True)  # sex plays no part
    assert get_points(formula, sex, "Sleeves", "SBD", 90, 500, True) == expected


@pytest.mark.parametrize("formula", ["IPF GL Points", "IPF Points"])
@pytest.mark.parametrize(
    ("equipment", "event"), [(None, "SBD"), ({}, "SBD"), ("Sleeves", None), ("Sleeves", ["B"])]
)
def test_ipf_formulas_score_junk_equipment_or_event_as_zero(formula, equipment, event):
    assert get_points(formula, "M", equipment, event, 90, 500, True) == 0.0


# --- get_points dispatch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "function"),
    [
        ("AH", ah),
        ("Bodyweight Multiple", bodyweight_multiple),
        ("Dots", dots),
        ("Glossbrenner", glossbrenner),
        ("NASA Points", nasa),
        ("Reshel", reshel),
        ("Schwartz/Malone", schwartz_malone),
        ("Wilks", wilks),
        ("Wilks2020", wilks2020),
    ],
)
def test_get_points_dispatches_by_name(formula, function):
    assert get_points(formula, "F", "Bare", "SBD", 67.2, 390, True) == function("F", 67.2, 390)


@pytest.mark.parametrize(
    ("formula", "function"), [("IPF GL Points", goodlift), ("IPF Points", ipf_points)]
)
def test_get_points_passes_equipment_and_event_to_ipf_formulas(formula, function):
    expected = function("M", 105, 250, "Single-ply", "B")
    assert get_points(formula, "M", "Single-ply", "B", 105, 250, True) == expected


def test_get_points_total_in_kg_is_the_total():
    assert get_points("Total", "M", "Sleeves", "SBD", 90, 612.5, True) == 612.5


def test_get_points_total_in_lbs_converts_with_openlifters_factor():
    in_lbs = get_points("Total", "M", "Sleeves", "SBD", 90, 100, False)
    assert in_lbs == pytest.approx(220.462262, rel=TIGHT)


def test_get_points_in_lbs_does_not_change_other_formulas():
    assert get_points("Wilks", "M", "Sleeves", "SBD", 90, 600, False) == wilks("M", 90, 600)


@pytest.mark.parametrize("formula", ["", "wilks", "Dots2", None, 3, ["Wilks"]])
def test_get_points_unknown_formula_scores_zero(formula):
    assert get_points(formula, "M", "Sleeves", "SBD", 90, 600, True) == 0.0


# --- Foster-McCulloch -------------------------------------------------------------------


@pytest.mark.parametrize("age", [1, 2, 3, 4])
def test_foster_mcculloch_is_zero_for_ages_1_to_4(age):
    assert foster_mcculloch(age) == 0.0


@pytest.mark.parametrize(
    ("age", "coefficient"),
    [(5, 1.73), (13, 1.28), (14, 1.23), (18, 1.06), (22, 1.01), (41, 1.01), (43, 1.031),
     (50, 1.13), (60, 1.34), (80, 2.05), (81, 2.096), (90, 2.549), (91, 2.605), (100, 3.154)],
)
def test_foster_mcculloch_table_values(age, coefficient):
    assert foster_mcculloch(age) == coefficient


@pytest.mark.parametrize("age", range(23, 41))
def test_foster_mcculloch_is_one_from_23_to_40(age):
    assert foster_mcculloch(age) == 1.0


def test_foster_mcculloch_accepts_whole_ages_given_as_floats():
    assert foster_mcculloch(41.0) == 1.01


@pytest.mark.parametrize("age", [40.5, 0.5, 65.01])
def test_foster_mcculloch_is_one_for_non_integer_age(age):
    assert foster_mcculloch(age) == 1.0


@pytest.mark.parametrize("age", [0, -1, -50.0])
def test_foster_mcculloch_is_one_for_age_zero_or_less(age):
    # Age 0 is OpenLifter's "age unknown", so the <= 0 rule wins over the table's 0.0.
    assert foster_mcculloch(age) == 1.0


@pytest.mark.parametrize("age", [101, 102, 150, 1000])
def test_foster_mcculloch_is_one_above_100(age):
    assert foster_mcculloch(age) == 1.0


@pytest.mark.parametrize("age", [None, "45", float("nan"), float("inf"), True, [45]])
def test_foster_mcculloch_is_one_for_junk_age(age):
    assert foster_mcculloch(age) == 1.0


# --- Age-adjusted points ----------------------------------------------------------------


def test_age_adjusted_points_with_no_coefficients_are_plain_points():
    plain = get_points("Dots", "F", "Sleeves", "SBD", 63, 420, True)
    adjusted = get_age_adjusted_points("Dots", "F", "Sleeves", "SBD", 63, 420, True, 60, "None")
    assert adjusted == plain


def test_age_adjusted_points_multiply_by_foster_mcculloch():
    plain = get_points("Wilks", "M", "Sleeves", "SBD", 100, 1000, True)
    adjusted = get_age_adjusted_points(
        "Wilks", "M", "Sleeves", "SBD", 100, 1000, True, 60, "FosterMcCulloch"
    )
    assert adjusted == pytest.approx(1.34 * plain, rel=TIGHT)
    assert adjusted == pytest.approx(1.34 * 1000 * WILKS_MEN_100, rel=TIGHT)


def test_age_adjusted_points_for_open_age_are_unchanged():
    plain = get_points("IPF GL Points", "M", "Sleeves", "SBD", 93, 750, True)
    adjusted = get_age_adjusted_points(
        "IPF GL Points", "M", "Sleeves", "SBD", 93, 750, True, 30, "FosterMcCulloch"
    )
    assert adjusted == plain


def test_age_adjusted_points_apply_to_total_in_lbs():
    adjusted = get_age_adjusted_points(
        "Total", "M", "Sleeves", "SBD", 93, 100, False, 18, "FosterMcCulloch"
    )
    assert adjusted == pytest.approx(1.06 * 220.462262, rel=TIGHT)


def test_age_adjusted_points_are_zero_for_ages_1_to_4():
    adjusted = get_age_adjusted_points(
        "Dots", "F", "Sleeves", "SBD", 45, 100, True, 3, "FosterMcCulloch"
    )
    assert adjusted == 0.0


@pytest.mark.parametrize("age_coefficients", ["", "McCulloch", None, ["None"]])
def test_age_adjusted_points_unknown_coefficients_score_zero(age_coefficients):
    adjusted = get_age_adjusted_points(
        "Dots", "F", "Sleeves", "SBD", 63, 420, True, 60, age_coefficients
    )
    assert adjusted == 0.0


# --- display_points ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "shown"),
    [(0, "0.00"), (5, "5.00"), (123.456, "123.46"), (99.994, "99.99"), (99.995001, "100.00"),
     (608.589071906651, "608.59")],
)
def test_display_points_shows_exactly_two_decimals(points, shown):
    assert display_points(points) == shown


def test_display_points_has_no_digit_grouping():
    assert display_points(1234567.891) == "1234567.89"


def test_display_points_rounds_exact_halves_away_from_zero_like_intl():
    # 0.125 and 0.375 are exact in binary; Intl.NumberFormat rounds the tie up (Python's
    # format() would round half to even and show "0.12").
    assert display_points(0.125) == "0.13"
    assert display_points(0.375) == "0.38"


def test_display_points_rounds_the_binary_value_not_the_decimal_literal():
    # 1.005 is stored as 1.00499999999999989..., so it rounds down, as in the browser.
    assert display_points(1.005) == "1.00"


def test_display_points_handles_huge_values():
    assert display_points(1e20) == "100000000000000000000.00"


@pytest.mark.parametrize("points", [float("nan"), float("inf"), None, "12.3"])
def test_display_points_shows_zero_for_non_numbers(points):
    assert display_points(points) == "0.00"
