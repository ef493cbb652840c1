"""The join rate limit counts the real peer address unless told to trust a proxy."""

import pytest
import tornado.httpclient
import tornado.websocket

from support import Client, join_message

RATE_LIMITED = "too many failed attempts"


async def failed_join_from(server, claimed_address):
    request = tornado.httpclient.HTTPRequest(server.ws_url, headers={"X-Real-Ip": claimed_address})
    client = Client(await tornado.websocket.websocket_connect(request))
    reply = await client.request(join_message("123456789", password="wrong password here"))
    client.close()
    return reply["reason"]


@pytest.mark.gen_test(timeout=30)
async def test_spoofed_address_headers_do_not_escape_the_rate_limit(server_process):
    server = server_process("--join-attempts-per-minute", "2")
    reasons = [await failed_join_from(server, f"10.0.0.{i}") for i in range(4)]
    assert RATE_LIMITED not in reasons[0] and RATE_LIMITED not in reasons[1]
    assert RATE_LIMITED in reasons[2] and RATE_LIMITED in reasons[3]


@pytest.mark.gen_test(timeout=30)
async def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(server_process):
    server = server_process("--join-attempts-per-minute", "2", "--trust-proxy-headers", "true")
    reasons = [await failed_join_from(server, f"10.0.0.{i}") for i in range(4)]
    assert not any(RATE_LIMITED in reason for reason in reasons)
