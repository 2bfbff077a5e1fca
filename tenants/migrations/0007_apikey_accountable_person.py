"""Every API key that works has an accountable person.

A key made by a person keeps that person. A key made with another key (which recorded
no person) is attributed through the audit log: its `api_key.created` event names the
key or the person that made it, and a key made by a key takes that key's person. A key
whose maker cannot be found that way (installed by the demo seeds or the benchmark,
made by an operator's command, or its event purged by retention) is attributed to the
tenant's earliest-joined owner, who holds every permission a key can: such keys are
the operators' integrations, and revoking them at deploy would stop them silently. Such
a key is revoked only when its tenant has no owner. A key whose maker is known but
deleted since (or made with a key whose person is) is revoked: its person left.

Then the rule the services keep from now on is applied once to what exists: a key
whose person is no longer a member of its tenant, or whose role holds a permission
the person's role lacks (an admin demoted to viewer keeping an admin key), is revoked.

Each attribution to an owner and each revocation is written to the tenant's audit
chain (actor `system`: `api_key.attributed`, `api_key.revoked` with its reason, as the
services write them) and printed with the key's prefix. A revocation's `revoked_at` is
the migration's time and `revoked_by` stays empty.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models

# The preset roles' permissions as of this migration (tenants.rbac.PRESETS then), written
# out: a migration must not change with the code. An owner holds what an admin does, and
# manages SSO.
_ADMIN = frozenset(
    {
        "audit.view_auditevent",
        "digests.add_digest",
        "digests.change_digest",
        "digests.delete_digest",
        "digests.manage_access_digest",
        "digests.publish_digest",
        "digests.view_digest",
        "digests.view_unpublished_digest",
        "licensing.add_license",
        "licensing.add_source",
        "licensing.change_license",
        "licensing.change_source",
        "licensing.delete_license",
        "licensing.delete_source",
        "licensing.review_license",
        "licensing.view_compliance_report",
        "licensing.view_license",
        "licensing.view_source",
        "policies.add_policy",
        "policies.change_policy",
        "policies.delete_policy",
        "policies.publish_policy",
        "policies.view_policy",
        "sso.view_sso",
        "tenants.add_apikey",
        "tenants.add_membership",
        "tenants.add_role",
        "tenants.change_membership",
        "tenants.change_role",
        "tenants.delete_apikey",
        "tenants.delete_membership",
        "tenants.delete_role",
        "tenants.view_apikey",
        "tenants.view_membership",
        "tenants.view_role",
        "webhooks.manage_webhook",
    }
)
PRESET_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": _ADMIN | {"sso.manage_sso"},
    "admin": _ADMIN,
    "editor": frozenset(
        {
            "digests.add_digest",
            "digests.change_digest",
            "digests.publish_digest",
            "digests.view_digest",
            "digests.view_unpublished_digest",
            "licensing.add_license",
            "licensing.add_source",
            "licensing.change_license",
            "licensing.change_source",
            "licensing.view_license",
            "licensing.view_source",
            "tenants.view_membership",
            "tenants.view_role",
        }
    ),
    "viewer": frozenset(
        {
            "digests.view_digest",
            "licensing.view_source",
        }
    ),
    "compliance": frozenset(
        {
            "digests.view_digest",
            "digests.view_unpublished_digest",
            "licensing.add_license",
            "licensing.add_source",
            "licensing.change_license",
            "licensing.change_source",
            "licensing.delete_license",
            "licensing.review_license",
            "licensing.view_compliance_report",
            "licensing.view_license",
            "licensing.view_source",
            "policies.view_policy",
            "tenants.view_membership",
            "tenants.view_role",
        }
    ),
    "auditor": frozenset(
        {
            "audit.view_auditevent",
            "digests.view_digest",
            "licensing.view_compliance_report",
            "licensing.view_license",
            "licensing.view_source",
            "policies.view_policy",
            "sso.view_sso",
            "tenants.view_apikey",
            "tenants.view_membership",
            "tenants.view_role",
        }
    ),
}


# Why a key is revoked, as tenants.services.keys names it in the audit event.
PERSON_LEFT = "accountable_person_left"
EXCEEDS_PERSON = "role_exceeds_accountable_person"
NO_PERSON = "no_accountable_person"
OWNER = "owner"
GENESIS = "0" * 64
GONE = 0  # no user has id 0: a maker known, and deleted since


def _role_permissions(role) -> frozenset[str]:
    if role.preset:
        return PRESET_PERMISSIONS.get(role.slug, frozenset())
    return frozenset(
        f"{app_label}.{codename}"
        for app_label, codename in role.permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def _audit(apps, tenant_id: int, entries: list[tuple[str, str, dict]], now):
    """Append (action, target display and id, changes) events to the tenant's chain as
    `system`, the way audit.services.record_many does: its head locked (created at the
    genesis if the tenant has none), each event linked to the one before."""
    from audit.services import link_hash

    AuditChain = apps.get_model("audit", "AuditChain")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    chains = AuditChain._base_manager.select_for_update()
    chain = chains.filter(tenant_id=tenant_id).first()
    if chain is None:
        AuditChain._base_manager.create(
            tenant_id=tenant_id,
            last_seq=0,
            last_hash=GENESIS,
            anchor_seq=0,
            anchor_hash=GENESIS,
        )
        chain = chains.get(tenant_id=tenant_id)
    prev_hash, seq = chain.last_hash, chain.last_seq
    for action, (key_id, display), changes in entries:
        seq += 1
        event = AuditEvent(
            tenant_id=tenant_id,
            seq=seq,
            occurred_at=now,
            actor_type="system",
            actor_id="",
            actor_display="system",
            action=action,
            target_type="apikey",
            target_id=str(key_id),
            target_display=display[:300],
            changes=changes,
            request_id="",
            ip=None,
            user_agent="",
            outcome="success",
            repeat_count=1,
            prev_hash=prev_hash,
        )
        event.hash = link_hash(prev_hash, event)
        prev_hash = event.hash
        event.save()
    chain.last_seq, chain.last_hash = seq, prev_hash
    chain.save(update_fields=["last_seq", "last_hash"])


def attribute_or_revoke(apps, schema_editor, out=print):
    from tenants.context import platform_scope

    ApiKey = apps.get_model("tenants", "ApiKey")
    Membership = apps.get_model("tenants", "Membership")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    now = dt.datetime.now(dt.UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # milliseconds, as hashed

    # Every tenant's rows: on PostgreSQL row-level security applies to migrations too.
    # Plain managers (`_base_manager`): the function also runs against the app's models,
    # in a test, whose default managers are tenant-scoped.
    with platform_scope():
        keys = {key.pk: key for key in ApiKey._base_manager.select_related("role").order_by("pk")}
        found: dict[int, int | None] = {}

        def person_of(key, seen=()) -> int | None:
            """The key's maker's person; GONE when its maker is known but deleted (a
            user, or a key whose person is gone), None when nothing names its maker."""
            if key.pk in found:
                return found[key.pk]
            person = key.created_by_id
            if person is None and key.pk not in seen:
                made = (
                    AuditEvent._base_manager.filter(
                        tenant_id=key.tenant_id,
                        action="api_key.created",
                        target_type="apikey",
                        target_id=str(key.pk),
                    )
                    .order_by("seq")
                    .first()
                )
                if made is not None and made.actor_id.isdigit():
                    if made.actor_type == "user":
                        person = (
                            User._base_manager.filter(pk=int(made.actor_id))
                            .values_list("pk", flat=True)
                            .first()
                        ) or GONE
                    elif made.actor_type == "api_key":
                        maker = keys.get(int(made.actor_id))
                        if maker is None:
                            person = GONE  # made by a key deleted since
                        elif maker.tenant_id == key.tenant_id:
                            person = person_of(maker, (*seen, key.pk))
            found[key.pk] = person
            return person

        owners: dict[int, object] = {}

        def first_owner(tenant_id: int):
            if tenant_id not in owners:
                owners[tenant_id] = (
                    Membership._base_manager.select_related("user")
                    .filter(
                        tenant_id=tenant_id,
                        role__slug=OWNER,
                        role__preset=True,
                        user__is_active=True,
                    )
                    .order_by("created_at", "pk")
                    .first()
                )
            return owners[tenant_id]

        roles = {}
        events: dict[int, list] = {}
        for key in keys.values():
            person = person_of(key)
            gone = person == GONE  # revoked below: its person left
            if gone:
                person = None
            this_key = ApiKey._base_manager.filter(pk=key.pk)
            target = (key.pk, f"{key.prefix} ({key.name})")
            if person is None and not gone and key.revoked_at is None:  # no maker named
                owner = first_owner(key.tenant_id)
                if owner is not None:
                    person = owner.user_id
                    out(f"API key {key.prefix}: attributed to {owner.user.email}, an owner")
                    events.setdefault(key.tenant_id, []).append(
                        (
                            "api_key.attributed",
                            target,
                            {"accountable_person": [None, owner.user.email]},
                        )
                    )
            if person is not None:
                this_key.update(accountable_person_id=person)
            if key.revoked_at is not None:
                continue
            member = (
                Membership._base_manager.select_related("role")
                .filter(tenant_id=key.tenant_id, user_id=person)
                .first()
                if person is not None
                else None
            )
            reason = NO_PERSON if person is None and not gone else PERSON_LEFT
            if member is not None:
                for role in (member.role, key.role):
                    if role.pk not in roles:
                        roles[role.pk] = _role_permissions(role)
                if roles[key.role.pk] <= roles[member.role.pk]:
                    continue
                reason = EXCEEDS_PERSON
            this_key.update(revoked_at=now)
            out(f"API key {key.prefix}: revoked ({reason})")
            events.setdefault(key.tenant_id, []).append(
                ("api_key.revoked", target, {"reason": [None, reason]})
            )
        for tenant_id, entries in sorted(events.items()):
            _audit(apps, tenant_id, entries, now)
    # Check the new references now: the constraint added next alters the table,
    # which PostgreSQL refuses while deferred checks are pending.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0006_api_key_cache_notify"),
        ("audit", "0004_chain_head_guard"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="accountable_person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(attribute_or_revoke, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.CheckConstraint(
                condition=models.Q(accountable_person__isnull=False)
                | models.Q(revoked_at__isnull=False),
                name="apikey_unrevoked_has_accountable_person",
            ),
        ),
    ]
