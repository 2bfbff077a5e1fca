"""Load the demo tenants, people, roles and API keys from seeds/demo.json; idempotent.

Creates what is missing and leaves what exists as it is, whatever was edited since: a
second run changes nothing that is there. The demo's licenses are loaded once, while the
tenant has none.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.exceptions import ServiceError
from tenants.context import platform_scope, tenant_context
from tenants.models import Membership, Role, Tenant, User
from tenants.services.keys import api_key_install
from tenants.services.members import membership_add
from tenants.services.roles import ensure_preset_roles, role_create
from tenants.services.tenants import tenant_create

DEFAULT_PATH = Path(settings.BASE_DIR) / "seeds" / "demo.json"


class Command(BaseCommand):
    help = "Load the demo tenants, users, roles and API keys (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_PATH))
        parser.add_argument(
            "--quiet-credentials", action="store_true", help="Do not print the credentials table"
        )

    def handle(self, *args, file, quiet_credentials=False, **options):
        path = Path(file)
        try:
            demo = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        try:
            created = self._load(demo)
        except (KeyError, TypeError) as exc:
            raise CommandError(f"{path}: missing or malformed entry {exc}") from None
        except ServiceError as exc:
            raise CommandError(f"{path}: {exc.detail}") from None
        self.stdout.write(f"Demo data: {created} new records ({path.name}).")
        if not quiet_credentials:
            self._print_credentials(demo)

    @transaction.atomic
    def _load(self, demo: dict) -> int:
        created = 0
        password = demo["password"]

        def user(email: str, full_name: str, **extra) -> User:
            nonlocal created
            existing = User.objects.filter(email__iexact=email).first()
            if existing:
                return existing
            created += 1
            return User.objects.create_user(
                email=email, password=password, full_name=full_name, **extra
            )

        for operator in demo.get("operators", []):
            user(operator["email"], operator.get("full_name", ""), is_staff=True, is_superuser=True)

        for spec in demo["tenants"]:
            with platform_scope():
                tenant = Tenant.objects.filter(slug=spec["slug"]).first()
            if tenant is None:
                tenant = tenant_create(slug=spec["slug"], name=spec["name"]).tenant
                created += 1
            ensure_preset_roles(tenant=tenant)
            with tenant_context(tenant):
                for role_spec in spec.get("custom_roles", []):
                    if not Role.objects.filter(slug=role_spec["slug"]).exists():
                        role_create(
                            actor=None,
                            slug=role_spec["slug"],
                            name=role_spec["name"],
                            description=role_spec.get("description", ""),
                            permissions=role_spec["permissions"],
                        )
                        created += 1
                roles = {r.slug: r for r in Role.objects.all()}
                for member in spec["members"]:
                    person = user(member["email"], member.get("full_name", ""))
                    if not Membership.objects.filter(user=person).exists():
                        membership_add(tenant=tenant, user=person, role=roles[member["role"]])
                        created += 1
                for key in spec.get("api_keys", []):
                    _, new = api_key_install(
                        name=key["name"],
                        role=roles[key["role"]],
                        token=key["secret"],
                        accountable_person=User.objects.get(
                            email__iexact=key["accountable_person"]
                        ),
                    )
                    created += int(new)
                for batch in spec.get("digests", []):
                    created += self._load_digests(batch, roles)
                created += self._load_policies(spec.get("policies", []))
                if "licensing" in spec:
                    created += self._load_licensing(spec["licensing"], tenant)
        return created

    def _load_licensing(self, spec: dict, tenant: Tenant) -> int:
        """Contacts for the publishers the import found, and licenses in every review
        state. Loaded once: a tenant that has licenses keeps them as they are."""
        import datetime as dt

        from django.utils import timezone

        from licensing import services as licensing
        from licensing.models import License, RightsHolder, Source
        from tenants.principals import Principal, role_permissions

        if License.objects.exists():
            return 0

        def principal(email: str) -> Principal:
            membership = Membership.objects.select_related("user", "role").get(
                user__email__iexact=email
            )
            return Principal(
                tenant=tenant,
                role=membership.role,
                permissions=role_permissions(membership.role),
                user=membership.user,
            )

        proposer, reviewer = principal(spec["proposed_by"]), principal(spec["decided_by"])
        today = timezone.localdate()
        created = 0
        for holder_spec in spec.get("rights_holders", []):
            holder = RightsHolder.objects.filter(name=holder_spec["name"]).first()
            details = {k: v for k, v in holder_spec.items() if k != "name"}
            if holder is None:
                licensing.rights_holder_create(actor=proposer, **holder_spec)
                created += 1
            else:
                licensing.rights_holder_update(actor=proposer, holder=holder, **details)
        for item in spec["licenses"]:
            holder = RightsHolder.objects.get(name=item["holder"])
            source = None
            if "episode" in item:
                source = Source.objects.get(rights_holder=holder, title=item["episode"])
            terms = {
                name: item[name]
                for name in (
                    "origin",
                    "spdx_id",
                    "permitted_uses",
                    "prohibited_uses",
                    "territory",
                    "attribution",
                    "terms_url",
                    "payment_notes",
                )
                if name in item
            }
            for name in ("valid_from", "valid_until"):
                if f"{name}_days" in item:
                    terms[name] = today + dt.timedelta(days=item[f"{name}_days"])
            lic = licensing.license_propose(
                actor=proposer,
                source=source,
                rights_holder=None if source else holder,
                terms=terms,
            )
            created += 1
            if "evidence" in item:
                licensing.evidence_add(
                    actor=proposer,
                    lic=lic,
                    filename=item["evidence"]["filename"],
                    claimed_type="text/plain",
                    data=item["evidence"]["text"].encode(),
                )
            if item.get("decision"):
                licensing.license_review(
                    actor=reviewer,
                    lic=lic,
                    decision=item["decision"],
                    version=1,
                    notes=item.get("notes", ""),
                    conditions=item.get("conditions", ""),
                )
            if "revise" in item:
                licensing.license_revise(actor=proposer, lic=lic, changes=item["revise"])
        return created

    def _load_policies(self, specs: list[dict]) -> int:
        """Create and publish the demo's content policies; existing ones stay as they are."""
        from policies import services as policy_services
        from policies.models import Policy

        created = 0
        for spec in specs:
            if Policy.objects.filter(slug=spec["slug"]).exists():
                continue
            policy = policy_services.policy_create(
                actor=None,
                name=spec["name"],
                slug=spec["slug"],
                description=spec.get("description", ""),
                rules=spec["rules"],
            )
            if spec.get("publish"):
                policy_services.policy_publish(actor=None, policy=policy, note="demo")
            created += 1
        return created

    def _load_digests(self, spec: dict, roles: dict) -> int:
        """Import the sample exports the tenant does not have yet, in the batch's language
        (English unless it names one), with their topics and restrictions. A demo digest
        that exists is left as it is: importing its export again would undo what was
        changed since (its text, its status)."""
        from digests import services as digest_services
        from digests.importing import collect, import_files
        from digests.models import Digest
        from digests.parser import FormatError, parse

        known = set(Digest.objects.exclude(import_key=None).values_list("import_key", flat=True))

        def missing(path: Path) -> bool:
            try:
                parsed = parse(path.read_bytes().decode("utf-8"), str(path))
            except (UnicodeDecodeError, FormatError):
                return True  # the import reports it
            return digest_services.import_key(parsed) not in known

        files = [
            f for f in collect(DEFAULT_PATH.parent / path for path in spec["files"]) if missing(f)
        ]
        if not files:
            return 0
        results, counts = import_files(
            files, publish=spec.get("publish", False), language=spec.get("language")
        )
        failed = [r.error for r in results if r.status == "failed"]
        if failed:
            raise CommandError("demo digests failed to import:\n" + "\n".join(failed))
        for result in results:
            if result.status != "created":
                continue
            name = Path(result.path).name
            digest = Digest.objects.get(pk=result.digest_id)
            if name in spec.get("topics", {}):
                digest_services.digest_update(
                    actor=None, digest=digest, data={"topics": spec["topics"][name]}
                )
            if name in spec.get("restricted", {}):
                grant = spec["restricted"][name]
                digest_services.digest_set_access(
                    actor=None,
                    digest=digest,
                    restricted=True,
                    members=list(User.objects.filter(email__in=grant.get("members", []))),
                    roles=[roles[slug] for slug in grant.get("roles", [])],
                )
        return counts["created"]

    def _print_credentials(self, demo: dict) -> None:
        out = self.stdout.write
        out("")
        out(f"Demo credentials (password for every user: {demo['password']})")
        for operator in demo.get("operators", []):
            out(f"  operator (Django admin)  {operator['email']}")
        for spec in demo["tenants"]:
            out(f"  tenant {spec['slug']} ({spec['name']})")
            for member in spec["members"]:
                out(f"    {member['role']:<16} {member['email']}")
            for key in spec.get("api_keys", []):
                out(f"    API key ({key['role']}): {key['secret']}")
