"""What the console's offline worker caches, and when its version changes."""

from __future__ import annotations

from openlifter.views.offline import SHELL_KINDS, offline_manifest

STATIC = {
    "console.css": "aaa", "live.css": "bbb", "live.js": "ccc", "fonts/Barlow.ttf": "ddd", "fonts/OFL.txt": "eee",
    "js/live/client.js": "fff", "js/console/table.js": "ggg",
}
TEMPLATES = {"table.html": b"<p>table</p>", "_layout.html": b"<html>"}


def manifest(static=STATIC, templates=TEMPLATES):
    return offline_manifest("/a%40b/", static, templates, 3.0)


def test_the_worker_keeps_the_consoles_css_fonts_and_scripts_and_nothing_else():
    assert manifest().static == {
        "/a%40b/static/console.css": "aaa", "/a%40b/static/fonts/Barlow.ttf": "ddd",
        "/a%40b/static/js/console/table.js": "ggg", "/a%40b/static/js/live/client.js": "fff",
    }


def test_the_worker_keeps_one_shell_per_page_kind_under_the_base_url():
    assert manifest().shells == {kind: f"/a%40b/console/shell/{kind}" for kind in SHELL_KINDS}


def test_a_changed_static_file_changes_the_version():
    assert manifest({**STATIC, "js/console/table.js": "zzz"}).version != manifest().version


def test_a_changed_console_template_changes_the_version():
    assert manifest(templates={**TEMPLATES, "table.html": b"<p>new</p>"}).version != manifest().version


def test_a_static_file_the_console_does_not_use_leaves_the_version_alone():
    assert manifest({**STATIC, "live.js": "zzz"}).version == manifest().version


def test_the_network_timeout_comes_in_milliseconds():
    assert offline_manifest("/", STATIC, TEMPLATES, 2.5).network_timeout_ms == 2500
