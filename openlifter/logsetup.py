"""Structured logging: one JSON object per line, or plain text on a terminal.

Call sites pass context as ``extra={...}``; secrets are never passed. As a second line
of defence, fields whose name says they hold a secret are masked.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_SECRET_FIELDS = ("password", "token", "secret", "key")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {}
    for name, value in vars(record).items():
        if name in _STANDARD or name.startswith("_"):
            continue
        if any(word in name.lower() for word in _SECRET_FIELDS):
            value = "***"
        fields[name] = value
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = _fields(record)
        # A call site's field never replaces the record's own (time, level, logger, message).
        clashing = {name: fields.pop(name) for name in list(fields) if name in entry or name == "extra"}
        entry.update(fields)
        if clashing:
            entry["extra"] = clashing
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: {record.getMessage()}"
        extra = _fields(record)
        if extra:
            line += " " + " ".join(f"{k}={v}" for k, v in extra.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
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
