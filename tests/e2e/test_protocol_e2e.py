"""The wire protocol (SPEC section 2) through real WebSockets against a real server.

Each test runs the app on a random port under the base path "/a%40b/" (pytest-tornado's
``http_server``) and talks to it with real WebSocket clients. Restarts, SIGKILL and
SIGTERM, which need a server process, are in test_restart.py and test_crash.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time
from typing import Any

import pytest
import tornado.httpclient

from support import BASE_URL, PASSWORD, Client, create_message, join_message, pull_message, update, update_message
from support import each_store  # noqa: F401  (every test here runs on the file store and the redis store)

# ---- helpers ---------------------------------------------------------------------------


def spaced(meet_id: str) -> str:
    return f"{meet_id[:3]} {meet_id[3:6]} {meet_id[6:]}"


def dashed(meet_id: str) -> str:
    return f"{meet_id[:3]}-{meet_id[3:6]}-{meet_id[6:]}"


async def create_meet(ws_connect, **kwargs: Any) -> tuple[Client, dict[str, Any]]:
    client = await ws_connect()
    created = await client.request(create_message(**kwargs))
    assert created["msgType"] == "MEET_CREATED", created
    return client, created


async def join(ws_connect, meet_id: str, location: str = "Weigh-in") -> tuple[Client, dict[str, Any]]:
    client = await ws_connect()
    joined = await client.request(join_message(meet_id, location))
    assert joined["msgType"] == "MEET_JOINED", joined
    return client, joined


async def pull_all(client: Client, token: str, last: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Every update after ``last``, following pages; and the server's head."""
    updates: list[dict[str, Any]] = []
    while True:
        page = await client.request(pull_message(token, last))
        assert page["msgType"] == "SERVER_PULL", page
        updates += page["updates"]
        last = page["updates"][-1]["serverSeqNum"] if page["updates"] else last
        if not page["more"]:
            return updates, page["lastServerSeq"]


def seqs(items: list[dict[str, Any]]) -> list[int]:
    return [item["serverSeqNum"] for item in items]


def overrides(**values: Any):
    """Serve this test with a changed config. The test must name ``config_overrides`` among
    its arguments: pytest-tornado looks up ``app`` by name, hidden from pytest's closure."""
    label = ",".join(f"{k}={v}" for k, v in values.items())
    return pytest.mark.parametrize("config_overrides", [values], ids=[label])


# ---- create and join -------------------------------------------------------------------


@pytest.mark.gen_test
async def test_create_answers_meet_id_token_and_display_key(ws_connect):
    _, created = await create_meet(ws_connect)
    assert len(created["meetId"]) == 9 and created["meetId"].isdigit()
    assert created["sessionToken"] and created["displayKey"]
    assert created["sessionToken"] != created["displayKey"]


@pytest.mark.gen_test
@pytest.mark.parametrize("written", [str, spaced, dashed], ids=["plain", "with-spaces", "with-dashes"])
async def test_a_second_socket_joins_with_the_meet_id_as_people_write_it(ws_connect, written):
    _, created = await create_meet(ws_connect)
    _, joined = await join(ws_connect, written(created["meetId"]))
    assert joined["meetId"] == created["meetId"]
    assert joined["displayKey"] == created["displayKey"]
    assert joined["lastServerSeq"] == 0
    assert joined["sessionToken"] not in (created["sessionToken"], "")


@pytest.mark.gen_test
async def test_join_reports_the_current_head_as_last_server_seq(ws_connect):
    creator, created = await create_meet(ws_connect)
    await creator.request(update_message(created["sessionToken"], update("a", 1, 1), update("b", 2, 2)))
    _, joined = await join(ws_connect, created["meetId"])
    assert joined["lastServerSeq"] == 2


@pytest.mark.gen_test
async def test_join_with_an_unknown_id_and_with_a_wrong_password_get_the_same_reason(ws_connect):
    _, created = await create_meet(ws_connect)
    other_id = "000000000" if created["meetId"] != "000000000" else "000000001"
    client = await ws_connect()
    unknown = await client.request(join_message(other_id))
    wrong = await client.request(join_message(created["meetId"], password=PASSWORD + "!"))
    assert unknown["msgType"] == wrong["msgType"] == "JOIN_REJECTED"
    assert unknown["reason"] == wrong["reason"]
    assert set(unknown) == {"msgType", "reason"}


