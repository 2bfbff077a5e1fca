"""The console's pages: server-rendered HTML over the API's own views (console.api).

Every page inside a tenant is a `TenantPage`. It finds the person's membership through
`/api/v1/me` (so an SSO session sees its provider's tenant only, as the API does), reads
what it shows through the API, and turns the API's refusals into pages: 401 and an
expired session back to sign-in, a missing second factor to its set-up, anything else a
page that says what the API said. Writes are POSTs answered by a redirect (or, for a
secret shown once, by the page itself with `no-store`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import View

from console import rule_forms, sso_guides
from console.api import Answer, Endpoint, call
from core import problems
from licensing.models import Source
from webhooks.models import EVENTS as WEBHOOK_EVENTS

ME = Endpoint("me")
# The tenant a person last worked in: where `/` takes them.
LAST_TENANT_SESSION_KEY = "console_tenant"


def handler_name(action: str) -> str:
    return "do_" + action.replace("-", "_")


class Refused(Exception):
    """The API refused a read the page needs; the page shows why instead."""

    def __init__(self, answer: Answer):
        super().__init__(answer.detail)
        self.answer = answer


def page(request, template: str, context: dict, *, status: int = 200):
    """A console page: HTML for every status, never a problem document."""
    response = render(request, template, context, status=status)
    response.problem_exempt = True
    return response


def error_page(request, status: int, detail: str, *, context: dict | None = None):
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Slow down"}
    return page(
        request,
        "console/error.html",
        {
            **(context or {}),
            "status": status,
            "title": titles.get(status, "Error"),
            "detail": detail,
        },
        status=status,
    )


def memberships(request) -> list[dict]:
    """The person's tenants and their permissions in each, as `/api/v1/me` says."""
    answer = call(request, ME)
    if not answer.ok:
        raise Refused(answer)
    return answer.data["memberships"]


class HomeView(View):
    """`/`: the tenant the person last worked in, or their first."""

    def get(self, request):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            found = memberships(request)
        except Refused as refused:
            return refusal(request, refused.answer)
        if not found:
            return page(request, "console/no_tenant.html", {"title": "No tenant yet"})
        slugs = [m["tenant"]["slug"] for m in found]
        last = request.session.get(LAST_TENANT_SESSION_KEY)
        slug = last if last in slugs else slugs[0]
        return HttpResponseRedirect(reverse("console:library", args=[slug]))


def refusal(request, answer: Answer, *, context: dict | None = None):
    """The page for an API refusal: sign-in again, set up a second factor, or say why."""
    if answer.status == 401:
        if answer.code == "session_expired":
            messages.info(request, answer.detail)
        return redirect_to_login(request.get_full_path())
    if answer.code == "mfa_required":
        return HttpResponseRedirect(
            f"{reverse('accounts:mfa')}?{urlencode({'next': request.get_full_path()})}"
        )
    return error_page(
        request, answer.status, answer.detail or "The request was refused.", context=context
    )


def refusal_text(page, endpoint: Endpoint) -> str:
    """The API's words for a role without `endpoint`'s permission."""
    return f"Your role ({page.membership['role']['slug']}) does not include {endpoint.permission}."


