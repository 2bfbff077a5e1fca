"""SSO administration: `/api/v1/tenants/{tenant}/sso/...`.

connections/        OIDC and SAML connections (secrets are write-only)
domains/            domains to verify by DNS; `domains/{id}/verify/` checks the TXT record
settings/           require SSO; which owners are break-glass accounts
"""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.exceptions import Forbidden
from core.fields import ChoiceField
from core.serializers import StrictInput
from sso import metadata, services, trial
from sso.models import Connection, VerifiedDomain
from sso.strategy import callback_path, sp_entity_path
from tenants import rbac
from tenants.api import TenantRoleField
from tenants.api_base import TenantScopedViewSet
from tenants.models import Membership

MAPPING_KEYS = ("subject", "email", "name", "groups")


@extend_schema_field(
    {
        "type": "object",
        "properties": {key: {"type": "string", "maxLength": 300} for key in MAPPING_KEYS},
        "additionalProperties": False,
    }
)
class MappingField(serializers.DictField):
    """Which claim (OIDC) or attribute (SAML) holds each of subject, email, name, groups."""

    child = serializers.CharField(max_length=300)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(MAPPING_KEYS))
        if unknown:
            raise serializers.ValidationError(
                f"unknown keys {', '.join(unknown)}; use {', '.join(MAPPING_KEYS)}"
            )
        return value


class GroupRoleSerializer(StrictInput):
    group = serializers.CharField(max_length=300)
    role = serializers.CharField(max_length=50, help_text="A role's slug.")


def _certificate(text: str) -> str:
    """A certificate as base64 DER (what python3-saml wants), from PEM or base64."""
    body = "".join(
        line.strip() for line in text.strip().splitlines() if line.strip() and "-----" not in line
    )
    try:
        der = base64.b64decode(body, validate=True)
        x509.load_der_x509_certificate(der)
    except (ValueError, binascii.Error):
        raise serializers.ValidationError("not an X.509 certificate (PEM or base64)") from None
    return base64.b64encode(der).decode()


class CertificateField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20000)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return _certificate(super().to_internal_value(data))


class ConnectionSerializer(serializers.ModelSerializer):
    default_role = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    client_secret_set = serializers.SerializerMethodField()
    claim_mapping = serializers.SerializerMethodField()
    attribute_mapping = serializers.SerializerMethodField()
    group_roles = GroupRoleSerializer(many=True, read_only=True)
    login_url = serializers.SerializerMethodField()
    callback_url = serializers.SerializerMethodField(
        help_text="OIDC: the redirect URI to register; SAML: the assertion consumer service."
    )
    sp_entity_id = serializers.SerializerMethodField(
        help_text="SAML: the service provider's entity id, also where its metadata is served."
    )

    class Meta:
        model = Connection
        fields = [
            "id",
            "protocol",
            "name",
            "enabled",
            "default_role",
            "issuer",
            "client_id",
            "client_secret_set",
            "scopes",
            "claim_mapping",
            "idp_entity_id",
            "idp_sso_url",
            "idp_certificates",
            "idp_metadata_url",
            "attribute_mapping",
            "group_roles",
            "login_url",
            "callback_url",
            "sp_entity_id",
            "created_at",
            "updated_at",
        ]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_client_secret_set(self, connection) -> bool:
        return bool(connection.client_secret_encrypted)

    def get_claim_mapping(self, connection) -> dict[str, str] | None:
        return connection.mapping if connection.protocol == Connection.Protocol.OIDC else None

    def get_attribute_mapping(self, connection) -> dict[str, str] | None:
        return connection.mapping if connection.protocol == Connection.Protocol.SAML else None

    def get_login_url(self, connection) -> str:
        tenant = self.context["tenant"]
        path = reverse("sso:login", args=[tenant.slug])
        return self._absolute(f"{path}?connection={connection.public_id}")

    def get_callback_url(self, connection) -> str:
        return self._absolute(callback_path(connection))

    def get_sp_entity_id(self, connection) -> str | None:
        if connection.protocol != Connection.Protocol.SAML:
            return None
        return self._absolute(sp_entity_path(connection))


