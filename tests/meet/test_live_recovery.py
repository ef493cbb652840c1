"""SPEC section 2 "Recovery trust": RECOVERY_UPDATES only from sessions that were asked,
only while that recovery is open, only after the head, never for a published meet; an
entry may name a location no higher than the answering session's; a pull-ahead that
recovered nothing cannot start another recovery for a while."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from openlifter.protocol import messages
from openlifter.meet.registry import MeetRegistry
from openlifter.protocol.commands import COMMANDS
from openlifter.protocol.connection import Connection
from openlifter.protocol.schema import Limits
from openlifter.storage.executor import StorageExecutor
from support import create_message, join_message, pull_message, update, update_message
from support import each_store  # noqa: F401  (every test here runs on the file store and the redis store)

PAIRS = (("Director", 10), ("Platform", 5), ("Weigh-in", 1))


@pytest.fixture
def registry(tmp_path, store_options):
    from openlifter.app import store_for
    from support import test_config

    io = StorageExecutor(2)
    config = test_config(tmp_path / "data", recovery_wait_seconds=2.0, recovery_retry_seconds=60.0, **store_options)
    meets = MeetRegistry(config, io, messages, store=store_for(config))
    meets.start()
    yield meets
    io.shutdown()
    meets.close_files()


class Peer:
    """A protocol connection without a socket, and what it was sent."""

    def __init__(self, registry: MeetRegistry) -> None:
        self.sent: list[dict[str, Any]] = []
        self.conn = Connection(registry, Limits(), self._keep, COMMANDS, "10.0.0.2")
        self.token = ""

    def _keep(self, frame: dict[str, Any] | str) -> None:
        self.sent.append(json.loads(frame) if isinstance(frame, str) else frame)

    async def send(self, message: dict[str, Any]) -> None:
        await self.conn.receive(json.dumps(message))

    async def expect(self, msg_type: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for frame in self.sent:
                if frame["msgType"] == msg_type:
                    self.sent.remove(frame)
                    return frame
            await asyncio.sleep(0.01)
        raise AssertionError(f"no {msg_type} in {self.sent}")

    def got(self, msg_type: str) -> bool:
        return any(frame["msgType"] == msg_type for frame in self.sent)


async def meet_of_three(registry):
    director = Peer(registry)
    await director.send(create_message("Director", pairs=PAIRS))
    created = await director.expect("MEET_CREATED")
    director.token = created["sessionToken"]
    peers = {"Director": director}
    for location in ("Platform", "Weigh-in"):
        peer = Peer(registry)
        await peer.send(join_message(created["meetId"], location))
        peer.token = (await peer.expect("MEET_JOINED"))["sessionToken"]
        peers[location] = peer
    return peers, director.conn.live


async def recover_nothing(peers: dict[str, Peer], requester: Peer, ahead: int) -> None:
    """``requester`` pulls ahead; every peer is asked and has nothing beyond the head."""
    requester.sent.clear()
    await requester.send(pull_message(requester.token, ahead))
    for peer in peers.values():
        await peer.expect("RECOVERY_REQUEST")
        await peer.send(answer(peer.token))
    await requester.expect("SERVER_PULL")


def answer(token: str, *entries: tuple[int, str, Any, str]) -> dict[str, Any]:
    updates = [{"serverSeqNum": s, "updateKey": k, "updateValue": v, "locationName": loc} for s, k, v, loc in entries]
    return {"msgType": "RECOVERY_UPDATES", "sessionToken": token, "updates": updates}


@pytest.mark.gen_test(timeout=20)
async def test_entries_naming_a_higher_location_are_stored_as_the_answering_sessions(registry):
    peers, live = await meet_of_three(registry)
    weigh_in = peers["Weigh-in"]
    await weigh_in.send(pull_message(weigh_in.token, 2))  # ahead: the server "lost" 1..2
    for peer in peers.values():
        await peer.expect("RECOVERY_REQUEST")
    await weigh_in.send(answer(weigh_in.token, (1, "lifting.flight", "Z", "Director"), (2, "meet.name", "x", "Weigh-in")))
    await peers["Director"].send(answer(peers["Director"].token))
    await peers["Platform"].send(answer(peers["Platform"].token))
    await weigh_in.expect("SERVER_PULL")
    assert [(e.location, e.priority) for e in live.meet.log] == [("Weigh-in", 1), ("Weigh-in", 1)]
    # So a priority-5 edit made before it overrules it, as it would overrule the weigh-in.
    platform = peers["Platform"]
    await platform.send(update_message(platform.token, update("lifting.flight", "B", 1, 0)))
    assert (await platform.expect("UPDATE_ACK"))["updateAcks"] == [{"localSeqNum": 1, "serverSeqNum": 3}]


@pytest.mark.gen_test(timeout=20)
async def test_an_answer_from_a_session_that_was_not_asked_is_ignored(registry):
    peers, live = await meet_of_three(registry)
    platform = peers["Platform"]
    platform.conn.leave()  # not connected when the recovery starts, so not asked
    weigh_in = peers["Weigh-in"]
    await weigh_in.send(pull_message(weigh_in.token, 1))
    await peers["Director"].expect("RECOVERY_REQUEST")
    late = Peer(registry)
    await late.send(answer(platform.token, (1, "meet.name", "forged", "Platform")))  # attaches by token
    await weigh_in.send(answer(weigh_in.token))
    await peers["Director"].send(answer(peers["Director"].token))
    await weigh_in.expect("SERVER_PULL")
    assert live.meet.head == 0


@pytest.mark.gen_test(timeout=20)
async def test_an_answer_after_the_recovery_closed_is_ignored(registry):
    peers, live = await meet_of_three(registry)
    await recover_nothing(peers, peers["Weigh-in"], 1)
    await peers["Director"].send(answer(peers["Director"].token, (1, "meet.name", "late", "Director")))
    await asyncio.sleep(0.1)
    assert live.meet.head == 0


@pytest.mark.gen_test(timeout=20)
async def test_a_published_meet_is_never_recovered(registry):
    peers, live = await meet_of_three(registry)
    director = peers["Director"]
    await director.send({"msgType": "PUBLISH_MEET", "sessionToken": director.token, "returnEmail": "md@example.org", "oplCsv": "a,b\n"})
    await director.expect("PUBLISH_ACK")
    weigh_in = peers["Weigh-in"]
    await weigh_in.send(pull_message(weigh_in.token, 3))
    page = await weigh_in.expect("SERVER_PULL")
    assert page["lastServerSeq"] == 0  # the client rebases on the server's log
    await weigh_in.send(answer(weigh_in.token, (1, "meet.name", "appended", "Weigh-in")))
    await asyncio.sleep(0.1)
    assert live.meet.head == 0 and not any(p.got("RECOVERY_REQUEST") for p in peers.values())


@pytest.mark.gen_test(timeout=20)
async def test_a_pull_ahead_that_recovered_nothing_cannot_start_another_recovery_for_a_while(registry):
    peers, live = await meet_of_three(registry)
    weigh_in = peers["Weigh-in"]
    await recover_nothing(peers, weigh_in, 5)
    weigh_in.sent.clear()
    peers["Director"].sent.clear()
    await weigh_in.send(pull_message(weigh_in.token, 5))  # again at once
    assert (await weigh_in.expect("SERVER_PULL"))["lastServerSeq"] == 0
    assert not peers["Director"].got("RECOVERY_REQUEST") and live._recovery is None
    # The meet keeps taking updates meanwhile, and another session may still recover.
    director = peers["Director"]
    await director.send(update_message(director.token, update("meet.name", "on", 1)))
    await director.expect("UPDATE_ACK")
    await recover_nothing(peers, peers["Platform"], 9)
