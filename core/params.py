"""Whole-number query parameters, read one way everywhere: a value that is not one, or
is out of range, is a 400 naming the parameter."""

from __future__ import annotations

from rest_framework import serializers

BIGINT_MAX = 2**63 - 1  # ids and change numbers are PostgreSQL bigints


def whole_number(
    params, name: str, default: int, *, low: int = 0, high: int | None = BIGINT_MAX
) -> int:
    """`params[name]` as an int in [low, high]; `high=None` leaves it unbounded above (the
    caller caps it: any value over BIGINT_MAX is read as BIGINT_MAX + 1)."""
    raw = params.get(name)
    if raw is None:
        return default
    digits = raw.lstrip("0") if raw.isascii() and raw.isdigit() else None
    if digits is not None and len(digits) > len(str(BIGINT_MAX)):
        value = BIGINT_MAX + 1  # over any bound; never parsed, however long
    else:
        value = int(digits or "0") if digits is not None else None
    if value is None or value < low or (high is not None and value > high):
        bounded = high not in (None, BIGINT_MAX)
        wanted = f"from {low} to {high}" if bounded else f"of at least {low}"
        raise serializers.ValidationError({name: [f"A whole number {wanted}."]})
    return value
