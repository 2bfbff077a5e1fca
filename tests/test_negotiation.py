"""Content negotiation takes a shortcut only where DRF's own answer is known: the
shortcut and DRF must agree on every request, the 406s included."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.renderers import ORJSONRenderer, QuickContentNegotiation
from tests.spies import note_calls


def selected(negotiation, renderers, accept, query, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/x/{query}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except NotAcceptable:
        return "406"
    except Exception as error:  # an unknown format: DRF raises Http404
        return type(error).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize(
    "renderers",
    [[ORJSONRenderer()], [ORJSONRenderer(), BrowsableAPIRenderer()]],
    ids=["production", "debug"],
)
@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "application/json; indent=4",
        "text/html",
        "text/html,application/xhtml+xml,*/*;q=0.8",
        "application/*",
        "application/xml",
        "",
    ],
)
@pytest.mark.parametrize(
    "query", ["", "?format=json", "?format=api", "?a=1&format=xml", "?a=1", "?%66ormat=api"]
)
@pytest.mark.parametrize("suffix", [None, "json", "api"])
@pytest.mark.parametrize("override", ["format", None], ids=["format-param", "no-format-param"])
def test_the_shortcut_answers_as_drf_does(renderers, accept, query, suffix, override):
    quick, drf = QuickContentNegotiation(), DefaultContentNegotiation()
    for negotiation in (quick, drf):
        # The only setting negotiation reads.
        negotiation.settings = SimpleNamespace(URL_FORMAT_OVERRIDE=override)
    assert selected(quick, renderers, accept, query, suffix) == selected(
        drf, renderers, accept, query, suffix
    )


def test_the_api_negotiates_with_it(world, monkeypatch):
    seen = note_calls(
        monkeypatch,
        QuickContentNegotiation,
        "select_renderer",
        lambda chosen, *args: chosen[1],
    )
    client = world.client("viewer")
    assert client.get("/api/v1/me").status_code == 200
    assert seen == ["application/json"]
    refused = client.get("/api/v1/me", HTTP_ACCEPT="application/xml")
    assert refused.status_code == 406
    assert refused["Content-Type"] == "application/problem+json"
