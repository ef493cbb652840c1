"""The browser refuses exactly the keys the server refuses, with the server's default limits
(static/js/live/keys.js against openlifter/meet/keys.py and openlifter/config.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from openlifter.config import build_config
from openlifter.meet.keys import InvalidKey, parse_key

ROOT = Path(__file__).resolve().parents[2]
KEYS_JS = ROOT / "static" / "js" / "live" / "keys.js"
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

SAMPLES = [
    "meet", "meet.name", "registration.entries[3].squatKg[0]", "a[0][1].b", "$x-y_z", "__proto__.a",
    "", ".a", "a.", "a..b", "a[01]", "a[-1]", "a[]", "a b", "a[1]b", "a.[1]", "é", "a[100000]", "a[100001]",
    "x" * 512, "x" * 513, "live.lifting.d1p2", ".".join(["a"] * 32), ".".join(["a"] * 33), "a" + "[0]" * 40,
]


def node_eval(script: str) -> object:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30, check=True, cwd=ROOT)
    return json.loads(done.stdout)


def python_parse(key: str) -> list | None:
    try:
        return list(parse_key(key))
    except InvalidKey:
        return None


def test_keys_parse_and_fail_alike_in_the_browser_and_on_the_server():
    script = f"""
    import {{ parseKey }} from {json.dumps(KEYS_JS.as_uri())};
    const out = {json.dumps(SAMPLES)}.map((key) => {{ try {{ return parseKey(key); }} catch {{ return null; }} }});
    console.log(JSON.stringify(out));
    """
    assert node_eval(script) == [python_parse(key) for key in SAMPLES]


def test_the_browser_default_limits_are_the_server_defaults():
    limits = node_eval(f"import {{ DEFAULT_LIMITS }} from {json.dumps(KEYS_JS.as_uri())}; console.log(JSON.stringify(DEFAULT_LIMITS));")
    config = build_config({})
    assert limits == {
        "maxKeyLength": config.max_key_length,
        "maxKeyIndex": config.max_key_index,
        "maxValueBytes": config.max_value_bytes,
        "maxKeySegments": config.max_key_segments,
        "maxValueDepth": config.max_value_depth,
        "maxUpdatesPerBatch": config.max_updates_per_batch,
        "maxMessageBytes": config.max_message_bytes,
    }
