"""The meet console (SPEC 7) and the landing page: page shells for updating browsers.

The pages hold no meet data: their scripts run the JavaScript client, which keeps the
session, the logs and the pending edits in the browser (IndexedDB), so a table works
offline. The server only serves the shells; the meet id in a path is checked here.
"""

from __future__ import annotations

import tornado.web

from openlifter.auth.secrets import display_meet_id, normalize_meet_id
from openlifter.handlers.base import AppContext
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
}


class ConsolePage(AppContext, tornado.web.RequestHandler):
    def initialize(self, kind: str, renderer: Renderer) -> None:
        self.kind = kind
        self.renderer = renderer

    def get(self, meet_id_text: str | None = None) -> None:
        meet_id = None
        if meet_id_text is not None:
            meet_id = normalize_meet_id(meet_id_text)
            if meet_id is None:
                raise tornado.web.HTTPError(404, "no such meet id")
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Security-Policy", CONSOLE_SECURITY_POLICY)
        self.set_header("Referrer-Policy", "no-referrer")
        self.write(self.renderer.render_template(
            CONSOLE_PAGES[self.kind], page=self.kind, meet_id=meet_id,
            meet_id_display=display_meet_id(meet_id) if meet_id else "",
            password_min_length=self.config.password_min_length,
        ))
