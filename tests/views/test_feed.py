"""Display feed frames (openlifter/views/feed.py): a snapshot, then only what changed."""

from __future__ import annotations

import json

import jsonpatch

from display_states import demo_state, entry_index, national_state
from openlifter.meet.jsonvalue import set_in
from openlifter.meet.keys import parse_accepted_key
from openlifter.views.feed import JsonFeed, PageFeed, feed_for, stamp
from openlifter.views.incremental import IncrementalViews, run_steps
from openlifter.views.pages import OVERLAY, SCOREBOARD, PageSpec

ERIK = 5007


def change(state, views: IncrementalViews, seq: int, key: str, value) -> None:
    path = parse_accepted_key(key)
    set_in(state, path, value)
    views.advance(state, [path], seq)


def test_frames_are_json_with_fragments_or_views(app):
    renderer = app.settings["openlifter_renderer"]
    views = IncrementalViews.built(demo_state(), 12).views
    frame = json.loads(feed_for(renderer, PageSpec(OVERLAY, parts=("bar",)), views).snapshot())
    assert frame["msgType"] == "VIEW_UPDATE" and frame["seq"] == 12 and list(frame["fragments"]) == ["bar"]
    raw = json.loads(feed_for(renderer, PageSpec("json"), views).snapshot())
    assert raw["msgType"] == "MEET_VIEWS" and raw["views"]["lifting"][0]["current"]["id"] == ERIK


def test_every_frame_gets_the_server_time_in_front():
    assert json.loads(stamp('{"msgType":"X","seq":3}', 1700000000123)) == {"serverTime": 1700000000123, "msgType": "X", "seq": 3}


def test_the_json_feed_sends_a_patch_from_the_previous_seq():
    state = demo_state()
    views = IncrementalViews.built(state, 1)
    feed = JsonFeed(views.views)
    client = json.loads(feed.snapshot())["views"]
    change(state, views, 2, f"registration.entries[{entry_index(state, ERIK)}].squatStatus[0]", 1)
    run_steps(feed.update_steps(views.views))
    frame = json.loads(feed.update)
    assert frame["msgType"] == "MEET_VIEWS_PATCH" and (frame["fromSeq"], frame["seq"]) == (1, 2)
    assert jsonpatch.apply_patch(client, frame["patch"]) == json.loads(json.dumps(views.views.to_json()))


def test_one_attempt_mark_at_a_national_meet_is_a_small_patch():
    state = national_state(1000)
    views = IncrementalViews.built(state, 1)
    feed = JsonFeed(views.views)
    snapshot = len(feed.snapshot().encode())
    lifter = next(i for i, e in enumerate(state["registration"]["entries"]) if e["platform"] == 1 and e["flight"] == "A")
    change(state, views, 2, f"registration.entries[{lifter}].squatStatus[1]", 1)
    run_steps(feed.update_steps(views.views))
    size = len(feed.update.encode())
    assert size <= 10 * 1024, f"{size} bytes for one attempt mark (the snapshot is {snapshot})"


def test_a_page_gets_only_the_fragments_that_changed(app):
    renderer = app.settings["openlifter_renderer"]
    state = demo_state()
    views = IncrementalViews.built(state, 1)
    feed = PageFeed(renderer, PageSpec(SCOREBOARD), views.views)
    before = dict(feed.fragments)
    change(state, views, 2, f"registration.entries[{entry_index(state, ERIK)}].squatStatus[0]", 1)
    run_steps(feed.update_steps(views.views))
    frame = json.loads(feed.update)
    now = renderer.fragments(PageSpec(SCOREBOARD), views.views)
    assert (frame["fromSeq"], frame["seq"]) == (1, 2)
    assert frame["fragments"] == {name: html for name, html in now.items() if html != before[name]}
    assert frame["fragments"]


def test_a_change_a_page_does_not_show_is_an_empty_frame(app):
    renderer = app.settings["openlifter_renderer"]
    state = demo_state()
    views = IncrementalViews.built(state, 1)
    feed = PageFeed(renderer, PageSpec(OVERLAY, platform=2, parts=("lowerthird",)), views.views)
    change(state, views, 2, f"registration.entries[{entry_index(state, ERIK)}].squatStatus[0]", 1)  # platform 1
    run_steps(feed.update_steps(views.views))
    assert json.loads(feed.update) == {"msgType": "VIEW_UPDATE", "fromSeq": 1, "seq": 2, "view": "overlay", "fragments": {}}
    assert json.loads(feed.snapshot())["seq"] == 2
