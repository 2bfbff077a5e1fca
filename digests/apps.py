from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests"

    def ready(self) -> None:
        from digests import services  # noqa: F401  (forgets a removed member's grants)
