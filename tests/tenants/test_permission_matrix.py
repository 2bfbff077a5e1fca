"""Every tenant endpoint x method x preset role, compared with the permission table.

The table is each view's `permission_map` plus the preset roles in `tenants.rbac`;
this test derives the expected answer from them and checks what the API really does.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from audit.models import AuditSink
from digests.models import Digest
from licensing.models import Evidence, License, RightsHolder, Source
from policies.models import Policy
from scim.models import ScimToken
from sso.models import Connection, VerifiedDomain
from tenants import rbac
from tenants.context import tenant_context
from tenants.models import ApiKey, Invitation, Membership, Role
from tests import factories
from tests.endpoints import body_bytes, tenant_endpoints
from webhooks.models import WebhookDelivery, WebhookEndpoint

ENDPOINTS = tenant_endpoints()


def own_target(world, model):
    """An object in acme that every role may act on once the permission check passes."""
    if model is Membership:
        return factories.membership(
            world.acme, factories.role(world.acme, rbac.VIEWER), email="target@acme.test"
        )
    if model is Invitation:
        return factories.invitation(world.acme, rbac.VIEWER, "invited-target@acme.test")
    if model is Role:
        return factories.custom_role(world.acme, slug="target-role", permissions=[])
    if model is ApiKey:
        return factories.api_key(world.acme, rbac.VIEWER, name="target key").api_key
    if model is Digest:
        return factories.digest(world.acme, title="Target digest")
    if model is Policy:
        return factories.policy(world.acme, name="Target policy", publish=True)
    if model is RightsHolder:
        return factories.rights_holder(world.acme, name="Target holder")
    if model is Source:
        return factories.source(world.acme, title="Target source")
    if model is License:
        return factories.license(world.acme, source=factories.source(world.acme))
    if model is Evidence:
        return factories.evidence(
            world.acme, factories.license(world.acme, source=factories.source(world.acme))
        )
    if model is Connection:
        return factories.sso_connection(world.acme, name="Target connection")
    if model is VerifiedDomain:
        return factories.sso_domain(world.acme, "target.acme.test", verified=False)
    if model is WebhookEndpoint:
        return factories.webhook(world.acme, url="http://127.0.0.1:9/target")
    if model is ScimToken:
        return factories.scim_token(world.acme, name="Target token")
    if model is WebhookDelivery:
        endpoint = factories.webhook(world.acme, url="http://127.0.0.1:9/deliveries")
        return factories.webhook_delivery(world.acme, endpoint)
    if model is AuditSink:
        return factories.audit_sink(world.acme, name="Target sink")
    raise AssertionError(f"add a target builder for {model.__name__} to the matrix tests")


def test_the_matrix_covers_every_tenant_view():
    views = {e.view_class.__name__ for e in ENDPOINTS}
    assert {
        "MemberViewSet",
        "InvitationViewSet",
        "RoleViewSet",
        "ApiKeyViewSet",
        "PermissionViewSet",
        "DigestViewSet",
        "DigestImportViewSet",
        "AuditEventViewSet",
        "PolicyViewSet",
        "PolicyInsightViewSet",
        "RightsHolderViewSet",
        "SourceViewSet",
        "LicenseViewSet",
        "EvidenceViewSet",
        "DigestSourcesViewSet",
        "ComplianceReportViewSet",
        "ConnectionViewSet",
        "DomainViewSet",
        "SsoSettingsViewSet",
        "DigestChangesViewSet",
        "DigestExportViewSet",
        "WebhookViewSet",
        "WebhookDeliveryViewSet",
        "ScimTokenViewSet",
        "AuditSinkViewSet",
    } <= views
    for endpoint in ENDPOINTS:
        assert endpoint.needed != "MISSING", f"{endpoint} has no entry in permission_map"


@pytest.mark.parametrize("role", list(rbac.PRESETS))
def test_every_endpoint_answers_as_the_permission_table_says(world, role):
    client = world.client(role)
    targets = {}
    mismatches = []
    for endpoint in ENDPOINTS:
        pk = None
        if endpoint.is_detail:
            if endpoint.model not in targets:
                targets[endpoint.model] = own_target(world, endpoint.model)
            pk = targets[endpoint.model].pk
        allowed = endpoint.needed is None or endpoint.needed in rbac.PRESETS[role].permissions
        # Each call runs in a savepoint that is rolled back, so a delete does not
        # change what the next endpoint sees.
        with transaction.atomic():
            response = getattr(client, endpoint.method)(endpoint.url("acme", pk), {}, format="json")
            transaction.set_rollback(True)
        raw = body_bytes(response)
        kind = response.get("Content-Type", "").split(";")[0]
        is_json = kind in ("application/json", "application/problem+json")
        body = json.loads(raw) if raw and is_json else {}
        if allowed:
            ok = response.status_code < 500 and response.status_code not in (401, 403, 404)
        else:
            ok = response.status_code == 403 and body.get("code") == "permission_denied"
        if not ok:
            mismatches.append(
                f"{endpoint}: expected {'allowed' if allowed else '403'}, "
                f"got {response.status_code} {body}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_custom_role_gets_exactly_its_permissions(world):
    role = factories.custom_role(world.acme, slug="key-reader", permissions=["tenants.view_apikey"])
    user = factories.membership(world.acme, role, email="keys@acme.test").user
    client = world.client(user=user)
    assert client.get("/api/v1/tenants/acme/api-keys/").status_code == 200
    assert client.get("/api/v1/tenants/acme/members/").status_code == 403
    assert client.get("/api/v1/tenants/acme/roles/").status_code == 403


def test_outsider_gets_404_on_every_endpoint(world):
    """A user of another tenant learns nothing, not even that acme exists."""
    outsider = world.client(user=world.globex_owner)
    with tenant_context(world.acme):
        pk = Membership.objects.first().pk
    for endpoint in ENDPOINTS:
        response = getattr(outsider, endpoint.method)(endpoint.url("acme", pk), {}, format="json")
        assert response.status_code == 404, str(endpoint)
        assert response.json()["code"] == "not_found"


def test_anonymous_gets_401_on_every_endpoint(world, api):
    for endpoint in ENDPOINTS:
        response = getattr(api, endpoint.method)(endpoint.url("acme", 1), {}, format="json")
        assert response.status_code == 401, str(endpoint)
        assert response["Content-Type"] == "application/problem+json"