@pytest.mark.gen_test
async def test_join_with_an_id_that_is_not_nine_digits_is_rejected_like_an_unknown_id(ws_connect):
    _, created = await create_meet(ws_connect)
    client = await ws_connect()
    not_an_id = await client.request(join_message("12345"))
    wrong = await client.request(join_message(created["meetId"], password="not the password"))
    assert not_an_id == wrong


@pytest.mark.gen_test
async def test_join_naming_an_unknown_location_is_rejected(ws_connect):
    _, created = await create_meet(ws_connect)
    client = await ws_connect()
    rejected = await client.request(join_message(created["meetId"], location="Platform 9"))
    assert rejected["msgType"] == "JOIN_REJECTED"
    assert "location" in rejected["reason"]


@pytest.mark.gen_test
@overrides(join_attempts_per_minute=3)
async def test_too_many_failed_joins_from_one_address_are_rate_limited(ws_connect, config_overrides):
    _, created = await create_meet(ws_connect)
    client = await ws_connect()
    reasons = []
    for _ in range(3):
        reasons.append((await client.request(join_message(created["meetId"], password="guess " * 3)))["reason"])
    limited = await client.request(join_message(created["meetId"]))  # even the right password
    assert limited["msgType"] == "JOIN_REJECTED"
    assert limited["reason"] not in reasons
    assert "too many" in limited["reason"]


@pytest.mark.gen_test
@overrides(join_attempts_per_minute=3)
async def test_the_rate_limit_counts_failures_from_every_socket_of_one_address(ws_connect, config_overrides):
    _, created = await create_meet(ws_connect)
    for _ in range(3):
        guesser = await ws_connect()
        assert (await guesser.request(join_message(created["meetId"], password="guess " * 3)))["msgType"] == "JOIN_REJECTED"
    fresh = await ws_connect()
    assert "too many" in (await fresh.request(join_message(created["meetId"])))["reason"]


@pytest.mark.gen_test
@overrides(max_connections_per_meet=2)
async def test_a_join_beyond_the_connections_per_meet_is_rejected(ws_connect, config_overrides):
    _, created = await create_meet(ws_connect)
    await join(ws_connect, created["meetId"])
    third = await ws_connect()
    rejected = await third.request(join_message(created["meetId"]))
    assert rejected["msgType"] == "JOIN_REJECTED"
    assert "too many connections" in rejected["reason"]


@pytest.mark.gen_test
async def test_every_character_of_a_password_longer_than_72_bytes_counts(ws_connect):
    long_password = "p" * 80
    _, created = await create_meet(ws_connect, password=long_password)
    client = await ws_connect()
    almost = await client.request(join_message(created["meetId"], password="p" * 79 + "q"))
    assert almost["msgType"] == "JOIN_REJECTED"
    assert (await client.request(join_message(created["meetId"], password=long_password)))["msgType"] == "MEET_JOINED"


@pytest.mark.gen_test
async def test_create_with_a_weak_password_is_rejected(ws_connect):
    client = await ws_connect()
    rejected = await client.request(create_message(password="short"))
    assert rejected["msgType"] == "CREATE_REJECTED"
    assert "10 characters" in rejected["reason"]


@pytest.mark.gen_test
async def test_create_with_duplicate_location_names_is_rejected(ws_connect):
    client = await ws_connect()
    rejected = await client.request(create_message(pairs=(("Table", 2), ("Table", 1))))
    assert rejected["msgType"] == "CREATE_REJECTED"
    assert "unique" in rejected["reason"]


@pytest.mark.gen_test
async def test_create_whose_location_is_not_among_the_endpoints_is_rejected(ws_connect):
    client = await ws_connect()
    rejected = await client.request(create_message(location="Announcer"))
    assert rejected["msgType"] == "CREATE_REJECTED"
    assert "thisLocationName" in rejected["reason"]


