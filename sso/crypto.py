"""Connection secrets at rest: Fernet with the keys of `SSO_ENCRYPTION_KEY`.

The first key encrypts; every key decrypts (MultiFernet), so rotating means putting the
new key first, running `python manage.py sso_rotate_secrets`, then dropping the old one.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.SSO_ENCRYPTION_KEYS])


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise RuntimeError(
            "an SSO secret cannot be decrypted with SSO_ENCRYPTION_KEY: was the key "
            "replaced instead of rotated?"
        ) from None


def rotate(token: str) -> str:
    """The same secret, encrypted with the current first key."""
    return _fernet().rotate(token.encode()).decode() if token else ""
