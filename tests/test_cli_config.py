"""Configuration and the command line (SPEC section 5): defaults < config file (TOML, YAML
or JSON) < OPENLIFTER_* environment (and PORT) < flags; a bad value or unknown key stops
start-up with one clear line naming the key; --help lists every option; the admin token
is never echoed.

Most tests call ``load_config(argv, environ)`` directly; the start-up behaviour is checked
on the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from openlifter.config import FIELDS, Config, ConfigError, load_config
from support import free_port

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cret-admin-token-XYZ"


def write_config(tmp_path: Path, suffix: str, values: dict[str, Any]) -> Path:
    path = tmp_path / f"openlifter{suffix}"
    if suffix == ".toml":
        lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
        path.write_text("\n".join(lines) + "\n")
    elif suffix in (".yaml", ".yml"):
        path.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in values.items()))
    else:
        path.write_text(json.dumps(values))
    return path


def clean_environ(**extra: str) -> dict[str, str]:
    """The test process's environment without any OpenLifter setting, plus ``extra``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OPENLIFTER_") and k != "PORT"}
    environ.update(extra)
    return environ


def run_command(*args: str, timeout: float = 15, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openlifter", *args],
        env=clean_environ(**env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# ---- precedence ------------------------------------------------------------------------


def test_with_nothing_set_the_defaults_apply():
    config = load_config([], {})
    assert config == Config()
    assert (config.host, config.port, config.data_dir) == ("127.0.0.1", 8080, "./data")


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".yml", ".json"])
def test_a_config_file_of_each_format_overrides_the_defaults(tmp_path, suffix):
    path = write_config(tmp_path, suffix, {"port": 9001, "log_level": "DEBUG", "recovery_wait_seconds": 2, "allowed_origins": ["https://a.example"]})
    config = load_config(["--config", str(path)], {})
    assert (config.port, config.log_level, config.recovery_wait_seconds, config.allowed_origins) == (9001, "DEBUG", 2.0, ["https://a.example"])
    assert config.host == "127.0.0.1"  # what the file does not set keeps its default


