"""JSON API for custom overlays and integrations: the state, lifting views and standings."""

from __future__ import annotations

from typing import Any, Callable

import tornado.web

from openlifter.handlers.base import CrossOrigin
from openlifter.handlers.display import DisplayAccess, DisplayPublishers
from openlifter.meet.replica import DisplayedMeet
from openlifter.views.derive import RANKING_LISTS, MeetViews, rankings_view
from openlifter.rules.oplcsv import export_opl_csv
from openlifter.views.pages import encode


def public_state(state: dict[str, Any]) -> dict[str, Any]:
    """The materialized state minus the fork's streaming API key (a credential)."""
    streaming = state.get("streaming")
    if isinstance(streaming, dict) and "apiKey" in streaming:
        return {**state, "streaming": {k: v for k, v in streaming.items() if k != "apiKey"}}
    return state


class ApiHandler(CrossOrigin, DisplayAccess, tornado.web.RequestHandler):
    def initialize(self, what: str, publishers: DisplayPublishers) -> None:
        self.what = what
        self.publishers = publishers

    async def get(self, meet_id_text: str) -> None:
        live = await self.display_meet(meet_id_text)
        views = await self.publishers.of(live).current()  # durable, at least at today's head
        # Under the meet's lock no commit is half done: only durable state is served.
        async with live.lock:
            body = ANSWERS[self.what](self, live, views)
        self.no_store()
        self.allow_origin()
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.write(encode({"meetId": live.meet_id, "seq": views.seq, **body}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Integrations read JSON, also when refused (no traceback, no data)."""
        self.allow_origin()
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(encode({"error": self._reason, "status": status_code}))

    def lifting(self, live: DisplayedMeet, views: MeetViews) -> dict[str, Any]:
        day, platform = self.get_query_argument("day", None), self.get_query_argument("platform", None)
        if day is None and platform is None:
            every = views.to_json()
            return {"table": every["table"], "platforms": every["lifting"]}
        try:
            chosen = views.lifting_for(None if day is None else int(day), None if platform is None else int(platform))
        except ValueError:
            raise tornado.web.HTTPError(400, "day and platform are whole numbers") from None
        if chosen is None:
            raise tornado.web.HTTPError(404, "no such day and platform")
        return {"lifting": chosen}


    def rankings(self, live: DisplayedMeet, views: MeetViews) -> dict[str, Any]:
        which = self.get_query_argument("list", "best")
        if which not in RANKING_LISTS:
            raise tornado.web.HTTPError(400, reason=f"list is one of {', '.join(RANKING_LISTS)}")
        return {"seq": live.meet.head, "rankings": rankings_view(live.meet.state, which)}


ANSWERS: dict[str, Callable[[ApiHandler, DisplayedMeet, MeetViews], dict[str, Any]]] = {
    "state": lambda handler, live, views: {"seq": live.meet.head, "state": public_state(live.meet.state)},
    "lifting": ApiHandler.lifting,
    "standings": lambda handler, live, views: {"standings": views.standings},
    "views": lambda handler, live, views: {"views": views.to_json()},
    # What the director checks before publishing: the server's CSV of the durable state.
    "rankings": ApiHandler.rankings,
    "opl-csv": lambda handler, live, views: {"seq": live.meet.head, "oplCsv": export_opl_csv(live.meet.state)},
}
