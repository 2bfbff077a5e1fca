"""API keys: created over the API or the command, shown once, stored hashed, used as Bearer."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tenants.context import platform_scope
from tenants.models import ApiKey
from tests import factories
from tests.conftest import SENTINEL
from tests.spies import note_calls

KEYS = "/api/v1/tenants/acme/api-keys/"
MEMBERS = "/api/v1/tenants/acme/members/"
DIGESTS = "/api/v1/tenants/acme/digests/"
PROBLEM = "application/problem+json"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def raw_header(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


def stored_key(pk: int) -> ApiKey:
    with platform_scope():
        return ApiKey.objects.unscoped().get(pk=pk)


def key_count() -> int:
    return len(factories.all_rows(ApiKey))


def create_key(world, role: str = "viewer", name: str = "widget", actor: str = "admin", **extra):
    response = world.client(actor).post(KEYS, {"name": name, "role": role, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response


def assert_unauthorized(response) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["code"] in {"authentication_failed", "not_authenticated"}


# --- Creation over the API --------------------------------------------------------------------


def test_created_key_secret_is_shown_once_and_never_cached(world):
    response = create_key(world, role="auditor", name="Intranet widget")
    body = response.json()

    assert response["Cache-Control"] == "no-store"
    assert body["name"] == "Intranet widget"
    assert body["role"] == "auditor"
    assert body["status"] == "active"
    assert body["created_by"] == "admin@acme.test"
    secret = body["secret"]
    assert secret.startswith(f"dp_{body['prefix']}_")
    assert len(secret) > len(body["prefix"]) + 30

    client = world.client("admin")
    listed = client.get(KEYS)
    assert listed.status_code == 200
    assert [k["id"] for k in listed.json()["results"]] == [body["id"]]
    assert all("secret" not in k for k in listed.json()["results"])
    assert secret.encode() not in listed.content

    retrieved = client.get(f"{KEYS}{body['id']}/")
    assert retrieved.status_code == 200
    assert retrieved.json()["prefix"] == body["prefix"]
    assert "secret" not in retrieved.json()
    assert secret.encode() not in retrieved.content


def test_database_stores_only_the_sha256_of_the_secret(world):
    body = create_key(world).json()
    secret = body["secret"]
    random_part = secret.split("_", 2)[2]

    with platform_scope(), connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{ApiKey._meta.db_table}" WHERE id = %s', [body["id"]])
        row = cursor.fetchone()
    values = [str(value) for value in row if value is not None]

    assert hashlib.sha256(secret.encode()).hexdigest() in values
    assert not any(secret in value for value in values)
    assert not any(random_part in value for value in values)
    # The hash and the responses never leak either.
    listed = world.client("admin").get(KEYS).content.decode()
    assert stored_key(body["id"]).secret_hash not in listed


def test_key_created_with_expiry_reports_it(world):
    expires = timezone.now() + timedelta(days=3)
    body = create_key(world, expires_at=expires.isoformat()).json()
    assert stored_key(body["id"]).expires_at == expires
    assert body["status"] == "active"


def test_key_cannot_be_created_already_expired(world):
    before = key_count()
    response = world.client("admin").post(
        KEYS,
        {"name": "late", "role": "viewer", "expires_at": (timezone.now() - timedelta(minutes=1))},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "expired_on_creation"
    assert key_count() == before


def test_api_key_cannot_hold_the_owner_role(world):
    before = key_count()
    response = world.client("owner").post(KEYS, {"name": "root", "role": "owner"}, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert response.json()["code"] == "owner_key"
    assert key_count() == before


@pytest.mark.parametrize("role", ["editor", "viewer", "compliance", "auditor"])
def test_member_without_add_apikey_cannot_create_keys(world, role):
    before = key_count()
    response = world.client(role).post(KEYS, {"name": "sneaky", "role": "viewer"}, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert key_count() == before


def test_key_cannot_be_given_a_role_with_permissions_the_creator_lacks(world):
    # Admins hold the whole catalogue, so the creator here is a custom key manager.
    key_manager = factories.custom_role(
        world.acme,
        slug="key-manager",
        permissions=["tenants.view_apikey", "tenants.add_apikey"],
    )
    factories.custom_role(world.acme, slug="remover", permissions=["tenants.delete_membership"])
    person = factories.membership(world.acme, key_manager, email="keys@acme.test").user
    client = world.client(user=person)
    before = key_count()

    stronger = client.post(KEYS, {"name": "escalate", "role": "remover"}, format="json")
    assert stronger.status_code == 403, stronger.content
    assert stronger.json()["code"] == "role_exceeds_yours"
    assert "tenants.delete_membership" in stronger.json()["detail"]

    preset_admin = client.post(KEYS, {"name": "escalate", "role": "admin"}, format="json")
    assert preset_admin.status_code == 403, preset_admin.content
    assert preset_admin.json()["code"] == "role_exceeds_yours"
    assert key_count() == before

    # A role within the creator's own permissions is fine.
    allowed = client.post(KEYS, {"name": "fine", "role": "key-manager"}, format="json")
    assert allowed.status_code == 201, allowed.content


def test_role_of_another_tenant_cannot_be_given_to_a_key(world):
    before = key_count()
    response = world.client("admin").post(
        KEYS, {"name": "cross", "role": world.globex_role.slug}, format="json"
    )
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["role"]
    assert SENTINEL.encode() not in response.content
    assert key_count() == before


# --- Bearer authentication --------------------------------------------------------------------


def test_key_authenticates_as_bearer(world):
    secret = create_key(world, role="viewer").json()["secret"]
    response = bearer(secret).get("/api/v1/me")
    assert response.status_code == 200, response.content
    [membership] = response.json()["memberships"]
    assert membership["tenant"]["slug"] == "acme"
    assert membership["role"]["slug"] == "viewer"


def test_viewer_key_is_refused_the_members_list(world):
    secret = create_key(world, role="viewer").json()["secret"]
    response = bearer(secret).get(MEMBERS)
    assert response.status_code == 403, response.content
    assert "tenants.view_membership" in response.json()["detail"]


def test_auditor_key_can_list_api_keys_but_not_create_them(world):
    created = create_key(world, role="auditor").json()
    client = bearer(created["secret"])

    listed = client.get(KEYS)
    assert listed.status_code == 200, listed.content
    assert created["id"] in [k["id"] for k in listed.json()["results"]]

    refused = client.post(KEYS, {"name": "more", "role": "viewer"}, format="json")
    assert refused.status_code == 403, refused.content


def test_key_of_one_tenant_is_not_found_on_another(world):
    acme_secret = create_key(world, role="auditor").json()["secret"]
    for path in ("members/", "api-keys/", "roles/"):
        response = bearer(acme_secret).get(f"/api/v1/tenants/globex/{path}")
        assert response.status_code == 404, (path, response.content)
        assert SENTINEL.encode() not in response.content

    globex_secret = factories.api_key(world.globex, "auditor").token
    assert bearer(globex_secret).get("/api/v1/tenants/globex/api-keys/").status_code == 200
    assert bearer(globex_secret).get(KEYS).status_code == 404


def test_another_tenants_key_cannot_be_seen_or_revoked(world):
    client = world.client("admin")
    assert client.get(f"{KEYS}{world.globex_key.pk}/").status_code == 404
    assert client.delete(f"{KEYS}{world.globex_key.pk}/").status_code == 404
    assert stored_key(world.globex_key.pk).revoked_at is None


def test_wrong_secret_with_a_right_prefix_is_rejected(world):
    body = create_key(world, role="auditor").json()
    forged = f"dp_{body['prefix']}_{'A' * 40}"
    response = bearer(forged).get(KEYS)
    assert_unauthorized(response)
    assert response.json()["code"] == "authentication_failed"
    assert stored_key(body["id"]).last_used_at is None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer two parts",
        "Bearer not-a-key",
        "Bearer dp__secret",
        "Bearer dp_prefixonly",
        "Bearer xx_0123456789_secret",
        "Bearer dp_caf\u00e9_secret",
    ],
)
def test_malformed_authorization_header_is_rejected(world, header):
    assert_unauthorized(raw_header(header).get(KEYS))


def test_request_without_credentials_is_asked_to_authenticate(world):
    assert_unauthorized(APIClient().get(KEYS))


def test_revoked_key_is_rejected_at_once(world):
    body = create_key(world, role="auditor").json()
    client = bearer(body["secret"])
    assert client.get(KEYS).status_code == 200

    revoked = world.client("admin").delete(f"{KEYS}{body['id']}/")
    assert revoked.status_code == 204, revoked.content

    assert_unauthorized(client.get(KEYS))
    row = stored_key(body["id"])
    assert row.revoked_at is not None
    assert row.revoked_by == world.members["admin"]
    listed = world.client("admin").get(f"{KEYS}{body['id']}/").json()
    assert listed["status"] == "revoked"


def test_revoking_twice_keeps_the_first_revocation(world):
    body = create_key(world).json()
    admin = world.client("admin")
    assert admin.delete(f"{KEYS}{body['id']}/").status_code == 204
    first = stored_key(body["id"]).revoked_at
    assert world.client("owner").delete(f"{KEYS}{body['id']}/").status_code == 204
    row = stored_key(body["id"])
    assert row.revoked_at == first
    assert row.revoked_by == world.members["admin"]


def test_expired_key_is_rejected(world):
    created = factories.api_key(
        world.acme, "auditor", expires_at=timezone.now() + timedelta(hours=1)
    )
    client = bearer(created.token)
    assert client.get(KEYS).status_code == 200

    with platform_scope():
        ApiKey.objects.unscoped().filter(pk=created.api_key.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

    assert_unauthorized(client.get(KEYS))
    shown = world.client("admin").get(f"{KEYS}{created.api_key.pk}/").json()
    assert shown["status"] == "expired"


def test_last_used_at_is_recorded_on_use(world):
    body = create_key(world, role="auditor").json()
    assert body["last_used_at"] is None
    assert stored_key(body["id"]).last_used_at is None

    before = timezone.now()
    assert bearer(body["secret"]).get(KEYS).status_code == 200

    used = stored_key(body["id"]).last_used_at
    assert used is not None
    assert before <= used <= timezone.now()
    shown = world.client("admin").get(f"{KEYS}{body['id']}/").json()
    assert shown["last_used_at"] is not None


def test_last_used_at_is_recorded_when_the_request_is_refused(world):
    body = create_key(world, role="viewer").json()
    assert bearer(body["secret"]).get(MEMBERS).status_code == 403
    assert stored_key(body["id"]).last_used_at is not None


# --- The create_api_key command ---------------------------------------------------------------


def run_create_api_key(*args: str) -> str:
    """The command, answering to acme's admin unless `args` name someone."""
    if "--accountable-person" not in args:
        args = (*args, "--accountable-person", "admin@acme.test")
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue()


