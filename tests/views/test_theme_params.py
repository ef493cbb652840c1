"""Theme parameters of the overlays and the scoreboard (views/pages.py ``parse_theme_params``):
colours and a logo by URL; anything unusable is ignored."""

from __future__ import annotations

from openlifter.views.pages import parse_theme_params


def test_colours_become_the_pages_css_variables():
    looks = parse_theme_params({"accent": "ff0000", "panel": "#0A0B0C", "ink": "fff", "muted": "#11223344"})
    assert dict(looks.colors) == {"--accent": "#ff0000", "--panel": "#0a0b0c", "--ink": "#fff", "--muted": "#11223344"}


def test_a_colour_that_is_not_hex_is_ignored():
    looks = parse_theme_params({"accent": "red; background: url(x)", "panel": "12345", "ink": "#ggg", "fail": ""})
    assert looks.colors == ()


def test_a_logo_on_another_server_is_allowed_by_its_origin():
    looks = parse_theme_params({"logo": "https://cdn.example.org:8443/club/logo.png?v=2"})
    assert (looks.logo, looks.logo_origin) == ("https://cdn.example.org:8443/club/logo.png?v=2", "https://cdn.example.org:8443")


def test_a_logo_on_this_server_needs_no_origin():
    assert parse_theme_params({"logo": "/static/club.png"}) == parse_theme_params({"logo": "/static/club.png"})
    looks = parse_theme_params({"logo": "/static/club.png"})
    assert (looks.logo, looks.logo_origin) == ("/static/club.png", None)


def test_a_logo_that_could_script_or_escape_is_ignored():
    for bad in ("javascript:alert(1)", "data:image/svg+xml,<svg/onload=alert(1)>", "//evil.example/x.png", "https://a.example;script-src *",
                'https://a.example/"><script>', "relative/logo.png", "ftp://a.example/logo.png", "https://" + "a" * 1000 + ".example/x.png"):
        looks = parse_theme_params({"logo": bad})
        assert looks.logo is None and looks.logo_origin is None, bad