class TenantPage(View):
    """A page inside one tenant, `/t/<tenant>/...`.

    `endpoint` is the API read the page exists to show: the navigation shows the page to
    those whose role holds that read's permission (`Endpoint.permission`). The read
    itself decides, as it does for the API: a page offered by mistake is still refused.
    """

    endpoint: ClassVar[Endpoint]
    # The writes a POST may ask for, by the form's `action`: each is handled by the
    # page's `do_<action>` method and is made through the endpoint named here.
    actions: ClassVar[dict[str, Endpoint]] = {}
    template_name: ClassVar[str]
    title: ClassVar[str] = ""
    nav_label: ClassVar[str] = ""
    url_name: ClassVar[str] = ""
    # The navigation entry a page without its own belongs under.
    section: ClassVar[type[TenantPage] | None] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.actions:
            if not callable(getattr(cls, handler_name(name), None)):
                raise TypeError(f"{cls.__name__} has no {handler_name(name)} for {name!r}")

    def dispatch(self, request, *args, tenant: str, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.tenant = tenant
        self.membership = None
        try:
            self.memberships = memberships(request)
            self.membership = next(
                (m for m in self.memberships if m["tenant"]["slug"] == tenant), None
            )
            if self.membership is None:
                # The API's answer for a tenant the person is not in: as for none at all.
                return error_page(request, 404, "There is no such page.")
            if request.session.get(LAST_TENANT_SESSION_KEY) != tenant:
                request.session[LAST_TENANT_SESSION_KEY] = tenant
            if self.endpoint.method != "get" and not self.permitted(self.endpoint):
                # A page that exists to write (a form): say now what the API would say
                # when it is sent.
                return error_page(
                    request, 403, refusal_text(self, self.endpoint), context=self.frame()
                )
            return super().dispatch(request, *args, **kwargs)
        except Refused as refused:
            return refusal(request, refused.answer, context=self.frame())
        except BadForm as bad:
            return error_page(request, 400, str(bad), context=self.frame())

    def post(self, request, *args, **kwargs):
        name = request.POST.get("action", "")
        if name not in self.actions or not self.accepts(name):
            return error_page(request, 400, "Unknown action.", context=self.frame())
        return getattr(self, handler_name(name))(request, self.actions[name], *args, **kwargs)

    # -- reading and writing through the API ---------------------------------------------

    def read(self, endpoint: Endpoint, **kwargs):
        """The API's data for a read, or `Refused`."""
        answer = call(self.request, endpoint, tenant=self.tenant, **kwargs)
        if not answer.ok:
            raise Refused(answer)
        return answer.data

    def write(self, endpoint: Endpoint, **kwargs) -> Answer:
        """A write through the API; the caller decides what to show of its answer."""
        return call(self.request, endpoint, tenant=self.tenant, **kwargs)

    def listing(self, endpoint: Endpoint, filters: dict, *, page_size: int, query=None):
        """One page of a list endpoint, filtered as the page's form says: (the API's
        answer, links to the next and previous pages, the API's field errors). A 400 is
        shown on the page, next to its fields; any other refusal is the page's."""
        answer = call(
            self.request,
            endpoint,
            tenant=self.tenant,
            query={
                **(filters if query is None else query),
                "cursor": self.request.GET.get("cursor"),
                "page_size": page_size,
            },
        )
        if answer.status == 400:
            return {"results": []}, {}, answer.field_errors()
        if not answer.ok:
            raise Refused(answer)
        pages = {}
        for which in ("next", "previous"):
            cursor = answer.cursor(which)
            if cursor:
                pages[which] = "?" + urlencode({**filters, "cursor": cursor})
        return answer.data, pages, {}

    def done(self, answer: Answer, success: str, *, to: str | None = None):
        """After a write answered by a redirect: the message, then the page (or `to`)."""
        if answer.ok:
            messages.success(self.request, success)
        elif answer.status == 401 or answer.code == "mfa_required":
            return refusal(self.request, answer)
        else:
            messages.error(self.request, answer.detail or "The change was refused.")
        return HttpResponseRedirect(to or self.request.get_full_path())

    # -- rendering -----------------------------------------------------------------------

    def permitted(self, endpoint: Endpoint) -> bool:
        """Whether the person's role holds what `endpoint` asks (for showing controls)."""
        needed = endpoint.permission
        return needed is None or needed in self.membership["permissions"]

    def accepts(self, action: str) -> bool:
        """Whether this address takes `action` (every one, unless a page says otherwise)."""
        return True

    def permitted_actions(self) -> dict[str, bool]:
        """Which of the page's actions to offer (`may.<action>` in templates)."""
        return {name.replace("-", "_"): self.permitted(e) for name, e in self.actions.items()}

    def navigation(self) -> list[dict]:
        return [
            {
                "label": cls.nav_label,
                "url": reverse(f"console:{cls.url_name}", args=[self.tenant]),
                "current": isinstance(self, cls) or self.section is cls,
            }
            for cls in NAVIGATION
            if self.permitted(cls.endpoint)
        ]

    def frame(self) -> dict:
        """What every page of the tenant shows around its content."""
        if self.membership is None:
            return {}
        return {
            "tenant": self.membership["tenant"],
            "role": self.membership["role"],
            "memberships": self.memberships,
            "navigation": self.navigation(),
        }

    def render_page(self, context: dict, *, status: int = 200, store: bool = True):
        context = {"title": self.title, **self.frame(), **context}
        response = page(self.request, self.template_name, context, status=status)
        if not store:
            add_never_cache_headers(response)
        return response


class BadForm(Exception):
    """A form the console itself wrote arrived without a field it always sends."""


_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def whole_number(value) -> int | None:
    """`value` as a whole number when it is one in ASCII digits that fits an id column;
    None otherwise (str.isdigit accepts digits int() refuses, such as superscripts)."""
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        return int(value)
    return None


def posted_id(request, name: str) -> int:
    found = whole_number(request.POST.get(name, ""))
    if found is None:
        raise BadForm(f"No {name} was chosen.")
    return found


def query_of(request, names) -> dict:
    """The named query parameters the page passes on to the API, blanks dropped."""
    return {name: request.GET.get(name, "").strip() for name in names if request.GET.get(name)}


# --- Readers ---------------------------------------------------------------------------------


DIGESTS = Endpoint("digest-list")
DIGEST = Endpoint("digest-detail")
SOURCES = Endpoint("source-list")

_ACTIONS = {
    "redact": "Words were redacted",
    "hide_field": "A field was hidden",
    "hide_section": "A section was hidden",
    "hide": "Part of it was hidden",
}


def policy_notices(decision: dict) -> list[dict]:
    """What the policies changed in a digest, in each rule's own message, once per rule:
    never the hidden text, which the API's answer no longer holds."""
    notices, seen = [], set()
    for finding in decision.get("findings", []):
        if not finding.get("enforced") or finding["rule"] in seen:
            continue
        seen.add(finding["rule"])
        notices.append(
            {
                "what": _ACTIONS.get(finding.get("action"), "The policy changed it"),
                "reason": finding.get("reason") or "",
            }
        )
    return notices


# Facet name -> the filter each of its values narrows the library by.
_FACET_FILTERS = {
    "topics": ("Topics", "topic"),
    "publishers": ("Publishers", "publisher"),
    "years": ("Years", "year"),
}


def facet_links(found: dict, filters: dict) -> list[dict]:
    """Each facet's values as links that add (or, when chosen, remove) its filter."""
    shown = []
    for name, (label, key) in _FACET_FILTERS.items():
        values = []
        for entry in found.get(name) or []:
            value = str(entry["value"])
            if key == "year":
                chosen = filters.get("published_after") == f"{value}-01-01"
                narrowed = {
                    "published_after": f"{value}-01-01",
                    "published_before": f"{value}-12-31",
                }
            else:
                chosen = filters.get(key, "").lower() == value.lower()
                narrowed = {key: value}
            if chosen:
                wanted = {k: v for k, v in filters.items() if k not in narrowed}
            else:
                wanted = {**filters, **narrowed}
            values.append(
                {
                    "value": value,
                    "count": entry["count"],
                    "chosen": chosen,
                    "link": "?" + urlencode(wanted),
                }
            )
        if values:
            shown.append({"label": label, "values": values})
    return shown


class LibraryPage(TenantPage):
    """The digests the person may read, searched and filtered."""

    endpoint = DIGESTS
    template_name = "console/library.html"
    title = "Library"
    nav_label = "Library"
    url_name = "library"
    FILTERS = ("q", "publisher", "topic", "published_after", "published_before", "ordering")

    def get(self, request):
        filters = query_of(request, self.FILTERS)
        # Counts of topics, publishers and years over all the results, as the API counts
        # them: from the text this person is shown.
        query = {**filters, "facets": "topics,publishers,years"}
        found, pages, errors = self.listing(DIGESTS, filters, page_size=20, query=query)
        digests = [
            {**digest, "notices": policy_notices(digest.get("policy", {}))}
            for digest in found["results"]
        ]
        return self.render_page(
            {
                "filters": filters,
                "digests": digests,
                "facets": facet_links(found.get("facets") or {}, filters),
                "pages": pages,
                "errors": errors,
            },
            status=400 if errors else 200,
        )


class DigestPage(TenantPage):
    """One digest as the person is shown it, with what the policies changed."""

    endpoint = DIGEST
    template_name = "console/digest.html"
    section = LibraryPage

    def get(self, request, pk: int):
        digest = self.read(DIGEST, pk=pk)
        return self.render_page(
            {
                "title": digest["title"],
                "digest": digest,
                "notices": policy_notices(digest.get("policy", {})),
            }
        )


class SourcesPage(TenantPage):
    """The tenant's sources and their license status."""

    endpoint = SOURCES
    template_name = "console/sources.html"
    title = "Sources"
    nav_label = "Sources"
    url_name = "sources"
    FILTERS = ("q", "kind")

    def get(self, request):
        filters = query_of(request, self.FILTERS)
        found, pages, errors = self.listing(SOURCES, filters, page_size=50)
        return self.render_page(
            {"filters": filters, "sources": found["results"], "pages": pages, "errors": errors},
            status=400 if errors else 200,
        )

    def render_page(self, context: dict, **kwargs):
        return super().render_page({"kinds": Source.Kind.choices, **context}, **kwargs)


# --- Enterprise admins -----------------------------------------------------------------------


MEMBERS = Endpoint("member-list")
INVITE = Endpoint("member-list", "post")
MEMBER_CHANGE = Endpoint("member-detail", "patch")
MEMBER_REMOVE = Endpoint("member-detail", "delete")
ROLES = Endpoint("role-list")
INVITATIONS = Endpoint("invitation-list")
INVITATION_RESEND = Endpoint("invitation-resend", "post")
INVITATION_REVOKE = Endpoint("invitation-detail", "delete")
KEYS = Endpoint("api-key-list")
KEY_CREATE = Endpoint("api-key-list", "post")
KEY_REVOKE = Endpoint("api-key-detail", "delete")


def all_pages(view: TenantPage, endpoint: Endpoint, *, limit: int = 1000, **query) -> list:
    """Every item of a list endpoint, following its cursor (for a form's choices)."""
    items, cursor = [], None
    while len(items) < limit:
        data = view.read(endpoint, query={**query, "cursor": cursor, "page_size": 100})
        items += data["results"]
        cursor = Answer(200, data).cursor("next")
        if not cursor:
            break
    return items


class MembersPage(TenantPage):
    """Members and their roles: invite, change a role, remove."""

    endpoint = MEMBERS
    actions = {
        "invite": INVITE,
        "change-role": MEMBER_CHANGE,
        "remove": MEMBER_REMOVE,
        "resend": INVITATION_RESEND,
        "revoke": INVITATION_REVOKE,
    }
    template_name = "console/members.html"
    title = "Members"
    nav_label = "Members"
    url_name = "members"

    def get(self, request, *, errors=None, values=None, status=200):
        members = all_pages(self, MEMBERS)
        roles = all_pages(self, ROLES) if self.permitted(ROLES) else []
        waiting = [
            i for state in ("pending", "expired") for i in all_pages(self, INVITATIONS, state=state)
        ]
        return self.render_page(
            {
                "members": members,
                "invitations": waiting,
                "roles": roles,
                "may": self.permitted_actions(),
                "errors": errors or {},
                "values": values or {},
            },
            status=status,
        )

    def do_invite(self, request, endpoint):
        values = {"email": request.POST.get("email", ""), "role": request.POST.get("role", "")}
        answer = self.write(endpoint, data=values)
        if answer.status == 400:
            return self.get(request, errors=answer.field_errors(), values=values, status=400)
        return self.done(answer, f"Invitation sent to {values['email']}.")

    def do_change_role(self, request, endpoint):
        role = request.POST.get("role", "")
        answer = self.write(endpoint, pk=posted_id(request, "member"), data={"role": role})
        return self.done(answer, f"Role changed to {role}.")

    def do_remove(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "member"))
        return self.done(answer, "Member removed.")

    def do_resend(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "invitation"))
        return self.done(answer, "Invitation sent again, with a new link.")

    def do_revoke(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "invitation"))
        return self.done(answer, "Invitation revoked: its link no longer works.")


