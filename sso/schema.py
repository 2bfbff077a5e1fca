"""OpenAPI post-processing for the SSO endpoints."""

from __future__ import annotations

# Bodies described as "one of" several serializers: drf-spectacular cannot tell they are
# required (the union has no `required` list of its own), but every variant has some.
_ONE_OF_BODIES = {"ConnectionWriteRequest"}


def require_connection_bodies(result, generator, request, public):
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body:
                continue
            refs = {
                media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                for media in body.get("content", {}).values()
            }
            if refs & _ONE_OF_BODIES:
                body["required"] = True
    return result
