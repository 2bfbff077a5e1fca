"""The clients of clients/README.md, built from the committed OpenAPI document the way an
internal app builds them, against a live server: the Python package installed by pip into
a fresh virtualenv, and the TypeScript example type-checked by tsc and run by Node.js.
Both run their example (clients/examples/sync.py, clients/typescript/src/example.ts):
the changes feed page by page, a write with If-Match and a stale one, a JSON export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from digests.models import Digest
from tenants.context import tenant_context
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"
# Fewer than the digests made, so that the examples follow `has_more` over several pages.
PAGE_SIZE = 2


def test_the_committed_document_matches_the_api():
    """The clients are built from this document; after an API change, `make client`."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    current = yaml.safe_load(OpenApiYamlRenderer().render(schema))
    committed = yaml.safe_load((CLIENTS / "openapi.yaml").read_text())
    assert current == committed, "the API changed: run `make client` and commit clients/"


def run(command: list, timeout: float = 600, **kwargs) -> str:
    """A command's output; its output and errors in the failure if it fails."""
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=timeout, **kwargs
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, command))} exited {done.returncode}\n"
        f"--- stdout ---\n{done.stdout[-4000:]}\n--- stderr ---\n{done.stderr[-4000:]}"
    )
    return done.stdout


@pytest.fixture(scope="session")
def python_client(tmp_path_factory) -> Path:
    """The python of a fresh virtualenv into which pip installed the package that
    `make client-python` writes (its dependencies come from PyPI)."""
    where = tmp_path_factory.mktemp("python-client")
    package = where / "python"
    tools = Path(sys.executable).parent  # openapi-python-client, beside this python
    make = ["make", "--no-print-directory", "-C", ROOT, "client-python"]
    run([*make, f"CLIENT_PYTHON={package}", f"BIN={tools}"])
    run([sys.executable, "-m", "venv", where / "venv"])
    python = where / "venv" / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", package])
    return python


@pytest.fixture(scope="session")
def typescript_example(tmp_path_factory) -> Path:
    """clients/typescript beside a copy of the document, its packages installed from the
    lock file, the types generated and the example compiled: a type error fails here."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the TypeScript client needs Node.js 20+ and npm")
    where = tmp_path_factory.mktemp("typescript-client")
    shutil.copy(CLIENTS / "openapi.yaml", where / "openapi.yaml")
    project = where / "typescript"
    shutil.copytree(
        CLIENTS / "typescript",
        project,
        ignore=shutil.ignore_patterns("node_modules", "dist", "schema.d.ts"),
    )
    run([npm, "ci", "--no-audit", "--no-fund"], cwd=project)
    run([npm, "run", "generate"], cwd=project)
    run([npm, "run", "build"], cwd=project)
    return project / "dist" / "example.js"


def run_example(command: list, token: str) -> dict:
    """An example's JSON summary; it sees the token, and no settings of the tests'."""
    env = {"PATH": os.environ["PATH"], "DIGEST_PLATFORM_TOKEN": token}
    return json.loads(run(command, timeout=120, env=env))


def made_for_the_examples(world) -> tuple[list[Digest], str]:
    digests = [factories.digest(world.acme, title=f"Episode {i}") for i in range(5)]
    return digests, factories.api_key(world.acme, "editor", name="sync app").token


def check_what_the_example_did(summary: dict, world, made: list[Digest]) -> None:
    renamed = min(made, key=lambda d: d.pk)
    assert summary["synced"] == {str(d.pk): d.title for d in made}
    assert summary["renamed"] == {"id": renamed.pk, "title": "Episode 0 (revised)"}
    assert summary["stale_write"]["status"] == 412
    assert summary["stale_write"]["code"] == "precondition_failed"
    # Only the renamed digest changed since the kept cursor.
    assert summary["changed_since"] == {str(renamed.pk): "Episode 0 (revised)"}
    assert sorted(summary["exported"]) == sorted(d.pk for d in made)
    with tenant_context(world.acme):
        assert Digest.objects.get(pk=renamed.pk).title == "Episode 0 (revised)"


@pytest.mark.django_db(transaction=True)
def test_an_internal_app_syncs_writes_and_exports_with_the_python_package(
    world, live_server, python_client
):
    made, token = made_for_the_examples(world)
    example = CLIENTS / "examples" / "sync.py"
    command = [python_client, example, live_server.url, "acme", "--page-size", PAGE_SIZE]
    looked = run_example(command, token)  # without --write, it changes nothing
    assert (looked["renamed"], looked["stale_write"], looked["changed_since"]) == (None, None, {})
    assert looked["synced"] == {str(d.pk): d.title for d in made}
    summary = run_example([*command, "--write"], token)
    document = yaml.safe_load((CLIENTS / "openapi.yaml").read_text())
    assert summary["client_version"] == document["info"]["version"]
    check_what_the_example_did(summary, world, made)


@pytest.mark.django_db(transaction=True)
def test_an_internal_app_syncs_writes_and_exports_with_typescript(
    world, live_server, typescript_example
):
    made, token = made_for_the_examples(world)
    summary = run_example(
        ["node", typescript_example, live_server.url, "acme", "--page-size", PAGE_SIZE, "--write"],
        token,
    )
    check_what_the_example_did(summary, world, made)
