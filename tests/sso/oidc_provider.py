"""A small, real OpenID Connect provider for the tests, served over HTTP on loopback.

It speaks the authorization-code flow the way a hosted provider does: a discovery
document, an authorization endpoint that redirects back with a one-time code, a token
endpoint that checks the client's secret, the redirect URI and the PKCE verifier, then
issues an RS256 ID token (PyJWT, a key generated per provider), a JWKS endpoint and a
userinfo endpoint. Tests choose who "signs in" (`next_user`) and can bend the next ID
token (`token_overrides`, `sign_with`) to play a broken or malicious provider.

It is test code only: no consent screen, no persistence, one process.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.loopback_http import LoopbackHttpServer


def new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class OidcProvider(LoopbackHttpServer):
    def __init__(self, *, client_id: str = "digest-platform", client_secret: str = "s3cret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = new_rsa_key()
        self.kid = secrets.token_hex(8)
        self.next_user: dict = {
            "sub": "user-1",
            "email": "person@acme.test",
            "email_verified": True,
            "name": "Pat Person",
            "groups": [],
        }
        self.token_overrides: dict = {}
        self.sign_with = None  # another private key: a token the JWKS cannot verify
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests = 0
        super().__init__(_Handler)
        self._server.provider = self
        self.issuer = self.base

    # -- what the endpoints answer ------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
        }

    def jwks(self) -> dict:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def authorize(self, query: dict) -> tuple[int, dict]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {"error": "unauthorized_client"}
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "redirect_uri": query.get("redirect_uri"),
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "user": dict(self.next_user),
        }
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(params)}"}

    def token(self, form: dict, authorization: str | None) -> tuple[int, dict]:
        self.token_requests += 1
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = decoded.partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if computed != grant["challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        user = grant["user"]
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = user
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **user,
        }
        claims.update(self.token_overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        id_token = jwt.encode(
            claims, self.sign_with or self.key, algorithm="RS256", headers={"kid": self.kid}
        )
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def userinfo(self, authorization: str | None) -> tuple[int, dict]:
        token = (authorization or "").removeprefix("Bearer ")
        user = self.access_tokens.get(token)
        if user is None:
            return 401, {"error": "invalid_token"}
        return 200, dict(user)


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        if status == 302:
            self.send_response(302)
            self.send_header("Location", body["Location"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        provider: OidcProvider = self.server.provider
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._send(200, provider.discovery())
        elif url.path == "/jwks":
            self._send(200, provider.jwks())
        elif url.path == "/authorize":
            self._send(*provider.authorize(query))
        elif url.path == "/userinfo":
            self._send(*provider.userinfo(self.headers.get("Authorization")))
        else:
            self._send(404, {"error": "not_found"})

    def do_POST(self):
        provider: OidcProvider = self.server.provider
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if urlsplit(self.path).path == "/token":
            self._send(*provider.token(form, self.headers.get("Authorization")))
        else:
            self._send(404, {"error": "not_found"})


def main() -> None:
    """Serve the provider on its own, to try SSO locally (docs/sso.md)."""
    import argparse

    parser = argparse.ArgumentParser(description="The tests' OpenID Connect provider, alone.")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--email", default="owner@acme.example", help="who signs in")
    parser.add_argument(
        "--sub",
        help="their subject at the provider (by default one of its own per email, so "
        "another --email is another person)",
    )
    parser.add_argument("--groups", default="", help="comma-separated groups claim")
    parser.add_argument("--client-id", default="digest-local")
    parser.add_argument("--client-secret", default="digest-local-secret")
    args = parser.parse_args()
    args.sub = args.sub or f"local-{args.email.lower()}"

    provider = OidcProvider(client_id=args.client_id, client_secret=args.client_secret)
    provider._server.server_close()
    provider._server = ThreadingHTTPServer(("127.0.0.1", args.port), _Handler)
    provider._server.provider = provider
    provider.issuer = f"http://127.0.0.1:{args.port}"
    provider.next_user.update(
        sub=args.sub,
        email=args.email,
        name=args.email.split("@")[0].title(),
        groups=[g for g in args.groups.split(",") if g],
    )
    print(f"issuer         {provider.issuer}")
    print(f"client_id      {provider.client_id}")
    print(f"client_secret  {provider.client_secret}")
    print(f"signs in       {args.email} (sub {args.sub}, groups {provider.next_user['groups']})")
    with contextlib.suppress(KeyboardInterrupt):
        provider._server.serve_forever()


if __name__ == "__main__":
    main()
