"""Validation at the edge: text frame -> envelope -> one typed message per msgType.

Every problem raises ``Malformed`` naming the field (``updates[2].localSeqNum``), so the
handlers below receive only well-typed values.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Generator, TypeVar

from openlifter.meet.jsonvalue import encoded_size
from openlifter.meet.keys import InvalidKey, Path, parse_key
from openlifter.meet.meet import Update
from openlifter.protocol import messages as m

MAX_NAME_LENGTH = 100
MAX_PASSWORD_LENGTH = 1024
MAX_TOKEN_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_CSV_CHARS = 16 * 1024 * 1024
MAX_ENDPOINTS = 64
MAX_SEQ = 2**53 - 1  # what a browser's JSON numbers hold exactly


class Malformed(ValueError):
    """The frame or a field is unusable; the message names what and why."""


T = TypeVar("T")

# A parser of a message with many items works in steps: a generator that yields between
# two items (the connection lets other work run there) and returns the typed request.
Steps = Generator[None, None, T]


def run_steps(steps: "Steps[T]") -> T:
    """Run a stepped parser to its end in one go (where nothing else waits)."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


@dataclasses.dataclass(frozen=True)
class Limits:
    max_updates_per_batch: int = 5000
    max_key_length: int = 512
    max_key_index: int = 100000
    max_value_bytes: int = 1024 * 1024
    max_key_segments: int = 32
    max_value_depth: int = 64
    max_in_flight_bytes: int = 16 * 1024 * 1024
    max_receive_bytes_per_second: int = 1024 * 1024
    receive_burst_bytes: int = 4 * 1024 * 1024  # one largest frame (max_message_bytes) at once


@dataclasses.dataclass(frozen=True)
class EndpointSpec:
    location_name: str
    priority: int


@dataclasses.dataclass(frozen=True)
class CreateMeet:
    this_location_name: str
    password: str
    endpoints: tuple[EndpointSpec, ...]


@dataclasses.dataclass(frozen=True)
class JoinMeet:
    meet_id: str
    password: str
    location_name: str


@dataclasses.dataclass(frozen=True)
class UpdateInit:
    session_token: str
    updates: tuple[Update, ...]


@dataclasses.dataclass(frozen=True)
class ClientPull:
    session_token: str
    last_server_seq: int


@dataclasses.dataclass(frozen=True)
class PublishMeet:
    session_token: str
    return_email: str
    opl_csv: str


@dataclasses.dataclass(frozen=True)
class RecoveredSpec:
    server_seq: int
    key: str
    path: Path
    value: Any
    location_name: str


@dataclasses.dataclass(frozen=True)
class RecoveryUpdates:
    session_token: str
    updates: tuple[RecoveredSpec, ...]


def _reject_constant(name: str) -> Any:
    raise Malformed(f"{name} is not valid JSON")


