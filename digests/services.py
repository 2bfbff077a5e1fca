"""Writes for digests: create, edit, publish, archive, delete, restrict, import."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm

from audit import services as audit
from core.exceptions import Conflict, ServiceError
from digests import changes as change_log
from digests.models import Digest, DigestUserObjectPermission
from digests.parser import ParsedDigest
from digests.search import search_text
from digests.selectors import as_shown, readable_condition, reader_for, seen_whole
from licensing.services import link_digests
from policies.engine import is_reserved_slug
from tenants.context import current_tenant
from tenants.models import Role, User
from tenants.principals import Principal
from tenants.signals import member_removed

CONTENT_FIELDS = (
    "title",
    "publisher",
    "published_on",
    "summary",
    "key_points",
    "sections",
    "topics",
    "language",
    "truncated",
    "exporter",
    "source_publisher",
    "source_title",
    "source_url",
)
VIEW_PERMISSION = "digests.view_digest"
CHANGE_PERMISSION = "digests.change_digest"
SOURCE_FIELDS = {"publisher", "title", "source_publisher", "source_title", "source_url"}


def normalise_topics(topics: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for topic in topics:
        cleaned = " ".join(topic.split()).lower()
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def _unique_slug(base: str, *, exclude_pk: int | None = None) -> str:
    return _free_slug(slugify(base)[:100].strip("-") or "untitled", exclude_pk=exclude_pk)


def _free_slug(base: str, *, exclude_pk: int | None = None) -> str:
    """`base` if no other digest has it, else the first free `<base>-<n>`. Never a
    reserved slug (`policies.engine.is_reserved_slug`: `digest` and the stand-in
    `digest-<id>` a digest shows in place of its own): those count as taken, and bare
    `digest`, whose every `digest-<n>` is a stand-in, is numbered as `digest-copy`."""
    if not is_reserved_slug(base) and not (
        Digest.objects.filter(slug=base).exclude(pk=exclude_pk).exists()
    ):
        return base  # the common case, answered by the (tenant, slug) index
    base = base[:110].rstrip("-")  # room for the number within the column's 120
    if is_reserved_slug(f"{base}-2"):
        base = f"{base}-copy"
    taken = set(
        Digest.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken and not is_reserved_slug(base):
        return base
    n = 2
    while f"{base}-{n}" in taken or is_reserved_slug(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def _apply(digest: Digest, data: dict[str, Any], before: dict | None = None) -> list[str]:
    """Set content fields from `data`; the names that changed. With `before`, the old
    values of those fields are put there (for the audit log)."""
    changed = []
    for name in CONTENT_FIELDS:
        if name in data:
            value = data[name]
            if name == "topics":
                value = normalise_topics(value)
            if getattr(digest, name) != value:
                if before is not None:
                    before[name] = getattr(digest, name)
                setattr(digest, name, value)
                changed.append(name)
    if {"key_points", "sections"} & set(changed):
        digest.search_text = search_text(digest.key_points, digest.sections)
        changed.append("search_text")
    return changed


def _actor_user(actor: Principal | None) -> User | None:
    return actor.user if actor else None


def seen_by(actor: Principal | None, queryset: QuerySet[Digest], rules=None) -> QuerySet[Digest]:
    """The digests of `queryset` that `actor` may see: those the API shows them
    (`digests.selectors.readable_condition` with their rules in force, `rules` when the
    caller has read them already). The operator (no actor: a command, the demo loader)
    sees every one."""
    if actor is None:
        return queryset
    return readable_condition(reader_for(actor, rules), queryset)


def changeable_by(
    actor: Principal | None, queryset: QuerySet[Digest], rules=None
) -> QuerySet[Digest]:
    """The digests of `queryset` that `actor` may change: those they see, when their role
    may change digests (what the API's update asks)."""
    if actor is not None and not actor.has(CHANGE_PERMISSION):
        return queryset.none()
    return seen_by(actor, queryset, rules)


def importable_by(actor: Principal | None, queryset: QuerySet[Digest]) -> list[Digest]:
    """The digests of `queryset` that an import by `actor` may change: those they may
    change (`changeable_by`) and see whole, the engine finding nothing enforced for them
    (no redaction, hidden field or section, slug shown as `digest-<id>`).

    An import answers `unchanged` when the file equals the stored digest and `updated`
    otherwise, so importing a digest with a guessed word in place of one redacted or
    hidden from the caller would tell whether the guess is right: a digest seen only in
    part is refused as one not seen at all (`NOT_YOURS`)."""
    if actor is None:
        return list(queryset)
    reader = reader_for(actor)
    found = list(changeable_by(actor, queryset, reader.rule_set))
    if not found:
        return found
    shown = as_shown(reader, found)
    return [
        digest for digest, (_, decision) in zip(found, shown, strict=True) if seen_whole(decision)
    ]


def _slug_seen_by(actor: Principal | None, digest: Digest) -> bool:
    """Whether `actor` is shown `digest`'s slug as stored: they see the digest and the
    engine does not replace its slug by `digest-<id>` for them (policies.engine)."""
    if actor is None:
        return True
    reader = reader_for(actor)
    if not seen_by(actor, Digest.objects.filter(pk=digest.pk), reader.rule_set).exists():
        return False
    [(data, _)] = as_shown(reader, [digest])
    return data["slug"] == digest.slug


# A slug is unique in the tenant, so a slug that is taken cannot be given to another
# digest. When the digest holding it is one whose slug the caller is shown as stored,
# the answer says so (409), naming nothing of it: the caller chooses another. Otherwise
# (a digest they cannot see, or see with its slug shown as `digest-<id>` because a
# policy would change it) the digest gets the first free `<slug>-<n>`, as a slug made
# from a title does: the caller is not stopped by it, and is told nothing of it (no id,
# title or status, and not which of the digests they see holds it).
#
# What remains by design: that the slug asked for was taken shows in the one given
# (`<slug>-2`), so anyone who may create or rename a digest can learn that some digest
# of the tenant holds an exact slug they guessed, hidden or not. Slugs are unique in
# the tenant; no answer avoids that short of refusing every chosen slug.
SLUG_TAKEN = "Another digest has this slug; choose another."


def _requested_slug(actor: Principal | None, slug: str, *, exclude_pk: int | None = None) -> str:
    if is_reserved_slug(slug):  # the API refuses it; a command gets a free slug instead
        return _free_slug(slug, exclude_pk=exclude_pk)
    holder = Digest.objects.filter(slug=slug).exclude(pk=exclude_pk).first()
    if holder is None:
        return slug
    if _slug_seen_by(actor, holder):
        raise Conflict(SLUG_TAKEN, code="slug_taken")
    return _free_slug(slug, exclude_pk=exclude_pk)


@transaction.atomic
def digest_create(*, actor: Principal | None, data: dict[str, Any]) -> Digest:
    tenant = current_tenant()
    digest = Digest(tenant=tenant, created_by=_actor_user(actor), updated_by=_actor_user(actor))
    _apply(digest, data)
    digest.search_text = search_text(digest.key_points, digest.sections)
    slug = data.get("slug")
    if slug:
        digest.slug = _requested_slug(actor, slug)
    else:
        digest.slug = _unique_slug(f"{digest.title} {digest.published_on}")
    digest.save()
    link_digests([digest], actor=actor)
    audit.record(
        "digest.created",
        actor=actor,
        target=_target(digest),
        changes=audit.diff({}, {"title": digest.title, "status": digest.status}),
    )
    _announce([digest], "digest.created")
    return digest


def _announce(digests: list[Digest], event: str | None, *, deleted: bool = False) -> None:
    """After a write's audit event: log it for the changes feed and, when it is one
    subscribers may hear of, emit the webhook event (sent once the transaction commits)."""
    change_log.record([d.pk for d in digests], deleted=deleted)
    if event:
        _emit(digests, event)


def _emit(digests: list[Digest], event: str) -> None:
    from webhooks import services as webhooks

    webhooks.emit_many(current_tenant(), event, "digest", [d.pk for d in digests])


def _target(digest: Digest) -> audit.Target:
    return audit.Target.of(digest, digest.title)


def _changes(digest: Digest, before: dict, names: list[str]) -> dict:
    names = [n for n in names if n != "search_text"]
    return audit.diff({n: before.get(n) for n in names}, {n: getattr(digest, n) for n in names})


@transaction.atomic
def digest_update(*, actor: Principal | None, digest: Digest, data: dict[str, Any]) -> Digest:
    digest = Digest.objects.select_for_update().get(pk=digest.pk)
    before: dict[str, Any] = {}
    changed = _apply(digest, data, before)
    slug = data.get("slug")
    if slug and slug != digest.slug:
        slug = _requested_slug(actor, slug, exclude_pk=digest.pk)
    if slug and slug != digest.slug:
        before["slug"] = digest.slug
        digest.slug = slug
        changed.append("slug")
    if changed:
        digest.updated_by = _actor_user(actor)
        digest.save()
        if SOURCE_FIELDS & set(changed):
            # A new source is added; the old links stay until unlinked.
            link_digests([digest], actor=actor)
        audit.record(
            "digest.updated",
            actor=actor,
            target=_target(digest),
            changes=_changes(digest, before, changed),
        )
        _announce([digest], "digest.updated")
    return digest


_TRANSITIONS = {
    Digest.Status.PUBLISHED: {Digest.Status.DRAFT, Digest.Status.ARCHIVED},
    Digest.Status.ARCHIVED: {Digest.Status.DRAFT, Digest.Status.PUBLISHED},
}


@transaction.atomic
def digest_transition(*, actor: Principal | None, digest: Digest, to: str) -> Digest:
    digest = Digest.objects.select_for_update().get(pk=digest.pk)
    if digest.status not in _TRANSITIONS[to]:
        raise Conflict(f"a {digest.status} digest cannot become {to}", code="invalid_transition")
    now = timezone.now()
    before = digest.status
    digest.status = to
    if to == Digest.Status.PUBLISHED:
        digest.published_at = now
        digest.archived_at = None
    else:
        digest.archived_at = now
    digest.updated_by = _actor_user(actor)
    digest.save()
    action = "digest.published" if to == Digest.Status.PUBLISHED else "digest.archived"
    audit.record(action, actor=actor, target=_target(digest), changes={"status": [before, to]})
    _announce([digest], action)
    return digest


@transaction.atomic
def digest_delete(*, actor: Principal | None, digest: Digest) -> None:
    audit.record("digest.deleted", actor=actor, target=_target(digest))
    Digest.objects.filter(pk=digest.pk).delete()
    _announce([digest], "digest.deleted", deleted=True)


# --- Access: restriction and guardian grants ------------------------------------------------


@dataclass(frozen=True)
class Access:
    restricted: bool
    members: list[User]
    roles: list[Role]


def digest_access(digest: Digest) -> Access:
    members = list(
        User.objects.filter(
            digestuserobjectpermission__content_object=digest,
            digestuserobjectpermission__permission__codename="view_digest",
        ).order_by("email")
    )
    roles = list(
        Role.objects.filter(
            group__digestgroupobjectpermission__content_object=digest,
            group__digestgroupobjectpermission__permission__codename="view_digest",
        ).order_by("slug")
    )
    return Access(restricted=digest.restricted, members=members, roles=roles)


@transaction.atomic
def digest_forget_person(*, user: User) -> int:
    """Withdraw every grant `user` holds on this tenant's digests (on removal from the
    tenant): a person invited again starts from their role's access, not from grants
    made to them before. The number withdrawn."""
    deleted, _ = DigestUserObjectPermission.objects.filter(
        user=user, content_object__in=Digest.objects.all()
    ).delete()
    return deleted


@receiver(member_removed)
def _forget_removed_member(sender, user: User, **kwargs) -> None:
    digest_forget_person(user=user)


def digest_set_access(
    *,
    actor: Principal | None,
    digest: Digest,
    restricted: bool,
    members: list[User],
    roles: list[Role],
) -> Access:
    """Replace who may see a restricted digest. Grants are guardian object permissions on
    the digest: to a person directly, or to a role through the role's group."""
    digest = Digest.objects.select_for_update().get(pk=digest.pk)
    current = digest_access(digest)
    for user in set(current.members) - set(members):
        remove_perm(VIEW_PERMISSION, user, digest)
    for user in set(members) - set(current.members):
        assign_perm(VIEW_PERMISSION, user, digest)
    current_groups = {r.group_id for r in current.roles}
    wanted_groups = {r.group_id for r in roles}
    for group in Group.objects.filter(pk__in=current_groups - wanted_groups):
        remove_perm(VIEW_PERMISSION, group, digest)
    for group in Group.objects.filter(pk__in=wanted_groups - current_groups):
        assign_perm(VIEW_PERMISSION, group, digest)
    if digest.restricted != restricted:
        digest.restricted = restricted
        digest.updated_by = _actor_user(actor)
        digest.save(update_fields=["restricted", "updated_by", "updated_at"])
    after = digest_access(digest)
    changes = audit.diff(
        {
            "restricted": current.restricted,
            "members": [u.email for u in current.members],
            "roles": [r.slug for r in current.roles],
        },
        {
            "restricted": after.restricted,
            "members": [u.email for u in after.members],
            "roles": [r.slug for r in after.roles],
        },
    )
    if changes:
        audit.record("digest.access_changed", actor=actor, target=_target(digest), changes=changes)
        _announce([digest], None)  # who may see it changed: feeds re-read it
    return after


# --- Import ---------------------------------------------------------------------------------


def import_key(parsed: ParsedDigest) -> str:
    """The identity of an export: the same episode exported again is the same digest."""
    identity = "\x1f".join(
        [parsed.publisher.casefold(), parsed.title.casefold(), parsed.published_on.isoformat()]
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def parsed_fields(parsed: ParsedDigest, language: str | None = None) -> dict[str, Any]:
    """A digest's fields from an export; `language` when the import names one (the
    format has none: a new digest is then English, an existing one keeps its own)."""
    fields = {
        "title": parsed.title,
        "publisher": parsed.publisher,
        "published_on": parsed.published_on,
        "summary": parsed.summary,
        "key_points": parsed.key_points,
        "sections": parsed.sections_as_dicts(),
        "truncated": parsed.truncated,
        "exporter": parsed.exporter,
        "source_publisher": parsed.publisher,
        "source_title": parsed.title,
    }
    if language is not None:
        fields["language"] = language
    return fields


@dataclass(frozen=True)
class ImportOutcome:
    status: str  # created, updated, unchanged, failed
    digest: Digest | None  # None when failed
    error: str | None = None


# An export whose identity (publisher, title, date) is that of a digest its caller may
# not change by import (`importable_by`: one they cannot see, or see only in part, or
# any when their role cannot change digests) is refused, the file failing with this
# message: nothing is written, and the answer names nothing of that digest (no id, no
# status). The same message answers a caller who sees the digest but may not change it,
# so it tells no more than that the identity is taken.
# A second digest is not made instead: the identity is unique in the tenant, so that the
# same export imported again updates its digest rather than adding copies.
#
# What remains by design: whoever may import learns whether an exact identity (the
# publisher, title and date, compared without case) is taken in the tenant, hidden
# digests included: `failed` with this message, where a free one is `created`. The
# identity is unique in the tenant; no answer avoids that short of refusing every
# import. Nothing else of such a digest (its text, whether a guess at its content is
# right) is told: a partly seen one never answers `updated` or `unchanged`.
NOT_YOURS = (
    "a digest with this export's publisher, title and date exists that you may not change; "
    "nothing was imported"
)
_REFUSED = ImportOutcome("failed", None, NOT_YOURS)


def _new_digest(actor: Principal | None, key: str, fields: dict, publish: bool) -> Digest:
    digest = Digest(
        tenant=current_tenant(),
        import_key=key,
        created_by=_actor_user(actor),
        updated_by=_actor_user(actor),
    )
    _apply(digest, fields)
    digest.search_text = search_text(digest.key_points, digest.sections)
    if publish:
        digest.status = Digest.Status.PUBLISHED
        digest.published_at = timezone.now()
    return digest


def _refresh(actor: Principal | None, digest: Digest, fields: dict, publish: bool) -> str:
    """Apply an export to its existing digest; 'updated' or 'unchanged' (then no write).
    Stores what changed on the digest (`_import_changes`) for the audit event."""
    before: dict[str, Any] = {}
    changed = _apply(digest, fields, before)
    digest._import_changes = _changes(digest, before, changed)
    if publish and digest.status != Digest.Status.PUBLISHED:
        digest._import_changes["status"] = [digest.status, Digest.Status.PUBLISHED]
        digest.status = Digest.Status.PUBLISHED
        digest.published_at = timezone.now()
        digest.archived_at = None
        changed.append("status")
    if not changed:
        return "unchanged"
    digest.updated_by = _actor_user(actor)
    with transaction.atomic():  # a failed write leaves the rest of a batch intact
        digest.save()
    return "updated"


def digest_import(
    *,
    actor: Principal | None,
    parsed: ParsedDigest,
    publish: bool = False,
    language: str | None = None,
) -> ImportOutcome:
    """Create or update the digest for one parsed export; all or nothing.

    Two imports of the same export at once leave one digest: the unique
    (tenant, import_key) constraint makes the loser retry as an update.
    """
    key = import_key(parsed)
    fields = parsed_fields(parsed, language)
    for attempt in range(2):
        try:
            with transaction.atomic():
                # No ORDER BY (which first() would add): the partial unique index answers.
                existing = next(
                    iter(Digest.objects.select_for_update().filter(import_key=key)[:1]), None
                )
                if existing is None:
                    digest = _new_digest(actor, key, fields, publish)
                    digest.slug = _unique_slug(f"{digest.title} {digest.published_on}")
                    digest.save()
                    outcome = ImportOutcome("created", digest)
                elif not importable_by(actor, Digest.objects.filter(pk=existing.pk)):
                    return _REFUSED
                else:
                    outcome = ImportOutcome(_refresh(actor, existing, fields, publish), existing)
                link_digests([outcome.digest], actor=actor)
                _record_imports([outcome], actor)
                return outcome
        except IntegrityError:
            if attempt:
                raise
    raise ServiceError("the import could not be stored", code="import_failed")


@transaction.atomic
def digest_import_many(
    *,
    actor: Principal | None,
    parsed: list[ParsedDigest],
    publish: bool = False,
    language: str | None = None,
) -> list[ImportOutcome]:
    """`digest_import` for many exports at once, with the same outcome per export.

    New digests are inserted in one statement and existing ones are locked and read in
    one query, so a large import costs a few statements per batch rather than several
    per file. Whatever does not fit that fast path (an export repeated within the
    batch, a slug already taken, a concurrent import of the same export) goes through
    `digest_import` one by one.
    """
    keys = [import_key(p) for p in parsed]
    existing = {
        d.import_key: d for d in Digest.objects.select_for_update().filter(import_key__in=set(keys))
    }
    refused: set[str] = set()
    if existing and actor is not None:  # the operator may change every digest
        mine = importable_by(actor, Digest.objects.filter(import_key__in=list(existing)))
        refused = set(existing) - {digest.import_key for digest in mine}
    outcomes: list[ImportOutcome | None] = [None] * len(parsed)
    slow: list[int] = []
    fresh: dict[int, Digest] = {}
    seen: set[str] = set()
    for index, (key, item) in enumerate(zip(keys, parsed, strict=True)):
        if key in seen:
            slow.append(index)  # the same export twice in one batch: the second updates
            continue
        seen.add(key)
        fields = parsed_fields(item, language)
        if key in refused:
            outcomes[index] = _REFUSED
        elif key in existing:
            digest = existing[key]
            outcomes[index] = ImportOutcome(_refresh(actor, digest, fields, publish), digest)
        else:
            digest = _new_digest(actor, key, fields, publish)
            digest.slug = slugify(f"{digest.title} {digest.published_on}")[:100].strip("-")
            fresh[index] = digest
    if fresh:
        wanted = [d.slug for d in fresh.values()]
        taken = set(Digest.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        claimed: set[str] = set()
        for index, digest in list(fresh.items()):
            if (
                not digest.slug
                or is_reserved_slug(digest.slug)
                or digest.slug in taken
                or digest.slug in claimed
            ):
                del fresh[index]
                slow.append(index)
            else:
                claimed.add(digest.slug)
        try:
            with transaction.atomic():
                Digest.objects.bulk_create(list(fresh.values()))
        except IntegrityError:
            slow.extend(fresh)  # raced with another import: take the careful path
            fresh = {}
        for index, digest in fresh.items():
            outcomes[index] = ImportOutcome("created", digest)
    done = [o for o in outcomes if o is not None and o.digest is not None]
    # Unchanged ones too: the links made before are kept.
    link_digests([o.digest for o in done], actor=actor)
    _record_imports(done, actor)
    for index in sorted(slow):
        outcomes[index] = digest_import(
            actor=actor, parsed=parsed[index], publish=publish, language=language
        )
    return [o for o in outcomes if o is not None]


def _record_imports(outcomes: list[ImportOutcome], actor: Principal | None) -> None:
    """One audit event per digest an import created or changed (unchanged ones: none)."""
    entries = []
    created, updated, published = [], [], []
    for outcome in outcomes:
        digest = outcome.digest
        if outcome.status == "created":
            changes = audit.diff({}, {"title": digest.title, "status": digest.status})
        elif outcome.status == "updated":
            changes = getattr(digest, "_import_changes", {})
        else:
            continue
        entries.append(
            audit.Entry(f"digest.import_{outcome.status}", target=_target(digest), changes=changes)
        )
        (created if outcome.status == "created" else updated).append(digest)
        # Published by this import: new and published, or its status changed (to published).
        if digest.status == Digest.Status.PUBLISHED and (
            outcome.status == "created" or "status" in changes
        ):
            published.append(digest)
    audit.record_many(entries, actor=actor)
    change_log.record([d.pk for d in [*created, *updated]])
    _emit(created, "digest.created")
    _emit(updated, "digest.updated")
    _emit(published, "digest.published")
