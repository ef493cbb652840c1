"""A meet's views kept up to date change by change, at the cost of what each change touches.

``compute_views`` derives everything from the whole state: fine for a club meet, but a
national meet of 1,000+ lifters would pay for every lifter on every attempt mark (SPEC
4.3). ``IncrementalViews`` keeps the parsed entries, each category's results and each
platform's view between changes, and a change recomputes only what its keys touch:

- ``registration.entries[i]...``: entry ``i`` is parsed again; if it differs, the
  categories it was and is in are ranked again (both projected and final), and the
  platforms whose shown flight holds it or one of those categories' lifters (their Place
  cells) are derived again, as are its own platforms;
- ``lifting``, ``live.lifting.*``, ``live.clock.*`` and ``live.decisions.*``: the platforms
  whose lifting state, attempt clock or referee lights changed;
- ``meet`` (units, formula, plates, classes), ``registration`` as a whole, its ``lookup``
  or the whole state: everything, from scratch (rare: set-up, not lifting).

Within that, nothing is redone whole: a changed lifter is taken out of its categories'
place order and its points rankings and put back by bisection, only rows whose place moved
are shaped again, a platform's view reads its flight from a flight index, and a platform
not touched itself is derived again only where a Place cell it shows or its current
lifter's lead moved. ``work`` counts what the last change did (the tests hold it to what a
mark touches). Unchanged parts of the views keep their identity between versions (the same
dict), which is how the feed finds what to send without comparing the whole views. The result equals
``compute_views`` on the same state: ``tests/views/test_incremental.py`` checks it over
random update sequences (entry ids unique, as OpenLifter assigns them from ``nextEntryId``;
with an id used twice, a Place cell may name the other entry's place). Pure: no I/O, no
Tornado.
"""

from __future__ import annotations

import bisect
from collections import Counter
from functools import cmp_to_key
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from openlifter.meet.keys import Path
from openlifter.rules.lifting_order import sorted_flights
from openlifter.rules.model import Entry, Lifting, MeetSetup, entry_from_json, lifting_from_state, meet_from_state
from openlifter.rules.rankings import (
    BEST_LIFTER,
    PointsCategory,
    points_categories,
    presentation_key,
    ranked_row,
    ranking_order_key,
    ranking_points,
)
from openlifter.rules.results import (
    Category,
    CategoryResults,
    PlacedEntry,
    compare_categories,
    compare_in_category,
    entry_categories,
    lifting_table_place_by,
    sort_by_place_in_category,
)
from openlifter.views.derive import (
    MeetViews,
    Pair,
    RowMemo,
    Scoring,
    platform_view,
    setup_info,
    platform_info,
    platform_pairs,
    table_projected,
    category_view,
    lead_rival,
    live_lifting_from_state,
    live_platform_parts,
    platform_live_parts,
    ranking_head,
    ranking_row_view,
    rankings_of,
    standings_view,
    table_lifting,
)

MODES = (True, False)  # projected totals, final totals
# Work between two yields (each about a few ms for real entries and categories).
ENTRY_CHUNK = 100  # entries parsed or sorted into categories
CATEGORY_CHUNK = 10  # categories ranked or shaped

StateReader = Callable[[], Any]  # the meet's state now (only ever durable: see MeetPublisher)


def run_steps(steps: Iterator[None]) -> None:
    """Run a step generator to its end at once (tests, tools; the server spreads them)."""
    for _ in steps:
        pass


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _registration(state: Any) -> Mapping[str, Any]:
    return _mapping(_mapping(state).get("registration"))


def _raw_entries(state: Any) -> Sequence[Any]:
    raw = _registration(state).get("entries")
    return raw if isinstance(raw, (list, tuple)) else ()


