"""What every display route shares: the meet by its display key, else 403 and no data.

A wrong key, a missing key and an unknown (or unreadable) meet all get the same 403, so
meet ids cannot be probed through these routes.
"""

from __future__ import annotations

import tornado.web

from openlifter.auth.secrets import normalize_meet_id
from openlifter.handlers.base import AppContext
from openlifter.meet.live import LiveMeet
from openlifter.meet.errors import Rejected


class DisplayAccess(AppContext):
    async def display_meet(self, meet_id_text: str) -> LiveMeet:
        handler: tornado.web.RequestHandler = self  # type: ignore[assignment]
        key = handler.get_query_argument("key", "")
        meet_id = normalize_meet_id(meet_id_text)
        live = None
        if meet_id and key:
            try:
                live = await self.registry.get(meet_id)
            except Rejected:
                live = None  # damaged on disk: logged by the registry; the same 403 here
        if live is None or not self.registry.display_key_matches(live, key):
            raise tornado.web.HTTPError(403)
        return live

    def no_store(self) -> None:
        handler: tornado.web.RequestHandler = self  # type: ignore[assignment]
        handler.set_header("Cache-Control", "no-store")
        handler.set_header("Referrer-Policy", "no-referrer")
        handler.set_header("X-Content-Type-Options", "nosniff")

    def query_args(self) -> dict[str, str]:
        handler: tornado.web.RequestHandler = self  # type: ignore[assignment]
        return {name: handler.get_query_argument(name) for name in handler.request.query_arguments if name != "key"}
