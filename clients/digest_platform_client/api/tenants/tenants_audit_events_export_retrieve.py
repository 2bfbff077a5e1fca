from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.problem import Problem
from ...models.tenants_audit_events_export_retrieve_export_format import TenantsAuditEventsExportRetrieveExportFormat
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    tenant: str,
    *,
    export_format: TenantsAuditEventsExportRetrieveExportFormat | Unset = TenantsAuditEventsExportRetrieveExportFormat.JSONL,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_export_format: str | Unset = UNSET
    if not isinstance(export_format, Unset):
        json_export_format = export_format.value

    params["export_format"] = json_export_format


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/audit/events/export/".format(tenant=quote(str(tenant), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | str]:
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
    export_format: TenantsAuditEventsExportRetrieveExportFormat | Unset = TenantsAuditEventsExportRetrieveExportFormat.JSONL,

) -> Response[Problem | str]:
    """  Every event matching the filters, oldest first, streamed.

    Args:
        tenant (str):
        export_format (TenantsAuditEventsExportRetrieveExportFormat | Unset):  Default:
            TenantsAuditEventsExportRetrieveExportFormat.JSONL.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
export_format=export_format,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    tenant: str,
    *,
    client: AuthenticatedClient,
    export_format: TenantsAuditEventsExportRetrieveExportFormat | Unset = TenantsAuditEventsExportRetrieveExportFormat.JSONL,

) -> Problem | str | None:
    """  Every event matching the filters, oldest first, streamed.

    Args:
        tenant (str):
        export_format (TenantsAuditEventsExportRetrieveExportFormat | Unset):  Default:
            TenantsAuditEventsExportRetrieveExportFormat.JSONL.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
     """


    return sync_detailed(
        tenant=tenant,
client=client,
export_format=export_format,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    export_format: TenantsAuditEventsExportRetrieveExportFormat | Unset = TenantsAuditEventsExportRetrieveExportFormat.JSONL,

) -> Response[Problem | str]:
    """  Every event matching the filters, oldest first, streamed.

    Args:
        tenant (str):
        export_format (TenantsAuditEventsExportRetrieveExportFormat | Unset):  Default:
            TenantsAuditEventsExportRetrieveExportFormat.JSONL.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
export_format=export_format,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    export_format: TenantsAuditEventsExportRetrieveExportFormat | Unset = TenantsAuditEventsExportRetrieveExportFormat.JSONL,

) -> Problem | str | None:
    """  Every event matching the filters, oldest first, streamed.

    Args:
        tenant (str):
        export_format (TenantsAuditEventsExportRetrieveExportFormat | Unset):  Default:
            TenantsAuditEventsExportRetrieveExportFormat.JSONL.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
export_format=export_format,

    )).parsed
