"""Operator commands: create_tenant and the idempotent load_demo."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tenants import rbac
from tenants.context import tenant_context
from tenants.models import ApiKey, Membership, Role, Tenant, User
from tests import factories

DEMO = json.loads((settings.BASE_DIR / "seeds" / "demo.json").read_text(encoding="utf-8"))


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- create_tenant ----------------------------------------------------------------------------


def test_create_tenant_makes_the_preset_roles_and_the_owner(db):
    output = run("create_tenant", "initech", "--name", " Initech ", "--owner", "Boss@Initech.test")
    assert "Created tenant initech with owner Boss@Initech.test" in output

    tenant = Tenant.objects.get(slug="initech")
    assert tenant.name == "Initech"
    assert tenant.is_active
    with tenant_context(tenant):
        roles = list(Role.objects.all())
        [membership] = Membership.objects.select_related("user", "role")
    assert sorted(r.slug for r in roles) == sorted(rbac.PRESETS)
    assert len(roles) == 6
    assert all(r.preset for r in roles)
    assert membership.role.slug == rbac.OWNER
    assert membership.user.email == "boss@initech.test"
    assert membership.user.groups.filter(pk=membership.role.group_id).exists()

    # The owner can use the tenant straight away.
    client = APIClient()
    client.force_login(membership.user)
    response = client.get("/api/v1/tenants/initech/members/")
    assert response.status_code == 200, response.content
    assert [m["user"]["email"] for m in response.json()["results"]] == ["boss@initech.test"]


def test_create_tenant_without_owner_has_roles_and_no_members(db):
    output = run("create_tenant", "hooli", "--name", "Hooli")
    assert "Created tenant hooli." in output
    tenant = Tenant.objects.get(slug="hooli")
    with tenant_context(tenant):
        assert Role.objects.filter(preset=True).count() == len(rbac.PRESETS)
        assert not Membership.objects.exists()


def test_create_tenant_reuses_an_existing_user_as_owner(db):
    existing = factories.UserFactory(email="shared@example.test")
    run("create_tenant", "one", "--name", "One", "--owner", "SHARED@example.test")
    assert User.objects.filter(email__iexact="shared@example.test").count() == 1
    with tenant_context(Tenant.objects.get(slug="one")):
        assert Membership.objects.get().user == existing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad_Slug", "--name", "Bad"], "slug 'Bad_Slug'"),
        (["UPPER", "--name", "Bad"], "slug 'UPPER'"),
        (["trail-", "--name", "Bad"], "lowercase letters, digits and hyphens"),
        (["x" * 51, "--name", "Long"], "1 to 50"),
        (["blank", "--name", "   "], "--name must not be empty"),
        (["mail", "--name", "Mail", "--owner", "not-an-email"], "'not-an-email' is not an email"),
        (["mail", "--name", "Mail", "--owner", "a@b@c"], "--owner"),
    ],
)
def test_create_tenant_refuses_bad_input(db, args, message):
    with pytest.raises(CommandError) as raised:
        run("create_tenant", *args)
    assert message in str(raised.value)
    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_create_tenant_refuses_a_duplicate_slug(db):
    run("create_tenant", "acme", "--name", "Acme", "--owner", "first@acme.test")
    with pytest.raises(CommandError) as raised:
        run("create_tenant", "acme", "--name", "Another Acme", "--owner", "second@acme.test")
    assert "a tenant with slug 'acme' already exists" in str(raised.value)

    assert Tenant.objects.get(slug="acme").name == "Acme"
    assert not User.objects.filter(email="second@acme.test").exists()
    with tenant_context(Tenant.objects.get(slug="acme")):
        assert Role.objects.count() == len(rbac.PRESETS)
        assert Membership.objects.get().user.email == "first@acme.test"


def test_create_tenant_refuses_a_too_long_name_with_a_clear_message(db):
    with pytest.raises(CommandError) as raised:
        run("create_tenant", "longname", "--name", "n" * 201)
    assert "name" in str(raised.value)


# --- load_demo --------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    return {
        "tenants": Tenant.objects.count(),
        "users": User.objects.count(),
        "groups": Group.objects.count(),
        "memberships": len(factories.all_rows(Membership)),
        "roles": len(factories.all_rows(Role)),
        "api_keys": len(factories.all_rows(ApiKey)),
    }


def demo_key(tenant_slug: str) -> dict:
    [spec] = [t for t in DEMO["tenants"] if t["slug"] == tenant_slug]
    return spec["api_keys"][0]


def test_load_demo_is_idempotent(db):
    first = run("load_demo", "--quiet-credentials")
    after_first = row_counts()
    second = run("load_demo", "--quiet-credentials")

    assert "Demo data: 0 new records" not in first
    assert after_first["tenants"] == len(DEMO["tenants"])
    assert after_first["api_keys"] == sum(len(t["api_keys"]) for t in DEMO["tenants"])
    assert after_first["memberships"] == sum(len(t["members"]) for t in DEMO["tenants"])
    assert "Demo data: 0 new records" in second
    assert row_counts() == after_first


def test_load_demo_keeps_changes_made_since_the_first_run(db):
    run("load_demo", "--quiet-credentials")
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        viewer = Membership.objects.get(user__email="viewer@acme.example")
        viewer.role = Role.objects.get(slug="editor")
        viewer.save()
    run("load_demo", "--quiet-credentials")
    with tenant_context(acme):
        assert Membership.objects.get(user__email="viewer@acme.example").role.slug == "editor"


def test_load_demo_leaves_the_demo_digests_as_they_were_changed(db):
    """A second `make run` must not re-import the samples over a person's edits; a
    sample that was deleted comes back."""
    from digests import services as digest_services
    from digests.models import Digest

    run("load_demo", "--quiet-credentials")
    acme = Tenant.objects.get(slug="acme")
    with tenant_context(acme):
        edited = Digest.objects.get(title="Keeping Vaccines Cold on the Last Mile")
        digest_services.digest_update(
            actor=None,
            digest=edited,
            data={"title": "Cold Chains, Revised", "summary": "Rewritten by an editor."},
        )
        digest_services.digest_transition(actor=None, digest=edited, to=Digest.Status.ARCHIVED)
        deleted = Digest.objects.get(title="Pressing Traps and the Return of the Back Three")
        digest_services.digest_delete(actor=None, digest=deleted)
        count = Digest.objects.count()

    second = run("load_demo", "--quiet-credentials")

    assert "Demo data: 1 new records" in second
    with tenant_context(acme):
        edited.refresh_from_db()
        assert (edited.title, edited.summary, edited.status) == (
            "Cold Chains, Revised",
            "Rewritten by an editor.",
            Digest.Status.ARCHIVED,
        )
        back = Digest.objects.get(title="Pressing Traps and the Return of the Back Three")
        assert back.status == Digest.Status.PUBLISHED and back.topics == ["sport"]
        assert Digest.objects.count() == count + 1


def test_load_demo_api_key_authenticates(db):
    run("load_demo", "--quiet-credentials")
    key = demo_key("acme")

    response = bearer(key["secret"]).get("/api/v1/me")
    assert response.status_code == 200, response.content
    [membership] = response.json()["memberships"]
    assert membership["tenant"]["slug"] == "acme"
    assert membership["role"]["slug"] == key["role"]


def test_load_demo_keys_stay_within_their_tenant(db):
    run("load_demo", "--quiet-credentials")
    globex = demo_key("globex")
    assert globex["role"] == "auditor"
    client = bearer(globex["secret"])
    assert client.get("/api/v1/tenants/globex/api-keys/").status_code == 200
    assert client.get("/api/v1/tenants/acme/api-keys/").status_code == 404


def test_load_demo_stores_no_plain_secret(db):
    run("load_demo", "--quiet-credentials")
    secrets_in_file = {t["api_keys"][0]["secret"] for t in DEMO["tenants"]}
    for key in factories.all_rows(ApiKey):
        assert key.secret_hash not in secrets_in_file
        assert all(secret not in key.secret_hash for secret in secrets_in_file)


def test_load_demo_users_sign_in_with_the_demo_password(db):
    run("load_demo", "--quiet-credentials")
    client = APIClient()
    assert client.login(email="admin@acme.example", password=DEMO["password"])
    assert client.get("/api/v1/tenants/acme/members/").status_code == 200
    operator = User.objects.get(email="operator@platform.example")
    assert operator.is_staff and operator.is_superuser


def test_load_demo_prints_credentials_unless_asked_not_to(db):
    loud = run("load_demo")
    assert demo_key("acme")["secret"] in loud
    quiet = run("load_demo", "--quiet-credentials")
    assert demo_key("acme")["secret"] not in quiet


def test_load_demo_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError) as raised:
        run("load_demo", "--file", str(tmp_path / "absent.json"))
    assert "no such file" in str(raised.value)
    assert not Tenant.objects.exists()


def test_load_demo_refuses_a_malformed_file_and_writes_nothing(db, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"password": "x", "tenants": [{"slug": "half", "name": "Half"}]}))
    with pytest.raises(CommandError) as raised:
        run("load_demo", "--file", str(broken))
    assert "missing or malformed entry" in str(raised.value)
    assert not Tenant.objects.exists()
