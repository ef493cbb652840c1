"""Every import runs down (issue 11 item 16): a module imports only from its own layer or
the layers below it, so the tree reads top to bottom as docs/architecture.md draws it."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "openlifter"

# Highest first. A module may import its own layer and any layer after it.
LAYERS = [
    {"cli", "__main__", "meets_cli", "upload", "publish", "client"},  # commands
    {"app", "server"},  # wiring: make_app and the running server
    {"handlers", "httpserver", "watching", "metrics", "logsetup", "gcpolicy"},  # Tornado and operations glue
    {"protocol"},  # frames, one handler per msgType
    {"views"},  # pages, feeds, publishers
    {"rules"},  # OpenLifter's rules (pure)
    {"meet"},  # a meet in memory, the registry
    {"storage", "auth"},  # the MeetStore and its file backend; secrets and passwords
    {"config"},  # every option
]


def layer_of(module: str) -> int:
    top = module.split(".")[1] if module.startswith("openlifter.") else module
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to docs/architecture.md")


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("openlifter"):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("openlifter")]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts and "static" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_every_import_runs_down(path):
    module = "openlifter." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    if module == "openlifter.__init__":
        return  # the package itself holds nothing
    own = layer_of(module)
    upward = [name for name in imports(path) if name != "openlifter" and layer_of(name) < own]
    assert not upward, f"{module} (layer {own}) imports from a layer above it: {upward}"
