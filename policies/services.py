"""Writes for policies: drafts, publishing, rollback. Published versions never change."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from audit import services as audit
from core.exceptions import Conflict, ServiceError
from digests import changes as digest_changes
from digests import keywords as digest_keywords
from digests import search as digest_search
from policies.models import Policy, PolicyVersion
from policies.rules import validate_rules
from tenants import key_cache
from tenants.context import current_tenant
from tenants.models import Role, Tenant, slug_from
from tenants.principals import Principal


def _bump_generation(policy: Policy) -> None:
    """What is in force changed: processes drop their cached view of it."""
    Tenant.objects.filter(pk=policy.tenant_id).update(policy_generation=F("policy_generation") + 1)
    # API keys remembered with their tenant carry the old generation (a trigger tells the
    # other processes).
    key_cache.forget_on_commit()
    # What callers see of any digest may have changed: the changes feed re-sends them all,
    # and the shown texts of the rules no longer in force are dropped.
    digest_search.forget_shapes()
    digest_changes.touch_all()


def _role_slugs() -> set[str]:
    return set(Role.objects.values_list("slug", flat=True))


def _target(policy: Policy) -> audit.Target:
    return audit.Target.of(policy, policy.name)


@transaction.atomic
def policy_create(
    *,
    actor: Principal | None,
    name: str,
    slug: str | None = None,
    description: str = "",
    rules: list | None = None,
) -> Policy:
    slug = slug or slug_from(name)
    if not slug:
        raise ServiceError("a policy needs a name with letters or digits", code="invalid_slug")
    if Policy.objects.filter(slug=slug).exists():
        raise Conflict(f"a policy with slug {slug!r} already exists", code="policy_exists")
    draft = validate_rules(rules or [], roles=_role_slugs())
    policy = Policy.objects.create(
        tenant=current_tenant(),
        slug=slug,
        name=name,
        description=description,
        draft_rules=draft,
        draft_updated_at=timezone.now(),
    )
    audit.record(
        "policy.created",
        actor=actor,
        target=_target(policy),
        changes=audit.diff({}, {"name": name, "rules": len(draft)}),
    )
    return policy


@transaction.atomic
def policy_update(
    *,
    actor: Principal | None,
    policy: Policy,
    name: str | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    rules: list | None = None,
) -> Policy:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    before = {
        "name": policy.name,
        "description": policy.description,
        "enabled": policy.enabled,
        "draft_rules": policy.draft_rules,
    }
    if name is not None:
        policy.name = name
    if description is not None:
        policy.description = description
    if enabled is not None:
        policy.enabled = enabled
    if rules is not None:
        policy.draft_rules = validate_rules(rules, roles=_role_slugs())
        policy.draft_updated_at = timezone.now()
    policy.save()
    if before["enabled"] != policy.enabled:
        _bump_generation(policy)
    after = {
        "name": policy.name,
        "description": policy.description,
        "enabled": policy.enabled,
        "draft_rules": policy.draft_rules,
    }
    changes = audit.diff(before, after)
    if changes:
        action = "policy.enabled_changed" if set(changes) == {"enabled"} else "policy.updated"
        audit.record(action, actor=actor, target=_target(policy), changes=changes)
    return policy


def _next_number(policy: Policy) -> int:
    current = PolicyVersion.objects.filter(policy=policy).aggregate(n=Max("number"))["n"]
    return (current or 0) + 1


def _publish(actor, policy: Policy, rules: list, note: str, copied_from: int | None):
    user = actor.user if actor else None
    version = PolicyVersion.objects.create(
        tenant=policy.tenant,
        policy=policy,
        number=_next_number(policy),
        rules=rules,
        note=note,
        copied_from=copied_from,
        published_by=user,
        published_by_display=user.email if user else ("api key" if actor else "system"),
        published_at=timezone.now(),
    )
    previous = policy.active_version.number if policy.active_version else None
    policy.active_version = version
    policy.save(update_fields=["active_version", "updated_at"])
    _bump_generation(policy)
    keywords = [
        k for rule in rules if rule["kind"] == "keyword_block" for k in rule["params"]["keywords"]
    ]
    if keywords:
        digest_keywords.index_phrases(keywords)
    return version, previous


@transaction.atomic
def policy_publish(*, actor: Principal | None, policy: Policy, note: str = "") -> PolicyVersion:
    """Freeze the draft as the next version and make it the one in force."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    # Roles may have been deleted since the draft was saved: validate again.
    rules = validate_rules(policy.draft_rules, roles=_role_slugs())
    version, previous = _publish(actor, policy, rules, note, None)
    audit.record(
        "policy.published",
        actor=actor,
        target=_target(policy),
        changes={"version": [previous, version.number], "rules": [None, len(rules)]},
    )
    return version


@transaction.atomic
def policy_rollback(
    *, actor: Principal | None, policy: Policy, number: int, note: str = ""
) -> PolicyVersion:
    """Publish a copy of an older version: history only grows."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    old = PolicyVersion.objects.filter(policy=policy, number=number).first()
    if old is None:
        raise ServiceError(
            f"policy {policy.slug!r} has no version {number}", code="unknown_version", status=404
        )
    version, previous = _publish(actor, policy, old.rules, note or f"rollback to {number}", number)
    audit.record(
        "policy.rolled_back",
        actor=actor,
        target=_target(policy),
        changes={"version": [previous, version.number], "copied_from": [None, number]},
    )
    return version


@transaction.atomic
def policy_delete(*, actor: Principal | None, policy: Policy) -> None:
    audit.record("policy.deleted", actor=actor, target=_target(policy))
    Policy.objects.filter(pk=policy.pk).update(active_version=None)
    Policy.objects.filter(pk=policy.pk).delete()
    _bump_generation(policy)