class ApiKeysPage(TenantPage):
    """API keys: create (the secret shown once), see last use, revoke."""

    endpoint = KEYS
    actions = {"create": KEY_CREATE, "revoke": KEY_REVOKE}
    template_name = "console/api_keys.html"
    title = "API keys"
    nav_label = "API keys"
    url_name = "api_keys"

    def get(self, request, *, errors=None, values=None, created=None, status=200):
        keys = all_pages(self, KEYS)
        roles = all_pages(self, ROLES) if self.permitted(ROLES) else []
        return self.render_page(
            {
                "keys": keys,
                "roles": roles,
                "may": self.permitted_actions(),
                "errors": errors or {},
                "values": values or {},
                "created": created,
            },
            status=status,
            store=created is None,
        )

    def do_create(self, request, endpoint):
        values = {"name": request.POST.get("name", ""), "role": request.POST.get("role", "")}
        expires = request.POST.get("expires_at", "").strip()
        data = {**values, "expires_at": f"{expires}T00:00:00Z" if expires else None}
        answer = self.write(endpoint, data=data)
        if answer.status == 400:
            return self.get(request, errors=answer.field_errors(), values=values, status=400)
        if not answer.ok:
            return self.done(answer, "")
        # Shown once, in this answer only: never kept in the session or a message.
        return self.get(request, created=answer.data)

    def do_revoke(self, request, endpoint):
        return self.done(self.write(endpoint, pk=posted_id(request, "key")), "Key revoked.")


ROLE_CREATE = Endpoint("role-list", "post")
ROLE_CHANGE = Endpoint("role-detail", "patch")
ROLE_DELETE = Endpoint("role-detail", "delete")
PERMISSIONS = Endpoint("permission-list")


class RolesPage(TenantPage):
    """Preset and custom roles; a custom role is built from the permission catalogue,
    each permission explained."""

    endpoint = ROLES
    actions = {"create": ROLE_CREATE, "change": ROLE_CHANGE, "delete": ROLE_DELETE}
    template_name = "console/roles.html"
    title = "Roles"
    nav_label = "Roles"
    url_name = "roles"

    def get(self, request, *, errors=None, values=None, status=200):
        catalogue = self.read(PERMISSIONS)
        groups: dict[str, list] = {}
        for entry in catalogue:
            groups.setdefault(entry["codename"].split(".")[0], []).append(entry)
        return self.render_page(
            {
                "roles": all_pages(self, ROLES),
                "catalogue": catalogue,
                "groups": sorted(groups.items()),
                "held": set(self.membership["permissions"]),
                "may": self.permitted_actions(),
                "errors": errors or {},
                "values": values or {"permissions": []},
            },
            status=status,
        )

    def _form(self, request) -> dict:
        return {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "permissions": request.POST.getlist("permissions"),
        }

    def do_create(self, request, endpoint):
        values = {**self._form(request), "slug": request.POST.get("slug", "")}
        data = {k: v for k, v in values.items() if k != "slug" or v}
        answer = self.write(endpoint, data=data)
        if answer.status == 400:
            return self.get(request, errors=answer.field_errors(), values=values, status=400)
        return self.done(answer, f"Role {values['name']} created.")

    def do_change(self, request, endpoint):
        pk = posted_id(request, "role")
        answer = self.write(endpoint, pk=pk, data=self._form(request))
        if answer.status == 400:
            return self.done(Answer(400, {"detail": _joined(answer.field_errors())}), "")
        return self.done(answer, "Role saved.")

    def do_delete(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "role"))
        return self.done(answer, "Role deleted.")


def _joined(errors: dict[str, list[str]]) -> str:
    return " ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())


