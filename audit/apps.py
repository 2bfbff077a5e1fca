from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from audit import metrics, signals  # noqa: F401  (sign-in events; sink gauges)
