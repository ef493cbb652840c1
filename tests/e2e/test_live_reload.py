"""Changes without a restart (watchdog): an edited config file applies its live options
(limits, log level) to the running server, names the ones that wait for a restart, and
keeps the running settings when the new file is broken."""

import json
import time

import pytest

from support import create_message

pytestmark = pytest.mark.slow


def wait_for_log(server, text, timeout=10.0):
    deadline = time.monotonic() + timeout
    while text not in server.logs():
        assert time.monotonic() < deadline, f"no {text!r} in the log:\n{server.logs()}"
        time.sleep(0.05)


def log_records(server):
    return [json.loads(line) for line in server.logs().splitlines() if line.startswith("{")]


@pytest.mark.gen_test(timeout=60)
async def test_an_edited_config_file_changes_the_limits_of_the_running_server(server_process, connect, tmp_path):
    config = tmp_path / "openlifter.toml"
    config.write_text("max_meets = 10\n")
    server = server_process("--config", str(config))
    first = await connect(server)
    assert (await first.request(create_message()))["msgType"] == "MEET_CREATED"
    config.write_text("max_meets = 1\nlog_level = \"debug\"\n")
    wait_for_log(server, "config reloaded")
    second = await connect(server)
    refused = await second.request(create_message())
    assert refused["msgType"] == "CREATE_REJECTED" and "as many meets" in refused["reason"]
    reloaded = next(r for r in log_records(server) if r["message"] == "config reloaded")
    assert reloaded["options"] == ["log_level", "max_meets"]


@pytest.mark.gen_test(timeout=60)
async def test_an_option_that_needs_a_restart_is_named_and_left_alone(server_process, connect, tmp_path):
    config = tmp_path / "openlifter.yaml"
    config.write_text("feed_coalesce_seconds: 0.05\n")
    server = server_process("--config", str(config))
    config.write_text("feed_coalesce_seconds: 0.5\n")
    wait_for_log(server, "next restart")
    warning = next(r for r in log_records(server) if "next restart" in r["message"])
    assert warning["options"] == ["feed_coalesce_seconds"]
    assert (await (await connect(server)).request(create_message()))["msgType"] == "MEET_CREATED"


@pytest.mark.gen_test(timeout=60)
async def test_a_broken_config_file_keeps_the_running_settings(server_process, connect, tmp_path):
    config = tmp_path / "openlifter.toml"
    config.write_text("max_meets = 1\n")
    server = server_process("--config", str(config))
    config.write_text("max_meets = = oops\n")
    wait_for_log(server, "config file not reloaded")
    client = await connect(server)
    assert (await client.request(create_message()))["msgType"] == "MEET_CREATED"
    assert (await client.request(create_message()))["msgType"] == "CREATE_REJECTED"  # still 1
