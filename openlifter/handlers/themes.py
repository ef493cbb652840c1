"""Custom overlay themes: ``<themes_dir>/NAME.css``, used by pages opened with
``?theme=NAME``. An open page follows ``/themes/feed?name=NAME`` and reloads the style
sheet when the file changes (the watcher calls ``ThemeCatalog.changed``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import tornado.websocket

from openlifter.handlers.base import AppContext

THEME_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ThemeCatalog:
    """The version of each theme file (its modification time) and the pages that use it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._versions: dict[str, str] = {}
        self._followers: dict[str, set["ThemeFeed"]] = {}

    def scan(self) -> None:
        """Read every theme's version once at start-up (before the server listens)."""
        if self.folder.is_dir():
            for path in self.folder.glob("*.css"):
                self._note(path)

    def version(self, name: str) -> str | None:
        return self._versions.get(name) if THEME_NAME.match(name) else None

    def changed(self, path: Path) -> None:
        """A file in the themes folder changed: tell the pages that use it."""
        if path.suffix != ".css" or not THEME_NAME.match(path.stem):
            return
        self._note(path)
        frame = json.dumps({"theme": path.stem, "version": self._versions.get(path.stem)})
        for feed in list(self._followers.get(path.stem, ())):
            try:
                feed.write_message(frame)
            except tornado.websocket.WebSocketClosedError:
                self.unfollow(path.stem, feed)

    def _note(self, path: Path) -> None:
        try:
            self._versions[path.stem] = str(path.stat().st_mtime_ns)
        except OSError:  # deleted
            self._versions.pop(path.stem, None)

    def follow(self, name: str, feed: "ThemeFeed") -> None:
        self._followers.setdefault(name, set()).add(feed)

    def unfollow(self, name: str, feed: "ThemeFeed") -> None:
        followers = self._followers.get(name)
        if followers is not None:
            followers.discard(feed)
            if not followers:
                del self._followers[name]


class ThemeFeed(AppContext, tornado.websocket.WebSocketHandler):
    """/themes/feed?name=NAME: one frame each time that theme's file changes."""

    def initialize(self, themes: ThemeCatalog) -> None:
        self.themes = themes
        self.name = ""

    def check_origin(self, origin: str) -> bool:
        return True  # the frames say only that a public style sheet changed

    def open(self, *args: Any) -> None:
        name = self.get_query_argument("name", "")
        if not THEME_NAME.match(name):
            self.close(1008, "theme names are letters, digits, - and _")
            return
        self.name = name
        self.themes.follow(name, self)

    def on_message(self, message: str | bytes) -> None:
        pass  # pages only listen

    def on_close(self) -> None:
        if self.name:
            self.themes.unfollow(self.name, self)
