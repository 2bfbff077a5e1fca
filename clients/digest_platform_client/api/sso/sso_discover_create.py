from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.discover_input_request import DiscoverInputRequest
from ...models.problem import Problem
from ...models.sso_discovery import SsoDiscovery
from typing import cast



def _get_kwargs(
    *,
    body: DiscoverInputRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/sso/discover",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | SsoDiscovery | None:
    if response.status_code == 200:
        response_200 = SsoDiscovery.from_dict(response.json())



        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())



        return response_401

    if response.status_code == 404:
        response_404 = cast(Any, None)
        return response_404

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem | SsoDiscovery]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DiscoverInputRequest,

) -> Response[Any | Problem | SsoDiscovery]:
    """  Email-first sign-in: which organisation's single sign-on serves this address.

    Answers only for domains an organisation has verified and that have an enabled
    connection; anything else is a 404 `no_sso_for_domain`.

    Args:
        body (DiscoverInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | SsoDiscovery]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient | Client,
    body: DiscoverInputRequest,

) -> Any | Problem | SsoDiscovery | None:
    """  Email-first sign-in: which organisation's single sign-on serves this address.

    Answers only for domains an organisation has verified and that have an enabled
    connection; anything else is a 404 `no_sso_for_domain`.

    Args:
        body (DiscoverInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | SsoDiscovery
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DiscoverInputRequest,

) -> Response[Any | Problem | SsoDiscovery]:
    """  Email-first sign-in: which organisation's single sign-on serves this address.

    Answers only for domains an organisation has verified and that have an enabled
    connection; anything else is a 404 `no_sso_for_domain`.

    Args:
        body (DiscoverInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | SsoDiscovery]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: DiscoverInputRequest,

) -> Any | Problem | SsoDiscovery | None:
    """  Email-first sign-in: which organisation's single sign-on serves this address.

    Answers only for domains an organisation has verified and that have an enabled
    connection; anything else is a 404 `no_sso_for_domain`.

    Args:
        body (DiscoverInputRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | SsoDiscovery
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
