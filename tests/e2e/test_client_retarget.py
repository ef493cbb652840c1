"""The Python client re-targets an offline edit to its lifter's new index (SPEC section 6),
through a real server: the deletion trap, and an edit of a lifter deleted meanwhile."""

import pytest

from openlifter.client import ENTRY_GONE, LiveClient
from support import BASE_URL, PASSWORD

ENDPOINTS = [("Weigh-in", 5), ("Scoring", 5)]


@pytest.fixture
def url(http_server, http_port):
    return f"ws://127.0.0.1:{http_port}{BASE_URL}ws"


def lifters(*names):
    return [{"id": 10 + i, "name": name, "bodyweightKg": 60.0 + 10 * i} for i, name in enumerate(names)]


async def weigh_in_and_scoring(url, entries):
    weigh_in = await LiveClient.create(url, "Weigh-in", PASSWORD, ENDPOINTS)
    await weigh_in.edit("registration.entries", entries)
    await weigh_in.settle()
    scoring = await LiveClient.join(url, weigh_in.session.meet_id, PASSWORD, "Scoring")
    return weigh_in, scoring


@pytest.mark.gen_test(timeout=20)
async def test_offline_bodyweight_reaches_its_lifter_after_an_earlier_lifter_is_deleted(url):
    a, b, c, d = lifters("A", "B", "C", "D")
    weigh_in, scoring = await weigh_in_and_scoring(url, [a, b, c, d])
    await scoring.disconnect()
    await scoring.edit("registration.entries[2].bodyweightKg", 82.4)  # C, by its index then
    await weigh_in.edit("registration.entries", [a, c, d])  # B deleted
    await weigh_in.settle()
    await scoring.reconnect()
    await scoring.settle()
    await weigh_in.sync()

    entries = weigh_in.session.state["registration"]["entries"]
    assert [(e["name"], e["bodyweightKg"]) for e in entries] == [("A", 60.0), ("C", 82.4), ("D", 90.0)]
    assert scoring.session.state == weigh_in.session.state
    assert all(answer.accepted for [answer] in scoring.session.answers.values())
    await scoring.close()
    await weigh_in.close()


@pytest.mark.gen_test(timeout=20)
async def test_offline_edit_of_a_lifter_deleted_meanwhile_is_dropped_unsent(url):
    a, b = lifters("A", "B")
    weigh_in, scoring = await weigh_in_and_scoring(url, [a, b])
    await scoring.disconnect()
    await scoring.edit("registration.entries[1].bodyweightKg", 71)
    await weigh_in.edit("registration.entries", [a])
    await weigh_in.settle()
    await scoring.reconnect()
    await scoring.sync()

    [[answer]] = scoring.session.answers.values()
    assert not answer.accepted and answer.reason == ENTRY_GONE
    assert scoring.session.state == weigh_in.session.state
    assert weigh_in.session.head == 2
    await scoring.close()
    await weigh_in.close()
