"""The current tenant, and the two ways in and out of tenant scope.

Rule enforced here: tenant-owned data is reachable only while a tenant is current.
With no tenant set, tenant-scoped managers raise `TenantNotSet` instead of returning
every tenant's rows, and on PostgreSQL the row-level-security policy returns no rows.

- `tenant_context(tenant)` makes a tenant current (the base API view, jobs, commands, and
  the API key lookup, which looks first in the tenant the presented key's prefix
  belonged to: a narrower read than `platform_scope()`, never a wider one).
- `platform_scope()` is the one door to cross-tenant work (authentication look-ups,
  operator commands, the Django admin). Inside it, `Model.objects.unscoped()` reads every
  tenant's rows; outside it, `.unscoped()` only drops the ORM filter and row-level
  security still confines the query to the current tenant.

Both are grep-able on purpose: every cross-tenant read in the code base goes through
`platform_scope()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import tracing

if TYPE_CHECKING:
    from tenants.models import Tenant


class TenantNotSet(RuntimeError):
    """A tenant-owned table was queried with no current tenant: a bug, never a 'show all'."""


@dataclass(frozen=True)
class _Scope:
    tenant_id: int | None
    platform: bool = False


_NO_SCOPE = _Scope(tenant_id=None)
_scope: ContextVar[_Scope] = ContextVar("digest_platform_tenant_scope", default=_NO_SCOPE)
_tenant: ContextVar[Tenant | None] = ContextVar("digest_platform_tenant", default=None)


def current_tenant() -> Tenant:
    tenant = _tenant.get()
    if tenant is None:
        raise TenantNotSet("no current tenant: wrap the work in tenant_context(tenant)")
    return tenant


def current_tenant_id() -> int | None:
    return _scope.get().tenant_id


def in_platform_scope() -> bool:
    return _scope.get().platform


def database_scope_value() -> str:
    """What the PostgreSQL setting `app.tenant_id` must hold now: an id, '*' or ''."""
    scope = _scope.get()
    if scope.platform:
        return "*"
    if scope.tenant_id is not None:
        return str(scope.tenant_id)
    return ""


def activate(tenant: Tenant):
    """Make `tenant` current; returns a token for `deactivate`. Prefer `tenant_context`.
    With tracing on, the span of a job being run names the tenant (core.tracing)."""
    token = (_tenant.set(tenant), _scope.set(_Scope(tenant_id=tenant.pk)))
    if tracing.enabled:
        tracing.tenant_entered(tenant.slug)
    return token


def deactivate(token) -> None:
    tenant_token, scope_token = token
    _scope.reset(scope_token)
    _tenant.reset(tenant_token)


@contextlib.contextmanager
def tenant_context(tenant: Tenant) -> Iterator[Tenant]:
    token = activate(tenant)
    try:
        yield tenant
    finally:
        deactivate(token)


@contextlib.contextmanager
def platform_scope() -> Iterator[None]:
    """Cross-tenant work. Keeps the current tenant (if any) for code that asks for it."""
    token = _scope.set(_Scope(tenant_id=_scope.get().tenant_id, platform=True))
    try:
        yield
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def no_tenant() -> Iterator[None]:
    """Clear any current tenant (used by tests to prove the fail-closed behaviour)."""
    tenant_token = _tenant.set(None)
    scope_token = _scope.set(_NO_SCOPE)
    try:
        yield
    finally:
        _scope.reset(scope_token)
        _tenant.reset(tenant_token)
