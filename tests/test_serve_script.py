"""./scripts/serve installs only when something is missing (issue 11 item 4): with a
complete .venv it starts with the package index unreachable, in well under a few seconds;
with a stale install it does go to the index (here: fails, since the index is closed).

Each test builds a throwaway checkout: pyproject.toml and scripts/serve, and a .venv whose
interpreter reaches the test venv's packages through a .pth line."""

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from support import free_port

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture
def checkout(tmp_path):
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(REPO / "scripts" / "serve", root / "scripts" / "serve")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    venv = root / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(f"{sysconfig.get_paths()['purelib']}\n{REPO}\n")
    server = venv / "bin" / "openlifter-server"
    server.write_text(f"#!{venv / 'bin' / 'python'}\nfrom openlifter.cli import main\nmain()\n")
    server.chmod(0o755)
    return root


def mark_installed(checkout, pyproject_hash=None):
    digest = pyproject_hash or subprocess.run(["sha256sum", str(checkout / "pyproject.toml")], capture_output=True, text=True, check=True).stdout.split()[0]
    (checkout / ".venv" / ".installed").write_text(digest + "\n")


def offline_env():
    closed = free_port()  # nothing listens there: any index request fails at once
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENLIFTER_", "PIP_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=f"http://127.0.0.1:{closed}/simple", PIP_RETRIES="0", PIP_TIMEOUT="2",
               OPENLIFTER_LOG_FORMAT="text")
    return env


def seconds_until_open(command, log, env):
    """Run ``command`` until the server logs the URL to open; return how long that took."""
    started = time.monotonic()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        while "Open http://" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() - started < 30, log.read_text()
            time.sleep(0.02)
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(10)


def test_a_complete_venv_starts_offline_with_no_install_step(checkout, tmp_path):
    """Measured side by side with the server started directly (a shared, loaded machine
    makes bare times meaningless): the script adds no install, so next to no time. On an
    idle machine both take well under a second."""
    mark_installed(checkout)
    args = ["--port", "0", "--data-dir", str(tmp_path / "data"), "--bcrypt-rounds", "4"]
    direct = seconds_until_open([str(checkout / ".venv" / "bin" / "openlifter-server"), *args], tmp_path / "direct.log", offline_env())
    served = seconds_until_open([str(checkout / "scripts" / "serve"), *args], tmp_path / "serve.log", offline_env())
    assert "pip" not in (tmp_path / "serve.log").read_text().lower()
    # An install, even from a local cache, takes several seconds: far past this bound.
    assert served < 1.5 * direct + 0.5, f"scripts/serve {served:.2f} s, the server alone {direct:.2f} s"


def test_a_stale_install_goes_to_the_package_index(checkout, tmp_path):
    mark_installed(checkout, "0" * 64)  # pyproject.toml changed since the last install
    result = subprocess.run([str(checkout / "scripts" / "serve"), "--port", "0", "--data-dir", str(tmp_path / "data")],
                            env=offline_env(), capture_output=True, text=True, timeout=50)
    assert result.returncode != 0
    assert "127.0.0.1" in result.stderr  # pip's failure to reach the (closed) index
    assert "Open http://" not in result.stdout + result.stderr