def decode_json(text: str | bytes, what: str = "frame") -> Any:
    """Parse JSON text from a client (a frame, a request body); every problem, nesting
    too deep for the parser included, is ``Malformed`` naming ``what``."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed(f"{what} is not UTF-8 text") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise Malformed(f"{what} is nested too deeply") from None
    except ValueError as error:
        if isinstance(error, Malformed):
            raise
        raise Malformed(f"{what} is not valid JSON") from None


def parse_envelope(text: str | bytes) -> tuple[str, dict[str, Any]]:
    """A frame must be a JSON object with a string msgType."""
    message = decode_json(text)
    if not isinstance(message, dict):
        raise Malformed("frame must be a JSON object")
    msg_type = message.get("msgType")
    if not isinstance(msg_type, str):
        raise Malformed("field 'msgType' must be a string")
    return msg_type, message


def field_str(obj: dict[str, Any], name: str, where: str = "", *, max_length: int, allow_empty: bool = False) -> str:
    label = where + name
    if name not in obj:
        raise Malformed(f"field '{label}' is missing")
    value = obj[name]
    if not isinstance(value, str):
        raise Malformed(f"field '{label}' must be a string")
    if not allow_empty and not value.strip():
        raise Malformed(f"field '{label}' must not be empty")
    if len(value) > max_length:
        raise Malformed(f"field '{label}' is longer than {max_length} characters")
    if not _is_unicode(value):
        raise Malformed(f"field '{label}' is not valid Unicode text")
    return value


def _is_unicode(text: str) -> bool:
    """False for strings holding lone surrogates (valid in JSON escapes, not in UTF-8)."""
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def field_int(obj: dict[str, Any], name: str, where: str = "", *, minimum: int = 0) -> int:
    label = where + name
    if name not in obj:
        raise Malformed(f"field '{label}' is missing")
    value = obj[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"field '{label}' must be an integer")
    if value < minimum or value > MAX_SEQ:
        raise Malformed(f"field '{label}' must be between {minimum} and {MAX_SEQ}")
    return value


def field_list(obj: dict[str, Any], name: str, *, max_items: int, allow_empty: bool = False) -> list[Any]:
    if name not in obj:
        raise Malformed(f"field '{name}' is missing")
    value = obj[name]
    if not isinstance(value, list):
        raise Malformed(f"field '{name}' must be an array")
    if not value and not allow_empty:
        raise Malformed(f"field '{name}' must not be empty")
    if len(value) > max_items:
        raise Malformed(f"field '{name}' has more than {max_items} items")
    return value


def item_object(value: Any, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"field '{label}' must be an object")
    return value


def field_key(obj: dict[str, Any], where: str, limits: Limits) -> tuple[str, Path]:
    key = field_str(obj, "updateKey", where, max_length=limits.max_key_length)
    try:
        return key, parse_key(
            key, max_length=limits.max_key_length, max_index=limits.max_key_index, max_segments=limits.max_key_segments
        )
    except InvalidKey as error:
        raise Malformed(f"field '{where}updateKey' {error}") from None


def field_value(obj: dict[str, Any], where: str, limits: Limits) -> tuple[Any, int]:
    """The value and its size in bytes as compact JSON (measured once, here)."""
    label = where + "updateValue"
    if "updateValue" not in obj:
        raise Malformed(f"field '{label}' is missing")
    value = obj["updateValue"]
    if _depth_exceeds(value, limits.max_value_depth):
        raise Malformed(f"field '{label}' is nested deeper than {limits.max_value_depth} levels (max_value_depth)")
    if isinstance(value, str) and value.isascii():
        size = encoded_size(value)  # ASCII holds no lone surrogate; plain text is measured without encoding
    else:
        try:
            encoded = m.encode(value)
        except ValueError:  # a number too large for a float (1e999) is read as infinity
            raise Malformed(f"field '{label}' holds a number JSON cannot represent") from None
        try:
            size = len(encoded.encode("utf-8"))
        except UnicodeEncodeError:
            raise Malformed(f"field '{label}' holds text that is not valid Unicode") from None
    if size > limits.max_value_bytes:
        raise Malformed(f"field '{label}' is larger than {limits.max_value_bytes} bytes")
    return value, size


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_create_meet(msg: dict[str, Any], limits: Limits) -> CreateMeet:
    this_location = field_str(msg, "thisLocationName", max_length=MAX_NAME_LENGTH)
    password = field_str(msg, "password", max_length=MAX_PASSWORD_LENGTH, allow_empty=True)
    endpoints = []
    for index, raw in enumerate(field_list(msg, "endpoints", max_items=MAX_ENDPOINTS)):
        where = f"endpoints[{index}]."
        item = item_object(raw, f"endpoints[{index}]")
        name = field_str(item, "locationName", where, max_length=MAX_NAME_LENGTH)
        priority = item.get("priority")
        if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > MAX_SEQ:
            raise Malformed(f"field '{where}priority' must be an integer")
        endpoints.append(EndpointSpec(name, priority))
    return CreateMeet(this_location, password, tuple(endpoints))


def parse_join_meet(msg: dict[str, Any], limits: Limits) -> JoinMeet:
    meet_id = field_str(msg, "meetId", max_length=40)
    password = field_str(msg, "password", max_length=MAX_PASSWORD_LENGTH, allow_empty=True)
    location = field_str(msg, "locationName", max_length=MAX_NAME_LENGTH)
    return JoinMeet(meet_id, password, location)


def _token(msg: dict[str, Any]) -> str:
    return field_str(msg, "sessionToken", max_length=MAX_TOKEN_LENGTH)


def parse_update_init(msg: dict[str, Any], limits: Limits) -> "Steps[UpdateInit]":
    token = _token(msg)
    updates = []
    for index, raw in enumerate(field_list(msg, "updates", max_items=limits.max_updates_per_batch)):
        if index:
            yield
        where = f"updates[{index}]."
        item = item_object(raw, f"updates[{index}]")
        key, path = field_key(item, where, limits)
        value, size = field_value(item, where, limits)
        local_seq = field_int(item, "localSeqNum", where)
        after_seq = field_int(item, "afterServerSeqNum", where)
        updates.append(Update(key, path, value, local_seq, after_seq, size))
    return UpdateInit(token, tuple(updates))


def parse_client_pull(msg: dict[str, Any], limits: Limits) -> ClientPull:
    return ClientPull(_token(msg), field_int(msg, "lastServerSeq"))


def parse_publish_meet(msg: dict[str, Any], limits: Limits) -> PublishMeet:
    token = _token(msg)
    email = field_str(msg, "returnEmail", max_length=MAX_EMAIL_LENGTH, allow_empty=True)
    csv = field_str(msg, "oplCsv", max_length=MAX_CSV_CHARS, allow_empty=True)
    return PublishMeet(token, email, csv)


def parse_recovery_updates(msg: dict[str, Any], limits: Limits) -> "Steps[RecoveryUpdates]":
    token = _token(msg)
    updates = []
    # A lost log may be long: allow many batches' worth in one answer.
    max_items = limits.max_updates_per_batch * 100
    for index, raw in enumerate(field_list(msg, "updates", max_items=max_items, allow_empty=True)):
        if index:
            yield
        where = f"updates[{index}]."
        item = item_object(raw, f"updates[{index}]")
        seq = field_int(item, "serverSeqNum", where, minimum=1)
        key, path = field_key(item, where, limits)
        value, _ = field_value(item, where, limits)
        location = field_str(item, "locationName", where, max_length=MAX_NAME_LENGTH)
        updates.append(RecoveredSpec(seq, key, path, value, location))
    return RecoveryUpdates(token, tuple(updates))
