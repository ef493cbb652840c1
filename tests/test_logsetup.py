"""Log lines mask secrets whoever wrote them (SPEC section 5: secrets never reach logs)."""

from __future__ import annotations

import json
import logging

from openlifter.logsetup import JsonFormatter, TextFormatter, scrub


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
