"""Structured logs: a call site's fields never replace the record's own."""

import json
import logging

from openlifter.logsetup import JsonFormatter, TextFormatter


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
