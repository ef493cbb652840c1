"""What the console's service worker keeps in the browser, so a console page loads with no
network (a reload, a new tab, a tablet that dropped the page): one page shell per page kind
and the static files those shells use.

The worker's version is a hash of everything it caches (the static files' content hashes
and the console templates), so a deploy that changes any of them installs a new worker,
which fills a new cache and deletes the old ones. Pure: the caller reads the files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Mapping

# Page kinds with an offline shell. A meet page's shell holds no meet id: the page reads
# the id from its own URL, so one shell serves every meet.
SHELL_KINDS = ("home", "go-live", "join", "meet", "weigh-in", "table", "referee")
MEET_SHELL_KINDS = ("meet", "weigh-in", "table", "referee")
# Static files the console pages load (directly or through module imports).
PRECACHED_STATIC = ("console.css", "fonts/", "js/live/", "js/console/")


@dataclasses.dataclass(frozen=True)
class OfflineManifest:
    version: str
    base: str  # the server's base_url
    shells: dict[str, str]  # page kind -> the URL the worker fetches its shell from
    static: dict[str, str]  # URL (without ?v=) -> content hash, as static_url puts in ?v=
    network_timeout_ms: int

    def as_json(self) -> str:
        """The manifest as the worker script reads it (one JSON literal)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True, separators=(",", ":"))


def shell_url(base_url: str, kind: str) -> str:
    return f"{base_url}console/shell/{kind}"


def offline_manifest(
    base_url: str,
    static_versions: Mapping[str, str],
    template_bytes: Mapping[str, bytes],
    network_timeout_seconds: float,
) -> OfflineManifest:
    """The worker's manifest: ``static_versions`` maps a static file's path to its content
    hash (as ``app.static_versions`` gives it); ``template_bytes`` the console templates."""
    static = {
        f"{base_url}static/{path}": digest
        for path, digest in sorted(static_versions.items())
        if path.startswith(PRECACHED_STATIC) and not path.endswith(".txt")
    }
    fingerprint: dict[str, Any] = {
        "static": static,
        "templates": {name: hashlib.sha256(body).hexdigest() for name, body in sorted(template_bytes.items())},
    }
    version = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]
    return OfflineManifest(
        version=version,
        base=base_url,
        shells={kind: shell_url(base_url, kind) for kind in SHELL_KINDS},
        static=static,
        network_timeout_ms=round(network_timeout_seconds * 1000),
    )
