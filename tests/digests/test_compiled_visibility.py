"""What a reader may see is compiled to SQL once per shape of caller and reused
(`digests.selectors.readable_digests`, and the detail read's whole statement,
`config.compiled_reads`). Callers that share a tenant, and even a role,
must never be served one another's compiled view: each round below runs twice, the
second time entirely from the cache, interleaving callers."""

from __future__ import annotations

from config import compiled_reads
from digests import selectors
from tests import factories
from tests.policies import bearer, detail, listed_ids, publish, rule

BASE = "/api/v1/tenants/acme/digests"


def _sees(client, *digests) -> set[int]:
    """The digests among `digests` the client lists, checked against detail reads."""
    listed = listed_ids(client)
    seen = {d.pk for d in digests if d.pk in listed}
    for d in digests:
        assert (detail(client, d.pk).status_code == 200) is (d.pk in seen)
    return seen


def test_callers_sharing_a_tenant_never_share_a_compiled_view(world):
    public = factories.digest(world.acme, title="Open harbour notes")
    draft = factories.digest(world.acme, status="draft", title="Harbour draft")
    secret = factories.digest(world.acme, title="Harbour tender")
    granted = world.members["viewer"]
    response = world.client("admin").put(
        f"{BASE}/{secret.pk}/access/",
        {"restricted": True, "members": [granted.email]},
        format="json",
    )
    assert response.status_code == 200
    stranger = factories.member(world.acme, "viewer", "second-viewer@acme.test")
    key = factories.api_key(world.acme, "viewer")
    callers = {
        "granted viewer": world.client("viewer"),
        "viewer without a grant": world.client(user=stranger),
        "editor": world.client("editor"),
        "admin": world.client("admin"),
        "viewer key": bearer(key.token),
    }
    everything = (public, draft, secret)
    expected = {
        "granted viewer": {public.pk, secret.pk},
        "viewer without a grant": {public.pk},
        "editor": {public.pk, draft.pk},  # drafts, but no grant on the restricted one
        "admin": {public.pk, draft.pk, secret.pk},  # manages access
        "viewer key": {public.pk},
    }
    selectors._compiled.clear()
    compiled_reads.clear()
    for _ in range(2):
        for name, client in callers.items():
            assert _sees(client, *everything) == expected[name], name
    assert selectors._compiled, "the reads went through the compiled views"
    assert len(compiled_reads._statements) == len(callers), "one detail statement per caller"

    # A newly published rule changes the shape, so nobody keeps the old view.
    publish(world, rule("keyword_block", keywords=["open"], audience={"type": "api_keys"}))
    expected["viewer key"] = set()
    for _ in range(2):
        for name, client in callers.items():
            assert _sees(client, *everything) == expected[name], name


def test_a_compiled_view_refuses_to_be_nested_in_another_query(world):
    """The compiled SQL names the digests table; nested, Django would rename the table
    around it but not inside it. That must fail loudly, never filter the wrong row."""
    import pytest
    from django.db import NotSupportedError

    from digests.models import Digest
    from policies import selectors as policy_selectors
    from tenants.context import tenant_context
    from tenants.models import Membership
    from tenants.services import Principal, role_permissions

    factories.digest(world.acme)
    with tenant_context(world.acme):
        role = Membership.objects.get(user=world.members["viewer"]).role
        principal = Principal(
            tenant=world.acme,
            role=role,
            permissions=role_permissions(role),
            user=world.members["viewer"],
            api_key=None,
        )
        readable = selectors.readable_digests(
            principal, policy_selectors.rule_set_for(principal), Digest.objects.all()
        )
        assert readable.exists()
        with pytest.raises(NotSupportedError, match="cannot be nested"):
            list(Digest.objects.filter(pk__in=readable.values("pk")))
