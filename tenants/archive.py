"""A tenant's data as one zip archive, for an owner leaving the platform or keeping a
copy: every tenant-owned table, the people who are members, and evidence files.

The tables are found from the model registry (`tenant_owned_models`), never listed by
hand, so a new tenant-owned model is in the next archive without anyone remembering it.
Rows are written as they are stored (one JSON object a line, foreign keys as ids), with
two exceptions: a column whose name says it holds a secret (`secret`, `secret_hash`,
`client_secret_encrypted`: webhook signing secrets, key and invitation hashes, SSO
client secrets) is left out, so an archive at rest gives no credential away; and binary
columns (evidence) become files of their own. `manifest.json` lists each file with its
rows and SHA-256, and the audit chain's head, so the audit log's rows can be verified
against it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from collections.abc import Iterator

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from tenants.context import tenant_context
from tenants.models import Membership, Tenant, User

FORMAT = "digest-platform-tenant-archive/1"
PEOPLE_FIELDS = ("id", "email", "full_name", "is_active", "date_joined", "last_login")


def tenant_owned_models() -> list[type[models.Model]]:
    """Every model whose rows belong to one tenant: those with a `tenant` foreign key,
    and those hanging from one of them without a tenant column of their own (the
    per-digest access grants). In a stable order."""
    owned = [
        model
        for model in apps.get_models()
        if any(
            field.name == "tenant" and field.related_model is Tenant
            for field in model._meta.concrete_fields
        )
    ]
    hanging = [
        model
        for model in apps.get_models()
        if model not in owned
        and any(
            field.is_relation and field.many_to_one and field.related_model in owned
            for field in model._meta.concrete_fields
        )
    ]
    return sorted(owned + hanging, key=lambda model: model._meta.label)


def is_secret(field: models.Field) -> bool:
    return "secret" in field.name


def has_tenant_column(model: type[models.Model]) -> bool:
    return any(f.name == "tenant" for f in model._meta.concrete_fields)


def tenant_parent(model: type[models.Model]) -> models.ForeignKey:
    """For a table hanging from a tenant-owned one: the foreign key it hangs by."""
    return next(
        f
        for f in model._meta.concrete_fields
        if f.is_relation and f.many_to_one and has_tenant_column(f.related_model)
    )


def _rows_of(model: type[models.Model], tenant: Tenant):
    """The tenant's rows of `model`, through the tenant column or the parent's."""
    manager = model._base_manager
    if has_tenant_column(model):
        return manager.filter(tenant=tenant)
    return manager.filter(**{f"{tenant_parent(model).name}__tenant": tenant})


class _Writer:
    """Files into the archive, each hashed and counted as it is written."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.files: dict[str, dict] = {}

    def write(self, name: str, chunks, *, rows: bool = False) -> None:
        digest, size, count = hashlib.sha256(), 0, 0
        with self.archive.open(name, "w", force_zip64=True) as entry:
            for chunk in chunks:
                entry.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                count += 1
        self.files[name] = {"bytes": size, "sha256": digest.hexdigest()}
        if rows:
            self.files[name]["rows"] = count


def _lines(records) -> Iterator[bytes]:
    for record in records:
        yield (json.dumps(record, cls=DjangoJSONEncoder, sort_keys=True) + "\n").encode()


def _records(writer: _Writer, model: type[models.Model], tenant: Tenant) -> Iterator[dict]:
    fields = [f for f in model._meta.concrete_fields if not is_secret(f)]
    for row in _rows_of(model, tenant).order_by("pk").iterator(chunk_size=500):
        record = {}
        for field in fields:
            value = getattr(row, field.attname)
            if isinstance(field, models.BinaryField):
                name = f"files/{model._meta.label_lower}/{row.pk}.{field.name}"
                writer.write(name, [bytes(value or b"")])
                value = {"file": name}
            record[field.attname] = value
        yield record


def secret_columns() -> list[str]:
    return sorted(
        f"{m._meta.label_lower}.{f.name}"
        for m in tenant_owned_models()
        for f in m._meta.concrete_fields
        if is_secret(f)
    )


def write_archive(tenant: Tenant, out) -> dict:
    """Write `tenant`'s archive to the binary file `out`; its manifest."""
    with tenant_context(tenant), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        writer = _Writer(archive)
        for model in tenant_owned_models():
            # Evidence files are written while their table's lines are, so the table
            # goes to a buffer first: a zip holds one open entry at a time.
            table = list(_lines(_records(writer, model, tenant)))
            writer.write(f"tables/{model._meta.label_lower}.jsonl", table, rows=True)
        members = Membership.objects.values_list("user_id", flat=True)
        people = User.objects.filter(pk__in=members).order_by("pk").values(*PEOPLE_FIELDS)
        writer.write("people.jsonl", _lines(people), rows=True)
        chain = apps.get_model("audit", "AuditChain")._base_manager.filter(tenant=tenant).first()
        manifest = {
            "format": FORMAT,
            "tenant": {"id": tenant.pk, "slug": tenant.slug, "name": tenant.name},
            "created_at": timezone.now(),
            "audit_chain_head": (
                {"seq": chain.last_seq, "hash": chain.last_hash} if chain is not None else None
            ),
            "left_out": secret_columns(),
            "files": writer.files,
        }
        archive.writestr(
            "manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=2, sort_keys=True)
        )
    return manifest


def archive_name(tenant: Tenant, now: dt.datetime | None = None) -> str:
    return f"{tenant.slug}-{(now or timezone.now()):%Y%m%dT%H%M%SZ}.zip"
