"""Operators' edits in the Django admin are audited like any other change: in the chain
of each tenant they affect, the operator as the actor, and the chain still verifies."""

from __future__ import annotations

from django.test import Client

from audit.verify import verify_chain
from sso.models import VerifiedDomain
from tenants.context import tenant_context
from tests.audit.helpers import events, last_seq, only


def _operator(django_user_model) -> Client:
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    client = Client()
    client.force_login(operator)
    return client


def test_suspending_a_tenant_in_the_admin_is_audited_in_it(world, django_user_model):
    client = _operator(django_user_model)
    before_globex = last_seq(world.globex)
    response = client.post(
        f"/admin/tenants/tenant/{world.acme.pk}/change/",
        {"name": "Acme Media Group", "status": "suspended"},
    )
    assert response.status_code == 302, response.content[:500]
    event = only(world.acme, "admin.changed")
    assert (event.actor_type, event.actor_display) == ("user", "ops@platform.test")
    assert (event.target_type, event.target_id) == ("tenant", str(world.acme.pk))
    assert event.changes == {
        "name": ["Acme Media", "Acme Media Group"],
        "status": ["active", "suspended"],
    }
    assert last_seq(world.globex) == before_globex
    with tenant_context(world.acme):
        assert verify_chain().ok


def test_a_password_an_operator_sets_is_audited_in_each_of_the_persons_tenants(
    world, django_user_model
):
    client = _operator(django_user_model)
    viewer = world.members["viewer"]
    response = client.post(
        f"/admin/tenants/user/{viewer.pk}/password/",
        {"password1": "An0ther-long-passphrase", "password2": "An0ther-long-passphrase"},
    )
    assert response.status_code == 302, response.content[:800]
    event = only(world.acme, "admin.password_set")
    assert event.actor_display == "ops@platform.test"
    assert event.target_display == viewer.email
    assert event.changes == {"usable_password": [None, True]}
    assert "An0ther" not in str(event.changes)


def test_nothing_is_recorded_when_the_admin_form_is_refused(world, django_user_model):
    client = _operator(django_user_model)
    viewer = world.members["viewer"]
    response = client.post(
        f"/admin/tenants/user/{viewer.pk}/password/",
        {"password1": "An0ther-long-passphrase", "password2": "different"},
    )
    assert response.status_code == 200
    assert [e for e in events(world.acme) if e.action.startswith("admin.")] == []


def test_deleting_a_tenants_domain_in_the_admin_is_audited_in_that_tenant(world, django_user_model):
    client = _operator(django_user_model)
    domain = world.globex_domain
    before_acme = last_seq(world.acme)
    response = client.post(f"/admin/sso/verifieddomain/{domain.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content[:500]
    with tenant_context(world.globex):
        assert not VerifiedDomain.objects.filter(pk=domain.pk).exists()
    event = only(world.globex, "admin.deleted")
    assert (event.target_type, event.target_id) == ("verifieddomain", str(domain.pk))
    assert event.actor_display == "ops@platform.test"
    assert last_seq(world.acme) == before_acme
    with tenant_context(world.globex):
        assert verify_chain().ok


def test_deactivating_a_person_in_the_admin_is_audited(world, django_user_model):
    client = _operator(django_user_model)
    viewer = world.members["viewer"]
    joined = viewer.date_joined
    response = client.post(
        f"/admin/tenants/user/{viewer.pk}/change/",
        {
            "email": viewer.email,
            "full_name": viewer.full_name,
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content[:800]
    event = only(world.acme, "admin.changed")
    assert event.changes["is_active"] == [True, False]
    assert (event.target_type, event.target_display) == ("user", viewer.email)
