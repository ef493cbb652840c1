"""Message type names, reason texts and one builder per server-to-client message.

Handlers never write a literal ``{"msgType": ...}``: every reply shape lives here.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

# The reasons replies carry are decided where the refusal is (meet/errors.py); re-exported.
from openlifter.meet.errors import (  # noqa: F401
    JOIN_BAD_CREDENTIALS,
    JOIN_UNKNOWN_LOCATION,
    JOIN_RATE_LIMITED,
    PASSWORDS_BUSY,
    JOIN_MEET_DAMAGED,
    JOIN_MEET_UNREADABLE,
    MEET_STORAGE_BUSY,
    MEET_SERVED_ELSEWHERE,
    CREATE_ON_MEET_ROUTE,
    FRAME_FOR_ANOTHER_MEET,
    CONNECTION_CLOSED,
    STORAGE_FAILED,
    JOIN_TOO_MANY_CONNECTIONS,
    STRANGERS_REFUSED,
    CREATE_SERVER_FULL,
    CREATE_RATE_LIMITED,
    CREATE_STORAGE_FAILED,
    PUBLISH_EMPTY_CSV,
    PUBLISH_BAD_EMAIL,
    PUBLISH_ALREADY,
    PUBLISH_STORAGE_FAILED,
    UPDATE_STORAGE_FAILED,
    INTERNAL_ERROR,
)
from openlifter.storage.store import LogEntry

# Client to server.
CREATE_MEET = "CREATE_MEET"
JOIN_MEET = "JOIN_MEET"
UPDATE_INIT = "UPDATE_INIT"
CLIENT_PULL = "CLIENT_PULL"
PUBLISH_MEET = "PUBLISH_MEET"
RECOVERY_UPDATES = "RECOVERY_UPDATES"

# Server to client.
MEET_CREATED = "MEET_CREATED"
CREATE_REJECTED = "CREATE_REJECTED"
MEET_JOINED = "MEET_JOINED"
JOIN_REJECTED = "JOIN_REJECTED"
UPDATE_ACK = "UPDATE_ACK"
UPDATE_REJECTED = "UPDATE_REJECTED"
UPDATE_RELAY = "UPDATE_RELAY"
SERVER_PULL = "SERVER_PULL"
RECOVERY_REQUEST = "RECOVERY_REQUEST"
PUBLISH_ACK = "PUBLISH_ACK"
PUBLISH_REJECTED = "PUBLISH_REJECTED"
MALFORMED_MESSAGE = "MALFORMED_MESSAGE"
UNKNOWN_MESSAGE_TYPE = "UNKNOWN_MESSAGE_TYPE"
INVALID_SESSION = "INVALID_SESSION"

def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def relay_item(entry: LogEntry) -> dict[str, Any]:
    return {
        "updateKey": entry.key,
        "updateValue": entry.value,
        "serverSeqNum": entry.server_seq,
        "locationName": entry.location,
    }


def meet_created(meet_id: str, session_token: str, display_key: str) -> dict[str, Any]:
    return {"msgType": MEET_CREATED, "meetId": meet_id, "sessionToken": session_token, "displayKey": display_key}


def create_rejected(reason: str) -> dict[str, Any]:
    return {"msgType": CREATE_REJECTED, "reason": reason}


def meet_joined(meet_id: str, session_token: str, display_key: str, last_server_seq: int) -> dict[str, Any]:
    return {
        "msgType": MEET_JOINED,
        "meetId": meet_id,
        "sessionToken": session_token,
        "displayKey": display_key,
        "lastServerSeq": last_server_seq,
    }


def join_rejected(reason: str) -> dict[str, Any]:
    return {"msgType": JOIN_REJECTED, "reason": reason}


def update_ack(acks: Iterable[tuple[int, int]]) -> dict[str, Any]:
    return {"msgType": UPDATE_ACK, "updateAcks": [{"localSeqNum": local, "serverSeqNum": server} for local, server in acks]}


def update_rejected(rejections: Iterable[Any]) -> dict[str, Any]:
    return {"msgType": UPDATE_REJECTED, "updatesRejected": [_rejected_item(r) for r in rejections]}


def _rejected_item(rejection: Any) -> dict[str, Any]:
    item = {
        "localSeqNum": rejection.local_seq,
        "conflict": rejection.conflict,
        "reason": rejection.reason,
        "serverValue": rejection.server_value,
        "serverSeqNum": rejection.server_seq,
    }
    if rejection.server_value_omitted:  # too large to send: the client pulls instead
        del item["serverValue"]
        item["serverValueOmitted"] = True
    if rejection.retry:  # not judged (e.g. the disk failed): the client sends it again
        item["retry"] = True
    return item


def update_relay(entries: Iterable[LogEntry]) -> dict[str, Any]:
    return {"msgType": UPDATE_RELAY, "updatesRelayed": [relay_item(e) for e in entries]}


def server_pull(head: int, entries: Iterable[LogEntry], more: bool) -> dict[str, Any]:
    return {"msgType": SERVER_PULL, "lastServerSeq": head, "updates": [relay_item(e) for e in entries], "more": more}


def recovery_request(from_server_seq: int) -> dict[str, Any]:
    return {"msgType": RECOVERY_REQUEST, "fromServerSeq": from_server_seq}


def publish_ack(meet_id: str) -> dict[str, Any]:
    return {"msgType": PUBLISH_ACK, "meetId": meet_id}


def publish_rejected(reason: str) -> dict[str, Any]:
    return {"msgType": PUBLISH_REJECTED, "reason": reason}


def malformed_message(err_msg: str) -> dict[str, Any]:
    return {"msgType": MALFORMED_MESSAGE, "errMsg": err_msg}


def unknown_message_type(msg_type: str) -> dict[str, Any]:
    return {"msgType": UNKNOWN_MESSAGE_TYPE, "unknownMsgType": msg_type}


def invalid_session(session_token: str) -> dict[str, Any]:
    return {"msgType": INVALID_SESSION, "sessionToken": session_token}
