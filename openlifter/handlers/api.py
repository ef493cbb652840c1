"""JSON API for custom overlays and integrations: the state, lifting views and standings.

The answers are made by the view worker (``views/host.py`` ``api_body``) from its copy of
the meet, at least at the durable head as of the request: the IOLoop only passes them on.
"""

from __future__ import annotations

from typing import Any

import tornado.web

from openlifter.handlers.base import CrossOrigin
from openlifter.handlers.display import DisplayAccess, DisplayPublishers
from openlifter.views.pages import encode


class ApiHandler(CrossOrigin, DisplayAccess, tornado.web.RequestHandler):
    def initialize(self, what: str, publishers: DisplayPublishers) -> None:
        self.what = what
        self.publishers = publishers

    async def get(self, meet_id_text: str) -> None:
        live = await self.display_meet(meet_id_text)
        status, text = await self.publishers.of(live).answer(("api", self.what, self.query_args()))
        if status != 200:
            raise tornado.web.HTTPError(status, reason=text or None)
        self.no_store()
        self.allow_origin()
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.write(text)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Integrations read JSON, also when refused (no traceback, no data)."""
        self.allow_origin()
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(encode({"error": self._reason, "status": status_code}))
