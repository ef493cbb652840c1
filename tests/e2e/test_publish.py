"""PUBLISH_MEET: the finished meet is stored with its CSV and e-mail and frozen."""

import pytest

from support import create_message, join_message, pull_message, update, update_message

CSV = "OPL Format v1 (OpenLifter 1.4),Submit by email:,issues@openpowerlifting.org\n\nFederation,Date\nUSPA,'2026-11-25\n"


def publish_message(token, email="director@example.org", csv=CSV):
    return {"msgType": "PUBLISH_MEET", "sessionToken": token, "returnEmail": email, "oplCsv": csv}


async def created_meet(ws_connect):
    client = await ws_connect()
    created = await client.request(create_message())
    acked = await client.request(update_message(created["sessionToken"], update("meet.name", "Open", 1)))
    assert acked["msgType"] == "UPDATE_ACK"
    return client, created


@pytest.mark.gen_test
async def test_publish_stores_csv_and_email_in_finished_meets(ws_connect, data_dir):
    client, created = await created_meet(ws_connect)
    reply = await client.request(publish_message(created["sessionToken"]))
    assert reply == {"msgType": "PUBLISH_ACK", "meetId": created["meetId"]}
    folder = data_dir / "finished-meets" / created["meetId"]
    assert (folder / "opl.csv").read_text() == CSV
    assert (folder / "email.txt").read_text().strip() == "director@example.org"
    assert (folder / "updates.log").exists() and (folder / "auth.json").exists()
    assert not (data_dir / "current-meets" / created["meetId"]).exists()


@pytest.mark.gen_test
async def test_published_meet_refuses_updates_with_a_reason(ws_connect):
    client, created = await created_meet(ws_connect)
    await client.request(publish_message(created["sessionToken"]))
    reply = await client.request(update_message(created["sessionToken"], update("meet.name", "Changed", 2, 1)))
    [rejected] = reply["updatesRejected"]
    assert reply["msgType"] == "UPDATE_REJECTED" and rejected["conflict"] is False
    assert "published" in rejected["reason"] and rejected["serverValue"] == "Open"


@pytest.mark.gen_test
async def test_published_meet_still_pulls_and_joins(ws_connect):
    client, created = await created_meet(ws_connect)
    await client.request(publish_message(created["sessionToken"]))
    pulled = await client.request(pull_message(created["sessionToken"], 0))
    assert [u["updateValue"] for u in pulled["updates"]] == ["Open"]
    other = await ws_connect()
    joined = await other.request(join_message(created["meetId"]))
    assert joined["msgType"] == "MEET_JOINED" and joined["lastServerSeq"] == 1


@pytest.mark.gen_test
async def test_second_publish_is_rejected(ws_connect):
    client, created = await created_meet(ws_connect)
    await client.request(publish_message(created["sessionToken"]))
    reply = await client.request(publish_message(created["sessionToken"]))
    assert reply["msgType"] == "PUBLISH_REJECTED" and "already" in reply["reason"]


@pytest.mark.gen_test
async def test_empty_csv_is_rejected(ws_connect, data_dir):
    client, created = await created_meet(ws_connect)
    reply = await client.request(publish_message(created["sessionToken"], csv="  \n"))
    assert reply["msgType"] == "PUBLISH_REJECTED" and "empty" in reply["reason"]
    assert (data_dir / "current-meets" / created["meetId"]).exists()


@pytest.mark.parametrize("email", ["", "director", "a@b", "two@@example.org", "a b@example.org"])
@pytest.mark.gen_test
async def test_malformed_email_is_rejected(ws_connect, email):
    client, created = await created_meet(ws_connect)
    reply = await client.request(publish_message(created["sessionToken"], email=email))
    assert reply["msgType"] == "PUBLISH_REJECTED" and "e-mail" in reply["reason"]


@pytest.mark.gen_test
async def test_publish_needs_a_valid_session(ws_connect):
    client, created = await created_meet(ws_connect)
    reply = await client.request(publish_message("not-a-session"))
    assert reply["msgType"] == "INVALID_SESSION"
