from django.db import migrations

from tenants.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("scim", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("ScimToken"),
        EnableRowLevelSecurity("ScimUser"),
        EnableRowLevelSecurity("ScimGroup"),
        EnableRowLevelSecurity("ScimGroupMember"),
    ]
