"""openlifter-meets on a real data folder: list, archive, delete; refused while a server
holds the folder (the lock), with a pointer to the admin endpoints."""

import subprocess
import sys
import time

import pytest

from openlifter.meet.registry import MeetRegistry
from openlifter.protocol import messages
from openlifter.storage.executor import StorageExecutor
from support import PASSWORD, test_config


def meets(data_dir, *args):
    return subprocess.run(
        [sys.executable, "-m", "openlifter.meets_cli", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=30,
    )


@pytest.fixture
def meet_id(tmp_path, io_loop):
    """A data folder with one meet made by a registry that has stopped since."""
    io = StorageExecutor(1)
    registry = MeetRegistry(test_config(tmp_path / "data"), io, messages)
    registry.start()
    created = io_loop.run_sync(lambda: registry.create_meet("Table", PASSWORD, [("Table", 1)], "10.0.0.1"))
    registry.close_files()
    io.shutdown()
    return created.live.meet_id


def spaced(meet_id):
    return f"{meet_id[:3]} {meet_id[3:6]} {meet_id[6:]}"


def test_list_shows_each_meet_and_its_status(tmp_path, meet_id):
    listed = meets(tmp_path / "data", "list")
    assert listed.returncode == 0, listed.stderr
    assert spaced(meet_id) in listed.stdout and "current" in listed.stdout


def test_archive_moves_a_meet_to_archived_meets(tmp_path, meet_id):
    archived = meets(tmp_path / "data", "archive", spaced(meet_id))
    assert archived.returncode == 0, archived.stderr
    assert (tmp_path / "data" / "archived-meets" / meet_id / "auth.json").exists()
    assert "archived" in meets(tmp_path / "data", "list").stdout


def test_delete_needs_yes(tmp_path, meet_id):
    refused = meets(tmp_path / "data", "delete", meet_id)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    assert (tmp_path / "data" / "current-meets" / meet_id).exists()
    deleted = meets(tmp_path / "data", "delete", meet_id, "--yes")
    assert deleted.returncode == 0, deleted.stderr
    assert not (tmp_path / "data" / "current-meets" / meet_id).exists()


def test_a_bad_meet_id_is_a_clear_error(tmp_path, meet_id):
    refused = meets(tmp_path / "data", "archive", "12")
    assert refused.returncode != 0 and "not a meet id" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.slow
def test_the_command_refuses_while_a_server_holds_the_folder(tmp_path, meet_id, server_process):
    server_process(data_dir=tmp_path / "data")
    refused = meets(tmp_path / "data", "archive", meet_id)
    assert refused.returncode != 0
    assert "in use by another process" in refused.stderr and "/admin/meets" in refused.stderr
    assert (tmp_path / "data" / "current-meets" / meet_id).exists()


# ---- on the redis store: the same actions on the meets of every server process ----------


@pytest.fixture
def redis_meet(tmp_path, io_loop, redis_server):
    """A meet with one update in the test Redis, made by a process that still holds its
    lease (0.3 s)."""
    from openlifter.app import store_for
    from openlifter.storage.store import LogEntry

    redis_server.flush()
    config = test_config(tmp_path / "data", storage="redis", redis_url=redis_server.url, meet_lease_seconds=0.3)
    io = StorageExecutor(1)
    registry = MeetRegistry(config, io, messages, store=store_for(config))
    registry.start()
    created = io_loop.run_sync(lambda: registry.create_meet("Table", PASSWORD, [("Table", 1)], "10.0.0.1"))
    created.live.files.append([LogEntry(1, "meet.name", "Open", "Table", 1, 1, 1.0)])
    registry.close_files()
    io.shutdown()
    return created.live.meet_id


def meets_on_redis(tmp_path, redis_server, *args):
    import os

    env = {**os.environ, "OPENLIFTER_STORAGE": "redis", "OPENLIFTER_REDIS_URL": redis_server.url}
    return subprocess.run(
        [sys.executable, "-m", "openlifter.meets_cli", "--data-dir", str(tmp_path / "data"), *args],
        capture_output=True, text=True, timeout=30, env=env,
    )  # fmt: skip


def test_archive_on_redis_writes_the_meet_out_of_redis_to_the_data_folder(tmp_path, redis_meet, redis_server):
    import redis

    time.sleep(0.4)  # the process that made it stopped: its lease ran out
    archived = meets_on_redis(tmp_path, redis_server, "archive", redis_meet)

    assert archived.returncode == 0, archived.stderr
    assert (tmp_path / "data" / "archived-meets" / redis_meet / "updates.log").read_bytes().count(b"\n") == 1
    with redis.Redis.from_url(redis_server.url) as client:
        assert not client.exists(f"openlifter:meet:{redis_meet}:log")
    assert "archived" in meets_on_redis(tmp_path, redis_server, "list").stdout


def test_archive_on_redis_is_refused_while_a_server_process_serves_the_meet(tmp_path, redis_meet, redis_server):
    from openlifter.storage.redisstore import RedisMeetStore

    time.sleep(0.4)  # the process that made it stopped; another one serves it now
    server = RedisMeetStore(redis_server.url, lease_seconds=30)
    server.take(redis_meet)
    refused = meets_on_redis(tmp_path, redis_server, "archive", redis_meet)
    server.close()

    assert refused.returncode != 0 and "in use" in refused.stderr
    assert "current" in meets_on_redis(tmp_path, redis_server, "list").stdout
