from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        # Receivers: each user's sessions remembered, and ended on removal; roles that
        # connections give out kept.
        from sso import services, sessions  # noqa: F401
