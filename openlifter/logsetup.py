"""Structured logging: one JSON object per line, or plain text on a terminal.

Call sites pass context as ``extra={...}``; secrets are never passed. As a second line
of defence, fields whose name says they hold a secret are masked, and so are secrets in
the text of any record (a query value such as ``?key=...``, a bearer token), whoever
logged it: Tornado's own messages quote request URIs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_SECRET_FIELDS = ("password", "token", "secret", "key")
_SECRET_QUERY_VALUE = re.compile(r"(?i)([?&;](?:[a-z_]*(?:password|token|secret|key))=)[^&;\s'\"#]*")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",]+")


def scrub(text: str) -> str:
    """Mask secret query values and bearer tokens in a log line."""
    return _BEARER.sub(r"\1***", _SECRET_QUERY_VALUE.sub(r"\1***", text))


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {}
    for name, value in vars(record).items():
        if name in _STANDARD or name.startswith("_"):
            continue
        if any(word in name.lower() for word in _SECRET_FIELDS):
            value = "***"
        elif isinstance(value, str):
            value = scrub(value)
        fields[name] = value
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        fields = _fields(record)
        # A call site's field never replaces the record's own (time, level, logger, message).
        clashing = {name: fields.pop(name) for name in list(fields) if name in entry or name == "extra"}
        entry.update(fields)
        if clashing:
            entry["extra"] = clashing
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {scrub(record.getMessage())}"
        extra = _fields(record)
        if extra:
            line += " " + " ".join(f"{k}={v}" for k, v in extra.items())
        if record.exc_info:
            line += "\n" + scrub(self.formatException(record.exc_info))
        return line


def configure_logging(level: str, log_format: str) -> None:
    use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def flush_logs() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