WEBHOOKS = Endpoint("webhook-list")
WEBHOOK_CREATE = Endpoint("webhook-list", "post")
WEBHOOK_CHANGE = Endpoint("webhook-detail", "patch")
WEBHOOK_DELETE = Endpoint("webhook-detail", "delete")
DELIVERIES = Endpoint("webhook-delivery-list")
REDELIVER = Endpoint("webhook-delivery-redeliver", "post")


class WebhooksPage(TenantPage):
    """Webhook endpoints (the signing secret shown once), their deliveries and redelivery."""

    endpoint = WEBHOOKS
    actions = {
        "create": WEBHOOK_CREATE,
        "toggle": WEBHOOK_CHANGE,
        "delete": WEBHOOK_DELETE,
        "redeliver": REDELIVER,
    }
    template_name = "console/webhooks.html"
    title = "Webhooks"
    nav_label = "Webhooks"
    url_name = "webhooks"

    def get(self, request, *, errors=None, values=None, created=None, status=200):
        deliveries = []
        if self.permitted(DELIVERIES):
            query = query_of(request, ("endpoint", "status"))
            deliveries = self.read(DELIVERIES, query={**query, "page_size": 50})["results"]
        return self.render_page(
            {
                "webhooks": all_pages(self, WEBHOOKS),
                "deliveries": deliveries,
                "events": WEBHOOK_EVENTS,
                "may": self.permitted_actions(),
                "errors": errors or {},
                "values": values or {"events": list(WEBHOOK_EVENTS)},
                "created": created,
            },
            status=status,
            store=created is None,
        )

    def do_create(self, request, endpoint):
        values = {
            "url": request.POST.get("url", ""),
            "description": request.POST.get("description", ""),
            "events": request.POST.getlist("events"),
        }
        answer = self.write(endpoint, data=values)
        if answer.status == 400:
            return self.get(request, errors=answer.field_errors(), values=values, status=400)
        if not answer.ok:
            return self.done(answer, "")
        return self.get(request, created=answer.data)

    def do_toggle(self, request, endpoint):
        active = request.POST.get("is_active") == "1"
        answer = self.write(endpoint, pk=posted_id(request, "webhook"), data={"is_active": active})
        return self.done(answer, "Endpoint switched on." if active else "Endpoint paused.")

    def do_delete(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "webhook"))
        return self.done(answer, "Endpoint deleted.")

    def do_redeliver(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "delivery"))
        return self.done(answer, "Sent again: the new delivery is at the top of the list.")


# --- Policies --------------------------------------------------------------------------------


POLICIES = Endpoint("policy-list")
POLICY_CREATE = Endpoint("policy-list", "post")
POLICY = Endpoint("policy-detail")
POLICY_CHANGE = Endpoint("policy-detail", "patch")
POLICY_PUBLISH = Endpoint("policy-publish", "post")
POLICY_ROLLBACK = Endpoint("policy-rollback", "post")
POLICY_SIMULATE = Endpoint("policy-simulate", "post")
POLICY_VERSIONS = Endpoint("policy-versions")
INSIGHT = Endpoint("policy-insight-list")
INSIGHT_READERS = Endpoint("policy-insight-readers")
INSIGHT_DIGESTS = Endpoint("policy-insight-digests")


class PoliciesPage(TenantPage):
    """The tenant's content policies; a new one starts as an empty draft."""

    endpoint = POLICIES
    actions = {"create": POLICY_CREATE}
    template_name = "console/policies.html"
    title = "Policies"
    nav_label = "Policies"
    url_name = "policies"

    def get(self, request, *, errors=None, values=None, status=200):
        return self.render_page(
            {
                "policies": all_pages(self, POLICIES),
                "may": self.permitted_actions(),
                "errors": errors or {},
                "values": values or {},
            },
            status=status,
        )

    def do_create(self, request, endpoint):
        values = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
        }
        answer = self.write(endpoint, data=values)
        if answer.status == 400:
            return self.get(request, errors=answer.field_errors(), values=values, status=400)
        if not answer.ok:
            return self.done(answer, "")
        return self.done(
            answer,
            f"Policy {values['name']} created: add its rules, simulate, then publish.",
            to=reverse("console:policy", args=[self.tenant, answer.data["id"]]),
        )


class PolicyPage(TenantPage):
    """One policy: its draft in the rule editor, a simulation of the draft for a role or
    key, publishing, and its versions with rollback."""

    endpoint = POLICY
    actions = {
        "save": POLICY_CHANGE,
        "enable": POLICY_CHANGE,
        "simulate": POLICY_SIMULATE,
        "publish": POLICY_PUBLISH,
        "rollback": POLICY_ROLLBACK,
    }
    template_name = "console/policy.html"
    section = PoliciesPage

    def get(
        self,
        request,
        pk: int,
        *,
        rules=None,
        errors=None,
        general=None,
        status=200,
        simulation=None,
        simulated_as=None,
    ):
        policy = self.read(POLICY, pk=pk)
        draft = policy["draft_rules"] if rules is None else rules
        versions = self.read(POLICY_VERSIONS, pk=pk) if self.permitted(POLICY_VERSIONS) else []
        roles = all_pages(self, ROLES) if self.permitted(ROLES) else []
        keys = all_pages(self, KEYS) if self.permitted(KEYS) else []
        by_rule = errors or {}
        insight = {}
        if self.permitted(INSIGHT):
            # What its rules did, or in monitor mode would have done, in the last 30 days.
            wanted = {"policy": pk, "page_size": 50}
            insight = {
                "rules": self.read(INSIGHT, query=wanted)["results"],
                "readers": self.read(INSIGHT_READERS, query=wanted)["results"],
                "digests": self.read(INSIGHT_DIGESTS, query={**wanted, "page_size": 10})["results"],
            }
        return self.render_page(
            {
                "title": policy["name"],
                "policy": policy,
                "insight": insight,
                "rules": [rule_forms.rule_to_form(r, i, by_rule) for i, r in enumerate(draft)],
                "general_errors": general or [],
                "versions": versions,
                "roles": roles,
                "keys": [k for k in keys if k["status"] == "active"],
                "may": self.permitted_actions(),
                "simulation": simulation,
                "simulated_as": simulated_as,
                **rule_forms.choices(),
            },
            status=status,
        )

    def do_save(self, request, endpoint, pk: int):
        rules = rule_forms.rules_from_post(request.POST)
        if request.POST.get("add-rule"):
            # A new rule starts in monitor mode, shown in the editor and saved with the
            # draft's next save.
            rules.append({"kind": request.POST.get("new-kind", ""), "mode": "monitor"})
            return self.get(request, pk, rules=rules)
        answer = self.write(endpoint, pk=pk, data={"rules": rules})
        if answer.status == 400:
            by_rule, general = rule_forms.errors_by_rule(answer.field_errors())
            return self.get(request, pk, rules=rules, errors=by_rule, general=general, status=400)
        return self.done(answer, "Draft saved. Simulate it, then publish to put it in force.")

    def do_enable(self, request, endpoint, pk: int):
        enabled = request.POST.get("enabled") == "1"
        answer = self.write(endpoint, pk=pk, data={"enabled": enabled})
        return self.done(answer, "Policy switched on." if enabled else "Policy switched off.")

    def do_simulate(self, request, endpoint, pk: int):
        who = request.POST.get("as", "")
        kind, _, value = who.partition(":")
        wanted = {"as_role": value} if kind == "role" else {"as_api_key": value}
        answer = self.write(endpoint, pk=pk, data=wanted)
        if not answer.ok:
            return self.done(answer, "")
        return self.get(request, pk, simulation=answer.data, simulated_as=who)

    def do_publish(self, request, endpoint, pk: int):
        answer = self.write(endpoint, pk=pk, data={"note": request.POST.get("note", "")})
        number = answer.data.get("number") if answer.ok else None
        return self.done(answer, f"Version {number} published: it is in force now.")

    def do_rollback(self, request, endpoint, pk: int):
        version = request.POST.get("version", "")
        answer = self.write(
            endpoint,
            pk=pk,
            data={"version": whole_number(version) or version, "note": ""},
        )
        number = answer.data.get("number") if answer.ok else None
        return self.done(
            answer, f"Version {version} published again as version {number}: it is in force."
        )


