from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.connection import Connection
from ...models.oidc_connection_write_request import OidcConnectionWriteRequest
from ...models.problem import Problem
from ...models.saml_connection_write_request import SamlConnectionWriteRequest
from typing import cast



def _get_kwargs(
    tenant: str,
    *,
    body: OidcConnectionWriteRequest | SamlConnectionWriteRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/tenants/{tenant}/sso/connections/".format(tenant=quote(str(tenant), safe=""),),
    }

    
    if isinstance(body, OidcConnectionWriteRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()


    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Connection | Problem | None:
    if response.status_code == 201:
        response_201 = Connection.from_dict(response.json())



        return response_201

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())



        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())



        return response_413

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())



        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Connection | Problem]:
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
    body: OidcConnectionWriteRequest | SamlConnectionWriteRequest,

) -> Response[Connection | Problem]:
    """  The tenant's identity-provider connections. Client secrets are never returned.

    Args:
        tenant (str):
        body (OidcConnectionWriteRequest | SamlConnectionWriteRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Connection | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: OidcConnectionWriteRequest | SamlConnectionWriteRequest,

) -> Connection | Problem | None:
    """  The tenant's identity-provider connections. Client secrets are never returned.

    Args:
        tenant (str):
        body (OidcConnectionWriteRequest | SamlConnectionWriteRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Connection | Problem
     """


    return sync_detailed(
        tenant=tenant,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: OidcConnectionWriteRequest | SamlConnectionWriteRequest,

) -> Response[Connection | Problem]:
    """  The tenant's identity-provider connections. Client secrets are never returned.

    Args:
        tenant (str):
        body (OidcConnectionWriteRequest | SamlConnectionWriteRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Connection | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: OidcConnectionWriteRequest | SamlConnectionWriteRequest,

) -> Connection | Problem | None:
    """  The tenant's identity-provider connections. Client secrets are never returned.

    Args:
        tenant (str):
        body (OidcConnectionWriteRequest | SamlConnectionWriteRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Connection | Problem
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
body=body,

    )).parsed
