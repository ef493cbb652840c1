"""Every server option, declared once: default, type, help text and validator.

Precedence (lowest first): defaults < config file (TOML, YAML or JSON, by extension)
< ``OPENLIFTER_*`` environment variables (and ``PORT`` for Procfile deploys) < command line.
This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import importlib.metadata
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

ENV_PREFIX = "OPENLIFTER_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("auto", "json", "text")
PROXY_CLIENT_HEADERS = ("x-forwarded-for", "x-real-ip")


class ConfigError(ValueError):
    """A configuration value is unusable; the message names the key and the reason."""


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _non_negative(value: Any) -> str | None:
    return None if value >= 0 else "must be 0 or more"


STORAGE_KINDS = ("file", "redis")


def _storage(value: str) -> str | None:
    return None if value in STORAGE_KINDS else f"must be one of {', '.join(STORAGE_KINDS)}"


def _redis_url(value: str) -> str | None:
    return None if value.startswith(("redis://", "rediss://", "unix://")) else "must start with redis://, rediss:// or unix://"


def _advertise_url(value: str) -> str | None:
    if value and not (value.startswith(("ws://", "wss://")) and value.endswith("/")):
        return "must be empty or a ws:// or wss:// URL ending with '/'"
    return None


def _port(value: int) -> str | None:
    return None if 0 <= value <= 65535 else "must be between 0 and 65535"


def _log_level(value: str) -> str | None:
    return None if value in LOG_LEVELS else f"must be one of {', '.join(LOG_LEVELS)}"


def _log_format(value: str) -> str | None:
    return None if value in LOG_FORMATS else f"must be one of {', '.join(LOG_FORMATS)}"


def _unload_after(value: float) -> str | None:
    # Callers hold a meet across short awaits (a bcrypt check); a minute is far longer.
    return None if value == 0 or value >= 60 else "must be 0 (never) or at least 60 seconds"


def _bcrypt_rounds(value: int) -> str | None:
    return None if 4 <= value <= 31 else "must be between 4 and 31"


def _base_url(value: str) -> str | None:
    if not value.startswith("/") or not value.endswith("/"):
        return "must start and end with '/'"
    return None


def _proxy_client_header(value: str) -> str | None:
    return None if value.lower() in PROXY_CLIENT_HEADERS else "must be X-Forwarded-For or X-Real-Ip"


def option(default: Any, help: str, validator: Callable[[Any], str | None] | None = None, metavar: str | None = None) -> Any:
    """One option: ``metavar`` names its value in --help (else one is chosen by type)."""
    return dataclasses.field(default=default, metadata={"help": help, "validator": validator, "metavar": metavar})


def list_option(default: list[str], help: str, metavar: str = "A,B,...") -> Any:
    return dataclasses.field(default_factory=lambda: list(default), metadata={"help": help, "validator": None, "metavar": metavar})


@dataclasses.dataclass(frozen=True)
class Config:
    host: str = option("127.0.0.1", "Address to listen on (0.0.0.0: every network of this machine, e.g. a venue LAN).", metavar="ADDRESS")
    port: int = option(8080, "TCP port to listen on (PORT is honoured for Procfile deploys).", _port)
    data_dir: str = option("./data", "Folder of the embedded file storage (current-meets/, finished-meets/); one server process per folder.", metavar="DIR")
    storage: str = option("file", "Where meets are kept: file (the folder data_dir, one server process) or redis (one Redis 7 at redis_url shared by several server processes; it must run with appendonly yes, appendfsync always and maxmemory-policy noeviction, checked at start).", _storage, metavar="KIND")
    redis_url: str = option("redis://127.0.0.1:6379/0", "With storage = redis: the Redis to keep meets in (redis://[:password@]host:port/db, rediss:// for TLS, unix:///path.sock); never logged.", _redis_url, metavar="REDIS_URL")
    meet_lease_seconds: float = option(5.0, "With storage = redis: how long a server process's hold on a meet lasts without renewal (renewed every third of it). A process paused or cut off longer loses the meet to another process; its writes are then refused.", _positive, metavar="SECONDS")
    advertise_url: str = option("", "With storage = redis: where the other server processes reach this one (ws://10.0.0.2:8081/ plus base_url) to serve through it the sockets of meets it holds; empty: ws://host:port/base_url (127.0.0.1 for 0.0.0.0).", _advertise_url, metavar="WS_URL")
    display_copy_linger_seconds: float = option(30.0, "With storage = redis: how long a server process keeps its read-only copy of a meet another process serves (made for its own displays) after the last of those displays left.", _positive, metavar="SECONDS")
    base_url: str = option("/", "URL prefix the server is mounted under, e.g. /live/.", _base_url, metavar="PATH")
    log_level: str = option("INFO", "Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL (any case).", _log_level, metavar="LEVEL")
    log_format: str = option("auto", "Log format: json (one object per line), text, or auto (text on a terminal).", _log_format, metavar="FORMAT")
    password_min_length: int = option(10, "Minimum meet password length in characters.", _positive)
    bcrypt_rounds: int = option(12, "bcrypt cost factor for meet passwords (4..31).", _bcrypt_rounds)
    password_threads: int = option(1, "Threads hashing and checking meet passwords (bcrypt keeps a core busy per thread): fewer than the cores, so a crowd of joins waits its turn instead of slowing every meet's relays.", _positive)
    max_pending_password_checks: int = option(32, "Password hashes and checks waiting or running at once; more are refused (the server is busy checking passwords), so a crowd of joins from many addresses cannot queue without end.", _positive)
    session_ttl_seconds: int = option(7 * 24 * 3600, "Lifetime of a session token in seconds.", _positive)
    max_message_bytes: int = option(4 * 1024 * 1024, "Largest WebSocket frame accepted; larger frames close the connection with 1009.", _positive)
    max_updates_per_batch: int = option(5000, "Most updates in one UPDATE_INIT or RECOVERY_UPDATES message.", _positive)
    max_key_length: int = option(512, "Longest update key, in characters.", _positive)
    max_key_index: int = option(100000, "Largest [n] index allowed in an update key.", _positive)
    max_value_bytes: int = option(1024 * 1024, "Largest encoded updateValue, in bytes.", _positive)
    max_key_segments: int = option(32, "Most segments (names and [n] indices) in one update key.", _positive)
    max_value_depth: int = option(64, "Deepest nesting of objects and arrays in one updateValue.", _positive)
    max_padding_per_update: int = option(1000, "Most null elements one update may add in all when an [n] index is past the end of an array.", _non_negative)
    max_meet_log_bytes: int = option(64 * 1024 * 1024, "Most bytes of one meet's update log (about the size of updates.log); once reached, every update is refused: meet is full.", _positive)
    max_meet_state_bytes: int = option(16 * 1024 * 1024, "Most bytes of one meet's materialized state as compact JSON; an update that would grow it past this is refused: meet is full.", _positive)
    max_server_value_bytes: int = option(64 * 1024, "Largest serverValue sent in an UPDATE_REJECTED; a larger one is left out (serverValueOmitted: true) and the client pulls.", _non_negative)
    max_rejection_values_bytes: int = option(1024 * 1024, "Most bytes of serverValues in the answer to one batch; the rest are left out (serverValueOmitted: true).", _non_negative)
    conflict_check_steps: int = option(2000, "Work allowed to judge one update (overlapping updates and value nodes examined); past it, every location that wrote there since is taken as a rival.", _positive)
    meet_time_slice_seconds: float = option(0.002, "A meet judging a long batch, restoring a recovery or replaying its log on load, or a connection's frame of many updates being validated, takes turns with the other long jobs after this many seconds of work, and leaves the server to everything else for as long as it worked.", _positive)
    max_meets: int = option(1000, "Most current meets this server holds; creating more is refused.", _positive)
    max_connections_per_meet: int = option(200, "Most connections one meet may have at once.", _positive)
    max_strangers_per_address: int = option(32, "Most protocol sockets of one client address that belong to no meet yet (handshaking, or not yet created, joined or attached by a token), also counting connections still sending their first request; past it a new connection of that address is refused (503) at once. Display feeds and kept-alive connections do not count.", _positive)
    max_pending_messages: int = option(1024, "Outgoing frames queued for one connection before it is closed as too slow.", _positive)
    max_pending_display_frames: int = option(16, "Frames queued for one display (overlay, scoreboard, JSON feed) before it is closed; it reconnects and resyncs from a snapshot.", _positive)
    max_in_flight_bytes: int = option(16 * 1024 * 1024, "Bytes of one connection's UPDATE_INIT frames waiting in its meet before the server stops reading from that connection (one frame alone may be larger).", _positive)
    max_receive_bytes_per_second: int = option(1024 * 1024, "Bytes per second one protocol connection may send on average (after a burst of max_message_bytes): past it, the server reads its next frame only when it is back within the rate, so what a flood costs (parsing, storing, fsync) grows at a bounded rate.", _positive)
    pull_page_size: int = option(500, "Most updates in one SERVER_PULL page.", _positive)
    pull_page_bytes: int = option(1024 * 1024, "Most bytes of updates in one SERVER_PULL page (a page holds at least one update).", _positive)
    max_pending_bytes: int = option(32 * 1024 * 1024, "Outgoing bytes queued for one connection before it is closed as too slow (a single larger frame is still sent).", _positive)
    meet_idle_unload_seconds: float = option(3600.0, "A meet nobody has used for this long is dropped from memory (it loads again on next use); 0 keeps every meet loaded.", _unload_after)
    recovery_wait_seconds: float = option(5.0, "How long the server waits for RECOVERY_UPDATES after losing state.", _non_negative)
    join_attempts_per_minute: int = option(20, "Failed JOIN_MEET attempts allowed per client address per minute.", _positive)
    creates_per_minute: int = option(10, "Meets one client address may create per minute.", _positive)
    recovery_retry_seconds: float = option(60.0, "A session whose pull-ahead recovered nothing cannot start another recovery of that meet for this long.", _non_negative)
    ws_ping_interval: float = option(20.0, "Seconds between WebSocket pings (0 disables).", _non_negative, metavar="SECONDS")
    ws_ping_timeout: float = option(20.0, "Seconds without a pong before a WebSocket is closed (at most ws_ping_interval).", _non_negative, metavar="SECONDS")
    allowed_origins: list[str] = list_option(["*"], "Origins allowed to open WebSockets; '*' allows any (OpenLifter runs from its own site).")
    storage_threads: int = option(8, "Threads doing file I/O (fsync) so one slow disk never blocks the event loop.", _positive)
    trust_proxy_headers: bool = option(False, "Take client addresses from the header named by proxy_client_header (only behind a proxy that sets it; else clients could pick the address the join rate limit counts).")
    proxy_client_header: str = option("X-Forwarded-For", "With trust_proxy_headers: X-Forwarded-For (its last hop, which the proxy appends) or X-Real-Ip (only if the proxy overwrites it); the other header is ignored.", _proxy_client_header, metavar="HEADER")
    max_connections: int = option(10000, "Most open HTTP and WebSocket connections; at the cap the connection waiting longest for its request headers is closed, or the new one gets 503. Lowered at start-up to fit the open-file limit.", _positive)
    reserved_file_descriptors: int = option(256, "File descriptors kept free of connections for meet files when max_connections must be lowered to fit the open-file limit.", _non_negative)
    http_header_timeout_seconds: float = option(10.0, "Seconds a connection may take to send a request's headers (also how long an idle keep-alive connection stays open).", _positive)
    http_body_timeout_seconds: float = option(60.0, "Seconds a request may take to send its body.", _positive)
    admin_token: str = option("", "Token for /admin endpoints; empty disables them.", metavar="TOKEN")
    console_network_timeout_seconds: float = option(3.0, "Seconds a console page waits for the server before its offline worker loads the copy saved in the browser (for a venue network that hangs rather than fails).", _positive)
    feed_coalesce_seconds: float = option(0.05, "A burst of updates within this many seconds is pushed to displays once.", _non_negative)
    tls_cert: str = option("", "Certificate chain (PEM) to serve https and wss without a proxy; needs tls_key.", metavar="FILE")
    tls_key: str = option("", "Private key (PEM) of tls_cert.", metavar="FILE")
    password_require_uppercase: bool = option(False, "Meet passwords must contain an uppercase letter.")
    password_require_lowercase: bool = option(False, "Meet passwords must contain a lowercase letter.")
    password_require_digit: bool = option(False, "Meet passwords must contain a digit.")
    password_require_special: bool = option(False, "Meet passwords must contain a character that is not a letter, digit or space.")
    metrics_port: int = option(0, "Serve /metrics on this port only (its own listener on host, e.g. 9091, kept off the public port); 0 serves it on port.", _port)
    cors_origins: list[str] = list_option(["*"], "Origins whose pages may read the JSON API (/meets/<id>/api/...) and /health; '*' allows any, empty allows none.")
    themes_dir: str = option("./themes", "Folder of custom overlay themes: NAME.css is used by pages opened with ?theme=NAME, and an edit reaches open pages at once.", metavar="DIR")
    archive_after_days: float = option(30.0, "Unpublished meets nobody has changed for this many days move to archived-meets/ (still shown by their display key, joined again by their password); 0 never archives.", _non_negative)
    redis_archive_dir: str = option("", "With storage = redis: the folder (the file store's layout: finished-meets/<id>/, archived-meets/<id>/) that published and archived meets are written to, out of Redis memory; every process reads them there, so with processes on several hosts it must be one shared folder (NFS). Empty: data_dir.", metavar="DIR")
    gc_thaw_seconds: float = option(3600.0, "The server freezes what survives a full garbage collection (long-lived meets), so later collections do not walk it on the event loop; every this many seconds the frozen objects are given back to the collector so that cycles among them are freed. 0 turns freezing off.", _non_negative)
    view_workers: int = option(1, "Processes that derive, diff and render the live views (meets spread over them by id), so a relay never waits for a view; 0 does that work on the event loop (tools and tests).", _non_negative)
    view_worker_stall_seconds: float = option(10.0, "A view worker that has had work to read and has answered nothing for this long is taken as hung (stopped, or stuck): it is killed and another started, its meets re-attached and its displays given a snapshot; a page or API request waiting for it is asked again.", _positive)
    view_worker_channel_bytes: int = option(8 * 1024 * 1024, "Most bytes of durable rounds in flight to one view worker and as many waiting; past that a meet's waiting rounds become one re-attach of its state (the worker shows the newest state).", _positive)

    def __post_init__(self) -> None:
        for problem in _cross_field_problems(self):
            raise ConfigError(problem)

    @property
    def advertised_url(self) -> str:
        """advertise_url, or this process's own address when it is empty."""
        if self.advertise_url:
            return self.advertise_url
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host
        return f"ws://{host}:{self.port}{self.base_url}"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def redis_archive_path(self) -> Path:
        return Path(self.redis_archive_dir or self.data_dir)

    def replace(self, **changes: Any) -> "Config":
        return build_config({**dataclasses.asdict(self), **changes})


