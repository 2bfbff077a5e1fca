"""Watching a function while it keeps working: each call noted, the real one still run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def note_calls(monkeypatch, owner: Any, name: str, note: Callable[..., Any]) -> list:
    """Replace `owner.name` (for the test) with a wrapper that runs the real one and
    appends `note(result, *args)` to the returned list."""
    seen: list = []
    real = getattr(owner, name)

    def watched(*args):
        result = real(*args)
        seen.append(note(result, *args))
        return result

    monkeypatch.setattr(owner, name, watched)
    return seen
