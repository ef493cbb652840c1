"""/static/...: Tornado's file handler behind the same input guard as every route."""

from __future__ import annotations

import tornado.web

from openlifter.handlers.base import GuardedRequest


class StaticFiles(GuardedRequest, tornado.web.StaticFileHandler):
    pass