@extend_schema_field({"type": "string", "maxLength": 500, "pattern": r"^https://\S+$"})
class ProviderUrlField(serializers.URLField):
    """An https:// URL of the identity provider (http:// only where SSO_ALLOW_HTTP is on)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value.startswith("https://") and not settings.SSO_ALLOW_HTTP:
            raise serializers.ValidationError("Use an https:// URL.")
        return value


SCOPE_PATTERN = r"^[!#-\[\]-~]{1,100}$"  # RFC 6749 scope-token characters


class _ConnectionFields(StrictInput):
    name = serializers.CharField(max_length=100)
    enabled = serializers.BooleanField(required=False)
    default_role = TenantRoleField(help_text="A role's slug (not owner).")
    group_roles = GroupRoleSerializer(many=True, required=False, max_length=100)

    def to_fields(self) -> dict:
        """The validated data as Connection fields."""
        data = dict(self.validated_data)
        data.pop("protocol", None)
        data.pop("idp_metadata", None)
        if "idp_metadata_url" in data and data["idp_metadata_url"] is None:
            data["idp_metadata_url"] = ""  # null forgets the URL
        for name in ("claim_mapping", "attribute_mapping"):
            if name in data:
                data["mapping"] = data.pop(name)
        if "scopes" in data:
            # openid is what makes it OpenID Connect: always asked for, first.
            data["scopes"] = ["openid", *[s for s in data["scopes"] if s != "openid"]]
        return data


class OidcConnectionWrite(_ConnectionFields):
    protocol = ChoiceField(choices=[Connection.Protocol.OIDC])
    issuer = ProviderUrlField(help_text="Exactly as the provider's ID tokens name it.")
    client_id = serializers.CharField(max_length=255)
    client_secret = serializers.CharField(max_length=2000, write_only=True)
    scopes = serializers.ListField(
        child=serializers.RegexField(SCOPE_PATTERN, max_length=100),
        required=False,
        max_length=30,
        help_text="openid is always requested; add e.g. email, profile, groups.",
    )
    claim_mapping = MappingField(required=False)


def idp_metadata_fields(xml: bytes | str, *, field: str = "idp_metadata") -> dict:
    """The entity id, HTTP-Redirect sign-on URL and signing certificates an identity
    provider's SAML metadata names (sso.metadata.fields, which reads no external
    entity); a ValidationError naming `field` when it names none."""
    try:
        return metadata.fields(xml)
    except metadata.MetadataError as exc:
        raise serializers.ValidationError({field: [str(exc)]}) from None


def _messages(detail) -> list[str]:
    """Every message of a (nested) validation error detail."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


class _SamlMetadataInput(serializers.Serializer):
    """The provider's metadata, pasted (`idp_metadata`) or fetched from its URL
    (`idp_metadata_url`, which is kept), fills the fields it names that the request
    leaves out; they are then validated as if sent, and a problem with one of them is
    the metadata's (reported under the field that brought it)."""

    idp_metadata = serializers.CharField(
        max_length=metadata.MAX_BYTES,
        required=False,
        write_only=True,
        help_text="The identity provider's SAML metadata XML: fills idp_entity_id, "
        "idp_sso_url and idp_certificates where they are not given.",
    )
    idp_metadata_url = ProviderUrlField(
        required=False,
        help_text="Where the identity provider publishes its SAML metadata: fetched now "
        "(and by refresh-metadata/ later) to fill idp_entity_id, idp_sso_url and "
        "idp_certificates where they are not given. Kept on the connection.",
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        source, found = None, {}
        if isinstance(data.get("idp_metadata"), str):
            source, found = "idp_metadata", idp_metadata_fields(data["idp_metadata"])
        if isinstance(data.get("idp_metadata_url"), str):
            if source is not None:
                raise serializers.ValidationError(
                    {"idp_metadata_url": ["Give the metadata or its URL, not both."]}
                )
            source, found = (
                "idp_metadata_url",
                _fetched_fields(self.fields["idp_metadata_url"], data["idp_metadata_url"]),
            )
        if source is None:
            return super().to_internal_value(data)
        filled = set(found) - set(data)
        try:
            return super().to_internal_value({**found, **data})
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict) or not filled & set(exc.detail):
                raise
            errors = {k: v for k, v in exc.detail.items() if k not in filled}
            errors[source] = [
                *_messages(errors.get(source, [])),
                *(
                    f"The metadata's {name}: {message}"
                    for name in sorted(filled & set(exc.detail))
                    for message in _messages(exc.detail[name])
                ),
            ]
            raise serializers.ValidationError(errors) from None