@pytest.mark.gen_test
@overrides(max_meets=1)
async def test_create_on_a_full_server_is_rejected(ws_connect, config_overrides):
    await create_meet(ws_connect)
    client = await ws_connect()
    rejected = await client.request(create_message())
    assert rejected["msgType"] == "CREATE_REJECTED"
    assert "as many meets" in rejected["reason"]


@pytest.mark.gen_test
async def test_a_rejected_create_leaves_the_socket_usable(ws_connect):
    client = await ws_connect()
    assert (await client.request(create_message(password="short")))["msgType"] == "CREATE_REJECTED"
    assert (await client.request(create_message()))["msgType"] == "MEET_CREATED"


# ---- updates, acks and relays ----------------------------------------------------------


@pytest.mark.gen_test
async def test_ack_maps_each_local_seq_num_to_its_server_seq_num(ws_connect):
    client, created = await create_meet(ws_connect)
    ack = await client.request(update_message(created["sessionToken"], update("a", 1, 7), update("b", 2, 3), update("c", 3, 40)))
    assert ack == {
        "msgType": "UPDATE_ACK",
        "updateAcks": [
            {"localSeqNum": 7, "serverSeqNum": 1},
            {"localSeqNum": 3, "serverSeqNum": 2},
            {"localSeqNum": 40, "serverSeqNum": 3},
        ],
    }


@pytest.mark.gen_test
async def test_the_relay_reaches_every_other_socket_and_not_the_sender(ws_connect):
    sender, created = await create_meet(ws_connect)
    updating, _ = await join(ws_connect, created["meetId"])
    second, _ = await join(ws_connect, created["meetId"], location="Table")
    outsider, _ = await create_meet(ws_connect)  # another meet hears nothing
    batch = update_message(created["sessionToken"], update("meet.name", "Nationals", 1), update("lifting.flight", "A", 2))
    assert (await sender.request(batch))["msgType"] == "UPDATE_ACK"
    expected = {
        "msgType": "UPDATE_RELAY",
        "updatesRelayed": [
            {"updateKey": "meet.name", "updateValue": "Nationals", "serverSeqNum": 1, "locationName": "Table"},
            {"updateKey": "lifting.flight", "updateValue": "A", "serverSeqNum": 2, "locationName": "Table"},
        ],
    }
    assert await updating.recv() == expected
    assert await second.recv() == expected
    await sender.expect_silence()
    await outsider.expect_silence(0.05)


@pytest.mark.gen_test
async def test_seq_nums_continue_across_batches_and_senders(ws_connect):
    table, created = await create_meet(ws_connect)
    weigh_in, joined = await join(ws_connect, created["meetId"])
    first = await table.request(update_message(created["sessionToken"], update("a", 1, 1), update("b", 1, 2)))
    assert (await weigh_in.recv())["msgType"] == "UPDATE_RELAY"
    second = await table.request(update_message(created["sessionToken"], update("c", 1, 3)))
    assert (await weigh_in.recv())["msgType"] == "UPDATE_RELAY"
    third = await weigh_in.request(update_message(joined["sessionToken"], update("d", 1, 1, after=3)))
    assert seqs(first["updateAcks"]) + seqs(second["updateAcks"]) + seqs(third["updateAcks"]) == [1, 2, 3, 4]
    assert seqs((await table.recv())["updatesRelayed"]) == [4]


@pytest.mark.gen_test
async def test_an_update_value_may_be_any_json_value(ws_connect):
    client, created = await create_meet(ws_connect)
    token = created["sessionToken"]
    values = [None, True, 0, -2.5, "", "ünïcødé ☃", [], {}, {"nested": [1, {"deep": [None]}]}]
    batch = update_message(token, *(update(f"values.v{i}", v, i + 1) for i, v in enumerate(values)))
    assert (await client.request(batch))["msgType"] == "UPDATE_ACK"
    pulled, _ = await pull_all(client, token)
    assert [u["updateValue"] for u in pulled] == values


