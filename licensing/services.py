"""Writes for licensing: rights holders, sources, licenses and their review, evidence,
and which sources a digest derives from.

The review workflow, per license version:

    pending ──┬─> approved ──────────────────┐
              ├─> approved_with_conditions ──┼─> rejected   (a revocation)
              ├─> needs_information ─> (any decision)
              └─> rejected

Editing a license writes a new version that starts `pending`; the last approved version
stays in force until the new one is approved. Nobody decides on a version they proposed:
a version proposed through an API key is proposed by the key's accountable person.
Every decision is kept (`LicenseReview`) with the fingerprint of the terms it decided on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Q, RestrictedError
from django.utils import timezone

from audit import services as audit
from core.exceptions import Conflict, Forbidden, ServiceError
from digests import changes as digest_changes
from licensing import selectors
from licensing import terms as term_rules
from licensing.models import (
    DigestSource,
    Evidence,
    License,
    LicenseReview,
    LicenseTerm,
    LicenseVersion,
    RightsHolder,
    Source,
)
from licensing.text_gate import TextGate
from tenants.context import current_tenant
from tenants.principals import Principal
from webhooks import services as webhooks

Status = LicenseVersion.Status
DECISIONS = (
    Status.APPROVED,
    Status.APPROVED_WITH_CONDITIONS,
    Status.REJECTED,
    Status.NEEDS_INFORMATION,
)
# Which decisions may follow which status.
TRANSITIONS: dict[str, set[str]] = {
    Status.PENDING: set(DECISIONS),
    Status.NEEDS_INFORMATION: set(DECISIONS),
    Status.APPROVED: {Status.REJECTED},
    Status.APPROVED_WITH_CONDITIONS: {Status.REJECTED},
    Status.REJECTED: set(),
}
APPROVING = (Status.APPROVED, Status.APPROVED_WITH_CONDITIONS)


# --- Rights holders and sources ---------------------------------------------------------------

HOLDER_FIELDS = ("name", "contact_name", "contact_email", "url", "notes")
SOURCE_FIELDS = ("kind", "title", "canonical_url", "publisher", "rights_holder", "parent")


def _fields(obj, names) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(obj, f"{name}_id" if name in ("rights_holder", "parent") else name)
        out[name] = value
    return out


def _create(model, fields, *, actor: Principal | None, **data):
    obj = model.objects.create(tenant=current_tenant(), **data)
    audit.record(
        f"{_action_noun(model)}.created",
        actor=actor,
        target=audit.Target.of(obj),
        changes=audit.diff({}, _fields(obj, fields)),
    )
    return obj


def _update(obj, fields, *, actor: Principal | None, **data):
    before = _fields(obj, fields)
    for name, value in data.items():
        setattr(obj, name, value)
    obj.save()
    changes = audit.diff(before, _fields(obj, fields))
    if changes:
        audit.record(
            f"{_action_noun(type(obj))}.updated",
            actor=actor,
            target=audit.Target.of(obj),
            changes=changes,
        )
    return obj


def _action_noun(model) -> str:
    return {RightsHolder: "rights_holder", Source: "source"}[model]


@transaction.atomic
def rights_holder_create(*, actor: Principal | None, **data) -> RightsHolder:
    if RightsHolder.objects.filter(name=data["name"]).exists():
        raise Conflict(f"a rights holder named {data['name']!r} exists", code="holder_exists")
    return _create(RightsHolder, HOLDER_FIELDS, actor=actor, **data)


@transaction.atomic
def rights_holder_update(*, actor: Principal | None, holder: RightsHolder, **data) -> RightsHolder:
    holder = RightsHolder.objects.select_for_update().get(pk=holder.pk)
    if "name" in data and RightsHolder.objects.filter(name=data["name"]).exclude(pk=holder.pk):
        raise Conflict(f"a rights holder named {data['name']!r} exists", code="holder_exists")
    return _update(holder, HOLDER_FIELDS, actor=actor, **data)


@transaction.atomic
def rights_holder_delete(*, actor: Principal | None, holder: RightsHolder) -> None:
    if License.objects.filter(rights_holder=holder).exists():
        raise Conflict(
            "this rights holder has licenses; delete them first", code="holder_has_licenses"
        )
    audit.record("rights_holder.deleted", actor=actor, target=audit.Target.of(holder))
    _resend(holders=[holder.pk])
    holder.delete()  # its sources keep existing, without a holder


def _check_source_links(data: dict, source: Source | None = None) -> None:
    parent = data.get("parent")
    if parent is None:
        return
    seen = {source.pk} if source else set()
    node = parent
    while node is not None:
        if node.pk in seen:
            raise ServiceError("parent: a source cannot be its own ancestor", code="source_cycle")
        seen.add(node.pk)
        node = node.parent


@transaction.atomic
def source_create(*, actor: Principal | None, **data) -> Source:
    _check_source_links(data)
    return _create(Source, SOURCE_FIELDS, actor=actor, **data)


@transaction.atomic
def source_update(*, actor: Principal | None, source: Source, **data) -> Source:
    source = Source.objects.select_for_update().get(pk=source.pk)
    _check_source_links(data, source)
    before = _fields(source, SOURCE_FIELDS)
    updated = _update(source, SOURCE_FIELDS, actor=actor, **data)
    if _fields(updated, SOURCE_FIELDS) != before:
        _resend(sources=[source.pk])  # its title, feed or holder may show in digests
    return updated


@transaction.atomic
def source_delete(*, actor: Principal | None, source: Source) -> None:
    if DigestSource.objects.filter(source=source).exists():
        raise Conflict("digests derive from this source; unlink them first", code="source_in_use")
    audit.record("source.deleted", actor=actor, target=audit.Target.of(source))
    try:
        with transaction.atomic():
            source.delete()
    except (ProtectedError, RestrictedError, IntegrityError) as exc:
        raise Conflict("this source is still referenced", code="source_in_use") from exc


# --- Licenses ------------------------------------------------------------------------------------


def _version_terms(version: LicenseVersion) -> dict[str, Any]:
    return {name: getattr(version, name) for name in term_rules.TERM_FIELDS}


def _sync_terms(lic: License) -> None:
    """Rewrite the license's rows in `LicenseTerm` from its version in force."""
    LicenseTerm.objects.filter(license=lic).delete()
    version = lic.in_force
    if version is None or version.status not in APPROVING:
        return
    rows = [
        LicenseTerm(
            tenant_id=lic.tenant_id,
            license=lic,
            source_id=lic.source_id,
            rights_holder_id=lic.rights_holder_id,
            use=use,
            effect=effect,
            valid_from=version.valid_from,
            valid_until=version.valid_until,
        )
        for effect, uses in (
            (LicenseTerm.Effect.PERMIT, version.permitted_uses),
            (LicenseTerm.Effect.PROHIBIT, version.prohibited_uses),
        )
        for use in uses
    ]
    LicenseTerm.objects.bulk_create(rows)


