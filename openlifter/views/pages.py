"""The display pages: what a URL asks for, the template context, and the fragments the
feed refreshes.

A page is a set of named fragments. Each fragment is one Jinja partial, rendered inside
the full page on GET and alone for the feed, so no markup exists twice (and none in
JavaScript). A ``PageSpec`` is the normalized, hashable form of a page's URL parameters:
displays with equal specs share one rendered frame per meet change (``feed.py``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

import jinja2

from openlifter.views.derive import MeetViews

OVERLAY = "overlay"
SCOREBOARD = "scoreboard"
JSON_FEED = "json"



@dataclasses.dataclass(frozen=True)
class OverlayPart:
    name: str  # as in ?parts=
    title: str  # as listed to people
    template: str  # the partial, used by the page and by the feed's fragments


# The overlay parts, listed once, in page order (a later part stacks over an earlier one).
# ?parts=, the fragments, the index page's links and its help text all come from here.
OVERLAY_PARTS: tuple[OverlayPart, ...] = (
    OverlayPart("standings", "Division standings", "partials/standings_panel.html"),
    OverlayPart("next", "Next lifters", "partials/next_lifters.html"),
    OverlayPart("bar", "Bar loading", "partials/bar_panel.html"),
    OverlayPart("lowerthird", "Current lifter (lower third)", "partials/lower_third.html"),
    OverlayPart("clock", "Attempt clock", "partials/clock.html"),
    OverlayPart("lights", "Referee lights", "partials/lights.html"),
    OverlayPart("rankings", "Best lifter by points", "partials/rankings_panel.html"),
)
SCOREBOARD_PARTS: dict[str, str] = {
    "header": "partials/sb_header.html",
    "clock": "partials/clock.html",
    "lights": "partials/lights.html",
    "current": "partials/sb_current.html",
    "order": "partials/sb_order.html",
    "standings": "partials/sb_standings.html",
}
# What the scoreboard's lower left panel shows (?panel=): its slot stays the "standings" fragment.
SCOREBOARD_PANELS = {"standings": "partials/sb_standings.html", "rankings": "partials/sb_rankings.html"}
DEFAULT_PARTS = ("lowerthird",)
MAX_NEXT = 8
MAX_ROWS = 20

@dataclasses.dataclass(frozen=True)
class PageSpec:
    kind: str
    day: int | None = None  # None: follow the scoring table
    platform: int | None = None
    parts: tuple[str, ...] = DEFAULT_PARTS
    next_count: int = 3
    rows: int = 8
    division: str | None = None  # standings filters; none given: the current lifter's category
    weight_class: str | None = None
    sex: str | None = None
    event: str | None = None
    equipment: str | None = None
    units: str = "meet"  # meet: as the meet shows them; main: meet unit only; both
    preview: bool = False  # a dark backdrop, to look at an overlay outside OBS
    panel: str = "standings"  # the scoreboard's lower left panel (SCOREBOARD_PANELS)

    def fragments(self) -> dict[str, str]:
        if self.kind == OVERLAY:
            return {part.name: part.template for part in OVERLAY_PARTS if part.name in self.parts}
        if self.kind == SCOREBOARD:
            return {**SCOREBOARD_PARTS, "standings": SCOREBOARD_PANELS[self.panel]}
        return {}

    def query(self) -> dict[str, str]:
        """The URL parameters that give this spec back (without the key)."""
        out: dict[str, str] = {}
        if self.day is not None:
            out["day"] = str(self.day)
        if self.platform is not None:
            out["platform"] = str(self.platform)
        if self.kind == OVERLAY:
            out["parts"] = ",".join(self.parts)
            out["next"] = str(self.next_count)
        out["rows"] = str(self.rows)
        for name in ("division", "sex", "event", "equipment"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.weight_class is not None:
            out["class"] = self.weight_class
        if self.units != "meet":
            out["units"] = self.units
        if self.preview:
            out["preview"] = "1"
        if self.panel != "standings":
            out["panel"] = self.panel
        return out


def _int_arg(text: str | None, low: int, high: int) -> int | None:
    if text is None or not text.strip().isdigit():
        return None
    return max(low, min(high, int(text.strip())))


def _text_arg(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip()[:100]


def parse_spec(kind: str, args: Mapping[str, str]) -> PageSpec:
    """A spec from URL parameters (one string each); anything unusable gets the default."""
    if kind not in (OVERLAY, SCOREBOARD):
        return PageSpec(JSON_FEED)
    wanted = {x.strip().lower().replace("-", "") for x in args.get("parts", "").split(",")}
    parts = tuple(part.name for part in OVERLAY_PARTS if part.name in wanted)
    units = args.get("units", "meet")
    return PageSpec(
        kind=kind,
        day=_int_arg(args.get("day"), 1, 1000),
        platform=_int_arg(args.get("platform"), 1, 1000),
        parts=parts or DEFAULT_PARTS,
        next_count=_int_arg(args.get("next"), 1, MAX_NEXT) or 3,
        rows=_int_arg(args.get("rows"), 1, MAX_ROWS) or 8,
        division=_text_arg(args.get("division")),
        weight_class=_text_arg(args.get("class")),
        sex=_text_arg(args.get("sex")),
        event=_text_arg(args.get("event")),
        equipment=_text_arg(args.get("equipment")),
        units=units if units in ("meet", "main", "both") else "meet",
        preview=args.get("preview", "") in ("1", "true", "yes"),
        panel=args.get("panel", "") if args.get("panel", "") in SCOREBOARD_PANELS else "standings",
    )


# ---- theme parameters (colours and a logo, by URL) --------------------------------------------

# URL parameter -> the CSS variable of static/live.css it sets (a ?theme= file can restyle more).
THEME_COLORS = {
    "accent": "--accent", "accent-ink": "--accent-ink", "panel": "--panel", "panel-2": "--panel-2",
    "ink": "--ink", "muted": "--muted", "good": "--good", "fail": "--fail",
}
_HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
MAX_LOGO_URL = 1000
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?")  # what may go into the page's img-src


@dataclasses.dataclass(frozen=True)
class ThemeParams:
    colors: tuple[tuple[str, str], ...] = ()  # (CSS variable, "#rrggbb")
    logo: str | None = None  # an http(s) URL or a path on this server
    logo_origin: str | None = None  # for the page's Content-Security-Policy (img-src)


def parse_theme_params(args: Mapping[str, str]) -> ThemeParams:
    """Colours (hex, with or without ``#``) and a logo URL from a page's URL; anything else
    is ignored, so a typo shows the built-in look rather than a broken page."""
    colors = []
    for name, variable in THEME_COLORS.items():
        match = _HEX_COLOR.fullmatch(args.get(name, "").strip())
        if match:
            colors.append((variable, f"#{match.group(1).lower()}"))
    logo, origin = args.get("logo", "").strip(), None
    if logo:
        parts = urlsplit(logo)
        if len(logo) > MAX_LOGO_URL or any(c in logo for c in "\"'<>\\ "):
            logo = ""
        elif parts.scheme in ("http", "https") and _HOST.fullmatch(parts.netloc):
            origin = f"{parts.scheme}://{parts.netloc}"
        elif parts.scheme or parts.netloc or not logo.startswith("/"):
            logo = ""
    return ThemeParams(tuple(colors), logo or None, origin)


# ---- template context ----------------------------------------------------------------------


def _category_matches(category: dict[str, Any], spec: PageSpec) -> bool:
    wanted = {
        "division": spec.division, "weightClass": spec.weight_class, "sex": spec.sex,
        "event": spec.event, "equipment": spec.equipment,
    }
    for field, value in wanted.items():
        if value is None:
            continue
        if field == "weightClass":
            # "93", "93kg", "93 kg", "120+" (or the lb class in a lb meet) all name a class.
            value = value.lower().removesuffix("kg").removesuffix("lbs").removesuffix("lb").strip().lstrip("-\u2212")
            shown = category["weightClassText"].rsplit(" ", 1)[0].lstrip("\u2212") if category["weightClassText"] else ""
            if value not in (category["weightClass"].lower(), shown.lower()):
                return False
        elif category[field].casefold() != value.casefold():
            return False
    return True


def choose_category(views: MeetViews, spec: PageSpec, lifting: dict[str, Any] | None) -> dict[str, Any] | None:
    """The standings category a page shows: the one the URL filters name (preferring the
    current lifter's when several match), else the current lifter's own (first division),
    else the next lifter's or the flight's first lifter's, else the first with results."""
    followed: list[dict[str, Any]] = []
    if lifting is not None:
        for lifter in (lifting["current"], lifting["next"], *(lifting["order"][:1])):
            if lifter is not None:
                category = views.category_of(lifter["id"], lifter["division"])
                if category is not None:
                    followed.append(category)
    filtered = any(v is not None for v in (spec.division, spec.weight_class, spec.sex, spec.event, spec.equipment))
    categories = views.standings["categories"]
    if filtered:
        matching = [c for c in categories if _category_matches(c, spec)]
        for category in followed:
            if category in matching:
                return category
        non_empty = [c for c in matching if c["rows"]]
        return (non_empty or matching or [None])[0]
    if followed:
        return followed[0]
    return next((c for c in categories if c["rows"]), None)


def standing_rows(category: dict[str, Any] | None, rows: int, highlight: int | None) -> list[dict[str, Any]]:
    """The top ``rows`` of a category; when the highlighted lifter is further down, the
    last slot shows that lifter instead (with ``gap`` set) so the stream can show them."""
    if category is None:
        return []
    all_rows = category["rows"]
    top = [dict(r, gap=False) for r in all_rows[:rows]]
    if highlight is not None and all(r["id"] != highlight for r in top):
        mine = next((r for r in all_rows if r["id"] == highlight), None)
        if mine is not None and top:
            top[-1] = dict(mine, gap=True)
    return top


def page_context(views: MeetViews, spec: PageSpec) -> dict[str, Any]:
    lifting = views.lifting_for(spec.day, spec.platform)
    current = lifting["current"] if lifting else None
    category = choose_category(views, spec, lifting)
    highlight = current["id"] if current else None
    show_alt = {"meet": views.meet["altUnit"] is not None, "main": False, "both": True}[spec.units]
    ranked = views.rankings.get("categories", []) if views.rankings else []
    ranking = next((c for c in ranked if highlight is not None and any(r["id"] == highlight for r in c["rows"])), ranked[0] if ranked else None)
    return {
        "meet": views.meet,
        "seq": views.seq,
        "spec": spec,
        "lv": lifting,
        "current": current,
        "upcoming": (lifting["upcoming"] if lifting else [])[: spec.next_count],
        "category": category,
        "rows": standing_rows(category, spec.rows, highlight),
        "highlight": highlight,
        "show_alt": show_alt,
        "projected": views.standings["projected"],
        "platforms": views.platforms,
        "rankings": views.rankings,
        "ranking": ranking,
        "ranking_rows": standing_rows(ranking, spec.rows, highlight),
    }


# ---- rendering -------------------------------------------------------------------------------


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def encode(message: dict[str, Any]) -> str:
    """JSON text for a browser: a non-finite number (a formula gone wild) becomes null."""
    try:
        return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(message), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class Renderer:
    """The one ``render_template`` (Jupyter's idea): the shared Jinja environment plus the
    namespace every template gets (base URL, static URLs)."""

    def __init__(self, env: jinja2.Environment, common: Mapping[str, Any]) -> None:
        self.env = env
        self.common = dict(common)

    def render_template(self, name: str, **ns: Any) -> str:
        return self.env.get_template(name).render({**self.common, **ns})

    def fragments(self, spec: PageSpec, views: MeetViews) -> dict[str, str]:
        context = page_context(views, spec)
        return {name: self.render_template(template, **context) for name, template in spec.fragments().items()}


def page_renderer(templates_dir: str, base_url: str, versions: Mapping[str, str]) -> Renderer:
    """The one Jinja environment (autoescaped) and the namespace every template gets; the
    server and each view worker build theirs with this."""
    env = jinja2.Environment(autoescape=True, loader=jinja2.FileSystemLoader(templates_dir))
    static_url = static_url_maker(base_url + "static/", versions)
    return Renderer(env, {"base_url": base_url, "static_url": static_url, "overlay_parts": OVERLAY_PARTS})


def static_url_maker(prefix: str, versions: Mapping[str, str]) -> Callable[[str], str]:
    """``static_url(name)``: the URL of a static file, with a content hash to bust caches."""

    def static_url(name: str) -> str:
        version = versions.get(name)
        return f"{prefix}{name}?v={version}" if version else f"{prefix}{name}"

    return static_url


# ---- the index page ----------------------------------------------------------------------------


def _url(page_base: str, path: str, key: str, params: Mapping[str, str]) -> str:
    return f"{page_base}{path}?{urlencode({**params, 'key': key})}"


def index_sections(views: MeetViews, page_base: str, key: str) -> list[dict[str, Any]]:
    """The index page's link lists: one section following the scoring table, one per
    platform, and the JSON API. ``page_base`` is the absolute URL of the meet's folder."""
    all_parts = ",".join(part.name for part in reversed(OVERLAY_PARTS))
    targets: list[tuple[str, str, dict[str, str]]] = [
        ("Follow the scoring table", "These follow whichever platform the scoring table is on.", {}),
    ]
    for platform in views.platforms:
        targets.append((platform["label"], "", {"day": str(platform["day"]), "platform": str(platform["platform"])}))
    sections = []
    for title, note, where in targets:
        links = [{"title": "Venue scoreboard", "url": _url(page_base, "scoreboard", key, where)}]
        links.append({"title": "Overlay: all parts", "url": _url(page_base, "overlay", key, {**where, "parts": all_parts})})
        for part in reversed(OVERLAY_PARTS):  # the part on top first
            label = f"Overlay: {part.title.lower()}"
            links.append({"title": label, "url": _url(page_base, "overlay", key, {**where, "parts": part.name})})
        sections.append({"title": title, "note": note, "links": links})
    api = [
        {"title": "Materialized state", "url": _url(page_base, "api/state", key, {})},
        {"title": "Lifting, every platform", "url": _url(page_base, "api/lifting", key, {})},
        {"title": "Standings", "url": _url(page_base, "api/standings", key, {})},
        {"title": "Everything (as the feed)", "url": _url(page_base, "api/views", key, {})},
    ]
    note = "For custom overlays and integrations; the display feed at feed?key=… pushes the same views live."
    sections.append({"title": "JSON API", "note": note, "links": api})
    return sections