@pytest.mark.gen_test
async def test_two_concurrent_batches_get_gapless_seqs_in_the_same_order_on_every_client(ws_connect):
    a, created = await create_meet(ws_connect)
    b, joined = await join(ws_connect, created["meetId"])
    listener, _ = await join(ws_connect, created["meetId"], location="Table")
    rounds = 10

    def batch(token: str, name: str, r: int) -> dict[str, Any]:
        return update_message(token, *(update(f"{name}.r{r}.u{i}", f"{name}{r}.{i}", r * 10 + i) for i in range(3)))

    # Both sockets write every batch before reading anything: the batches race.
    for r in range(rounds):
        await asyncio.gather(a.send(batch(created["sessionToken"], "a", r)), b.send(batch(joined["sessionToken"], "b", r)))

    async def seen(client: Client, own: str) -> list[tuple[int, str]]:
        """(seq, key) in the order this client learns of them, its own from its ACKs."""
        sent = {r * 10 + i: f"{own}.r{r}.u{i}" for r in range(rounds) for i in range(3)}
        order: list[tuple[int, str]] = []
        while len(order) < rounds * 6:
            frame = await client.recv()
            if frame["msgType"] == "UPDATE_ACK":
                order += [(ack["serverSeqNum"], sent[ack["localSeqNum"]]) for ack in frame["updateAcks"]]
            else:
                assert frame["msgType"] == "UPDATE_RELAY", frame
                order += [(item["serverSeqNum"], item["updateKey"]) for item in frame["updatesRelayed"]]
        return order

    seen_a, seen_b = await seen(a, "a"), await seen(b, "b")
    seen_listener = await seen(listener, "none")
    everything = list(range(1, rounds * 6 + 1))
    for order in (seen_a, seen_b, seen_listener):
        assert [seq for seq, _ in order] == everything  # gapless and in seq order
    assert seen_a == seen_b == seen_listener  # the same key at each seq for everyone
    pulled, _ = await pull_all(listener, joined["sessionToken"])
    assert [(u["serverSeqNum"], u["updateKey"]) for u in pulled] == seen_a


@pytest.mark.gen_test
async def test_several_answers_to_one_batch_arrive_without_a_delayed_ack_stall(ws_connect):
    # Two frames written back to back (UPDATE_ACK, UPDATE_REJECTED): with Nagle's
    # algorithm on the server socket the second waits ~40 ms for the client's TCP ACK.
    client, created = await create_meet(ws_connect)
    token = created["sessionToken"]
    took = []
    for r in range(1, 11):
        started = time.perf_counter()
        await client.send(update_message(token, update(f"k{r}", r, r, after=r - 1), update("ahead", 1, 100 + r, after=10**6)))
        assert [(await client.recv())["msgType"] for _ in range(2)] == ["UPDATE_ACK", "UPDATE_REJECTED"]
        took.append(time.perf_counter() - started)
    assert statistics.median(took) < 0.02, took


@pytest.mark.gen_test
async def test_a_resent_batch_is_acked_with_the_original_seqs_and_not_applied_twice(ws_connect):
    sender, created = await create_meet(ws_connect)
    listener, _ = await join(ws_connect, created["meetId"])
    token = created["sessionToken"]
    batch = update_message(token, update("a", "first", 1), update("b", "second", 2))
    first = await sender.request(batch)
    assert (await listener.recv())["msgType"] == "UPDATE_RELAY"
    again = await sender.request(batch)
    assert again == first
    await listener.expect_silence()
    pulled, head = await pull_all(sender, token)
    assert head == 2 and seqs(pulled) == [1, 2]


@pytest.mark.gen_test
async def test_a_batch_resent_from_a_new_socket_of_the_same_session_is_not_applied_twice(ws_connect):
    sender, created = await create_meet(ws_connect)
    token = created["sessionToken"]
    first = await sender.request(update_message(token, update("a", 1, 1), update("b", 2, 2)))
    sender.close()  # the ACK "got lost": the browser reconnects and resends, plus one new update
    again = await (await ws_connect()).request(update_message(token, update("b", 2, 2), update("c", 3, 3)))
    assert again["updateAcks"] == [first["updateAcks"][1], {"localSeqNum": 3, "serverSeqNum": 3}]


