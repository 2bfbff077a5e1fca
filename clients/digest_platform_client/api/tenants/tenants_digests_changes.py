from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.digest_changes import DigestChanges
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    tenant: str,
    *,
    page_size: int | Unset = UNSET,
    since: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["page_size"] = page_size

    params["since"] = since


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/digests/changes".format(tenant=quote(str(tenant), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DigestChanges | Problem | None:
    if response.status_code == 200:
        response_200 = DigestChanges.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[DigestChanges | Problem]:
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
    page_size: int | Unset = UNSET,
    since: str | Unset = UNSET,

) -> Response[DigestChanges | Problem]:
    """  `GET digests/changes?since=CURSOR`: every digest created, updated or removed after
    the cursor, oldest change first, and the cursor to ask with next time.

    Args:
        tenant (str):
        page_size (int | Unset):
        since (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DigestChanges | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
page_size=page_size,
since=since,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    tenant: str,
    *,
    client: AuthenticatedClient,
    page_size: int | Unset = UNSET,
    since: str | Unset = UNSET,

) -> DigestChanges | Problem | None:
    """  `GET digests/changes?since=CURSOR`: every digest created, updated or removed after
    the cursor, oldest change first, and the cursor to ask with next time.

    Args:
        tenant (str):
        page_size (int | Unset):
        since (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DigestChanges | Problem
     """


    return sync_detailed(
        tenant=tenant,
client=client,
page_size=page_size,
since=since,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    page_size: int | Unset = UNSET,
    since: str | Unset = UNSET,

) -> Response[DigestChanges | Problem]:
    """  `GET digests/changes?since=CURSOR`: every digest created, updated or removed after
    the cursor, oldest change first, and the cursor to ask with next time.

    Args:
        tenant (str):
        page_size (int | Unset):
        since (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DigestChanges | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
page_size=page_size,
since=since,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    page_size: int | Unset = UNSET,
    since: str | Unset = UNSET,

) -> DigestChanges | Problem | None:
    """  `GET digests/changes?since=CURSOR`: every digest created, updated or removed after
    the cursor, oldest change first, and the cursor to ask with next time.

    Args:
        tenant (str):
        page_size (int | Unset):
        since (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DigestChanges | Problem
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
page_size=page_size,
since=since,

    )).parsed
