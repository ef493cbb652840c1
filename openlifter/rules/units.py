"""Unit conversion and weight formatting exactly as OpenLifter shows them.

OpenLifter stores kg and converts for display (``src/logic/units.ts``,
``getWeightClassStr``/``wtclsStrKg2Lbs`` in ``src/reducers/meetReducer.ts``).
The rounding is reproduced with JS semantics (``Math.round`` rounds halves
up, ``%`` keeps the sign, ``Intl.NumberFormat("en")`` prints ``-0``) so the
overlay shows the same digits as the meet director's screen.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

LBS_PER_KG = 2.20462262


def kg2lbs(kg: float) -> float:
    """Kilograms to pounds with OpenLifter's factor."""
    return kg * LBS_PER_KG


def lbs2kg(lbs: float) -> float:
    """Pounds to kilograms with OpenLifter's factor."""
    return lbs / LBS_PER_KG


def _js_math_round(x: float) -> float:
    """JS ``Math.round``: halves go up, and results in [-0.5, 0) are -0."""
    r = float(math.floor(x))
    if x - r >= 0.5:
        r += 1.0
    if r == 0.0 and (x < 0 or math.copysign(1.0, x) < 0):
        return -0.0
    return r


def _hundredths(weight: float) -> float:
    """Round to an integer count of hundredths, with the …9 correction.

    A hundredths digit of 9 is float noise from a lbs<->kg round trip, so it
    is bumped to the next tenth (OpenPowerlifting's WeightKg::as_lbs rule).
    JS ``%`` keeps the sign, so negative values are never corrected.
    """
    rounded = _js_math_round(weight * 100)
    if rounded > 0 and int(rounded) % 10 == 9:
        rounded += 1.0
    return rounded


def _non_finite(weight: float) -> str:
    if math.isnan(weight):
        return "NaN"
    return "-∞" if weight < 0 else "∞"


def _sign(value: float) -> str:
    return "-" if value < 0 or math.copysign(1.0, value) < 0 else ""


def display_weight(weight: float) -> str:
    """``displayWeight`` in the en locale: ≤2 decimals, no grouping, no trailing zeros."""
    rounded = _hundredths(weight) if math.isfinite(weight * 100) else weight * 100
    if not math.isfinite(rounded):
        return _non_finite(rounded)
    n = abs(int(rounded))
    whole, frac = divmod(n, 100)
    if frac == 0:
        text = str(whole)
    elif frac % 10 == 0:
        text = f"{whole}.{frac // 10}"
    else:
        text = f"{whole}.{frac:02d}"
    return _sign(rounded) + text


def display_weight_one_place(weight: float) -> str:
    """``displayWeightOnePlace``: same rounding, then *truncated* to one decimal."""
    rounded = _hundredths(weight) if math.isfinite(weight * 100) else weight * 100
    if not math.isfinite(rounded):
        return _non_finite(rounded)
    tenths = abs(int(rounded)) // 10  # Math.trunc(rounded / 10), magnitude only
    whole, frac = divmod(tenths, 10)
    text = str(whole) if frac == 0 else f"{whole}.{frac}"
    return _sign(rounded) + text


def display_weight_in_units(weight_kg: float, in_kg: bool) -> str:
    """A stored kg weight shown in the meet's unit, as the lifting table does."""
    return display_weight(weight_kg if in_kg else kg2lbs(weight_kg))


def weight_class_str(classes: Sequence[float], bodyweight_kg: float) -> str:
    """``getWeightClassStr``: first class ≥ bodyweight, else "last+"; "" if unweighed or no classes."""
    if bodyweight_kg == 0 or len(classes) == 0:
        return ""
    for cls in classes:
        if bodyweight_kg <= cls:
            return display_weight(cls)
    return display_weight(classes[-1]) + "+"


_JS_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _js_number(text: str) -> float:
    """JS ``Number(str)`` for the decimal strings OpenLifter feeds it ("" is 0)."""
    s = text.strip()
    if s == "":
        return 0.0
    if s in ("Infinity", "+Infinity"):
        return math.inf
    if s == "-Infinity":
        return -math.inf
    if _JS_DECIMAL.fullmatch(s):
        return float(s)
    return math.nan


def _lbs_class(kg_value: float) -> str:
    """Floor a kg class limit to whole pounds, with the customary 182 -> 183."""
    value = kg2lbs(kg_value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    truncated = math.floor(value)
    if truncated == 182:
        truncated = 183
    return str(truncated)


def wtcls_str_kg2lbs(kg_class: str) -> str:
    """``wtclsStrKg2Lbs``: a kg class string as the traditional lbs class.

    Pounds are floored (90 kg -> "198"), except that 83 kg floors to 182 and
    is reported as the customary "183".  A trailing "+" is kept; "" reads as 0
    like JS ``Number("")``.
    """
    shw = kg_class.endswith("+")
    text = _lbs_class(_js_number(kg_class.replace("+", "", 1)))
    return text + "+" if shw else text


def weight_class_lbs_str(classes: Sequence[float], bodyweight_kg: float) -> str:
    """``getWeightClassLbsStr``: like :func:`weight_class_str` but in traditional lbs classes."""
    if bodyweight_kg == 0 or len(classes) == 0:
        return ""
    for cls in classes:
        if bodyweight_kg <= cls:
            return _lbs_class(cls)
    return _lbs_class(classes[-1]) + "+"


def weight_class_in_units(classes: Sequence[float], bodyweight_kg: float, in_kg: bool) -> str:
    """The class string the lifting table shows in the meet's unit."""
    if in_kg:
        return weight_class_str(classes, bodyweight_kg)
    return weight_class_lbs_str(classes, bodyweight_kg)


def _weight_template(in_kg: bool, show_alternate_units: bool) -> str:
    """en text of LeftCard's lifting.current-weight-{kg-lbs,kg,lbs-kg,lbs} strings."""
    if in_kg:
        return "{kg}kg / {lbs}lb" if show_alternate_units else "{kg}kg"
    return "{lbs}lb / {kg}kg" if show_alternate_units else "{lbs}lb"


def attempt_weight_text(weight_kg: float, in_kg: bool, show_alternate_units: bool) -> str:
    """The big attempt weight on the left card, e.g. "200kg / 440.9lb".

    Both numbers use ``displayWeightOnePlace`` (truncated to one decimal).
    """
    template = _weight_template(in_kg, show_alternate_units)
    return template.replace("{kg}", display_weight_one_place(weight_kg)).replace(
        "{lbs}", display_weight_one_place(kg2lbs(weight_kg))
    )


def total_weight_text(total_kg: float, in_kg: bool, show_alternate_units: bool) -> str:
    """The results-page total cell (ByDivision.tsx): same templates, two decimals."""
    template = _weight_template(in_kg, show_alternate_units)
    return template.replace("{kg}", display_weight(total_kg)).replace("{lbs}", display_weight(kg2lbs(total_kg)))