# --- Single sign-on --------------------------------------------------------------------------


CONNECTIONS = Endpoint("sso-connection-list")
CONNECTION = Endpoint("sso-connection-detail")
CONNECTION_CREATE = Endpoint("sso-connection-list", "post")
CONNECTION_CHANGE = Endpoint("sso-connection-detail", "patch")
CONNECTION_DELETE = Endpoint("sso-connection-detail", "delete")
CONNECTION_TEST = Endpoint("sso-connection-test", "post")
CONNECTION_TEST_REPORT = Endpoint("sso-connection-test")
CONNECTION_REFRESH_METADATA = Endpoint("sso-connection-refresh-metadata", "post")
SSO_SETTINGS = Endpoint("sso-settings")
SSO_SETTINGS_CHANGE = Endpoint("sso-settings", "patch")
DOMAINS = Endpoint("sso-domain-list")
DOMAIN_ADD = Endpoint("sso-domain-list", "post")
DOMAIN_VERIFY = Endpoint("sso-domain-verify", "post")
DOMAIN_REMOVE = Endpoint("sso-domain-detail", "delete")


def guide_for(connection: dict) -> sso_guides.Guide:
    """The guide a connection was most likely set up with, from its provider's address."""
    if connection["protocol"] == "saml":
        return sso_guides.BY_SLUG["saml"]
    issuer = connection.get("issuer") or ""
    for needle, slug in (
        ("okta.com", "okta"),
        ("oktapreview.com", "okta"),
        ("login.microsoftonline.com", "entra"),
        ("accounts.google.com", "google"),
    ):
        if needle in issuer:
            return sso_guides.BY_SLUG[slug]
    return sso_guides.BY_SLUG["oidc"]


class SsoPage(TenantPage):
    """Single sign-on: connections (set up with a guide per provider), the domains that
    route people to them, and enforcement with its break-glass owners."""

    endpoint = CONNECTIONS
    actions = {
        "settings": SSO_SETTINGS_CHANGE,
        "add-domain": DOMAIN_ADD,
        "verify-domain": DOMAIN_VERIFY,
        "remove-domain": DOMAIN_REMOVE,
    }
    template_name = "console/sso.html"
    title = "Single sign-on"
    nav_label = "Single sign-on"
    url_name = "sso"

    def get(self, request, *, errors=None, status=200):
        settings_now = self.read(SSO_SETTINGS)
        owners = []
        if self.permitted(MEMBERS):
            owners = [m for m in all_pages(self, MEMBERS) if m["role"] == "owner"]
        return self.render_page(
            {
                "connections": all_pages(self, CONNECTIONS),
                "domains": all_pages(self, DOMAINS) if self.permitted(DOMAINS) else [],
                "sso": settings_now,
                "owners": owners,
                "guides": sso_guides.GUIDES,
                "may": {**self.permitted_actions(), "create": self.permitted(CONNECTION_CREATE)},
                "errors": errors or {},
            },
            status=status,
        )

    def do_settings(self, request, endpoint):
        def minutes(name):
            value = request.POST.get(name, "").strip()
            found = whole_number(value)
            return found if found is not None else (value or None)

        data = {
            "require_sso": request.POST.get("require_sso") == "1",
            "require_mfa": request.POST.get("require_mfa") == "1",
            "break_glass": request.POST.getlist("break_glass"),
            "session_idle_minutes": minutes("session_idle_minutes"),
            "session_max_hours": minutes("session_max_hours"),
        }
        answer = self.write(endpoint, data=data)
        if answer.status == 400:
            return self.get(request, errors=answer.field_errors(), status=400)
        return self.done(answer, "Sign-in rules saved.")

    def do_add_domain(self, request, endpoint):
        domain = request.POST.get("domain", "").strip()
        answer = self.write(endpoint, data={"domain": domain})
        if answer.status == 400:
            return self.get(request, errors=answer.field_errors(), status=400)
        # The domain as the API keeps it (lower case, no final dot): as the table shows it.
        added = answer.data.get("domain", domain) if answer.ok else domain
        return self.done(answer, f"{added} added: publish its TXT record, then verify it.")

    def do_verify_domain(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "domain"))
        return self.done(answer, "Domain verified: its people are sent to your provider.")

    def do_remove_domain(self, request, endpoint):
        answer = self.write(endpoint, pk=posted_id(request, "domain"))
        return self.done(answer, "Domain removed.")


def _connection_input(post, protocol: str) -> dict:
    """The connection form as the API's body; blank fields left out."""
    data = {
        "name": post.get("name", "").strip(),
        "default_role": post.get("default_role", ""),
    }
    if protocol == "oidc":
        data.update(
            issuer=post.get("issuer", "").strip(),
            client_id=post.get("client_id", "").strip(),
            client_secret=post.get("client_secret", "").strip(),
            scopes=[s for s in post.get("scopes", "").replace(",", " ").split() if s],
        )
    else:
        data.update(
            idp_metadata_url=post.get("idp_metadata_url", "").strip(),
            idp_metadata=post.get("idp_metadata", "").strip(),
            idp_entity_id=post.get("idp_entity_id", "").strip(),
            idp_sso_url=post.get("idp_sso_url", "").strip(),
            idp_certificates=[post["idp_certificate"]] if post.get("idp_certificate") else [],
            attribute_mapping={
                key: post.get(f"attribute_{key}", "").strip()
                for key in ("email", "name", "groups")
                if post.get(f"attribute_{key}", "").strip()
            },
        )
    return {key: value for key, value in data.items() if value not in ("", [], {})}


