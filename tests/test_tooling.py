"""The README's test command lints and type-checks the whole tree before the tests."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_scripts_test_runs_ruff_and_mypy_before_pytest():
    lines = (REPO / "scripts" / "test").read_text().splitlines()
    steps = [i for i, line in enumerate(lines) if line.startswith((".venv/bin/ruff check", ".venv/bin/mypy", "exec .venv/bin/python -m pytest"))]
    assert [lines[i].split()[0] for i in steps] == [".venv/bin/ruff", ".venv/bin/mypy", "exec"]


def test_ruff_and_mypy_are_configured_for_the_whole_tree():
    import tomllib

    tools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]
    assert tools["ruff"]["lint"]["select"]
    assert set(tools["mypy"]["files"]) == {"openlifter", "tests", "bench"}
