"""Offline clients and conflicts by location priority, through real sockets, driven by
the package's own client model (openlifter.client)."""


import pytest

from openlifter.client import LiveClient
from support import BASE_URL, PASSWORD
from support import each_store  # noqa: F401  (every test here runs on the file store and the redis store)

ENDPOINTS = [("Director", 10), ("Platform 1", 5), ("Weigh-in", 5), ("Announcer", 1)]


@pytest.fixture
def url(http_server, http_port):
    return f"ws://127.0.0.1:{http_port}{BASE_URL}ws"


async def meet_with(url, *locations):
    first = await LiveClient.create(url, locations[0], PASSWORD, ENDPOINTS)
    others = [await LiveClient.join(url, first.session.meet_id, PASSWORD, loc) for loc in locations[1:]]
    return [first, *others]


async def settle_all(*clients):
    for client in clients:
        await client.settle()
    for client in clients:
        await client.sync()


def answers(client):
    return [a for answers in client.session.answers.values() for a in answers]


async def close_all(*clients):
    for client in clients:
        await client.close()


@pytest.mark.gen_test
async def test_higher_priority_overrules_a_concurrent_edit(url):
    director, platform = await meet_with(url, "Director", "Platform 1")
    await platform.disconnect()
    await director.disconnect()
    await platform.edit("lifting.flight", "B")
    await director.edit("lifting.flight", "C")
    await platform.reconnect()
    await platform.settle()
    await director.reconnect()
    await settle_all(director, platform)
    assert all(a.accepted for a in answers(director) + answers(platform))
    assert director.session.state["lifting"]["flight"] == "C" == platform.session.state["lifting"]["flight"]
    await close_all(director, platform)


@pytest.mark.gen_test
async def test_equal_priority_keeps_the_server_value_and_tells_the_loser(url):
    platform, weighin = await meet_with(url, "Platform 1", "Weigh-in")
    await weighin.disconnect()
    await platform.edit("registration.entries[0].bodyweightKg", 82.5)
    await platform.settle()
    await weighin.edit("registration.entries[0].bodyweightKg", 83.1)
    await weighin.reconnect()
    await weighin.settle()
    [rejected] = answers(weighin)
    assert not rejected.accepted and rejected.conflict
    assert rejected.server_value == 82.5
    assert weighin.session.view_state()["registration"]["entries"][0]["bodyweightKg"] == 82.5
    await close_all(platform, weighin)


@pytest.mark.gen_test
async def test_identical_values_never_conflict(url):
    director, announcer = await meet_with(url, "Director", "Announcer")
    await announcer.disconnect()
    await director.edit("meet.name", "Spring Open")
    await announcer.edit("meet.name", "Spring Open")
    await announcer.reconnect()
    await settle_all(director, announcer)
    assert all(a.accepted for a in answers(announcer))
    await close_all(director, announcer)


@pytest.mark.gen_test
async def test_same_location_edits_never_conflict(url):
    platform_a, platform_b = await meet_with(url, "Platform 1", "Platform 1")
    await platform_b.disconnect()
    await platform_a.edit("lifting.lift", "B")
    await platform_b.edit("lifting.lift", "D")
    await platform_b.reconnect()
    await settle_all(platform_a, platform_b)
    assert all(a.accepted for a in answers(platform_b))
    assert platform_a.session.state["lifting"]["lift"] == "D"
    await close_all(platform_a, platform_b)


@pytest.mark.gen_test
async def test_overlapping_paths_conflict_both_ways(url):
    director, announcer = await meet_with(url, "Director", "Announcer")
    await announcer.disconnect()
    await director.edit("registration.entries[3].name", "Ann")
    await announcer.edit("registration.entries[3]", {"name": "Bob"})
    await announcer.edit("registration.entries[31].name", "Cy")
    await announcer.reconnect()
    await settle_all(director, announcer)
    by_key = {a.key: a for a in answers(announcer)}
    assert not by_key["registration.entries[3]"].accepted
    assert by_key["registration.entries[31].name"].accepted
    await close_all(director, announcer)


@pytest.mark.gen_test
async def test_read_only_client_resyncs_with_a_pull(url):
    director, announcer = await meet_with(url, "Director", "Announcer")
    await announcer.disconnect()
    for i in range(30):
        await director.edit(f"registration.entries[{i}].name", f"Lifter {i}")
    await director.settle()
    await announcer.reconnect()
    assert announcer.session.state == director.session.state
    assert announcer.session.head == 30
    await close_all(director, announcer)


@pytest.mark.gen_test
async def test_updating_client_comes_back_with_a_buffered_batch(url):
    director, weighin = await meet_with(url, "Director", "Weigh-in")
    await weighin.disconnect()
    for i in range(10):
        await weighin.edit(f"registration.entries[{i}].bodyweightKg", 60 + i)
    assert weighin.session.pending and not weighin.online
    await weighin.reconnect()
    await settle_all(director, weighin)
    assert len(answers(weighin)) == 10 and all(a.accepted for a in answers(weighin))
    assert director.session.state == weighin.session.state
    await close_all(director, weighin)


@pytest.mark.gen_test
async def test_two_offline_clients_and_one_online_converge(url):
    director, platform, weighin = await meet_with(url, "Director", "Platform 1", "Weigh-in")
    await director.edit("registration.entries[0]", {"name": "Ann", "bodyweightKg": 0})
    await settle_all(director, platform, weighin)
    await platform.disconnect()
    await weighin.disconnect()
    await platform.edit("registration.entries[0].bodyweightKg", 70)
    await weighin.edit("registration.entries[0].bodyweightKg", 71)
    await director.edit("registration.entries[0].name", "Anne")
    await weighin.edit("registration.entries[0].name", "Annie")
    await director.settle()
    await platform.reconnect()
    await weighin.reconnect()
    await settle_all(director, platform, weighin)
    states = [c.session.state for c in (director, platform, weighin)]
    assert states[0] == states[1] == states[2]
    assert states[0]["registration"]["entries"][0] == {"name": "Anne", "bodyweightKg": 70}
    assert len(answers(weighin)) == 2 and not any(a.accepted for a in answers(weighin))
    await close_all(director, platform, weighin)


@pytest.mark.gen_test
async def test_every_update_of_a_mixed_batch_gets_exactly_one_answer(url):
    director, announcer = await meet_with(url, "Director", "Announcer")
    await announcer.disconnect()
    await director.edit("lifting.flight", "B")
    await director.settle()
    await announcer.edit("lifting.flight", "C")
    await announcer.edit("lifting.lift", "B")
    await announcer.edit("meet.name", "X")
    await announcer.reconnect()
    await announcer.settle()
    assert sorted(len(v) for v in announcer.session.answers.values()) == [1, 1, 1]
    assert [a.accepted for a in sorted(answers(announcer), key=lambda a: a.local_seq)] == [False, True, True]
    await close_all(director, announcer)
