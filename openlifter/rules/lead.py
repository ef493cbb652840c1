"""What a lifter needs on this attempt to take the lead of their category.

Not an OpenLifter feature, but made only of OpenLifter's rules: the attempt is tried as a
good lift at a weight, and the category is ordered with OpenLifter's own place order
(``compare_in_category``, projected or final totals as the lifting table uses them), so
every tie-break (bodyweight, who reached the total first) counts as it does for places.
The weight is the lightest the bar can be loaded to: a multiple of ``increment_kg``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

from openlifter.rules.model import Entry, MeetSetup
from openlifter.rules.results import compare_in_category

LIFT_FIELDS = {"S": ("squat_kg", "squat_status"), "B": ("bench_kg", "bench_status"), "D": ("deadlift_kg", "deadlift_status")}
MAX_ATTEMPT_KG = 650.0  # past the world records: nobody needs more


@dataclasses.dataclass(frozen=True)
class Lead:
    leads: bool  # first in the category whatever this attempt does
    needs_kg: float | None  # the lightest good attempt that takes the lead; None: none would (or leads already)


def with_attempt(entry: Entry, lift: str, attempt: int, kg: float) -> Entry:
    """The entry with attempt ``attempt`` (1-based) of ``lift`` taken as a good lift at ``kg``."""
    weights_field, status_field = LIFT_FIELDS[lift]
    weights, statuses = list(getattr(entry, weights_field)), list(getattr(entry, status_field))
    weights[attempt - 1], statuses[attempt - 1] = kg, 1
    changes: dict[str, Any] = {weights_field: tuple(weights), status_field: tuple(statuses)}
    return dataclasses.replace(entry, **changes)


def loading_increment_kg(meet: MeetSetup) -> float:
    """Two of the lightest plate the meet has (one a side), in kg; 0.5 kg without plates."""
    lightest = min((p.weight_kg for p in meet.plates if p.pair_count > 0 and p.weight_kg > 0), default=0.25)
    return 2 * lightest


def lead_on_attempt(
    entry: Entry, lift: str, attempt: int, members: Sequence[Entry], event: str, projected: bool, increment_kg: float
) -> Lead:
    """Whether ``entry`` leads its category (``members``, itself among them) and, if not, the
    lightest weight (a multiple of ``increment_kg``) that takes the lead with a good ``attempt``."""
    others = [m for m in members if m is not entry and m.id != entry.id]
    if entry.guest or not 1 <= attempt <= 3 or lift not in event:
        return Lead(False, None)
    if not others:
        return Lead(True, None)

    def leads_at(kg: float) -> bool:
        me = with_attempt(entry, lift, attempt, kg) if kg > 0 else entry
        return all(compare_in_category(me, other, event, projected) < 0 for other in others)

    if leads_at(0):
        return Lead(True, None)
    # A heavier good attempt never places worse, so the lightest weight that leads is found
    # by halving the grid of loadable weights (a dozen comparisons with each other lifter).
    step = increment_kg if increment_kg > 0 else 0.5
    low, high = 0, math.floor(MAX_ATTEMPT_KG / step)  # leads_at(low * step) is False
    if not leads_at(high * step):
        return Lead(False, None)
    while high - low > 1:
        middle = (low + high) // 2
        if leads_at(middle * step):
            high = middle
        else:
            low = middle
    return Lead(False, round(high * step, 3))
