"""Simulation never shows its caller more than the caller may see.

A simulation evaluates only digests that both the impersonated principal and the caller
see, and among those only the ones the caller's own policies leave whole; it renders them
as the API does (sources included); and nobody impersonates a role that holds more than
their own. Each test here failed before simulation was limited this way."""

from __future__ import annotations

import re

import pytest

from digests import services as digest_services
from policies import simulation
from tenants.context import tenant_context
from tests import factories
from tests.policies import DIGESTS, POLICIES, assert_problem, publish, rule

POLICY_PERMISSIONS = [
    "policies.view_policy",
    "policies.add_policy",
    "policies.change_policy",
    "policies.publish_policy",
    "policies.delete_policy",
]
# What the viewer preset holds: a role with these and the policy permissions may simulate
# as a viewer.
VIEWER_PERMISSIONS = ["digests.view_digest", "licensing.view_source"]


def member_with(world, slug: str, permissions: list[str]):
    role = factories.custom_role(world.acme, slug=slug, permissions=permissions)
    user = factories.membership(world.acme, role, email=f"{slug}@acme.test").user
    return world.client(user=user), role


def draft(client, rules, name="Probe") -> dict:
    response = client.post(POLICIES, {"name": name, "rules": rules}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def simulate(client, policy_id: int, **body):
    return client.post(f"{POLICIES}{policy_id}/simulate/", body, format="json")


def restricted_to(world, role_slugs: list[str], **fields):
    """A published digest restricted to the roles named (their groups hold the grant)."""
    made = factories.digest(world.acme, **fields)
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None,
            digest=made,
            restricted=True,
            members=[],
            roles=[factories.role(world.acme, slug) for slug in role_slugs],
        )
    return made


# --- The oracle: 40 monitor-mode regex rules read a 4-digit code --------------------------

CODE_RULES = [
    rule(
        "regex_redact",
        f"p{position}d{digit}",
        mode="monitor",
        pattern=rf"code \d{{{position}}}{digit}",
    )
    for position in range(4)
    for digit in range(10)
]


def code_read(result: dict, digest_id: int) -> str | None:
    """The code the draft's findings spell for a digest, if they spell one."""
    for change in result["changes"]:
        if change["digest"] != digest_id:
            continue
        digits = {}
        for finding in change["after"]["findings"]:
            found = re.fullmatch(r"probe/p(\d)d(\d)", finding["rule"])
            if found:
                digits[int(found[1])] = found[2]
        if len(digits) == 4:
            return "".join(digits[i] for i in range(4))
    return None


def test_a_role_with_only_policy_permissions_cannot_simulate(world):
    caller, role = member_with(world, "policy-only", POLICY_PERMISSIONS)
    secret = restricted_to(world, [], title="Quiet merger Zanzibar", summary="The code 4821.")
    assert caller.get(DIGESTS).status_code == 403
    policy = draft(caller, [rule("topic_block", "t", topics=["testing"])])
    for body in (
        {"as_role": "owner"},
        {"as_role": "admin"},
        {"as_role": "viewer"},
        {"as_role": role.slug},
        {"as_api_key": factories.api_key(world.acme, "admin", name="strong").api_key.prefix},
    ):
        response = simulate(caller, policy["id"], **body)
        problem = assert_problem(response, 403, "permission_denied")
        assert "digests.view_digest" in problem["detail"]
        assert b"Zanzibar" not in response.content
        assert f'"digest":{secret.pk}'.encode() not in response.content


@pytest.mark.parametrize(
    ("caller_role", "as_role", "code"),
    [
        pytest.param("admin", "owner", "owner_only", id="admin-as-owner"),
        pytest.param("custom", "owner", "owner_only", id="custom-as-owner"),
        pytest.param("custom", "admin", "role_exceeds_yours", id="custom-as-admin"),
        pytest.param("custom", "editor", "role_exceeds_yours", id="custom-as-editor"),
    ],
)
def test_impersonating_a_stronger_role_is_refused(world, caller_role, as_role, code):
    if caller_role == "custom":
        caller, _ = member_with(
            world, "tester", [*POLICY_PERMISSIONS, *VIEWER_PERMISSIONS, "tenants.view_apikey"]
        )
    else:
        caller = world.client(caller_role)
    factories.digest(world.acme, title="Anything")
    policy = draft(caller, [rule("topic_block", "t", topics=["testing"])])
    problem = assert_problem(simulate(caller, policy["id"], as_role=as_role), 403, code)
    assert as_role in problem["detail"]


