"""/metrics and /admin/log-level on a real server."""

import asyncio
import json
import logging
import time

import pytest

from support import BASE_URL, create_message, join_message, update, update_message

ADMIN_TOKEN = "admin-token-for-tests-123"


def metric(text, name, labels=""):
    for line in text.splitlines():
        if line.startswith(name + labels + " ") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.gen_test
async def test_metrics_count_messages_updates_and_conflicts(http_client, base_url, ws_connect):
    director = await ws_connect()
    created = await director.request(create_message(pairs=(("Director", 10), ("Announcer", 1)), location="Director"))
    announcer = await ws_connect()
    joined = await announcer.request(join_message(created["meetId"], location="Announcer"))
    await director.request(update_message(created["sessionToken"], update("lifting.flight", "B", 1)))
    assert (await announcer.recv())["msgType"] == "UPDATE_RELAY"
    rejected = await announcer.request(update_message(joined["sessionToken"], update("lifting.flight", "C", 1, 0)))
    assert rejected["msgType"] == "UPDATE_REJECTED"
    await announcer.request("{not json")

    response = await http_client.fetch(base_url + BASE_URL + "metrics")
    text = response.body.decode()
    assert response.headers["Content-Type"].startswith("text/plain")
    assert metric(text, "openlifter_messages_total", '{msg_type="UPDATE_INIT"}') == 2
    assert metric(text, "openlifter_messages_total", '{msg_type="malformed"}') == 1
    assert metric(text, "openlifter_updates_accepted_total") == 1
    assert metric(text, "openlifter_updates_rejected_total") == 1
    assert metric(text, "openlifter_update_conflicts_total", '{resolution="rejected"}') == 1
    assert metric(text, "openlifter_fsync_seconds_count") == 1
    assert metric(text, "openlifter_relay_latency_seconds_count") == 2
    assert metric(text, "openlifter_ws_active") == 2
    assert metric(text, "openlifter_meets_loaded") == 1


@pytest.mark.gen_test
async def test_metrics_time_the_server_processs_garbage_collections(http_client, base_url):
    import gc

    before = metric((await http_client.fetch(base_url + BASE_URL + "metrics")).body.decode(), "openlifter_gc_pause_seconds_count", '{generation="2"}')
    gc.collect()  # a full collection, as the server would make one (it holds the event loop)
    text = (await http_client.fetch(base_url + BASE_URL + "metrics")).body.decode()
    assert metric(text, "openlifter_gc_pause_seconds_count", '{generation="2"}') >= (before or 0) + 1
    assert metric(text, "openlifter_gc_pause_seconds_sum", '{generation="2"}') > 0


@pytest.mark.gen_test
async def test_metrics_carry_the_seed_names_and_meanings(http_client, base_url, ws_connect):
    director = await ws_connect()
    created = await director.request(create_message())
    joiner = await ws_connect()
    await joiner.request(join_message(created["meetId"]))
    await joiner.request(join_message(created["meetId"], password="wrong password here"))
    batch = [update(f"meet.field{i}", i, i) for i in range(1, 4)]
    await director.request(update_message(created["sessionToken"], *batch))
    joiner.close()
    text = (await http_client.fetch(base_url + BASE_URL + "metrics")).body.decode()
    assert metric(text, "openlifter_ws_connections_total") == 2  # opened, whether or not still open
    assert metric(text, "openlifter_meets_created_total") == 1
    assert metric(text, "openlifter_meets_joined_total") == 1  # the failed join is not counted
    assert metric(text, "openlifter_updates_accepted_total") == 3
    assert metric(text, "openlifter_update_batch_size_count") == 1
    assert metric(text, "openlifter_update_batch_size_sum") == 3
    assert metric(text, "openlifter_handler_duration_seconds_count", '{msg_type="JOIN_MEET"}') == 2
    assert metric(text, "openlifter_handler_duration_seconds_count", '{msg_type="CREATE_MEET"}') == 1
    for process in ("process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds"):
        assert metric(text, process) > 0


@pytest.mark.gen_test
async def test_admin_log_level_is_off_without_a_configured_token(http_client, base_url):
    response = await http_client.fetch(
        base_url + BASE_URL + "admin/log-level", method="POST", body='{"level": "DEBUG"}', raise_error=False
    )
    assert response.code == 404


