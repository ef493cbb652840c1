"""The display feed's frames, one ``VariantFeed`` per kind of display (SPEC 4.2).

A display first gets a whole snapshot; after that only what changed:

- the JSON views: ``MEET_VIEWS {seq, views}``, then ``MEET_VIEWS_PATCH {fromSeq, seq,
  patch}`` with an RFC 6902 patch from the views at ``fromSeq`` to those at ``seq``;
- a page variant (an overlay or scoreboard with its URL parameters): ``VIEW_UPDATE {seq,
  view, fragments}`` with every fragment, then ``VIEW_UPDATE {fromSeq, seq, view,
  fragments}`` with only the fragments whose HTML changed (none, when the change does not
  show on that page).

Every frame gets ``serverTime`` (ms since the epoch) as it is sent (``stamp``), so pages
can show clocks in step with the server. Frames are encoded once per variant and change,
however many displays share them.
"""

from __future__ import annotations

from typing import Any, Hashable, Iterator, Protocol

from openlifter.views.derive import MeetViews
from openlifter.views.pages import OVERLAY, SCOREBOARD, PageSpec, Renderer, choose_category, encode, page_context
from openlifter.views.patch import make_patch

MEET_VIEWS = "MEET_VIEWS"
MEET_VIEWS_PATCH = "MEET_VIEWS_PATCH"
VIEW_UPDATE = "VIEW_UPDATE"


def stamp(frame: str, server_time_ms: int) -> str:
    """An encoded frame (a JSON object) with ``serverTime`` added in front."""
    return '{"serverTime":%d,%s' % (server_time_ms, frame[1:])


def meet_views(seq: int, views: dict[str, Any]) -> dict[str, Any]:
    return {"msgType": MEET_VIEWS, "seq": seq, "views": views}


def meet_views_patch(from_seq: int, seq: int, patch: list[dict[str, Any]]) -> dict[str, Any]:
    return {"msgType": MEET_VIEWS_PATCH, "fromSeq": from_seq, "seq": seq, "patch": patch}


def view_update(seq: int, kind: str, fragments: dict[str, str], from_seq: int | None = None) -> dict[str, Any]:
    if from_seq is None:
        return {"msgType": VIEW_UPDATE, "seq": seq, "view": kind, "fragments": fragments}
    return {"msgType": VIEW_UPDATE, "fromSeq": from_seq, "seq": seq, "view": kind, "fragments": fragments}


class VariantFeed(Protocol):
    """The frames of one kind of display, at ``seq``."""

    @property
    def seq(self) -> int: ...

    update: str | None  # the frame from the previous seq to this one, once ``update_steps`` ran

    def snapshot(self) -> str: ...

    def update_steps(self, views: MeetViews) -> Iterator[None]: ...


class JsonFeed:
    """``MEET_VIEWS`` and ``MEET_VIEWS_PATCH`` frames."""

    def __init__(self, views: MeetViews) -> None:
        self._views = views
        self._snapshot: str | None = None
        self.update: str | None = None

    @property
    def seq(self) -> int:
        return self._views.seq

    def snapshot(self) -> str:
        if self._snapshot is None:  # encoded only when a display asks for it
            self._snapshot = encode(meet_views(self._views.seq, self._views.to_json()))
        return self._snapshot

    def update_steps(self, views: MeetViews) -> Iterator[None]:
        old = self._views
        yield
        patch = make_patch(old.to_json(), views.to_json())
        self.update = encode(meet_views_patch(old.seq, views.seq, patch))
        self._views, self._snapshot = views, None


class PageFeed:
    """``VIEW_UPDATE`` frames of one page variant: its fragments, rendered once per change
    that shows on it (what it shows is the same objects as before: nothing to render)."""

    def __init__(self, renderer: Renderer, spec: PageSpec, views: MeetViews) -> None:
        self.renderer = renderer
        self.spec = spec
        self.seq = views.seq
        self._inputs = self._inputs_of(views)
        self.fragments = renderer.fragments(spec, views)
        self._snapshot: str | None = None
        self.update: str | None = None

    def _inputs_of(self, views: MeetViews) -> tuple[Any, ...]:
        lifting = views.lifting_for(self.spec.day, self.spec.platform)
        return (lifting, choose_category(views, self.spec, lifting), views.meet, views.platforms, views.standings["projected"])

    def snapshot(self) -> str:
        if self._snapshot is None:
            self._snapshot = encode(view_update(self.seq, self.spec.kind, self.fragments))
        return self._snapshot

    def update_steps(self, views: MeetViews) -> Iterator[None]:
        inputs = self._inputs_of(views)
        changed: dict[str, str] = {}
        if len(inputs) != len(self._inputs) or any(a is not b and a != b for a, b in zip(inputs, self._inputs)):
            context = page_context(views, self.spec)
            for name, template in self.spec.fragments().items():
                yield
                html = self.renderer.render_template(template, **context)
                if html != self.fragments.get(name):
                    changed[name] = html
        self.update = encode(view_update(views.seq, self.spec.kind, changed, from_seq=self.seq))
        self.fragments = {**self.fragments, **changed}
        self.seq, self._inputs, self._snapshot = views.seq, inputs, None


def feed_for(renderer: Renderer, variant: Hashable, views: MeetViews) -> VariantFeed:
    """The feed of a display variant: a page's fragments, or the JSON views."""
    if isinstance(variant, PageSpec) and variant.kind in (OVERLAY, SCOREBOARD):
        return PageFeed(renderer, variant, views)
    return JsonFeed(views)