def _cross_field_problems(config: Config) -> list[str]:
    """Rules that involve two options; each message names both."""
    problems = []
    if config.ws_ping_interval > 0 and config.ws_ping_timeout > config.ws_ping_interval:
        problems.append(
            f"config key 'ws_ping_timeout': {config.ws_ping_timeout!r} must be at most ws_ping_interval ({config.ws_ping_interval!r})"
        )
    if bool(config.tls_cert) != bool(config.tls_key):
        problems.append("config keys 'tls_cert' and 'tls_key': give both (https) or neither")
    if config.metrics_port and config.metrics_port == config.port:
        problems.append(f"config key 'metrics_port': {config.metrics_port} is the same as port; use another one, or 0")
    return problems


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
# Environment variables read by the tools besides the options (OPENLIFTER_<OPTION>).
OTHER_ENV_NAMES = frozenset({ENV_PREFIX + "CONFIG", ENV_PREFIX + "MEET_PASSWORD"})
# Options a running server takes from an edited config file; the others need a restart.
RELOADABLE = frozenset({
    "log_level", "password_min_length", "password_require_uppercase", "password_require_lowercase",
    "password_require_digit", "password_require_special", "bcrypt_rounds", "session_ttl_seconds",
    "max_updates_per_batch", "max_key_length", "max_key_index", "max_value_bytes", "max_meets",
    "max_connections_per_meet", "max_pending_messages", "max_pending_display_frames",
    "join_attempts_per_minute", "allowed_origins", "cors_origins",
})
# Secrets are never echoed back in error messages or logs.
SECRET_KEYS = frozenset({"admin_token", "redis_url"})  # a Redis URL may hold its password


