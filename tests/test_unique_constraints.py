"""Every uniqueness of a tenant-owned model includes the tenant, or is a deliberate global
look-up named in `tenants.scoping.GLOBAL_UNIQUE` (and in platform/scale-out.md).

Citus, the scale-out path, requires the distribution column (`tenant_id`) in every unique
constraint of a distributed table; a uniqueness across tenants also tells one tenant
that a value is taken by another."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps

from tenants.models import Tenant
from tenants.scoping import GLOBAL_UNIQUE


def _tenant_owned(model) -> bool:
    return any(
        isinstance(f, models.ForeignKey) and f.related_model is Tenant
        for f in model._meta.concrete_fields
    )


def _uniques(model):
    """(name, fields) of every uniqueness the database enforces on the model's table:
    unique fields (one-to-one included), unique_together and UniqueConstraints (for an
    expression constraint, the columns its expressions read)."""
    meta = model._meta
    for f in meta.concrete_fields:
        if f.unique and not f.primary_key:
            yield f.name, {f.name}
    for group in meta.unique_together:
        yield "unique_together " + ",".join(group), set(group)
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names = set(constraint.fields)
            for expression in constraint.expressions:
                names |= {
                    getattr(ref, "name", "") for ref in expression.flatten() if hasattr(ref, "name")
                }
            yield constraint.name, names


def _includes_tenant(model, names: set[str]) -> bool:
    tenant_fields = {
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is Tenant
    }
    return bool(names & (tenant_fields | {f + "_id" for f in tenant_fields}))


def test_every_unique_constraint_of_a_tenant_owned_model_includes_the_tenant():
    found, wrong = set(), []
    for model in apps.get_models():
        if not _tenant_owned(model):
            continue
        for name, fields in _uniques(model):
            key = (model._meta.label, name)
            if _includes_tenant(model, fields):
                assert key not in GLOBAL_UNIQUE, f"{key} includes the tenant: not an exception"
                continue
            found.add(key)
            if key not in GLOBAL_UNIQUE:
                wrong.append(f"{key}: {sorted(fields)} without the tenant")
    assert not wrong, "\n".join(wrong)
    # An exception that no longer exists is a stale promise.
    assert set(GLOBAL_UNIQUE) == found


def test_the_scale_out_plan_names_every_global_uniqueness():
    plan = (Path(settings.BASE_DIR) / "platform" / "scale-out.md").read_text()
    for label, name in GLOBAL_UNIQUE:
        model = label.split(".")[1]
        assert f"`{model}.{name}`" in plan, f"platform/scale-out.md does not name {label}.{name}"


def test_a_missing_tenant_is_caught():
    """The check itself: a tenant-owned model with a uniqueness on one field fails it."""

    with isolate_apps("tenants"):

        class Probe(models.Model):  # noqa: DJ008 (a throwaway model)
            tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
            code = models.CharField(max_length=10, unique=True)

            class Meta:
                app_label = "tenants"
                constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="probe_ok")]

    uniques = dict(_uniques(Probe))
    assert _tenant_owned(Probe)
    assert not _includes_tenant(Probe, uniques["code"])
    assert _includes_tenant(Probe, uniques["probe_ok"])
