"""What the SSO set-up asks of an administrator at each identity provider.

Each guide names the protocol, where the values we give go in the provider's own
console, and where to find the values it gives back. `{callback_url}`,
`{sp_entity_id}` and `{login_url}` are the connection's, filled in once it exists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guide:
    slug: str
    name: str
    protocol: str
    before: tuple[str, ...]  # what to do at the provider before filling the form
    after: tuple[str, ...]  # what to copy into the provider once the connection exists
    issuer_hint: str = ""
    # What the steps call the provider, where its name does not do.
    place: str = ""

    @property
    def at(self) -> str:
        return self.place or self.name


GUIDES = (
    Guide(
        "okta",
        "Okta",
        "oidc",
        before=(
            "In the Okta Admin Console, open Applications, then Create App Integration.",
            "Choose OIDC - OpenID Connect and Web Application.",
            "Under Assignments, give the app to the people or groups who should sign in.",
            "Copy the Client ID and Client secret from the app's General tab.",
            "Your issuer is your Okta domain, for example https://acme.okta.com (or an "
            "authorization server's issuer, if you use a custom one).",
        ),
        after=(
            "Paste {callback_url} into Sign-in redirect URIs.",
            "To map groups to roles, add a groups claim (Sign On tab, OpenID Connect ID Token, "
            "Groups claim filter) and ask for the groups scope below.",
        ),
        issuer_hint="https://your-org.okta.com",
    ),
    Guide(
        "entra",
        "Microsoft Entra ID",
        "oidc",
        before=(
            "In the Microsoft Entra admin center, open App registrations, then New registration.",
            "Choose Web as the platform; the redirect URI can be added after this step.",
            "Under Certificates & secrets, create a client secret and copy its Value.",
            "Copy the Application (client) ID from Overview.",
            "Your issuer is https://login.microsoftonline.com/<Directory (tenant) ID>/v2.0.",
        ),
        after=(
            "Under Authentication, add {callback_url} as a Web redirect URI.",
            "To map groups to roles, add a groups claim under Token configuration; Entra sends "
            "group object ids, so map those ids below.",
        ),
        issuer_hint="https://login.microsoftonline.com/<tenant id>/v2.0",
    ),
    Guide(
        "google",
        "Google Workspace",
        "oidc",
        before=(
            "In the Google Cloud console, open APIs & Services, then Credentials.",
            "Create an OAuth client ID of type Web application.",
            "Copy its Client ID and Client secret.",
            "The issuer is https://accounts.google.com.",
        ),
        after=(
            "Add {callback_url} to the client's Authorized redirect URIs.",
            "Google's ID tokens carry no groups: people get the default role below, and roles "
            "are changed here, or by SCIM.",
        ),
        issuer_hint="https://accounts.google.com",
    ),
    Guide(
        "oidc",
        "Another OpenID Connect provider",
        "oidc",
        place="your provider",
        before=(
            "Register a confidential web client (authorization code flow) with your provider.",
            "Copy its issuer (as its ID tokens name it), client id and client secret.",
        ),
        after=("Register {callback_url} as the client's redirect URI.",),
        issuer_hint="https://idp.example.com",
    ),
    Guide(
        "saml",
        "A SAML 2.0 provider",
        "saml",
        place="your provider",
        before=(
            "Download your provider's SAML metadata (XML) for a new application, or have its "
            "entity id, single sign-on URL (HTTP-Redirect) and signing certificate at hand.",
        ),
        after=(
            "In the provider's application, set the ACS (reply) URL to {callback_url}.",
            "Set the audience (SP entity id) to {sp_entity_id}; the same address serves our "
            "metadata, which many providers can read directly.",
            "Send the email address as an attribute (named below) and sign the assertions.",
        ),
    ),
)
BY_SLUG = {guide.slug: guide for guide in GUIDES}


def filled(lines: tuple[str, ...], connection: dict) -> list[str]:
    """A guide's lines with the connection's own addresses in them."""
    values = {
        "callback_url": connection.get("callback_url") or "",
        "sp_entity_id": connection.get("sp_entity_id") or "",
        "login_url": connection.get("login_url") or "",
    }
    return [line.format(**values) for line in lines]