def _ids_by_index(state: Any) -> dict[int, int]:
    """``registration.lookup`` read backwards: the id of an entry that has none of its own
    (the same reading as ``entries_from_state``)."""
    out: dict[int, int] = {}
    for key, index in _mapping(_registration(state).get("lookup")).items():
        try:
            entry_id = int(key)
        except (TypeError, ValueError):
            continue
        if isinstance(index, bool):
            continue
        if isinstance(index, float) and index.is_integer():
            index = int(index)
        if isinstance(index, int):
            out.setdefault(index, entry_id)
    return out


class _Change:
    """What a set of changed keys touches."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.everything = False
        self.all_entries = False
        self.entries: set[int] = set()
        self.lifting = False
        self.live = False
        self.live_parts = False
        for path in paths:
            self._add(path)

    def _add(self, path: Path) -> None:
        head = path[0] if path else None
        if head is None or head == "meet":
            self.everything = True
        elif head == "registration":
            sub = path[1] if len(path) > 1 else None
            if sub == "entries" and len(path) > 2 and isinstance(path[2], int):
                self.entries.add(path[2])
            elif sub in (None, "entries", "lookup"):
                self.all_entries = True
        elif head == "lifting":
            self.lifting = True
        elif head == "live" and (len(path) == 1 or path[1] == "lifting"):
            self.live = True
        if head == "live" and (len(path) == 1 or path[1] in ("clock", "decisions")):
            self.live_parts = True


class _PointsRanking:
    """One best-lifter ranking by points (``rules/rankings.py``), kept in order between
    changes: a lifter whose points change is taken out and put back by bisection, and only
    the rows whose place moved are shaped again (the others keep their identity)."""

    def __init__(self, category: PointsCategory) -> None:
        self.category = category
        self.keys: list[tuple[Any, ...]] = []  # (ranking_order_key..., registration index), in order
        self.key_of: dict[int, tuple[Any, ...]] = {}
        self.points: dict[int, float] = {}
        self.rows: list[dict[str, Any] | None] = []  # the shown row at each place, None if not shown
        self._edits: list[int] = []  # where members were taken out or put in since ``shape``
        self._net = 0
        self.shaped = 0  # rows shaped by the last ``shape``

    def __len__(self) -> int:
        return len(self.keys)

    def put(self, index: int, entry: Entry, meet: MeetSetup) -> None:
        points = ranking_points(entry, self.category.event, meet, "None")  # Best Lifter: not age-adjusted
        key = (*ranking_order_key(entry, points), index)
        at = bisect.bisect_left(self.keys, key)
        self.keys.insert(at, key)
        self.rows.insert(at, None)
        self.key_of[index], self.points[index] = key, points
        self._edits.append(at)
        self._net += 1

    def take(self, index: int) -> None:
        key = self.key_of.pop(index, None)
        if key is None:
            return
        del self.points[index]
        at = bisect.bisect_left(self.keys, key)
        del self.keys[at], self.rows[at]
        self._edits.append(at)
        self._net -= 1

    def shape(self, entries: Sequence[Entry | None], meet: MeetSetup) -> dict[str, Any] | None:
        """The ranking's view after the edits since the last call; None when no row is shown.
        A place moves only between the first and the last edit (further on, every edit moved
        a row by one place and back when as many went out as came in)."""
        if self._edits:
            low = min(self._edits)
            high = len(self.keys) if self._net else min(len(self.keys), max(self._edits) + len(self._edits) + 1)
            self.shaped = high - low
            for at in range(low, high):
                index = self.keys[at][-1]
                entry = entries[index]
                row = ranked_row(entry, at, self.category.event, self.points[index]) if entry is not None else None
                self.rows[at] = ranking_row_view(row, meet) if row is not None else None
            self._edits, self._net = [], 0
        else:
            self.shaped = 0
        rows = [row for row in self.rows if row is not None]
        return {**ranking_head(self.category), "rows": rows} if rows else None


class IncrementalViews:
    """The views of one meet at ``views.seq``; ``advance`` brings them to a later state.

    The work comes as step generators (``rebuild_steps``, ``advance_steps``) that yield
    between bounded pieces (a chunk of entries, one platform's view, a chunk of
    categories), so the server lets other meets' relays through between them. An advance
    reads what it needs of the state before its first yield, so its result is the state
    at ``seq``; a rebuild reads the entries chunk by chunk and may see later changes, so
    the publisher advances over the keys that came during a rebuild before it shows it.
    """

    @classmethod
    def built(cls, state: Any, seq: int = 0) -> "IncrementalViews":
        """The views of ``state``, made at once (``rebuild_steps`` makes them step by step)."""
        views = cls()
        run_steps(views.rebuild_steps(lambda: state, seq))
        return views

    @property
    def views(self) -> MeetViews:
        return self._views

    def advance(self, state: Any, paths: Iterable[Path], seq: int) -> MeetViews:
        """The views after changes to ``paths`` (the keys of the log entries since the last
        call, which ``state`` now holds), all at once."""
        run_steps(self.advance_steps(lambda: state, paths, seq))
        return self._views

    # ---- from scratch ----------------------------------------------------------------------

    def rebuild_steps(self, read_state: StateReader, seq: int) -> Iterator[None]:
        state = read_state()
        self.setup: MeetSetup = meet_from_state(state)
        self.table: Lifting = lifting_from_state(state)
        self.live: dict[Pair, Lifting] = live_lifting_from_state(state)
        self.live_parts: dict[Pair, dict[str, Any]] = live_platform_parts(state)
        self.ids = _ids_by_index(state)
        self.memo = RowMemo()
        self.work = Counter[str]()  # what the last change cost: entries placed, flight entries, rows shaped
        self.entries: list[Entry | None] = []
        while True:
            raw = _raw_entries(read_state())
            if len(self.entries) >= len(raw):
                del self.entries[len(raw):]
                break
            start = len(self.entries)
            self.entries.extend(self._parse(raw, i) for i in range(start, min(len(raw), start + ENTRY_CHUNK)))
            yield
        self.members: dict[Category, list[int]] = {}
        self.on_platform: dict[Pair, list[int]] = {}
        self.on_flight: dict[Pair, dict[str, list[int]]] = {}
        self.points_rankings: dict[PointsCategory, _PointsRanking] = {}
        for index, entry in enumerate(self.entries):
            if entry is not None:
                for category in entry_categories(entry, self.setup):
                    self.members.setdefault(category, []).append(index)
                for ranked in points_categories(entry, self.setup):
                    self._points_ranking(ranked).put(index, entry, self.setup)
                self.on_platform.setdefault((entry.day, entry.platform), []).append(index)
                self.on_flight.setdefault((entry.day, entry.platform), {}).setdefault(entry.flight, []).append(index)
            if index % ENTRY_CHUNK == ENTRY_CHUNK - 1:
                yield
        self.pair_counts = Counter({pair: len(indices) for pair, indices in self.on_platform.items()})
        self.categories_changed = False
        self.results: dict[bool, dict[Category, CategoryResults]] = {mode: {} for mode in MODES}
        self.places: dict[bool, dict[Category, dict[int, int]]] = {mode: {} for mode in MODES}
        self.ordered: dict[bool, dict[Category, list[int]]] = {mode: {} for mode in MODES}  # members' indices in place order
        self.edits: dict[Category, set[int]] = {}  # members changed since their category was ranked
        for n, category in enumerate(list(self.members), start=1):
            self._rank(category)
            if n % CATEGORY_CHUNK == 0:
                yield
        self._order_categories()
        self.ids_at: dict[int, set[int]] = {}  # the indices of the entries with each id (one, as OpenLifter assigns them)
        for index, entry in enumerate(self.entries):
            if entry is not None:
                self.ids_at.setdefault(entry.id, set()).add(index)
        self._index_lifter_categories()
        self.place_cells: dict[bool, dict[int, str]] = {mode: {} for mode in MODES}
        self.scoring = {mode: Scoring(mode, self._place_of(mode), self._shown_category_of(mode)) for mode in MODES}
        self.pairs = platform_pairs(self.setup, self.pair_counts, self.table, self.live)
        self.lifting: dict[Pair, dict[str, Any]] = {}
        self.shown: dict[Pair, dict[int, tuple[Entry, str]]] = {}  # the lifters a platform's view shows, with their Place
        self.current: dict[Pair, tuple[Entry, tuple[Any, ...]] | None] = {}  # its current lifter, what their lead was made of
        self.flights: dict[Pair, list[str]] = {}  # its flights
        self.quiet_parts = platform_live_parts()  # a stopped clock and no lights, one object for every platform without them
        for pair in self.pairs:
            yield
            self.lifting[pair] = self._platform_view(pair)
        self.projected = self._projected()
        self.category_views: dict[Category, dict[str, Any]] = {}
        for n, category in enumerate(self.order, start=1):
            self.category_views[category] = self._category_view(category, self.projected)
            if n % CATEGORY_CHUNK == 0:
                yield
        self.standing_list = [self.category_views[c] for c in self.order]  # the standings' categories, in order
        self.ranking_views: dict[PointsCategory, dict[str, Any] | None] = {}
        for n, ranked in enumerate(list(self.points_rankings), start=1):
            self._rank_points(ranked)
            if n % CATEGORY_CHUNK == 0:
                yield
        self._views = MeetViews(
            seq=seq,
            meet=setup_info(self.setup),
            platforms=[platform_info(d, p, self.table) for d, p in self.pairs],
            table=(self.table.day, self.table.platform),
            lifting=dict(self.lifting),
            standings=standings_view(self.setup, self.projected, list(self.standing_list)),
            rankings=self._rankings(),
            lifter_categories=self.lifter_categories,
        )

    def _parse(self, raw: Sequence[Any], index: int) -> Entry | None:
        item = raw[index] if index < len(raw) else None
        return entry_from_json(item, self.ids.get(index, 0)) if isinstance(item, Mapping) else None

    # ---- categories --------------------------------------------------------------------------

    def _rank(self, category: Category) -> set[int]:
        """Place the members of one category, both ways (or drop it once empty); the ids
        whose place there changed. The members edited since the last ranking are taken out
        and put back by bisection (``_place_in``); a category seen for the first time is
        sorted whole."""
        before = [self.places[mode].get(category, {}) for mode in MODES]
        edits = self.edits.pop(category, set())
        indices = self.members.get(category)
        if not indices:
            self.members.pop(category, None)
            self.categories_changed = True
            for mode in MODES:
                self.results[mode].pop(category, None)
                self.places[mode].pop(category, None)
                self.ordered[mode].pop(category, None)
            return {i for places in before for i in places}
        for mode in MODES:
            ordered = self.ordered[mode].get(category)
            self.work["entries placed"] += len(edits)
            if ordered is None or not self._place_in(ordered, category, mode, edits, indices):
                self.work["entries placed"] += len(indices)
                group = [self.entries[i] for i in indices]
                index_of = {id(e): i for e, i in zip(group, indices)}
                ordered = [index_of[id(e)] for e in sort_by_place_in_category(group, category.event, mode)]  # type: ignore[arg-type]
            self.ordered[mode][category] = ordered
            placed = tuple(PlacedEntry(self.entries[i], n) for n, i in enumerate(ordered, start=1))  # type: ignore[arg-type]
            self.results[mode][category] = CategoryResults(category, placed)
            places: dict[int, int] = {}
            for p in placed:
                places.setdefault(p.entry.id, p.place)  # the first with an id, as a search would find it
            self.places[mode][category] = places
        after = [self.places[mode][category] for mode in MODES]
        return {i for old, new in zip(before, after) for i in old.keys() | new.keys() if old.get(i) != new.get(i)}

    def _place_in(self, ordered: list[int], category: Category, mode: bool, edits: set[int], members: list[int]) -> bool:
        """Take the edited entries out of a category's place order and put back those still
        in it, each where bisection with OpenLifter's comparison finds (equal ones in
        registration order, as a stable sort leaves them). False when a neighbour
        disagrees: the comparison was not consistent there, and the caller sorts whole."""
        entries, event = self.entries, category.event

        def before(a: int, b: int) -> bool:
            order = compare_in_category(entries[a], entries[b], event, mode)  # type: ignore[arg-type]
            return order < 0 or (order == 0 and a < b)

        if edits:
            ordered[:] = [i for i in ordered if i not in edits]
        for index in sorted(edits):
            at = bisect.bisect_left(members, index)
            if at == len(members) or members[at] != index:
                continue  # left the category
            low, high = 0, len(ordered)
            while low < high:
                middle = (low + high) // 2
                if before(ordered[middle], index):
                    low = middle + 1
                else:
                    high = middle
            if (low > 0 and not before(ordered[low - 1], index)) or (low < len(ordered) and not before(index, ordered[low])):
                return False
            ordered.insert(low, index)
        return True

    def _points_ranking(self, ranked: PointsCategory) -> _PointsRanking:
        ranking = self.points_rankings.get(ranked)
        if ranking is None:
            ranking = self.points_rankings[ranked] = _PointsRanking(ranked)
        return ranking

    def _rank_points(self, ranked: PointsCategory) -> None:
        """One best-lifter ranking's view after its edits (dropped once empty)."""
        ranking = self.points_rankings.get(ranked)
        view = ranking.shape(self.entries, self.setup) if ranking is not None else None
        self.work["rows shaped"] += ranking.shaped if ranking is not None else 0
        if ranking is not None and not ranking:
            del self.points_rankings[ranked]
        if view is None:
            self.ranking_views.pop(ranked, None)
        else:
            self.ranking_views[ranked] = view

    def _rankings(self) -> dict[str, Any]:
        shown = sorted((c for c in self.points_rankings if self.ranking_views.get(c)), key=presentation_key)
        return rankings_of(self.setup, BEST_LIFTER, [self.ranking_views[c] for c in shown])  # type: ignore[misc]

    def _order_categories(self) -> None:
        """Presentation order; categories that compare equal keep first-seen order."""
        first_seen = sorted(self.members, key=lambda c: self.members[c][0])
        self.order: list[Category] = sorted(first_seen, key=cmp_to_key(compare_categories))
        self.rank = {category: i for i, category in enumerate(self.order)}

    def _place_of(self, mode: bool) -> Any:
        """An entry's Place cell, kept per entry id until its places move (``_forget_places``)."""

        def place_in_division(entry: Entry, division: str) -> int | None:
            candidates = [c for c in entry_categories(entry, self.setup) if c.division == division and c in self.rank]
            for category in sorted(candidates, key=self.rank.__getitem__):
                place = self.places[mode][category].get(entry.id)
                if place is not None:
                    return place
            return None

        known = self.place_cells[mode]

        def place_of(entry: Entry) -> str:
            cell = known.get(entry.id)
            if cell is None:
                cell = known[entry.id] = lifting_table_place_by(entry, place_in_division)
            return cell

        return place_of

    def _forget_places(self, ids: set[int] | None) -> None:
        """Drop the kept Place cells of ``ids`` (None: of everyone)."""
        for known in self.place_cells.values():
            if ids is None:
                known.clear()
            else:
                for entry_id in ids:
                    known.pop(entry_id, None)

    def _shown_category_of(self, mode: bool) -> Any:
        """The category a lifter's Place is in (first division, first in presentation order)."""
        def shown(entry: Entry) -> CategoryResults | None:
            division = entry.divisions[0] if entry.divisions else ""
            candidates = [c for c in entry_categories(entry, self.setup) if c.division == division and c in self.rank]
            for category in sorted(candidates, key=self.rank.__getitem__):
                if entry.id in self.places[mode][category]:
                    return self.results[mode][category]
            return None

        return shown

    # ---- platforms ---------------------------------------------------------------------------

    def _platform_view(self, pair: Pair) -> dict[str, Any]:
        """A platform's view, derived again; notes which lifters it shows and its current lifter.
        A platform that follows a lifting state gets its flight from the flight index (the
        cost of the flight, not of the platform)."""
        lifting = self.live.get(pair)
        if lifting is None and pair == (self.table.day, self.table.platform):
            lifting = self.table
        group: list[Entry] | None = None
        flights: list[str] | None = None
        if lifting is None:  # the group is inferred from the whole platform
            entries = self._present(self.on_platform.get(pair, ()))
        else:
            on_flight = self.on_flight.get(pair, {})
            entries = group = self._present(on_flight.get(lifting.flight, ()))
            flights = sorted_flights(on_flight)
            if flights == self.flights.get(pair):
                flights = self.flights[pair]  # the same list: the feed's diff skips it
            self.flights[pair] = flights
        self.work["flight entries"] += len(entries)
        view = platform_view(
            self.setup, entries, self.table, pair[0], pair[1], self.scoring, own=self.live.get(pair), memo=self.memo,
            live_parts=self.live_parts.get(pair, self.quiet_parts), group=group, flights=flights,
        )
        place_of = self.scoring[bool(view["projected"])].place_of
        in_view = {row["id"] for row in view["order"]}
        self.shown[pair] = {e.id: (e, place_of(e)) for e in entries if e.id in in_view}
        current = view["current"]
        entry = self.shown[pair].get(current["id"], (None, ""))[0] if current is not None else None
        self.current[pair] = (entry, self._lead_inputs(entry, bool(view["projected"]))) if entry is not None else None
        return view

    def _lead_inputs(self, entry: Entry, mode: bool) -> tuple[Any, ...]:
        """What the lower third's lead of ``entry`` is made of besides the entry: the category
        its Place is in, its Place and the rival it is tried against (``derive.lead_rival``)."""
        category = self.scoring[mode].shown_category_of(entry)
        rival = lead_rival(entry, category) if category is not None else None
        return (category.category if category is not None else None, self.scoring[mode].place_of(entry), rival)

    def _categories_at(self, entry_id: int) -> tuple[int, ...]:
        """The positions in the standings of the categories with a lifter of that id."""
        mine = {c for i in self.ids_at.get(entry_id, ()) if (e := self.entries[i]) is not None for c in entry_categories(e, self.setup)}
        return tuple(sorted(self.rank[c] for c in mine if c in self.rank))

    def _index_lifter_categories(self) -> None:
        """Every lifter's categories (``MeetViews.lifter_categories``), from scratch: at a
        rebuild and when a category comes or goes (the positions move)."""
        self.lifter_categories: dict[int, tuple[int, ...]] = {i: self._categories_at(i) for i in self.ids_at}

    def _reindex_lifter_categories(self, ids: set[int]) -> None:
        """The categories of lifters that changed; a new mapping only if one of them moved
        (earlier views keep theirs), so an attempt mark keeps the same one."""
        moved = {i: at for i in ids if (at := self._categories_at(i)) != self.lifter_categories.get(i, ())}
        if moved:
            self.lifter_categories = {**self.lifter_categories, **moved}
            for entry_id, at in moved.items():
                if not at:
                    del self.lifter_categories[entry_id]

    def _present(self, indices: Iterable[int]) -> list[Entry]:
        return [e for i in indices if (e := self.entries[i]) is not None]

    def _category_view(self, category: Category, projected: bool) -> dict[str, Any]:
        return category_view(self.results[projected][category], self.setup, projected, memo=self.memo)

    def _projected(self) -> bool:
        table_pair = (self.table.day, self.table.platform)
        view = self.lifting.get(table_pair)
        if view is not None:
            return bool(view["projected"])
        entries = [self.entries[i] for i in self.on_platform.get(table_pair, ())]
        return table_projected(entries, table_lifting(self.table, self.live))  # type: ignore[arg-type]

    # ---- one change --------------------------------------------------------------------------

    def advance_steps(self, read_state: StateReader, paths: Iterable[Path], seq: int) -> Iterator[None]:
        """Steps to the views after changes to ``paths`` (the keys of the log entries since
        the last views, which the state now holds)."""
        change = _Change(paths)
        if change.everything or change.all_entries:
            yield from self.rebuild_steps(read_state, seq)
            return
        self.touched_rankings: set[PointsCategory] = set()
        self.work = Counter()
        made = self.memo.made
        state = read_state()
        dirty_pairs: set[Pair] = set()
        touched_ids: set[int] = set()
        touched_categories: set[Category] = set()
        replaced_ids: set[int] = set()
        raw = _raw_entries(state)
        if len(raw) > len(self.entries):
            change.entries.update(range(len(self.entries), len(raw)))
            self.entries.extend([None] * (len(raw) - len(self.entries)))
        elif len(raw) < len(self.entries):
            change.entries.update(range(len(raw), len(self.entries)))
        for index in sorted(change.entries):
            if index >= len(self.entries):
                continue
            old, new = self.entries[index], self._parse(raw, index)
            if old == new:
                continue
            self._replace(index, old, new, dirty_pairs, touched_categories)
            touched_ids.update(e.id for e in (old, new) if e is not None)
            replaced_ids.update(e.id for e in (old, new) if e is not None)
        del self.entries[len(raw):]
        if change.lifting:
            table = lifting_from_state(state)
            if table != self.table:
                dirty_pairs.update({(self.table.day, self.table.platform), (table.day, table.platform)})
                self.table = table
        if change.live:
            live = live_lifting_from_state(state)
            dirty_pairs.update(pair for pair in set(live) | set(self.live) if live.get(pair) != self.live.get(pair))
            self.live = live
        if change.live_parts:
            parts = live_platform_parts(state)
            dirty_pairs.update(pair for pair in set(parts) | set(self.live_parts) if parts.get(pair) != self.live_parts.get(pair))
            self.live_parts = parts
        # Nothing below reads the state: the views are those of the state at ``seq``.
        for n, category in enumerate(touched_categories, start=1):
            touched_ids.update(self._rank(category))  # their Place cells
            if n % CATEGORY_CHUNK == 0:
                yield
        order_moved = self.categories_changed
        if order_moved:
            self._order_categories()
            self._forget_places(None)  # which category comes first may have changed for anyone
            self.categories_changed = False
            self._index_lifter_categories()
        else:
            self._forget_places(touched_ids)
            self._reindex_lifter_categories(replaced_ids)
        yield from self._assemble(seq, dirty_pairs, touched_ids, touched_categories, change.lifting, order_moved)
        self.work["rows shaped"] += self.memo.made - made

    def _replace(self, index: int, old: Entry | None, new: Entry | None, dirty_pairs: set[Pair], categories: set[Category]) -> None:
        self.entries[index] = new
        if old is not None:
            at = self.ids_at.get(old.id, set())
            at.discard(index)
            if not at:
                self.ids_at.pop(old.id, None)
        if new is not None:
            self.ids_at.setdefault(new.id, set()).add(index)
        if old is not None:
            self.memo.forget(old)
        for entry, joining in ((old, False), (new, True)):
            if entry is None:
                continue
            pair = (entry.day, entry.platform)
            dirty_pairs.add(pair)
            for category in entry_categories(entry, self.setup):
                categories.add(category)
                if category not in self.members:
                    self.members[category] = []
                    self.categories_changed = True
                self._membership(self.members[category], index, joining)
                self.edits.setdefault(category, set()).add(index)
            for ranked in points_categories(entry, self.setup):
                self.touched_rankings.add(ranked)
                if joining:
                    self._points_ranking(ranked).put(index, entry, self.setup)
                else:
                    self._points_ranking(ranked).take(index)
            self._membership(self.on_platform.setdefault(pair, []), index, joining)
            flights = self.on_flight.setdefault(pair, {})
            self._membership(flights.setdefault(entry.flight, []), index, joining)
            if not flights[entry.flight]:
                del flights[entry.flight]
            if not flights:
                del self.on_flight[pair]
            self.pair_counts[pair] += 1 if joining else -1
            if not self.on_platform[pair]:
                del self.on_platform[pair]
            if self.pair_counts[pair] <= 0:
                del self.pair_counts[pair]

    @staticmethod
    def _membership(indices: list[int], index: int, joining: bool) -> None:
        at = bisect.bisect_left(indices, index)
        if joining:
            indices.insert(at, index)
        elif at < len(indices) and indices[at] == index:
            del indices[at]

    def _stale(self, pair: Pair, touched_ids: set[int], categories: set[Category]) -> bool:
        """Whether a platform not touched itself shows what changed: a Place cell that moved,
        or a current lifter whose lead (what they need) moved with their category."""
        mode = bool(self.lifting[pair]["projected"])
        current = self.current[pair]
        if current is not None and not categories.isdisjoint(entry_categories(current[0], self.setup)):
            if self._lead_inputs(current[0], mode) != current[1]:
                return True
        shown = self.shown[pair]
        place_of = self.scoring[mode].place_of
        for entry_id in touched_ids.intersection(shown) if len(touched_ids) < len(shown) else set(shown).intersection(touched_ids):
            entry, cell = shown[entry_id]
            if place_of(entry) != cell:
                return True
        return False

    def _assemble(
        self, seq: int, dirty_pairs: set[Pair], touched_ids: set[int], categories: set[Category], table_moved: bool,
        order_moved: bool,
    ) -> Iterator[None]:
        before = self._views
        pairs = platform_pairs(self.setup, self.pair_counts, self.table, self.live)
        lifting: dict[Pair, dict[str, Any]] = {}
        for pair in pairs:
            view = self.lifting.get(pair)
            if view is None or pair in dirty_pairs or self._stale(pair, touched_ids, categories):
                yield
                view = self._platform_view(pair)
            lifting[pair] = view
        for gone in set(self.lifting) - set(lifting):
            self.shown.pop(gone, None)
            self.current.pop(gone, None)
        self.lifting = lifting
        platforms = before.platforms
        if pairs != self.pairs or table_moved:
            platforms = [platform_info(d, p, self.table) for d, p in pairs]
            self.pairs = pairs
        projected = self._projected()
        standings = before.standings
        if projected != self.projected:
            self.projected = projected
            self.category_views = {}
            categories = set(self.order)
        if order_moved:
            for category in [c for c in self.category_views if c not in self.rank]:
                del self.category_views[category]
            categories = categories | {c for c in self.order if c not in self.category_views}
        if categories:
            for n, category in enumerate(categories, start=1):
                if category in self.rank:
                    self.category_views[category] = self._category_view(category, projected)
                if n % CATEGORY_CHUNK == 0:
                    yield
            if order_moved or len(self.standing_list) != len(self.order):
                self.standing_list = [self.category_views[c] for c in self.order]
            else:
                for category in categories:
                    self.standing_list[self.rank[category]] = self.category_views[category]
            standings = standings_view(self.setup, projected, list(self.standing_list))
        rankings = before.rankings
        if self.touched_rankings:
            for n, ranked in enumerate(self.touched_rankings, start=1):
                self._rank_points(ranked)
                if n % CATEGORY_CHUNK == 0:
                    yield
            rankings = self._rankings()
        self._views = MeetViews(
            seq=seq,
            meet=before.meet,
            platforms=platforms,
            table=(self.table.day, self.table.platform),
            lifting=lifting,
            standings=standings,
            rankings=rankings,
            lifter_categories=self.lifter_categories,
        )
