"""Slow and partial requests at the rim (issue 7, finding 7): a header timeout, a cap on
open connections that drops the slowest partial request first, and a server that stays
reachable, quiet and idle at a 1,024 file limit while 1,100 slow requests are open."""

from __future__ import annotations

import asyncio
import os
import resource
import time

import pytest
import tornado.httpclient

from support import connect_url, create_message

pytestmark = [pytest.mark.slow]

PARTIAL_REQUEST = b"GET /health HTTP/1.1\r\nHost: slow\r\n"  # the blank line never comes


async def partial_request(port: int, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    writer.write(PARTIAL_REQUEST)
    await writer.drain()
    return reader, writer


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), within) is not None
    except ConnectionResetError:  # closed before the server read what was sent: a reset
        return True
    except asyncio.TimeoutError:
        return False


async def health(port: int, timeout: float = 10.0) -> int:
    client = tornado.httpclient.AsyncHTTPClient()
    response = await client.fetch(f"http://127.0.0.1:{port}/health", raise_error=False, request_timeout=timeout)
    return response.code


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.gen_test(timeout=30)
async def test_a_request_whose_headers_never_finish_is_closed_after_the_header_timeout(server_process):
    server = server_process("--http-header-timeout-seconds", "1")
    reader, writer = await partial_request(server.port)
    started = time.monotonic()
    assert await closed_by_server(reader, within=5)
    assert time.monotonic() - started < 3
    writer.close()


@pytest.mark.gen_test(timeout=30)
async def test_at_the_connection_cap_the_oldest_partial_request_makes_room(server_process):
    server = server_process("--max-connections", "5")
    slow = [await partial_request(server.port) for _ in range(5)]
    assert await health(server.port) == 200
    assert await closed_by_server(slow[0][0], within=2)  # the one waiting longest
    assert not await closed_by_server(slow[4][0], within=0.2)
    for _, writer in slow:
        writer.close()


@pytest.mark.gen_test(timeout=30)
async def test_at_the_connection_cap_with_every_connection_busy_a_new_one_gets_503(server_process):
    server = server_process("--max-connections", "3")
    sockets = [await connect_url(server.ws_url) for _ in range(3)]
    assert await health(server.port) == 503
    sockets[0].close()
    await asyncio.sleep(0.3)
    assert await health(server.port) == 200
    for client in sockets[1:]:
        client.close()


OTHER_HOST = "127.0.0.2"  # all of 127/8 is this machine: a second client address


@pytest.mark.gen_test(timeout=30)
async def test_past_max_strangers_per_address_a_new_connection_of_that_address_is_refused_at_once_naming_the_limit(server_process):
    server = server_process("--max-strangers-per-address", "4")
    slow = [await partial_request(server.port, OTHER_HOST) for _ in range(4)]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port, local_addr=(OTHER_HOST, 0))
    answer = await asyncio.wait_for(reader.read(), 5)
    assert answer.startswith(b"HTTP/1.1 503") and b"max_strangers_per_address" in answer, answer
    assert await health(server.port) == 200  # 127.0.0.1: another address, served
    slow[0][1].close()  # one of them goes: room for the next
    await asyncio.sleep(0.3)
    later = await partial_request(server.port, OTHER_HOST)
    assert not await closed_by_server(later[0], within=0.3)
    assert server.logs().count("still sending requests: new one refused") == 1  # said once, not per socket
    client = tornado.httpclient.AsyncHTTPClient()
    metrics = (await client.fetch(f"http://127.0.0.1:{server.port}/metrics")).body.decode()
    assert 'openlifter_connections_refused_total{limit="max_strangers_per_address"} 1.0' in metrics  # and counted
    for _, other in [*slow[1:], later]:
        other.close()
    writer.close()


RESERVES = {
    "connections capped below the file limit": (),
    "no descriptors reserved: the file limit is hit": ("--reserved-file-descriptors", "0"),
}


@pytest.mark.gen_test(timeout=90)
@pytest.mark.parametrize("reserve", RESERVES.values(), ids=RESERVES.keys())
async def test_1100_slow_requests_at_a_1024_file_limit_leave_the_server_reachable_and_quiet(server_process, reserve):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))
    # Every slow request from one address: past max_strangers_per_address they would be
    # refused at once (the next test); here the file limit is what they run into.
    server = server_process("--http-header-timeout-seconds", "60", "--max-strangers-per-address", "100000", *reserve, open_files=1024)
    assert server.proc is not None
    slow = []
    for _ in range(11):
        slow += await asyncio.gather(*(partial_request(server.port) for _ in range(100)))
    cpu_before, wall_before = cpu_seconds(server.proc.pid), time.monotonic()
    probes = []
    for _ in range(5):
        started = time.monotonic()
        probes.append((await health(server.port), time.monotonic() - started))
        await asyncio.sleep(0.5)
    created = await (await connect_url(server.ws_url)).request(create_message())
    cpu_share = (cpu_seconds(server.proc.pid) - cpu_before) / (time.monotonic() - wall_before)
    for _, writer in slow:
        writer.close()

    assert [code for code, _ in probes] == [200] * 5 and max(seconds for _, seconds in probes) < 2.0, probes
    assert created["msgType"] == "MEET_CREATED"
    assert cpu_share < 0.5
    logs = server.logs()
    assert len(logs) < 100_000 and logs.count("Too many open files") <= 2
    assert "max_connections lowered to fit the open-file limit" in logs  # said once, at start
