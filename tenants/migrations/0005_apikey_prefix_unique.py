"""A key prefix names one key across all tenants, not one per tenant.

The lookup by prefix looks in the tenant a prefix last authenticated in before looking
across tenants (tenants.authentication.api_key_authenticate); two tenants holding the same
token would make the answer depend on which process served the request. Random prefixes
never repeat in practice; only installing one known token into two tenants could, and
that is refused now. A database that already holds such twins stops here with their
prefixes named, and nothing is changed.
"""

from django.db import migrations, models


def refuse_shared_prefixes(apps, schema_editor):
    from tenants.context import platform_scope

    # Every tenant's rows: on PostgreSQL row-level security applies to migrations too.
    with platform_scope(), schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT prefix, count(*) FROM tenants_apikey GROUP BY prefix HAVING count(*) > 1 "
            "ORDER BY prefix"
        )
        shared = cursor.fetchall()
    if shared:
        listed = ", ".join(f"{prefix} ({count} keys)" for prefix, count in shared)
        raise RuntimeError(
            f"API key prefixes held by more than one key: {listed}. Revoke and delete all "
            "but one key of each (python manage.py shell), then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_sso_enforcement"),
    ]

    operations = [
        migrations.RunPython(refuse_shared_prefixes, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="apikey",
            name="apikey_tenant_prefix_unique",
        ),
        migrations.AlterField(
            model_name="apikey",
            name="prefix",
            field=models.CharField(max_length=16),
        ),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.UniqueConstraint(fields=("prefix",), name="apikey_prefix_unique"),
        ),
    ]