def test_create_api_key_command_prints_the_secret_alone_on_the_last_line(world):
    output = run_create_api_key("--tenant", "acme", "--role", "auditor", "--name", "Reporting")
    lines = output.strip().splitlines()
    secret = lines[-1]

    assert secret.startswith("dp_")
    assert secret == secret.strip() and " " not in secret
    assert all(secret not in line for line in lines[:-1])

    response = bearer(secret).get(KEYS)
    assert response.status_code == 200, response.content
    [key] = [k for k in response.json()["results"] if k["name"] == "Reporting"]
    assert key["role"] == "auditor"
    assert key["created_by"] is None
    assert key["expires_at"] is None


def test_create_api_key_command_sets_an_expiry(world):
    secret = run_create_api_key(
        "--tenant", "acme", "--role", "viewer", "--name", "temp", "--expires-in-days", "7"
    ).splitlines()[-1]
    with platform_scope():
        key = ApiKey.objects.unscoped().get(prefix=secret.split("_")[1])
    assert key.expires_at is not None
    assert timedelta(days=6) < key.expires_at - timezone.now() <= timedelta(days=7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tenant", "nope", "--role", "viewer", "--name", "x"], "no tenant 'nope'"),
        (["--tenant", "acme", "--role", "ghost", "--name", "x"], "no role 'ghost'"),
        (["--tenant", "acme", "--role", "viewer", "--name", "   "], "--name must not be empty"),
        (["--tenant", "acme", "--role", "owner", "--name", "x"], "owner role"),
        (
            ["--tenant", "acme", "--role", "viewer", "--name", "x", "--expires-in-days", "0"],
            "--expires-in-days",
        ),
    ],
)
def test_create_api_key_command_refuses_bad_input(world, args, message):
    before = key_count()
    with pytest.raises(CommandError) as raised:
        run_create_api_key(*args)
    assert message in str(raised.value)
    assert key_count() == before


