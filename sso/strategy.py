"""python-social-auth, made multi-tenant: provider settings come from the connection.

The library asks its strategy for every setting (`BaseStrategy.setting` tries
`SOCIAL_AUTH_<BACKEND>_<NAME>`, then `SOCIAL_AUTH_<NAME>`, then `<NAME>`). Django's
strategy answers from `django.conf.settings`, which is one global configuration. This
strategy carries the `Connection` of the flow in progress (the views set it from the URL)
and answers the provider settings from that row, so the issuer, client, keys and
certificates in force are always those of one tenant's connection. Anything else falls
back to the global settings.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from social_django.strategy import DjangoStrategy

from sso.models import Connection

_OIDC_PREFIX = "SOCIAL_AUTH_TENANT_OIDC_"
_SAML_PREFIX = "SOCIAL_AUTH_TENANT_SAML_"


_PIPELINES = {"SOCIAL_AUTH_PIPELINE", _OIDC_PREFIX + "PIPELINE", _SAML_PREFIX + "PIPELINE"}


class TenantStrategy(DjangoStrategy):
    def __init__(
        self,
        storage,
        request=None,
        tpl=None,
        connection: Connection | None = None,
        pipeline: tuple[str, ...] | None = None,
    ):
        self.connection = connection
        # A flow's own pipeline (the test sign-in's, sso.trial), instead of the settings'.
        self.pipeline = pipeline
        super().__init__(storage, request, tpl)

    def get_setting(self, name):
        if self.pipeline is not None and name in _PIPELINES:
            return self.pipeline
        connection = self.connection
        if connection is not None:
            prefix, values = self._connection_settings()
            if name.startswith(prefix) and name[len(prefix) :] in values:
                return values[name[len(prefix) :]]
        return super().get_setting(name)

    def _connection_settings(self) -> tuple[str, dict]:
        """Built once per flow (the secret is decrypted once)."""
        cached = getattr(self, "_cached_settings", None)
        if cached is None:
            connection = self.connection
            if connection.protocol == Connection.Protocol.OIDC:
                cached = (_OIDC_PREFIX, self._oidc_settings(connection))
            else:
                cached = (_SAML_PREFIX, self._saml_settings(connection))
            self._cached_settings = cached
        return cached

    def request_data(self, merge=True):
        data = super().request_data(merge)
        if self.connection is not None and self.connection.protocol == Connection.Protocol.SAML:
            # SAMLAuth picks the IdP by name from the request; here it is the connection.
            data = {key: data[key] for key in data}  # one value per key, as a QueryDict gives
            data["idp"] = str(self.connection.pk)
        return data

    # -- per-protocol settings ----------------------------------------------------------------

    def _oidc_settings(self, connection: Connection) -> dict:
        issuer = connection.issuer
        return {
            "KEY": connection.client_id,
            "SECRET": connection.client_secret,
            "OIDC_ENDPOINT": issuer.rstrip("/"),
            # Pinned: an ID token is accepted only from this issuer and for this client.
            "ID_TOKEN_ISSUER": issuer,
            "SCOPE": list(connection.scopes or ["openid", "email", "profile"]),
            "IGNORE_DEFAULT_SCOPE": True,
            "USE_PKCE": True,
            "EMAIL_KEY": connection.claim("email", "email"),
            "FULLNAME_KEY": connection.claim("name", "name"),
            "ID_KEY": connection.claim("subject", "sub"),
        }

    def _saml_settings(self, connection: Connection) -> dict:
        mapping = connection.mapping or {}
        idp = {
            "entity_id": connection.idp_entity_id,
            "url": connection.idp_sso_url,
            "x509certMulti": {"signing": list(connection.idp_certificates)},
            "attr_user_permanent_id": mapping.get("subject") or "name_id",
            "attr_email": mapping.get("email") or "email",
        }
        if mapping.get("name"):
            idp["attr_full_name"] = mapping["name"]
        contact = {"givenName": "Digest Platform", "emailAddress": settings.SSO_CONTACT_EMAIL}
        return {
            "ENABLED_IDPS": {str(connection.pk): idp},
            "SP_ENTITY_ID": self.build_absolute_uri(sp_entity_path(connection)),
            "SP_PUBLIC_CERT": "",
            "SP_PRIVATE_KEY": "",
            "ORG_INFO": {
                "en-US": {
                    "name": "digest-platform",
                    "displayname": "Digest Platform",
                    "url": self.build_absolute_uri("/"),
                }
            },
            "TECHNICAL_CONTACT": contact,
            "SUPPORT_CONTACT": contact,
            "SECURITY_CONFIG": {
                # Every assertion must carry a valid signature of the connection's IdP;
                # SHA-1 signatures are refused.
                "wantAssertionsSigned": True,
                "wantNameId": True,
                "rejectDeprecatedAlgorithm": True,
                "requestedAuthnContext": False,
                # Hosts such as `localhost` in development and tests only.
                "allowSingleLabelDomains": settings.SSO_ALLOW_HTTP,
            },
            "ALLOW_IDP_INITIATED": False,
        }


def sp_entity_path(connection: Connection) -> str:
    return reverse("sso:saml-metadata", args=[connection.public_id])


def callback_path(connection: Connection) -> str:
    if connection.protocol == Connection.Protocol.OIDC:
        return reverse("sso:oidc-callback", args=[connection.public_id])
    return reverse("sso:saml-acs", args=[connection.public_id])
