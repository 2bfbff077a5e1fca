"""The layers of docs/architecture.md, read from the code's imports (at any depth of a
module, lazy ones included): core imports no app, config names apps only in its URLconf,
only the URLconf names the console, tenants imports no app but audit, no module takes
another app's private name, only endpoints import endpoints, and no modules import each
other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "tenants",
    "audit",
    "digests",
    "policies",
    "licensing",
    "sso",
    "webhooks",
    "scim",
    "seeds",
    "accounts",
    "console",
)
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


def test_only_the_urlconf_names_the_console():
    """The console is the top layer: pages over the other apps' API views."""
    naming = {f for package in PACKAGES for f, m, _ in imports(package) if top(m) == "console"}
    assert {f for f in naming if not f.startswith("console/")} <= {"config/urls.py"}


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


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_graph() -> dict[str, set[str]]:
    """Each module of the project (migrations aside) and the project modules it imports,
    lazily or not; imports only for type checkers (`if TYPE_CHECKING:`) do not count."""
    paths = {
        _module_of(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }
    graph = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        named = []
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                named += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                named += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        found = set()
        for name in named:
            while name and name not in paths:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
        graph[module] = found
    return graph


def test_no_modules_import_each_other_in_a_circle():
    graph = module_graph()
    circles, state = [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                circles.append([*path[path.index(other) :], other])
            elif other not in state:
                visit(other, [*path, other])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == []


ENDPOINTS = ("api", "api_base", "views", "urls", "sync_api", "api_urls")


def test_only_endpoints_import_endpoints():
    """Models, selectors, services and tasks never depend on a view: what a view needs
    from another app's endpoints (its base class) is an endpoint's own business."""

    def is_endpoint(module: str) -> bool:
        return module.rpartition(".")[2] in ENDPOINTS or module == "config.urls"

    taken = [
        (module, other)
        for module, others in module_graph().items()
        if not is_endpoint(module)
        for other in others
        if is_endpoint(other)
    ]
    assert taken == []