def test_create_api_key_command_does_not_use_another_tenants_role(world):
    # globex has a custom role "sentinel-role"; acme does not.
    with pytest.raises(CommandError) as raised:
        run_create_api_key("--tenant", "acme", "--role", "sentinel-role", "--name", "x")
    assert "no role 'sentinel-role'" in str(raised.value)


def test_the_key_lookup_reads_what_the_orm_would(world):
    """`keys_with_prefix` is a hand-written query; it must load key, tenant and role exactly
    as `select_related` does, for every concrete field."""
    from tenants.authentication import keys_with_prefix

    made = factories.api_key(
        world.acme, "editor", name="lookup", expires_at=timezone.now() + timedelta(days=3)
    )
    prefix = made.api_key.prefix
    with platform_scope():
        [found] = keys_with_prefix(prefix)
        [expected] = (
            ApiKey.objects.unscoped().select_related("tenant", "role").filter(prefix=prefix)
        )
        assert keys_with_prefix("no-such-prefix") == []
    for got, want in (
        (found, expected),
        (found.tenant, expected.tenant),
        (found.role, expected.role),
    ):
        for field in type(want)._meta.concrete_fields:
            assert getattr(got, field.attname) == getattr(want, field.attname), field.attname
        assert not got._state.adding
    assert found.role.slug == "editor" and found.tenant.slug == "acme"
    # Read this way, an expiring key still authenticates (its times compare as aware).
    assert bearer(made.token).get(MEMBERS).status_code == 200
    assert bearer(made.token).get(MEMBERS).status_code == 200  # last use recorded, still fine


