from django.db import migrations

from tenants.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("Policy"),
        EnableRowLevelSecurity("PolicyVersion"),
    ]
