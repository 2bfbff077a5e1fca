"""Writes for tenants, roles, memberships and API keys, a module each: tenants (creating
one), roles, members, keys.

Services take the tenant from the current context (never from a request body), run in a
transaction and raise `core.exceptions.ServiceError`s that the API turns into problem
documents. Who acts is a `tenants.principals.Principal`.
"""
