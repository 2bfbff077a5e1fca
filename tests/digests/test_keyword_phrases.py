"""Keyword rules read the phrases each digest's trigger noted in its row
(digests/keywords.py), only where those notes cover the rule, and the word vector
otherwise. The notes are forced to disagree with the text here, so each test tells
which of the two a rule read."""

from __future__ import annotations

import io
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from core import statement_cache
from digests import keywords, selectors, tasks
from digests.models import Digest, KeywordPhrase
from policies import engine
from policies.rules import validate_rules
from tenants.context import platform_scope, tenant_context
from tests import factories
from tests.policies import listed_ids, publish, rule


def _notes(world, digest) -> tuple[list[str], int]:
    with tenant_context(world.acme):
        row = Digest.objects.values_list("keyword_hits", "keyword_phrases_seen").get(pk=digest.pk)
    return row[0], row[1]


def _set_notes(digest, hits: list[str], seen: int) -> None:
    """Write a digest's notes behind their trigger's back (as the superuser the tests
    connect as, with the tenant setting open)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', '*', false)")
        cursor.execute("SET session_replication_role = replica")  # no trigger fires
        cursor.execute(
            "UPDATE digests_digest SET keyword_hits = %s, keyword_phrases_seen = %s WHERE id = %s",
            [hits, seen, digest.pk],
        )
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("SELECT set_config('app.tenant_id', '', false)")


def _phrase_ids(world) -> dict[str, int]:
    with tenant_context(world.acme):
        return dict(KeywordPhrase.objects.values_list("phrase", "pk"))


@pytest.fixture
def library(world):
    coins = factories.digest(world.acme, title="Meme coin season", summary="Tokens everywhere.")
    garden = factories.digest(world.acme, title="Garden notes", summary="Tomatoes and beans.")
    return coins, garden


def test_publishing_a_keyword_rule_queues_the_noting_of_its_phrases(
    world, library, django_capture_on_commit_callbacks
):
    """The phrases are rows once published; the digests are noted by the queued job,
    and read by their word vectors until then."""
    coins, garden = library
    with (
        patch.object(keywords, "send_jobs") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        publish(world, rule("keyword_block", keywords=["meme coin", "bitcoin"]))
    queued.assert_called_once_with(keywords.NOTE_TASK, [[world.acme.pk]])
    ids = _phrase_ids(world)
    assert set(ids) == {"meme coin", "bitcoin"}
    assert _notes(world, coins) == ([], 0)  # written before any phrase
    assert listed_ids(world.client("viewer")) == {garden.pk}

    assert tasks.note_keyword_phrases(world.acme.pk) == 2
    newest = max(ids.values())
    assert _notes(world, coins) == (["meme coin"], newest)
    assert _notes(world, garden) == ([], newest)
    assert listed_ids(world.client("viewer")) == {garden.pk}
    assert tasks.note_keyword_phrases(world.acme.pk) == 0  # nothing left behind


def test_the_trigger_notes_a_digest_written_after(world, library):
    coins, garden = library
    publish(world, rule("keyword_block", keywords=["bitcoin"]))
    later = factories.digest(world.acme, title="Bitcoin at the fair")
    assert _notes(world, later)[0] == ["bitcoin"]
    with tenant_context(world.acme):
        later.title = "Apples at the fair"
        later.save()
    assert _notes(world, later)[0] == []
    with tenant_context(world.acme):
        garden.summary = "Tomatoes, beans and bitcoin."
        garden.save()
    assert _notes(world, garden)[0] == ["bitcoin"]
    assert listed_ids(world.client("viewer")) == {later.pk, coins.pk}


@pytest.fixture
def switched_off(settings):
    """KEYWORD_INDEX off, with the SQL compiled either way forgotten before and after."""
    selectors.clear_cache()
    statement_cache.clear()
    settings.KEYWORD_INDEX = False
    yield
    selectors.clear_cache()
    statement_cache.clear()


def test_notes_covering_the_rule_are_what_it_reads(world, library):
    """Notes up to date are believed, even against the text: the rule reads them."""
    _, garden = library
    publish(world, rule("keyword_block", keywords=["meme coin"]))
    _set_notes(garden, ["meme coin"], max(_phrase_ids(world).values()))
    assert listed_ids(world.client("viewer")) == set()


def test_switched_off_the_rule_reads_the_word_vector(world, library, switched_off):
    _, garden = library
    publish(world, rule("keyword_block", keywords=["meme coin"]))
    _set_notes(garden, ["meme coin"], max(_phrase_ids(world).values()))
    assert listed_ids(world.client("viewer")) == {garden.pk}


def test_notes_older_than_a_phrase_leave_the_rule_to_the_word_vector(world, library):
    coins, garden = library
    publish(world, rule("keyword_block", keywords=["meme coin"]))
    _set_notes(coins, [], 0)  # as before the phrase existed
    assert listed_ids(world.client("viewer")) == {garden.pk}


def test_a_phrase_not_noted_leaves_the_rule_to_the_word_vector(world, library):
    """One phrase of the rule missing from the tenant's rows (here: only another
    tenant has it) and the notes are not believed for any of them."""
    _, garden = library
    publish(world, rule("keyword_block", keywords=["meme coin", "tomatoes"]))
    _set_notes(garden, [], max(_phrase_ids(world).values()))
    with tenant_context(world.acme):
        KeywordPhrase.objects.filter(phrase="tomatoes").delete()
    with tenant_context(world.globex):
        KeywordPhrase.objects.create(phrase="tomatoes")
    assert listed_ids(world.client("viewer")) == set()  # garden found by its vector


def test_rebuilding_the_search_index_notes_the_phrases_in_force(world, library):
    coins, _ = library
    publish(world, rule("keyword_block", keywords=["meme coin"], mode="monitor"))
    with tenant_context(world.acme):
        KeywordPhrase.objects.all().delete()  # as after the upgrade that brought them
    _set_notes(coins, [], 0)
    call_command("rebuild_search_index", tenant="acme", stdout=io.StringIO(), stderr=io.StringIO())
    ids = _phrase_ids(world)
    assert set(ids) == {"meme coin"}
    assert _notes(world, coins) == (["meme coin"], ids["meme coin"])


def test_the_notes_are_written_by_their_trigger_alone(world, library):
    """Whatever a statement writes to the notes, the trigger makes them from the words."""
    coins, _ = library
    publish(world, rule("keyword_block", keywords=["meme coin"]))
    with tenant_context(world.acme):
        Digest.objects.filter(pk=coins.pk).update(keyword_hits=[], keyword_phrases_seen=10**9)
    assert _notes(world, coins) == (["meme coin"], _phrase_ids(world)["meme coin"])


def test_a_phrase_is_never_changed(world, library):
    publish(world, rule("keyword_block", keywords=["meme coin"]))
    with tenant_context(world.acme), pytest.raises(DatabaseError, match="never changed"):
        KeywordPhrase.objects.update(phrase="tomatoes")


def test_notes_are_believed_only_for_the_current_tenants_digests(world, library):
    """Applied to another tenant's digests (as no endpoint does), the condition reads
    their word vectors: the notes answer for the current tenant's phrases only."""
    publish(world, rule("keyword_block", keywords=["meme coin"]))
    other = factories.digest(world.globex, title="Meme coin in Globex")
    _set_notes(other, [], 10**9)
    rules = validate_rules([rule("keyword_block", keywords=["meme coin"])], roles=set())
    with tenant_context(world.acme):
        condition = engine.rule_condition(engine.compile_rules("p", rules)[0], None)
    with platform_scope():
        assert Digest.objects.unscoped().filter(condition, pk=other.pk).exists()
