"""What every handler may reach in the application settings, as typed properties."""

from __future__ import annotations

import logging
import re
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import tornado.web

from openlifter.config import Config
from openlifter.meet.registry import MeetRegistry
from openlifter.protocol.schema import Malformed, decode_json

log = logging.getLogger("openlifter.http")

# NUL and the other C0 controls (and DEL) never belong in a path or a query value;
# passed on, a NUL makes os.stat raise ValueError (a 500 for /static/x%00).
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


class OpenSockets:
    """Every open WebSocket, so a shutdown can close them all with 1001."""

    def __init__(self) -> None:
        self._sockets: set[Any] = set()

    def add(self, socket: Any) -> None:
        self._sockets.add(socket)

    def discard(self, socket: Any) -> None:
        self._sockets.discard(socket)

    def __len__(self) -> int:
        return len(self._sockets)

    def close_all(self, code: int, reason: str) -> None:
        for socket in list(self._sockets):
            socket.close(code, reason)


class GuardedRequest:
    """What every handler does at the rim, through the hooks Tornado gives for it.

    Every path argument and query value passes ``decode_argument``: text with a control
    character is a 400, never a 500 further in. Errors are logged with the path only:
    Tornado's own log lines carry the query string (display keys travel in ``?key=``)."""

    request: tornado.httputil.HTTPServerRequest

    def decode_argument(self, value: bytes, name: str | None = None) -> str:
        text = tornado.web.RequestHandler.decode_argument(self, value, name)  # type: ignore[arg-type]
        if _CONTROL_CHARACTERS.search(text):
            raise tornado.web.HTTPError(400, "control character in %s", name or "the path")
        return text

    def json_body(self) -> Any:
        """The request body as JSON; any problem with it is a 400 naming what is wrong."""
        try:
            return decode_json(self.request.body, "body")
        except Malformed as error:
            raise tornado.web.HTTPError(400, reason=str(error)) from None

    def log_exception(self, typ: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        where = {"method": self.request.method, "path": self.request.path}
        if isinstance(value, tornado.web.HTTPError):
            message = value.get_message()
            if message:
                log.warning(message, extra={"status": value.status_code, **where})
        else:
            log.error("uncaught exception", exc_info=(typ, value, tb), extra=where)  # type: ignore[arg-type]


class AppContext(GuardedRequest):
    """Typed access to what make_app put in the settings (Jupyter's JupyterHandler idea)."""

    settings: dict[str, Any]

    @property
    def config(self) -> Config:
        return self.settings["openlifter_config"]

    @property
    def registry(self) -> MeetRegistry:
        return self.settings["openlifter_registry"]

    @property
    def open_sockets(self) -> OpenSockets:
        return self.settings["openlifter_sockets"]


def origin_allowed(origin: str, allowed: list[str], host: str) -> bool:
    """Same-host pages always; other origins only if listed (or '*')."""
    if "*" in allowed or origin in allowed:
        return True
    return urlsplit(origin).netloc.lower() == host.lower()
