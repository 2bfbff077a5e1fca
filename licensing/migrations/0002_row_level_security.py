from django.db import migrations

from tenants.rls import EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [
        EnableRowLevelSecurity(model)
        for model in (
            "RightsHolder",
            "Source",
            "License",
            "LicenseVersion",
            "LicenseReview",
            "LicenseTerm",
            "Evidence",
            "DigestSource",
        )
    ]
