"""Verified domains: a DNS TXT token checked against a real DNS server on loopback, one
owner per domain, the operator's command, and email-first discovery."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from sso.models import VerifiedDomain
from tenants.context import tenant_context
from tests import factories
from tests.sso.dns_server import TxtServer

DOMAINS = "/api/v1/tenants/acme/sso/domains/"


@pytest.fixture
def dns(settings):
    with TxtServer() as server:
        settings.SSO_DNS_NAMESERVERS = ["127.0.0.1"]
        settings.SSO_DNS_PORT = server.port
        settings.SSO_DNS_TIMEOUT = 2
        yield server


def test_an_admin_adds_a_domain_publishes_the_token_and_verifies_it(world, dns):
    owner = world.client("owner")
    added = owner.post(DOMAINS, {"domain": "Media.Acme.TEST."}, format="json")
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["domain"] == "media.acme.test"
    assert body["status"] == "pending"
    assert body["txt_value"].startswith("digest-platform-verification=")

    not_yet = owner.post(f"{DOMAINS}{body['id']}/verify/")
    assert not_yet.status_code == 409
    assert not_yet.json()["code"] == "domain_not_verified"

    dns.records["media.acme.test"] = ["v=spf1 -all", body["txt_value"]]
    verified = owner.post(f"{DOMAINS}{body['id']}/verify/")
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "verified"
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="sso.domain_verified")
    assert event.changes == {"method": [None, "dns"]}


def test_a_token_of_another_tenant_does_not_verify(world, dns):
    owner = world.client("owner")
    body = owner.post(DOMAINS, {"domain": "shared.test"}, format="json").json()
    dns.records["shared.test"] = ["digest-platform-verification=someone-elses-token"]
    assert owner.post(f"{DOMAINS}{body['id']}/verify/").status_code == 409


def test_a_domain_verified_by_one_tenant_cannot_be_claimed_by_another(world, dns):
    factories.sso_domain(world.globex, "taken.test")
    owner = world.client("owner")
    refused = owner.post(DOMAINS, {"domain": "taken.test"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "domain_claimed"


def test_of_two_pending_claims_only_the_first_verified_wins(world, dns):
    owner = world.client("owner")
    mine = owner.post(DOMAINS, {"domain": "contested.test"}, format="json").json()
    theirs = factories.sso_domain(world.globex, "contested.test", verified=False)
    with tenant_context(world.globex):
        from sso import services

        services.domain_verify(actor=None, record=theirs, skip_dns=True)
    dns.records["contested.test"] = [mine["txt_value"]]
    refused = owner.post(f"{DOMAINS}{mine['id']}/verify/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "domain_claimed"


def test_bad_domains_are_a_400_and_nothing_is_stored(world):
    owner = world.client("owner")
    for bad in ["", "localhost", "not a domain", "-bad.test", "a" * 64 + ".test", "exa_mple.test"]:
        response = owner.post(DOMAINS, {"domain": bad}, format="json")
        assert response.status_code == 400, bad
        assert response["Content-Type"] == "application/problem+json"
    with tenant_context(world.acme):
        assert not VerifiedDomain.objects.exists()


def test_the_operator_command_verifies_without_dns(world):
    call_command("verify_domain", "--tenant", "acme", "ops.acme.test", "--skip-dns")
    with tenant_context(world.acme):
        assert VerifiedDomain.objects.get(domain="ops.acme.test").verified_at is not None


def test_the_operator_command_checks_dns_by_default(world, dns):
    with pytest.raises(CommandError, match="no TXT record"):
        call_command("verify_domain", "--tenant", "acme", "dns.acme.test")


def test_the_operator_command_refuses_a_domain_of_another_tenant(world):
    factories.sso_domain(world.globex, "globex-only.test")
    with pytest.raises(CommandError, match="verified by another tenant"):
        call_command("verify_domain", "--tenant", "acme", "globex-only.test", "--skip-dns")


def test_discovery_answers_from_verified_domains_only(world, api):
    factories.sso_domain(world.acme, "acme.test")
    factories.sso_domain(world.acme, "pending.acme.test", verified=False)
    factories.sso_connection(world.acme, name="Acme IdP")

    found = api.post("/sso/discover", {"email": "Someone@ACME.test"}, format="json")
    assert found.status_code == 200, found.content
    assert found.json() == {
        "tenant": "acme",
        "tenant_name": "Acme Media",
        "protocol": "oidc",
        "login_url": "http://testserver/sso/acme/login",
    }
    for email in ["x@pending.acme.test", "x@unknown.test"]:
        missing = api.post("/sso/discover", {"email": email}, format="json")
        assert missing.status_code == 404
        assert missing.json()["code"] == "no_sso_for_domain"
    assert api.post("/sso/discover", {"email": "nope"}, format="json").status_code == 400


def test_discovery_needs_an_enabled_connection(world, api):
    factories.sso_domain(world.acme, "acme.test")
    factories.sso_connection(world.acme, name="Off", enabled=False)
    assert api.post("/sso/discover", {"email": "a@acme.test"}, format="json").status_code == 404


def test_operators_see_every_tenants_domains_and_connections_in_the_admin(world, django_user_model):
    from django.test import Client

    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    client = Client()
    client.force_login(operator)
    domains = client.get("/admin/sso/verifieddomain/")
    assert domains.status_code == 200
    assert world.globex_domain.domain.encode() in domains.content
    connection = client.get(f"/admin/sso/connection/{world.globex_connection.pk}/change/")
    assert connection.status_code == 200
    assert world.globex_connection.client_secret_encrypted.encode() not in connection.content
