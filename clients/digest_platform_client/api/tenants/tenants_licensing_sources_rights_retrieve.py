from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.source_rights import SourceRights
from ...models.tenants_licensing_sources_rights_retrieve_use_item import TenantsLicensingSourcesRightsRetrieveUseItem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    tenant: str,
    id: str,
    *,
    use: list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_use: list[str] | Unset = UNSET
    if not isinstance(use, Unset):
        json_use = []
        for use_item_data in use:
            use_item = use_item_data.value
            json_use.append(use_item)


    params["use"] = json_use


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/licensing/sources/{id}/rights/".format(tenant=quote(str(tenant), safe=""),id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | SourceRights | None:
    if response.status_code == 200:
        response_200 = SourceRights.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | SourceRights]:
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
    use: list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset = UNSET,

) -> Response[Problem | SourceRights]:
    """  Effective rights today: for each use, permitted, prohibited or unknown, with the
    licenses behind the answer. A prohibition beats a permission; unknown is not
    permitted.

    Args:
        tenant (str):
        id (str):
        use (list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SourceRights]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
id=id,
use=use,

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
    use: list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset = UNSET,

) -> Problem | SourceRights | None:
    """  Effective rights today: for each use, permitted, prohibited or unknown, with the
    licenses behind the answer. A prohibition beats a permission; unknown is not
    permitted.

    Args:
        tenant (str):
        id (str):
        use (list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SourceRights
     """


    return sync_detailed(
        tenant=tenant,
id=id,
client=client,
use=use,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    id: str,
    *,
    client: AuthenticatedClient,
    use: list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset = UNSET,

) -> Response[Problem | SourceRights]:
    """  Effective rights today: for each use, permitted, prohibited or unknown, with the
    licenses behind the answer. A prohibition beats a permission; unknown is not
    permitted.

    Args:
        tenant (str):
        id (str):
        use (list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SourceRights]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
id=id,
use=use,

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
    use: list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset = UNSET,

) -> Problem | SourceRights | None:
    """  Effective rights today: for each use, permitted, prohibited or unknown, with the
    licenses behind the answer. A prohibition beats a permission; unknown is not
    permitted.

    Args:
        tenant (str):
        id (str):
        use (list[TenantsLicensingSourcesRightsRetrieveUseItem] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SourceRights
     """


    return (await asyncio_detailed(
        tenant=tenant,
id=id,
client=client,
use=use,

    )).parsed
