"""Log lines mask secrets whoever wrote them (SPEC section 5: secrets never reach logs), and a
call site's fields never replace the record's own."""

from __future__ import annotations

import json
import logging

from openlifter.logsetup import JsonFormatter, TextFormatter, scrub


def record(severity, **extra):
    return logging.getLogger("openlifter.test").makeRecord("openlifter.test", severity, __file__, 1, "something happened", (), None, extra=extra)


def test_an_extra_field_named_level_does_not_change_the_records_level():
    line = json.loads(JsonFormatter().format(record(logging.WARNING, level="DEBUG", logger="x", time="then")))
    assert line["level"] == "WARNING"
    assert line["logger"] == "openlifter.test"
    assert line["extra"] == {"level": "DEBUG", "logger": "x", "time": "then"}


def test_other_extra_fields_are_written_at_the_top_level():
    line = json.loads(JsonFormatter().format(record(logging.INFO, meetId="123456789")))
    assert line["meetId"] == "123456789" and "extra" not in line


def test_fields_named_like_secrets_are_masked_in_both_formats():
    entry = record(logging.INFO, sessionToken="abc", password="hunter2")
    assert "abc" not in JsonFormatter().format(entry) and "hunter2" not in TextFormatter().format(entry)


def test_secret_query_values_are_masked_and_others_kept():
    line = "403 GET /meets/1/overlay?view=x&key=abc123&sessionToken=t0k&day=1 (127.0.0.1)"
    assert scrub(line) == "403 GET /meets/1/overlay?view=x&key=***&sessionToken=***&day=1 (127.0.0.1)"


def test_bearer_tokens_are_masked():
    assert scrub("{'Authorization': 'Bearer s3cret'}") == "{'Authorization': 'Bearer ***'}"


def test_both_formatters_mask_the_message_and_string_fields():
    record = logging.makeLogRecord({"msg": "GET %s", "args": ("/x?key=abc",), "levelno": 30, "levelname": "WARNING", "path": "/y?displayKey=def"})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /x?key=***" and entry["path"] == "/y?displayKey=***"
    text = TextFormatter().format(record)
    assert "abc" not in text and "def" not in text