def _field_type(name: str) -> type:
    annotation = str(FIELDS[name].type)  # a string: this module uses postponed annotations
    return {"str": str, "int": int, "float": float, "bool": bool, "list[str]": list}[annotation]


def _coerce(name: str, value: Any, *, from_text: bool) -> Any:
    """Convert a raw value to the option's type, or raise ConfigError naming the key."""
    kind = _field_type(name)
    shown = "***" if name in SECRET_KEYS else repr(value)
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            if from_text and str(value).lower() in ("1", "true", "yes", "on"):
                return True
            if from_text and str(value).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, int):
                return value
            if from_text:
                return int(str(value).strip())
            raise ValueError
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, (int, float)):
                result = float(value)
            elif from_text:
                result = float(str(value).strip())
            else:
                raise ValueError
            if result != result or result in (float("inf"), float("-inf")):
                raise ValueError
            return result
        if kind is list:
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return list(value)
            if from_text and isinstance(value, str):
                return [part.strip() for part in value.split(",") if part.strip()]
            raise ValueError
        if isinstance(value, str):
            return value.upper() if name == "log_level" else value
        raise ValueError
    except ValueError:
        raise ConfigError(f"config key {name!r}: {shown} is not a valid {FIELDS[name].type}") from None


def build_config(values: Mapping[str, Any], *, from_text: bool = False) -> Config:
    """Make a validated Config from already-merged raw values."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ConfigError(f"config key {unknown[0]!r}: unknown option")
    typed = {name: _coerce(name, value, from_text=from_text) for name, value in values.items()}
    for name, value in typed.items():
        validator = FIELDS[name].metadata["validator"]
        problem = validator(value) if validator else None
        if problem:
            shown = "***" if name in SECRET_KEYS else repr(value)
            raise ConfigError(f"config key {name!r}: {shown} {problem}")
    return Config(**typed)


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML, YAML or JSON file (chosen by extension) into raw option values."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"config file {str(path)!r}: cannot read it ({error.strerror})") from None
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"config file {str(path)!r}: unknown extension {suffix!r} (use .toml, .yaml, .yml or .json)")
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as error:
        raise ConfigError(f"config file {str(path)!r}: not valid {suffix[1:].upper()} ({_parse_problem(error)})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(path)!r}: must hold a table of options")
    return {str(key).replace("-", "_"): value for key, value in data.items()}


def _parse_problem(error: Exception) -> str:
    """Why a config file did not parse, on one line and without quoting the file: PyYAML's
    own message spans lines and shows the offending text, which may be the admin token."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} at line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(error, yaml.YAMLError):
        return error.__class__.__name__
    return " ".join(str(error).split())