class TestWithAdminToken:
    @pytest.fixture
    def config_overrides(self):
        return {"admin_token": ADMIN_TOKEN}

    @pytest.mark.gen_test
    async def test_wrong_token_is_refused(self, http_client, base_url):
        response = await http_client.fetch(
            base_url + BASE_URL + "admin/log-level", method="POST", body='{"level": "DEBUG"}',
            headers={"Authorization": "Bearer wrong"}, raise_error=False,
        )
        assert response.code == 403

    @pytest.mark.gen_test
    async def test_right_token_changes_the_log_level(self, http_client, base_url):
        root = logging.getLogger()
        before = root.level
        try:
            response = await http_client.fetch(
                base_url + BASE_URL + "admin/log-level", method="POST", body='{"level": "debug"}',
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
            assert json.loads(response.body) == {"level": "DEBUG"}
            assert root.level == logging.DEBUG
        finally:
            root.setLevel(before)

    @pytest.mark.gen_test
    async def test_unknown_level_is_a_clear_error(self, http_client, base_url):
        response = await http_client.fetch(
            base_url + BASE_URL + "admin/log-level", method="POST", body='{"level": "LOUD"}',
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, raise_error=False,
        )
        assert response.code == 400 and b"DEBUG" in response.body


class TestDisplayKeyRotation:
    @pytest.fixture
    def config_overrides(self):
        return {"admin_token": ADMIN_TOKEN}

    async def rotate(self, http_client, base_url, meet_id, token=ADMIN_TOKEN):
        return await http_client.fetch(
            base_url + BASE_URL + f"admin/meets/{meet_id}/display-key", method="POST", body="",
            headers={"Authorization": f"Bearer {token}"}, raise_error=False,
        )

    async def api_status(self, http_client, base_url, meet_id, key):
        response = await http_client.fetch(base_url + BASE_URL + f"meets/{meet_id}/api/state?key={key}", raise_error=False)
        return response.code

    @pytest.mark.gen_test
    async def test_rotation_needs_the_admin_token(self, http_client, base_url, ws_connect):
        created = await (await ws_connect()).request(create_message())
        assert (await self.rotate(http_client, base_url, created["meetId"], token="wrong")).code == 403

    @pytest.mark.gen_test
    async def test_old_key_stops_working_and_the_new_one_is_handed_to_joiners(self, http_client, base_url, ws_connect, data_dir):
        created = await (await ws_connect()).request(create_message())
        meet_id, old_key = created["meetId"], created["displayKey"]
        display = await ws_connect(f"meets/{meet_id}/feed?key={old_key}")
        assert (await display.recv())["msgType"] == "MEET_VIEWS"

        response = await self.rotate(http_client, base_url, meet_id)
        new_key = json.loads(response.body)["displayKey"]
        assert response.code == 200 and new_key != old_key
        assert await display.recv() is None and display.conn.close_code == 4003
        assert await self.api_status(http_client, base_url, meet_id, old_key) == 403
        assert await self.api_status(http_client, base_url, meet_id, new_key) == 200
        joined = await (await ws_connect()).request(join_message(meet_id))
        assert joined["displayKey"] == new_key
        stored = json.loads((data_dir / "current-meets" / meet_id / "auth.json").read_text())
        assert stored["displayKey"] == new_key

    @pytest.mark.gen_test
    async def test_unknown_meet_is_not_found(self, http_client, base_url):
        assert (await self.rotate(http_client, base_url, "123456789")).code == 404

    @pytest.mark.gen_test
    async def test_a_meet_damaged_on_disk_is_a_409_with_the_reason(self, http_client, base_url, ws_connect, app, data_dir):
        creator = await ws_connect()
        meet_id = (await creator.request(create_message()))["meetId"]
        creator.close()
        registry = app.settings["openlifter_registry"]
        for _ in range(100):  # until the server has seen the socket close
            if registry.unload_idle(60, now=time.monotonic() + 3600):
                break
            await asyncio.sleep(0.01)
        (data_dir / "current-meets" / meet_id / "updates.log").write_bytes(b"{damaged\n" + b'{"serverSeqNum": 1}\n')
        response = await self.rotate(http_client, base_url, meet_id)
        assert response.code == 409 and "damaged" in response.reason


@pytest.mark.gen_test
async def test_health_probes_are_logged_at_debug_and_other_requests_at_info(http_client, base_url, caplog):
    with caplog.at_level(logging.DEBUG, logger="openlifter.access"):
        await http_client.fetch(base_url + BASE_URL + "health")
        await http_client.fetch(base_url + BASE_URL + "static/live.css")
    levels = {r.path: r.levelno for r in caplog.records if r.name == "openlifter.access"}
    assert levels[BASE_URL + "health"] == logging.DEBUG
    assert levels[BASE_URL + "static/live.css"] == logging.INFO
