from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_rights_holder_list import PaginatedRightsHolderList
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    tenant: str,
    *,
    cursor: str | Unset = UNSET,
    page_size: int | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    params["page_size"] = page_size


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/licensing/rights-holders/".format(tenant=quote(str(tenant), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedRightsHolderList | Problem | None:
    if response.status_code == 200:
        response_200 = PaginatedRightsHolderList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedRightsHolderList | Problem]:
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
    page_size: int | Unset = UNSET,

) -> Response[PaginatedRightsHolderList | Problem]:
    """  Whoever grants rights over sources: publishers, networks, societies. A holder the
    importer named after digests' publisher shows its name only if one of those digests
    is readable by you (null otherwise), through your redact rules.

    Args:
        tenant (str):
        cursor (str | Unset):
        page_size (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedRightsHolderList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
cursor=cursor,
page_size=page_size,

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
    page_size: int | Unset = UNSET,

) -> PaginatedRightsHolderList | Problem | None:
    """  Whoever grants rights over sources: publishers, networks, societies. A holder the
    importer named after digests' publisher shows its name only if one of those digests
    is readable by you (null otherwise), through your redact rules.

    Args:
        tenant (str):
        cursor (str | Unset):
        page_size (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedRightsHolderList | Problem
     """


    return sync_detailed(
        tenant=tenant,
client=client,
cursor=cursor,
page_size=page_size,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    page_size: int | Unset = UNSET,

) -> Response[PaginatedRightsHolderList | Problem]:
    """  Whoever grants rights over sources: publishers, networks, societies. A holder the
    importer named after digests' publisher shows its name only if one of those digests
    is readable by you (null otherwise), through your redact rules.

    Args:
        tenant (str):
        cursor (str | Unset):
        page_size (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedRightsHolderList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
cursor=cursor,
page_size=page_size,

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
    page_size: int | Unset = UNSET,

) -> PaginatedRightsHolderList | Problem | None:
    """  Whoever grants rights over sources: publishers, networks, societies. A holder the
    importer named after digests' publisher shows its name only if one of those digests
    is readable by you (null otherwise), through your redact rules.

    Args:
        tenant (str):
        cursor (str | Unset):
        page_size (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedRightsHolderList | Problem
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
cursor=cursor,
page_size=page_size,

    )).parsed