def _resend(*, sources=(), holders=(), digests=()) -> None:
    """Re-send, in the changes feed, the digests whose sources' license status or whose
    passage through a license gate may have changed: those of these sources (or of a
    source whose feed is one of them), of these rights holders, and these digests.
    Called after the write's audit record: the chain head is locked before the feed's
    counter, the order every digest write follows."""
    sources, holders = [s for s in sources if s], [h for h in holders if h]
    ids = set(digests)
    if sources or holders:
        covered = (
            Q(source_id__in=sources)
            | Q(source__parent_id__in=sources)
            | Q(source__rights_holder_id__in=holders)
        )
        ids |= set(DigestSource.objects.filter(covered).values_list("digest_id", flat=True))
    digest_changes.record(sorted(ids))


def _resend_license(lic: License) -> None:
    _resend(sources=[lic.source_id], holders=[lic.rights_holder_id])


def _target(lic: License) -> audit.Target:
    scope = lic.source.title if lic.source_id else f"all of {lic.rights_holder.name}"
    return audit.Target(type="license", id=lic.pk, display=f"License {lic.pk} ({scope})")


@transaction.atomic
def license_propose(
    *,
    actor: Principal | None,
    source: Source | None = None,
    rights_holder: RightsHolder | None = None,
    terms: dict[str, Any],
) -> License:
    """A new license, its first version pending review."""
    if (source is None) == (rights_holder is None):
        raise ServiceError(
            "a license covers either one source or one rights holder's sources: give "
            "exactly one of source and rights_holder",
            code="invalid_scope",
        )
    checked = term_rules.check(terms)
    lic = License.objects.create(
        tenant=current_tenant(), source=source, rights_holder=rights_holder
    )
    _new_version(lic, 1, actor, checked)
    audit.record(
        "license.proposed",
        actor=actor,
        target=_target(lic),
        changes=audit.diff({}, {"version": 1, **_audit_terms(checked)}),
    )
    _resend_license(lic)
    return lic


