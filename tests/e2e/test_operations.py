"""The server process as an operator runs it: TLS without a proxy, a separate metrics
port, the start-up line, and what its logs say about probes and failed joins."""

import json
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest
import tornado.httpclient
import tornado.websocket

from support import create_message, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def certificate(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def fetch(url, context=None):
    try:
        with urllib.request.urlopen(url, timeout=10, context=context) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.gen_test(timeout=60)
async def test_tls_serves_https_and_wss_without_a_proxy(server_process, certificate):
    cert, key = certificate
    server = server_process("--tls-cert", str(cert), "--tls-key", str(key))
    trusting = ssl.create_default_context(cafile=str(cert))
    assert fetch(f"https://127.0.0.1:{server.port}/health", trusting)[0] == 200
    request = tornado.httpclient.HTTPRequest(f"wss://127.0.0.1:{server.port}/ws", ssl_options=trusting)
    client = await tornado.websocket.websocket_connect(request)
    await client.write_message(json.dumps(create_message()))
    assert json.loads(await client.read_message())["msgType"] == "MEET_CREATED"
    client.close()
    assert f"Open https://127.0.0.1:{server.port}/ in a browser" in server.logs()


def test_a_bad_certificate_stops_start_up_with_one_clear_line(tmp_path):
    import sys

    (tmp_path / "cert.pem").write_text("not a certificate")
    result = subprocess.run(
        [sys.executable, "-m", "openlifter", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"),
         "--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "cert.pem"), "--log-format", "text"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 1
    assert "tls_cert/tls_key" in result.stderr and "Traceback" not in result.stderr


def test_a_metrics_port_serves_metrics_there_and_not_on_the_public_port(server_process):
    metrics_port = free_port()
    server = server_process("--metrics-port", str(metrics_port))
    status, body = fetch(f"http://127.0.0.1:{metrics_port}/metrics")
    assert status == 200 and b"openlifter_ws_active" in body
    assert fetch(f"http://127.0.0.1:{server.port}/metrics")[0] == 404
