"""openlifter-meets on a real data folder: list, archive, delete; refused while a server
holds the folder (the lock), with a pointer to the admin endpoints."""

import subprocess
import sys

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
