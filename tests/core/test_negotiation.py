"""Content negotiation: DRF's, with an unknown format answered as a problem, and no HTML
renderer on the API."""

from __future__ import annotations

import json

import pytest

from core.renderers import ContentNegotiation
from tests import factories
from tests.spies import note_calls


def test_the_api_negotiates_with_it(world, monkeypatch):
    seen = note_calls(
        monkeypatch,
        ContentNegotiation,
        "select_renderer",
        lambda chosen, *args: chosen[1],
    )
    client = world.client("viewer")
    assert client.get("/api/v1/me").status_code == 200
    assert seen == ["application/json"]
    refused = client.get("/api/v1/me", HTTP_ACCEPT="application/xml")
    assert refused.status_code == 406
    assert refused["Content-Type"] == "application/problem+json"


# --- No HTML renderer on the API, debug or not ----------------------------------------------

# Run in a fresh interpreter with DJANGO_DEBUG=1: view classes take their renderers from
# the settings when they are defined, so override_settings in this process cannot show
# what a debug server offers.
_API_RENDERERS = """
import json
from django.urls import URLResolver, get_resolver

def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        else:
            yield route, getattr(entry.callback, "cls", None)

offered = {
    route: sorted({r.media_type for r in view.renderer_classes})
    for route, view in walk(get_resolver().url_patterns)
    if route.startswith("api/v1/") and view is not None
}
print(json.dumps(offered))
"""


def test_no_api_view_offers_html_even_in_debug():
    import json

    from tests.test_config import start_django

    result = start_django(_API_RENDERERS, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    offered = json.loads(result.stdout)
    assert any("tenants/" in route for route in offered)  # the walk found the tenant views
    assert {route: types for route, types in offered.items() if "text/html" in types} == {}


def test_a_page_asked_for_as_html_is_json_or_a_406_never_a_500(world):
    client = world.client("viewer")
    digest = factories.digest(world.acme, title="Read in a browser")
    for url in ("/api/v1/tenants/acme/digests/", f"/api/v1/tenants/acme/digests/{digest.pk}/"):
        refused = client.get(url, HTTP_ACCEPT="text/html")
        assert refused.status_code == 406
        assert refused["Content-Type"] == "application/problem+json"
        # What a browser sends: JSON.
        browser = client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert browser.status_code == 200
        assert browser["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "path", ["/api/v1/tenants/acme/digests/?format=csv", "/api/v1/me?format=api"]
)
def test_an_unknown_format_points_to_the_export_endpoints(world, path):
    """`format` only picks the media type (JSON): the 404 says that files are exported
    with `export_format`, and where."""
    response = world.client("viewer").get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "unknown_format"
    assert "export_format" in problem["detail"]
    assert "digests/export/" in problem["detail"]


def test_json_is_indented_for_a_person_and_compact_for_programs(world):
    client = world.client("viewer")
    compact = client.get("/api/v1/me")
    browser = client.get("/api/v1/me", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    asked = client.get("/api/v1/me", HTTP_ACCEPT="application/json; indent=4")
    assert b"\n" not in compact.content
    for indented in (browser, asked):
        assert indented.status_code == 200
        assert indented["Content-Type"] == "application/json"
        assert indented.content.startswith(b'{\n  "')
        assert json.loads(indented.content) == compact.json()