class SsoSetupPage(TenantPage):
    """A new connection, guided for one identity provider."""

    endpoint = CONNECTION_CREATE
    actions = {"create": CONNECTION_CREATE}
    template_name = "console/sso_setup.html"
    section = SsoPage

    def get(self, request, provider: str, *, errors=None, values=None, status=200):
        guide = sso_guides.BY_SLUG.get(provider)
        if guide is None:
            return error_page(request, 404, "There is no such guide.", context=self.frame())
        return self.render_page(
            {
                "title": f"Set up {guide.name}",
                "guide": guide,
                "roles": [r for r in all_pages(self, ROLES) if r["slug"] != "owner"]
                if self.permitted(ROLES)
                else [],
                "errors": errors or {},
                "values": values or {"scopes": "openid email profile"},
            },
            status=status,
        )

    def do_create(self, request, endpoint, provider: str):
        guide = sso_guides.BY_SLUG.get(provider)
        if guide is None:
            return error_page(request, 404, "There is no such guide.", context=self.frame())
        data = {"protocol": guide.protocol, **_connection_input(request.POST, guide.protocol)}
        upload = request.FILES.get("idp_metadata_file")
        if upload is not None:
            data["idp_metadata"] = upload.read(500_001).decode("utf-8", "replace")
        answer = self.write(endpoint, data=data)
        if answer.status == 400:
            values = {k: v for k, v in request.POST.items() if k != "client_secret"}
            return self.get(
                request, provider, errors=answer.field_errors(), values=values, status=400
            )
        if not answer.ok:
            return self.done(answer, "")
        return self.done(
            answer,
            f"{answer.data['name']} created. Copy the values below into {guide.at}, then "
            "run a test sign-in.",
            to=reverse("console:sso_connection", args=[self.tenant, answer.data["id"]]),
        )


class SsoConnectionPage(TenantPage):
    """One connection: the values to give the provider, a test sign-in and its report,
    the group-to-role mapping, a SAML provider's metadata URL (fetched again on request),
    and switching it on or off."""

    endpoint = CONNECTION
    actions = {
        "test": CONNECTION_TEST,
        "mapping": CONNECTION_CHANGE,
        "metadata-url": CONNECTION_CHANGE,
        "refresh-metadata": CONNECTION_REFRESH_METADATA,
        "enable": CONNECTION_CHANGE,
        "delete": CONNECTION_DELETE,
    }
    template_name = "console/sso_connection.html"
    section = SsoPage

    def get(self, request, pk: int, *, errors=None, metadata=None, status=200):
        """`errors` are the role mapping's; `metadata` the metadata form's errors and
        what was typed in it."""
        connection = self.read(CONNECTION, pk=pk)
        guide = guide_for(connection)
        report = (
            self.read(CONNECTION_TEST_REPORT, pk=pk)
            if self.permitted(CONNECTION_TEST_REPORT)
            else {"ran": False}
        )
        mapping = list(connection["group_roles"]) + [{"group": "", "role": ""}] * 2
        metadata = metadata or {}
        return self.render_page(
            {
                "title": connection["name"],
                "connection": connection,
                "guide": guide,
                "steps": sso_guides.filled(guide.after, connection),
                "report": report,
                "mapping": mapping,
                "roles": [r for r in all_pages(self, ROLES) if r["slug"] != "owner"]
                if self.permitted(ROLES)
                else [],
                "may": self.permitted_actions(),
                "errors": errors or {},
                "metadata_errors": metadata.get("errors", {}),
                "metadata_url": metadata.get("url", connection.get("idp_metadata_url") or ""),
            },
            status=status,
        )

    def do_test(self, request, endpoint, pk: int):
        answer = self.write(endpoint, pk=pk, data={"return_to": request.path})
        if not answer.ok:
            return self.done(answer, "")
        # A page with a link, not a redirect: the Content-Security-Policy's form-action
        # forbids a form's answer to lead to another site, which the provider is.
        # console.js follows the link at once; without scripts, the person clicks it.
        self.template_name = "console/sso_continue.html"
        return self.render_page({"title": "Test sign-in", "start_url": answer.data["start_url"]})

    def do_mapping(self, request, endpoint, pk: int):
        groups = request.POST.getlist("group")
        roles = request.POST.getlist("group_role")
        pairs = [
            {"group": g.strip(), "role": r}
            for g, r in zip(groups, roles, strict=False)
            if g.strip() and r
        ]
        data = {"group_roles": pairs}
        if request.POST.get("default_role"):
            data["default_role"] = request.POST["default_role"]
        answer = self.write(endpoint, pk=pk, data=data)
        if answer.status == 400:
            return self.get(request, pk, errors=answer.field_errors(), status=400)
        return self.done(answer, "Roles saved: they apply at each person's next sign-in.")

    def do_metadata_url(self, request, endpoint, pk: int):
        """Keep the provider's metadata URL and take what it names now; blank forgets
        the URL (what was taken from it stays)."""
        url = request.POST.get("idp_metadata_url", "").strip()
        answer = self.write(endpoint, pk=pk, data={"idp_metadata_url": url or None})
        if answer.status == 400:
            metadata = {"errors": answer.field_errors(), "url": url}
            return self.get(request, pk, metadata=metadata, status=400)
        return self.done(
            answer,
            "Metadata fetched: the provider's entity id, sign-on URL and certificates are "
            "the ones it publishes now."
            if url
            else "Metadata URL removed.",
        )

    def do_refresh_metadata(self, request, endpoint, pk: int):
        # What it was, to say what changed (when the role may read it: the write decides).
        before = self.read(CONNECTION, pk=pk) if self.permitted(CONNECTION) else None
        answer = self.write(endpoint, pk=pk)
        if answer.status == 400:
            return self.get(request, pk, metadata={"errors": answer.field_errors()}, status=400)
        if not answer.ok or before is None:
            return self.done(answer, "Metadata fetched again.")
        changed = [
            label
            for field, label in (
                ("idp_entity_id", "entity id"),
                ("idp_sso_url", "sign-on URL"),
                ("idp_certificates", "signing certificates"),
            )
            if answer.data.get(field) != before.get(field)
        ]
        return self.done(
            answer,
            f"Metadata fetched again: new {', '.join(changed)}."
            if changed
            else "Metadata fetched again: nothing had changed.",
        )

    def do_enable(self, request, endpoint, pk: int):
        enabled = request.POST.get("enabled") == "1"
        answer = self.write(endpoint, pk=pk, data={"enabled": enabled})
        return self.done(answer, "Connection switched on." if enabled else "Connection paused.")

    def do_delete(self, request, endpoint, pk: int):
        answer = self.write(endpoint, pk=pk)
        return self.done(
            answer, "Connection deleted.", to=reverse("console:sso", args=[self.tenant])
        )


