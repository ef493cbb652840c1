"""The command-line tools end in a clear message, never a traceback; publish works."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from openlifter.client import LiveClient
from support import PASSWORD

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sample.openlifter"


def tool(module, *args, password=None):
    env = {k: v for k, v in os.environ.items() if k != "OPENLIFTER_MEET_PASSWORD"}
    if password:
        env["OPENLIFTER_MEET_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", module, *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)


def test_upload_with_an_http_url_says_which_websocket_url_to_use():
    done = tool("openlifter.upload", str(FIXTURE), "--url", "http://127.0.0.1:8080/", password=PASSWORD)
    assert done.returncode == 2
    assert "ws://127.0.0.1:8080/ws" in done.stderr and "Traceback" not in done.stderr


def test_upload_with_no_password_and_no_terminal_says_how_to_give_one():
    done = tool("openlifter.upload", str(FIXTURE))
    assert done.returncode == 1
    assert "OPENLIFTER_MEET_PASSWORD" in done.stderr and "Traceback" not in done.stderr


def test_upload_to_a_server_that_is_not_there_is_one_line(tmp_path):
    from support import free_port

    done = tool("openlifter.upload", str(FIXTURE), "--url", f"ws://127.0.0.1:{free_port()}/ws", password=PASSWORD)
    assert done.returncode == 1 and "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.gen_test(timeout=60)
async def test_publish_stores_the_csv_and_the_meet_is_finished(server_process, tmp_path):
    server = server_process()
    director = await LiveClient.create(server.ws_url, "Director", PASSWORD, [("Director", 10)])
    meet_id = director.session.meet_id
    await director.close()
    csv = tmp_path / "results.csv"
    csv.write_text("Place,Name,Sex\n1,A Lifter,M\n")
    done = tool("openlifter.publish", str(csv), "--meet-id", meet_id, "--email", "md@example.org",
                "--url", server.ws_url, "--location", "Director", password=PASSWORD)
    assert done.returncode == 0, done.stderr
    assert "is published" in done.stdout
    stored = server.data_dir / "finished-meets" / meet_id
    assert (stored / "opl.csv").read_text() == csv.read_text()
    assert (stored / "email.txt").read_text().strip() == "md@example.org"
    again = tool("openlifter.publish", str(csv), "--meet-id", meet_id, "--email", "md@example.org",
                 "--url", server.ws_url, "--location", "Director", password=PASSWORD)
    assert again.returncode == 1 and "the server refused" in again.stderr and "Traceback" not in again.stderr
