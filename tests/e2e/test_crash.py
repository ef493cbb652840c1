"""An acknowledged update survives the server being killed (SPEC section 3: an update is
acknowledged only after its log line is on disk).

Several clients of two meets stream many small batches at the real server process; it is
killed with SIGKILL in the middle of the stream, started again on the same folder, and
every update any client saw acknowledged must be in the log, at the seq it was given.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from support import Client, ServerProcess, create_message, join_message, pull_message, update, update_message

pytestmark = [pytest.mark.slow]

LOCATIONS = (("Table", 3), ("Weigh-in", 2), ("Announcer", 1))
WINDOW = 4  # batches a client keeps in flight before waiting for an ACK
ACKS_BEFORE_KILL = 400


@dataclasses.dataclass
class Streamer:
    """One updating client sending batches of 1-3 updates to keys only it uses."""

    name: str
    client: Client
    token: str
    location: str
    sent: dict[int, tuple[str, Any]] = dataclasses.field(default_factory=dict)  # local -> (key, value)
    acked: dict[int, int] = dataclasses.field(default_factory=dict)  # local -> server seq
    rejected: list[Any] = dataclasses.field(default_factory=list)
    closed: bool = False
    window: asyncio.Semaphore = dataclasses.field(default_factory=lambda: asyncio.Semaphore(WINDOW))

    async def write(self) -> None:
        local = 0
        try:
            while True:
                await self.window.acquire()
                if self.closed:
                    return
                batch = []
                for _ in range(1 + local % 3):
                    local += 1
                    key, value = f"stream.{self.name}.u{local}", f"{self.name}:{local}"
                    self.sent[local] = (key, value)
                    batch.append(update(key, value, local))
                await self.client.send(update_message(self.token, *batch))
        except Exception:  # the server is gone
            return

    async def read(self) -> None:
        while True:
            frame = await self.client.recv(timeout=30)
            if frame is None:
                self.closed = True
                self.window.release()  # wake the writer so that it stops
                return
            if frame["msgType"] == "UPDATE_ACK":
                self.acked.update((a["localSeqNum"], a["serverSeqNum"]) for a in frame["updateAcks"])
                self.window.release()
            elif frame["msgType"] != "UPDATE_RELAY":
                self.rejected.append(frame)
                self.window.release()


async def start_meet(connect, server: ServerProcess, meet_name: str) -> tuple[list[Streamer], str]:
    creator = await connect(server)
    created = await creator.request(create_message(pairs=LOCATIONS))
    streamers = [Streamer(f"{meet_name}c0", creator, created["sessionToken"], "Table")]
    for index, (location, _) in enumerate(LOCATIONS[1:] + LOCATIONS[1:2], start=1):
        client = await connect(server)
        joined = await client.request(join_message(created["meetId"], location))
        streamers.append(Streamer(f"{meet_name}c{index}", client, joined["sessionToken"], location))
    return streamers, created["sessionToken"]


async def pull_everything(client: Client, token: str) -> tuple[list[dict[str, Any]], int]:
    updates: list[dict[str, Any]] = []
    while True:
        page = await client.request(pull_message(token, updates[-1]["serverSeqNum"] if updates else 0))
        updates += page["updates"]
        if not page["more"]:
            return updates, page["lastServerSeq"]


@pytest.mark.gen_test(timeout=60)
async def test_sigkill_mid_stream_loses_no_acknowledged_update(server_process, connect):
    server = server_process()
    meets = [await start_meet(connect, server, name) for name in ("m1", "m2")]
    streamers = [s for streamers, _ in meets for s in streamers]
    tasks = [asyncio.ensure_future(job) for s in streamers for job in (s.write(), s.read())]

    while sum(len(s.acked) for s in streamers) < ACKS_BEFORE_KILL:
        await asyncio.sleep(0.002)
    server.kill()
    # ACKs the server sent just before it died may still be read here; they count too.
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert sum(len(s.sent) - len(s.acked) for s in streamers) > 0  # killed mid-stream
    assert all(not s.rejected for s in streamers), [s.rejected for s in streamers]

    again = server_process(data_dir=server.data_dir)
    reader = await connect(again)
    for streamers_of_meet, token in meets:
        log, head = await pull_everything(reader, token)
        assert [u["serverSeqNum"] for u in log] == list(range(1, head + 1))  # gapless
        for s in streamers_of_meet:
            for local, seq in s.acked.items():
                key, value = s.sent[local]
                assert seq <= head, f"{s.name}: update {local} was acked as seq {seq} but the log ends at {head}"
                entry = log[seq - 1]
                assert (entry["updateKey"], entry["updateValue"], entry["locationName"]) == (key, value, s.location)
        # Everything in the log was sent, once (an unacknowledged tail may or may not be there).
        by_key = {key: value for s in streamers_of_meet for key, value in s.sent.values()}
        assert all(by_key[u["updateKey"]] == u["updateValue"] for u in log)
        assert len({u["updateKey"] for u in log}) == len(log)
        assert head >= sum(len(s.acked) for s in streamers_of_meet)
