"""GET /health: 200 once the server can serve (its data folder is writable)."""

from __future__ import annotations

import tornado.web

from openlifter.handlers.base import AppContext, GuardedRequest


class HealthHandler(AppContext, tornado.web.RequestHandler):
    async def get(self) -> None:
        writable = await self.registry.io.run(self.registry.paths.is_writable)
        self.set_header("Cache-Control", "no-store")
        if not writable:
            self.set_status(503)
        self.write({"status": "ok" if writable else "unavailable", "storageWritable": writable})


class NotFoundHandler(GuardedRequest, tornado.web.RequestHandler):
    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)