def test_the_key_lookup_reads_only_the_scope_it_runs_in(world):
    from tenants.authentication import keys_with_prefix
    from tenants.context import TenantNotSet, tenant_context

    made = factories.api_key(world.acme, "viewer", name="scoped lookup")
    prefix = made.api_key.prefix
    with pytest.raises(TenantNotSet):
        keys_with_prefix(prefix)
    with tenant_context(world.globex):
        assert keys_with_prefix(prefix) == []
    with tenant_context(world.acme):
        assert [k.pk for k in keys_with_prefix(prefix)] == [made.api_key.pk]
    with platform_scope():
        assert [k.pk for k in keys_with_prefix(prefix)] == [made.api_key.pk]


@pytest.fixture
def lookups(monkeypatch):
    """The scope of every key lookup: a tenant's slug, or '*' across tenants."""
    from tenants import authentication
    from tenants.context import current_tenant, in_platform_scope

    def scope(found, prefix):
        return "*" if in_platform_scope() else current_tenant().slug

    return note_calls(monkeypatch, authentication, "keys_with_prefix", scope)


def test_a_key_is_looked_up_across_tenants_once_per_request(world, lookups):
    made = factories.api_key(world.acme, "viewer", name="looked up")
    client = bearer(made.token)
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200
    assert client.get("/api/v1/me").status_code == 200  # whatever the URL
    assert lookups == ["*", "*", "*"]