def test_a_config_file_may_spell_keys_with_dashes(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('data-dir = "/srv/meets"\n')
    assert load_config(["--config", str(path)], {}).data_dir == "/srv/meets"


def test_openlifter_config_in_the_environment_names_the_file(tmp_path):
    path = write_config(tmp_path, ".json", {"port": 9002})
    assert load_config([], {"OPENLIFTER_CONFIG": str(path)}).port == 9002


LEVELS = {
    "default": ([], {}, 8080),
    "file over default": (["FILE"], {}, 9001),
    "environment over file": (["FILE"], {"OPENLIFTER_PORT": "9002"}, 9002),
    "flag over environment": (["FILE", "--port", "9003"], {"OPENLIFTER_PORT": "9002"}, 9003),
    "flag over file": (["FILE", "--port", "9003"], {}, 9003),
}


@pytest.mark.parametrize("argv, environ, port", LEVELS.values(), ids=LEVELS.keys())
def test_precedence_is_defaults_then_file_then_environment_then_flags(tmp_path, argv, environ, port):
    path = write_config(tmp_path, ".toml", {"port": 9001})
    argv = [arg for a in argv for arg in (["--config", str(path)] if a == "FILE" else [a])]
    assert load_config(argv, environ).port == port


def test_each_level_overrides_only_the_keys_it_sets(tmp_path):
    path = write_config(tmp_path, ".yaml", {"host": "0.0.0.0", "port": 9001, "log_level": "DEBUG"})
    config = load_config(["--config", str(path), "--log-level", "ERROR"], {"OPENLIFTER_PORT": "9002"})
    assert (config.host, config.port, config.log_level, config.data_dir) == ("0.0.0.0", 9002, "ERROR", "./data")


def test_environment_text_is_parsed_to_each_option_type():
    config = load_config(
        [],
        {
            "OPENLIFTER_MAX_MEETS": "7",
            "OPENLIFTER_RECOVERY_WAIT_SECONDS": "0.5",
            "OPENLIFTER_ALLOWED_ORIGINS": "https://a.example, https://b.example",
            "OPENLIFTER_DATA_DIR": "/srv/data",
        },
    )
    assert (config.max_meets, config.recovery_wait_seconds, config.allowed_origins, config.data_dir) == (
        7,
        0.5,
        ["https://a.example", "https://b.example"],
        "/srv/data",
    )


def test_port_is_honoured_for_procfile_deploys():
    assert load_config([], {"PORT": "5000"}).port == 5000


def test_openlifter_port_and_the_port_flag_both_beat_port():
    assert load_config([], {"PORT": "5000", "OPENLIFTER_PORT": "5001"}).port == 5001
    assert load_config(["--port", "5002"], {"PORT": "5000"}).port == 5002


def test_the_shipped_default_toml_holds_every_option_at_its_default():
    path = REPO / "config" / "default.toml"
    assert load_config(["--config", str(path)], {}) == Config()
    import tomllib

    assert set(tomllib.loads(path.read_text())) == set(FIELDS)


# ---- bad values stop with one clear line -----------------------------------------------


BAD = {
    "flag not a number": (["--port", "nope"], {}, None, "'port'"),
    "flag out of range": (["--bcrypt-rounds", "99"], {}, None, "'bcrypt_rounds'"),
    "environment not a number": ([], {"OPENLIFTER_MAX_MEETS": "many"}, None, "'max_meets'"),
    "environment not positive": ([], {"OPENLIFTER_PULL_PAGE_SIZE": "0"}, None, "'pull_page_size'"),
    "environment NaN float": ([], {"OPENLIFTER_RECOVERY_WAIT_SECONDS": "nan"}, None, "'recovery_wait_seconds'"),
    "PORT not a number": ([], {"PORT": "http"}, None, "'port'"),
    "file wrong type": ([], {}, ("toml", 'port = "8080"\n'), "'port'"),
    "file bad choice": ([], {}, ("yaml", "log_level: LOUD\n"), "'log_level'"),
    "file bad base url": ([], {}, ("json", '{"base_url": "live"}'), "'base_url'"),
    "file unknown key": ([], {}, ("toml", "prot = 8080\n"), "'prot': unknown option"),
    "file float for an int": ([], {}, ("json", '{"max_meets": 1.5}'), "'max_meets'"),
    "file boolean for an int": ([], {}, ("yaml", "max_meets: true\n"), "'max_meets'"),
}


@pytest.mark.parametrize("argv, environ, file, named", BAD.values(), ids=BAD.keys())
def test_a_bad_value_or_unknown_key_raises_config_error_naming_the_key(tmp_path, argv, environ, file, named):
    if file:
        path = tmp_path / f"c.{file[0]}"
        path.write_text(file[1])
        argv = ["--config", str(path), *argv]
    with pytest.raises(ConfigError) as error:
        load_config(argv, environ)
    message = str(error.value)
    assert named in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "name, text, says",
    [("c.toml", "port = = 1\n", "not valid TOML"), ("c.yaml", "port: [\n", "not valid YAML"), ("c.json", "{", "not valid JSON"), ("c.ini", "port=1", "unknown extension")],
)
def test_an_unreadable_config_file_raises_config_error_naming_the_file(tmp_path, name, text, says):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(["--config", str(path)], {})
    assert str(path) in str(error.value) and says in str(error.value)


def test_a_missing_config_file_raises_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(["--config", str(tmp_path / "absent.toml")], {})


def test_the_command_with_a_bad_flag_value_stops_with_one_line_naming_the_key():
    result = run_command("--port", "nope")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "'port'" in lines[0] and "nope" in lines[0]


