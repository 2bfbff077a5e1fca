"""The load_demo command: the demo of seeds/demo.json, loaded idempotently."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

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
