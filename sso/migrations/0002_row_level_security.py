from django.db import migrations

from tenants.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("sso", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("Connection"),
        EnableRowLevelSecurity("VerifiedDomain"),
        EnableRowLevelSecurity("SamlAssertion"),
    ]
