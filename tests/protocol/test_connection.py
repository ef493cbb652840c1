"""The protocol side without a socket: a Connection fed text, replies into a list."""

import asyncio
import json

import pytest

from openlifter.protocol import commands
from openlifter.protocol import messages
from openlifter.protocol.connection import Connection
from openlifter.protocol.schema import Limits
from support import create_message, join_message, skip_unless_file_store, update, update_message
from support import each_store  # noqa: F401  (every test here runs on the file store and the redis store)


def connect(registry, sent, table=commands.COMMANDS):
    return Connection(registry, Limits(), sent.append, table, "10.0.0.1")


@pytest.mark.gen_test
async def test_unknown_type_is_answered_with_its_name(registry):
    sent = []
    await connect(registry, sent).receive(json.dumps({"msgType": "NOPE"}))
    assert sent == [{"msgType": "UNKNOWN_MESSAGE_TYPE", "unknownMsgType": "NOPE"}]


@pytest.mark.gen_test
async def test_missing_field_is_named(registry):
    sent = []
    await connect(registry, sent).receive(json.dumps({"msgType": "CLIENT_PULL", "sessionToken": "x"}))
    assert sent[0]["msgType"] == "MALFORMED_MESSAGE" and "lastServerSeq" in sent[0]["errMsg"]


@pytest.mark.gen_test
async def test_nan_is_not_json(registry):
    sent = []
    await connect(registry, sent).receive('{"msgType": "CLIENT_PULL", "sessionToken": "x", "lastServerSeq": NaN}')
    assert sent[0]["msgType"] == "MALFORMED_MESSAGE"


@pytest.mark.gen_test
async def test_handler_raising_gets_a_reply_and_the_connection_keeps_working(registry):
    async def explode(conn, request):
        raise ValueError("boom")

    table = dict(commands.COMMANDS)
    table["CLIENT_PULL"] = commands.Command(commands.COMMANDS["CLIENT_PULL"].parse, explode)
    sent = []
    conn = connect(registry, sent, table)
    await conn.receive(json.dumps({"msgType": "CLIENT_PULL", "sessionToken": "x", "lastServerSeq": 0}))
    assert sent[-1]["msgType"] == "MALFORMED_MESSAGE" and "internal" in sent[-1]["errMsg"]
    await conn.receive(json.dumps(create_message()))
    assert sent[-1]["msgType"] == "MEET_CREATED"


@pytest.mark.gen_test
async def test_create_then_update_is_acknowledged(registry):
    sent = []
    conn = connect(registry, sent)
    await conn.receive(json.dumps(create_message()))
    token = sent[0]["sessionToken"]
    await conn.receive(json.dumps(update_message(token, update("meet.name", "Open", 4))))
    await conn._in_flight[-1]
    assert sent[-1] == {"msgType": "UPDATE_ACK", "updateAcks": [{"localSeqNum": 4, "serverSeqNum": 1}]}


@pytest.mark.gen_test
async def test_bad_token_gets_invalid_session(registry):
    sent = []
    await connect(registry, sent).receive(json.dumps(update_message("not-a-token", update("a", 1, 1))))
    assert sent == [{"msgType": "INVALID_SESSION", "sessionToken": "not-a-token"}]


@pytest.mark.gen_test
async def test_no_handler_sends_a_literal_message_dict():
    import inspect

    source = inspect.getsource(commands)
    assert '"msgType":' not in source
    assert set(commands.COMMANDS) == {"CREATE_MEET", "JOIN_MEET", "UPDATE_INIT", "CLIENT_PULL", "PUBLISH_MEET", "RECOVERY_UPDATES"}


@pytest.mark.gen_test
async def test_lone_surrogate_text_is_refused_and_nothing_is_stored(registry):
    sent = []
    conn = connect(registry, sent)
    await conn.receive(json.dumps(create_message()))
    token = sent[0]["sessionToken"]
    await conn.receive('{"msgType": "UPDATE_INIT", "sessionToken": "%s", "updates": [{"updateKey": "meet.name", "updateValue": "\\ud800", "localSeqNum": 1, "afterServerSeqNum": 0}]}' % token)
    assert sent[-1]["msgType"] == "MALFORMED_MESSAGE" and "Unicode" in sent[-1]["errMsg"]
    await conn.receive(json.dumps(update_message(token, update("meet.name", "ok", 2))))
    await conn._in_flight[-1]
    assert sent[-1]["updateAcks"] == [{"localSeqNum": 2, "serverSeqNum": 1}]


@pytest.mark.gen_test
async def test_session_of_a_meet_damaged_on_disk_gets_the_reason(registry, tmp_path, storage_kind):
    from openlifter.meet.registry import MeetRegistry

    skip_unless_file_store(storage_kind, "damages updates.log")
    sent = []
    await connect(registry, sent).receive(json.dumps(create_message()))
    token, meet_id = sent[0]["sessionToken"], sent[0]["meetId"]
    registry.close_files()  # stops it: one registry holds a data folder at a time
    log_path = registry.store.paths.meet_dir(meet_id) / "updates.log"
    log_path.write_bytes(b"garbage\n" + b'{"serverSeqNum": 1}\n')
    restarted = MeetRegistry(registry.config, registry.io, messages)
    restarted.start()
    sent = []
    await connect(restarted, sent).receive(json.dumps(update_message(token, update("a", 1, 1))))
    assert sent == [{"msgType": "MALFORMED_MESSAGE", "errMsg": "this meet's stored data is damaged; ask the server operator"}]


