"""/static/...: Tornado's file handler behind the same input guard as every route."""

from __future__ import annotations

import tornado.web

from openlifter.handlers.base import GuardedRequest


class StaticFiles(GuardedRequest, tornado.web.StaticFileHandler):
    def set_extra_headers(self, path: str) -> None:
        # A URL with ?v=<content hash> may be kept for ever (Tornado says so). One without,
        # as a module's own imports are, must be checked with the server on every use:
        # left to the browser's heuristics, a page could run yesterday's module after a
        # deploy (and the console's offline worker would never see the request).
        if not self.get_query_argument("v", None):
            self.set_header("Cache-Control", "no-cache")
