"""Display pages (Jinja): the meet's index, OBS overlays and the venue scoreboard."""

from __future__ import annotations

from urllib.parse import urlencode

import tornado.web

from openlifter.auth.secrets import display_meet_id
from openlifter.handlers.base import FriendlyErrors
from openlifter.handlers.display import DisplayAccess, DisplayPublishers
from openlifter.handlers.themes import ThemeCatalog
from openlifter.views.pages import Renderer, index_sections, page_context, parse_spec, parse_theme_params

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
        views = await self.publishers.of(live).current()
        self.no_store()
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if self.kind == "index":
            page_base = f"{self.request.protocol}://{self.request.host}{self.config.base_url}meets/{live.meet_id}/"
            key = self.get_query_argument("key")
            html = self.renderer.render_template(
                "index.html", meet=views.meet, meet_id_display=display_meet_id(live.meet_id),
                sections=index_sections(views, page_base, key), feed_path=None,
            )
        else:
            spec = parse_spec(self.kind, self.query_args())
            looks = parse_theme_params(self.query_args())
            if looks.logo_origin is not None:  # the logo's own server may serve it
                self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {looks.logo_origin}"))
            feed = {"key": self.get_query_argument("key"), "view": self.kind, **spec.query()}
            html = self.renderer.render_template(
                f"{self.kind}.html", **page_context(views, spec), fragments=list(spec.fragments().items()), theme=self.theme(),
                looks=looks, feed_path=f"{self.config.base_url}meets/{live.meet_id}/feed?{urlencode(feed)}",
            )
        self.write(html)
