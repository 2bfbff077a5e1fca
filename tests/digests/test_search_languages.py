"""Search in each digest's language (digests/search.py, migration 0011).

A digest is indexed with its language's text search configuration, "simple" (words as
written) where PostgreSQL has none, and a query is stemmed for every language searched,
each form matching only the digests of its own language. The German sample export of
the demo (seeds/digests-de) is imported here as a client would import it.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from digests import search
from digests.models import Digest
from tenants.context import tenant_context
from tests import factories

DIGESTS = "/api/v1/tenants/acme/digests/"
IMPORT = f"{DIGESTS}import/"
GERMAN = settings.BASE_DIR / "seeds" / "digests-de" / "11-wohnungsbau.txt"
GERMAN_TITLE = "Bezahlbare Wohnungen - Warum Städte wieder selbst bauen"


def _titles(client, **params) -> list[str]:
    response = client.get(DIGESTS, params)
    assert response.status_code == 200, response.content
    return sorted(row["title"] for row in response.json()["results"])


def _import(client, query: str = "?publish=true&language=de"):
    response = client.post(IMPORT + query, data=GERMAN.read_bytes(), content_type="text/plain")
    assert response.status_code == 200, response.content
    [result] = response.json()["files"]
    assert result["status"] in {"created", "updated", "unchanged"}, result
    return result


def _redact_for_viewers(world, pattern: str) -> None:
    """A published policy masking `pattern` for viewers: they get a search shape."""
    factories.policy(
        world.acme,
        rules=[
            {
                "id": "redact",
                "kind": "regex_redact",
                "params": {"pattern": pattern, "mask": "[x]"},
                "audience": {"type": "roles", "roles": ["viewer"]},
            }
        ],
        publish=True,
    )


def _stored(tenant, pk: int) -> Digest:
    with tenant_context(tenant):
        return Digest.objects.get(pk=pk)


def test_an_imported_german_digest_is_found_by_german_word_forms(world):
    created = _import(world.client("editor"))
    digest = _stored(world.acme, created["id"])
    assert (digest.language, digest.search_config) == ("de", "german")
    viewer = world.client("viewer")

    # The text says "Wohnungen", "Mieten", "Genossenschaften": the German stemmer makes
    # one word of each singular and plural, the English one would not.
    for word in ("Wohnung", "Miete", "Genossenschaft", "Grundstücke"):
        assert _titles(viewer, q=word) == [GERMAN_TITLE], word
    # A phrase and an exclusion, stemmed the German way too.
    assert _titles(viewer, q='"bezahlbare Wohnung"') == [GERMAN_TITLE]
    assert _titles(viewer, q="Wohnung -Genossenschaft") == []


def test_the_same_export_indexed_as_english_is_not_stemmed_as_german(world):
    created = _import(world.client("editor"), "?publish=true")  # no language: English
    assert _stored(world.acme, created["id"]).search_config == "english"

    viewer = world.client("viewer")
    assert _titles(viewer, q="Wohnung") == []
    assert _titles(viewer, q="Wohnungen") == [GERMAN_TITLE]


def test_each_language_is_searched_with_its_own_stemming(world):
    english = factories.digest(
        world.acme, title="Night trains", summary="The trains that run after midnight."
    )
    german = factories.digest(
        world.acme, language="de-AT", title="Nachtbusse", summary="Die Mieten steigen."
    )
    assert _stored(world.acme, german.pk).search_config == "german"
    viewer = world.client("viewer")

    assert _titles(viewer, q="train") == ["Night trains"]
    assert _titles(viewer, q="Miete") == ["Nachtbusse"]
    assert _titles(viewer, q="Miete", language="de") == ["Nachtbusse"]
    assert _titles(viewer, q="Miete", language="en") == []
    assert _titles(viewer, q="train", language="de,en") == ["Night trains"]
    assert english.pk != german.pk


def test_an_excluded_word_stays_excluded_whatever_another_language_makes_of_it(world):
    # English stems "running" to "run"; German leaves it whole. Were the two queries one,
    # the German form's "not running" would hold for the English digest, which has "run".
    factories.digest(world.acme, title="Track notes", summary="Running on the track at night.")
    factories.digest(world.acme, language="de", title="Bahn", summary="Die Bahn fährt nachts.")
    viewer = world.client("viewer")

    assert _titles(viewer, q="track") == ["Track notes"]
    assert _titles(viewer, q="track -running") == []
    assert _titles(viewer, q="track -runs") == []


def test_a_language_postgresql_cannot_stem_is_searched_word_for_word(world):
    polish = factories.digest(world.acme, language="pl", title="Koty", summary="Koty i psy.")
    assert _stored(world.acme, polish.pk).search_config == "simple"
    viewer = world.client("viewer")

    assert _titles(viewer, q="koty") == ["Koty"]
    assert _titles(viewer, q="kot") == []
    assert _titles(viewer, q="psy", language="pl") == ["Koty"]


def test_the_language_filter_selects_a_language_and_its_regions(world):
    factories.digest(world.acme, language="de-AT", title="Austrian")
    factories.digest(world.acme, language="de", title="German")
    factories.digest(world.acme, language="en", title="English")
    viewer = world.client("viewer")

    assert _titles(viewer, language="de") == ["Austrian", "German"]
    assert _titles(viewer, language="DE-at") == ["Austrian"]
    assert _titles(viewer, language="en,de-AT") == ["Austrian", "English"]

    response = viewer.get(DIGESTS, {"language": "de,not a tag"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "'not a tag' is not a language tag" in response.content.decode()


def test_a_digest_in_a_tenant_with_no_digests_finds_nothing(world):
    assert _titles(world.client("viewer"), q="anything") == []


def test_highlights_mark_the_german_word_forms(world):
    _import(world.client("editor"))

    response = world.client("viewer").get(DIGESTS, {"q": "Wohnung"})

    [hit] = response.json()["results"]
    title = next(h for h in hit["highlights"] if h["field"] == "title")
    assert {"text": "Wohnungen", "match": True} in title["snippet"]


def test_a_redacted_word_is_not_found_in_a_german_digest_and_the_rest_is(world):
    _redact_for_viewers(world, r"Genossenschaft\w*")
    _import(world.client("editor"))
    viewer, editor = world.client("viewer"), world.client("editor")

    assert _titles(editor, q="Genossenschaft") == [GERMAN_TITLE]
    assert _titles(viewer, q="Genossenschaft") == []
    # The viewer's shown text is indexed in German as well: other forms still match.
    assert _titles(viewer, q="Miete") == [GERMAN_TITLE]
    with tenant_context(world.acme), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM digests_showntext WHERE search_vector @@ "
            "to_tsquery('german', 'miet')"
        )
        assert cursor.fetchone()[0] == 1


def test_changing_a_digests_language_indexes_it_again(world):
    _redact_for_viewers(world, r"Genossenschaft\w*")
    created = _import(world.client("editor"))
    viewer = world.client("viewer")
    assert _titles(viewer, q="Miete") == [GERMAN_TITLE]

    response = world.client("editor").patch(
        f"{DIGESTS}{created['id']}/", {"language": "en"}, format="json"
    )
    assert response.status_code == 200, response.content

    assert _stored(world.acme, created["id"]).search_config == "english"
    assert _titles(viewer, q="Miete") == []
    assert _titles(viewer, q="Mieten") == [GERMAN_TITLE]
    assert _titles(world.client("editor"), q="Miete") == []


def test_a_bad_language_is_refused_everywhere_it_is_given(world):
    editor = world.client("editor")
    response = editor.post(
        f"{IMPORT}?language=deutsch!", data=GERMAN.read_bytes(), content_type="text/plain"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "language"

    response = editor.post(
        DIGESTS,
        {"title": "T", "publisher": "P", "published_on": "2025-01-01", "language": "english!"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "language"

    response = editor.post(
        f"{IMPORT}?language=de-aaaaaaaa-bbbbbbbb",
        data=GERMAN.read_bytes(),
        content_type="text/plain",
    )
    assert response.status_code == 400  # longer than a digest's language may be
    assert response.json()["errors"][0]["field"] == "language"

    with pytest.raises(CommandError, match="--language 'x1': Give a language tag"):
        call_command(
            "import_digests", "--tenant", "acme", "--language", "x1", str(GERMAN), stdout=StringIO()
        )
    with tenant_context(world.acme):
        assert not Digest.objects.exists()


def test_the_command_imports_in_a_language_and_a_later_import_keeps_it(world):
    call_command(
        "import_digests",
        "--tenant",
        "acme",
        "--language",
        "de",
        "--progress",
        "never",
        str(GERMAN),
        stdout=StringIO(),
    )
    with tenant_context(world.acme):
        assert list(Digest.objects.values_list("language", "search_config")) == [("de", "german")]

    # The format names no language: importing the export again leaves the digest's.
    _import(world.client("editor"), "?publish=true")
    with tenant_context(world.acme):
        assert list(Digest.objects.values_list("language", "search_config")) == [("de", "german")]


def test_the_configurations_searched_are_those_in_use(world):
    factories.digest(world.acme, language="fr")
    factories.digest(world.acme, language="en-GB")
    factories.digest(world.acme, language="pt-BR")
    factories.digest(world.globex, language="de")

    with tenant_context(world.acme):
        assert search.search_configs(world.acme.pk) == ["english", "french", "portuguese"]
        assert search.search_configs(world.acme.pk, ["de", "nl-BE", "xx"]) == [
            "dutch",
            "german",
            "simple",
        ]
    with tenant_context(world.globex):
        assert search.search_configs(world.globex.pk) == ["english", "german"]


def test_an_import_language_is_taken_as_sent(world):
    response = world.client("editor").post(
        f"{IMPORT}?language=de%0A", data=GERMAN.read_bytes(), content_type="text/plain"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "language"


def test_an_empty_import_language_is_refused(world):
    response = world.client("editor").post(
        f"{IMPORT}?language=", data=GERMAN.read_bytes(), content_type="text/plain"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "language"
