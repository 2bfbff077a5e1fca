"""Another tenant's object through your tenant's URL is a 404, exactly like a missing id,
and nothing of the other tenant ever appears in a response."""

from __future__ import annotations

import pytest
from django.db import transaction

from audit.models import AuditSink
from digests.models import Digest
from licensing.models import Evidence, License, RightsHolder, Source
from policies.models import Policy
from scim.models import ScimToken
from sso.models import Connection, VerifiedDomain
from tenants import rbac
from tenants.models import ApiKey, Invitation, Membership, Role
from tests.conftest import SENTINEL
from tests.endpoints import body_bytes, tenant_endpoints
from webhooks.models import WebhookDelivery, WebhookEndpoint

ENDPOINTS = tenant_endpoints()


def globex_object(world, model):
    return {
        Membership: world.globex_member,
        Invitation: world.globex_invitation,
        Role: world.globex_role,
        ApiKey: world.globex_key,
        Digest: world.globex_digest,
        Policy: world.globex_policy,
        RightsHolder: world.globex_holder,
        Source: world.globex_source,
        License: world.globex_license,
        Evidence: world.globex_evidence,
        Connection: world.globex_connection,
        VerifiedDomain: world.globex_domain,
        WebhookEndpoint: world.globex_webhook,
        WebhookDelivery: world.globex_delivery,
        ScimToken: world.globex_scim_token,
        AuditSink: world.globex_sink,
    }[model]


def test_other_tenants_ids_are_404_like_missing_ids(world):
    client = world.client("owner")
    for endpoint in [e for e in ENDPOINTS if e.is_detail]:
        foreign = getattr(client, endpoint.method)(
            endpoint.url("acme", globex_object(world, endpoint.model).pk), {}, format="json"
        )
        missing = getattr(client, endpoint.method)(
            endpoint.url("acme", 987654321), {}, format="json"
        )
        assert foreign.status_code == 404, str(endpoint)
        assert foreign.content == missing.content, str(endpoint)
        assert SENTINEL.encode() not in foreign.content


@pytest.mark.parametrize("role", list(rbac.PRESETS))
def test_every_role_gets_the_permission_tables_answer_for_foreign_and_missing_ids(world, role):
    """Role x detail endpoint x {another tenant's id, a missing id}: 403 where the role
    lacks the permission (checked before any lookup), otherwise 404; the two answers are
    byte-identical and never carry the other tenant's sentinel."""
    client = world.client(role)
    mismatches = []
    for endpoint in [e for e in ENDPOINTS if e.is_detail]:
        allowed = endpoint.needed is None or endpoint.needed in rbac.PRESETS[role].permissions
        expected = 404 if allowed else 403
        foreign_pk = globex_object(world, endpoint.model).pk
        answers = []
        for pk in (foreign_pk, 987654321):
            with transaction.atomic():
                response = getattr(client, endpoint.method)(
                    endpoint.url("acme", pk), {}, format="json"
                )
                transaction.set_rollback(True)
            answers.append(response)
        foreign, missing = answers
        if foreign.status_code != expected or foreign.content != missing.content:
            mismatches.append(f"{endpoint}: {foreign.status_code} {foreign.content[:120]!r}")
        if SENTINEL.encode() in foreign.content:
            mismatches.append(f"{endpoint}: the sentinel leaked")
    assert not mismatches, "\n".join(mismatches)


def test_sentinel_never_appears_in_any_acme_response(world):
    client = world.client("owner")
    for endpoint in [e for e in ENDPOINTS if e.method == "get"]:
        pk = globex_object(world, endpoint.model).pk if endpoint.is_detail else None
        url = endpoint.url("acme", pk)
        content = body_bytes(client.get(url))
        assert SENTINEL.encode() not in content, str(endpoint)
        assert SENTINEL.lower().encode() not in content, str(endpoint)
    me = client.get("/api/v1/me")
    assert SENTINEL.encode() not in me.content


def test_other_tenants_objects_are_untouched_by_writes_through_acme(world):
    client = world.client("owner")
    client.delete(f"/api/v1/tenants/acme/members/{world.globex_member.pk}/")
    client.delete(f"/api/v1/tenants/acme/roles/{world.globex_role.pk}/")
    client.delete(f"/api/v1/tenants/acme/api-keys/{world.globex_key.pk}/")
    client.patch(
        f"/api/v1/tenants/acme/roles/{world.globex_role.pk}/", {"name": "hijacked"}, format="json"
    )
    world.globex_role.refresh_from_db()
    world.globex_key.refresh_from_db()
    assert world.globex_role.name == SENTINEL
    assert world.globex_key.revoked_at is None
    assert Membership._base_manager.filter(pk=world.globex_member.pk).exists()


def test_roles_of_another_tenant_cannot_be_assigned(world):
    """A role is looked up in the current tenant only, even when named by slug."""
    client = world.client("owner")
    response = client.post(
        "/api/v1/tenants/acme/members/",
        {"email": "new@acme.test", "role": world.globex_role.slug},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "role"