def _fetched_fields(url_field: ProviderUrlField, url: str) -> dict:
    """What the metadata at `url` names; a ValidationError naming `idp_metadata_url` for
    a URL that may not be fetched, cannot be, or does not answer SAML metadata."""
    try:
        url = url_field.run_validation(url)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"idp_metadata_url": exc.detail}) from None
    try:
        xml = metadata.fetch(url)
    except metadata.MetadataError as exc:
        raise serializers.ValidationError({"idp_metadata_url": [str(exc)]}) from None
    return idp_metadata_fields(xml, field="idp_metadata_url")


class SamlConnectionWrite(_SamlMetadataInput, _ConnectionFields):
    protocol = ChoiceField(choices=[Connection.Protocol.SAML])
    idp_entity_id = serializers.CharField(max_length=500)
    idp_sso_url = ProviderUrlField(help_text="The IdP's HTTP-Redirect single sign-on URL.")
    idp_certificates = serializers.ListField(child=CertificateField(), min_length=1, max_length=5)
    attribute_mapping = MappingField(required=False)


class _UpdateFields(_ConnectionFields):
    name = serializers.CharField(max_length=100, required=False)
    default_role = TenantRoleField(required=False, help_text="A role's slug (not owner).")


class OidcConnectionUpdate(_UpdateFields):
    issuer = ProviderUrlField(required=False)
    client_id = serializers.CharField(max_length=255, required=False)
    client_secret = serializers.CharField(max_length=2000, write_only=True, required=False)
    scopes = serializers.ListField(
        child=serializers.RegexField(SCOPE_PATTERN, max_length=100),
        required=False,
        max_length=30,
    )
    claim_mapping = MappingField(required=False)


class SamlConnectionUpdate(_SamlMetadataInput, _UpdateFields):
    idp_metadata_url = ProviderUrlField(
        required=False,
        allow_null=True,
        help_text="Where the identity provider publishes its SAML metadata: fetched now "
        "to fill the fields it names that the request leaves out, and kept for "
        "refresh-metadata/; null forgets it.",
    )
    idp_entity_id = serializers.CharField(max_length=500, required=False)
    idp_sso_url = ProviderUrlField(required=False)
    idp_certificates = serializers.ListField(
        child=CertificateField(), min_length=1, max_length=5, required=False
    )
    attribute_mapping = MappingField(required=False)


_WRITERS = {
    Connection.Protocol.OIDC: OidcConnectionWrite,
    Connection.Protocol.SAML: SamlConnectionWrite,
}
_UPDATERS = {
    Connection.Protocol.OIDC: OidcConnectionUpdate,
    Connection.Protocol.SAML: SamlConnectionUpdate,
}
_PROTOCOL_FIELDS = {
    Connection.Protocol.OIDC: {"issuer", "client_id", "client_secret", "scopes", "claim_mapping"},
    Connection.Protocol.SAML: {
        "idp_metadata",
        "idp_metadata_url",
        "idp_entity_id",
        "idp_sso_url",
        "idp_certificates",
        "attribute_mapping",
    },
}


class ProtocolInput(StrictInput):
    protocol = ChoiceField(choices=Connection.Protocol.choices)


