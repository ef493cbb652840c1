"""Operations endpoints: Prometheus metrics and the admin log level."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

import tornado.web

from openlifter.auth.secrets import keys_match, normalize_meet_id
from openlifter.config import LOG_LEVELS
from openlifter.handlers.base import AppContext
from openlifter.meet.registry import NO_SUCH_MEET, Rejected
from openlifter.metrics import CONTENT_TYPE, ServerMetrics
from openlifter.storage.files import StorageError
from openlifter.views.publisher import Publishers

log = logging.getLogger(__name__)

CLOSE_KEY_ROTATED = 4003  # application close code: come back with the new key


class MetricsHandler(AppContext, tornado.web.RequestHandler):
    def initialize(self, metrics: ServerMetrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE)
        self.set_header("Cache-Control", "no-store")
        self.write(self.metrics.render())


class AdminHandler(AppContext, tornado.web.RequestHandler):
    """Admin endpoints answer only to ``Authorization: Bearer <admin_token>``."""

    def prepare(self) -> None:
        token = self.config.admin_token
        given = self.request.headers.get("Authorization", "")
        if not token:
            raise tornado.web.HTTPError(404)  # admin endpoints are off without a token
        if not given.startswith("Bearer ") or not keys_match(given[len("Bearer ") :], token):
            raise tornado.web.HTTPError(403)


class LogLevelHandler(AdminHandler):
    """POST {"level": "DEBUG"}: change the running server's log level."""

    def post(self) -> None:
        body = self.json_body()
        level = body.get("level") if isinstance(body, dict) else None
        if not isinstance(level, str) or level.upper() not in LOG_LEVELS:
            self.set_status(400)
            self.write({"error": f"level must be one of {', '.join(LOG_LEVELS)}"})
            return
        logging.getLogger().setLevel(level.upper())
        log.warning("log level changed", extra={"newLevel": level.upper()})
        self.write({"level": level.upper()})


class DisplayKeyHandler(AdminHandler):
    """POST: give a meet a new display key and close its displays (a leaked overlay URL)."""

    def initialize(self, publishers: Publishers) -> None:
        self.publishers = publishers

    async def post(self, meet_id_text: str) -> None:
        meet_id = normalize_meet_id(meet_id_text)
        try:
            live = await self.registry.get(meet_id) if meet_id else None
            if live is None:
                raise tornado.web.HTTPError(404)
            key = await self.registry.rotate_display_key(live)
        except Rejected as refusal:  # damaged or unreadable on disk: say why
            raise tornado.web.HTTPError(409, reason=refusal.reason) from None
        except StorageError:
            raise tornado.web.HTTPError(503, reason="could not store the new display key") from None
        self.publishers.of(live).disconnect_all(CLOSE_KEY_ROTATED, "display key rotated")
        self.set_header("Cache-Control", "no-store")
        self.write({"meetId": live.meet_id, "displayKey": key})


class MeetListHandler(AdminHandler):
    """GET: every meet on disk with its status (current, archived, finished) and activity."""

    async def get(self) -> None:
        summaries = await self.registry.summaries()
        self.set_header("Cache-Control", "no-store")
        self.write({"meets": [s.to_json() for s in summaries]})


class MeetChangeHandler(AdminHandler):
    """A change to one meet by an operator; a refusal is 409 with the reason, 404 if unknown."""

    async def change(self, meet_id_text: str, action: Callable[[str], Awaitable[None]], done: str) -> None:
        meet_id = normalize_meet_id(meet_id_text)
        try:
            if not meet_id:
                raise Rejected(NO_SUCH_MEET)
            await action(meet_id)
        except Rejected as refused:
            self.set_status(404 if refused.reason == NO_SUCH_MEET else 409)
            self.write({"error": refused.reason})
            return
        self.write({"meetId": meet_id, "status": done})


class MeetArchiveHandler(MeetChangeHandler):
    """POST /admin/meets/<id>/archive: move a current meet to archived-meets/."""

    async def post(self, meet_id_text: str) -> None:
        await self.change(meet_id_text, self.registry.archive, "archived")


class MeetDeleteHandler(MeetChangeHandler):
    """DELETE /admin/meets/<id>: remove a meet and its folder for good."""

    async def delete(self, meet_id_text: str) -> None:
        await self.change(meet_id_text, self.registry.delete, "deleted")
