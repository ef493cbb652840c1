"""openlifter-live-upload makes a saved .openlifter file live."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openlifter.client import LiveClient
from display_states import national_state
from support import PASSWORD

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.openlifter"


def run_upload(server, *args):
    env = {**os.environ, "OPENLIFTER_MEET_PASSWORD": PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "openlifter.upload", "--url", server.ws_url, *args],
        env=env, capture_output=True, text=True, timeout=30,
    )


@pytest.mark.gen_test(timeout=40)
async def test_upload_creates_a_live_meet_with_the_files_slices(server_process):
    server = server_process()
    done = run_upload(server, str(FIXTURE), "--location", "Director", "--endpoint", "Director:10", "--endpoint", "Platform 1:5")
    assert done.returncode == 0, done.stderr
    meet_id = done.stdout.split("Meet ")[1].split(" is live")[0].replace(" ", "")
    assert PASSWORD not in done.stdout + done.stderr
    follower = await LiveClient.join(server.ws_url, meet_id, PASSWORD, "Platform 1")
    saved = json.loads(FIXTURE.read_text())
    assert follower.session.state == {k: saved[k] for k in ("meet", "registration", "lifting")}
    await follower.close()


@pytest.mark.gen_test(timeout=60)
async def test_upload_of_a_national_meet_too_large_for_one_update_sends_one_lifter_an_update(server_process, tmp_path):
    server = server_process()
    saved = {**national_state(2500), "language": "en"}  # its registration is 1.4 MB: past max_value_bytes (1 MiB)
    path = tmp_path / "Nationals.openlifter"
    path.write_text(json.dumps(saved))
    done = run_upload(server, str(path), "--location", "Director", "--endpoint", "Director:10", "--endpoint", "Platform 1:5")
    assert done.returncode == 0, done.stderr
    meet_id = done.stdout.split("Meet ")[1].split(" is live")[0].replace(" ", "")
    follower = await LiveClient.join(server.ws_url, meet_id, PASSWORD, "Platform 1")
    assert follower.session.state == {k: saved[k] for k in ("meet", "registration", "lifting")}
    assert follower.session.head > 2500  # one update per lifter
    await follower.close()


def test_upload_refuses_a_file_that_is_not_openlifter(server_process, tmp_path):
    server = server_process()
    bad = tmp_path / "bad.openlifter"
    bad.write_text('{"meet": {}}')
    done = run_upload(server, str(bad))
    assert done.returncode == 1 and "not an OpenLifter file" in done.stderr