@pytest.mark.parametrize(
    ("caller_role", "key_role", "code"),
    [
        pytest.param("admin", "sso-keeper", "role_exceeds_yours", id="admin-as-sso-key"),
        pytest.param("custom", "admin", "role_exceeds_yours", id="custom-as-admin-key"),
    ],
)
def test_impersonating_a_stronger_api_key_is_refused(world, caller_role, key_role, code):
    """Keys never hold the owner role; a custom role with an owner-level permission
    stands above an admin."""
    if caller_role == "custom":
        caller, _ = member_with(
            world, "tester", [*POLICY_PERMISSIONS, *VIEWER_PERMISSIONS, "tenants.view_apikey"]
        )
    else:
        caller = world.client(caller_role)
    factories.custom_role(world.acme, slug="sso-keeper", permissions=["sso.manage_sso"])
    key = factories.api_key(world.acme, key_role, name="strong").api_key
    policy = draft(caller, [rule("topic_block", "t", topics=["testing"])])
    assert_problem(simulate(caller, policy["id"], as_api_key=key.prefix), 403, code)


def test_an_equal_or_weaker_role_may_be_impersonated(world):
    caller, role = member_with(
        world, "tester", [*POLICY_PERMISSIONS, *VIEWER_PERMISSIONS, "tenants.view_apikey"]
    )
    factories.digest(world.acme, title="Anything", topics=["testing"])
    policy = draft(caller, [rule("topic_block", "t", topics=["testing"])])
    for body in (
        {"as_role": "viewer"},
        {"as_role": role.slug},
        {"as_api_key": factories.api_key(world.acme, "viewer").api_key.prefix},
    ):
        response = simulate(caller, policy["id"], **body)
        assert response.status_code == 200, response.content
        assert response.json()["evaluated"] == 1


def test_simulating_an_api_key_needs_the_right_to_see_keys(world):
    """Without tenants.view_apikey, as_api_key answers the same refusal whether or not
    the prefix exists: it never tells which keys there are, nor their roles."""
    caller, _ = member_with(world, "tester", POLICY_PERMISSIONS + VIEWER_PERMISSIONS)
    key = factories.api_key(world.acme, "viewer").api_key
    policy = draft(caller, [rule("topic_block", "t", topics=["testing"])])
    answers = [simulate(caller, policy["id"], as_api_key=p) for p in (key.prefix, "dp_nosuchkey")]
    for response in answers:
        assert_problem(response, 403, "permission_denied")
        assert "tenants.view_apikey" in response.json()["detail"]
    assert answers[0].json() == answers[1].json()


def test_a_restricted_digest_the_caller_cannot_see_is_not_evaluated(world):
    caller, _ = member_with(world, "tester", POLICY_PERMISSIONS + VIEWER_PERMISSIONS)
    seen = factories.digest(world.acme, title="Open news", topics=["energy"])
    secret = restricted_to(world, ["viewer"], title="Quiet merger Zanzibar", topics=["energy"])
    assert world.client("viewer").get(f"{DIGESTS}{secret.pk}/").status_code == 200
    assert caller.get(f"{DIGESTS}{secret.pk}/").status_code == 404
    policy = draft(caller, [rule("topic_block", "t", topics=["energy"])])
    response = simulate(caller, policy["id"], as_role="viewer")
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["evaluated"] == 1
    assert result["after"]["hidden"] == 1
    assert [c["digest"] for c in result["changes"]] == [seen.pk]
    assert b"Zanzibar" not in response.content


def test_forty_monitor_rules_cannot_read_a_code_in_a_restricted_digest(world):
    caller, _ = member_with(world, "tester", POLICY_PERMISSIONS + VIEWER_PERMISSIONS)
    control = factories.digest(world.acme, title="Open", summary="The door code 1937.")
    secret = restricted_to(world, ["viewer"], title="Vault", summary="The vault code 4821.")
    policy = draft(caller, CODE_RULES)
    response = simulate(caller, policy["id"], as_role="viewer")
    assert response.status_code == 200, response.content
    result = response.json()
    assert code_read(result, control.pk) == "1937"  # the oracle works on what it may read
    assert code_read(result, secret.pk) is None
    assert secret.pk not in {c["digest"] for c in result["changes"]}
    assert b"Vault" not in response.content


def test_forty_monitor_rules_cannot_read_a_code_redacted_for_the_caller(world):
    """An admin whose own view of the code is redacted impersonates a viewer, who reads it
    whole: the draft must not ask questions about text the admin cannot read."""
    publish(
        world,
        rule(
            "regex_redact",
            "codes",
            pattern=r"vault code \d{4}",
            mask="[code]",
            audience={"type": "roles", "roles": ["admin"]},
        ),
        slug="codes",
    )
    control = factories.digest(world.acme, title="Open", summary="The door code 1937.")
    secret = factories.digest(world.acme, title="Vault", summary="The vault code 4821.")
    admin = world.client("admin")
    shown = admin.get(f"{DIGESTS}{secret.pk}/").json()
    assert "4821" not in shown["summary"]
    assert "4821" in world.client("viewer").get(f"{DIGESTS}{secret.pk}/").json()["summary"]

    policy = draft(admin, CODE_RULES)
    response = simulate(admin, policy["id"], as_role="viewer")
    assert response.status_code == 200, response.content
    result = response.json()
    assert code_read(result, control.pk) == "1937"
    assert code_read(result, secret.pk) is None
    assert secret.pk not in {c["digest"] for c in result["changes"]}
    assert result["withheld"] == 1
    assert b"4821" not in response.content