def _new_version(lic: License, number: int, actor: Principal | None, terms: dict) -> LicenseVersion:
    """Write version `number` of the terms, pending review, as the license's newest."""
    version = LicenseVersion.objects.create(
        tenant=lic.tenant,
        license=lic,
        number=number,
        # Through a key, the key's accountable person proposes: four eyes count people.
        proposed_by_id=actor.person_id if actor else None,
        proposed_by_display=audit.actor_display(actor),
        **terms,
    )
    lic.latest = version
    lic.save(update_fields=["latest", "updated_at"])
    return version


def _audit_terms(terms: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in terms.items()}


@transaction.atomic
def license_revise(*, actor: Principal | None, lic: License, changes: dict[str, Any]) -> License:
    """Edit a license: a new version pending review, unless nothing changed. A version
    not yet decided on (pending, needs information) is revised by a new version too,
    so every proposal stays on record."""
    lic = License.objects.select_for_update(of=("self",)).select_related("latest").get(pk=lic.pk)
    current = _version_terms(lic.latest)
    wanted = term_rules.check({**current, **changes})
    if wanted == current:
        return lic
    version = _new_version(lic, lic.latest.number + 1, actor, wanted)
    audit.record(
        "license.revised",
        actor=actor,
        target=_target(lic),
        changes={
            "version": [version.number - 1, version.number],
            **audit.diff(_audit_terms(current), _audit_terms(wanted)),
        },
    )
    _resend_license(lic)
    return lic


@transaction.atomic
def license_review(
    *,
    actor: Principal | None,
    lic: License,
    decision: str,
    version: int,
    notes: str = "",
    conditions: str = "",
) -> LicenseReview:
    """A compliance decision on the license's newest version (`version` must name it,
    so nobody decides on terms they have not seen)."""
    lic = (
        License.objects.select_for_update(of=("self",))
        .select_related("latest", "in_force")
        .get(pk=lic.pk)
    )
    latest = lic.latest
    if version != latest.number:
        raise Conflict(
            f"version {version} is not the newest; version {latest.number} is waiting for "
            "review. Read it, then decide on it",
            code="stale_version",
        )
    if decision not in TRANSITIONS.get(latest.status, set()):
        raise Conflict(
            f"a version that is {latest.status} cannot be {decision}",
            code="invalid_transition",
        )
    if decision == Status.APPROVED_WITH_CONDITIONS and not conditions.strip():
        raise ServiceError(
            "conditions: say which conditions the approval carries", code="conditions_required"
        )
    if decision in (Status.REJECTED, Status.NEEDS_INFORMATION) and not notes.strip():
        raise ServiceError(
            f"notes: say why the license is {decision.replace('_', ' ')}", code="notes_required"
        )
    if actor is not None and actor.user is None:
        raise Forbidden(
            "a license decision is a person's: sign in as a member to decide",
            code="person_required",
        )
    if actor is not None and latest.proposed_by_id == actor.person_id:
        raise Forbidden(
            "you proposed this version; another reviewer must decide on it (four eyes)",
            code="four_eyes",
        )
    now = timezone.now()
    before_status = latest.status
    latest.status = decision
    latest.conditions = conditions if decision == Status.APPROVED_WITH_CONDITIONS else ""
    latest.save(update_fields=["status", "conditions"])
    review = LicenseReview.objects.create(
        tenant=lic.tenant,
        version=latest,
        decision=decision,
        notes=notes,
        conditions=latest.conditions,
        terms_sha256=term_rules.fingerprint(_version_terms(latest)),
        reviewer=actor.user if actor else None,
        reviewer_display=audit.actor_display(actor),
        decided_at=now,
    )
    in_force_before = lic.in_force.number if lic.in_force else None
    if decision in APPROVING:
        lic.in_force = latest
        latest.validity_seen = selectors.validity(latest, timezone.localdate())
        latest.save(update_fields=["validity_seen"])
    elif decision == Status.REJECTED and lic.in_force_id == latest.pk:
        lic.in_force = None  # a revocation
    lic.save(update_fields=["in_force", "updated_at"])
    _sync_terms(lic)
    audit.record(
        "license.reviewed",
        actor=actor,
        target=_target(lic),
        changes={
            "version": [latest.number, latest.number],
            "status": [before_status, decision],
            "in_force": [in_force_before, lic.in_force.number if lic.in_force else None],
            **({"notes": ["", notes]} if notes else {}),
        },
    )
    _resend_license(lic)
    return review


