"""One small handler per client msgType, registered with its parser in one table."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from openlifter.auth.secrets import normalize_meet_id
from openlifter.meet.errors import Rejected
from openlifter.protocol import messages as m
from openlifter.protocol import schema

if TYPE_CHECKING:
    from openlifter.protocol.connection import Connection

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclasses.dataclass(frozen=True)
class Command:
    parse: Callable[[dict[str, Any], schema.Limits], Any]  # the typed request, or its Steps (schema.Steps)
    handle: "Callable[[Connection, Any], Awaitable[None]]"


async def create_meet(conn: "Connection", request: schema.CreateMeet) -> None:
    conn.check_meet(None)
    endpoints = [(e.location_name, e.priority) for e in request.endpoints]
    admission = await conn.registry.create_meet(request.this_location_name, request.password, endpoints, conn.address)
    conn.enter(admission.live, admission.session)
    conn.send(m.meet_created(admission.live.meet_id, admission.token, admission.live.auth.display_key))


async def join_meet(conn: "Connection", request: schema.JoinMeet) -> None:
    conn.check_meet(normalize_meet_id(request.meet_id))
    admission = await conn.registry.join_meet(request.meet_id, request.password, request.location_name, conn.address)
    conn.enter(admission.live, admission.session)
    live = admission.live
    conn.send(m.meet_joined(live.meet_id, admission.token, live.auth.display_key, live.durable_head))


async def update_init(conn: "Connection", request: schema.UpdateInit) -> None:
    live, session = await conn.authenticate(request.session_token)
    await conn.track(live.submit(conn, session.location, session.session_id, list(request.updates)))


async def client_pull(conn: "Connection", request: schema.ClientPull) -> None:
    live, session = await conn.authenticate(request.session_token)
    if request.last_server_seq > live.durable_head:
        live.recover(conn, session.session_id)  # the answer comes as SERVER_PULL
        return
    entries, more = live.pull(request.last_server_seq)
    conn.send(m.server_pull(live.durable_head, entries, more))


async def publish_meet(conn: "Connection", request: schema.PublishMeet) -> None:
    live, session = await conn.authenticate(request.session_token)
    if not request.opl_csv.strip():
        raise Rejected(m.PUBLISH_EMPTY_CSV)
    if not EMAIL.match(request.return_email.strip()):
        raise Rejected(m.PUBLISH_BAD_EMAIL)
    await conn.registry.publish(live, request.opl_csv, request.return_email.strip())
    conn.send(m.publish_ack(live.meet_id))


async def recovery_updates(conn: "Connection", request: schema.RecoveryUpdates) -> None:
    live, session = await conn.authenticate(request.session_token)
    live.offer_recovery(conn, session.location, list(request.updates))


COMMANDS: dict[str, Command] = {
    m.CREATE_MEET: Command(schema.parse_create_meet, create_meet),
    m.JOIN_MEET: Command(schema.parse_join_meet, join_meet),
    m.UPDATE_INIT: Command(schema.parse_update_init, update_init),
    m.CLIENT_PULL: Command(schema.parse_client_pull, client_pull),
    m.PUBLISH_MEET: Command(schema.parse_publish_meet, publish_meet),
    m.RECOVERY_UPDATES: Command(schema.parse_recovery_updates, recovery_updates),
}
