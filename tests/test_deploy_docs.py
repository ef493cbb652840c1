"""The deploy artefacts and docs say things that work: every `openlifter-server` command
line in them parses with today's options, and docs/deploy.md covers what an operator
needs (there is no Docker engine here, so the Dockerfile and compose file are checked
for what they run, not built)."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from openlifter.config import load_config

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "docs" / "deploy.md"


def command_lines():
    """Each `openlifter-server ...` command in the docs and the deploy files."""
    found = []
    for path in (DEPLOY, REPO / "README.md", REPO / "Procfile"):
        text = path.read_text().replace("\\\n", " ")
        found += [(path.name, line) for line in re.findall(r"openlifter-server( [^\n`]*)", text)]
    docker = re.search(r'^CMD \[(.*)\]$', (REPO / "Dockerfile").read_text(), re.M)
    found.append(("Dockerfile", " " + " ".join(part.strip().strip('"') for part in docker.group(1).split(",")[1:])))
    return found


@pytest.mark.parametrize("where, line", command_lines())
def test_every_documented_server_command_line_parses(where, line):
    argv = [arg.replace("$PORT", "8080") for arg in shlex.split(line.split("#")[0])]
    argv = [arg for arg in argv if not arg.startswith("[")]  # README's usage brackets
    if argv[:1] == ["--help"]:
        return
    if "--config" in argv:  # the file is on the operator's machine: check the flags only
        at = argv.index("--config")
        del argv[at : at + 2]
    load_config(argv, {})


@pytest.mark.parametrize("topic", [
    "wss://", "Caddy", "nginx", "proxy_set_header Upgrade", "X-Forwarded-For", "trust-proxy-headers",
    "--host 0.0.0.0", "hostname -I", "ufw allow", "--tls-cert", "--tls-key", "[Service]",
    "rsync", "Dockerfile", "compose.yaml", "volume", "Procfile", "ephemeral", "ps:scale web=2", "requirements.txt",
])
def test_the_deploy_guide_covers(topic):
    assert topic in DEPLOY.read_text()


def test_compose_keeps_meets_on_a_named_volume_at_the_images_data_folder():
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    service = compose["services"]["openlifter-live"]
    assert "meets:/data" in service["volumes"] and "meets" in compose["volumes"]
    assert "--data-dir\", \"/data\"" in (REPO / "Dockerfile").read_text()


def test_a_procfile_platform_finds_what_it_installs_from():
    assert (REPO / "requirements.txt").read_text().splitlines()[-1] == "."
    assert (REPO / ".python-version").read_text().strip().startswith("3.")