@transaction.atomic
def license_delete(*, actor: Principal | None, lic: License) -> None:
    audit.record("license.deleted", actor=actor, target=_target(lic))
    _resend_license(lic)
    lic.delete()


@transaction.atomic
def evidence_add(
    *,
    actor: Principal | None,
    lic: License,
    filename: str,
    claimed_type: str,
    data: bytes,
    description: str = "",
) -> Evidence:
    kind = term_rules.evidence_type(data, claimed_type, filename)
    lic = License.objects.select_for_update(of=("self",)).select_related("latest").get(pk=lic.pk)
    evidence = Evidence.objects.create(
        tenant=lic.tenant,
        license=lic,
        version_number=lic.latest.number,
        filename=filename[:200],
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        description=description,
        uploaded_by_id=actor.person_id if actor else None,
        uploaded_by_display=audit.actor_display(actor),
    )
    audit.record(
        "license.evidence_added",
        actor=actor,
        target=_target(lic),
        changes=audit.diff(
            {}, {"file": evidence.filename, "sha256": evidence.sha256, "size": evidence.size}
        ),
    )
    return evidence


# --- Digests and their sources ----------------------------------------------------------------


@transaction.atomic
def digest_sources_set(*, actor: Principal | None, digest, sources: list[Source]) -> None:
    """Replace the sources a digest derives from."""
    before = sorted(DigestSource.objects.filter(digest=digest).values_list("source_id", flat=True))
    wanted = sorted({s.pk for s in sources})
    if before == wanted:
        return
    DigestSource.objects.filter(digest=digest).exclude(source_id__in=wanted).delete()
    DigestSource.objects.bulk_create(
        [
            DigestSource(tenant_id=digest.tenant_id, digest=digest, source_id=pk)
            for pk in wanted
            if pk not in before
        ]
    )
    audit.record(
        "digest.sources_changed",
        actor=actor,
        target=audit.Target.of(digest, digest.title),
        changes={"sources": [before, wanted]},
    )
    _resend(digests=[digest.pk])


def _source_key(publisher: str, title: str) -> str:
    identity = "\x1f".join(["episode", publisher.casefold(), title.casefold()])
    return hashlib.sha256(identity.encode()).hexdigest()


def link_digests(digests: Iterable, *, actor: Principal | None = None) -> int:
    """Give each digest the episode it summarizes, and that episode its publisher, as a
    source and a rights holder (made when missing, reused when known). For the importer
    and digests made through the API; a handful of queries for a whole batch. Returns
    the number of links made.

    A known source is reused only when `actor` may see its text (`text_gate.TextGate`):
    one linked only to digests hidden from the actor gets a source of the digest's own
    instead, unkeyed, so that a write never answers with what a hidden digest's source
    holds (its address, license status, attribution) or tells that it exists. Rights
    holders are always reused: a publisher's license covers every episode it publishes.
    With no actor (the demo seed, the benchmark) every known source is reused."""
    digests = [d for d in digests if d.pk is not None]
    if not digests:
        return 0
    tenant_id = digests[0].tenant_id

    def described(d):
        publisher = (d.source_publisher or d.publisher).strip()
        title = (d.source_title or d.title).strip()
        return publisher, title, _source_key(publisher, title)

    wanted = {d.pk: described(d) for d in digests}
    publishers = {p for p, _, _ in wanted.values() if p}
    holders = {h.name: h for h in RightsHolder.objects.filter(name__in=publishers)}
    missing = [RightsHolder(tenant_id=tenant_id, name=p) for p in publishers - set(holders)]
    if missing:
        RightsHolder.objects.bulk_create(missing, ignore_conflicts=True)
        holders = {h.name: h for h in RightsHolder.objects.filter(name__in=publishers)}

    def new_source(digest, publisher, title, key):
        holder = holders.get(publisher)
        return Source(
            tenant_id=tenant_id,
            kind=Source.Kind.EPISODE,
            title=title[:300],
            publisher=publisher[:200],
            canonical_url=digest.source_url or "",
            rights_holder_id=holder.pk if holder else None,
            import_key=key,
        )

    keys = {key for _, _, key in wanted.values()}
    sources = {s.import_key: s for s in Source.objects.filter(import_key__in=keys)}
    new_sources = {}
    for digest in digests:
        publisher, title, key = wanted[digest.pk]
        if key not in sources and key not in new_sources:
            new_sources[key] = new_source(digest, publisher, title, key)
    if new_sources:
        Source.objects.bulk_create(new_sources.values(), ignore_conflicts=True)
        sources = {s.import_key: s for s in Source.objects.filter(import_key__in=keys)}
    linked = set(
        DigestSource.objects.filter(digest_id__in=wanted).values_list("digest_id", "source_id")
    )
    source_of = {pk: sources[key] for pk, (_, _, key) in wanted.items()}
    if actor is not None:
        source_of.update(_own_sources(actor, digests, wanted, source_of, linked, new_source))
    links = [
        DigestSource(tenant_id=tenant_id, digest_id=pk, source_id=source.pk)
        for pk, source in source_of.items()
        if (pk, source.pk) not in linked
    ]
    DigestSource.objects.bulk_create(links, ignore_conflicts=True)
    return len(links)


