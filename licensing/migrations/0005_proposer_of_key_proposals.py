"""A license version proposed through an API key is proposed by the key's person.

Before tenants 0007 a version proposed (and evidence added) through a key recorded no
person, so its key's person could approve it in a session: four eyes compare people.
This fills `proposed_by` and `uploaded_by` where they are empty, with the accountable
person (tenants 0007) of the key that acted, found through the audit event that
recorded the proposal (`license.proposed` for version 1, `license.revised` naming the
version, `license.evidence_added` naming the file's sha256), or, when retention purged
the event, through the key's prefix in `proposed_by_display` ("<prefix> (<name>)").
A version or a file that a member proposed keeps its empty value only when that member
is deleted; one an operator's command made (`system`) has no person and stays empty.

A version still waiting for a decision (pending, needs information) that was proposed
through a key whose person cannot be found any more (the key deleted with its role) is
rejected, by `system`, with a note saying why: whoever could have proposed it might
otherwise approve it. Its terms stay on record; revising the license proposes them
again under a person. Decided versions are left as they are. Each rejection is printed;
it is kept as a `LicenseReview` (no audit event: the audit chain is written by the
tenants migration, not this one).
"""

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import migrations

UNDECIDED = ("pending", "needs_information")
# licensing.terms.TERM_FIELDS and fingerprint as of this migration, written out.
TERM_FIELDS = (
    "origin",
    "spdx_id",
    "permitted_uses",
    "prohibited_uses",
    "territory",
    "valid_from",
    "valid_until",
    "attribution",
    "terms_url",
    "payment_notes",
)
NO_PERSON_NOTE = (
    "Proposed through an API key whose accountable person cannot be found, so four eyes "
    "cannot be checked; rejected when proposers were recorded for key proposals. Revise "
    "the license to propose these terms again."
)


def _fingerprint(version) -> str:
    terms = {name: getattr(version, name) for name in TERM_FIELDS}
    canonical = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in terms.items()}
    return hashlib.sha256(
        json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def record_key_proposers(apps, schema_editor, out=print):
    from tenants.context import platform_scope

    ApiKey = apps.get_model("tenants", "ApiKey")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    LicenseVersion = apps.get_model("licensing", "LicenseVersion")
    LicenseReview = apps.get_model("licensing", "LicenseReview")
    Evidence = apps.get_model("licensing", "Evidence")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    now = dt.datetime.now(dt.UTC)

    def person_of_key(tenant_id, pk=None, prefix=None):
        keys = ApiKey._base_manager.filter(tenant_id=tenant_id)
        keys = keys.filter(pk=pk) if pk is not None else keys.filter(prefix=prefix)
        return keys.values_list("accountable_person_id", flat=True).first()

    def person(tenant_id, event, display) -> tuple[int | None, bool]:
        """(the person who acted, whether a key acted) for a record with no person."""
        if event is not None:
            if event.actor_type == "api_key" and event.actor_id.isdigit():
                return person_of_key(tenant_id, pk=int(event.actor_id)), True
            if event.actor_type == "user" and event.actor_id.isdigit():
                found = User._base_manager.filter(pk=int(event.actor_id))
                return found.values_list("pk", flat=True).first(), False
            return None, False  # the system: an operator's command
        if not display or display == "system":
            return None, False
        if display.endswith(")") and " (" in display:  # "<prefix> (<name>)": a key
            return person_of_key(tenant_id, prefix=display.split(" (", 1)[0]), True
        found = User._base_manager.filter(email__iexact=display)
        return found.values_list("pk", flat=True).first(), False

    def events(tenant_id, license_id, actions):
        return AuditEvent._base_manager.filter(
            tenant_id=tenant_id,
            target_type="license",
            target_id=str(license_id),
            action__in=actions,
        ).order_by("seq")

    # Every tenant's rows: on PostgreSQL row-level security applies to migrations too.
    with platform_scope():
        versions = LicenseVersion._base_manager.filter(proposed_by__isnull=True).order_by("pk")
        for version in versions:
            event = next(
                (
                    e
                    for e in events(
                        version.tenant_id,
                        version.license_id,
                        ["license.proposed", "license.revised"],
                    )
                    if (e.changes.get("version") or [None, None])[1] == version.number
                ),
                None,
            )
            who, by_key = person(version.tenant_id, event, version.proposed_by_display)
            if who is not None:
                LicenseVersion._base_manager.filter(pk=version.pk).update(proposed_by_id=who)
            elif by_key and version.status in UNDECIDED:
                LicenseVersion._base_manager.filter(pk=version.pk).update(
                    status="rejected", conditions=""
                )
                LicenseReview._base_manager.create(
                    tenant_id=version.tenant_id,
                    version_id=version.pk,
                    decision="rejected",
                    notes=NO_PERSON_NOTE,
                    conditions="",
                    terms_sha256=_fingerprint(version),
                    reviewer=None,
                    reviewer_display="system",
                    decided_at=now,
                )
                out(
                    f"License {version.license_id} version {version.number}: rejected "
                    "(proposed through a key whose person cannot be found)"
                )
        for evidence in Evidence._base_manager.filter(uploaded_by__isnull=True).order_by("pk"):
            event = next(
                (
                    e
                    for e in events(
                        evidence.tenant_id, evidence.license_id, ["license.evidence_added"]
                    )
                    if (e.changes.get("sha256") or [None, None])[1] == evidence.sha256
                ),
                None,
            )
            who, _ = person(evidence.tenant_id, event, evidence.uploaded_by_display)
            if who is not None:
                Evidence._base_manager.filter(pk=evidence.pk).update(uploaded_by_id=who)


class Migration(migrations.Migration):
    dependencies = [
        ("licensing", "0004_validity_seen"),
        ("tenants", "0007_apikey_accountable_person"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(record_key_proposers, migrations.RunPython.noop)]