def test_a_key_on_another_tenants_url_is_still_not_found_there(world, lookups):
    globex_key = factories.api_key(world.globex, "viewer", name="globex")
    for _ in range(2):  # not known yet, then known as globex's
        response = bearer(globex_key.token).get(DIGESTS)
        assert response.status_code == 404
        assert SENTINEL.encode() not in response.content
    assert lookups == ["*", "*"]


def test_a_made_up_key_costs_the_same_whatever_the_url_names(world, lookups):
    """Nothing about a tenant is read before authentication, not even through timing: a
    key nobody has used is looked up across tenants, once, whichever slug comes with it."""
    made = factories.api_key(world.acme, "viewer", name="known")
    assert bearer(made.token).get(DIGESTS).status_code == 200
    lookups.clear()
    made_up = "dp_0123456789_not-a-key-of-anyone-here-0123456789abcdef"
    assert_unauthorized(bearer(made_up).get(DIGESTS))
    assert_unauthorized(bearer(made_up).get("/api/v1/tenants/no-such-tenant/digests/"))
    assert lookups == ["*", "*"]
    # A known prefix with a wrong secret: looked up the same way.
    wrong = f"dp_{made.api_key.prefix}_not-the-secret-0123456789abcdef0123"
    assert_unauthorized(bearer(wrong).get(DIGESTS))
    assert lookups == ["*", "*", "*"]


def test_a_prefix_names_one_key_across_tenants(world):
    """Looking in a key's own tenant first is exact only if no other tenant holds its
    token: the database refuses a second key with the prefix, and so does installing."""
    from django.db import IntegrityError, transaction

    from core.exceptions import Conflict
    from tenants.context import tenant_context
    from tenants.services.keys import api_key_install

    made = factories.api_key(world.acme, "viewer", name="shared")
    with tenant_context(world.globex):
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiKey.objects.create(
                name="twin",
                role=factories.role(world.globex, "viewer"),
                prefix=made.api_key.prefix,
                secret_hash=made.api_key.secret_hash,
                accountable_person=world.globex_owner,
            )
        with pytest.raises(Conflict, match="another tenant"):
            api_key_install(
                name="twin",
                role=factories.role(world.globex, "viewer"),
                token=made.token,
                accountable_person=world.globex_owner,
            )
    with tenant_context(world.acme):  # installing it again where it is: idempotent
        again, created = api_key_install(
            name="shared",
            role=factories.role(world.acme, "viewer"),
            token=made.token,
            accountable_person=world.members["owner"],
        )
    assert (again.pk, created) == (made.api_key.pk, False)


def test_a_revoked_key_is_refused_even_where_it_was_found_before(world, lookups):
    made = create_key(world, name="soon revoked").json()
    client = bearer(made["secret"])
    assert client.get(DIGESTS).status_code == 200
    lookups.clear()
    revoked = world.client("admin").delete(f"{KEYS}{made['id']}/")
    assert revoked.status_code == 204, revoked.content
    assert_unauthorized(client.get(DIGESTS))
    assert lookups == ["*"]  # read afresh: revoked


def test_the_migration_to_one_key_per_prefix_stops_on_twins_and_names_them(world):
    """A database holding one token in two tenants (possible before 0005) is not migrated
    half-way: the check names the prefix and nothing changes."""
    import importlib

    from tenants.context import tenant_context

    migration = importlib.import_module("tenants.migrations.0005_apikey_prefix_unique")
    made = factories.api_key(world.acme, "viewer", name="twin")
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("ALTER TABLE tenants_apikey DROP CONSTRAINT apikey_prefix_unique")
    with tenant_context(world.globex):
        ApiKey.objects.create(
            name="twin",
            role=factories.role(world.globex, "viewer"),
            prefix=made.api_key.prefix,
            secret_hash=made.api_key.secret_hash,
            accountable_person=world.globex_owner,
        )
    named = f"{made.api_key.prefix} \\(2 keys\\)"
    with connection.schema_editor(atomic=False) as editor, pytest.raises(RuntimeError, match=named):
        migration.refuse_shared_prefixes(None, editor)
