"""The layers of docs/architecture.md, read from the code's imports (at any depth of a
module, lazy ones included): core imports no app, config names apps only in its URLconf,
tenants imports no app but audit, and no module takes another app's private name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("tenants", "audit", "digests", "policies", "licensing", "sso", "webhooks", "seeds")
PACKAGES = ("config", "core", *APPS)


def imports(package: str) -> list[tuple[str, str, str]]:
    """(file, module, name) for every import in `package` of a module of this project;
    name is empty for `import module`."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(where, alias.name, "") for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found += [(where, node.module, alias.name) for alias in node.names]
    return [(f, m, n) for f, m, n in found if m.split(".")[0] in PACKAGES]


def top(module: str) -> str:
    return module.split(".")[0]


def test_core_imports_no_app_and_not_config():
    assert [i for i in imports("core") if top(i[1]) != "core"] == []


def test_config_names_apps_only_in_its_urlconf():
    outside = [i for i in imports("config") if top(i[1]) in APPS]
    assert {f for f, _, _ in outside} <= {"config/urls.py"}


def test_tenants_imports_no_app_but_audit():
    assert [i for i in imports("tenants") if top(i[1]) in set(APPS) - {"tenants", "audit"}] == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_private_name_of_another_package_is_imported(package):
    taken = [
        (f, m, n)
        for f, m, n in imports(package)
        if top(m) != package
        and (n.startswith("_") or any(part.startswith("_") for part in m.split(".")))
    ]
    assert taken == []
