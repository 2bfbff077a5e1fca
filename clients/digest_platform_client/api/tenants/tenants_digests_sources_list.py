from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.digest_source_out import DigestSourceOut
from ...models.problem import Problem
from typing import cast



def _get_kwargs(
    tenant: str,
    id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/digests/{id}/sources/".format(tenant=quote(str(tenant), safe=""),id=quote(str(id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | list[DigestSourceOut] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in (_response_200):
            response_200_item = DigestSourceOut.from_dict(response_200_item_data)



            response_200.append(response_200_item)

        return response_200

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | list[DigestSourceOut]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant: str,
    id: str,
    *,
    client: AuthenticatedClient,

) -> Response[Problem | list[DigestSourceOut]]:
    """  The sources one digest derives from (`GET`), or replace them (`PUT`): the digest's
    own `sources`, found and shown exactly as the digest's response finds and shows them
    (a digest hidden from the caller is a 404; a hidden `source` field is a 403; the
    redact rules apply). A `PUT` may name only sources whose text the caller may see
    (`selectors.TextGate`): any other id is answered as a missing one.

    Args:
        tenant (str):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[DigestSourceOut]]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
id=id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    tenant: str,
    id: str,
    *,
    client: AuthenticatedClient,

) -> Problem | list[DigestSourceOut] | None:
    """  The sources one digest derives from (`GET`), or replace them (`PUT`): the digest's
    own `sources`, found and shown exactly as the digest's response finds and shows them
    (a digest hidden from the caller is a 404; a hidden `source` field is a 403; the
    redact rules apply). A `PUT` may name only sources whose text the caller may see
    (`selectors.TextGate`): any other id is answered as a missing one.

    Args:
        tenant (str):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[DigestSourceOut]
     """


    return sync_detailed(
        tenant=tenant,
id=id,
client=client,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    id: str,
    *,
    client: AuthenticatedClient,

) -> Response[Problem | list[DigestSourceOut]]:
    """  The sources one digest derives from (`GET`), or replace them (`PUT`): the digest's
    own `sources`, found and shown exactly as the digest's response finds and shows them
    (a digest hidden from the caller is a 404; a hidden `source` field is a 403; the
    redact rules apply). A `PUT` may name only sources whose text the caller may see
    (`selectors.TextGate`): any other id is answered as a missing one.

    Args:
        tenant (str):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[DigestSourceOut]]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
id=id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    tenant: str,
    id: str,
    *,
    client: AuthenticatedClient,

) -> Problem | list[DigestSourceOut] | None:
    """  The sources one digest derives from (`GET`), or replace them (`PUT`): the digest's
    own `sources`, found and shown exactly as the digest's response finds and shows them
    (a digest hidden from the caller is a 404; a hidden `source` field is a 403; the
    redact rules apply). A `PUT` may name only sources whose text the caller may see
    (`selectors.TextGate`): any other id is answered as a missing one.

    Args:
        tenant (str):
        id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[DigestSourceOut]
     """


    return (await asyncio_detailed(
        tenant=tenant,
id=id,
client=client,

    )).parsed
