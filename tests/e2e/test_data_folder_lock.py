"""Two real server processes on one data folder: the second refuses to start and the
first goes on serving; a killed holder leaves no stale lock behind."""

import subprocess
import sys

import pytest

from support import PASSWORD, create_message, free_port

pytestmark = pytest.mark.slow


def start_second(data_dir):
    return subprocess.run(
        [sys.executable, "-m", "openlifter", "--port", str(free_port()), "--data-dir", str(data_dir), "--log-format", "text"],
        capture_output=True, text=True, timeout=30,
    )


@pytest.mark.gen_test(timeout=60)
async def test_a_second_process_on_the_same_data_folder_refuses_to_start(server_process, connect, tmp_path):
    first = server_process()
    second = start_second(first.data_dir)
    assert second.returncode != 0
    assert "is in use by another process" in second.stderr
    assert f"pid {first.proc.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    client = await connect(first)  # the first one is untouched
    created = await client.request(create_message(password=PASSWORD))
    assert created["msgType"] == "MEET_CREATED"


@pytest.mark.gen_test(timeout=60)
async def test_a_killed_server_leaves_no_stale_lock(server_process, connect, tmp_path):
    first = server_process()
    first.kill()
    second = server_process(data_dir=first.data_dir)
    client = await connect(second)
    assert (await client.request(create_message()))["msgType"] == "MEET_CREATED"