# --- Audit log -------------------------------------------------------------------------------


AUDIT_EVENTS = Endpoint("audit-event-list")
AUDIT_VERIFY = Endpoint("audit-event-verify")
AUDIT_EXPORT = Endpoint("audit-event-export")


class AuditPage(TenantPage):
    """The audit log: filters, each event's before and after, the chain verified on
    request, and exports of what the filters select."""

    endpoint = AUDIT_EVENTS
    template_name = "console/audit.html"
    title = "Audit log"
    nav_label = "Audit log"
    url_name = "audit"
    FILTERS = ("actor", "action", "target_type", "outcome", "since", "until")

    def get(self, request):
        filters = query_of(request, self.FILTERS)
        # Dates typed in the form are whole UTC days.
        query = dict(filters)
        for name in ("since", "until"):
            if len(query.get(name, "")) == 10:
                query[name] += "T00:00:00Z"
        found, pages, errors = self.listing(AUDIT_EVENTS, filters, page_size=50, query=query)
        events = found["results"]
        if errors:
            return self.render_page(
                {"filters": filters, "events": [], "errors": errors}, status=400
            )
        verified = self.read(AUDIT_VERIFY) if request.GET.get("verify") else None
        export = AUDIT_EXPORT.path(self.tenant)
        return self.render_page(
            {
                "filters": filters,
                "events": events,
                "pages": pages,
                "verified": verified,
                "outcomes": ("success", "denied", "failure"),
                "exports": {
                    kind: f"{export}?{urlencode({**query, 'export_format': kind})}"
                    for kind in ("csv", "jsonl")
                },
            }
        )


# --- Compliance ------------------------------------------------------------------------------


LICENSES = Endpoint("license-list")
LICENSE = Endpoint("license-detail")
LICENSE_VERSIONS = Endpoint("license-versions")
LICENSE_EVIDENCE = Endpoint("license-evidence")
LICENSE_REVIEW = Endpoint("license-review", "post")
LICENSE_ATTACH = Endpoint("license-attach", "post")
EVIDENCE_FILE = Endpoint("evidence-file")
REPORT_EXPIRING = Endpoint("compliance-report-expiring")
REPORT_AT_RISK = Endpoint("compliance-report-digests-at-risk")
REPORT_PUBLISHERS = Endpoint("compliance-report-publishers")
REPORT_SOURCES = Endpoint("compliance-report-sources")
REPORT_BILL = Endpoint("compliance-report-bill-of-sources")
# How far ahead the queue looks for licenses that end.
EXPIRING_DAYS = 90


class ReviewsPage(TenantPage):
    """The review queue: licenses waiting for a decision, those sent back for more
    information, and those in force that end soon."""

    endpoint = LICENSES
    template_name = "console/reviews.html"
    title = "Reviews"
    nav_label = "Reviews"
    url_name = "reviews"
    QUEUES = {
        "pending": "Waiting for a decision",
        "needs_information": "Needs information",
        "expiring": f"Ending within {EXPIRING_DAYS} days",
    }

    def get(self, request):
        queue = request.GET.get("queue", "pending")
        if queue not in self.QUEUES:
            queue = "pending"
        tabs = [
            (name, label)
            for name, label in self.QUEUES.items()
            if name != "expiring" or self.permitted(REPORT_EXPIRING)
        ]
        if queue == "expiring":
            report = self.read(REPORT_EXPIRING, query={"days": EXPIRING_DAYS})
            licenses = [dict(zip(report["columns"], row, strict=True)) for row in report["rows"]]
        else:
            licenses = all_pages(self, LICENSES, status=queue)
        return self.render_page({"queue": queue, "tabs": tabs, "licenses": licenses})


def _term_rows(left: dict | None, right: dict | None) -> list[dict]:
    """The terms of two license versions side by side, each marked when they differ."""
    names = (
        ("spdx_id", "License"),
        ("permitted_uses", "Permitted uses"),
        ("prohibited_uses", "Prohibited uses"),
        ("territory", "Territory"),
        ("valid_from", "Valid from"),
        ("valid_until", "Valid until"),
        ("attribution", "Attribution"),
        ("terms_url", "Terms"),
        ("payment_notes", "Payment"),
        ("conditions", "Conditions"),
        ("origin", "Origin"),
    )
    rows = []
    for key, label in names:
        a = (left or {}).get(key)
        b = (right or {}).get(key)
        rows.append({"label": label, "left": a, "right": b, "changed": left is not None and a != b})
    return rows


class LicensePage(TenantPage):
    """One license: two versions side by side with their differences marked, its evidence,
    and the review decision (four eyes: the API refuses the proposer's own decision)."""

    endpoint = LICENSE
    actions = {"review": LICENSE_REVIEW, "attach": LICENSE_ATTACH}
    template_name = "console/license.html"
    section = ReviewsPage

    def get(self, request, pk: int, *, errors=None, status=200):
        lic = self.read(LICENSE, pk=pk)
        versions = self.read(LICENSE_VERSIONS, pk=pk)
        by_number = {v["number"]: v for v in versions}
        evidence = self.read(LICENSE_EVIDENCE, pk=pk)
        # By default the newest version against the one in force (or the one before it).
        right = whole_number(request.GET.get("right")) or lic["version"]
        default_left = lic["in_force_version"]
        if default_left in (None, right):
            default_left = right - 1 if right > 1 else None
        left = whole_number(request.GET.get("left")) or default_left
        for item in evidence:
            item["url"] = EVIDENCE_FILE.path(self.tenant, pk=item["id"])
        return self.render_page(
            {
                "title": lic.get("source_title") or lic.get("rights_holder_name") or "License",
                "license": lic,
                "versions": versions,
                "left": by_number.get(left),
                "right": by_number.get(right),
                "terms": _term_rows(by_number.get(left), by_number.get(right)),
                "evidence": evidence,
                "decisions": (
                    ("approved", "Approve"),
                    ("approved_with_conditions", "Approve with conditions"),
                    ("needs_information", "Ask for more information"),
                    ("rejected", "Reject"),
                ),
                "may": self.permitted_actions(),
                "errors": errors or {},
            },
            status=status,
        )

    def accepts(self, action: str) -> bool:
        # The upload address lets a larger body through the size limit: for files only.
        uploading = self.request.resolver_match.url_name == "license-evidence-upload"
        return (action == "attach") == uploading

    def do_review(self, request, endpoint, pk: int):
        data = {
            "decision": request.POST.get("decision", ""),
            "version": whole_number(request.POST.get("version")) or 0,
            "notes": request.POST.get("notes", ""),
            "conditions": request.POST.get("conditions", ""),
        }
        answer = self.write(endpoint, pk=pk, data=data)
        if answer.status == 400:
            return self.get(request, pk, errors=answer.field_errors(), status=400)
        return self.done(answer, f"Decision recorded: {data['decision'].replace('_', ' ')}.")

    def do_attach(self, request, endpoint, pk: int):
        if not self.permitted(endpoint):
            # Refused before the file is copied into a request to the API, which would
            # refuse it with the same words.
            return self.done(Answer(403, {"detail": refusal_text(self, endpoint)}), "")
        upload = request.FILES.get("file")
        if upload is None:
            return self.get(request, pk, errors={"file": ["Choose a file."]}, status=400)
        answer = self.write(
            endpoint,
            pk=pk,
            data={"description": request.POST.get("description", "")},
            files={"file": upload},
        )
        if answer.status == 400:
            return self.get(request, pk, errors=answer.field_errors(), status=400)
        return self.done(
            answer,
            f"{upload.name} attached.",
            to=reverse("console:license", args=[self.tenant, pk]),
        )


