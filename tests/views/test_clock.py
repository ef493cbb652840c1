"""The attempt clock of a platform (``live.clock.d<day>p<platform>``, views/clock.py): what
the pages are given to count down from, whatever a client wrote there."""

from __future__ import annotations

from display_states import demo_state
from openlifter.views.clock import ATTEMPT_CLOCK_MS, MAX_CLOCK_MS, clock_text, clock_view
from openlifter.views.derive import compute_views
from openlifter.views.incremental import IncrementalViews

STARTED = 1_800_000_000_000


def test_a_running_clock_keeps_its_start_and_duration_in_server_time():
    view = clock_view({"startedAt": STARTED, "durationMs": 60000, "running": True})
    assert (view["running"], view["startedAt"], view["durationMs"], view["warningMs"]) == (True, STARTED, 60000, 30000)


def test_a_stopped_clock_shows_the_time_it_has_left():
    view = clock_view({"startedAt": None, "durationMs": 31_400, "running": False})
    assert (view["running"], view["startedAt"], view["text"]) == (False, None, "0:32")


def test_a_platform_without_a_clock_shows_a_stopped_minute():
    assert compute_views(demo_state()).lifting_for(1, 1)["clock"] == clock_view(None)
    assert clock_view(None)["durationMs"] == ATTEMPT_CLOCK_MS and clock_view(None)["text"] == "1:00"


def test_a_clock_that_makes_no_sense_shows_a_stopped_clock_not_an_error():
    for raw in ("junk", 7, [], {"durationMs": "60"}, {"durationMs": -1}, {"durationMs": float("nan")}, {"running": True}):
        view = clock_view(raw)
        assert view["running"] is False and view["durationMs"] == ATTEMPT_CLOCK_MS, raw
    assert clock_view({"durationMs": 10**12})["durationMs"] == MAX_CLOCK_MS
    assert clock_view({"running": True, "startedAt": True, "durationMs": 5000})["running"] is False


def test_the_clock_text_counts_whole_seconds_up_and_stops_at_zero():
    assert [clock_text(ms) for ms in (60_000, 59_001, 30_000, 1, 0, -500, 125_000)] == ["1:00", "1:00", "0:30", "0:01", "0:00", "0:00", "2:05"]


def test_each_platform_follows_its_own_clock():
    state = demo_state()
    state["live"] = {"clock": {"d1p2": {"startedAt": STARTED, "durationMs": 60000, "running": True}}}
    views = compute_views(state)
    assert views.lifting_for(1, 2)["clock"]["running"] is True
    assert views.lifting_for(1, 1)["clock"]["running"] is False


def test_starting_a_clock_derives_only_that_platform_again():
    state = demo_state()
    incremental = IncrementalViews.built(state)
    before = incremental.views
    state["live"] = {"clock": {"d1p2": {"startedAt": STARTED, "durationMs": 60000, "running": True}}}
    after = incremental.advance(state, [("live", "clock", "d1p2")], seq=1)
    assert after.lifting_for(1, 2)["clock"]["startedAt"] == STARTED
    assert after.lifting_for(1, 1) is before.lifting_for(1, 1)
    assert after.standings is before.standings
    assert after.to_json() == compute_views(state, seq=1).to_json()
