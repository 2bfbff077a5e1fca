from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_digest_list import PaginatedDigestList
from ...models.problem import Problem
from ...models.tenants_digests_list_ordering import TenantsDigestsListOrdering
from ...models.tenants_digests_list_status import TenantsDigestsListStatus
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    tenant: str,
    *,
    cursor: str | Unset = UNSET,
    ordering: TenantsDigestsListOrdering | Unset = UNSET,
    page_size: int | Unset = UNSET,
    published_after: datetime.date | Unset = UNSET,
    published_before: datetime.date | Unset = UNSET,
    publisher: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: TenantsDigestsListStatus | Unset = UNSET,
    topic: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    json_ordering: str | Unset = UNSET
    if not isinstance(ordering, Unset):
        json_ordering = ordering.value

    params["ordering"] = json_ordering

    params["page_size"] = page_size

    json_published_after: str | Unset = UNSET
    if not isinstance(published_after, Unset):
        json_published_after = published_after.isoformat()
    params["published_after"] = json_published_after

    json_published_before: str | Unset = UNSET
    if not isinstance(published_before, Unset):
        json_published_before = published_before.isoformat()
    params["published_before"] = json_published_before

    params["publisher"] = publisher

    params["q"] = q

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["topic"] = topic


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/digests/".format(tenant=quote(str(tenant), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedDigestList | Problem | None:
    if response.status_code == 200:
        response_200 = PaginatedDigestList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedDigestList | Problem]:
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
    cursor: str | Unset = UNSET,
    ordering: TenantsDigestsListOrdering | Unset = UNSET,
    page_size: int | Unset = UNSET,
    published_after: datetime.date | Unset = UNSET,
    published_before: datetime.date | Unset = UNSET,
    publisher: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: TenantsDigestsListStatus | Unset = UNSET,
    topic: str | Unset = UNSET,

) -> Response[PaginatedDigestList | Problem]:
    """  The tenant's digests. Viewers see published ones; restricted digests only those
    granted access (everyone else gets 404).

    Args:
        tenant (str):
        cursor (str | Unset):
        ordering (TenantsDigestsListOrdering | Unset):
        page_size (int | Unset):
        published_after (datetime.date | Unset):
        published_before (datetime.date | Unset):
        publisher (str | Unset):
        q (str | Unset):
        status (TenantsDigestsListStatus | Unset):
        topic (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedDigestList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
cursor=cursor,
ordering=ordering,
page_size=page_size,
published_after=published_after,
published_before=published_before,
publisher=publisher,
q=q,
status=status,
topic=topic,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    tenant: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    ordering: TenantsDigestsListOrdering | Unset = UNSET,
    page_size: int | Unset = UNSET,
    published_after: datetime.date | Unset = UNSET,
    published_before: datetime.date | Unset = UNSET,
    publisher: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: TenantsDigestsListStatus | Unset = UNSET,
    topic: str | Unset = UNSET,

) -> PaginatedDigestList | Problem | None:
    """  The tenant's digests. Viewers see published ones; restricted digests only those
    granted access (everyone else gets 404).

    Args:
        tenant (str):
        cursor (str | Unset):
        ordering (TenantsDigestsListOrdering | Unset):
        page_size (int | Unset):
        published_after (datetime.date | Unset):
        published_before (datetime.date | Unset):
        publisher (str | Unset):
        q (str | Unset):
        status (TenantsDigestsListStatus | Unset):
        topic (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedDigestList | Problem
     """


    return sync_detailed(
        tenant=tenant,
client=client,
cursor=cursor,
ordering=ordering,
page_size=page_size,
published_after=published_after,
published_before=published_before,
publisher=publisher,
q=q,
status=status,
topic=topic,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    ordering: TenantsDigestsListOrdering | Unset = UNSET,
    page_size: int | Unset = UNSET,
    published_after: datetime.date | Unset = UNSET,
    published_before: datetime.date | Unset = UNSET,
    publisher: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: TenantsDigestsListStatus | Unset = UNSET,
    topic: str | Unset = UNSET,

) -> Response[PaginatedDigestList | Problem]:
    """  The tenant's digests. Viewers see published ones; restricted digests only those
    granted access (everyone else gets 404).

    Args:
        tenant (str):
        cursor (str | Unset):
        ordering (TenantsDigestsListOrdering | Unset):
        page_size (int | Unset):
        published_after (datetime.date | Unset):
        published_before (datetime.date | Unset):
        publisher (str | Unset):
        q (str | Unset):
        status (TenantsDigestsListStatus | Unset):
        topic (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedDigestList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
cursor=cursor,
ordering=ordering,
page_size=page_size,
published_after=published_after,
published_before=published_before,
publisher=publisher,
q=q,
status=status,
topic=topic,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    ordering: TenantsDigestsListOrdering | Unset = UNSET,
    page_size: int | Unset = UNSET,
    published_after: datetime.date | Unset = UNSET,
    published_before: datetime.date | Unset = UNSET,
    publisher: str | Unset = UNSET,
    q: str | Unset = UNSET,
    status: TenantsDigestsListStatus | Unset = UNSET,
    topic: str | Unset = UNSET,

) -> PaginatedDigestList | Problem | None:
    """  The tenant's digests. Viewers see published ones; restricted digests only those
    granted access (everyone else gets 404).

    Args:
        tenant (str):
        cursor (str | Unset):
        ordering (TenantsDigestsListOrdering | Unset):
        page_size (int | Unset):
        published_after (datetime.date | Unset):
        published_before (datetime.date | Unset):
        publisher (str | Unset):
        q (str | Unset):
        status (TenantsDigestsListStatus | Unset):
        topic (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedDigestList | Problem
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
cursor=cursor,
ordering=ordering,
page_size=page_size,
published_after=published_after,
published_before=published_before,
publisher=publisher,
q=q,
status=status,
topic=topic,

    )).parsed
