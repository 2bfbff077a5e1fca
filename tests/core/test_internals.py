"""core.internals: the one module that touches libraries' private names and undocumented
attributes. It fails loudly on a Django or psycopg it was not written for, each caller
steps aside on one, and no such use lives anywhere else."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import django
import psycopg
import pytest
from django.db import connection

from core import internals, statement_cache
from digests import selectors
from digests.models import Digest
from tenants import authentication, rbac
from tenants.context import tenant_context
from tenants.models import Role, Tenant
from tenants.principals import role_permissions
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "core" / "internals.py"

# Private names and undocumented attributes of Django and psycopg the project reads or
# writes: attributes, names imported, or strings given to getattr.
INTERNAL_NAMES = frozenset(
    {
        "_state",
        "fields_cache",
        "pgconn",
        "klass_info",
        "annotation_col_map",
        "get_converters",
        "get_db_converters",
        "get_related_populators",
        "ModelIterable",
        "ModelState",
        "_iterable_class",
        "_prefetch_related_lookups",
        "_known_related_objects",
        "_prefetched_objects_cache",
        "_result_cache",
        "get_compiler",
        "health_check_enabled",
        "health_check_done",
    }
)
# Private names of libraries the project once reached for and now does without (DRF's
# request and paginator caches, social-auth's login): in no module at all.
GIVEN_UP = frozenset({"_request", "_paginator", "_do_login", "_value2member_map_"})


def test_written_for_the_installed_django_and_psycopg():
    """On an upgrade, check core/internals.py against the new release (each use is listed
    in its docstring), then add the version to SUPPORTED_DJANGO or SUPPORTED_PSYCOPG.
    Until then every caller steps aside to the library's public behaviour."""
    installed = (django.VERSION[:2], psycopg.__version__)
    assert internals.WRITTEN_FOR_THESE_VERSIONS, (
        f"core/internals.py was written for Django {internals.SUPPORTED_DJANGO} and psycopg "
        f"{internals.SUPPORTED_PSYCOPG}, not {installed}: until it is checked, its callers "
        "step aside (no kept statements, Django's SELECT 1, psycopg's own BEGIN, ...)"
    )


def _sources():
    """The project's own Python files outside tests and migrations."""
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("migrations", "tests")]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder) / name


def _uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in INTERNAL_NAMES | GIVEN_UP:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom):
            found += [
                (node.lineno, a.name) for a in node.names if a.name in INTERNAL_NAMES | GIVEN_UP
            ]
        elif isinstance(node, ast.Constant) and node.value in INTERNAL_NAMES | GIVEN_UP:
            found.append((node.lineno, node.value))
    return found


def test_library_internals_are_used_only_in_core_internals():
    """A shortcut into Django's or psycopg's internals goes in core/internals.py, pinned
    and listed there, with a public fallback for other versions."""
    assert HOME.exists()
    outside = []
    for path in _sources():
        if path == HOME:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(ROOT)
        outside += [f"{where}:{line}: {name}" for line, name in _uses(tree)]
    assert outside == []


def test_the_scan_finds_what_it_looks_for():
    found = {name for _, name in _uses(ast.parse(HOME.read_text(encoding="utf-8")))}
    missing = INTERNAL_NAMES - found - {"_result_cache"}  # in no module today
    assert missing == set()
    assert found & GIVEN_UP == set()
    sample = 'x._state.db = 1\ngetattr(y, "_prefetched_objects_cache")\nq.get_compiler(c)\n'
    assert {name for _, name in _uses(ast.parse(sample))} == {
        "_state",
        "_prefetched_objects_cache",
        "get_compiler",
    }


# --- On another version, each caller steps aside ---------------------------------------------
# (the health check and begin_with: tests/core/test_db_health_check.py)


@pytest.fixture
def other_versions(monkeypatch):
    monkeypatch.setattr(internals, "WRITTEN_FOR_THESE_VERSIONS", False)


@pytest.fixture
def fresh_caches():
    statement_cache.clear()
    selectors.clear_cache()
    authentication._key_lookup_sql.cache_clear()
    yield
    statement_cache.clear()
    selectors.clear_cache()
    authentication._key_lookup_sql.cache_clear()


def test_reads_go_through_the_orm(world, fresh_caches, other_versions):
    """No statement kept, no visibility condition compiled ahead: the endpoints read
    through the ORM and answer as before."""
    digest = factories.digest(world.acme, title="Tide table")
    assert statement_cache.statement_for("tide", lambda: pytest.fail("built")) is None
    with tenant_context(world.acme):
        page = statement_cache.FirstPage("tide", Digest.objects.all).order_by("-id")[:5]
        assert [d.pk for d in page] == [digest.pk]
        assert internals.compiled_condition(Digest.objects.all(), connection) is None
    client = world.client("viewer")
    listed = client.get("/api/v1/tenants/acme/digests/")
    assert [d["id"] for d in listed.json()["results"]] == [digest.pk]
    assert client.get(f"/api/v1/tenants/acme/digests/{digest.pk}/").json()["title"] == (
        "Tide table"
    )
    assert len(statement_cache._statements) == 0
    assert set(selectors._cache.values()) == {None}  # built the long way


def test_api_keys_are_looked_up_through_the_orm(world, fresh_caches, other_versions):
    made = factories.api_key(world.acme, rbac.VIEWER, name="orm")
    assert authentication._key_lookup_sql(False) is None
    assert authentication.api_key_authenticate(made.token).pk == made.api_key.pk


@pytest.mark.parametrize("written_for", [True, False])
def test_a_copied_instance_has_its_own_state(world, monkeypatch, written_for):
    monkeypatch.setattr(internals, "WRITTEN_FOR_THESE_VERSIONS", written_for)
    with tenant_context(world.acme):
        role = Role.objects.select_related("tenant").get(slug=rbac.VIEWER)
    fresh = internals.copied_instance(role)
    assert fresh is not role and fresh._state is not role._state
    assert (fresh.pk, fresh.name, fresh._state.db, fresh._state.adding) == (
        role.pk,
        role.name,
        "default",
        False,
    )
    # Cached related objects are dropped; copy.copy, on another version, keeps them.
    assert ("tenant" in fresh._state.fields_cache) is not written_for
    assert isinstance(fresh.tenant, Tenant) and fresh.tenant.pk == world.acme.pk


def test_prefetched_permissions_are_queried_again(world, other_versions):
    with tenant_context(world.globex):
        role = Role.objects.prefetch_related("permissions__content_type").get(
            pk=world.globex_role.pk
        )
        assert internals.prefetched(role, "permissions") is None
        assert role_permissions(role) == {"tenants.view_role"}


def test_prefetched_permissions_are_read_where_written_for(world, django_assert_num_queries):
    with tenant_context(world.globex):
        role = Role.objects.prefetch_related("permissions__content_type").get(
            pk=world.globex_role.pk
        )
        assert [p.codename for p in internals.prefetched(role, "permissions")] == ["view_role"]
        with django_assert_num_queries(0):
            assert role_permissions(role) == {"tenants.view_role"}
