from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants and access"

    def ready(self) -> None:
        from tenants import checks, db, key_cache, schema  # noqa: F401  (receivers, checks, schema hooks)
