"""Reads: the rule set in force for a principal, and simulation of a draft."""

from __future__ import annotations

from policies import engine
from policies.models import Policy, PolicyVersion
from tenants.principals import Principal


def _load(version_id: int) -> tuple[str, list]:
    version = PolicyVersion.objects.select_related("policy").get(pk=version_id)
    return version.policy.slug, version.rules


def active_versions() -> list[tuple[int, str, int]]:
    """(version id, policy slug, number) of every enabled policy in force: one query."""
    return list(
        Policy.objects.filter(enabled=True, active_version__isnull=False).values_list(
            "active_version_id", "slug", "active_version__number"
        )
    )


_in_force: dict[tuple[int, int], list[tuple[int, str, int]]] = {}


def versions_in_force(tenant) -> list[tuple[int, str, int]]:
    """`active_versions()` for the current tenant, cached per security generation: the
    tenant row every request loads (or, for a remembered API key, checks against its
    transaction, tenants.authentication.api_key_authenticate) says whether the cached answer
    is still current. The database moves that generation with every change to what is
    in force (migration policies/0003), so no write path can leave the answer stale."""
    key = (tenant.pk, tenant.security_generation)
    found = _in_force.get(key)
    if found is None:
        found = active_versions()
        if len(_in_force) > 10_000:
            _in_force.clear()
        _in_force[key] = found
    return found


def compiled_groups(versions: list[tuple[int, str, int]]) -> list[tuple[engine.CompiledRule, ...]]:
    """The compiled rules of each of `versions` (as `active_versions` gives them), in the
    order rule sets combine them: by policy slug."""
    ordered = sorted(versions, key=lambda v: v[1])
    return [engine.compiled_version(vid, lambda v=vid: _load(v)) for vid, _, _ in ordered]


def rule_set_for(principal: Principal) -> engine.RuleSet:
    return engine.rule_set_for(principal, versions_in_force(principal.tenant), _load)


def hidden_by(rule_set: engine.RuleSet, digest, prefix: str) -> list[str]:
    """The enforce-mode rules that hide `digest`, read from the hits the database
    annotated (`RuleSet.annotate_hits` with the same prefix)."""
    return [
        r.id for r in rule_set.enforced_hiding if getattr(digest, engine.hit_name(prefix, r), False)
    ]


def draft_rule_set(principal: Principal, policy: Policy) -> engine.RuleSet:
    """The rules in force if `policy`'s draft were published."""
    others = sorted((v for v in active_versions() if v[1] != policy.slug), key=lambda v: v[1])
    groups = compiled_groups(others)
    groups.append(engine.compile_rules(policy.slug, policy.draft_rules))
    label = ",".join([f"{slug}@{number}" for _, slug, number in others] + [f"{policy.slug}@draft"])
    return engine.combine(principal, label, groups)
