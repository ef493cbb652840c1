"""What every display route shares: the meet by its display key, else 403 and no data.

A wrong key, a missing key and an unknown (or unreadable) meet all get the same 403, so
meet ids cannot be probed through these routes.

With a shared store (SPEC section 8) a display may reach any process: a meet served here
is shown as it is; any other meet from this process's read-only copy (``meet/replica.py``),
so a display never takes a meet from the process that serves it.
"""

from __future__ import annotations

import tornado.web

from openlifter.auth.secrets import normalize_meet_id
from openlifter.handlers.base import AppContext
from openlifter.handlers.ops import CLOSE_KEY_ROTATED
from openlifter.meet.errors import Rejected
from openlifter.meet.replica import DisplayedMeet, MeetReplica, Replicas
from openlifter.views.publisher import MeetPublisher, Publishers

class DisplayPublishers:
    """The publisher of a displayed meet: the served meet's, or that of this process's copy.
    Copies get publishers (and view workers) of their own, so a copy and the served meet of
    the same id can live side by side (this process took the meet while displays watched its
    copy)."""

    def __init__(self, served: Publishers, replicas: Replicas | None = None, copies: Publishers | None = None) -> None:
        self.served = served
        self.replicas = replicas
        self.copies = copies
        if replicas is not None and copies is not None:
            replicas.on_made.append(copies.attach)
            replicas.on_dropped.append(copies.detach)
            replicas.in_use.append(copies.watched)
            replicas.on_shut.append(lambda copy, reason: copies.of(copy).disconnect_all(CLOSE_KEY_ROTATED, reason))

    def of(self, meet: DisplayedMeet) -> MeetPublisher:
        if isinstance(meet, MeetReplica):
            assert self.copies is not None, "copies of meets exist only with their publishers"
            return self.copies.of(meet)
        return self.served.of(meet)

    def close(self) -> None:
        if self.copies is not None:
            self.copies.close()


class DisplayAccess(AppContext):
    async def display_meet(self, meet_id_text: str) -> DisplayedMeet:
        handler: tornado.web.RequestHandler = self  # type: ignore[assignment]
        key = handler.get_query_argument("key", "")
        meet_id = normalize_meet_id(meet_id_text)
        meet: DisplayedMeet | None = None
        if meet_id and key:
            replicas: Replicas | None = handler.settings.get("openlifter_replicas")
            if replicas is not None and self.registry.loaded(meet_id) is None:
                meet = await replicas.get(meet_id, key)  # served elsewhere, or by nobody now
            else:  # served here (always, with the file store): shown as it is
                try:
                    meet = await self.registry.get(meet_id)
                except Rejected:
                    meet = None  # damaged on disk: logged by the registry; the same 403 here
        if meet is None or not self.registry.display_key_matches(meet, key):
            raise tornado.web.HTTPError(403)
        return meet

    def no_store(self) -> None:
        handler: tornado.web.RequestHandler = self  # type: ignore[assignment]
        handler.set_header("Cache-Control", "no-store")
        handler.set_header("Referrer-Policy", "no-referrer")
        handler.set_header("X-Content-Type-Options", "nosniff")

    def query_args(self) -> dict[str, str]:
        handler: tornado.web.RequestHandler = self  # type: ignore[assignment]
        return {name: handler.get_query_argument(name) for name in handler.request.query_arguments if name != "key"}
