"""What people do in the console, in Chromium, against a live server on PostgreSQL.

Every page visited is checked by `Console.look` (axe-core, both widths, no CSP report).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tenants import rbac
from tenants.context import tenant_context
from tenants.models import ApiKey, Membership
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(console, email: str, password: str = factories.PASSWORD):
    page = console.go("/accounts/login/")
    console.look("sign-in-email")
    page.get_by_label("Work email").fill(email)
    page.get_by_role("button", name="Continue").click()
    console.look("sign-in-password")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    try:
        page.wait_for_url(re.compile(r".*/t/[a-z0-9-]+/$"), timeout=60_000)
    except Exception as exc:  # say what the page said instead of only "timeout"
        raise AssertionError(f"sign-in stayed at {page.url}: {page.inner_text('body')}") from exc
    return page


@pytest.fixture
def library(world):
    factories.digest(
        world.acme,
        title="Frequent networks and bus maps",
        publisher="Ride the Grid Radio",
        summary="Planners redraw bus maps around frequent routes; project zorblax is named.",
        key_points=["Frequency beats coverage.", "Straight routes are easier to learn."],
        sections=[
            {
                "number": 1,
                "emoji": "🗺️",
                "title": "Coverage or ridership",
                "bullets": ["Decide the split before drawing lines."],
                "subsections": [],
            },
            {
                "number": 2,
                "emoji": "🚌",
                "title": "The grid",
                "bullets": [],
                "subsections": [
                    {"number": "2.1", "title": "Spacing", "bullets": ["A kilometre apart."]}
                ],
            },
        ],
        topics=["transport", "cities"],
    )
    factories.digest(world.acme, title="Cold chains for vaccines", topics=["health"])
    factories.policy(
        world.acme,
        name="Code names",
        rules=[
            {
                "id": "code-names",
                "kind": "regex_redact",
                "params": {"pattern": "zorblax"},
                "message": "Internal project code names are masked for readers.",
            }
        ],
        publish=True,
    )


def test_a_viewer_searches_and_reads_a_digest_with_a_redaction_notice(world, library, console):
    page = sign_in(console, world.members["viewer"].email)
    console.look("library")
    # The skip link comes first for keyboard users, and lands on the content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"

    page.get_by_role("searchbox", name="Search").fill("bus maps")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*\?.*q=bus"))
    console.look("library-search")
    results = page.locator("ol.results > li")
    assert results.count() == 1
    assert "Internal project code names are masked" in results.first.inner_text()
    # Where it matched, marked; and the facets narrow the results.
    assert "maps" in [m.lower() for m in results.first.locator("mark").all_inner_texts()]
    facets = page.get_by_role("complementary", name="Narrow the results")
    facets.get_by_role("link", name="transport").click()
    page.wait_for_url(re.compile(r".*topic=transport"))
    assert page.locator("ol.results > li").count() == 1
    console.look("library-faceted")

    page.get_by_role("link", name="Frequent networks and bus maps").click()
    page.wait_for_url(re.compile(r".*/digests/\d+/$"))
    console.look("digest")
    body = page.locator("main").inner_text()
    assert "Key points" in body and "Frequency beats coverage." in body
    assert "1. " in body and "Coverage or ridership" in body and "2.1" in body
    assert "Words were redacted." in body
    assert "Internal project code names are masked for readers." in body
    assert "zorblax" not in page.content().lower()

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Sources").click()
    page.wait_for_url(re.compile(r".*/sources/$"))
    console.look("sources")
    console.assert_clean()


def test_an_admin_invites_a_member_changes_their_role_and_manages_a_key(world, console, mailbox):
    page = sign_in(console, world.members["admin"].email)
    page.get_by_role("link", name="Members").click()
    console.look("members")

    page.get_by_label("Email", exact=True).fill("new.analyst@acme.test")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to new.analyst@acme.test")
    (message,) = mailbox.wait_for("new.analyst@acme.test")
    assert "/accounts/invitations/" in message.text
    console.look("members-invited")

    page.get_by_label("Role of new.analyst@acme.test").select_option("viewer")
    row = page.locator("tr", has=page.get_by_label("Role of new.analyst@acme.test"))
    row.get_by_role("button", name="Change").click()
    expect(page.locator(".messages")).to_contain_text("Role changed to viewer")
    with tenant_context(world.acme):
        assert Membership.objects.get(user__email="new.analyst@acme.test").role.slug == rbac.VIEWER

    # A mistake is shown next to its field, and what was typed stays.
    page.get_by_label("Email", exact=True).fill("not an address")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#invite-email-errors")).to_contain_text("valid email")
    console.look("members-invalid")

    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Intranet widget")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-secret").input_value()
    assert secret.startswith("dp_")
    console.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == secret
    console.look("api-key-created")

    # The secret is not shown again; the key can be revoked (after a confirmation).
    page.get_by_role("link", name="API keys").click()
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke Intranet widget").click()
    expect(page.locator(".messages")).to_contain_text("Key revoked")
    with tenant_context(world.acme):
        assert ApiKey.objects.get(name="Intranet widget").revoked_at is not None
    console.look("api-keys")
    console.assert_clean()


def test_sign_in_sends_a_domain_that_requires_sso_to_its_provider(world, console):
    factories.sso_connection(world.acme, name="Acme Okta")
    factories.sso_domain(world.acme, "acme.test")
    world.acme.require_sso = True
    world.acme.save(update_fields=["require_sso"])
    page = console.go("/accounts/login/")
    page.get_by_label("Work email").fill("someone@acme.test")
    page.get_by_role("button", name="Continue").click()
    text = page.locator("main").inner_text()
    assert "Acme Media signs in with single sign-on" in text
    assert "Acme Okta" not in text  # the connection's own name stays inside the tenant
    assert (
        page.get_by_role("link", name="Continue with single sign-on")
        .get_attribute("href")
        .startswith("/sso/acme/login")
    )
    console.look("sign-in-sso")
    console.assert_clean()


def test_an_admin_writes_simulates_publishes_and_rolls_back_a_policy(world, library, console):
    page = sign_in(console, world.members["admin"].email)
    page.get_by_role("link", name="Policies").click()
    console.look("policies")
    page.get_by_label("Name").fill("Health topics")
    page.get_by_role("button", name="Create policy").click()
    page.wait_for_url(re.compile(r".*/policies/\d+/$"))
    console.look("policy-new")

    page.get_by_label("Add a rule").select_option("regex_redact")
    page.get_by_role("button", name="Add rule").click()
    # Only the chosen kind's parameters are shown.
    assert page.locator("#r0-keywords").is_hidden() and page.locator("#r0-pattern").is_visible()
    page.get_by_label("Id", exact=True).fill("mask-cold")
    page.locator("#r0-pattern").fill("cold(")
    page.get_by_label("Mode").select_option("enforce")
    page.get_by_role("button", name="Save draft").click()
    errors = page.locator("#r0-pattern-errors")
    assert "Not a valid pattern" in errors.inner_text()
    assert page.locator("#r0-pattern").get_attribute("aria-invalid") == "true"
    console.look("policy-invalid")

    page.locator("#r0-pattern").fill("cold chains?")
    page.locator("#r0-message").fill("Supply chain words are masked here.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("Draft saved")

    page.get_by_label("As", exact=True).select_option("role:viewer")
    page.get_by_role("button", name="Simulate").click()
    simulation = page.locator(".simulation")
    assert "Cold [redacted]" not in simulation.inner_text()  # titles as the admin reads them
    assert "mask-cold: redact title" in simulation.inner_text()
    console.look("policy-simulated")

    page.get_by_label("Note for the history").fill("first cut")
    page.get_by_role("button", name="Publish the saved draft").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 published")
    page.locator("#r0-mask").fill("[masked]")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Publish the saved draft").click()
    expect(page.locator(".messages")).to_contain_text("Version 2 published")
    page.get_by_role("button", name="Roll back to 1").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 published again as version 3")
    console.look("policy-versions")

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").fill("policy.*")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*action=policy"))
    expect(page.locator("ol.events > li").nth(3)).to_be_attached()
    page.get_by_role("link", name="Verify the chain").click()
    expect(page.locator("main")).to_contain_text("The chain is intact")
    console.look("audit")
    console.assert_clean()


def test_a_compliance_officer_decides_under_four_eyes_and_exports_a_report(
    world, console, tmp_path
):
    from licensing import services as licensing

    holder = factories.rights_holder(world.acme, name="Ride the Grid Radio")
    lic = factories.license(
        world.acme,
        rights_holder=holder,
        decision="approved",
        valid_until="2027-03-31",
        attribution="Ride the Grid Radio, used with permission.",
    )
    officer = world.members["compliance"]
    with tenant_context(world.acme):
        as_officer = factories.member_principal(world.acme, officer)
        licensing.license_revise(
            actor=as_officer,
            lic=lic,
            changes={"permitted_uses": ["summarize", "display_internally", "quote_excerpts"]},
        )

    page = sign_in(console, officer.email)
    page.get_by_role("link", name="Reviews").click()
    console.look("reviews")
    page.get_by_role("link", name="Ride the Grid Radio").click()
    page.wait_for_url(re.compile(r".*/licenses/\d+/$"))
    changed = page.locator("tr.changed")
    assert changed.count() == 1 and "Permitted uses" in changed.inner_text()
    assert "quote_excerpts" in changed.inner_text()
    console.look("license")

    # The officer proposed version 2: the API refuses their own decision, and says why.
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".messages")).to_contain_text("another reviewer must decide")

    page.get_by_label("File (PDF").set_input_files(
        files=[{"name": "signed-terms.txt", "mimeType": "text/plain", "buffer": b"Signed."}]
    )
    page.get_by_label("Description").fill("Countersigned terms")
    page.get_by_role("button", name="Attach").click()
    expect(page.locator(".messages")).to_contain_text("signed-terms.txt attached")
    with page.expect_download() as download:
        page.get_by_role("link", name="signed-terms.txt").click()
    assert download.value.path().read_bytes() == b"Signed."

    # Another reviewer decides.
    other = console.page.context
    other.clear_cookies()
    page = sign_in(console, world.members["owner"].email)
    page.goto(console.base + f"/t/acme/licenses/{lic.pk}/")
    page.get_by_label("Approve with conditions").check()
    page.get_by_role("textbox", name="Conditions").fill("Quote at most two sentences.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision recorded: approved with conditions")
    console.look("license-decided")

    page.get_by_role("link", name="Reports").click()
    console.look("reports")
    assert page.locator("svg.chart").count() == 2  # no digest at risk: a sentence instead
    expect(page.locator("main")).to_contain_text("No digest is at risk.")
    with page.expect_download() as download:
        page.locator("#holders-title").locator("..").get_by_role("link", name="Export CSV").click()
    text = download.value.path().read_text()
    assert text.splitlines()[0].startswith("rights_holder_id,rights_holder")
    assert "Ride the Grid Radio" in text
    console.assert_clean()


def test_an_owner_connects_an_oidc_provider_and_passes_the_test_sign_in(world, console, settings):
    from tests.sso.oidc_provider import OidcProvider

    settings.SSO_ALLOW_HTTP = True  # the test provider listens on http://127.0.0.1
    factories.sso_domain(world.acme, "acme.test")
    with OidcProvider(client_id="acme-portal", client_secret="acme-secret") as provider:
        provider.next_user = {
            "sub": "okta-7",
            "email": "new.analyst@acme.test",
            "email_verified": True,
            "name": "New Analyst",
            "groups": ["Everyone", "Digest Editors"],
        }
        page = sign_in(console, world.members["owner"].email)
        page.get_by_role("link", name="Single sign-on").click()
        console.look("sso")
        page.get_by_role("link", name="Another OpenID Connect provider").click()
        console.look("sso-setup")
        page.get_by_label("Name").fill("Acme IdP")
        page.get_by_label("Issuer").fill(provider.issuer)
        page.get_by_label("Client id").fill("acme-portal")
        page.get_by_label("Client secret").fill("wrong")
        page.get_by_label("Scopes").fill("openid email profile groups")
        page.get_by_role("button", name="Create connection").click()
        page.wait_for_url(re.compile(r".*/sso/connections/\d+/$"))
        redirect_uri = page.get_by_label("Redirect URI").input_value()
        assert redirect_uri.endswith("/callback") and redirect_uri.startswith(console.base)
        console.look("sso-connection")

        # The wrong secret: the test reports the refusal a sign-in would meet.
        page.get_by_role("button", name="Run a test sign-in").click()
        page.wait_for_url(re.compile(r".*/sso/connections/\d+/$"))
        expect(page.locator(".report")).to_contain_text("would be refused")

        page.get_by_label("Group 1", exact=True).fill("Digest Editors")
        page.get_by_label("Role for group 1").select_option("editor")
        page.get_by_role("button", name="Save roles").click()
        expect(page.locator(".messages")).to_contain_text("Roles saved")
        with tenant_context(world.acme):
            from sso.models import Connection

            connection = Connection.objects.get(name="Acme IdP")
            connection.client_secret = "acme-secret"
            connection.save()

        page.get_by_role("button", name="Run a test sign-in").click()
        page.wait_for_url(re.compile(r".*/sso/connections/\d+/$"))
        report = page.locator(".report").inner_text()
        assert "A sign-in would succeed." in report
        assert "new.analyst@acme.test" in report and "editor, from group Digest Editors" in report
        page.get_by_text("Everything your provider sent").click()
        expect(page.locator(".report")).to_contain_text("okta-7")
        console.look("sso-tested")
    # Still the owner, and nobody was created.
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Single sign-on"
    ).click()
    assert world.members["owner"].email in page.locator("header").inner_text()
    with tenant_context(world.acme):
        assert not Membership.objects.filter(user__email="new.analyst@acme.test").exists()
    console.assert_clean()


def test_an_owner_connects_a_saml_provider_by_its_metadata_url_and_passes_the_test_sign_in(
    world, console, settings
):
    """Against the tests' SAML provider on loopback: real metadata, real signatures, the
    browser carrying the signed response to the assertion consumer service."""
    from sso.models import Connection
    from tests.sso.saml_idp import SamlIdpServer

    settings.SSO_ALLOW_HTTP = True  # the provider listens on http://127.0.0.1
    factories.sso_domain(world.acme, "acme.test")
    attributes = {
        "email": ["new.analyst@acme.test"],
        "displayName": ["New Analyst"],
        "memberOf": ["Everyone", "Digest Editors"],
    }
    with SamlIdpServer(name_id="new.analyst@acme.test", attributes=attributes) as idp:
        page = sign_in(console, world.members["owner"].email)
        page.get_by_role("link", name="Single sign-on").click()
        page.get_by_role("link", name="A SAML 2.0 provider").click()
        console.look("sso-setup-saml")
        page.get_by_label("Name", exact=True).fill("Acme SAML")
        # A mistake first: the address is checked and fetched, and the page says why not.
        page.get_by_label("The address of the provider's metadata").fill(f"{idp.base}/nope")
        page.get_by_role("button", name="Create connection").click()
        expect(page.locator("#idp_metadata_url-errors")).to_contain_text("HTTP 404")
        assert page.get_by_label("The address of the provider's metadata").get_attribute(
            "aria-invalid"
        )
        console.look("sso-setup-saml-invalid")
        page.get_by_label("The address of the provider's metadata").fill(idp.metadata_url)
        page.get_by_label("Name attribute (optional)").fill("displayName")
        page.get_by_label("Groups attribute (optional)").fill("memberOf")
        page.get_by_role("button", name="Create connection").click()
        page.wait_for_url(re.compile(r".*/sso/connections/\d+/$"))
        acs = page.get_by_label("ACS URL").input_value()
        assert acs.startswith(console.base) and acs.endswith("/acs")
        metadata = page.locator("#metadata-title").locator("..").inner_text()
        assert idp.idp.sso_url in metadata and idp.metadata_url in metadata
        console.look("sso-connection-saml")

        page.get_by_label("Group 1", exact=True).fill("Digest Editors")
        page.get_by_label("Role for group 1").select_option("editor")
        page.get_by_role("button", name="Save roles").click()
        expect(page.locator(".messages")).to_contain_text("Roles saved")

        # Through the provider and back: the report says what a sign-in would do.
        page.get_by_role("button", name="Run a test sign-in").click()
        report = page.locator(".report")
        report.wait_for()
        text = report.inner_text()
        assert "A sign-in would succeed." in text, text
        assert "New Analyst <new.analyst@acme.test>" in text
        assert "Digest Editors" in text and "editor, from group Digest Editors" in text
        page.get_by_text("Everything your provider sent").click()
        claims = report.locator("table").inner_text()
        assert "memberOf" in claims and "name_id" in claims
        console.look("sso-tested-saml")

        # The provider rolls its certificate over: a test is refused until the
        # metadata is fetched again, then passes.
        idp.rotate_key()
        page.get_by_role("button", name="Run a test sign-in").click()
        page.wait_for_function(
            "() => document.querySelector('.report') && "
            "document.querySelector('.report').innerText.includes('would be refused')"
        )
        page.get_by_role("button", name="Fetch again").click()
        expect(page.locator(".messages")).to_contain_text("new signing certificates")
        console.look("sso-metadata-fetched")
        page.get_by_role("button", name="Run a test sign-in").click()
        page.wait_for_function(
            "() => document.querySelector('.report') && "
            "document.querySelector('.report').innerText.includes('A sign-in would succeed.')"
        )
    # Still the owner, nobody was created, and the fetch is in the audit log.
    assert world.members["owner"].email in page.locator("header").inner_text()
    with tenant_context(world.acme):
        assert not Membership.objects.filter(user__email="new.analyst@acme.test").exists()
        connection = Connection.objects.get(name="Acme SAML")
        from audit.models import AuditEvent

        refreshed = AuditEvent.objects.get(action="sso.metadata_refreshed")
    assert refreshed.target_id == str(connection.pk)
    assert "idp_certificates" in refreshed.changes
    console.assert_clean()


def test_an_owner_adds_a_domain_publishes_its_txt_record_and_verifies_it(world, console, settings):
    """The verification really asks DNS: a DNS server on loopback, where the test
    publishes what the page says to publish."""
    from audit.models import AuditEvent
    from tests.sso.dns_server import TxtServer

    with TxtServer() as dns:
        settings.SSO_DNS_NAMESERVERS = ["127.0.0.1"]
        settings.SSO_DNS_PORT = dns.port
        settings.SSO_DNS_TIMEOUT = 2
        page = sign_in(console, world.members["owner"].email)
        page.get_by_role("link", name="Single sign-on").click()
        domain = page.get_by_label("Domain", exact=True)
        domain.fill("media")
        page.get_by_role("button", name="Add domain").click()
        assert page.locator("#new-domain-errors").is_visible()
        assert domain.get_attribute("aria-invalid") == "true"
        console.look("sso-domain-invalid")

        page.get_by_label("Domain", exact=True).fill("Media.Acme.test")
        page.get_by_role("button", name="Add domain").click()
        expect(page.locator(".messages")).to_contain_text("media.acme.test added")
        row = page.locator("tr", has_text="media.acme.test")
        assert "pending" in row.inner_text()
        txt = row.locator("code[id^='txt-']").inner_text()
        assert txt.startswith("digest-platform-verification=")
        console.look("sso-domain-added")

        # Before the record is published, DNS says no, and the page says so.
        row.get_by_role("button", name="Verify media.acme.test").click()
        expect(page.locator(".messages")).to_contain_text("no TXT record")
        console.look("sso-domain-not-yet")

        dns.records["media.acme.test"] = ["v=spf1 -all", txt]  # published at the DNS host
        page.locator("tr", has_text="media.acme.test").get_by_role(
            "button", name="Verify media.acme.test"
        ).click()
        expect(page.locator(".messages")).to_contain_text("Domain verified")
        row = page.locator("tr", has_text="media.acme.test")
        assert "verified" in row.inner_text()
        assert row.get_by_role("button", name="Verify media.acme.test").count() == 0
        console.look("sso-domain-verified")
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="sso.domain_verified")
    assert event.changes == {"method": [None, "dns"]}
    console.assert_clean()


def test_the_console_works_by_keyboard(world, library, console):
    second = factories.tenant("initech", "Initech")
    with tenant_context(second):
        from tenants.services.members import membership_add

        membership_add(
            tenant=second, user=world.members["viewer"], role=factories.role(second, "viewer")
        )
    page = console.go("/accounts/login/")
    # Each field takes the focus once the page has loaded: wait for it, or the first keys
    # land before it (a slow machine signed in with half a password, then half an email).
    page.wait_for_function("() => document.activeElement?.name === 'email'")
    page.keyboard.type(world.members["viewer"].email)
    expect(page.locator("input[name=email]")).to_have_value(world.members["viewer"].email)
    page.keyboard.press("Enter")
    page.wait_for_selector("input[type=password]")
    page.wait_for_function("() => document.activeElement?.type === 'password'")
    page.keyboard.type(factories.PASSWORD)
    expect(page.locator("input[type=password]")).to_have_value(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/t/acme/$"))

    # Skip link, then into the content.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    # The tenant switcher opens and switches by keyboard.
    page.locator("details.switcher > summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent").startswith("Initech")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/t/initech/$"))
    # A search typed and sent without the mouse.
    page.goto(console.base + "/t/acme/")
    page.locator("#q").focus()
    page.keyboard.type("cold")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*q=cold"))
    assert page.locator("ol.results > li").count() == 1
    console.assert_clean()


def test_every_page_of_the_navigation_passes_the_checks(world, library, console):
    """An owner sees every page: each is checked (axe-core, both widths, no CSP report)."""
    factories.webhook(world.acme, url="http://127.0.0.1:9/hook")
    factories.custom_role(world.acme, slug="readers-plus", permissions=["digests.view_digest"])
    factories.invitation(world.acme, "viewer", "invited@acme.test")
    page = sign_in(console, world.members["owner"].email)
    nav = page.get_by_role("navigation", name="Sections").get_by_role("link")
    labels = nav.all_inner_texts()
    assert len(labels) == 11
    for label in labels:
        page.get_by_role("navigation", name="Sections").get_by_role(
            "link", name=label, exact=True
        ).click()
        page.wait_for_load_state()
        assert page.locator("h1").first.is_visible()
        console.look(label.lower().replace(" ", "-"))
    for path, name in (
        ("/t/acme/sso/new/saml/", "sso-setup-saml"),
        ("/t/acme/sso/new/entra/", "sso-setup-entra"),
        ("/t/acme/no-such-page/", "not-found"),
    ):
        console.go(path)
        console.look(name)
    console.assert_clean()