def _refuse_foreign_fields(data, protocol: str) -> None:
    """Fields of the other protocol are a mistake worth a 400, not silence."""
    if not isinstance(data, dict):
        return
    other = set().union(*(f for p, f in _PROTOCOL_FIELDS.items() if p != protocol))
    foreign = {name: ["Not a field of this protocol."] for name in sorted(other) if name in data}
    if foreign:
        raise serializers.ValidationError(foreign)


CONNECTION_WRITE = PolymorphicProxySerializer(
    component_name="ConnectionWrite",
    serializers={
        Connection.Protocol.OIDC.value: OidcConnectionWrite,
        Connection.Protocol.SAML.value: SamlConnectionWrite,
    },
    resource_type_field_name="protocol",
)


class ConnectionUpdate(OidcConnectionUpdate, SamlConnectionUpdate):
    """What PATCH takes, for the schema: any field of either protocol, all optional. Fields
    of the protocol the connection does not use are refused (400)."""


CONNECTION_UPDATE = ConnectionUpdate


TEST_SIGN_IN_DESCRIPTION = (
    "A test sign-in goes through the identity provider exactly as a sign-in does, and the "
    "answer is checked as a sign-in checks it, but nobody is signed in and nothing is "
    "provisioned. POST asks for one in the caller's browser session and answers where "
    "the browser goes to start it (within `expires_in` seconds); the provider's answer "
    "ends at `return_to`. GET answers what the last test in this session found: the "
    "claims or attributes the provider sent, the groups, the role a sign-in would give, "
    "and `problems` that would refuse it."
)


class TestSignInInput(StrictInput):
    return_to = serializers.CharField(
        max_length=500, required=False, help_text="A path on this site to come back to."
    )


class TestSignInStart(serializers.Serializer):
    start_url = serializers.CharField()
    expires_in = serializers.IntegerField()


class TestSignInReport(serializers.Serializer):
    connection = serializers.IntegerField()
    protocol = serializers.CharField()
    ran = serializers.BooleanField(
        help_text="Whether a test through this connection has run in this session; the "
        "fields below are present only when one has."
    )
    tested_at = serializers.IntegerField(required=False)
    subject = serializers.CharField(required=False, allow_null=True)
    email = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    groups = serializers.ListField(child=serializers.CharField(), required=False)
    role = serializers.CharField(required=False, help_text="The role a sign-in would give.")
    role_from = serializers.CharField(required=False)
    member = serializers.BooleanField(required=False)
    factors = serializers.ListField(child=serializers.CharField(), required=False)
    claims = serializers.DictField(required=False)
    failed = serializers.CharField(
        required=False, help_text="Why the provider's answer was refused, when it was."
    )
    problems = serializers.ListField(child=serializers.CharField())


class ConnectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The tenant's identity-provider connections. Client secrets are never returned."""

    model = Connection
    serializer_class = ConnectionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "sso.view_sso",
        "retrieve": "sso.view_sso",
        "create": "sso.manage_sso",
        "partial_update": "sso.manage_sso",
        "destroy": "sso.manage_sso",
        "test": "sso.manage_sso",
        "test_report": "sso.manage_sso",
        "refresh_metadata": "sso.manage_sso",
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("default_role")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        principal = getattr(self, "principal", None)
        context["tenant"] = principal.tenant if principal else None
        return context

    def _out(self, connection) -> dict:
        return ConnectionSerializer(connection, context=self.get_serializer_context()).data

    @extend_schema(request=CONNECTION_WRITE, responses={201: ConnectionSerializer})
    def create(self, request, *args, **kwargs):
        kind = ProtocolInput(data=request.data)
        kind.is_valid(raise_exception=True)
        protocol = kind.validated_data["protocol"]
        _refuse_foreign_fields(request.data, protocol)
        data = _WRITERS[protocol](data=request.data)
        data.is_valid(raise_exception=True)
        connection = services.connection_create(
            actor=self.principal, protocol=protocol, **data.to_fields()
        )
        return Response(self._out(connection), status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        connection = self.get_object()
        return self.etag_response(self._out(connection), connection)

    @extend_schema(request=CONNECTION_UPDATE, responses={200: ConnectionSerializer})
    def partial_update(self, request, *args, **kwargs):
        connection = self.get_object()
        updater = _UPDATERS[connection.protocol]
        _refuse_foreign_fields(request.data, connection.protocol)
        data = updater(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        connection = services.connection_update(
            actor=self.principal, connection=connection, **data.to_fields()
        )
        return self.etag_response(self._out(connection), connection)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.connection_delete(actor=self.principal, connection=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={200: ConnectionSerializer},
        description="Fetch the identity provider's SAML metadata again from the "
        "connection's `idp_metadata_url`, and take the entity id, sign-on URL and signing "
        "certificates it names now (after the provider rotated its certificate, say). A "
        "URL that cannot be fetched, or an answer that is not SAML metadata, is a 400 "
        "naming `idp_metadata_url`, and nothing changes. Audited as "
        "`sso.metadata_refreshed`, with what changed.",
    )
    @action(detail=True, methods=["post"], url_path="refresh-metadata")
    def refresh_metadata(self, request, *args, **kwargs):
        """Take the identity provider's metadata again from its URL."""
        connection = self.get_object()
        if connection.protocol != Connection.Protocol.SAML or not connection.idp_metadata_url:
            raise serializers.ValidationError(
                {
                    "idp_metadata_url": [
                        "This connection has no metadata URL to fetch from: set "
                        "idp_metadata_url first."
                    ]
                }
            )
        data = SamlConnectionUpdate(
            data={"idp_metadata_url": connection.idp_metadata_url}, partial=True
        )
        data.is_valid(raise_exception=True)
        fields = data.to_fields()
        connection = services.connection_refresh_metadata(
            actor=self.principal,
            connection=connection,
            url=fields.pop("idp_metadata_url"),
            **fields,
        )
        return self.etag_response(self._out(connection), connection)

    @extend_schema(
        operation_id="startSsoConnectionTest",
        request=TestSignInInput,
        responses={200: TestSignInStart},
        description=TEST_SIGN_IN_DESCRIPTION,
    )
    @action(detail=True, methods=["post"], url_path="test")
    def test(self, request, *args, **kwargs):
        """Ask for a test sign-in through this connection in this browser session."""
        connection = self.get_object()
        if self.principal.api_key is not None or not request.user.is_authenticated:
            raise Forbidden(
                "A test sign-in runs in a browser: ask for it from a signed-in session.",
                code="browser_session_required",
            )
        data = TestSignInInput(data=request.data)
        data.is_valid(raise_exception=True)
        trial.ask(
            request.session,
            connection=connection,
            user=request.user,
            return_to=trial.safe_return(data.validated_data.get("return_to", ""), request),
        )
        return Response(
            {
                "start_url": reverse("sso:test-start", args=[connection.public_id]),
                "expires_in": trial.TEST_SECONDS,
            }
        )

    @extend_schema(
        operation_id="getSsoConnectionTestReport",
        responses={200: TestSignInReport},
        description=TEST_SIGN_IN_DESCRIPTION,
    )
    @test.mapping.get
    def test_report(self, request, *args, **kwargs):
        """What the last test sign-in through this connection, in this session, found."""
        connection = self.get_object()
        found = (request.session.get(trial.REPORTS_SESSION_KEY) or {}).get(str(connection.pk))
        if found is None:
            return Response(
                {
                    "connection": connection.pk,
                    "protocol": connection.protocol,
                    "ran": False,
                    "problems": [],
                }
            )
        return Response({**found, "ran": True})


# --- Domains ----------------------------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    txt_name = serializers.CharField(source="domain", read_only=True)
    txt_value = serializers.CharField(source="txt_record", read_only=True)

    class Meta:
        model = VerifiedDomain
        fields = ["id", "domain", "status", "txt_name", "txt_value", "verified_at", "created_at"]

    def get_status(self, record) -> str:
        return "verified" if record.verified_at else "pending"


# Labels of letters, digits and inner hyphens, at least two of them; a final dot is allowed.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DOMAIN_PATTERN = rf"^({_LABEL}\.)+{_LABEL}\.?$"


class DomainCreateSerializer(StrictInput):
    domain = serializers.RegexField(
        DOMAIN_PATTERN,
        max_length=253,
        help_text="e.g. acme.com; an internationalised name in its xn-- form.",
    )


class DomainViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Domains that route sign-ins to this tenant and allow provisioning, once verified
    with a DNS TXT record."""

    model = VerifiedDomain
    serializer_class = DomainSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    permission_map = {
        "list": "sso.view_sso",
        "retrieve": "sso.view_sso",
        "create": "sso.manage_sso",
        "destroy": "sso.manage_sso",
        "verify": "sso.manage_sso",
    }

    @extend_schema(request=DomainCreateSerializer, responses={201: DomainSerializer})
    def create(self, request, *args, **kwargs):
        data = DomainCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.domain_add(actor=self.principal, domain=data.validated_data["domain"])
        return Response(DomainSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: DomainSerializer,
            409: OpenApiResponse(description="TXT record not found, or verified elsewhere."),
        },
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        record = services.domain_verify(actor=self.principal, record=self.get_object())
        return Response(DomainSerializer(record).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.domain_delete(actor=self.principal, record=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Enforcement ------------------------------------------------------------------------------


class SsoSettingsSerializer(serializers.Serializer):
    require_sso = serializers.BooleanField(
        help_text="Members must sign in through SSO; passwords are refused to them."
    )
    break_glass = serializers.ListField(
        child=serializers.EmailField(),
        help_text="Owners who may still sign in with a password while SSO is required.",
    )
    require_mfa = serializers.BooleanField(
        help_text="Members signing in with a password must also give a code from an "
        "authenticator app (SSO sign-ins rely on the provider's own factors)."
    )
    session_idle_minutes = serializers.IntegerField(
        allow_null=True,
        help_text="A member's browser session stops working here after this many minutes "
        "without a request to this tenant (5 to 43200); null: no idle limit.",
    )
    session_max_hours = serializers.IntegerField(
        allow_null=True,
        help_text="A member's browser session stops working here this many hours after "
        "sign-in, however active (1 to 720); null: the platform's limit (two weeks).",
    )


class SsoSettingsUpdateSerializer(StrictInput):
    require_sso = serializers.BooleanField(required=False)
    break_glass = serializers.ListField(
        child=serializers.EmailField(max_length=254), required=False, max_length=20
    )
    require_mfa = serializers.BooleanField(required=False)
    session_idle_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=5, max_value=43200
    )
    session_max_hours = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=720
    )


class SsoSettingsViewSet(TenantScopedViewSet):
    """How members sign in: whether the tenant requires SSO, its break-glass owners, and
    how long a browser session may act in the tenant."""

    model = Connection  # the settings live on the tenant; the model anchors the schema
    serializer_class = SsoSettingsSerializer
    pagination_class = None
    permission_map = {"show": "sso.view_sso", "change": "sso.manage_sso"}

    def _body(self) -> dict:
        tenant = self.principal.tenant
        tenant.refresh_from_db(
            fields=["require_sso", "require_mfa", "session_idle_minutes", "session_max_hours"]
        )
        break_glass = Membership.objects.filter(
            break_glass=True, role__slug=rbac.OWNER, role__preset=True
        ).values_list("user__email", flat=True)
        return {
            "require_sso": tenant.require_sso,
            "break_glass": sorted(break_glass),
            "require_mfa": tenant.require_mfa,
            "session_idle_minutes": tenant.session_idle_minutes,
            "session_max_hours": tenant.session_max_hours,
        }

    @extend_schema(responses={200: SsoSettingsSerializer})
    def show(self, request, *args, **kwargs):
        return Response(self._body())

    @extend_schema(request=SsoSettingsUpdateSerializer, responses={200: SsoSettingsSerializer})
    def change(self, request, *args, **kwargs):
        data = SsoSettingsUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.settings_update(actor=self.principal, **data.validated_data)
        return Response(self._body())