def test_the_command_with_an_unknown_key_in_its_config_file_stops_with_one_line_naming_it(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("port: 8080\nmax_meetz: 3\n")
    result = run_command("--config", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["openlifter-server: config key 'max_meetz': unknown option"]


def test_the_command_with_an_unknown_flag_stops_naming_it():
    result = run_command("--max-meetz", "3")
    assert result.returncode == 2
    assert "--max-meetz" in result.stderr.strip().splitlines()[-1]


# ---- help ------------------------------------------------------------------------------


def test_help_lists_every_option_with_its_help_text():
    result = run_command("--help", COLUMNS="1000")
    assert result.returncode == 0
    for name, field in FIELDS.items():
        assert f"--{name.replace('_', '-')} " in result.stdout, name
        assert field.metadata["help"] in result.stdout, name
    assert "--config FILE" in result.stdout
    assert "defaults < --config file < OPENLIFTER_* environment < flags" in result.stdout


# ---- the admin token is a secret -------------------------------------------------------


def test_the_admin_token_never_appears_in_error_output(tmp_path):
    flag = run_command("--admin-token", SECRET, "--port", "nope")
    env = run_command("--bcrypt-rounds", "3", OPENLIFTER_ADMIN_TOKEN=SECRET)
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"admin_token": SECRET, "max_meets": "lots"}))
    in_file = run_command("--config", str(path))
    for result in (flag, env, in_file):
        assert result.returncode == 2
        assert SECRET not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "name, text",
    [
        ("c.yaml", f'port: 8080\nadmin_token: "{SECRET}\n'),
        ("c.yml", f"admin_token: {SECRET}: x\n"),
        ("c.toml", f'port = 8080\nadmin_token = "{SECRET}\n'),
        ("c.json", f'{{"admin_token": "{SECRET}'),
    ],
    ids=["yaml unterminated quote", "yaml stray colon", "toml", "json"],
)
def test_a_config_file_that_does_not_parse_stops_with_one_line_that_does_not_quote_it(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    result = run_command("--config", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and "line" in lines[0]
    assert SECRET not in result.stderr


def test_a_mistyped_admin_token_is_named_but_not_shown(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("admin_token: 123456789\n")
    with pytest.raises(ConfigError) as error:
        load_config(["--config", str(path)], {})
    assert "'admin_token'" in str(error.value)
    assert "123456789" not in str(error.value)


def test_help_does_not_show_an_admin_token_from_the_environment():
    result = run_command("--help", OPENLIFTER_ADMIN_TOKEN=SECRET)
    assert SECRET not in result.stdout


# ---- the real command honours PORT -----------------------------------------------------


def test_the_command_listens_on_port_from_the_environment(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "openlifter", "--data-dir", str(tmp_path / "data"), "--bcrypt-rounds", "4"],
        env=clean_environ(PORT=str(port), OPENLIFTER_LOG_FORMAT="json"),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not listen on $PORT"
                time.sleep(0.05)
    finally:
        process.terminate()
        assert process.wait(10) == 0



# ---- rough edges (issue 11 item 10) ------------------------------------------------------


@pytest.mark.parametrize("where", ["flag", "environment", "file"])
def test_the_log_level_is_accepted_in_any_case(tmp_path, where):
    argv, environ = [], {}
    if where == "flag":
        argv = ["--log-level", "info"]
    elif where == "environment":
        environ = {"OPENLIFTER_LOG_LEVEL": "Debug"}
    else:
        argv = ["--config", str(write_config(tmp_path, ".toml", {"log_level": "warning"}))]
    assert load_config(argv, environ).log_level in ("INFO", "DEBUG", "WARNING")


def test_an_unknown_openlifter_environment_variable_is_refused_with_a_suggestion():
    with pytest.raises(ConfigError) as refused:
        load_config([], {"OPENLIFTER_PROT": "9000"})
    assert "'OPENLIFTER_PROT': unknown option" in str(refused.value)
    assert "OPENLIFTER_PORT" in str(refused.value)


def test_the_tools_own_environment_variables_are_not_options():
    load_config([], {"OPENLIFTER_MEET_PASSWORD": "x", "OPENLIFTER_CONFIG": ""})


def test_a_ping_timeout_above_the_interval_is_refused_naming_both():
    with pytest.raises(ConfigError, match="ws_ping_timeout.*ws_ping_interval"):
        load_config(["--ws-ping-interval", "10", "--ws-ping-timeout", "30"], {})
    assert load_config(["--ws-ping-interval", "0", "--ws-ping-timeout", "30"], {}).ws_ping_timeout == 30


def test_a_tls_certificate_without_its_key_is_refused():
    with pytest.raises(ConfigError, match="tls_cert.*tls_key"):
        load_config(["--tls-cert", "cert.pem"], {})


def test_help_names_each_value_by_what_it_is():
    result = run_command("--help", COLUMNS="1000")
    import re

    assert not re.search(r"--[\w-]+ (MEET|HEADERS|ORIGINS|URL)\b", result.stdout)
    for expected in ("--port N", "--data-dir DIR", "--trust-proxy-headers true|false", "--recovery-wait-seconds SECONDS", "OPENLIFTER_CONFIG"):
        assert expected in result.stdout


def test_version_prints_the_package_version():
    import importlib.metadata

    result = run_command("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"openlifter-server {importlib.metadata.version('openlifter-live')}"


@pytest.mark.slow
def test_with_port_0_start_up_names_the_bound_port_and_the_url_to_open(tmp_path):
    log = tmp_path / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "openlifter", "--port", "0", "--data-dir", str(tmp_path / "data"), "--log-format", "json"],
            env=clean_environ(), cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 15
        while "in a browser" not in log.read_text():
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(10)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    port = next(r["port"] for r in records if r["message"] == "listening")
    assert port != 0
    assert f"Open http://127.0.0.1:{port}/ in a browser" in [r["message"] for r in records]
    with socket.socket() as probe:  # the port was really the bound one (free again now)
        probe.bind(("127.0.0.1", port))
