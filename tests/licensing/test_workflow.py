"""The review workflow: who may propose and decide, which decisions may follow which, four
eyes, versions on every edit, and every step in the audit log."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from licensing.models import License, LicenseReview, LicenseVersion
from tenants.context import tenant_context
from tests import factories
from tests.licensing import LICENSES, propose, review, rights


@pytest.fixture
def source(world):
    return factories.source(world.acme, "The edge episode")


def test_an_editor_proposes_and_compliance_approves(world, source):
    proposed = propose(world.client("editor"), source=source.pk)
    assert proposed["status"] == "pending"
    assert proposed["version"] == 1 and proposed["in_force_version"] is None
    assert proposed["proposed_by"] == "editor@acme.test"

    response = review(world.client("compliance"), proposed["id"], "approved")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["in_force_version"] == 1
    with tenant_context(world.acme):
        decision = LicenseReview.objects.get(version__license_id=proposed["id"])
        assert decision.reviewer_display == "compliance@acme.test"
        assert len(decision.terms_sha256) == 64
        actions = list(
            AuditEvent.objects.filter(target_type="license", target_id=str(proposed["id"]))
            .order_by("seq")
            .values_list("action", flat=True)
        )
    assert actions == ["license.proposed", "license.reviewed"]


@pytest.mark.parametrize(
    ("role", "may_propose", "may_review", "may_read_terms"),
    [
        ("owner", True, True, True),
        ("admin", True, True, True),
        ("editor", True, False, True),
        ("compliance", True, True, True),
        ("auditor", False, False, True),
        ("viewer", False, False, False),
    ],
)
def test_who_may_propose_read_and_decide(
    world, source, role, may_propose, may_review, may_read_terms
):
    client = world.client(role)
    response = client.post(
        LICENSES,
        {"origin": "manual", "spdx_id": "CC-BY-4.0", "permitted_uses": [], "source": source.pk},
        format="json",
    )
    assert (response.status_code == 201) is may_propose, response.content
    lic = factories.license(world.acme, source=source)
    assert (review(client, lic.pk, "approved").status_code == 200) is may_review
    assert (client.get(f"{LICENSES}{lic.pk}/").status_code == 200) is may_read_terms
    # Everyone here may see sources, their status and attribution.
    assert client.get(f"/api/v1/tenants/acme/licensing/sources/{source.pk}/").status_code == 200


def test_nobody_decides_on_a_version_they_proposed(world, source):
    owner = world.client("owner")
    proposed = propose(owner, source=source.pk)
    response = review(owner, proposed["id"], "approved")
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"
    assert review(world.client("compliance"), proposed["id"], "approved").status_code == 200


TRANSITIONS = [
    ("pending", "approved", True),
    ("pending", "approved_with_conditions", True),
    ("pending", "rejected", True),
    ("pending", "needs_information", True),
    ("needs_information", "approved", True),
    ("needs_information", "rejected", True),
    ("approved", "rejected", True),  # a revocation
    ("approved", "approved", False),
    ("approved", "needs_information", False),
    ("approved_with_conditions", "rejected", True),
    ("rejected", "approved", False),
    ("rejected", "needs_information", False),
]


@pytest.mark.parametrize(("start", "decision", "allowed"), TRANSITIONS)
def test_which_decision_may_follow_which(world, source, start, decision, allowed):
    lic = factories.license(
        world.acme, source=source, decision=None if start == "pending" else start
    )
    response = review(world.client("compliance"), lic.pk, decision)
    if allowed:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == decision
    else:
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
        with tenant_context(world.acme):
            assert LicenseVersion.objects.get(license=lic).status == start


def test_conditions_and_reasons_are_required(world, source):
    compliance = world.client("compliance")
    lic = factories.license(world.acme, source=source)
    for decision, field, code in (
        ("approved_with_conditions", "conditions", "conditions_required"),
        ("rejected", "notes", "notes_required"),
        ("needs_information", "notes", "notes_required"),
    ):
        response = review(compliance, lic.pk, decision, **{field: "  "})
        assert response.status_code == 400
        assert response.json()["code"] == code
    with tenant_context(world.acme):
        assert not LicenseReview.objects.filter(version__license=lic).exists()


def test_a_decision_names_the_newest_version(world, source):
    lic = factories.license(world.acme, source=source)
    world.client("editor").patch(f"{LICENSES}{lic.pk}/", {"territory": "EU"}, format="json")
    stale = review(world.client("compliance"), lic.pk, "approved", version=1)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert review(world.client("compliance"), lic.pk, "approved", version=2).status_code == 200


# --- Versions -----------------------------------------------------------------------------


def test_editing_an_approved_license_needs_review_again_while_the_old_terms_apply(world, source):
    editor, compliance = world.client("editor"), world.client("compliance")
    proposed = propose(editor, source=source.pk, valid_from=None, valid_until=None)
    review(compliance, proposed["id"], "approved")
    assert rights(editor, source.pk, "quote_excerpts")["quote_excerpts"]["answer"] == "unknown"

    edited = editor.patch(
        f"{LICENSES}{proposed['id']}/",
        {"permitted_uses": ["summarize", "display_internally", "quote_excerpts"]},
        format="json",
    )
    assert edited.status_code == 200, edited.content
    body = edited.json()
    assert body["status"] == "pending"
    assert (body["version"], body["in_force_version"]) == (2, 1)
    # Version 1 still applies; version 2's extra permission does not, yet.
    now = rights(editor, source.pk, "summarize", "quote_excerpts")
    assert now["summarize"]["answer"] == "permitted"
    assert now["quote_excerpts"]["answer"] == "unknown"

    review(compliance, proposed["id"], "approved", version=2)
    assert rights(editor, source.pk, "quote_excerpts")["quote_excerpts"]["answer"] == "permitted"

    versions = editor.get(f"{LICENSES}{proposed['id']}/versions/").json()
    assert [(v["number"], v["status"]) for v in versions] == [(2, "approved"), (1, "approved")]
    assert versions[0]["permitted_uses"] == ["summarize", "display_internally", "quote_excerpts"]
    assert versions[1]["permitted_uses"] == ["summarize", "display_internally"]
    assert [r["reviewer"] for r in versions[0]["reviews"]] == ["compliance@acme.test"]


def test_rejecting_a_revision_keeps_the_approved_terms_and_revoking_removes_them(world, source):
    editor, compliance = world.client("editor"), world.client("compliance")
    proposed = propose(editor, source=source.pk, valid_from=None, valid_until=None)
    review(compliance, proposed["id"], "approved")
    editor.patch(f"{LICENSES}{proposed['id']}/", {"permitted_uses": []}, format="json")
    review(compliance, proposed["id"], "rejected", version=2)
    body = world.client("compliance").get(f"{LICENSES}{proposed['id']}/").json()
    assert (body["status"], body["in_force_version"]) == ("rejected", 1)
    assert rights(editor, source.pk, "summarize")["summarize"]["answer"] == "permitted"

    # Revoke: a third version equal to the first, approved, then rejected.
    editor.patch(
        f"{LICENSES}{proposed['id']}/",
        {"permitted_uses": ["summarize", "display_internally"]},
        format="json",
    )
    review(compliance, proposed["id"], "approved", version=3)
    assert review(compliance, proposed["id"], "rejected", version=3).status_code == 200
    body = world.client("compliance").get(f"{LICENSES}{proposed['id']}/").json()
    assert body["in_force_version"] is None
    assert rights(editor, source.pk, "summarize")["summarize"]["answer"] == "unknown"


def test_an_edit_that_changes_nothing_makes_no_version(world, source):
    lic = factories.license(world.acme, source=source, territory="EU")
    response = world.client("editor").patch(
        f"{LICENSES}{lic.pk}/", {"territory": "EU"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_an_edit_needs_the_current_etag_when_one_is_given(world, source):
    editor = world.client("editor")
    lic = factories.license(world.acme, source=source)
    etag = editor.get(f"{LICENSES}{lic.pk}/")["ETag"]
    first = editor.patch(
        f"{LICENSES}{lic.pk}/", {"territory": "EU"}, format="json", HTTP_IF_MATCH=etag
    )
    second = editor.patch(
        f"{LICENSES}{lic.pk}/", {"territory": "US"}, format="json", HTTP_IF_MATCH=etag
    )
    assert (first.status_code, second.status_code) == (200, 412)
    with tenant_context(world.acme):
        assert License.objects.get(pk=lic.pk).latest.territory == "EU"


def test_the_license_list_filters_by_status_including_expired(world, source):
    pending = factories.license(world.acme, source=source)
    approved = factories.license(world.acme, source=source, decision="approved")
    lapsed = factories.license(
        world.acme,
        source=source,
        decision="approved",
        valid_from="2020-01-01",
        valid_until="2021-01-01",
    )
    client = world.client("compliance")

    def ids(status):
        response = client.get(f"{LICENSES}?status={status}&source={source.pk}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["results"]}

    assert ids("pending") == {pending.pk}
    assert ids("approved") == {approved.pk}
    assert ids("expired") == {lapsed.pk}
    assert client.get(f"{LICENSES}?status=sort-of").status_code == 400


def test_an_api_key_cannot_decide_on_a_license(world, source):
    """Four eyes need two people: a key could otherwise approve what it proposed."""
    key = factories.api_key(world.acme, "compliance", name="compliance bot").token
    from rest_framework.test import APIClient

    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    proposed = propose(bot, source=source.pk)
    response = review(bot, proposed["id"], "approved")
    assert response.status_code == 403
    assert response.json()["code"] == "person_required"
    assert review(world.client("compliance"), proposed["id"], "approved").status_code == 200


def key_of(world, role: str, name: str):
    """A key the member holding `role` makes for themselves, as a client."""
    from rest_framework.test import APIClient

    made = world.client(role).post(
        "/api/v1/tenants/acme/api-keys/", {"name": name, "role": role}, format="json"
    )
    assert made.status_code == 201, made.content
    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"Bearer {made.json()['secret']}")
    return bot


def test_a_version_proposed_through_a_key_is_proposed_by_the_keys_person(world, source):
    """Four eyes count people: an admin proposing through their key cannot approve in
    a session, nor through another key of theirs."""
    bot = key_of(world, "admin", "admin's licensing bot")
    proposed = propose(bot, source=source.pk)
    with tenant_context(world.acme):
        version = LicenseVersion.objects.get(license_id=proposed["id"], number=1)
    assert version.proposed_by == world.members["admin"]

    response = review(world.client("admin"), proposed["id"], "approved")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "four_eyes"
    other_bot = key_of(world, "admin", "admin's second bot")
    assert review(other_bot, proposed["id"], "approved").status_code == 403
    assert review(world.client("compliance"), proposed["id"], "approved").status_code == 200


def test_a_revision_through_a_key_is_the_keys_persons_too(world, source):
    proposed = propose(world.client("compliance"), source=source.pk)
    bot = key_of(world, "admin", "admin's licensing bot")
    revised = bot.patch(f"{LICENSES}{proposed['id']}/", {"territory": "EU"}, format="json")
    assert revised.status_code == 200, revised.content
    response = review(world.client("admin"), proposed["id"], "approved", version=2)
    assert response.status_code == 403
    assert response.json()["code"] == "four_eyes"
    # The compliance officer proposed version 1 only: version 2 is theirs to decide.
    assert (
        review(world.client("compliance"), proposed["id"], "approved", version=2).status_code == 200
    )


# --- Versions proposed through a key before proposers were recorded: licensing 0005 ---------


def test_the_migration_records_the_keys_person_as_proposer_of_older_key_proposals(world, source):
    """Before keys had people, a key's proposal (and evidence) recorded no proposer, so
    the key's person could approve it. The migration fills in the key's person; a
    pending version whose key is gone is rejected, as nobody can tell who proposed it;
    a decided one stays as it is."""
    import importlib

    from django.apps import apps
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from licensing.models import Evidence
    from tenants.context import platform_scope
    from tenants.models import ApiKey

    admins = key_of(world, "admin", "admin's licensing bot")
    kept = propose(admins, source=source.pk)
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
    uploaded = admins.post(
        f"{LICENSES}{kept['id']}/evidence/upload/",
        {"file": SimpleUploadedFile("contract.pdf", pdf, "application/pdf")},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    from rest_framework.test import APIClient

    editors = factories.api_key(
        world.acme,
        "editor",
        name="editor's bot, deleted since",
        accountable_person=world.members["editor"],
    )
    gone = APIClient()
    gone.credentials(HTTP_AUTHORIZATION=f"Bearer {editors.token}")
    orphaned = propose(gone, source=factories.source(world.acme, title="Second").pk)
    decided = propose(gone, source=factories.source(world.acme, title="Third").pk)
    assert review(world.client("compliance"), decided["id"], "approved").status_code == 200
    with platform_scope():
        # As before tenants 0007: nobody recorded for what keys proposed or uploaded.
        LicenseVersion.objects.unscoped().update(proposed_by=None)
        Evidence.objects.unscoped().update(uploaded_by=None)
        ApiKey.objects.unscoped().filter(name="editor's bot, deleted since").delete()

    migration = importlib.import_module("licensing.migrations.0005_proposer_of_key_proposals")
    printed: list[str] = []
    with connection.schema_editor(atomic=False) as editor:
        migration.record_key_proposers(apps, editor, out=printed.append)

    with tenant_context(world.acme):
        version = LicenseVersion.objects.get(license_id=kept["id"], number=1)
        assert version.proposed_by == world.members["admin"]
        assert Evidence.objects.get(license_id=kept["id"]).uploaded_by == world.members["admin"]
        orphan = LicenseVersion.objects.get(license_id=orphaned["id"], number=1)
        assert orphan.status == "rejected"
        [rejection] = LicenseReview.objects.filter(version=orphan)
        assert (rejection.reviewer, rejection.reviewer_display) == (None, "system")
        assert LicenseVersion.objects.get(license_id=decided["id"]).status == "approved"
    assert printed == [
        f"License {orphaned['id']} version 1: rejected "
        "(proposed through a key whose person cannot be found)"
    ]

    response = review(world.client("admin"), kept["id"], "approved")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "four_eyes"
    orphan_review = review(world.client("editor"), orphaned["id"], "approved")
    assert orphan_review.status_code in (403, 409)
    assert review(world.client("compliance"), kept["id"], "approved").status_code == 200


def test_the_migration_finds_the_key_by_its_prefix_once_the_event_is_purged(world, source):
    import importlib

    from django.apps import apps
    from django.db import connection, transaction

    from audit.services import maintenance
    from tenants.context import platform_scope

    proposed = propose(key_of(world, "admin", "admin's bot"), source=source.pk)
    with platform_scope():
        LicenseVersion.objects.unscoped().update(proposed_by=None)
    with tenant_context(world.acme), transaction.atomic(), maintenance():
        # Retention purged the proposal's event.
        deleted, _ = AuditEvent.objects.filter(action="license.proposed").delete()
    assert deleted == 1

    migration = importlib.import_module("licensing.migrations.0005_proposer_of_key_proposals")
    with connection.schema_editor(atomic=False) as editor:
        migration.record_key_proposers(apps, editor, out=lambda line: None)
    with tenant_context(world.acme):
        version = LicenseVersion.objects.get(license_id=proposed["id"], number=1)
    assert version.proposed_by == world.members["admin"]
    assert version.status == "pending"
