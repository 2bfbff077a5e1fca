"""SCIM Users: a person plus their membership. Create, list, filter, read, replace,
patch (as Okta and Entra ID send it) and delete; every request twice, to show a repeat
changes nothing."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from scim.models import ScimUser
from tenants import rbac
from tenants.context import tenant_context
from tenants.models import Membership, User
from tests.scim.conftest import SCIM, USER_SCHEMA, user_body

ADA = "ada@acme.example.com"


def membership_of(world, user_id: int) -> Membership | None:
    with tenant_context(world.acme):
        return Membership.objects.select_related("role").filter(user_id=user_id).first()


def events(world, action: str) -> list[AuditEvent]:
    with tenant_context(world.acme):
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def ada(scim) -> dict:
    response = scim.post("Users", user_body(ADA, externalId="okta-ada"))
    assert response.status_code == 201, response.content
    return response.json()


def test_create_makes_the_person_a_viewer_member_and_answers_the_resource(world, scim):
    response = scim.post("Users", user_body(ADA, externalId="okta-ada"))
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == [USER_SCHEMA]
    assert body["userName"] == ADA
    assert body["externalId"] == "okta-ada"
    assert body["active"] is True
    assert body["name"] == {"givenName": "Ada", "familyName": "Lovelace"}
    assert response["Location"] == f"http://testserver/scim/v2/acme/Users/{body['id']}"
    person = User.objects.get(email=ADA)
    assert str(person.pk) == body["id"]
    assert person.full_name == "Ada Lovelace"
    membership = membership_of(world, person.pk)
    # No SSO connection: the tenant's viewer role.
    assert membership.role.slug == rbac.VIEWER
    created = events(world, "scim.user_created")
    assert len(created) == 1
    assert created[0].actor_type == "scim_token"
    assert created[0].actor_display.startswith(scim_token_prefix(scim))

    again = scim.post("Users", user_body(ADA, externalId="okta-ada"))
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness"
    assert len(events(world, "scim.user_created")) == 1


def scim_token_prefix(scim) -> str:
    return scim.client._credentials["HTTP_AUTHORIZATION"].split("_")[1]


def test_an_existing_member_is_listed_and_cannot_be_created_again(world, scim):
    editor = world.members["editor"]
    found = scim.get("Users", filter=f'userName eq "{editor.email.upper()}"').json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == str(editor.pk)
    assert found["Resources"][0]["active"] is True
    body = user_body(editor.email)
    del body["emails"]  # scim2-models refuses `.test` addresses in emails
    response = scim.post("Users", body)
    assert response.status_code == 409, response.content


def test_list_pages_with_start_index_and_count(world, scim, ada):
    everyone = scim.get("Users").json()
    # acme's six preset members and Ada; nobody of globex.
    assert everyone["totalResults"] == 7
    assert everyone["startIndex"] == 1
    ids = [r["id"] for r in everyone["Resources"]]
    page = scim.get("Users", startIndex=3, count=2).json()
    assert page["totalResults"] == 7
    assert page["startIndex"] == 3
    assert page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == ids[2:4]
    assert scim.get("Users", count=0).json()["Resources"] == []
    emails = {r["userName"] for r in everyone["Resources"]}
    assert world.globex_owner.email not in emails


def test_filters_by_user_name_and_external_id(scim, ada):
    by_name = scim.get("Users", filter=f'userName eq "{ADA}"').json()
    assert [r["id"] for r in by_name["Resources"]] == [ada["id"]]
    by_external = scim.get("Users", filter='externalId eq "okta-ada"').json()
    assert [r["id"] for r in by_external["Resources"]] == [ada["id"]]
    # externalId is case-exact (RFC 7643 3.1).
    assert scim.get("Users", filter='externalId eq "OKTA-ADA"').json()["totalResults"] == 0
    assert (
        scim.get("Users", filter='userName eq "nobody@x.example.com"').json()["totalResults"] == 0
    )


@pytest.mark.parametrize(
    "text",
    [
        'title eq "boss"',
        'userName sw "ada"',
        'userName eq "a" or userName eq "b"',
        "userName eq",
        'emails.value eq "ada@acme.example.com"',
    ],
)
def test_unsupported_filters_answer_invalid_filter(scim, text):
    response = scim.get("Users", filter=text)
    assert response.status_code == 400
    body = response.json()
    assert body["scimType"] == "invalidFilter"
    assert body["status"] == "400"


def test_get_one_and_a_missing_one(world, scim, ada):
    response = scim.get(f"Users/{ada['id']}")
    assert response.status_code == 200
    assert response.json()["userName"] == ADA
    assert scim.get("Users/987654").status_code == 404
    assert scim.get("Users/not-a-number").status_code == 404
    # A person of another tenant is not a user here.
    assert scim.get(f"Users/{world.globex_owner.pk}").status_code == 404


def test_put_replaces_what_the_provider_says_and_not_the_email(world, scim, ada):
    body = user_body(
        ADA,
        externalId="okta-ada-2",
        name={"givenName": "Augusta", "familyName": "King"},
        displayName="Augusta Ada King",
    )
    for _ in range(2):
        response = scim.put(f"Users/{ada['id']}", body)
        assert response.status_code == 200, response.content
        assert response.json()["externalId"] == "okta-ada-2"
        assert response.json()["displayName"] == "Augusta Ada King"
    # The change is recorded once: the repeat found nothing to change.
    assert len(events(world, "scim.user_updated")) == 1
    # What the provider says stays in this tenant: the person's own name is untouched.
    assert User.objects.get(email=ADA).full_name == "Ada Lovelace"

    renamed = scim.put(f"Users/{ada['id']}", user_body("other@acme.example.com"))
    assert renamed.status_code == 400
    assert renamed.json()["scimType"] == "mutability"


def test_okta_deactivates_and_reactivates_with_a_patch(world, scim, ada):
    deactivate = {"op": "replace", "value": {"active": False}}
    for _ in range(2):
        response = scim.patch(f"Users/{ada['id']}", deactivate)
        assert response.status_code == 200, response.content
        assert response.json()["active"] is False
        assert membership_of(world, int(ada["id"])) is None
    assert len(events(world, "scim.user_deactivated")) == 1
    # A patch of `active` alone changes nothing else the provider said.
    assert events(world, "scim.user_updated") == []
    assert len(events(world, "member.removed")) == 1
    # Still a SCIM user of the tenant (listed, inactive), so it can come back.
    assert (
        scim.get("Users", filter=f'userName eq "{ADA}"').json()["Resources"][0]["active"] is False
    )

    for _ in range(2):
        response = scim.patch(f"Users/{ada['id']}", {"op": "replace", "value": {"active": True}})
        assert response.status_code == 200
        assert response.json()["active"] is True
    assert membership_of(world, int(ada["id"])).role.slug == rbac.VIEWER
    assert len(events(world, "scim.user_activated")) == 2  # created, then reactivated


def test_entra_patches_with_capitalised_ops_string_booleans_and_paths(world, scim, ada):
    operations = [
        {"op": "Replace", "path": "displayName", "value": "Countess Lovelace"},
        {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ak@acme.example.com"},
        {"op": "Replace", "path": "externalId", "value": "entra-object-id"},
    ]
    for _ in range(2):
        response = scim.patch(f"Users/{ada['id']}", *operations)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["displayName"] == "Countess Lovelace"
        assert body["name"]["givenName"] == "Augusta"
        assert body["name"]["familyName"] == "Lovelace"
        assert body["emails"] == [{"value": "ak@acme.example.com", "type": "work", "primary": True}]
        assert body["externalId"] == "entra-object-id"
        assert body["userName"] == ADA
    assert len(events(world, "scim.user_updated")) == 1
    with tenant_context(world.acme):
        assert ScimUser.objects.get(user_id=ada["id"]).external_id == "entra-object-id"

    off = {"op": "Replace", "path": "active", "value": "False"}
    response = scim.patch(f"Users/{ada['id']}", off)
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert membership_of(world, int(ada["id"])) is None
    on = scim.patch(f"Users/{ada['id']}", {"op": "Replace", "path": "active", "value": "True"})
    assert on.json()["active"] is True
    assert membership_of(world, int(ada["id"])) is not None


def test_a_malformed_patch_is_a_scim_error(scim, ada):
    bad_op = scim.patch(f"Users/{ada['id']}", {"op": "merge", "path": "active", "value": False})
    assert bad_op.status_code == 400
    assert bad_op.json()["scimType"] == "invalidValue"
    no_json = scim.client.patch(
        f"/scim/v2/acme/Users/{ada['id']}", data="{not json", content_type=SCIM
    )
    assert no_json.status_code == 400
    assert no_json.json()["scimType"] == "invalidSyntax"
    assert no_json["Content-Type"] == SCIM


def test_delete_removes_the_membership_and_the_user_then_404(world, scim, ada):
    first = scim.delete(f"Users/{ada['id']}")
    assert first.status_code == 204
    assert membership_of(world, int(ada["id"])) is None
    assert scim.get(f"Users/{ada['id']}").status_code == 404
    second = scim.delete(f"Users/{ada['id']}")
    assert second.status_code == 404
    assert len(events(world, "scim.user_deleted")) == 1
    # The person stays a person: they may belong to other tenants.
    assert User.objects.filter(email=ADA).exists()


def test_creating_an_inactive_user_adds_no_membership(world, scim):
    response = scim.post("Users", user_body(ADA, active=False))
    assert response.status_code == 201
    assert response.json()["active"] is False
    assert membership_of(world, int(response.json()["id"])) is None


def test_a_user_name_that_is_not_an_email_is_refused(scim):
    response = scim.post("Users", {"schemas": [USER_SCHEMA], "userName": "ada"})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_entra_ids_default_body_with_the_enterprise_extension(world, scim):
    """Entra ID's default attribute mappings send the enterprise extension; it is kept
    and shown back, and a patch of one of its attributes is applied."""
    body = user_body(
        "grace@acme.example.com",
        externalId="0f6a1d5e-entra-object-id",
        schemas=[USER_SCHEMA, ENTERPRISE],
        **{ENTERPRISE: {"department": "Research", "employeeNumber": "1906"}},
    )
    created = scim.post("Users", body)
    assert created.status_code == 201, created.content
    assert created.json()[ENTERPRISE] == {"department": "Research", "employeeNumber": "1906"}
    assert ENTERPRISE in created.json()["schemas"]
    path = f"{ENTERPRISE}:department"
    for _ in range(2):
        patched = scim.patch(
            f"Users/{created.json()['id']}", {"op": "Add", "path": path, "value": "Navy"}
        )
        assert patched.status_code == 200, patched.content
        assert patched.json()[ENTERPRISE]["department"] == "Navy"
    assert len(events(world, "scim.user_updated")) == 1
