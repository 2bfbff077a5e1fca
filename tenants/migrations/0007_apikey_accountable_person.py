"""Every API key that works has an accountable person.

A key made by a person keeps that person. A key made with another key (which recorded
no person) is attributed through the audit log: its `api_key.created` event names the
key or the person that made it, and a key made by a key takes that key's person. A key
whose maker cannot be found that way (installed by the demo seeds or the benchmark,
made by an operator's command, or its event purged by retention) is revoked.

Then the rule the services keep from now on is applied once to what exists: a key
whose person is no longer a member of its tenant, or whose role holds a permission
the person's role lacks (an admin demoted to viewer keeping an admin key), is revoked.
Revocations here write no audit event (the audit service is not usable from a
migration); their `revoked_at` is the migration's time and `revoked_by` stays empty.
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def _role_permissions(role, Permission) -> frozenset[str]:
    from tenants import rbac

    if role.preset:
        preset = rbac.PRESETS.get(role.slug)
        return preset.permissions if preset else frozenset()
    return frozenset(
        f"{app_label}.{codename}"
        for app_label, codename in role.permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def attribute_or_revoke(apps, schema_editor):
    from tenants.context import platform_scope

    ApiKey = apps.get_model("tenants", "ApiKey")
    Membership = apps.get_model("tenants", "Membership")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    now = timezone.now()

    # Every tenant's rows: on PostgreSQL row-level security applies to migrations too.
    # Plain managers (`_base_manager`): the function also runs against the app's models,
    # in a test, whose default managers are tenant-scoped.
    with platform_scope():
        keys = {key.pk: key for key in ApiKey._base_manager.select_related("role").order_by("pk")}
        found: dict[int, int | None] = {}

        def person_of(key, seen=()) -> int | None:
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
                        )
                    elif made.actor_type == "api_key":
                        maker = keys.get(int(made.actor_id))
                        if maker is not None and maker.tenant_id == key.tenant_id:
                            person = person_of(maker, (*seen, key.pk))
            found[key.pk] = person
            return person

        roles = {}
        for key in keys.values():
            person = person_of(key)
            this_key = ApiKey._base_manager.filter(pk=key.pk)
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
            if member is not None:
                for role in (member.role, key.role):
                    if role.pk not in roles:
                        roles[role.pk] = _role_permissions(role, Permission)
                if roles[key.role.pk] <= roles[member.role.pk]:
                    continue
            this_key.update(revoked_at=now)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new references now: the constraint added next alters the table,
        # which PostgreSQL refuses while deferred checks are pending.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0006_api_key_cache_notify"),
        ("audit", "0001_initial"),
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
