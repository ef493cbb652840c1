"""The join rate limit counts the real peer address unless told to trust a proxy; behind
the proxy it counts the address the proxy set, never one the client sent itself."""

import pytest
import tornado.httpclient
import tornado.websocket

from support import Client, join_message

RATE_LIMITED = "too many failed attempts"


async def failed_join_from(server, headers):
    request = tornado.httpclient.HTTPRequest(server.ws_url, headers=headers)
    client = Client(await tornado.websocket.websocket_connect(request))
    reply = await client.request(join_message("123456789", password="wrong password here"))
    client.close()
    return reply["reason"]


async def limited_after_four(server, headers_of) -> list[bool]:
    return [RATE_LIMITED in await failed_join_from(server, headers_of(i)) for i in range(4)]


@pytest.mark.gen_test(timeout=30)
async def test_spoofed_address_headers_do_not_escape_the_rate_limit(server_process):
    server = server_process("--join-attempts-per-minute", "2")
    headers = lambda i: {"X-Real-Ip": f"10.0.0.{i}", "X-Forwarded-For": f"10.0.1.{i}"}  # noqa: E731
    assert await limited_after_four(server, headers) == [False, False, True, True]


@pytest.mark.gen_test(timeout=30)
async def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(server_process):
    server = server_process("--join-attempts-per-minute", "2", "--trust-proxy-headers", "true")
    headers = lambda i: {"X-Forwarded-For": f"10.0.0.{i}"}  # what the proxy appended  # noqa: E731
    assert await limited_after_four(server, headers) == [False, False, False, False]


@pytest.mark.gen_test(timeout=30)
async def test_behind_a_trusted_proxy_a_clients_own_address_headers_are_ignored(server_process):
    server = server_process("--join-attempts-per-minute", "2", "--trust-proxy-headers", "true")
    # The client sent X-Real-Ip and a first X-Forwarded-For hop; the proxy appended the last hop.
    headers = lambda i: {"X-Real-Ip": f"10.9.0.{i}", "X-Forwarded-For": f"10.9.1.{i}, 203.0.113.7"}  # noqa: E731
    assert await limited_after_four(server, headers) == [False, False, True, True]


@pytest.mark.gen_test(timeout=30)
async def test_a_proxy_that_sets_x_real_ip_is_trusted_for_it_alone(server_process):
    server = server_process("--join-attempts-per-minute", "2", "--trust-proxy-headers", "true", "--proxy-client-header", "X-Real-Ip")
    apart = lambda i: {"X-Real-Ip": f"10.0.0.{i}", "X-Forwarded-For": "203.0.113.7"}  # noqa: E731
    assert await limited_after_four(server, apart) == [False, False, False, False]
    spoofed = lambda i: {"X-Real-Ip": "203.0.113.8", "X-Forwarded-For": f"10.0.1.{i}"}  # noqa: E731
    assert await limited_after_four(server, spoofed) == [False, False, True, True]
