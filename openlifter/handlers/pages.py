"""Display pages (Jinja): the meet's index, OBS overlays and the venue scoreboard, rendered by
the view worker (``views/host.py``) from its copy of the meet."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import tornado.web

from openlifter.auth.secrets import display_meet_id
from openlifter.handlers.base import FriendlyErrors
from openlifter.handlers.display import DisplayAccess, DisplayPublishers
from openlifter.handlers.themes import ThemeCatalog
from openlifter.views.pages import Renderer, parse_spec, parse_theme_params

# Scripts from this server only; inline styles carry the plate colours.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'"
)


class PageHandler(FriendlyErrors, DisplayAccess, tornado.web.RequestHandler):
    def initialize(self, kind: str, renderer: Renderer, publishers: DisplayPublishers, themes: ThemeCatalog) -> None:
        self.kind = kind
        self.renderer = renderer
        self.publishers = publishers
        self.themes = themes

    def theme(self) -> dict[str, str] | None:
        """The custom theme named by ?theme= (a file in themes_dir), or None."""
        name = self.get_query_argument("theme", "")
        version = self.themes.version(name)
        if version is None:
            return None
        base = self.config.base_url
        return {"name": name, "href": f"{base}themes/{name}.css?v={version}", "feed": f"{base}themes/feed?name={name}"}

    async def get(self, meet_id_text: str) -> None:
        live = await self.display_meet(meet_id_text)
        self.no_store()
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        question: tuple[Any, ...]
        if self.kind == "index":
            page_base = f"{self.request.protocol}://{self.request.host}{self.config.base_url}meets/{live.meet_id}/"
            question = ("index", page_base, self.get_query_argument("key"), display_meet_id(live.meet_id))
        else:
            spec = parse_spec(self.kind, self.query_args())
            looks = parse_theme_params(self.query_args())
            if looks.logo_origin is not None:  # the logo's own server may serve it
                self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {looks.logo_origin}"))
            feed = {"key": self.get_query_argument("key"), "view": self.kind, **spec.query()}
            feed_path = f"{self.config.base_url}meets/{live.meet_id}/feed?{urlencode(feed)}"
            question = ("page", spec, {"theme": self.theme(), "looks": looks, "feed_path": feed_path})
        status, html = await self.publishers.of(live).answer(question)  # rendered by the view worker
        if status != 200:
            raise tornado.web.HTTPError(status)
        self.write(html)
