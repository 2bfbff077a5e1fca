"""The interface the `license_gate` rule asks: is a digest's every source licensed for a use?

Deny by default: a digest passes only when it derives from at least one source and every
one of its sources has an approved, unexpired license permitting the use, with no
license in force prohibiting it (licensing.selectors). A database condition, so lists
paginate exactly.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from licensing.selectors import digest_permitted


def permitted(use: str, day: date) -> Q:
    """A condition on digests: their sources are licensed for `use` on `day`."""
    return digest_permitted(use, day)
