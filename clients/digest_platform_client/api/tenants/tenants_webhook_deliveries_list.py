from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_delivery_list import PaginatedDeliveryList
from ...models.problem import Problem
from ...models.tenants_webhook_deliveries_list_event import TenantsWebhookDeliveriesListEvent
from ...models.tenants_webhook_deliveries_list_status import TenantsWebhookDeliveriesListStatus
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    tenant: str,
    *,
    cursor: str | Unset = UNSET,
    endpoint: int | Unset = UNSET,
    event: TenantsWebhookDeliveriesListEvent | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: TenantsWebhookDeliveriesListStatus | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    params["endpoint"] = endpoint

    json_event: str | Unset = UNSET
    if not isinstance(event, Unset):
        json_event = event.value

    params["event"] = json_event

    params["page_size"] = page_size

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tenants/{tenant}/webhook-deliveries/".format(tenant=quote(str(tenant), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedDeliveryList | Problem | None:
    if response.status_code == 200:
        response_200 = PaginatedDeliveryList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedDeliveryList | Problem]:
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
    endpoint: int | Unset = UNSET,
    event: TenantsWebhookDeliveriesListEvent | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: TenantsWebhookDeliveriesListStatus | Unset = UNSET,

) -> Response[PaginatedDeliveryList | Problem]:
    """  Every delivery, newest first: its status, attempts and the last answer.

    Args:
        tenant (str):
        cursor (str | Unset):
        endpoint (int | Unset):
        event (TenantsWebhookDeliveriesListEvent | Unset):
        page_size (int | Unset):
        status (TenantsWebhookDeliveriesListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedDeliveryList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
cursor=cursor,
endpoint=endpoint,
event=event,
page_size=page_size,
status=status,

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
    endpoint: int | Unset = UNSET,
    event: TenantsWebhookDeliveriesListEvent | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: TenantsWebhookDeliveriesListStatus | Unset = UNSET,

) -> PaginatedDeliveryList | Problem | None:
    """  Every delivery, newest first: its status, attempts and the last answer.

    Args:
        tenant (str):
        cursor (str | Unset):
        endpoint (int | Unset):
        event (TenantsWebhookDeliveriesListEvent | Unset):
        page_size (int | Unset):
        status (TenantsWebhookDeliveriesListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedDeliveryList | Problem
     """


    return sync_detailed(
        tenant=tenant,
client=client,
cursor=cursor,
endpoint=endpoint,
event=event,
page_size=page_size,
status=status,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    endpoint: int | Unset = UNSET,
    event: TenantsWebhookDeliveriesListEvent | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: TenantsWebhookDeliveriesListStatus | Unset = UNSET,

) -> Response[PaginatedDeliveryList | Problem]:
    """  Every delivery, newest first: its status, attempts and the last answer.

    Args:
        tenant (str):
        cursor (str | Unset):
        endpoint (int | Unset):
        event (TenantsWebhookDeliveriesListEvent | Unset):
        page_size (int | Unset):
        status (TenantsWebhookDeliveriesListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedDeliveryList | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
cursor=cursor,
endpoint=endpoint,
event=event,
page_size=page_size,
status=status,

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
    endpoint: int | Unset = UNSET,
    event: TenantsWebhookDeliveriesListEvent | Unset = UNSET,
    page_size: int | Unset = UNSET,
    status: TenantsWebhookDeliveriesListStatus | Unset = UNSET,

) -> PaginatedDeliveryList | Problem | None:
    """  Every delivery, newest first: its status, attempts and the last answer.

    Args:
        tenant (str):
        cursor (str | Unset):
        endpoint (int | Unset):
        event (TenantsWebhookDeliveriesListEvent | Unset):
        page_size (int | Unset):
        status (TenantsWebhookDeliveriesListStatus | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedDeliveryList | Problem
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
cursor=cursor,
endpoint=endpoint,
event=event,
page_size=page_size,
status=status,

    )).parsed
