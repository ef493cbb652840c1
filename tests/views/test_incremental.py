"""Incremental views (openlifter/views/incremental.py): after every update they equal a full
recompute (and a client applying the feed's patches holds the same), and a change costs
what it touches, not the size of the meet."""

from __future__ import annotations

import copy
import json
import os
import time
from collections import Counter
from typing import Any

import jsonpatch
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from display_states import entry_index, mark, national_state
from openlifter.meet.jsonvalue import set_in
from openlifter.meet.keys import parse_accepted_key
from openlifter.views.derive import compute_views
from openlifter.views.feed import JsonFeed
from openlifter.views.incremental import IncrementalViews, run_steps
from openlifter.views.patch import Differ

LIFTERS = 240  # a real-sized meet (3 platforms x 5 flights of 16) that a full recompute can check step by step
BASE = national_state(LIFTERS)


def finished(state: dict[str, Any]) -> dict[str, Any]:
    """The meet at its last deadlifts: every lifter has judged all three lifts (a few
    misses and bomb-outs), so the points rankings and final places are full."""
    state = copy.deepcopy(state)
    for n, entry in enumerate(state["registration"]["entries"]):
        for weights, statuses in (("squatKg", "squatStatus"), ("benchKg", "benchStatus"), ("deadliftKg", "deadliftStatus")):
            opener = entry[weights][0] or 100
            entry[weights] = [opener, opener + 5, opener + 7.5 + 2.5 * (n % 5), 0, 0]
            entry[statuses] = [-1 if n % 13 == 0 else 1, 1 if n % 3 else -1, -1 if n % 4 == 0 else 1, 0, 0]
    for lifting in state["live"]["lifting"].values():
        lifting["lift"] = "D"
    return state


BASES = {"squats under way": BASE, "last deadlifts": finished(BASE)}
FIELDS = ("squatKg", "benchKg", "deadliftKg", "squatStatus", "benchStatus", "deadliftStatus")


def as_json(views) -> Any:
    return json.loads(json.dumps(views.to_json()))


# ---- updates as the updating browsers send them -------------------------------------------------

index = st.integers(0, LIFTERS - 1)
attempt = st.integers(0, 4)
status = st.sampled_from([1, -1, 0])
weight = st.sampled_from([0, 100, 142.5, 200, 212.5, 250, 300.5])


def _entry(i: int) -> str:
    return f"registration.entries[{i}]"


updates = st.one_of(
    st.tuples(st.builds(lambda i, f, a: f"{_entry(i)}.{f}[{a}]", index, st.sampled_from(FIELDS[3:]), attempt), status),
    st.tuples(st.builds(lambda i, f, a: f"{_entry(i)}.{f}[{a}]", index, st.sampled_from(FIELDS[:3]), attempt), weight),
    st.tuples(st.builds(lambda i, f: f"{_entry(i)}.{f}", index, st.sampled_from(FIELDS[3:])),
              st.lists(status, min_size=5, max_size=5)),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.bodyweightKg", index), st.sampled_from([55.0, 82.9, 83.1, 104.9, 130.0, 0])),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.divisions", index), st.sampled_from([["Open"], ["Juniors", "Open"], []])),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.events", index), st.sampled_from([["SBD"], ["B"], ["SBD", "B"]])),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.flight", index), st.sampled_from(["A", "B", "C", "Z"])),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.platform", index), st.sampled_from([1, 2, 3, 4])),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.guest", index), st.booleans()),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.equipment", index), st.sampled_from(["Sleeves", "Wraps", 7])),
    st.tuples(st.builds(_entry, index), st.sampled_from([None, "junk"])),
    st.tuples(st.builds(lambda i: f"{_entry(i)}.name", index), st.text(max_size=8)),
    st.tuples(st.builds(lambda p, f: f"live.lifting.d1p{p}.{f}", st.integers(1, 4), st.sampled_from(["flight", "lift"])),
              st.sampled_from(["A", "B", "C", "S", "B", "D"])),
    st.tuples(st.builds(lambda p: f"live.lifting.d1p{p}.overrideAttempt", st.integers(1, 3)), st.sampled_from([None, 2, 3])),
    st.tuples(st.sampled_from(["lifting.flight", "lifting.lift", "lifting.platform"]), st.sampled_from(["A", "B", "D", 2, 3])),
    st.tuples(st.just("meet.formula"), st.sampled_from(["Dots", "Wilks", "Total", "IPF GL Points"])),
    st.tuples(st.just("meet.inKg"), st.booleans()),
    st.tuples(st.just("registration.nextEntryId"), st.integers(0, 10**6)),
    st.tuples(st.just("live.clock"), st.integers(0, 100)),
    st.tuples(st.builds(lambda p: f"live.clock.d1p{p}", st.integers(1, 4)),
              st.sampled_from([{"startedAt": 1_700_000_000_000, "durationMs": 60000, "running": True},
                               {"startedAt": None, "durationMs": 31000, "running": False}, "junk"])),
    st.tuples(st.builds(lambda p: f"live.clock.d1p{p}.durationMs", st.integers(1, 4)), st.sampled_from([0, 120000, -5, 1e300])),
    st.tuples(st.builds(lambda p, where: f"live.decisions.d1p{p}.{where}", st.integers(1, 2), st.sampled_from(["left", "head", "right"])),
              st.sampled_from([{"entryId": 0, "lift": "S", "attempt": 1, "decision": "good"},
                               {"entryId": 0, "lift": "S", "attempt": 1, "decision": "bad", "card": "blue"}, None])),
    # past the end: pads with nulls (ids stay unique, as OpenLifter assigns them from nextEntryId)
    st.tuples(st.just(f"registration.entries[{LIFTERS + 2}]"), st.just(dict(BASE["registration"]["entries"][0], id=99999))),
)


