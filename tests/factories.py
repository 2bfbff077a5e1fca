"""Test data built through the services, as the product builds it.

Plain functions rather than factory_boy classes for the tenancy objects: every one of
them must run inside the right tenant context, which the services already handle.
"""

from __future__ import annotations

import itertools

import factory

from tenants.context import platform_scope, tenant_context
from tenants.models import Invitation, Role, Tenant, User
from tenants.services.keys import api_key_create
from tenants.services.members import member_invite, membership_add
from tenants.services.roles import role_create
from tenants.services.tenants import tenant_create

_seq = itertools.count(1)


PASSWORD = "correct-horse-battery"  # every factory-made person's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


def tenant(slug: str | None = None, name: str | None = None, **kwargs) -> Tenant:
    slug = slug or f"tenant-{next(_seq)}"
    return tenant_create(slug=slug, name=name or slug.title(), **kwargs).tenant


def role(tenant_obj: Tenant, slug: str) -> Role:
    with tenant_context(tenant_obj):
        return Role.objects.get(slug=slug)


def membership(tenant_obj: Tenant, role_obj: Role, email: str | None = None):
    user = UserFactory(**({"email": email} if email else {}))
    with tenant_context(tenant_obj):
        return membership_add(tenant=tenant_obj, user=user, role=role_obj)


def invitation(tenant_obj: Tenant, role_slug: str, email: str):
    """An invitation an operator sent (its mail goes at commit, which tests rarely reach)."""
    with tenant_context(tenant_obj):
        membership = member_invite(actor=None, email=email, role=role(tenant_obj, role_slug))
        return Invitation.objects.get(user=membership.user)


def member(tenant_obj: Tenant, role_slug: str, email: str | None = None) -> User:
    return membership(tenant_obj, role(tenant_obj, role_slug), email=email).user


def member_principal(tenant_obj: Tenant, user: User):
    """A member acting in `tenant_obj` (which must be current), with their role's
    permissions, as the base view resolves them."""
    from tenants.models import Membership
    from tenants.principals import Principal, role_permissions

    role = Membership.objects.select_related("role").get(user=user).role
    return Principal(tenant=tenant_obj, role=role, permissions=role_permissions(role), user=user)


def custom_role(
    tenant_obj: Tenant, slug: str, name: str | None = None, permissions: list[str] | None = None
) -> Role:
    with tenant_context(tenant_obj):
        return role_create(actor=None, slug=slug, name=name or slug, permissions=permissions or [])


def api_key(tenant_obj: Tenant, role_slug: str, name: str = "test key", **kwargs):
    """A key made by an operator; it answers to `accountable_person` if given, else to
    the tenant's first owner, else to a new member holding the key's role."""
    with tenant_context(tenant_obj):
        key_role = Role.objects.get(slug=role_slug)
        if kwargs.get("accountable_person") is None:
            from tenants.models import Membership

            owner = (
                Membership.objects.filter(role__slug="owner", role__preset=True)
                .select_related("user")
                .first()
            )
            kwargs["accountable_person"] = (
                owner.user if owner else membership(tenant_obj, key_role).user
            )
        return api_key_create(actor=None, name=name, role=key_role, **kwargs)


def all_rows(model):
    """Every tenant's rows of a tenant-owned model (tests only look across tenants)."""
    with platform_scope():
        return list(model.objects.unscoped().all())


def digest(tenant_obj: Tenant, *, status: str = "published", **fields):
    """A digest made through the service, published unless asked otherwise."""
    import datetime as dt

    from digests import services as digest_services
    from digests.models import Digest

    n = next(_seq)
    data = {
        "title": f"Digest number {n}",
        "publisher": "Test Radio",
        "published_on": dt.date(2025, 3, 14),
        "summary": "A summary of an episode.",
        "key_points": ["First point.", "Second point."],
        "sections": [
            {
                "number": 1,
                "emoji": "⚡",
                "title": "Opening",
                "bullets": ["A bullet."],
                "subsections": [],
            },
        ],
        "topics": ["testing"],
    }
    data.update(fields)
    with tenant_context(tenant_obj):
        made = digest_services.digest_create(actor=None, data=data)
        if status != Digest.Status.DRAFT:
            if status == Digest.Status.ARCHIVED:
                made = digest_services.digest_transition(actor=None, digest=made, to=status)
            else:
                made = digest_services.digest_transition(actor=None, digest=made, to=status)
    return made


def policy(
    tenant_obj: Tenant,
    *,
    name: str | None = None,
    rules: list | None = None,
    publish: bool = False,
    slug: str | None = None,
):
    """A content policy made through the service; published when asked."""
    from policies import services as policy_services

    with tenant_context(tenant_obj):
        made = policy_services.policy_create(
            actor=None, name=name or f"Policy {next(_seq)}", slug=slug, rules=rules or []
        )
        if publish:
            policy_services.policy_publish(actor=None, policy=made)
            made.refresh_from_db()
    return made


def policy_insight(tenant_obj: Tenant, policy_obj, rule_id: str = "r1", **fields):
    """A row of policy insight (policies.insight), as requests would have counted it:
    today, a monitor-mode rule that would have hidden a digest from a viewer."""
    from policies import insight
    from policies.models import PolicyRuleDay

    row = {
        "day": insight.today(),
        "kind": "keyword_block",
        "mode": "monitor",
        "action": "hide",
        "role": "viewer",
        "count": 1,
        **fields,
    }
    with tenant_context(tenant_obj):
        return PolicyRuleDay.objects.create(
            policy=policy_obj, rule=f"{policy_obj.slug}/{rule_id}", **row
        )


