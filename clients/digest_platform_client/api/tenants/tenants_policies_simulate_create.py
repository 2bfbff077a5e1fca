from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.simulate_request import SimulateRequest
from ...models.simulation import Simulation
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    tenant: str,
    id: str,
    *,
    body: SimulateRequest | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/tenants/{tenant}/policies/{id}/simulate/".format(tenant=quote(str(tenant), safe=""),id=quote(str(id), safe=""),),
    }

    
    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Simulation | None:
    if response.status_code == 200:
        response_200 = Simulation.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Simulation]:
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
    body: SimulateRequest | Unset = UNSET,

) -> Response[Problem | Simulation]:
    """  What the draft would change for one role or API key, against what is in force. Evaluated: the first
    10,000 digests, newest first, that both that principal and you can see (your own visibility, less
    what the policies in force hide from you), less those your own policies change (redact, hide a field
    or a section), which are counted as `withheld`; `truncated` says whether more digests were left out.
    A simulation never shows you more than your own digest list does: it needs `digests.view_digest`
    besides `policies.change_policy` (and `tenants.view_apikey` to simulate an API key), and you may
    simulate a role or an API key only if its role holds no permission yours lacks; only owners simulate
    owners.

    Args:
        tenant (str):
        id (str):
        body (SimulateRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Simulation]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
id=id,
body=body,

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
    body: SimulateRequest | Unset = UNSET,

) -> Problem | Simulation | None:
    """  What the draft would change for one role or API key, against what is in force. Evaluated: the first
    10,000 digests, newest first, that both that principal and you can see (your own visibility, less
    what the policies in force hide from you), less those your own policies change (redact, hide a field
    or a section), which are counted as `withheld`; `truncated` says whether more digests were left out.
    A simulation never shows you more than your own digest list does: it needs `digests.view_digest`
    besides `policies.change_policy` (and `tenants.view_apikey` to simulate an API key), and you may
    simulate a role or an API key only if its role holds no permission yours lacks; only owners simulate
    owners.

    Args:
        tenant (str):
        id (str):
        body (SimulateRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Simulation
     """


    return sync_detailed(
        tenant=tenant,
id=id,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    id: str,
    *,
    client: AuthenticatedClient,
    body: SimulateRequest | Unset = UNSET,

) -> Response[Problem | Simulation]:
    """  What the draft would change for one role or API key, against what is in force. Evaluated: the first
    10,000 digests, newest first, that both that principal and you can see (your own visibility, less
    what the policies in force hide from you), less those your own policies change (redact, hide a field
    or a section), which are counted as `withheld`; `truncated` says whether more digests were left out.
    A simulation never shows you more than your own digest list does: it needs `digests.view_digest`
    besides `policies.change_policy` (and `tenants.view_apikey` to simulate an API key), and you may
    simulate a role or an API key only if its role holds no permission yours lacks; only owners simulate
    owners.

    Args:
        tenant (str):
        id (str):
        body (SimulateRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Simulation]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
id=id,
body=body,

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
    body: SimulateRequest | Unset = UNSET,

) -> Problem | Simulation | None:
    """  What the draft would change for one role or API key, against what is in force. Evaluated: the first
    10,000 digests, newest first, that both that principal and you can see (your own visibility, less
    what the policies in force hide from you), less those your own policies change (redact, hide a field
    or a section), which are counted as `withheld`; `truncated` says whether more digests were left out.
    A simulation never shows you more than your own digest list does: it needs `digests.view_digest`
    besides `policies.change_policy` (and `tenants.view_apikey` to simulate an API key), and you may
    simulate a role or an API key only if its role holds no permission yours lacks; only owners simulate
    owners.

    Args:
        tenant (str):
        id (str):
        body (SimulateRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Simulation
     """


    return (await asyncio_detailed(
        tenant=tenant,
id=id,
client=client,
body=body,

    )).parsed
