"""A wheel runs from any folder (issue 11 item 3): it is built offline from a copy of the
checkout, installed into a fresh venv, and started with the Procfile's own command from
an unrelated working directory; the pages it serves need templates/ and static/."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest
import tornado.websocket

from support import create_message, free_port

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(*command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv with only the wheel installed; the dependencies come from the test
    venv through a .pth line (offline), which does not bring the editable checkout."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(".venv", ".git", "data", "build", "*.egg-info", "screenshots", "__pycache__"))
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-v", "-w", str(root / "dist"), str(source))
    (root / "build.log").write_text(built.stdout + built.stderr)
    wheel = next((root / "dist").glob("openlifter_live-*.whl"))
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    run(sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps", "--no-index", "-q", str(wheel))
    site = Path(run(str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_the_build_has_no_licence_or_packaging_warnings(installed):
    log = (installed.parent / "build.log").read_text()
    warnings = [line for line in log.splitlines() if "Warning" in line or "warning:" in line.lower()]
    assert not [line for line in warnings if "byte-compiling is disabled" not in line], warnings  # pip's own -B


def test_the_licence_is_an_spdx_expression_with_its_text_in_the_wheel(installed):
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert "GNU AFFERO GENERAL PUBLIC LICENSE" in (REPO / "LICENSE").read_text()
    metadata = next((installed / "lib").glob("python3*/site-packages/openlifter_live-*.dist-info"))
    assert "License-Expression: AGPL-3.0-or-later" in (metadata / "METADATA").read_text()
    assert (metadata / "licenses" / "LICENSE").is_file()


def test_the_installed_package_carries_its_templates_and_static_files(installed):
    script = "import openlifter.app as a; print(a.TEMPLATES_DIR); print(a.STATIC_DIR)"
    where = run(str(installed / "bin" / "python"), "-c", script, cwd=installed).stdout.split()  # not from the checkout
    for folder in map(Path, where):
        assert folder.is_relative_to(installed) and folder.is_dir() and not folder.is_symlink()
    assert (Path(where[0]) / "overlay.html").is_file() and (Path(where[1]) / "live.css").is_file()


@pytest.mark.gen_test(timeout=60)
async def test_the_procfile_command_serves_pages_from_another_folder(installed, tmp_path):
    command = (REPO / "Procfile").read_text().split("web:", 1)[1].strip()
    port = free_port()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("OPENLIFTER_")}, "PORT": str(port), "PATH": f"{installed / 'bin'}:{os.environ['PATH']}", "OPENLIFTER_BCRYPT_ROUNDS": "4"}
    log = tmp_path / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(["bash", "-c", command], cwd=elsewhere, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.05)
        client = await tornado.websocket.websocket_connect(f"ws://127.0.0.1:{port}/ws")
        await client.write_message(json.dumps(create_message()))
        created = json.loads(await client.read_message())
        client.close()
        base = f"http://127.0.0.1:{port}/meets/{created['meetId']}/"
        for page in ("", "overlay", "scoreboard"):
            with urllib.request.urlopen(f"{base}{page}?key={created['displayKey']}", timeout=10) as response:
                assert response.status == 200 and b"<html" in response.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/live.css", timeout=10) as response:
            assert response.status == 200
        assert (elsewhere / "data" / "current-meets" / created["meetId"]).is_dir()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
