from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.digest_import_files_request import DigestImportFilesRequest
from ...models.digest_import_report import DigestImportReport
from ...models.problem import Problem
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    tenant: str,
    *,
    body: DigestImportFilesRequest | Unset = UNSET,
    filename: str | Unset = UNSET,
    publish: bool | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    params: dict[str, Any] = {}

    params["filename"] = filename

    params["publish"] = publish


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/tenants/{tenant}/digests/import".format(tenant=quote(str(tenant), safe=""),),
        "params": params,
    }

    if not isinstance(body, Unset):
        _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> DigestImportReport | Problem | None:
    if response.status_code == 200:
        response_200 = DigestImportReport.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[DigestImportReport | Problem]:
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
    body: DigestImportFilesRequest | Unset = UNSET,
    filename: str | Unset = UNSET,
    publish: bool | Unset = UNSET,

) -> Response[DigestImportReport | Problem]:
    """  Import exports in the digest text format: one `text/plain` body, or many files as
    `multipart/form-data` (field `files`). Each file is all or nothing; the answer lists
    every file's outcome.

    Args:
        tenant (str):
        filename (str | Unset):
        publish (bool | Unset):
        body (DigestImportFilesRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DigestImportReport | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
body=body,
filename=filename,
publish=publish,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: DigestImportFilesRequest | Unset = UNSET,
    filename: str | Unset = UNSET,
    publish: bool | Unset = UNSET,

) -> DigestImportReport | Problem | None:
    """  Import exports in the digest text format: one `text/plain` body, or many files as
    `multipart/form-data` (field `files`). Each file is all or nothing; the answer lists
    every file's outcome.

    Args:
        tenant (str):
        filename (str | Unset):
        publish (bool | Unset):
        body (DigestImportFilesRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DigestImportReport | Problem
     """


    return sync_detailed(
        tenant=tenant,
client=client,
body=body,
filename=filename,
publish=publish,

    ).parsed

async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: DigestImportFilesRequest | Unset = UNSET,
    filename: str | Unset = UNSET,
    publish: bool | Unset = UNSET,

) -> Response[DigestImportReport | Problem]:
    """  Import exports in the digest text format: one `text/plain` body, or many files as
    `multipart/form-data` (field `files`). Each file is all or nothing; the answer lists
    every file's outcome.

    Args:
        tenant (str):
        filename (str | Unset):
        publish (bool | Unset):
        body (DigestImportFilesRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DigestImportReport | Problem]
     """


    kwargs = _get_kwargs(
        tenant=tenant,
body=body,
filename=filename,
publish=publish,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient,
    body: DigestImportFilesRequest | Unset = UNSET,
    filename: str | Unset = UNSET,
    publish: bool | Unset = UNSET,

) -> DigestImportReport | Problem | None:
    """  Import exports in the digest text format: one `text/plain` body, or many files as
    `multipart/form-data` (field `files`). Each file is all or nothing; the answer lists
    every file's outcome.

    Args:
        tenant (str):
        filename (str | Unset):
        publish (bool | Unset):
        body (DigestImportFilesRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DigestImportReport | Problem
     """


    return (await asyncio_detailed(
        tenant=tenant,
client=client,
body=body,
filename=filename,
publish=publish,

    )).parsed
