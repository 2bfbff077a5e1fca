"""Examples for the OpenAPI document: a digest written, and as the API answers it.

The digest is docs/digest-format.md's, shortened; tests/test_openapi.py checks every
example against its schema.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

_SUMMARY = (
    "A rail planner and a travel writer look at why overnight trains are back on European "
    "timetables, what it costs to run them, and who actually books a couchette."
)
_KEY_POINTS = [
    "New sleeper routes depend on public service contracts.",
    "Rolling stock is the scarcest resource, not demand.",
]
_SECTIONS = [
    {
        "number": 1,
        "emoji": "🚆",
        "title": "What Changed Since 2015",
        "bullets": ["Several operators ordered new sleeper carriages."],
        "subsections": [],
    },
    {
        "number": 2,
        "emoji": "",
        "title": "Paying for the Night",
        "bullets": [],
        "subsections": [
            {
                "number": "2.1",
                "title": "Why Berths Are Expensive",
                "bullets": ["A sleeper car carries a fraction of a day coach's passengers."],
            }
        ],
    },
]
_SOURCE = {
    "publisher": "Slow Travel Radio",
    "title": "Episode 112: Night Trains",
    "url": "https://slowtravel.example/episodes/112",
}

NEW_DIGEST = {
    "title": "Night Trains Return - Sleepers, Subsidies and Timetables",
    "publisher": "Slow Travel Radio",
    "published_on": "2025-11-03",
    "summary": _SUMMARY,
    "key_points": _KEY_POINTS,
    "sections": _SECTIONS,
    "topics": ["rail", "travel"],
    "language": "en",
    "exporter": "Digestly",
    "source": _SOURCE,
}

_LISTED = {
    "id": 412,
    "slug": "night-trains-return-sleepers-subsidies-and-timetables",
    "title": NEW_DIGEST["title"],
    "publisher": NEW_DIGEST["publisher"],
    "published_on": NEW_DIGEST["published_on"],
    "summary": NEW_DIGEST["summary"],
    "key_points": NEW_DIGEST["key_points"],
    "topics": NEW_DIGEST["topics"],
    "language": NEW_DIGEST["language"],
    "status": "published",
    "truncated": False,
    "restricted": False,
    "source": _SOURCE,
    "sources": [
        {
            "id": 37,
            "kind": "episode",
            "title": _SOURCE["title"],
            "publisher": _SOURCE["publisher"],
            "url": _SOURCE["url"],
            "license_status": "licensed",
            "attribution": "Summarised from Slow Travel Radio, with permission.",
        }
    ],
    "updated_at": "2025-11-04T09:12:31Z",
    "policy": {
        "version": "brand-safety@3",
        "decision_id": "6f1c2a9e0b7d4e35a8c1f02d9e4b7a61",
        "findings": [],
    },
}

CREATED = {
    **_LISTED,
    "status": "draft",
    "sources": [],
    "sections": NEW_DIGEST["sections"],
    "exporter": NEW_DIGEST["exporter"],
    "created_at": "2025-11-04T09:12:31Z",
    "published_at": None,
}

# What `?q=sleeper trains` adds to a listed digest.
_FOUND = {
    **_LISTED,
    "highlights": [
        {
            "field": "title",
            "snippet": [
                {"text": "Night Trains Return - ", "match": False},
                {"text": "Sleepers", "match": True},
                {"text": ", Subsidies and Timetables", "match": False},
            ],
        },
        {
            "field": "sections[0].bullets[0]",
            "snippet": [
                {"text": "Several operators ordered new ", "match": False},
                {"text": "sleeper", "match": True},
                {"text": " carriages.", "match": False},
            ],
        },
    ],
}
# What `facets=topics,publishers,years` adds to a page.
FACETS = {
    "topics": [{"value": "rail", "count": 14}, {"value": "travel", "count": 9}],
    "publishers": [{"value": "Slow Travel Radio", "count": 11}],
    "years": [{"value": 2025, "count": 17}, {"value": 2024, "count": 6}],
}

DIGEST_LIST_EXAMPLES = [
    OpenApiExample(
        "Published digests",
        value=_LISTED,
        response_only=True,
        description="A page of digests, newest first; follow `next` for the rest. "
        "`facets` only when asked for.",
    ),
    OpenApiExample(
        "A search, with facets",
        value=_FOUND,
        response_only=True,
        description="`?q=sleeper trains&facets=topics,publishers,years`: hits by relevance, "
        "each with where it matched; counts over all the hits.",
    ),
]

DIGEST_CREATE_EXAMPLES = [
    OpenApiExample(
        "A podcast episode",
        value=NEW_DIGEST,
        request_only=True,
        description="The slug is made from the title when none is given; the digest "
        "starts as a draft.",
    ),
    OpenApiExample("Created as a draft", value=CREATED, response_only=True, status_codes=["201"]),
]
