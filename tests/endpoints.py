"""Every tenant endpoint, found by walking the URLconf (never listed by hand).

A new endpoint under /api/v1/tenants/<tenant>/ joins the permission matrix and the
cross-tenant checks automatically; if its model has no entry in the tests' target
builders, those tests fail and say what to add.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from tenants.api_base import TenantScopedViewSet


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "api/v1/tenants/<slug:tenant>/members/<pk>/"
    view_class: type
    method: str  # "get", "post", ...
    action: str

    @property
    def is_detail(self) -> bool:
        return "<pk>" in self.route or "(?P<pk>" in self.route

    @property
    def model(self):
        return self.view_class.model

    @property
    def needed(self) -> str | None:
        return self.view_class.permission_map.get(self.action, "MISSING")

    def url(self, tenant_slug: str, pk: int | None = None) -> str:
        url = "/" + self.route.replace("<slug:tenant>", tenant_slug)
        if self.is_detail:
            url = url.replace("<pk>", str(pk))
        return url

    def __str__(self) -> str:
        return f"{self.method.upper()} /{self.route} ({self.view_class.__name__}.{self.action})"


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _clean_route(route: str) -> str:
    # DRF routers emit regex routes: ^members/(?P<pk>[0-9]+)/$
    route = route.replace("^", "").replace("$", "")
    route = route.replace("(?P<pk>[0-9]+)", "<pk>").replace("(?P<pk>[^/.]+)", "<pk>")
    return route


def tenant_endpoints() -> list[Endpoint]:
    endpoints = []
    for route, callback in _walk(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if view_class is None or not issubclass(view_class, TenantScopedViewSet):
            continue
        if "<slug:tenant>" not in route or "format" in route:
            continue
        for method, action in (getattr(callback, "actions", None) or {}).items():
            if method in {"head", "options"}:
                continue
            endpoints.append(Endpoint(_clean_route(route), view_class, method, action))
    return endpoints


def body_bytes(response) -> bytes:
    """The whole body, streamed (exports) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
