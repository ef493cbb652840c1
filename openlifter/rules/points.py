"""Points formulas, scored exactly as OpenLifter scores them (``src/logic/coefficients/``).

The scoreboard and results pages must show the same numbers the meet director sees in
OpenLifter, so every coefficient, clamp and special case below follows OpenLifter's source.
The one deliberate difference: this module is fed whatever a half-filled meet holds, so any
bodyweight or total that is not a positive finite number scores 0.0 instead of raising or
producing NaN. (For a bodyweight of 0, OpenLifter's Wilks, Wilks2020, Glossbrenner,
Schwartz/Malone, AH and Reshel would score the lifter at their lowest bodyweight clamp.)

Sex is "M", "F" or "Mx". Mx lifters are scored with the men's formula everywhere except
Schwartz/Malone, which has no Mx version and gives 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from types import MappingProxyType
from typing import TypeVar

KG_TO_LBS = 2.20462262

FORMULAS: tuple[str, ...] = (
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

# --- Input hygiene -----------------------------------------------------------------------


def _positive(value: object) -> float:
    """``value`` as a float if it is a positive finite number, else 0.0 (junk scores 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        number = float(value)
    except OverflowError:
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def _finite(points: float) -> float:
    """Guard against a NaN or infinity escaping into rankings and the display."""
    return points if math.isfinite(points) else 0.0


_T = TypeVar("_T")


def _lookup(table: Mapping[str, _T], key: object) -> _T | None:
    """Table lookup that tolerates non-string (even unhashable) keys from bad meet data."""
    return table.get(key) if isinstance(key, str) else None


_SEX_FOR_FORMULA: Mapping[str, str] = MappingProxyType({"M": "M", "Mx": "M", "F": "F"})

# OpenLifter only has IPF parameters for classic and equipped lifting, so the other
# equipment divisions borrow the nearest one.
_IPF_EQUIPMENT: Mapping[str, str] = MappingProxyType(
    {
        "Bare": "Sleeves",
        "Sleeves": "Sleeves",
        "Wraps": "Sleeves",
        "Single-ply": "Single-ply",
        "Multi-ply": "Single-ply",
        "Unlimited": "Single-ply",
    }
)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _by_sex(
    sex: object,
    bodyweight_kg: object,
    total_kg: object,
    men: Callable[[float], float],
    women: Callable[[float], float],
) -> float:
    """Coefficient (chosen by sex, Mx as M) times total; 0.0 for missing or junk input."""
    bodyweight = _positive(bodyweight_kg)
    total = _positive(total_kg)
    scored_as = _lookup(_SEX_FOR_FORMULA, sex)
    if not bodyweight or not total or scored_as is None:
        return 0.0
    coefficient = men(bodyweight) if scored_as == "M" else women(bodyweight)
    return _finite(coefficient * total)


# --- Wilks (original) and Wilks2020: ratio over a fifth-degree polynomial ----------------


def _poly5(numerator: float, coefficients: tuple[float, ...], x: float) -> float:
    a, b, c, d, e, f = coefficients
    return numerator / (a + b * x + c * x**2 + d * x**3 + e * x**4 + f * x**5)


_WILKS_MEN = (-216.0475144, 16.2606339, -0.002388645, -0.00113732, 7.01863e-6, -1.291e-8)
_WILKS_WOMEN = (
    594.31747775582,
    -27.23842536447,
    0.82112226871,
    -0.00930733913,
    0.00004731582,
    -0.00000009054,
)


def _wilks_men(bodyweight: float) -> float:
    return _poly5(500.0, _WILKS_MEN, _clamp(bodyweight, 40.0, 201.9))


def _wilks_women(bodyweight: float) -> float:
    return _poly5(500.0, _WILKS_WOMEN, _clamp(bodyweight, 26.51, 154.53))


def wilks(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """Original Wilks; bodyweight clamped to [40, 201.9] (men) or [26.51, 154.53] (women)."""
    return _by_sex(sex, bodyweight_kg, total_kg, _wilks_men, _wilks_women)


_WILKS2020_MEN = (
    47.4617885411949,
    8.47206137941125,
    0.073694103462609,
    -0.00139583381094385,
    0.00000707665973070743,
    -0.0000000120804336482315,
)
_WILKS2020_WOMEN = (
    -125.425539779509,
    13.7121941940668,
    -0.0330725063103405,
    -0.0010504000506583,
    0.00000938773881462799,
    -0.000000023334613884954,
)


def _wilks2020_men(bodyweight: float) -> float:
    return _poly5(600.0, _WILKS2020_MEN, _clamp(bodyweight, 40.0, 200.95))


def _wilks2020_women(bodyweight: float) -> float:
    return _poly5(600.0, _WILKS2020_WOMEN, _clamp(bodyweight, 40.0, 150.95))


def wilks2020(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """Wilks 2020; bodyweight clamped to [40, 200.95] (men) or [40, 150.95] (women)."""
    return _by_sex(sex, bodyweight_kg, total_kg, _wilks2020_men, _wilks2020_women)


# --- Dots: ratio over a fourth-degree polynomial -----------------------------------------

_DOTS_MEN = (-0.000001093, 0.0007391293, -0.1918759221, 24.0900756, -307.75076)
_DOTS_WOMEN = (-0.0000010706, 0.0005158568, -0.1126655495, 13.6175032, -57.96288)


def _dots_poly(coefficients: tuple[float, ...], x: float) -> float:
    a, b, c, d, e = coefficients  # highest power first, as Dots is published
    return 500.0 / (a * x**4 + b * x**3 + c * x**2 + d * x + e)


def _dots_men(bodyweight: float) -> float:
    return _dots_poly(_DOTS_MEN, _clamp(bodyweight, 40.0, 210.0))


def _dots_women(bodyweight: float) -> float:
    return _dots_poly(_DOTS_WOMEN, _clamp(bodyweight, 40.0, 150.0))


def dots(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """Dots; bodyweight clamped to [40, 210] (men) or [40, 150] (women)."""
    return _by_sex(sex, bodyweight_kg, total_kg, _dots_men, _dots_women)


# --- IPF GL (GOODLIFT) and the older IPF Points: parameters by sex, equipment, event -----

_GOODLIFT: Mapping[tuple[str | None, str | None, str], tuple[float, float, float]] = MappingProxyType(
    {
        ("M", "Sleeves", "SBD"): (1199.72839, 1025.18162, 0.00921),
        ("M", "Sleeves", "B"): (320.98041, 281.40258, 0.01008),
        ("M", "Single-ply", "SBD"): (1236.25115, 1449.21864, 0.01644),
        ("M", "Single-ply", "B"): (381.22073, 733.79378, 0.02398),
        ("F", "Sleeves", "SBD"): (610.32796, 1045.59282, 0.03048),
        ("F", "Sleeves", "B"): (142.40398, 442.52671, 0.04724),
        ("F", "Single-ply", "SBD"): (758.63878, 949.31382, 0.02435),
        ("F", "Single-ply", "B"): (221.82209, 357.00377, 0.02937),
    }
)

_IPF: Mapping[tuple[str | None, str | None, str], tuple[float, float, float, float]] = MappingProxyType(
    {
        ("M", "Sleeves", "SBD"): (310.67, 857.785, 53.216, 147.0835),
        ("M", "Sleeves", "S"): (123.1, 363.085, 25.1667, 75.4311),
        ("M", "Sleeves", "B"): (86.4745, 259.155, 17.57845, 53.122),
        ("M", "Sleeves", "D"): (103.5355, 244.765, 15.3714, 31.5022),
        ("M", "Single-ply", "SBD"): (387.265, 1121.28, 80.6324, 222.4896),
        ("M", "Single-ply", "S"): (150.485, 446.445, 36.5155, 103.7061),
        ("M", "Single-ply", "B"): (133.94, 441.465, 35.3938, 113.0057),
        ("M", "Single-ply", "D"): (110.135, 263.66, 14.996, 23.011),
        ("F", "Sleeves", "SBD"): (125.1435, 228.03, 34.5246, 86.8301),
        ("F", "Sleeves", "S"): (50.479, 105.632, 19.1846, 56.2215),
        ("F", "Sleeves", "B"): (25.0485, 43.848, 6.7172, 13.952),
        ("F", "Sleeves", "D"): (47.136, 67.349, 9.1555, 13.67),
        ("F", "Single-ply", "SBD"): (176.58, 373.315, 48.4534, 110.0103),
        ("F", "Single-ply", "S"): (74.6855, 171.585, 21.9475, 52.2948),
        ("F", "Single-ply", "B"): (49.106, 124.209, 23.199, 67.4926),
        ("F", "Single-ply", "D"): (51.002, 69.8265, 8.5802, 5.7258),
    }
)


def _ipf_key(sex: object, equipment: object, event: str) -> tuple[str | None, str | None, str]:
    """Key into the IPF tables: Mx as M, equipment folded to Sleeves or Single-ply."""
    return (_lookup(_SEX_FOR_FORMULA, sex), _lookup(_IPF_EQUIPMENT, equipment), event)


def goodlift(sex: str, bodyweight_kg: float, total_kg: float, equipment: str, event: str) -> float:
    """IPF GL points: ``total * 100 / (A - B * e^(-C * bw))``, never negative.

    Only SBD and B are defined; any other event, or a bodyweight under 40 kg, gives 0.
    """
    bodyweight = _positive(bodyweight_kg)
    total = _positive(total_kg)
    params = _GOODLIFT.get(_ipf_key(sex, equipment, event)) if isinstance(event, str) else None
    if not total or bodyweight < 40.0 or params is None:
        return 0.0
    a, b, c = params
    denominator = a - b * math.exp(-c * bodyweight)
    if denominator == 0:
        return 0.0
    return _finite(max(0.0, total * 100.0 / denominator))


def ipf_points(
    sex: str, bodyweight_kg: float, total_kg: float, equipment: str, event: str
) -> float:
    """The 2019 IPF Points (before GL): ``500 + 100 * (total - mean) / deviation``, floored at 0.

    mean and deviation are linear in ln(bw). Only SBD, S, B and D are defined; any other
    event, or a bodyweight under 40 kg, gives 0.
    """
    bodyweight = _positive(bodyweight_kg)
    total = _positive(total_kg)
    params = _IPF.get(_ipf_key(sex, equipment, event)) if isinstance(event, str) else None
    if not total or bodyweight < 40.0 or params is None:
        return 0.0
    mean_slope, mean_offset, dev_slope, dev_offset = params
    log_bw = math.log(bodyweight)
    mean = mean_slope * log_bw - mean_offset
    deviation = dev_slope * log_bw - dev_offset
    if deviation == 0:
        return 0.0
    return _finite(max(0.0, 500.0 + 100.0 * (total - mean) / deviation))


# --- Schwartz/Malone and Glossbrenner ----------------------------------------------------


def _schwartz(bodyweight: float) -> float:
    """Schwartz (men): the 1982 published polynomial up to 126 kg, then straight pieces.

    The last piece (above 156 kg) uses OpenLifter's table-fitted slope, not the published one.
    """
    x = _clamp(bodyweight, 40.0, 166.0)
    if x <= 126.0:
        return (
            6.31926
            - 0.262349 * x
            + 0.51155e-2 * x**2
            - 0.519738e-4 * x**3
            + 0.267626e-6 * x**4
            - 0.540132e-9 * x**5
            - 0.728875e-13 * x**6
        )
    if x <= 136.0:
        return 0.521 - 0.0012 * (x - 125.0)
    if x <= 146.0:
        return 0.509 - 0.0011 * (x - 135.0)
    if x <= 156.0:
        return 0.498 - 0.001 * (x - 145.0)
    return 0.4879 - 0.00088185 * (x - 155.0)


def _malone(bodyweight: float) -> float:
    """Malone (women): a fitted power curve; no upper clamp, lower clamp 29.24 kg."""
    x = max(bodyweight, 29.24)
    return 106.011586323613 * x**-1.293027130579051 + 0.322935585328304


def schwartz_malone(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """Schwartz for men, Malone for women; Mx has no version and scores 0."""
    if sex not in ("M", "F"):
        return 0.0
    return _by_sex(sex, bodyweight_kg, total_kg, _schwartz, _malone)


def _glossbrenner_men(bodyweight: float) -> float:
    if bodyweight < 153.05:
        return (_schwartz(bodyweight) + _wilks_men(bodyweight)) / 2.0
    # Above 153.05 kg a fitted line stands in for Wilks; the line is not clamped.
    return (_schwartz(bodyweight) - 0.000821668402557 * bodyweight + 0.676940740094416) / 2.0


def _glossbrenner_women(bodyweight: float) -> float:
    if bodyweight < 106.3:
        return (_malone(bodyweight) + _wilks_women(bodyweight)) / 2.0
    return (_malone(bodyweight) - 0.000313738002024 * bodyweight + 0.852664892884785) / 2.0


def glossbrenner(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """Mean of Schwartz/Malone and Wilks, with a linear stand-in for Wilks at heavy weights."""
    return _by_sex(sex, bodyweight_kg, total_kg, _glossbrenner_men, _glossbrenner_women)


# --- AH, NASA, Reshel, bodyweight multiple -----------------------------------------------


def _ah_men(bodyweight: float) -> float:
    return 3.2695 / math.log10(_clamp(bodyweight, 32.0, 157.0)) ** 1.95


def _ah_women(bodyweight: float) -> float:
    return 2.7566 / math.log10(_clamp(bodyweight, 28.0, 112.0)) ** 1.8


def ah(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """AH (Haleczko) points, used by ParaPL: ``k / log10(bw)^p`` times total."""
    return _by_sex(sex, bodyweight_kg, total_kg, _ah_men, _ah_women)


def nasa(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """NASA points, a straight-line fit to NASA's table; the same for every sex.

    Bodyweights under 30 kg score 0.
    """
    del sex  # NASA does not depend on sex; kept for a uniform signature.
    bodyweight = _positive(bodyweight_kg)
    total = _positive(total_kg)
    if bodyweight < 30.0 or not total:
        return 0.0
    return _finite((total / bodyweight) * (0.00620912 * bodyweight + 0.565697))


def _reshel_men(bodyweight: float) -> float:
    x = _clamp(bodyweight, 50.0, 174.75)
    return 23740.8329088123 * (x - 9.75618720662844) ** -2.68445158813578 + 0.787990994925928


def _reshel_women(bodyweight: float) -> float:
    x = _clamp(bodyweight, 40.0, 118.75)
    return 239.894659799145 * (x - 20.5105859285582) ** -1.61417872668708 + 1.16052601684125


def reshel(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """Reshel: a power curve fitted to the published table (it is only published as a table)."""
    return _by_sex(sex, bodyweight_kg, total_kg, _reshel_men, _reshel_women)


def bodyweight_multiple(sex: str, bodyweight_kg: float, total_kg: float) -> float:
    """Total divided by bodyweight; the same for every sex."""
    del sex  # kept for a uniform signature
    bodyweight = _positive(bodyweight_kg)
    total = _positive(total_kg)
    return _finite(total / bodyweight) if bodyweight and total else 0.0


# --- Dispatch by OpenLifter's formula name -----------------------------------------------

_Scorer = Callable[[str, str, str, float, float, bool], float]


def _total(total_kg: object, in_kg: bool) -> float:
    total = _positive(total_kg)
    return total if in_kg else _finite(total * KG_TO_LBS)


def _sex_only(formula: Callable[[str, float, float], float]) -> _Scorer:
    return lambda sex, _equipment, _event, bw, total, _in_kg: formula(sex, bw, total)


_SCORERS: Mapping[str, _Scorer] = MappingProxyType(
    {
        "AH": _sex_only(ah),
        "Bodyweight Multiple": _sex_only(bodyweight_multiple),
        "Dots": _sex_only(dots),
        "Glossbrenner": _sex_only(glossbrenner),
        "IPF GL Points": lambda sex, eq, ev, bw, total, _in_kg: goodlift(sex, bw, total, eq, ev),
        "IPF Points": lambda sex, eq, ev, bw, total, _in_kg: ipf_points(sex, bw, total, eq, ev),
        "NASA Points": _sex_only(nasa),
        "Reshel": _sex_only(reshel),
        "Schwartz/Malone": _sex_only(schwartz_malone),
        "Total": lambda _sex, _eq, _ev, _bw, total, in_kg: _total(total, in_kg),
        "Wilks": _sex_only(wilks),
        "Wilks2020": _sex_only(wilks2020),
    }
)


def get_points(
    formula: str,
    sex: str,
    equipment: str,
    event: str,
    bodyweight_kg: float,
    total_kg: float,
    in_kg: bool,
) -> float:
    """Points for ``formula`` (one of ``FORMULAS``), as OpenLifter's getPoints computes them.

    "Total" is the total itself, in lbs when the meet is not in kg. An unknown formula name
    scores 0.0 rather than raising: a meet file may name a formula this server lacks, and
    one bad field must not take the scoreboard down.
    """
    scorer = _lookup(_SCORERS, formula)
    if scorer is None:
        return 0.0
    return scorer(sex, equipment, event, bodyweight_kg, total_kg, bool(in_kg))


# --- Age coefficients --------------------------------------------------------------------

# Indexed by whole age in years, 0..100.
# fmt: off
_FOSTER_MCCULLOCH: tuple[float, ...] = (
    # 0-4: nobody lifts at these ages; the table scores them 0.
    *(0.0,) * 5,
    # 5-13: no published values; conservative guesses.
    1.73, 1.67, 1.61, 1.55, 1.49, 1.43, 1.38, 1.33, 1.28,
    # 14-22: Foster (juniors).
    1.23, 1.18, 1.13, 1.08, 1.06, 1.04, 1.03, 1.02, 1.01,
    # 23-40: open age, no handicap.
    *(1.0,) * 18,
    # 41-80: McCulloch (masters).
    1.01, 1.02, 1.031, 1.043, 1.055, 1.068, 1.082, 1.097, 1.113, 1.13,
    1.147, 1.165, 1.184, 1.204, 1.225, 1.246, 1.268, 1.291, 1.315, 1.34,
    1.366, 1.393, 1.421, 1.45, 1.48, 1.511, 1.543, 1.576, 1.61, 1.645,
    1.681, 1.718, 1.756, 1.795, 1.835, 1.876, 1.918, 1.961, 2.005, 2.05,
    # 81-90: USAPL's extension.
    2.096, 2.143, 2.19, 2.238, 2.287, 2.337, 2.388, 2.44, 2.494, 2.549,
    # 91-100: unstandardised guesses.
    2.605, 2.662, 2.72, 2.779, 2.839, 2.9, 2.962, 3.025, 3.089, 3.154,
)
# fmt: on


def foster_mcculloch(age: float) -> float:
    """Foster-McCulloch age coefficient for a whole age in years.

    An age that is not a whole number, is 0 or less (OpenLifter's "age unknown"), or is
    over 100 leaves points unchanged (1.0). Ages 1-4 give 0.0.
    """
    if isinstance(age, bool) or not isinstance(age, int | float):
        return 1.0
    if isinstance(age, float) and not age.is_integer():  # also rejects NaN and infinities
        return 1.0
    if age <= 0 or age >= len(_FOSTER_MCCULLOCH):
        return 1.0
    return _FOSTER_MCCULLOCH[int(age)]


_AGE_COEFFICIENT: Mapping[str, Callable[[float], float]] = MappingProxyType(
    {"None": lambda _age: 1.0, "FosterMcCulloch": foster_mcculloch}
)


def get_age_adjusted_points(
    formula: str,
    sex: str,
    equipment: str,
    event: str,
    bodyweight_kg: float,
    total_kg: float,
    in_kg: bool,
    age: float,
    age_coefficients: str,
) -> float:
    """``get_points`` times the age coefficient named by the meet's ``age_coefficients``.

    "None" leaves points as they are; "FosterMcCulloch" applies ``foster_mcculloch(age)``.
    An unknown name scores 0.0, as OpenLifter's fallback does.
    """
    coefficient = _lookup(_AGE_COEFFICIENT, age_coefficients)
    if coefficient is None:
        return 0.0
    points = get_points(formula, sex, equipment, event, bodyweight_kg, total_kg, in_kg)
    return coefficient(age) * points


# --- Display -----------------------------------------------------------------------------


def display_points(points: float) -> str:
    """Points with exactly two decimals and no digit grouping, like OpenLifter's displayPoints.

    Rounds the exact binary value half away from zero (Intl.NumberFormat's rounding), so
    0.125 shows "0.13" where Python's ``format`` would give "0.12". Anything that is not a
    finite number shows "0.00".
    """
    if isinstance(points, bool) or not isinstance(points, int | float):
        return "0.00"
    try:
        exact = Decimal(points)
    except (OverflowError, ValueError):
        return "0.00"
    if not exact.is_finite():
        return "0.00"
    # Enough precision for the largest float, so quantize never fails.
    rounded = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP, context=Context(prec=400))
    return f"{rounded:f}"
