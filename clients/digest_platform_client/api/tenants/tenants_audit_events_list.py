from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_audit_event_list import PaginatedAuditEventList
from ...models.problem import Problem
from ...models.tenants_audit_events_list_outcome import TenantsAuditEventsListOutcome
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    tenant: str,
    *,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    outcome: TenantsAuditEventsListOutcome | Unset = UNSET,
    page_size: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target_id: str | Unset = UNSET,
    target_type: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["action"] = action

    params["actor"] = actor

    params["cursor"] = cursor

    json_outcome: str | Unset = UNSET
    if not isinstance(outcome, Unset):
        json_outcome = outcome.value

    params["outcome"] = json_outcome

    params["page_size"] = page_size

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    params["target_id"] = target_id

    params["target_type"] = target_type

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/audit/events/".format(tenant=quote(str(tenant), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedAuditEventList | Problem | None:
    if response.status_code == 200:
        response_200 = PaginatedAuditEventList.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())



        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())



        return response_404

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())



        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedAuditEventList | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    outcome: TenantsAuditEventsListOutcome | Unset = UNSET,
    page_size: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target_id: str | Unset = UNSET,
    target_type: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> Response[PaginatedAuditEventList | Problem]:
    """  Who did what, when, from where: newest first.

    Args:
        tenant (str):
        action (str | Unset):
        actor (str | Unset):
        cursor (str | Unset):
        outcome (TenantsAuditEventsListOutcome | Unset):
        page_size (int | Unset):
        since (datetime.datetime | Unset):
        target_id (str | Unset):
        target_type (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedAuditEventList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
action=action,
actor=actor,
cursor=cursor,
outcome=outcome,
page_size=page_size,
since=since,
target_id=target_id,
target_type=target_type,
until=until,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    tenant: str,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    outcome: TenantsAuditEventsListOutcome | Unset = UNSET,
    page_size: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target_id: str | Unset = UNSET,
    target_type: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> PaginatedAuditEventList | Problem | None:
    """  Who did what, when, from where: newest first.

    Args:
        tenant (str):
        action (str | Unset):
        actor (str | Unset):
        cursor (str | Unset):
        outcome (TenantsAuditEventsListOutcome | Unset):
        page_size (int | Unset):
        since (datetime.datetime | Unset):
        target_id (str | Unset):
        target_type (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedAuditEventList | Problem
     """


    return sync_detailed(
        tenant=tenant,
client=client,
action=action,
actor=actor,
cursor=cursor,
outcome=outcome,
page_size=page_size,
since=since,
target_id=target_id,
target_type=target_type,
until=until,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    outcome: TenantsAuditEventsListOutcome | Unset = UNSET,
    page_size: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target_id: str | Unset = UNSET,
    target_type: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> Response[PaginatedAuditEventList | Problem]:
    """  Who did what, when, from where: newest first.

    Args:
        tenant (str):
        action (str | Unset):
        actor (str | Unset):
        cursor (str | Unset):
        outcome (TenantsAuditEventsListOutcome | Unset):
        page_size (int | Unset):
        since (datetime.datetime | Unset):
        target_id (str | Unset):
        target_type (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedAuditEventList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
action=action,
actor=actor,
cursor=cursor,
outcome=outcome,
page_size=page_size,
since=since,
target_id=target_id,
target_type=target_type,
until=until,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    outcome: TenantsAuditEventsListOutcome | Unset = UNSET,
    page_size: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target_id: str | Unset = UNSET,
    target_type: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> PaginatedAuditEventList | Problem | None:
    """  Who did what, when, from where: newest first.

    Args:
        tenant (str):
        action (str | Unset):
        actor (str | Unset):
        cursor (str | Unset):
        outcome (TenantsAuditEventsListOutcome | Unset):
        page_size (int | Unset):
        since (datetime.datetime | Unset):
        target_id (str | Unset):
        target_type (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedAuditEventList | Problem
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
action=action,
actor=actor,
cursor=cursor,
outcome=outcome,
page_size=page_size,
since=since,
target_id=target_id,
target_type=target_type,
until=until,

    )).parsed
