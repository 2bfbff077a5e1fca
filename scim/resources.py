"""SCIM protocol objects (scim2-models) to and from what the services take and the
selectors read: the one place that knows both."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    Context,
    Email,
    EnterpriseUser,
    Group,
    GroupMember,
    Meta,
    Name,
    ScimFilter,
    User,
)
from scim2_models import (
    InvalidFilterException as InvalidFilter,
)
from scim2_models.resources.user import GroupMembership

from scim.models import ScimGroup
from scim.selectors import PersonView
from scim.services import UserData

# The User resource, with the enterprise extension Entra ID sends by default.
ScimUserResource = User[EnterpriseUser]

# What `filter` may say: `<attribute> eq "<value>"`, one of these (lower-cased) per type.
USER_FILTERS = frozenset({"username", "externalid"})
GROUP_FILTERS = frozenset({"displayname", "externalid"})


def parse_filter(text: str, resource: type, supported: frozenset[str]) -> tuple[str, str]:
    """(attribute, value) of an `eq` filter on a supported attribute; anything else
    raises scim2-models' InvalidFilterException (400 invalidFilter)."""
    node = ScimFilter[resource](text).ast  # raises InvalidFilter on bad syntax
    attr_path = getattr(node, "attr_path", None)
    op = getattr(node, "op", None)
    if (
        attr_path is None
        or op is None
        or op.value != "eq"
        or attr_path.sub_attr is not None
        or attr_path.attr.lower() not in supported
        or not isinstance(node.value, str)
    ):
        names = " or ".join(f'{name} eq "..."' for name in sorted(supported))
        raise InvalidFilter(detail=f"unsupported filter {text!r}: use {names}")
    return attr_path.attr.lower(), node.value


def _meta(resource_type: str, location: str, created, last_modified) -> Meta:
    return Meta(
        resource_type=resource_type,
        created=created,
        last_modified=last_modified,
        location=location,
    )


def default_emails(email: str) -> list[dict]:
    """What a person's emails are until the provider says otherwise: their address."""
    return [{"value": email, "type": "work", "primary": True}]


def _email(stored: dict) -> Email:
    """An email as stored. The address is set unvalidated: one the platform already holds
    (a member's `.test` address, say) is shown even where scim2-models' EmailStr, which
    refuses special-use domains, would not take it in."""
    shown = Email.model_validate({k: v for k, v in stored.items() if k != "value"})
    return shown.model_copy(update={"value": stored.get("value")})


def user_resource(view: PersonView, base_url: str) -> ScimUserResource:
    person, record, membership = view.person, view.scim_user, view.membership
    given = record.given_name if record else ""
    family = record.family_name if record else ""
    emails = record.emails if record else default_emails(person.email)
    stamps = [s for s in (record, membership) if s is not None]
    created = min((s.created_at for s in stamps), default=person.date_joined)
    modified = max((s.updated_at for s in stamps), default=person.date_joined)
    enterprise = record.enterprise if record else {}
    return ScimUserResource(
        id=str(person.pk),
        external_id=(record.external_id if record else "") or None,
        user_name=person.email,
        name=Name(given_name=given or None, family_name=family or None)
        if given or family
        else None,
        # What the provider said, once it has said anything; until then the person's name.
        display_name=(record.display_name if record else person.full_name) or None,
        active=membership is not None,
        emails=[_email(email) for email in emails] or None,
        groups=[
            GroupMembership(value=str(group_id), display=name) for group_id, name in view.groups
        ]
        or None,
        meta=_meta("User", f"{base_url}Users/{person.pk}", created, modified),
        EnterpriseUser=EnterpriseUser.model_validate(enterprise) if enterprise else None,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def user_data(resource: ScimUserResource) -> UserData:
    """What a User resource (a POST or PUT body, or one a PATCH produced) sets."""
    name = resource.name
    extension = resource[EnterpriseUser]
    enterprise = extension.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) if extension else {}
    enterprise.pop("schemas", None)
    return UserData(
        user_name=_text(resource.user_name),
        external_id=_text(resource.external_id),
        given_name=_text(name.given_name if name else None),
        family_name=_text(name.family_name if name else None),
        display_name=_text(resource.display_name),
        emails=[
            {
                key: value
                for key, value in (
                    ("value", _text(email.value)),
                    ("type", _text(email.type) or None),
                    ("primary", email.primary),
                )
                if value is not None
            }
            for email in resource.emails or []
        ],
        enterprise=enterprise,
        active=True if resource.active is None else bool(resource.active),
    )


def split_member_removals(body):
    """Entra ID removes group members as `{"op": "Remove", "path": "members", "value":
    [{"value": id}, ...]}`, which RFC 7644 3.5.2.2 (and so scim2-models) does not allow: a
    remove selects its targets by a filter in the path. Each such operation becomes one
    `members[value eq "id"]` removal per member; any other body is returned unchanged."""
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        return body
    operations = []
    for operation in body["Operations"]:
        values = operation.get("value") if isinstance(operation, dict) else None
        if (
            str(operation.get("op", "")).lower() == "remove"
            and str(operation.get("path", "")).lower() == "members"
            and isinstance(values, list)
            and values
            and all(isinstance(v, dict) and isinstance(v.get("value"), str) for v in values)
        ):
            operations += [
                {"op": "remove", "path": f"members[value eq {ScimFilter.quote(v['value'])}]"}
                for v in values
            ]
        else:
            operations.append(operation)
    return {**body, "Operations": operations}


def group_resource(group: ScimGroup, members: list[tuple[int, str]], base_url: str) -> Group:
    return Group(
        id=str(group.pk),
        external_id=group.external_id or None,
        display_name=group.display_name,
        members=[GroupMember(value=str(pk), display=email) for pk, email in members] or None,
        meta=_meta("Group", f"{base_url}Groups/{group.pk}", group.created_at, group.updated_at),
    )


def group_data(resource: Group) -> dict:
    """The keyword arguments of scim_group_create / scim_group_update a Group sets."""
    return {
        "display_name": _text(resource.display_name),
        "external_id": _text(resource.external_id),
        "member_ids": [_text(member.value) for member in resource.members or []],
    }
