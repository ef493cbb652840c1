"""Archiving and deleting meets (issue 11 item 2): an archived meet leaves current-meets/,
stays readable by its display key and joinable by its password; a delete is for good."""

import os
import time

import pytest

from openlifter.meet.registry import ARCHIVED, CURRENT, FINISHED, MeetRegistry, Rejected
from openlifter.protocol import messages
from openlifter.storage.executor import StorageExecutor
from support import PASSWORD, test_config

ENDPOINTS = [("Table", 2), ("Weigh-in", 1)]


@pytest.fixture
def registry(tmp_path):
    io = StorageExecutor(2)
    meets = MeetRegistry(test_config(tmp_path / "data", max_meets=1), io, messages)
    meets.start()
    yield meets
    meets.close_files()
    io.shutdown()


def age_folder(folder, days):
    """Make every file of a meet folder look untouched for ``days``."""
    when = time.time() - days * 86400
    for path in folder.iterdir():
        os.utime(path, (when, when))


@pytest.mark.gen_test
async def test_an_archived_meet_leaves_current_meets_and_frees_its_place(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    meet_id = created.live.meet_id
    await registry.archive(meet_id)
    assert registry.status_of(meet_id) == ARCHIVED
    assert not registry.store.paths.meet_dir(meet_id).exists()
    assert (registry.store.paths.meet_dir(meet_id, archived=True) / "updates.log").exists()
    another = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")  # max_meets is 1
    assert registry.status_of(another.live.meet_id) == CURRENT


@pytest.mark.gen_test
async def test_an_archived_meet_is_still_read_by_its_display_key(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    key = created.live.auth.display_key
    await registry.archive(created.live.meet_id)
    live = await registry.get(created.live.meet_id)
    assert live is not None and registry.display_key_matches(live, key)


@pytest.mark.gen_test
async def test_archiving_ends_the_meets_sessions(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    await registry.archive(created.live.meet_id)
    assert registry.find_session(created.token) is None


@pytest.mark.gen_test
async def test_joining_an_archived_meet_brings_it_back_with_its_log(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    meet_id = created.live.meet_id
    await registry.archive(meet_id)
    await registry.get(meet_id)  # a display loaded it from the archive first
    joined = await registry.join_meet(meet_id, PASSWORD, "Weigh-in", "10.0.0.1")
    assert registry.status_of(meet_id) == CURRENT
    assert joined.live.files.directory == registry.store.paths.meet_dir(meet_id)
    assert registry.find_session(joined.token) is not None


@pytest.mark.gen_test
async def test_a_wrong_password_does_not_bring_an_archived_meet_back(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    await registry.archive(created.live.meet_id)
    with pytest.raises(Rejected):
        await registry.join_meet(created.live.meet_id, "not the password", "Weigh-in", "10.0.0.1")
    assert registry.status_of(created.live.meet_id) == ARCHIVED


@pytest.mark.gen_test
async def test_a_meet_in_use_is_not_archived_or_deleted(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    created.live.attach(object())  # a connected browser
    for action in (registry.archive, registry.delete):
        with pytest.raises(Rejected, match="in use"):
            await action(created.live.meet_id)
    assert registry.status_of(created.live.meet_id) == CURRENT


@pytest.mark.gen_test
async def test_a_published_meet_is_not_archived(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    await registry.publish(created.live, "a,b\n", "md@example.org")
    with pytest.raises(Rejected, match="only a current"):
        await registry.archive(created.live.meet_id)
    assert registry.status_of(created.live.meet_id) == FINISHED


@pytest.mark.gen_test
async def test_a_deleted_meet_is_gone_from_disk_and_memory(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    meet_id = created.live.meet_id
    await registry.delete(meet_id)
    assert not registry.exists(meet_id)
    assert await registry.get(meet_id) is None
    assert not registry.store.paths.meet_dir(meet_id).exists()
    assert registry.find_session(created.token) is None
    assert [p.name for p in registry.store.paths.meet_dir(meet_id).parent.iterdir()] == []


@pytest.mark.gen_test
async def test_only_meets_idle_longer_than_the_limit_are_archived(registry):
    old = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    registry.config = registry.config.replace(max_meets=10)
    recent = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    registry.unload_idle(0, now=time.monotonic() + 1)
    age_folder(old.live.files.directory, 31)
    age_folder(recent.live.files.directory, 29)
    archived = await registry.archive_idle(30 * 86400)
    assert archived == [old.live.meet_id]
    assert registry.status_of(recent.live.meet_id) == CURRENT


@pytest.mark.gen_test
async def test_the_list_shows_every_meet_with_its_status(registry):
    registry.config = registry.config.replace(max_meets=10)
    current = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    archived = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    await registry.archive(archived.live.meet_id)
    summaries = {s.meet_id: s for s in await registry.summaries()}
    assert summaries[current.live.meet_id].status == CURRENT
    assert summaries[archived.live.meet_id].status == ARCHIVED
    assert summaries[current.live.meet_id].last_activity > time.time() - 60


@pytest.mark.gen_test
async def test_an_archived_meet_stays_archived_after_a_restart(registry):
    created = await registry.create_meet("Table", PASSWORD, ENDPOINTS, "10.0.0.1")
    await registry.archive(created.live.meet_id)
    registry.close_files()
    restarted = MeetRegistry(registry.config, registry.io, messages)
    restarted.start()
    try:
        assert restarted.status_of(created.live.meet_id) == ARCHIVED
    finally:
        restarted.close_files()
