"""What every handler shares: the input guard at the rim and typed access to the application settings."""

from __future__ import annotations

import dataclasses
import logging
import re
from types import TracebackType
from typing import Any, Callable
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

    def __init__(self, on_open: Callable[[], None] | None = None) -> None:
        self._sockets: set[Any] = set()
        self._on_open = on_open  # counts sockets opened, for metrics

    def add(self, socket: Any) -> None:
        self._sockets.add(socket)
        if self._on_open is not None:
            self._on_open()

    def discard(self, socket: Any) -> None:
        self._sockets.discard(socket)

    def __len__(self) -> int:
        return len(self._sockets)

    def close_all(self, code: int, reason: str) -> None:
        for socket in list(self._sockets):
            socket.close(code, reason)

    def close_meet(self, meet_id: str, code: int, reason: str) -> None:
        """Close the sockets serving one meet (sockets say which with ``meet_id``)."""
        for socket in list(self._sockets):
            if getattr(socket, "meet_id", None) == meet_id:
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


@dataclasses.dataclass(frozen=True)
class ErrorPage:
    heading: str
    summary: str
    checks: tuple[str, ...] = ()


# What a person sees instead of a bare status: what happened and what to check.
ERROR_PAGES = {
    403: ErrorPage(
        "This display link is not valid",
        "The page needs the meet's current display key, and the one in this address does not match.",
        (
            "Copy the whole address, including the part after ?key=.",
            "Check the meet id in the address (9 digits).",
            "The key may have been changed by the server operator: get the current link from the meet "
            "director (it is on the meet's display index page and in the meet console).",
        ),
    ),
    404: ErrorPage(
        "Page not found",
        "There is nothing at this address on this server.",
        (
            "Check the address for typing mistakes.",
            "Meet pages look like /meets/<meet id>/?key=<display key>; overlays and the scoreboard are below that.",
            "Behind a proxy, check that the server's base_url matches the path the proxy forwards.",
        ),
    ),
}


class FriendlyErrors(AppContext):
    """HTML error pages for people (403 and 404 say what to check); no traceback, ever."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        handler: Any = self
        page = ERROR_PAGES.get(status_code, ErrorPage(handler._reason, "The server could not answer this request."))
        handler.set_header("Content-Type", "text/html; charset=utf-8")
        handler.set_header("Cache-Control", "no-store")
        renderer = self.settings["openlifter_renderer"]
        handler.finish(renderer.render_template("error.html", status=status_code, meet={}, feed_path=None, **dataclasses.asdict(page)))


class CrossOrigin(AppContext):
    """CORS for the JSON routes: origins from ``cors_origins``, and the preflight."""

    PREFLIGHT_MAX_AGE_SECONDS = 600

    def allow_origin(self) -> None:
        handler: Any = self
        allowed = self.config.cors_origins
        origin = handler.request.headers.get("Origin")
        if "*" in allowed:
            handler.set_header("Access-Control-Allow-Origin", "*")
        elif origin and origin in allowed:
            handler.set_header("Access-Control-Allow-Origin", origin)
            handler.add_header("Vary", "Origin")

    def options(self, *args: Any) -> None:
        """The preflight: which origin, methods and headers may follow (no data, no key)."""
        handler: Any = self
        self.allow_origin()
        handler.set_header("Access-Control-Allow-Methods", "GET, OPTIONS")
        handler.set_header("Access-Control-Allow-Headers", "Content-Type")
        handler.set_header("Access-Control-Max-Age", str(self.PREFLIGHT_MAX_AGE_SECONDS))
        handler.set_status(204)