def read_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Options from OPENLIFTER_<OPTION> (and PORT). An unknown OPENLIFTER_ variable is
    refused: a misspelt one would otherwise be silently ignored."""
    values: dict[str, str] = {}
    if "PORT" in environ:
        values["port"] = environ["PORT"]
    known = {ENV_PREFIX + name.upper(): name for name in FIELDS}
    for key in sorted(environ):
        if not key.startswith(ENV_PREFIX) or key in OTHER_ENV_NAMES:
            continue
        if key not in known:
            close = difflib.get_close_matches(key, list(known) + sorted(OTHER_ENV_NAMES), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(f"environment variable {key!r}: unknown option{hint}")
        values[known[key]] = environ[key]
    return values


_METAVARS = {"int": "N", "float": "SECONDS", "bool": "true|false", "str": "TEXT"}


def _metavar(name: str) -> str:
    field = FIELDS[name]
    if field.metadata["metavar"]:
        return field.metadata["metavar"]
    if field.type == "float" and not name.endswith("seconds"):
        return "DAYS" if name.endswith("days") else "NUMBER"
    return _METAVARS[str(field.type)]


def package_version() -> str:
    try:
        return importlib.metadata.version("openlifter-live")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def make_argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openlifter-server",
        description="OpenLifter Live: the live multi-browser server for OpenLifter meets.",
        epilog=(
            "Precedence: defaults < --config file < OPENLIFTER_* environment < flags. Every option is also "
            "OPENLIFTER_<OPTION> in the environment (e.g. OPENLIFTER_PORT=9000); OPENLIFTER_CONFIG names the "
            "config file when --config is not given; PORT is honoured for Procfile deploys."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument("--config", metavar="FILE", help="Config file (.toml, .yaml, .yml or .json); also OPENLIFTER_CONFIG.")
    defaults = dataclasses.asdict(Config())
    for name, field in FIELDS.items():
        default = "(empty)" if name in SECRET_KEYS else defaults[name]
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=None,
            metavar=_metavar(name),
            help=f"{field.metadata['help']} Default: {default}.",
        )
    return parser


def environment_value(name: str) -> str | None:
    """One environment variable, for the command-line tools (e.g. a meet password)."""
    return os.environ.get(name)


def config_file_path(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The config file in use (--config, else OPENLIFTER_CONFIG), or None."""
    environ = os.environ if environ is None else environ
    named = make_argument_parser().parse_args(argv).config or environ.get(ENV_PREFIX + "CONFIG")
    return Path(named) if named else None


def load_config(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Merge defaults, file, environment and flags; raise ConfigError on any bad value."""
    environ = os.environ if environ is None else environ
    args = make_argument_parser().parse_args(argv)
    config_file = args.config or environ.get(ENV_PREFIX + "CONFIG")
    file_values = read_config_file(config_file) if config_file else {}
    env_values = read_environment(environ)
    flag_values = {name: value for name, value in vars(args).items() if name != "config" and value is not None}
    # Typed values from the file are checked strictly; text from env and flags is parsed.
    merged_file = build_config(file_values)
    text_values = {**env_values, **flag_values}
    raw = {**dataclasses.asdict(merged_file)}
    for name, value in text_values.items():
        raw[name] = _coerce(name, value, from_text=True)
    return build_config(raw)

