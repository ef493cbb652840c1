"""The lower third's place and "needs to take the lead" (views/derive.py ``_lead`` over
rules/lead.py): the current lifter's, in the category their place is in, as the table
totals (projected or final); checked against trying every loadable weight."""

from __future__ import annotations

import copy
import json

import pytest

from display_states import demo_state
from openlifter.rules.lead import with_attempt
from openlifter.rules.model import entries_from_state, meet_from_state
from openlifter.rules.results import get_results
from openlifter.views.derive import compute_views
from openlifter.views.pages import OVERLAY, PageSpec
from openlifter.views.incremental import IncrementalViews


def first_with_attempt(state, entry_id: int, lift: str, attempt: int, kg: float, projected: bool, division: str) -> bool:
    entries = [with_attempt(e, lift, attempt, kg) if e.id == entry_id else e for e in entries_from_state(state)]
    for result in get_results(entries, meet_from_state(state), projected=projected):
        ids = [e.id for e in result.ordered_entries]
        if entry_id in ids and result.category.division == division:
            return ids[0] == entry_id
    return False


@pytest.mark.parametrize("weights", [(200, 240), (150, 300), (245, 245), (260, 180)])
def test_the_current_lifter_needs_the_lightest_weight_that_puts_them_first(weights):
    state = demo_state()
    for e in state["registration"]["entries"]:
        if e["id"] == 5007:  # Erik, the current lifter, against the Open men of his class
            e["divisions"] = ["Open"]
        elif e["flight"] == "A" and e["platform"] == 1:
            e["squatKg"][0], e["squatStatus"][0] = weights[e["id"] % 2], 1
    lv = compute_views(state).lifting_for(1, 1)
    current = lv["current"]
    lead = current["lead"]
    division = current["division"]
    brute = next((n * 0.5 for n in range(1, 1301)
                  if first_with_attempt(state, current["id"], lv["lift"], lv["attempt"], n * 0.5, lv["projected"], division)), None)
    if lead["leads"]:
        assert first_with_attempt(state, current["id"], lv["lift"], lv["attempt"], 0.5, lv["projected"], division)
    else:
        assert lead["needsKg"] == brute and lead["needsKg"] is not None
        assert lead["text"].endswith("to take the lead") or lead["text"].startswith("Takes the lead")


def test_the_lower_third_shows_the_place_and_the_needs(app):
    views = compute_views(demo_state())
    lead = views.lifting_for(1, 1)["current"]["lead"]
    html = app.settings["openlifter_renderer"].fragments(PageSpec(OVERLAY), views)["lowerthird"]
    assert lead["text"] and lead["text"] in html
    if lead["place"]:
        assert f'data-place="{lead["place"]}"' in html


def test_needs_follow_a_rival_on_another_platform_incrementally():
    state = demo_state()
    incremental = IncrementalViews.built(state)
    before = incremental.views.lifting_for(1, 1)["current"]
    rival = next(e for e in state["registration"]["entries"] if e["id"] != before["id"] and e["divisions"][:1] == [before["division"]]
                 and e["sex"] == "M")
    index = state["registration"]["entries"].index(rival)
    changed = copy.deepcopy(state)
    changed["registration"]["entries"][index]["deadliftKg"] = [400, 0, 0, 0, 0]
    changed["registration"]["entries"][index]["deadliftStatus"] = [1, 0, 0, 0, 0]
    after = incremental.advance(changed, [("registration", "entries", index, "deadliftKg"), ("registration", "entries", index, "deadliftStatus")], 1)
    assert json.dumps(after.to_json()) == json.dumps(compute_views(changed, 1).to_json())