@pytest.mark.gen_test
async def test_a_socket_that_sends_a_valid_token_gets_relays_again(ws_connect):
    sender, created = await create_meet(ws_connect)
    _, joined = await join(ws_connect, created["meetId"])
    reconnected = await ws_connect()
    assert (await reconnected.request(pull_message(joined["sessionToken"], 0)))["msgType"] == "SERVER_PULL"
    await sender.request(update_message(created["sessionToken"], update("a", 1, 1)))
    assert seqs((await reconnected.recv())["updatesRelayed"]) == [1]


# ---- pull ------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_pull_after_a_disconnect_returns_exactly_the_gap_in_order(ws_connect):
    table, created = await create_meet(ws_connect)
    weigh_in, joined = await join(ws_connect, created["meetId"])
    token = created["sessionToken"]
    await table.request(update_message(token, update("a", 1, 1), update("b", 2, 2)))
    seen = (await weigh_in.recv())["updatesRelayed"]
    weigh_in.close()
    for local in range(3, 8):
        await table.request(update_message(token, update(f"k{local}", local, local)))
    back = await ws_connect()
    page = await back.request(pull_message(joined["sessionToken"], seen[-1]["serverSeqNum"]))
    assert page["msgType"] == "SERVER_PULL"
    assert page["lastServerSeq"] == 7 and page["more"] is False
    assert [(u["serverSeqNum"], u["updateKey"], u["updateValue"], u["locationName"]) for u in page["updates"]] == [
        (local, f"k{local}", local, "Table") for local in range(3, 8)
    ]


@pytest.mark.gen_test
async def test_pull_at_the_head_returns_nothing_more(ws_connect):
    client, created = await create_meet(ws_connect)
    await client.request(update_message(created["sessionToken"], update("a", 1, 1)))
    page = await client.request(pull_message(created["sessionToken"], 1))
    assert page == {"msgType": "SERVER_PULL", "lastServerSeq": 1, "updates": [], "more": False}


@pytest.mark.gen_test
@overrides(pull_page_size=3)
async def test_a_large_gap_is_pulled_in_pages_with_more_until_the_last(ws_connect, config_overrides):
    client, created = await create_meet(ws_connect)
    token = created["sessionToken"]
    await client.request(update_message(token, *(update(f"k{i}", i, i) for i in range(1, 11))))
    pages, last = [], 0
    while True:
        page = await client.request(pull_message(token, last))
        pages.append((seqs(page["updates"]), page["more"], page["lastServerSeq"]))
        if not page["more"]:
            break
        last = page["updates"][-1]["serverSeqNum"]
    assert pages == [([1, 2, 3], True, 10), ([4, 5, 6], True, 10), ([7, 8, 9], True, 10), ([10], False, 10)]


# ---- errors keep the connection open and apply nothing ---------------------------------


async def meet_with_one_update(ws_connect) -> tuple[Client, str, list[dict[str, Any]]]:
    client, created = await create_meet(ws_connect)
    token = created["sessionToken"]
    await client.request(update_message(token, update("meet.name", "Open", 1)))
    log, _ = await pull_all(client, token)
    return client, token, log


async def assert_still_working_and_unchanged(client: Client, token: str, log: list[dict[str, Any]]) -> None:
    after, head = await pull_all(client, token)
    assert after == log and head == len(log)


BAD_FRAMES = {
    "not JSON": ("{not json", "not valid JSON"),
    "a JSON array": ("[1, 2]", "JSON object"),
    "a JSON string": ('"UPDATE_INIT"', "JSON object"),
    "no msgType": ('{"sessionToken": "x"}', "msgType"),
    "a number as msgType": ('{"msgType": 3}', "msgType"),
    "NaN as a value": ('{"msgType": "CLIENT_PULL", "sessionToken": "%(token)s", "lastServerSeq": NaN}', "NaN"),
    "Infinity as a value": ('{"msgType": "CLIENT_PULL", "sessionToken": "%(token)s", "lastServerSeq": Infinity}', "Infinity"),
}


