"""Validation of license terms: uses, SPDX identifiers, dates, evidence files.

Errors are `ServiceError`s whose detail names the field, so the API answers a 400
problem that says what to fix, and nothing is stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from django.conf import settings

from core.exceptions import ServiceError
from licensing.uses import USE_NAMES

# SPDX identifiers a content license is likely to carry. Anything else is written as a
# LicenseRef (SPDX's form for a license without an identifier: a contract, say).
SPDX_IDS = frozenset(
    {
        "CC0-1.0",
        "CC-PDDC",
        "CC-BY-1.0",
        "CC-BY-2.0",
        "CC-BY-2.5",
        "CC-BY-3.0",
        "CC-BY-4.0",
        "CC-BY-SA-2.0",
        "CC-BY-SA-3.0",
        "CC-BY-SA-4.0",
        "CC-BY-ND-2.0",
        "CC-BY-ND-3.0",
        "CC-BY-ND-4.0",
        "CC-BY-NC-2.0",
        "CC-BY-NC-3.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-2.0",
        "CC-BY-NC-SA-3.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-NC-ND-2.0",
        "CC-BY-NC-ND-3.0",
        "CC-BY-NC-ND-4.0",
        "ODbL-1.0",
        "ODC-By-1.0",
        "PDDL-1.0",
        "OGL-UK-3.0",
        "etalab-2.0",
        "DL-DE-BY-2.0",
        "GFDL-1.3-or-later",
    }
)
LICENSE_REF = r"LicenseRef-[A-Za-z0-9.-]{1,90}"
SPDX_PATTERN = "^(" + LICENSE_REF + "|" + "|".join(re.escape(i) for i in sorted(SPDX_IDS)) + ")$"
SPDX_HELP = (
    "Not an SPDX identifier this platform knows (they are case-sensitive, e.g. "
    "CC-BY-4.0); write a custom license as LicenseRef-<name> (letters, digits, '.', '-')."
)

TERM_FIELDS = (
    "origin",
    "spdx_id",
    "permitted_uses",
    "prohibited_uses",
    "territory",
    "valid_from",
    "valid_until",
    "attribution",
    "terms_url",
    "payment_notes",
)

# Evidence: what may be attached, recognised by content (never by the name or the type
# the client claims), and how large.
EVIDENCE_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "text/plain": (),
}


def spdx_id(value: str) -> str:
    value = (value or "").strip()
    if not re.match(SPDX_PATTERN, value):
        raise ServiceError(f"spdx_id: {value!r}: {SPDX_HELP}", code="invalid_spdx_id")
    return value


def uses(values, field: str) -> list[str]:
    if not isinstance(values, list | tuple):
        raise ServiceError(f"{field}: a list of uses", code="invalid_use")
    unknown = [v for v in values if v not in USE_NAMES]
    if unknown:
        raise ServiceError(
            f"{field}: unknown use {unknown[0]!r}; the uses are {', '.join(USE_NAMES)}",
            code="invalid_use",
        )
    return [u for u in USE_NAMES if u in values]  # vocabulary order, no duplicates


def check(terms: dict) -> dict:
    """The terms, normalised; raises on anything a license cannot say."""
    terms = dict(terms)
    terms["spdx_id"] = spdx_id(terms.get("spdx_id", ""))
    terms["permitted_uses"] = uses(terms.get("permitted_uses", []), "permitted_uses")
    terms["prohibited_uses"] = uses(terms.get("prohibited_uses", []), "prohibited_uses")
    both = set(terms["permitted_uses"]) & set(terms["prohibited_uses"])
    if both:
        raise ServiceError(
            f"permitted_uses and prohibited_uses both name {sorted(both)[0]!r}; a license "
            "either permits a use or prohibits it",
            code="contradictory_terms",
        )
    start, end = terms.get("valid_from"), terms.get("valid_until")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        raise ServiceError(
            f"valid_until ({end}) is before valid_from ({start})", code="invalid_dates"
        )
    return terms


def fingerprint(terms: dict) -> str:
    """SHA-256 of the exact terms, so a decision names what it decided on."""
    canonical = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in terms.items()}
    return hashlib.sha256(
        json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def evidence_type(data: bytes, claimed: str, filename: str) -> str:
    """The evidence file's real type, or a ServiceError naming what is wrong."""
    if not data:
        raise ServiceError(f"{filename}: the file is empty", code="invalid_evidence")
    limit = settings.MAX_EVIDENCE_BYTES
    if len(data) > limit:
        raise ServiceError(
            f"{filename}: {len(data)} bytes; evidence files are limited to {limit} bytes",
            code="evidence_too_large",
            status=413,
        )
    for kind, magics in EVIDENCE_TYPES.items():
        if magics and any(data.startswith(m) for m in magics):
            return kind
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "text/plain"
    raise ServiceError(
        f"{filename}: not a PDF, PNG, JPEG or UTF-8 text file (the claimed type was "
        f"{claimed or 'none'}); those are the evidence types accepted",
        code="evidence_type_not_allowed",
        status=415,
    )
