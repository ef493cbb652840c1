"""Page specs, template contexts and fragments (the renderer comes from make_app)."""

from __future__ import annotations

import json

from display_states import demo_state, mark
from openlifter.views.derive import compute_views
from openlifter.views.pages import (
    OVERLAY,
    SCOREBOARD,
    PageSpec,
    choose_category,
    encode,
    index_sections,
    page_context,
    parse_spec,
    standing_rows,
)

ERIK, MAGNUS, JONAS, MAJA = 5007, 5000, 5001, 5013


def test_a_spec_takes_defaults_for_anything_unusable():
    spec = parse_spec(OVERLAY, {"day": "x", "platform": "-3", "parts": "nope", "next": "99", "rows": "0", "units": "?"})
    assert spec == PageSpec(OVERLAY, None, None, ("lowerthird",), 8, 1, units="meet")


def test_a_spec_keeps_parts_in_page_order_and_round_trips():
    args = {"parts": "lower-third, BAR,standings", "day": "1", "platform": "2", "class": "93", "preview": "1"}
    spec = parse_spec(OVERLAY, args)
    assert spec.parts == ("standings", "bar", "lowerthird")
    assert parse_spec(OVERLAY, spec.query()) == spec
    assert list(spec.fragments()) == ["standings", "bar", "lowerthird"]


def test_anything_but_a_page_is_the_json_feed():
    assert parse_spec("", {"parts": "bar"}).kind == "json"
    assert parse_spec(SCOREBOARD, {}).fragments().keys() == {"header", "clock", "lights", "current", "order", "standings"}


def test_standings_follow_the_current_lifter_by_default():
    views = compute_views(demo_state())
    category = choose_category(views, PageSpec(OVERLAY), views.lifting_for())
    assert ERIK in category["entryIds"] and category["division"] == "Masters 1"
    on_platform_2 = choose_category(views, PageSpec(OVERLAY, day=1, platform=2), views.lifting_for(1, 2))
    assert MAJA in on_platform_2["entryIds"]


def test_standings_filters_pick_a_category():
    views = compute_views(demo_state())
    spec = parse_spec(OVERLAY, {"division": "open", "class": "-93 kg", "sex": "M"})
    category = choose_category(views, spec, views.lifting_for())
    assert (category["division"], category["weightClass"]) == ("Open", "93")
    assert choose_category(views, parse_spec(OVERLAY, {"division": "No such"}), views.lifting_for()) is None


def test_the_current_lifter_always_gets_a_standings_row():
    views = compute_views(demo_state())
    category = next(c for c in views.standings["categories"] if c["title"] == "Open · Men \u221293 kg")
    rows = standing_rows(category, 1, JONAS)
    assert [(r["name"], r["gap"]) for r in rows] == [("Jonas Eriksson", True)]
    assert [r["name"] for r in standing_rows(category, 5, JONAS)] == ["Magnus Halvorsen", "Jonas Eriksson"]
    assert standing_rows(None, 5, None) == []


def test_units_choice():
    views = compute_views(demo_state())
    assert page_context(views, PageSpec(OVERLAY))["show_alt"] is True
    assert page_context(views, PageSpec(OVERLAY, units="main"))["show_alt"] is False
    state = demo_state()
    state["meet"]["showAlternateUnits"] = False
    assert page_context(compute_views(state), PageSpec(OVERLAY))["show_alt"] is False
    assert page_context(compute_views(state), PageSpec(OVERLAY, units="both"))["show_alt"] is True


def test_a_page_on_a_missing_platform_renders_empty_parts(app):
    renderer = app.settings["openlifter_renderer"]
    spec = PageSpec(OVERLAY, day=3, platform=9, parts=("lowerthird", "next", "bar", "standings"))
    fragments = renderer.fragments(spec, compute_views(demo_state()))
    assert {k: v.strip() for k, v in fragments.items() if k != "standings"} == {"lowerthird": "", "next": "", "bar": ""}
    assert "Ingrid Solberg" in fragments["standings"]  # no lifter to follow: the first category with results


def test_each_fragment_is_the_partial_the_full_page_includes(app):
    renderer = app.settings["openlifter_renderer"]
    views = compute_views(demo_state(), 7)
    every_part = PageSpec(OVERLAY, parts=("lowerthird", "next", "bar", "standings"))
    for kind, spec in ((OVERLAY, every_part), (SCOREBOARD, PageSpec(SCOREBOARD))):
        fragments = list(spec.fragments().items())
        page = renderer.render_template(f"{kind}.html", **page_context(views, spec), fragments=fragments, feed_path="/f")
        for name, html in renderer.fragments(spec, views).items():
            assert html.strip(), name
            assert f'data-fragment="{name}">{html}</' in page, name


def test_the_lower_third_shows_the_current_lifter(app):
    renderer = app.settings["openlifter_renderer"]
    state = demo_state()
    html = renderer.fragments(PageSpec(OVERLAY), compute_views(state))["lowerthird"]
    assert "Erik Sandberg" in html and "230" in html and "507 lb" in html and "Rack 12" in html
    assert 'class="chip chip-pending chip-now"' in html
    mark(state, ERIK, "S", 1, False)
    html = renderer.fragments(PageSpec(OVERLAY), compute_views(state))["lowerthird"]
    assert "Oskar Lindqvist" in html and "chip-good" in html and "Squat <b>" not in html


def test_markup_in_names_is_escaped(app):
    renderer = app.settings["openlifter_renderer"]
    state = demo_state()
    state["registration"]["entries"][7]["name"] = "<script>alert(1)</script>"
    state["meet"]["name"] = '"><img src=x onerror=alert(1)>'
    views = compute_views(state)
    for spec in (PageSpec(OVERLAY, parts=("lowerthird", "next", "standings")), PageSpec(SCOREBOARD)):
        for html in renderer.fragments(spec, views).values():
            assert "<script>" not in html and "<img" not in html
    page = renderer.render_template("scoreboard.html", **page_context(views, PageSpec(SCOREBOARD)), fragments=[], feed_path="/f")
    assert "<img" not in page and "&lt;script&gt;" in page


def test_encode_turns_non_finite_numbers_into_null():
    assert json.loads(encode({"a": [float("inf"), 1.5], "b": {"c": float("nan")}})) == {"a": [None, 1.5], "b": {"c": None}}


def test_index_lists_every_view_with_the_key():
    views = compute_views(demo_state())
    sections = index_sections(views, "http://host/live/meets/123456789/", "K3y")
    titles = ["Follow the scoring table", "Day 1 · Platform 1", "Day 1 · Platform 2", "JSON API"]
    assert [s["title"] for s in sections] == titles
    urls = [link["url"] for s in sections for link in s["links"]]
    assert all(u.startswith("http://host/live/meets/123456789/") and "key=K3y" in u for u in urls)
    assert "http://host/live/meets/123456789/overlay?day=1&platform=2&parts=bar&key=K3y" in urls
