"""The discovery documents (RFC 7644 4): what the service supports, its schemas and
resource types, in SCIM's own media type and only for the tenant's token."""

from __future__ import annotations

from tests.scim.conftest import GROUP_SCHEMA, SCIM, USER_SCHEMA, ScimClient

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_service_provider_config_says_patch_and_filter_yes_bulk_no(scim):
    response = scim.get("ServiceProviderConfig")
    assert response.status_code == 200
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    assert body["patch"] == {"supported": True}
    assert body["filter"]["supported"] is True
    assert body["bulk"]["supported"] is False
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_schemas_list_and_one(scim):
    listed = scim.get("Schemas").json()
    assert listed["totalResults"] == 3
    assert {s["id"] for s in listed["Resources"]} == {USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE}
    one = scim.get(f"Schemas/{USER_SCHEMA}")
    assert one.status_code == 200
    assert "userName" in {a["name"] for a in one.json()["attributes"]}
    missing = scim.get("Schemas/urn:nothing")
    assert missing.status_code == 404
    assert missing.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_resource_types_list_and_one(scim):
    listed = scim.get("ResourceTypes").json()
    user = next(r for r in listed["Resources"] if r["id"] == "User")
    assert user["schemaExtensions"] == [{"schema": ENTERPRISE, "required": False}]
    assert {(r["id"], r["endpoint"]) for r in listed["Resources"]} == {
        ("User", "/Users"),
        ("Group", "/Groups"),
    }
    group = scim.get("ResourceTypes/Group").json()
    assert group["schema"] == GROUP_SCHEMA
    assert group["meta"]["location"] == "http://testserver/scim/v2/acme/ResourceTypes/Group"
    assert scim.get("ResourceTypes/Printer").status_code == 404


def test_discovery_needs_the_tenants_token(world):
    response = ScimClient("acme", None).get("ServiceProviderConfig")
    assert response.status_code == 401
    assert response["Content-Type"] == SCIM
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "401"


def test_scim_is_not_in_the_openapi_document(world):
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    assert not [path for path in document["paths"] if "scim/v2" in path]
    assert "/api/v1/tenants/{tenant}/scim-tokens/" in document["paths"]
