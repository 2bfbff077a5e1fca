"""The one vocabulary of uses a license permits or prohibits.

Every license, every effective-rights answer and every `license_gate` policy rule speaks
in these six words. Each maps to the RSL 1.0 usage token and the ODRL action closest to
it (docs/compliance.md, "Licensed sources"), so terms written in either standard translate without
loss of meaning in the direction that matters: we never read a permission more broadly
than its source.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Use:
    name: str
    label: str
    rsl: str  # RSL 1.0 usage token
    odrl: str  # ODRL 2.2 action (common vocabulary)


USES: tuple[Use, ...] = (
    Use("summarize", "Summarize the source", "ai-input", "odrl:derive"),
    Use("display_internally", "Show digests to the tenant's people", "ai-input", "odrl:display"),
    Use(
        "distribute_internally",
        "Send digests around the organisation (mail, chat, intranet)",
        "ai-input",
        "odrl:distribute",
    ),
    Use(
        "redistribute_externally",
        "Pass digests to people outside the organisation",
        "ai-input",
        "odrl:distribute",
    ),
    Use("quote_excerpts", "Quote the source verbatim in a digest", "search", "odrl:reproduce"),
    Use("train_models", "Use the source to train models", "ai-train", "odrl:use"),
)
USE_NAMES: tuple[str, ...] = tuple(u.name for u in USES)