def _own_sources(actor, digests, wanted, source_of, linked, new_source) -> dict:
    """For the digests whose known source `actor` may not see: a source of their own,
    the one made by an earlier write when the digest has it, else a new unkeyed one."""
    gate = TextGate(actor)
    if gate.sees_everything:
        return {}
    shown = gate.shown_ids(Source, {source.pk for source in source_of.values()})
    unseen = {pk for pk, source in source_of.items() if source.pk not in shown}
    if not unseen:
        return {}
    earlier = [(digest_id, source_id) for digest_id, source_id in linked if digest_id in unseen]
    unkeyed = Source.objects.filter(import_key__isnull=True, pk__in={s for _, s in earlier})
    unkeyed = {source.pk: source for source in unkeyed}
    kept = {
        (digest_id, unkeyed[source_id].publisher, unkeyed[source_id].title): unkeyed[source_id]
        for digest_id, source_id in earlier
        if source_id in unkeyed
    }
    own, made = {}, []
    for digest in digests:
        if digest.pk not in unseen:
            continue
        publisher, title, _ = wanted[digest.pk]
        source = kept.get((digest.pk, publisher[:200], title[:300]))
        if source is None:
            source = new_source(digest, publisher, title, None)
            made.append(source)
        own[digest.pk] = source
    Source.objects.bulk_create(made)
    return own


# --- Expiry notices ------------------------------------------------------------------------


@transaction.atomic
def announce_expiring(*, within_days: int, on: date | None = None) -> list[License]:
    """Announce `license.expiring` (webhook and audit log) for every license of the
    current tenant whose version in force ends within `within_days`, once per version:
    a renewal (a new version approved) is announced again when its own end approaches."""
    on = on or timezone.localdate()
    due = list(
        selectors.expiring(on, within_days)
        .select_for_update(of=("self",))
        .filter(in_force__expiry_announced_on__isnull=True)
        .order_by("pk")
    )
    if not due:
        return []
    tenant = current_tenant()
    for lic in due:
        version = lic.in_force
        version.expiry_announced_on = on
        version.save(update_fields=["expiry_announced_on"])
        webhooks.emit(tenant, "license.expiring", "license", lic.pk)
    audit.record_many(
        [
            audit.Entry(
                "license.expiring",
                target=_target(lic),
                changes={
                    "valid_until": [None, lic.in_force.valid_until.isoformat()],
                    "days_left": [None, (lic.in_force.valid_until - on).days],
                },
            )
            for lic in due
        ]
    )
    return due


@transaction.atomic
def refresh_validity(*, on: date | None = None) -> list[License]:
    """Re-send the digests of every license whose version in force started or ended
    since it was last looked at: a date alone changes what a license gate lets through,
    with no write to tell the changes feed. The worker's beat runs it with the expiry
    notices."""
    on = on or timezone.localdate()
    crossed = []
    versions = LicenseVersion.objects.filter(status__in=APPROVING, license__in_force=F("pk"))
    for version in versions.select_related("license"):
        now = selectors.validity(version, on)
        if now != version.validity_seen:
            version.validity_seen = now
            version.save(update_fields=["validity_seen"])
            crossed.append(version.license)
    if crossed:
        audit.record_many(
            [audit.Entry("license.validity_changed", target=_target(lic)) for lic in crossed]
        )
        for lic in crossed:
            _resend_license(lic)
    return crossed