def bar_chart(bars: list[tuple[str, int]], *, width: int = 640, bar: int = 26) -> dict:
    """Horizontal bars for an SVG chart: each label, value and length in pixels."""
    top = max((value for _, value in bars), default=0) or 1
    room = width - 220
    return {
        "width": width,
        "height": len(bars) * (bar + 8) + 8,
        "bars": [
            {
                "label": label,
                "value": value,
                "y": 8 + i * (bar + 8),
                "length": round(room * value / top),
                "text_y": 8 + i * (bar + 8) + bar * 0.68,
            }
            for i, (label, value) in enumerate(bars)
        ],
        "bar": bar,
        "value_x": 170,
    }


def stacked_chart(rows: list[tuple[str, dict]], parts: tuple[str, ...], *, width: int = 640):
    """Horizontal stacked bars: per label, its parts' segments (x and length in pixels)."""
    bar = 26
    top = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    room = width - 220
    lines = []
    for i, (label, counts) in enumerate(rows):
        x, segments = 170.0, []
        for part in parts:
            length = room * counts.get(part, 0) / top
            if length:
                segments.append(
                    {
                        "part": part,
                        "x": round(x, 1),
                        "length": round(length, 1),
                        "value": counts[part],
                    }
                )
            x += length
        lines.append(
            {
                "label": label,
                "y": 8 + i * (bar + 8),
                "text_y": 8 + i * (bar + 8) + bar * 0.68,
                "segments": segments,
                "total": sum(counts.values()),
                "end": round(x + 6, 1),
            }
        )
    return {
        "width": width,
        "height": len(rows) * (bar + 8) + 8,
        "bar": bar,
        "lines": lines,
        "parts": parts,
    }


class ReportsPage(TenantPage):
    """Compliance reports as charts and tables, each exported as CSV by the API."""

    endpoint = REPORT_SOURCES
    template_name = "console/reports.html"
    title = "Reports"
    nav_label = "Reports"
    url_name = "reports"
    MONTHS = 12

    def get(self, request):
        expiring = self.read(REPORT_EXPIRING, query={"days": 366})
        at_risk = self.read(REPORT_AT_RISK)
        publishers = self.read(REPORT_PUBLISHERS)
        today = date.fromisoformat(expiring["generated_on"])
        months = []
        for offset in range(self.MONTHS):
            year, month = divmod(today.month - 1 + offset, 12)
            months.append(date(today.year + year, month + 1, 1))
        per_month = dict.fromkeys(months, 0)
        until = expiring["columns"].index("valid_until")
        for row in expiring["rows"]:
            ends = date.fromisoformat(row[until])
            key = date(ends.year, ends.month, 1)
            if key in per_month:
                per_month[key] += 1
        holder = publishers["columns"]
        statuses = ("licensed", "expired", "pending", "rejected", "unlicensed")
        holders = [dict(zip(holder, row, strict=True)) for row in publishers["rows"]]
        holders.sort(key=lambda h: -h["sources"])
        exports = {
            name: f"{endpoint.path(self.tenant)}?export_format=csv"
            for name, endpoint in (
                ("expiring", REPORT_EXPIRING),
                ("at_risk", REPORT_AT_RISK),
                ("publishers", REPORT_PUBLISHERS),
                ("sources", REPORT_SOURCES),
                ("bill", REPORT_BILL),
            )
        }
        exports["expiring"] += "&days=366"
        return self.render_page(
            {
                "expiring": expiring,
                "expiring_chart": bar_chart([(f"{m:%b %Y}", n) for m, n in per_month.items()]),
                "at_risk": at_risk,
                "at_risk_rows": [
                    dict(zip(at_risk["columns"], r, strict=True)) for r in at_risk["rows"]
                ],
                "at_risk_chart": bar_chart(
                    sorted(at_risk["summary"]["reasons"].items(), key=lambda item: -item[1])
                ),
                "holders": holders,
                "holders_chart": stacked_chart(
                    [
                        (h["rights_holder"] or "(withheld)", {s: h[s] for s in statuses})
                        for h in holders[:15]
                    ],
                    statuses,
                ),
                "sources_summary": publishers["summary"]["sources"],
                "exports": exports,
            }
        )


# The navigation, in order. Which of these a person sees follows from each page's endpoint.
NAVIGATION: tuple[type[TenantPage], ...] = (
    LibraryPage,
    SourcesPage,
    PoliciesPage,
    ReviewsPage,
    ReportsPage,
    MembersPage,
    RolesPage,
    ApiKeysPage,
    WebhooksPage,
    SsoPage,
    AuditPage,
)


# --- Django's error pages, for people ---------------------------------------------------------


def _for_a_person(request) -> bool:
    """A browser (it asks for HTML) outside the API's and SCIM's paths, which answer
    problem documents to everyone."""
    path = request.path
    return "text/html" in request.META.get("HTTP_ACCEPT", "") and not (
        path.startswith("/api/") or path.startswith("/scim/")
    )


def page_not_found(request, exception=None):
    if _for_a_person(request):
        return error_page(request, 404, "There is no such page.")
    return problems.page_not_found(request, exception)


def csrf_failure(request, reason=""):
    if _for_a_person(request):
        return error_page(
            request,
            403,
            "This form is too old to be sent (its security token no longer matches your "
            "session, perhaps after you signed in again elsewhere). Go back, reload the "
            "page and send it again.",
        )
    return problems.csrf_failure(request, reason)
