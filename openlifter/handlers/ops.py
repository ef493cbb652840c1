"""Operations endpoints: Prometheus metrics and the admin log level."""

from __future__ import annotations

import json
import logging

import tornado.web

from openlifter.auth.secrets import keys_match
from openlifter.config import LOG_LEVELS
from openlifter.handlers.base import AppContext
from openlifter.metrics import CONTENT_TYPE, ServerMetrics

log = logging.getLogger(__name__)


class MetricsHandler(AppContext, tornado.web.RequestHandler):
    def initialize(self, metrics: ServerMetrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE)
        self.set_header("Cache-Control", "no-store")
        self.write(self.metrics.render())


class LogLevelHandler(AppContext, tornado.web.RequestHandler):
    """POST {"level": "DEBUG"} with ``Authorization: Bearer <admin_token>``."""

    def check_xsrf_cookie(self) -> None:
        pass  # token-authenticated API, no cookies

    def post(self) -> None:
        token = self.config.admin_token
        given = self.request.headers.get("Authorization", "")
        if not token:
            raise tornado.web.HTTPError(404)  # admin endpoints are off without a token
        if not given.startswith("Bearer ") or not keys_match(given[len("Bearer ") :], token):
            raise tornado.web.HTTPError(403)
        try:
            level = json.loads(self.request.body or b"{}").get("level")
        except (ValueError, AttributeError):
            level = None
        if not isinstance(level, str) or level.upper() not in LOG_LEVELS:
            self.set_status(400)
            self.write({"error": f"level must be one of {', '.join(LOG_LEVELS)}"})
            return
        logging.getLogger().setLevel(level.upper())
        log.warning("log level changed", extra={"level": level.upper()})
        self.write({"level": level.upper()})