@pytest.mark.gen_test
async def test_a_configured_password_rule_refuses_create_meet_naming_the_rule(registry):
    registry.config = registry.config.replace(password_require_digit=True)
    sent = []
    await connect(registry, sent).receive(json.dumps(create_message(password="no digits in this password")))
    assert sent[0]["msgType"] == "CREATE_REJECTED"
    assert "require_digit" in sent[0]["reason"]


@pytest.mark.gen_test
async def test_a_storage_error_while_joining_is_a_join_rejected_with_the_reason(registry, storage_kind):
    skip_unless_file_store(storage_kind, "puts a folder in the way of sessions.json")
    sent = []
    await connect(registry, sent).receive(json.dumps(create_message()))
    meet_id = sent[0]["meetId"]
    sessions_file = registry.store.paths.meet_dir(meet_id) / "sessions.json"
    sessions_file.unlink()
    (sessions_file / "in-the-way").mkdir(parents=True)  # the atomic rename onto it fails
    await connect(registry, sent).receive(json.dumps(join_message(meet_id)))
    assert sent[-1] == {"msgType": "JOIN_REJECTED", "reason": "the server's storage failed; nothing was changed, try again later"}
    assert len(registry.sessions.of_meet(meet_id, registry.clock())) == 1  # the joiner's session, never stored, is not kept


@pytest.mark.gen_test
async def test_a_connection_is_not_read_while_its_batches_in_flight_pass_the_byte_limit(registry):
    sent = []
    conn = Connection(registry, Limits(max_in_flight_bytes=10_000), sent.append, commands.COMMANDS, "10.0.0.1")
    await conn.receive(json.dumps(create_message()))
    token, live = sent[0]["sessionToken"], conn.live
    await live.lock.acquire()  # the meet is busy (a slow disk, say)
    try:
        frames = [json.dumps(update_message(token, update("meet.name", "x" * 4000, i))) for i in range(1, 4)]
        await asyncio.wait_for(conn.receive(frames[0]), 1)
        await asyncio.wait_for(conn.receive(frames[1]), 1)  # 8 KB waiting: still read
        third = asyncio.ensure_future(conn.receive(frames[2]))  # 12 KB: reading stops
        await asyncio.sleep(0.2)
        assert not third.done()
    finally:
        live.lock.release()
    await asyncio.wait_for(third, 5)
    await asyncio.gather(*conn._in_flight)
    assert live.meet.head == 3


@pytest.mark.gen_test
async def test_a_connection_sending_past_its_byte_rate_is_read_later_and_nothing_is_lost(registry):
    sent = []
    limits = Limits(max_receive_bytes_per_second=20_000, receive_burst_bytes=20_000)
    conn = Connection(registry, limits, sent.append, commands.COMMANDS, "10.0.0.1")
    await conn.receive(json.dumps(create_message()))
    token, live = sent[0]["sessionToken"], conn.live
    frames = [json.dumps(update_message(token, update(f"k{i}", "x" * 9_000, i))) for i in range(1, 5)]
    started = asyncio.get_running_loop().time()
    for frame in frames:  # 36 KB: 16 KB past the burst, 0.8 s at 20 KB/s
        await conn.receive(frame)
    waited = asyncio.get_running_loop().time() - started
    await asyncio.gather(*conn._in_flight)
    assert waited >= 0.7, waited
    assert live.meet.head == 4 and [m["msgType"] for m in sent[1:]] == ["UPDATE_ACK"] * 4


class Ticker:
    """Counts passes of the event loop while it runs."""

    def __init__(self) -> None:
        self.passes = 0
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            self.passes += 1
            await asyncio.sleep(0)


@pytest.mark.gen_test(timeout=30)
async def test_a_long_batch_is_validated_in_slices_with_other_work_in_between(registry):
    parse = commands.COMMANDS["UPDATE_INIT"].parse
    passes_at_item: list[int] = []

    def watched_parse(message, limits):  # notes the loop's pass count as each item is validated
        steps = parse(message, limits)
        while True:
            passes_at_item.append(ticker.passes)
            try:
                next(steps)
            except StopIteration as done:
                return done.value
            yield

    table = {**commands.COMMANDS, "UPDATE_INIT": commands.Command(watched_parse, commands.COMMANDS["UPDATE_INIT"].handle)}
    sent = []
    conn = Connection(registry, Limits(), sent.append, table, "10.0.0.1")
    await conn.receive(json.dumps(create_message()))
    registry.loop_share.slice_seconds = 0.001
    ticker = Ticker()
    try:
        batch = [update(f"k{i % 50}", {"n": i, "text": "x" * 200}, i) for i in range(1, 3001)]
        await conn.receive(json.dumps(update_message(sent[0]["sessionToken"], *batch)))
    finally:
        ticker.task.cancel()
    assert len(passes_at_item) == 3000  # before each item after the first, and at the end
    # The loop went round while the items were validated (in one piece it never would).
    assert passes_at_item[-1] - passes_at_item[1] >= 3, passes_at_item[::300]


@pytest.mark.gen_test
async def test_a_socket_closed_while_its_join_waits_is_never_counted_in_the_meet(registry):
    sent = []
    creator = connect(registry, sent)
    await creator.receive(json.dumps(create_message()))
    live = creator.live
    joiner = connect(registry, [])
    joining = asyncio.ensure_future(joiner.receive(json.dumps(join_message(sent[0]["meetId"]))))
    await asyncio.sleep(0)  # waiting for its turn, or for bcrypt
    joiner.closed()
    await joining
    assert live.peers == {creator}  # a closed socket held a place of max_connections_per_meet