def test_a_keyword_redacted_for_the_caller_cannot_be_probed(world):
    publish(
        world,
        rule(
            "regex_redact",
            "names",
            pattern=r"Zanzibar",
            mask="[name]",
            audience={"type": "roles", "roles": ["admin"]},
        ),
        slug="names",
    )
    secret = factories.digest(world.acme, title="Merger", summary="Talks with Zanzibar Ltd.")
    admin = world.client("admin")
    policy = draft(admin, [rule("keyword_block", "k", mode="monitor", keywords=["zanzibar"])])
    result = simulate(admin, policy["id"], as_role="viewer").json()
    assert result["changes"] == []
    assert result["after"]["with_findings"] == 0
    assert secret.pk not in {c["digest"] for c in result["changes"]}


def test_digests_the_callers_own_policies_hide_are_not_evaluated(world):
    publish(
        world,
        rule(
            "keyword_block",
            "k",
            keywords=["zanzibar"],
            audience={"type": "roles", "roles": ["admin"]},
        ),
        slug="names",
    )
    open_one = factories.digest(world.acme, title="Open news", topics=["energy"])
    factories.digest(world.acme, title="Zanzibar news", topics=["energy"])
    admin = world.client("admin")
    policy = draft(admin, [rule("topic_block", "t", topics=["energy"])])
    response = simulate(admin, policy["id"], as_role="viewer")
    result = response.json()
    assert result["evaluated"] == 1
    assert [c["digest"] for c in result["changes"]] == [open_one.pk]
    assert b"Zanzibar" not in response.content


def test_a_field_hidden_from_the_caller_withholds_the_digest(world):
    publish(
        world,
        rule("field_hide", "f", fields=["summary"], audience={"type": "roles", "roles": ["admin"]}),
        slug="fields",
    )
    factories.digest(world.acme, title="Plain", summary="The vault code 4821.")
    admin = world.client("admin")
    policy = draft(admin, CODE_RULES)
    response = simulate(admin, policy["id"], as_role="viewer")
    result = response.json()
    assert (result["evaluated"], result["withheld"], result["changes"]) == (0, 1, [])
    assert b"4821" not in response.content


def test_simulation_reports_findings_in_sources(world):
    """Simulation renders a digest as the list and the detail do: its licensed sources
    and their attribution included."""
    made = factories.digest(world.acme, title="Interview")
    factories.license(
        world.acme,
        source=factories.digest_source(world.acme, made),
        decision="approved",
        attribution="Courtesy of Quill Archive",
    )
    admin = world.client("admin")
    policy = draft(admin, [rule("regex_redact", "q", pattern="Quill", mask="[x]")])
    result = simulate(admin, policy["id"], as_role="viewer").json()
    (change,) = result["changes"]
    assert change["digest"] == made.pk
    assert {f["path"] for f in change["after"]["findings"]} == {"sources[0].attribution"}


def test_a_principal_without_view_digest_is_simulated_over_nothing(world):
    factories.custom_role(world.acme, slug="no-reading", permissions=["policies.view_policy"])
    factories.digest(world.acme, title="Anything", topics=["testing"])
    owner = world.client("owner")
    policy = draft(owner, [rule("topic_block", "t", topics=["testing"])])
    result = simulate(owner, policy["id"], as_role="no-reading").json()
    assert (result["evaluated"], result["changes"]) == (0, [])


def test_truncated_says_whether_digests_were_left_out(world, monkeypatch):
    monkeypatch.setattr(simulation, "SIMULATION_LIMIT", 2)
    for n in range(2):
        factories.digest(world.acme, title=f"Digest {n}", topics=["testing"])
    admin = world.client("admin")
    policy = draft(admin, [rule("topic_block", "t", topics=["testing"])])
    exactly = simulate(admin, policy["id"], as_role="viewer").json()
    assert (exactly["evaluated"], exactly["truncated"]) == (2, False)
    factories.digest(world.acme, title="One more", topics=["testing"])
    more = simulate(admin, policy["id"], as_role="viewer").json()
    assert (more["evaluated"], more["truncated"]) == (2, True)
