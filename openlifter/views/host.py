"""The view work of many meets, pure and synchronous: what a view worker process runs
(``views/worker.py``), and what ``view_workers = 0`` runs on the IOLoop.

``ViewHost`` keeps, per meet, its own copy of the state (attached whole, then kept up to
date with the entries of every durable round), the meet's ``IncrementalViews`` and one
``VariantFeed`` per display variant in use, and answers the page and API requests from
them. ``ViewService`` puts the host behind messages (plain tuples, so they cross a process
boundary as they are) and coalesces: a meet's rounds within ``coalesce_seconds`` become one
derivation and one frame per variant.

Messages in (to the service):

- ``("attach", meet_id, seq, state)``: the meet's durable state at ``seq`` (replaces any
  copy: a re-attach after the channel overflowed keeps the variants and their seqs, so the
  next frames still follow on);
- ``("apply", meet_id, seq, rounds)``: entries ``(key, value)`` of durable rounds, the last
  at ``seq``; ``rounds`` is a list of entry lists, or of pickled entry lists (bytes);
- ``("want", meet_id, variant)`` / ``("drop", meet_id, variant)``: a display variant comes
  into use (answered by its snapshot) or goes out of it;
- ``("ask", meet_id, request_id, min_seq, question)``: a page or API answer;
- ``("detach", meet_id)``.

Messages out: ``("frames", meet_id, derived, [(variant, from_seq, seq, text), ...])`` (a
``from_seq`` of None is a snapshot; ``derived`` says how many derivations made them) and
``("answer", request_id, status, text)`` (status 200: the body; else the reason, or "").
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, Callable, Hashable, Mapping

from openlifter.meet.jsonvalue import set_in
from openlifter.meet.keys import Path, parse_accepted_key
from openlifter.rules.oplcsv import export_opl_csv
from openlifter.views.derive import RANKING_LISTS, MeetViews, rankings_view
from openlifter.views.feed import VariantFeed
from openlifter.views.incremental import IncrementalViews, run_steps
from openlifter.views.pages import PageSpec, Renderer, encode, index_sections, page_context

log = logging.getLogger(__name__)

# (variant, views) -> the feed of that kind of display, starting at those views.
FeedMaker = Callable[[Hashable, MeetViews], VariantFeed]
Frame = tuple[Hashable, "int | None", int, str]  # (variant, from_seq or None for a snapshot, seq, text)

MAX_COLLECTED_KEYS = 20_000  # past this many keys between derivations, rebuilding is cheaper than advancing


class Unanswerable(Exception):
    """A request the views cannot answer: ``status`` (400, 404, 503) and a reason."""

    def __init__(self, status: int, reason: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def public_state(state: dict[str, Any]) -> dict[str, Any]:
    """The materialized state minus the fork's streaming API key (a credential)."""
    streaming = state.get("streaming")
    if isinstance(streaming, dict) and "apiKey" in streaming:
        return {**state, "streaming": {k: v for k, v in streaming.items() if k != "apiKey"}}
    return state