def rights_holder(tenant_obj: Tenant, name: str | None = None, **fields):
    from licensing import services as licensing_services

    with tenant_context(tenant_obj):
        return licensing_services.rights_holder_create(
            actor=None, name=name or f"Holder {next(_seq)}", **fields
        )


def source(tenant_obj: Tenant, title: str | None = None, *, kind: str = "episode", **fields):
    from licensing import services as licensing_services

    with tenant_context(tenant_obj):
        return licensing_services.source_create(
            actor=None, kind=kind, title=title or f"Episode {next(_seq)}", **fields
        )


def license(
    tenant_obj: Tenant,
    *,
    source=None,
    rights_holder=None,
    permitted=("summarize", "display_internally"),
    prohibited=(),
    decision: str | None = None,
    **terms,
):
    """A license proposed through the service; decided on (by the system) when asked."""
    import datetime as dt

    from licensing import services as licensing_services

    for name in ("valid_from", "valid_until"):
        if isinstance(terms.get(name), str):
            terms[name] = dt.date.fromisoformat(terms[name])
    data = {
        "origin": "contract",
        "spdx_id": "LicenseRef-test-contract",
        "permitted_uses": list(permitted),
        "prohibited_uses": list(prohibited),
        **terms,
    }
    with tenant_context(tenant_obj):
        made = licensing_services.license_propose(
            actor=None, source=source, rights_holder=rights_holder, terms=data
        )
        if decision:
            licensing_services.license_review(
                actor=None,
                lic=made,
                decision=decision,
                version=1,
                notes="decided in a test",
                conditions="conditions set in a test",
            )
        made.refresh_from_db()
    return made


def digest_source(tenant_obj: Tenant, digest_obj):
    """The source the service linked to a digest when it was made."""
    from licensing.models import DigestSource

    with tenant_context(tenant_obj):
        return DigestSource.objects.select_related("source").get(digest=digest_obj).source


def evidence(tenant_obj: Tenant, lic, *, filename: str = "terms.txt", data: bytes = b"Terms."):
    from licensing import services as licensing_services

    with tenant_context(tenant_obj):
        return licensing_services.evidence_add(
            actor=None, lic=lic, filename=filename, claimed_type="text/plain", data=data
        )


def sso_connection(tenant_obj: Tenant, *, protocol: str = "oidc", role: str = "viewer", **fields):
    """An SSO connection made through the service (OIDC unless asked otherwise)."""
    from sso import services as sso_services

    defaults = {
        "name": f"Connection {next(_seq)}",
        "issuer": "https://idp.example.test/",
        "client_id": "client-id",
        "client_secret": "client-secret",
    }
    if protocol == "saml":
        defaults = {"name": defaults["name"]}
    defaults.update(fields)
    with tenant_context(tenant_obj):
        return sso_services.connection_create(
            actor=None,
            protocol=protocol,
            default_role=Role.objects.get(slug=role),
            **defaults,
        )


def sso_domain(tenant_obj: Tenant, domain: str, *, verified: bool = True):
    """A domain of the tenant, verified by an operator unless asked otherwise."""
    from sso import services as sso_services

    with tenant_context(tenant_obj):
        record = sso_services.domain_add(actor=None, domain=domain)
        if verified:
            record = sso_services.domain_verify(actor=None, record=record, skip_dns=True)
    return record


def webhook(tenant_obj: Tenant, *, url: str = "http://127.0.0.1:9/hook", events=None, **kwargs):
    """A webhook endpoint made through the service (loopback URLs allowed for the call)."""
    from django.test import override_settings

    from webhooks import services as webhook_services

    with tenant_context(tenant_obj), override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True):
        return webhook_services.endpoint_create(
            actor=None, url=url, events=events or ["digest.updated"], **kwargs
        )


def webhook_delivery(tenant_obj: Tenant, endpoint, *, object_id: int = 1):
    """A pending delivery to `endpoint` (emitting the first event it subscribes to)."""
    from webhooks import services as webhook_services

    return webhook_services.emit(tenant_obj, endpoint.events[0], "digest", object_id)[0]


def scim_token(tenant_obj: Tenant, *, name: str = "Okta"):
    """A SCIM token made by an operator."""
    from scim.services import scim_token_create

    with tenant_context(tenant_obj):
        return scim_token_create(actor=None, name=name).scim_token


def audit_sink(tenant_obj: Tenant, *, kind: str = "syslog", **kwargs):
    """An audit sink made through the service (loopback receivers allowed for the call):
    by default a syslog sink on a loopback port nobody answers on."""
    from django.test import override_settings

    from audit import sinks

    if kind == "syslog":
        kwargs.setdefault("host", "127.0.0.1")
        kwargs.setdefault("port", 9)
    with tenant_context(tenant_obj), override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True):
        return sinks.sink_create(actor=None, kind=kind, **kwargs)


def rules_in_monitor_then_off(tenant_obj: Tenant, answers):
    """What `answers()` gives with the tenant's one policy republished in monitor mode,
    then with it switched off: (monitored, unruled), which must be equal."""
    from policies import services as policy_services
    from policies.models import Policy

    with tenant_context(tenant_obj):
        policy = Policy.objects.get()
        rules = policy.active_version.rules
        policy_services.policy_update(
            actor=None, policy=policy, rules=[{**rule, "mode": "monitor"} for rule in rules]
        )
        policy_services.policy_publish(actor=None, policy=policy)
    monitored = answers()
    with tenant_context(tenant_obj):
        policy_services.policy_update(actor=None, policy=Policy.objects.get(), enabled=False)
    return monitored, answers()
