"""Bad input: a clear 400 (or 413, 415) problem naming what to fix, and nothing stored."""

from __future__ import annotations

import pytest

from licensing.models import Evidence, License, LicenseVersion
from tenants.context import tenant_context
from tests import factories
from tests.licensing import LICENSES, TERMS


@pytest.fixture
def source(world):
    return factories.source(world.acme, "An episode")


def _stored(world) -> tuple[int, int]:
    with tenant_context(world.acme):
        return License.objects.count(), LicenseVersion.objects.count()


@pytest.mark.parametrize(
    ("change", "field_or_code"),
    [
        ({"valid_from": "2027-01-01", "valid_until": "2026-01-01"}, "valid_until"),
        ({"permitted_uses": ["summarize", "resell"]}, "permitted_uses.1"),
        ({"prohibited_uses": ["everything"]}, "prohibited_uses.0"),
        ({"prohibited_uses": ["summarize"]}, "contradictory_terms"),
        ({"spdx_id": "MIT-ish"}, "spdx_id"),
        ({"spdx_id": "cc-by-4.0"}, "spdx_id"),
        ({"origin": "hearsay"}, "origin"),
        ({"valid_from": "2026-02-30"}, "valid_from"),
        ({"terms_url": "javascript:alert(1)"}, "terms_url"),
        ({"source": None}, "invalid_scope"),
        ({"rights_holder": "both"}, "invalid_scope"),
    ],
)
def test_bad_terms_are_refused_and_nothing_is_stored(world, source, change, field_or_code):
    before = _stored(world)
    body = {**TERMS, "source": source.pk, **change}
    if change.get("rights_holder") == "both":
        body["rights_holder"] = factories.rights_holder(world.acme).pk
    response = world.client("editor").post(LICENSES, body, format="json")
    assert response.status_code == 400, response.content
    problem = response.json()
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in problem.get("errors", [])}
    assert field_or_code in fields or problem["code"] == field_or_code, problem
    assert _stored(world) == before


def test_a_revision_with_dates_out_of_order_is_refused(world, source):
    lic = factories.license(world.acme, source=source, valid_from="2026-01-01")
    response = world.client("editor").patch(
        f"{LICENSES}{lic.pk}/", {"valid_until": "2025-06-30"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_dates"
    assert "2025-06-30" in response.json()["detail"]
    with tenant_context(world.acme):
        assert LicenseVersion.objects.filter(license=lic).count() == 1


def test_another_tenants_source_cannot_be_licensed_here(world):
    response = world.client("editor").post(
        LICENSES, {**TERMS, "source": world.globex_source.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "source"


def _upload(client, lic, name, content, kind="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"{LICENSES}{lic.pk}/evidence/upload/",
        {"file": SimpleUploadedFile(name, content, content_type=kind), "description": "x"},
        format="multipart",
    )


def test_evidence_is_kept_with_its_hash_and_served_as_an_attachment(world, source):
    lic = factories.license(world.acme, source=source)
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
    response = _upload(world.client("editor"), lic, "contract.pdf", pdf)
    assert response.status_code == 201, response.content
    body = response.json()
    import hashlib

    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert (body["content_type"], body["size"], body["version"]) == ("application/pdf", len(pdf), 1)
    listed = world.client("auditor").get(f"{LICENSES}{lic.pk}/evidence/").json()
    assert [e["id"] for e in listed] == [body["id"]]
    download = world.client("auditor").get(
        f"/api/v1/tenants/acme/licensing/evidence/{body['id']}/file/"
    )
    assert download.content == pdf
    assert download["Content-Disposition"] == 'attachment; filename="contract.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    # Viewers see status and attribution only: no evidence.
    assert world.client("viewer").get(f"{LICENSES}{lic.pk}/evidence/").status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("huge.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), 413, "evidence_too_large"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", 415, "evidence_type_not_allowed"),
        ("page.html.pdf", b"\x00\x01<html><script>", 415, "evidence_type_not_allowed"),
        ("empty.txt", b"", 400, "invalid_evidence"),
    ],
)
def test_oversized_or_disallowed_evidence_is_refused(world, source, name, content, status, code):
    lic = factories.license(world.acme, source=source)
    response = _upload(world.client("editor"), lic, name, content, kind="application/pdf")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert name in response.json()["detail"]
    with tenant_context(world.acme):
        assert not Evidence.objects.filter(license=lic).exists()


@pytest.mark.parametrize(
    ("url", "body", "field", "listed"),
    [
        pytest.param(
            "review",
            {"decision": "approve", "version": 1},
            "decision",
            "approved, approved_with_conditions, rejected, needs_information",
            id="review-decision",
        ),
        pytest.param(
            "",
            {**TERMS, "permitted_uses": ["summarise"]},
            "permitted_uses.0",
            "summarize, display_internally, distribute_internally",
            id="terms-use",
        ),
    ],
)
def test_a_bad_choice_is_refused_with_the_valid_choices(world, source, url, body, field, listed):
    """The 400 itself says which words are accepted (`approve` is not, `approved` is)."""
    lic = factories.license(world.acme, source=source)
    path = f"{LICENSES}{lic.pk}/review/" if url else LICENSES
    if not url:
        body = {**body, "source": source.pk}
    response = world.client("compliance").post(path, body, format="json")
    assert response.status_code == 400, response.content
    [error] = [e for e in response.json()["errors"] if e["field"] == field]
    assert error["code"] == "invalid_choice"
    assert listed in error["message"], error