def _whole_number(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise Unanswerable(400, "day and platform are whole numbers") from None


def api_body(what: str, query: Mapping[str, str], state: dict[str, Any], views: MeetViews) -> dict[str, Any]:
    """The body of ``/meets/<id>/api/<what>`` (SPEC 4), from the state and views at one seq."""
    if what == "state":
        return {"state": public_state(state)}
    if what == "lifting":
        if "day" not in query and "platform" not in query:
            every = views.to_json()
            return {"table": every["table"], "platforms": every["lifting"]}
        chosen = views.lifting_for(_whole_number(query.get("day")), _whole_number(query.get("platform")))
        if chosen is None:
            raise Unanswerable(404, "no such day and platform")
        return {"lifting": chosen}
    if what == "standings":
        return {"standings": views.standings}
    if what == "views":
        return {"views": views.to_json()}
    if what == "rankings":
        which = query.get("list", "best")
        if which not in RANKING_LISTS:
            raise Unanswerable(400, f"list is one of {', '.join(RANKING_LISTS)}")
        return {"rankings": rankings_view(state, which)}
    if what == "opl-csv":  # what the director checks before publishing: the CSV of the durable state
        return {"oplCsv": export_opl_csv(state)}
    raise Unanswerable(404, "no such view")


class _HostedMeet:
    def __init__(self, state: dict[str, Any], seq: int) -> None:
        self.state = state
        self.seq = seq
        self.deriver: IncrementalViews | None = None
        self.keys: list[Path] = []  # changed since the deriver's views
        self.rebuild = True
        self.feeds: dict[Hashable, VariantFeed | None] = {}  # variant in use -> its feed (None: not made yet)


class ViewHost:
    """Meets' states, views and feeds; every method is synchronous and does no I/O."""

    def __init__(self, feed_for: FeedMaker, renderer: Renderer | None) -> None:
        self.feed_for = feed_for
        self.renderer = renderer
        self.meets: dict[str, _HostedMeet] = {}
        self.derived = 0  # derivations made (tests, metrics)

    def attach(self, meet_id: str, state: dict[str, Any], seq: int) -> None:
        old = self.meets.get(meet_id)
        meet = self.meets[meet_id] = _HostedMeet(state, seq)
        if old is not None:  # its variants stay in use; their feeds follow on from their seqs
            meet.feeds = old.feeds
            if old.deriver is not None:
                meet.deriver, meet.rebuild = old.deriver, True

    def detach(self, meet_id: str) -> None:
        self.meets.pop(meet_id, None)

    def apply(self, meet_id: str, seq: int, entries: list[tuple[str, Any]]) -> None:
        meet = self.meets[meet_id]
        for key, value in entries:
            path = parse_accepted_key(key)
            set_in(meet.state, path, value)
            if not meet.rebuild:
                if len(meet.keys) >= MAX_COLLECTED_KEYS:
                    meet.rebuild, meet.keys = True, []
                else:
                    meet.keys.append(path)
        meet.seq = seq

    def watched(self, meet_id: str) -> bool:
        meet = self.meets.get(meet_id)
        return meet is not None and bool(meet.feeds)

    def views(self, meet_id: str) -> MeetViews:
        """The meet's views at its latest seq (derived only as far as its changes reach)."""
        meet = self.meets[meet_id]
        deriver = meet.deriver
        if deriver is None or meet.rebuild:
            meet.deriver = IncrementalViews.built(meet.state, meet.seq)
            meet.rebuild, meet.keys = False, []
            self.derived += 1
        elif meet.keys or deriver.views.seq != meet.seq:
            keys, meet.keys = meet.keys, []
            try:
                deriver.advance(meet.state, keys, meet.seq)
            except Exception:  # the rules must never take the displays down: rebuild next time
                meet.rebuild = True
                raise
            self.derived += 1
        assert meet.deriver is not None
        return meet.deriver.views

    # ---- displays ----------------------------------------------------------------------

    def want(self, meet_id: str, variant: Hashable) -> Frame | None:
        """The snapshot of a variant coming into use (at its feed's seq if it has one: the
        frames after it follow on), or None when it cannot be made (logged)."""
        meet = self.meets[meet_id]
        feed = meet.feeds.get(variant)
        try:
            if feed is None:
                feed = meet.feeds[variant] = self.feed_for(variant, self.views(meet_id))
            return (variant, None, feed.seq, feed.snapshot())
        except Exception:
            meet.feeds[variant] = None  # made on the next round
            log.exception("rendering a display snapshot failed", extra={"meetId": meet_id, "variant": repr(variant)})
            return None

    def drop(self, meet_id: str, variant: Hashable) -> None:
        meet = self.meets.get(meet_id)
        if meet is not None:
            meet.feeds.pop(variant, None)

    def frames(self, meet_id: str) -> list[Frame]:
        """Each variant in use brought to the latest views: an update from its seq, or a
        snapshot if it had no feed."""
        meet = self.meets.get(meet_id)
        if meet is None or not meet.feeds:
            return []
        try:
            views = self.views(meet_id)
        except Exception:
            log.exception("deriving the live views failed", extra={"meetId": meet_id})
            return []
        made: list[Frame] = []
        for variant, feed in list(meet.feeds.items()):
            try:
                if feed is None:
                    feed = meet.feeds[variant] = self.feed_for(variant, views)
                    made.append((variant, None, feed.seq, feed.snapshot()))
                elif feed.seq != views.seq:
                    from_seq = feed.seq
                    run_steps(feed.update_steps(views))
                    assert feed.update is not None
                    made.append((variant, from_seq, feed.seq, feed.update))
            except Exception:
                meet.feeds[variant] = None  # made anew on the next round; its displays then get a snapshot
                log.exception("rendering a display frame failed", extra={"meetId": meet_id, "variant": repr(variant)})
        return made

    # ---- requests ----------------------------------------------------------------------

    def answer(self, meet_id: str, min_seq: int, question: tuple[Any, ...]) -> str:
        """A page's HTML or an API answer's JSON, at least at ``min_seq``."""
        meet = self.meets.get(meet_id)
        if meet is None or meet.seq < min_seq:
            raise Unanswerable(503, "the views are not ready")
        views = self.views(meet_id)
        kind = question[0]
        if kind == "api":
            _, what, query = question
            return encode({"meetId": meet_id, "seq": views.seq, **api_body(what, query, meet.state, views)})
        assert self.renderer is not None
        if kind == "index":
            _, page_base, key, meet_id_display = question
            return self.renderer.render_template(
                "index.html", meet=views.meet, meet_id_display=meet_id_display,
                sections=index_sections(views, page_base, key), feed_path=None,
            )
        _, spec, extra = question  # a page: its spec and what the handler adds (theme, looks, feed path)
        assert isinstance(spec, PageSpec)
        return self.renderer.render_template(
            f"{spec.kind}.html", **page_context(views, spec), fragments=list(spec.fragments().items()), **extra
        )


class ViewService:
    """A ``ViewHost`` behind messages, with the rounds of each watched meet coalesced for
    ``coalesce_seconds``. ``receive`` and ``tick`` return the messages to send back."""

    def __init__(self, host: ViewHost, coalesce_seconds: float) -> None:
        self.host = host
        self.coalesce_seconds = coalesce_seconds
        self._due: dict[str, float] = {}  # meet -> when its coalesced round is made

    def due_at(self) -> float | None:
        return min(self._due.values()) if self._due else None

    def receive(self, message: tuple[Any, ...], now: float) -> list[tuple[Any, ...]]:
        kind, meet_id = message[0], message[1]
        host = self.host
        if kind == "apply":
            if meet_id not in host.meets:
                return []  # detached meanwhile
            for entries in message[3]:
                host.apply(meet_id, message[2], pickle.loads(entries) if isinstance(entries, bytes) else entries)
            if host.watched(meet_id):
                self._due.setdefault(meet_id, now + self.coalesce_seconds)
            return []
        if kind == "attach":
            host.attach(meet_id, message[3], message[2])
            if host.watched(meet_id):
                self._due.setdefault(meet_id, now + self.coalesce_seconds)
            return []
        if kind == "want":
            derived = host.derived
            made = host.want(meet_id, message[2]) if meet_id in host.meets else None
            return [("frames", meet_id, host.derived - derived, [made])] if made is not None else []
        if kind == "drop":
            host.drop(meet_id, message[2])
            return []
        if kind == "ask":
            _, _, request_id, min_seq, question = message
            try:
                return [("answer", request_id, 200, host.answer(meet_id, min_seq, question))]
            except Unanswerable as refused:
                return [("answer", request_id, refused.status, refused.reason)]
            except Exception:
                log.exception("answering a view request failed", extra={"meetId": meet_id})
                return [("answer", request_id, 500, "")]
        if kind == "detach":
            host.detach(meet_id)
            self._due.pop(meet_id, None)
            return []
        raise ValueError(f"unknown view message {kind!r}")

    def tick(self, now: float) -> list[tuple[Any, ...]]:
        """The coalesced rounds whose time has come."""
        out: list[tuple[Any, ...]] = []
        for meet_id, due in list(self._due.items()):
            if due > now:
                continue
            del self._due[meet_id]
            derived = self.host.derived
            made = self.host.frames(meet_id)
            if made:
                out.append(("frames", meet_id, self.host.derived - derived, made))
        return out