def apply(state: dict[str, Any], key: str, value: Any):
    path = parse_accepted_key(key)
    set_in(state, path, copy.deepcopy(value))
    return path


# Longer runs: INCREMENTAL_EXAMPLES=500 ./scripts/test tests/views/test_incremental.py
@settings(max_examples=int(os.environ.get("INCREMENTAL_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.lists(updates, min_size=1, max_size=3), min_size=1, max_size=12))
@pytest.mark.parametrize("base", list(BASES))
def test_after_every_update_the_incremental_views_equal_a_full_recompute_and_the_patched_snapshot(base, batches):
    state = copy.deepcopy(BASES[base])
    views = IncrementalViews.built(state, 0)
    feed = JsonFeed(views.views)
    client = json.loads(feed.snapshot())["views"]
    for seq, batch in enumerate(batches, start=1):
        paths = [apply(state, key, value) for key, value in batch]
        incremental = as_json(views.advance(state, paths, seq))
        full = compute_views(state, seq)
        assert incremental == as_json(full)
        assert _categories_of_lifters(views.views, state) == _categories_of_lifters(full, state)
        run_steps(feed.update_steps(views.views))
        frame = json.loads(feed.update)
        assert frame["fromSeq"] == seq - 1 and frame["seq"] == seq
        client = jsonpatch.apply_patch(client, frame["patch"])
        assert client == incremental


def _categories_of_lifters(views, state: dict[str, Any]) -> list[Any]:
    """The category a page follows for each lifter (``MeetViews.category_of``), with and
    without a division."""
    ids = [e.get("id") for e in state["registration"]["entries"] if isinstance(e, dict)] + [123456789]
    return [(c or {}).get("key") for i in ids for division in ("", "Open") for c in [views.category_of(i, division)]]


def test_whole_entries_replaced_are_compared_entry_by_entry():
    state = copy.deepcopy(BASE)
    views = IncrementalViews.built(state, 0)
    entries = state["registration"]["entries"]
    entries.insert(3, entries.pop(100))  # reordered, as the redux binding sends it
    del entries[7]
    path = apply(state, "registration.entries", entries)
    assert as_json(views.advance(state, [path], 1)) == as_json(compute_views(state, 1))


def test_unchanged_parts_keep_their_identity():
    state = copy.deepcopy(BASE)
    incremental = IncrementalViews.built(state, 0)
    before = incremental.views
    on_platform_1 = next(i for i, e in enumerate(state["registration"]["entries"]) if e["platform"] == 1 and e["flight"] == "A")
    path = apply(state, f"registration.entries[{on_platform_1}].squatRackInfo", "7 in")  # no place moves
    after = incremental.advance(state, [path], 1)
    assert after.lifting[(1, 1)] is not before.lifting[(1, 1)]
    assert after.lifting[(1, 2)] is before.lifting[(1, 2)] and after.lifting[(1, 3)] is before.lifting[(1, 3)]
    assert after.meet is before.meet and after.platforms is before.platforms
    changed = [a for a, b in zip(after.standings["categories"], before.standings["categories"]) if a is not b]
    assert 1 <= len(changed) <= 2


def test_a_key_outside_the_views_changes_nothing():
    state = copy.deepcopy(BASE)
    incremental = IncrementalViews.built(state, 0)
    before = incremental.views
    after = incremental.advance(state, [apply(state, "live.clock", {"running": True})], 1)
    assert after.seq == 1 and after.lifting == before.lifting and after.standings is before.standings


@pytest.mark.parametrize("lifters", [1000])
def test_one_attempt_mark_costs_far_less_than_a_full_recompute(lifters):
    state = national_state(lifters)
    incremental = IncrementalViews.built(state, 0)
    started = time.perf_counter()
    compute_views(state, 0)
    full = time.perf_counter() - started
    entries = state["registration"]["entries"]
    marks = [i for i, e in enumerate(entries) if e["platform"] == 1 and e["flight"] == "A"][:10]
    started = time.perf_counter()
    for seq, i in enumerate(marks, start=1):
        incremental.advance(state, [apply(state, f"registration.entries[{i}].squatStatus[1]", 1)], seq)
    one = (time.perf_counter() - started) / len(marks)
    assert one < full / 5, f"one mark {one * 1000:.1f} ms, full recompute {full * 1000:.1f} ms"


def _work_of_marks(lifters: int, marks: int = 20) -> Counter[str]:
    """What ``marks`` attempt marks cost, counted: a meet of ``lifters`` on one day's three
    platforms in flights of 14 (the flights do not grow with the meet, the categories do)."""
    state = national_state(lifters, platforms=3, flights=round(lifters / 42))
    incremental = IncrementalViews.built(state, 0)
    entries = state["registration"]["entries"]
    flight_a = [e["id"] for e in entries if e["flight"] == "A"][:marks]
    work: Counter[str] = Counter()
    for seq, entry_id in enumerate(flight_a, start=1):
        before = incremental.views
        good = entries[entry_index(state, entry_id)]["squatStatus"][0] != 1
        incremental.advance(state, [apply(state, *mark(state, entry_id, "S", 1, good))], seq)
        differ = Differ()
        differ.diff(before.to_json(), incremental.views.to_json())
        work.update(incremental.work)
        work["patch nodes visited"] += differ.visited
    return work


def test_one_attempt_mark_costs_what_it_touches_not_the_size_of_the_meet():
    small, national = _work_of_marks(300), _work_of_marks(3000)
    # The lifter, placed again in each of its categories both ways: the same at any size.
    assert national["entries placed"] == small["entries placed"] <= 20 * 2 * 2
    # Its flight's lifting view and those showing a lifter of its categories: flights of 14 either way.
    assert national["flight entries"] <= 1.5 * small["flight entries"]
    # Rows and patch: what moved (a category of 14 instead of 1.4 moves a few more places); a
    # whole ranking by points (750 lifters instead of 75), standings or view would be 10x.
    assert national["rows shaped"] <= 3 * small["rows shaped"]
    assert national["patch nodes visited"] <= 3 * small["patch nodes visited"]


def test_a_lifter_moved_to_another_category_is_found_there_by_the_pages():
    state = copy.deepcopy(BASE)
    incremental = IncrementalViews.built(state, 0)
    entry = state["registration"]["entries"][0]
    before = incremental.views.category_of(entry["id"])
    after = incremental.advance(state, [apply(state, "registration.entries[0].divisions", ["Masters 3"])], 1)
    assert before is not None and before["division"] != "Masters 3"
    assert after.category_of(entry["id"])["key"] == compute_views(state, 1).category_of(entry["id"])["key"]
    assert after.category_of(entry["id"])["division"] == "Masters 3"
    assert incremental.views.lifter_categories is not None and before is not after.category_of(entry["id"])
