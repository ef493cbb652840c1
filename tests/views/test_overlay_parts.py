"""One list of overlay parts: ?parts=, the fragments and the index page all follow it."""

from openlifter.views.pages import OVERLAY, OVERLAY_PARTS, parse_spec


def test_every_listed_part_is_accepted_and_rendered_in_list_order():
    spec = parse_spec(OVERLAY, {"parts": ",".join(part.name for part in reversed(OVERLAY_PARTS))})
    assert list(spec.fragments()) == [part.name for part in OVERLAY_PARTS]
    assert list(spec.fragments().values()) == [part.template for part in OVERLAY_PARTS]


def test_a_part_not_in_the_list_is_ignored():
    assert "ticker" not in parse_spec(OVERLAY, {"parts": "ticker,bar"}).fragments()


def test_the_index_page_names_every_part(app):
    html = app.settings["openlifter_renderer"].render_template("index.html", meet={}, meet_id_display="123 456 789", sections=[], feed_path=None)
    for part in OVERLAY_PARTS:
        assert f"<code>{part.name}</code> ({part.title.lower()})" in html
