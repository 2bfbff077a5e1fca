"""The permission catalogue and the preset roles.

A permission is a Django permission codename (`app_label.codename`). The catalogue lists
the ones a tenant may put into roles; capabilities add theirs here. Preset roles are
defined in code so a new permission reaches every tenant's presets immediately.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueEntry:
    codename: str  # "app_label.codename"
    description: str


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry("tenants.view_membership", "See the tenant's members and their roles"),
    CatalogueEntry("tenants.add_membership", "Invite people to the tenant"),
    CatalogueEntry("tenants.change_membership", "Change a member's role"),
    CatalogueEntry("tenants.delete_membership", "Remove members from the tenant"),
    CatalogueEntry("tenants.view_role", "See roles and their permissions"),
    CatalogueEntry("tenants.add_role", "Create custom roles"),
    CatalogueEntry("tenants.change_role", "Edit custom roles"),
    CatalogueEntry("tenants.delete_role", "Delete unused custom roles"),
    CatalogueEntry("tenants.view_apikey", "See API keys (never their secrets)"),
    CatalogueEntry("tenants.add_apikey", "Create API keys for internal apps"),
    CatalogueEntry("tenants.delete_apikey", "Revoke API keys"),
    CatalogueEntry(
        "tenants.export_tenant",
        "Download everything the tenant holds (digests, people, licenses, audit log) as "
        "one archive",
    ),
    CatalogueEntry(
        "tenants.delete_tenant",
        "Ask for the tenant and everything it holds to be deleted, or take that back",
    ),
    CatalogueEntry("digests.view_digest", "Read published digests"),
    CatalogueEntry("digests.view_unpublished_digest", "Read drafts and archived digests"),
    CatalogueEntry("digests.add_digest", "Create and import digests"),
    CatalogueEntry("digests.change_digest", "Edit digests"),
    CatalogueEntry("digests.publish_digest", "Publish and archive digests"),
    CatalogueEntry("digests.delete_digest", "Delete digests"),
    CatalogueEntry("audit.view_auditevent", "Read, export and verify the audit log"),
    CatalogueEntry(
        "audit.manage_auditsink",
        "Stream the whole audit log to HTTPS and syslog receivers (add, change, test sinks)",
    ),
    CatalogueEntry(
        "audit.manage_retention",
        "Set how long the audit log is kept (shortening it holds only after a delay)",
    ),
    CatalogueEntry("policies.view_policy", "Read content policies and their versions"),
    CatalogueEntry("policies.add_policy", "Create content policies"),
    CatalogueEntry("policies.change_policy", "Edit policy drafts and simulate them"),
    CatalogueEntry("policies.publish_policy", "Publish and roll back policies"),
    CatalogueEntry("policies.delete_policy", "Delete content policies"),
    CatalogueEntry("licensing.view_source", "See sources, their license status and attribution"),
    CatalogueEntry("licensing.add_source", "Add sources and rights holders"),
    CatalogueEntry(
        "licensing.change_source", "Edit sources and rights holders, link digests to sources"
    ),
    CatalogueEntry("licensing.delete_source", "Delete sources and rights holders"),
    CatalogueEntry("licensing.view_license", "Read license terms, evidence and decisions"),
    CatalogueEntry("licensing.add_license", "Propose licenses and attach evidence"),
    CatalogueEntry("licensing.change_license", "Revise licenses (each revision needs review)"),
    CatalogueEntry("licensing.delete_license", "Delete licenses"),
    CatalogueEntry("licensing.review_license", "Approve, reject or query licenses"),
    CatalogueEntry("licensing.view_compliance_report", "Run and export compliance reports"),
    CatalogueEntry("sso.view_sso", "See SSO connections, verified domains and enforcement"),
    CatalogueEntry(
        "sso.manage_sso",
        "Manage SSO connections, verified domains and sign-in rules (SSO and two-factor "
        "requirements, session lifetimes)",
    ),
    CatalogueEntry(
        "webhooks.manage_webhook", "Register webhooks, inspect and redeliver their deliveries"
    ),
    CatalogueEntry(
        "digests.manage_access_digest",
        "Restrict digests to named members or roles; sees every restricted digest",
    ),
)

CATALOGUE_CODENAMES: frozenset[str] = frozenset(entry.codename for entry in CATALOGUE)

OWNER = "owner"
ADMIN = "admin"
EDITOR = "editor"
VIEWER = "viewer"
COMPLIANCE = "compliance"
AUDITOR = "auditor"


@dataclass(frozen=True)
class PresetRole:
    slug: str
    name: str
    description: str
    permissions: frozenset[str]


def _all() -> frozenset[str]:
    return CATALOGUE_CODENAMES


# Whoever configures the tenant's identity provider controls every account that signs in
# through it, the owners' included: that is owner-level power. So are taking a copy of
# everything the tenant holds, asking for all of it to be deleted, sending the whole
# audit log (every member's address in it) to a receiver of one's choosing with the power
# to hold back its purge (audit sinks), and setting how long that log is kept. Only
# owners hold these in the presets, and since nobody grants what they do not hold, only
# owners can hand them on.
OWNER_LEVEL = frozenset(
    {
        "sso.manage_sso",
        "tenants.export_tenant",
        "tenants.delete_tenant",
        "audit.manage_auditsink",
        "audit.manage_retention",
    }
)


_READ_PEOPLE = frozenset({"tenants.view_membership", "tenants.view_role"})
_READ = frozenset({"digests.view_digest"})
_READ_ALL = _READ | {"digests.view_unpublished_digest"}
_WRITE = _READ_ALL | {"digests.add_digest", "digests.change_digest", "digests.publish_digest"}
_SOURCES = frozenset({"licensing.view_source"})
_LICENSES = _SOURCES | {"licensing.view_license"}
_PROPOSE = _LICENSES | {
    "licensing.add_source",
    "licensing.change_source",
    "licensing.add_license",
    "licensing.change_license",
}
_REVIEW = _PROPOSE | {
    "licensing.review_license",
    "licensing.delete_license",
    "licensing.view_compliance_report",
}

PRESETS: dict[str, PresetRole] = {
    preset.slug: preset
    for preset in (
        PresetRole(OWNER, "Owner", "Everything, including managing other owners.", _all()),
        PresetRole(
            ADMIN,
            "Admin",
            "Manages members, roles, API keys and settings; all but owners, SSO, the audit "
            "log's sinks and retention "
            "and the tenant's archive and deletion.",
            _all() - OWNER_LEVEL,
        ),
        PresetRole(
            EDITOR,
            "Editor",
            "Writes and publishes digests; proposes sources and licenses.",
            _READ_PEOPLE | _WRITE | _PROPOSE,
        ),
        PresetRole(
            VIEWER,
            "Viewer",
            "Reads published digests and their sources' license status.",
            _READ | _SOURCES,
        ),
        PresetRole(
            COMPLIANCE,
            "Compliance",
            "Reviews source licenses and decides.",
            _READ_PEOPLE | _READ_ALL | _REVIEW | {"policies.view_policy"},
        ),
        PresetRole(
            AUDITOR,
            "Auditor",
            "Reads the audit log and who has access.",
            _READ_PEOPLE
            | _READ
            | _LICENSES
            | {
                "tenants.view_apikey",
                "audit.view_auditevent",
                "policies.view_policy",
                "licensing.view_compliance_report",
                "sso.view_sso",
            },
        ),
    )
}
