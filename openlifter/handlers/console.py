"""The meet console (SPEC 7) and the landing page: page shells for updating browsers.

The pages hold no meet data: their scripts run the JavaScript client, which keeps the
session, the logs and the pending edits in the browser (IndexedDB), so a table works
offline. The server only serves the shells; the meet id in a path is checked here.
"""

from __future__ import annotations

import tornado.web

from openlifter.auth.secrets import normalize_meet_id
from openlifter.handlers.base import AppContext, GuardedRequest
from openlifter.views.offline import MEET_SHELL_KINDS, SHELL_KINDS, OfflineManifest
from openlifter.views.pages import Renderer

# Module scripts from this server only; the client talks to /ws; downloads are blob: URLs.
CONSOLE_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

# Page kind -> template; "home" and "go-live" and "join" need no meet.
CONSOLE_PAGES = {
    "landing": "console/landing.html",
    "home": "console/home.html",
    "go-live": "console/go_live.html",
    "join": "console/join.html",
    "meet": "console/meet.html",
    "weigh-in": "console/weigh_in.html",
    "table": "console/table.html",
    "referee": "console/referee.html",
}


class ConsolePage(AppContext, tornado.web.RequestHandler):
    """A console page. The shell is the same for every meet (the page reads the meet id
    from its URL), so the offline worker keeps one per page kind."""

    def initialize(self, kind: str | None, renderer: Renderer) -> None:
        self.kind = kind  # None: the kind is in the path (<base>console/shell/<kind>)
        self.renderer = renderer

    def get(self, path_arg: str | None = None) -> None:
        kind = self.kind or path_arg
        if kind not in CONSOLE_PAGES or (self.kind is None and kind not in SHELL_KINDS):
            raise tornado.web.HTTPError(404, "no such console page")
        if self.kind in MEET_SHELL_KINDS and normalize_meet_id(path_arg or "") is None:
            raise tornado.web.HTTPError(404, "no such meet id")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Security-Policy", CONSOLE_SECURITY_POLICY)
        self.set_header("Referrer-Policy", "no-referrer")
        self.write(self.renderer.render_template(
            CONSOLE_PAGES[kind], page=kind, meet_page=kind in MEET_SHELL_KINDS,
            password_min_length=self.config.password_min_length,
        ))


def service_worker_script(renderer: Renderer, manifest: OfflineManifest) -> str:
    """The offline worker with its manifest (version, shells, static files) written in: a
    deploy that changes what it caches changes its bytes, and browsers install the new one."""
    return renderer.render_template("console/service_worker.js", manifest_json=manifest.as_json())


class ConsoleServiceWorker(GuardedRequest, tornado.web.RequestHandler):
    """<base>console/sw.js, whose scope is every console page."""

    def initialize(self, script: str) -> None:
        self.body = script

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")  # browsers check for a new worker on every load
        self.set_header("Content-Security-Policy", "default-src 'none'; connect-src 'self'")
        self.write(self.body)
