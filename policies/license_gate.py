"""The interface the `license_gate` rule asks: is a digest's every source licensed for a use?

Deny by default: a digest passes only when every source it derives from has an approved,
unexpired license permitting the use. The licensing capability answers through this
function (a database condition, so lists paginate exactly); until it exists no digest has
such a license, so a license gate hides every digest in its audience (that is the rule's
meaning, not a failure).
"""

from __future__ import annotations

from django.db.models import Q


def permitted(use: str) -> Q:
    """A condition on digests: their sources are licensed for `use`."""
    return Q(pk__in=[])
