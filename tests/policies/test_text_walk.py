"""The redaction pre-check joins every text field of a digest and searches once; it must
see exactly the strings the redaction itself visits, or a match could slip past."""

from __future__ import annotations

from policies.engine import _all_strings, _text_fields

DIGEST = {
    "id": 7,
    "slug": "tide-tables",
    "title": "Tide tables",
    "published_on": "2026-11-28",
    "summary": "Write to harbour@example.org",
    "key_points": ["one", "two"],
    "topics": ["harbours"],
    "status": "published",
    "truncated": False,
    "source": {"publisher": "Harbour Radio", "title": "Episode 4", "url": None},
    "sections": [
        {"number": 1, "title": "Intro", "bullets": ["a", "b"], "subsections": []},
        {"number": 2, "title": "Sponsor", "bullets": [], "subsections": [{"title": "x"}]},
    ],
    "sources": [{"id": 3, "title": "Episode 4", "terms": {"use": "display"}}],
    "updated_at": "2026-11-28T09:00:00Z",
}


def test_the_pre_check_sees_the_strings_redaction_visits_in_order():
    visited = [holder[key] for _, holder, key in _text_fields(DIGEST)]
    assert _all_strings(DIGEST, []) == visited
    assert {"Write to harbour@example.org", "Sponsor", "x", "display"} <= set(visited)
    # Identifiers, dates and flags are never text to redact.
    assert "2026-11-28" not in visited and "published" not in visited
