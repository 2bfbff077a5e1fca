"""System checks that keep the permission catalogue honest."""

from django.core import checks


@checks.register(checks.Tags.security)
def catalogue_permissions_exist(app_configs, **kwargs):
    from django.apps import apps

    from tenants import rbac

    errors = []
    for entry in rbac.CATALOGUE:
        app_label, codename = entry.codename.split(".", 1)
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            errors.append(
                checks.Error(f"{entry.codename}: no app {app_label!r}", id="tenants.E001")
            )
            continue
        known = {
            f"{action}_{model._meta.model_name}"
            for model in config.get_models()
            for action in model._meta.default_permissions
        } | {code for model in config.get_models() for code, _ in model._meta.permissions}
        if codename not in known:
            errors.append(
                checks.Error(
                    f"{entry.codename} is not a permission of any model", id="tenants.E002"
                )
            )
    return errors