@pytest.mark.gen_test
@pytest.mark.parametrize("frame, says", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
async def test_a_frame_that_is_not_a_json_object_gets_malformed_message(ws_connect, frame, says):
    client, token, log = await meet_with_one_update(ws_connect)
    reply = await client.request(frame % {"token": token} if "%(token)s" in frame else frame)
    assert reply["msgType"] == "MALFORMED_MESSAGE"
    assert says in reply["errMsg"]
    await assert_still_working_and_unchanged(client, token, log)


@pytest.mark.gen_test
async def test_an_unknown_type_gets_unknown_message_type_echoing_it(ws_connect):
    client, token, log = await meet_with_one_update(ws_connect)
    reply = await client.request({"msgType": "DELETE_MEET", "sessionToken": token})
    assert reply == {"msgType": "UNKNOWN_MESSAGE_TYPE", "unknownMsgType": "DELETE_MEET"}
    await assert_still_working_and_unchanged(client, token, log)


def good_update(**changes: Any) -> dict[str, Any]:
    item = update("meet.name", "Changed", 2, after=1)
    item.update(changes)
    return {k: v for k, v in item.items() if v is not DROP}


DROP = object()

BAD_UPDATES = {
    "missing sessionToken": ({"updates": [good_update()]}, "sessionToken"),
    "missing updates": ({"sessionToken": "TOKEN"}, "'updates'"),
    "updates not an array": ({"sessionToken": "TOKEN", "updates": {"0": good_update()}}, "'updates'"),
    "an update not an object": ({"sessionToken": "TOKEN", "updates": ["meet.name"]}, "updates[0]"),
    "missing updateKey": ({"sessionToken": "TOKEN", "updates": [good_update(updateKey=DROP)]}, "updates[0].updateKey"),
    "missing updateValue": ({"sessionToken": "TOKEN", "updates": [good_update(updateValue=DROP)]}, "updates[0].updateValue"),
    "missing localSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(localSeqNum=DROP)]}, "updates[0].localSeqNum"),
    "float localSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(localSeqNum=1.5)]}, "updates[0].localSeqNum"),
    "whole float localSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(localSeqNum=2.0)]}, "updates[0].localSeqNum"),
    "boolean localSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(localSeqNum=True)]}, "updates[0].localSeqNum"),
    "string localSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(localSeqNum="2")]}, "updates[0].localSeqNum"),
    "negative localSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(localSeqNum=-1)]}, "updates[0].localSeqNum"),
    "huge localSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(localSeqNum=2**64)]}, "updates[0].localSeqNum"),
    "null afterServerSeqNum": ({"sessionToken": "TOKEN", "updates": [good_update(afterServerSeqNum=None)]}, "updates[0].afterServerSeqNum"),
    "number updateKey": ({"sessionToken": "TOKEN", "updates": [good_update(updateKey=5)]}, "updates[0].updateKey"),
    "empty updateKey": ({"sessionToken": "TOKEN", "updates": [good_update(updateKey="")]}, "updates[0].updateKey"),
    "unparsable updateKey": ({"sessionToken": "TOKEN", "updates": [good_update(updateKey="a..b")]}, "updates[0].updateKey"),
    "bad second update": (
        {"sessionToken": "TOKEN", "updates": [good_update(), good_update(localSeqNum=3, afterServerSeqNum=False)]},
        "updates[1].afterServerSeqNum",
    ),
}


@pytest.mark.gen_test
@pytest.mark.parametrize("fields, field_named", BAD_UPDATES.values(), ids=BAD_UPDATES.keys())
async def test_a_mistyped_or_missing_update_field_gets_malformed_message_naming_it(ws_connect, fields, field_named):
    client, token, log = await meet_with_one_update(ws_connect)
    message = json.loads(json.dumps({"msgType": "UPDATE_INIT", **fields}).replace('"TOKEN"', json.dumps(token)))
    reply = await client.request(message)
    assert reply["msgType"] == "MALFORMED_MESSAGE", reply
    assert field_named in reply["errMsg"]
    await assert_still_working_and_unchanged(client, token, log)


@pytest.mark.gen_test
async def test_an_update_value_that_json_cannot_hold_gets_malformed_message_naming_it(ws_connect):
    # 1e999 parses as an infinite float, which JSON cannot represent.
    client, token, log = await meet_with_one_update(ws_connect)
    frame = '{"msgType":"UPDATE_INIT","sessionToken":%s,"updates":[{"updateKey":"a","updateValue":1e999,"localSeqNum":2,"afterServerSeqNum":1}]}'
    reply = await client.request(frame % json.dumps(token))
    assert reply["msgType"] == "MALFORMED_MESSAGE"
    assert "updates[0].updateValue" in reply["errMsg"]
    await assert_still_working_and_unchanged(client, token, log)


OTHER_BAD_FIELDS = {
    "float lastServerSeq in a pull": ({"msgType": "CLIENT_PULL", "sessionToken": "TOKEN", "lastServerSeq": 1.5}, "lastServerSeq"),
    "boolean lastServerSeq in a pull": ({"msgType": "CLIENT_PULL", "sessionToken": "TOKEN", "lastServerSeq": False}, "lastServerSeq"),
    "missing lastServerSeq in a pull": ({"msgType": "CLIENT_PULL", "sessionToken": "TOKEN"}, "lastServerSeq"),
    "number password in a join": ({"msgType": "JOIN_MEET", "meetId": "123456789", "password": 1234567890, "locationName": "Table"}, "password"),
    "missing meetId in a join": ({"msgType": "JOIN_MEET", "password": PASSWORD, "locationName": "Table"}, "meetId"),
    "float priority in a create": (
        {**create_message(), "endpoints": [{"locationName": "Table", "priority": 1.5}]},
        "endpoints[0].priority",
    ),
    "endpoints not an array in a create": ({**create_message(), "endpoints": "Table"}, "endpoints"),
}


@pytest.mark.gen_test
@pytest.mark.parametrize("message, field_named", OTHER_BAD_FIELDS.values(), ids=OTHER_BAD_FIELDS.keys())
async def test_a_mistyped_or_missing_field_of_other_messages_gets_malformed_message_naming_it(ws_connect, message, field_named):
    client, token, log = await meet_with_one_update(ws_connect)
    reply = await client.request({k: token if v == "TOKEN" else v for k, v in message.items()})
    assert reply["msgType"] == "MALFORMED_MESSAGE", reply
    assert field_named in reply["errMsg"]
    await assert_still_working_and_unchanged(client, token, log)


@pytest.mark.gen_test
async def test_unknown_extra_fields_are_ignored(ws_connect):
    client, created = await create_meet(ws_connect)
    token = created["sessionToken"]
    batch = {**update_message(token, {**update("a", 1, 1), "colour": "red"}), "clientVersion": "3.0"}
    assert (await client.request(batch))["updateAcks"] == [{"localSeqNum": 1, "serverSeqNum": 1}]


@pytest.mark.gen_test
@pytest.mark.parametrize("kind", ["UPDATE_INIT", "CLIENT_PULL"])
async def test_a_bad_token_gets_invalid_session_echoing_it(ws_connect, kind):
    client, token, log = await meet_with_one_update(ws_connect)
    bad = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    message = update_message(bad, good_update()) if kind == "UPDATE_INIT" else pull_message(bad, 0)
    reply = await client.request(message)
    assert reply == {"msgType": "INVALID_SESSION", "sessionToken": bad}
    await assert_still_working_and_unchanged(client, token, log)


@pytest.mark.gen_test
@overrides(session_ttl_seconds=1)
async def test_an_expired_token_gets_invalid_session(ws_connect, config_overrides):
    client, created = await create_meet(ws_connect)
    token = created["sessionToken"]
    assert (await client.request(pull_message(token, 0)))["msgType"] == "SERVER_PULL"
    await asyncio.sleep(1.05)
    assert await client.request(update_message(token, update("a", 1, 1))) == {"msgType": "INVALID_SESSION", "sessionToken": token}


LIMITS = {
    "updates per batch": ({"max_updates_per_batch": 3}, [update(f"k{i}", i, i + 2, after=1) for i in range(4)], "'updates'"),
    "key length": ({"max_key_length": 20}, [update("meet." + "k" * 20, 1, 2, after=1)], "updates[0].updateKey"),
    "key index": ({"max_key_index": 99}, [update("entries[100].name", 1, 2, after=1)], "updates[0].updateKey"),
    "value size": ({"max_value_bytes": 100}, [update("meet.name", "x" * 101, 2, after=1)], "updates[0].updateValue"),
}


@pytest.mark.gen_test
@pytest.mark.parametrize("config_overrides, updates, field_named", LIMITS.values(), ids=LIMITS.keys())
async def test_a_batch_over_a_configured_limit_gets_malformed_message_naming_the_field(ws_connect, config_overrides, updates, field_named):
    client, token, log = await meet_with_one_update(ws_connect)
    reply = await client.request(update_message(token, *updates))
    assert reply["msgType"] == "MALFORMED_MESSAGE", reply
    assert field_named in reply["errMsg"]
    await assert_still_working_and_unchanged(client, token, log)


@pytest.mark.gen_test
async def test_a_token_of_another_meet_reads_only_that_meet(ws_connect):
    first, created = await create_meet(ws_connect)
    await first.request(update_message(created["sessionToken"], update("a", "first meet", 1)))
    _, other = await create_meet(ws_connect)
    pulled, head = await pull_all(first, other["sessionToken"])
    assert pulled == [] and head == 0


@pytest.mark.gen_test
@overrides(max_message_bytes=2048)
async def test_a_frame_over_the_size_limit_closes_the_connection_with_1009(ws_connect, config_overrides):
    client, created = await create_meet(ws_connect)
    await client.send(update_message(created["sessionToken"], update("a", "x" * 4096, 1)))
    assert await client.conn.read_message() is None
    assert client.conn.close_code == 1009
    other = await ws_connect()  # the server carries on
    pulled, _ = await pull_all(other, created["sessionToken"])
    assert pulled == []


# ---- slow clients ----------------------------------------------------------------------


class RawSocket:
    """A WebSocket client on a plain socket with a tiny receive buffer, which stops
    reading when told to: the peer the server must not wait for."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, path: str) -> "RawSocket":
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    def send(self, message: dict[str, Any]) -> None:
        payload = json.dumps(message).encode()
        mask = b"\x01\x02\x03\x04"
        assert len(payload) < 65536
        header = bytes([0x81, 0x80 | 126]) + len(payload).to_bytes(2, "big") + mask
        self.writer.write(header + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    async def frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(await self.reader.readexactly(2), "big")
        elif length == 127:
            length = int.from_bytes(await self.reader.readexactly(8), "big")
        return first & 0x0F, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


@pytest.mark.gen_test(timeout=20)
@overrides(max_pending_messages=4, max_receive_bytes_per_second=64 * 1024 * 1024)  # the sender's 12 MB go at once
async def test_a_client_that_never_reads_is_disconnected_and_the_others_keep_getting_relays(ws_connect, config_overrides, http_port):
    sender, created = await create_meet(ws_connect)
    listener, _ = await join(ws_connect, created["meetId"])
    slow = await RawSocket.connect(http_port, BASE_URL + "ws")
    try:
        slow.send(join_message(created["meetId"]))
        opcode, joined = await slow.frame()
        assert json.loads(joined)["msgType"] == "MEET_JOINED"
        # From here on the slow socket reads nothing while big relays pile up for it.
        big = "x" * 200_000
        batches = 60
        for local in range(1, batches + 1):
            await sender.request(update_message(created["sessionToken"], update(f"big.v{local}", big, local)))
            relay = await listener.recv()
            assert seqs(relay["updatesRelayed"]) == [local]
        relays_to_slow = 0
        while True:
            opcode, payload = await asyncio.wait_for(slow.frame(), 5)
            if opcode == 0x8:
                break
            relays_to_slow += 1
        assert int.from_bytes(payload[:2], "big") == 1008
        assert relays_to_slow < batches
    finally:
        slow.close()


# ---- HTTP ------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_health_answers_200_when_storage_is_writable(http_client, http_port):
    response = await http_client.fetch(f"http://127.0.0.1:{http_port}{BASE_URL}health")
    assert response.code == 200
    assert json.loads(response.body) == {"status": "ok", "storageWritable": True}


@pytest.mark.gen_test
async def test_an_unknown_path_under_the_base_url_is_404(http_client, http_port):
    with pytest.raises(tornado.httpclient.HTTPClientError) as error:
        await http_client.fetch(f"http://127.0.0.1:{http_port}{BASE_URL}nothing-here")
    assert error.value.code == 404
