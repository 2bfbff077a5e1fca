"""Search over the text each reader is shown (digests/search.py).

One SQL function weighs a digest's text for search, used by the digest's own trigger
and by the shown texts' one, so both vectors rank alike. A digest inserted, or whose
text changes, gets a stale shown text for every shape of its tenant at once (the writer
writes them again in its transaction): a shown text can match nothing, never text the
digest no longer has."""

import core.jsonfields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

from tenants.rls import EnableRowLevelSecurity, RunPostgresSQL


SQL = r"""
CREATE OR REPLACE FUNCTION digest_search_vector(title text, summary text, body text)
RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
           setweight(to_tsvector('english', coalesce(summary, '')), 'B') ||
           setweight(to_tsvector('english', coalesce(body, '')), 'C')
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION digests_digest_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := digest_search_vector(NEW.title, NEW.summary, NEW.search_text);
    NEW.words_vector := to_tsvector(
        'simple',
        regexp_replace(
            coalesce(NEW.title, '') || ' ' || coalesce(NEW.summary, '') || ' ' ||
            coalesce(NEW.search_text, ''),
            '[^[:alnum:][:space:]''-]+', ' ', 'g'
        )
    );
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION digests_showntext_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := CASE WHEN NEW.title IS NULL THEN NULL
        ELSE digest_search_vector(NEW.title, NEW.summary, NEW.body) END;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER digests_showntext_search_vector
BEFORE INSERT OR UPDATE ON digests_showntext
FOR EACH ROW EXECUTE FUNCTION digests_showntext_search_vector();

CREATE OR REPLACE FUNCTION digests_digest_shown_text_stale() RETURNS trigger AS $$
BEGIN
    INSERT INTO digests_showntext
        (tenant_id, shape_id, digest_id, title, publisher, summary, body, topics)
    SELECT NEW.tenant_id, shape.id, NEW.id, NULL, NULL, NULL, NULL, NULL
    FROM digests_searchshape shape WHERE shape.tenant_id = NEW.tenant_id
    ON CONFLICT (tenant_id, shape_id, digest_id) DO UPDATE SET
        title = NULL, publisher = NULL, summary = NULL, body = NULL, topics = NULL;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER digests_digest_new_shown_text
AFTER INSERT ON digests_digest
FOR EACH ROW EXECUTE FUNCTION digests_digest_shown_text_stale();

CREATE TRIGGER digests_digest_stale_shown_text
AFTER UPDATE OF title, publisher, summary, key_points, sections, topics, search_text
ON digests_digest
FOR EACH ROW
WHEN (
    OLD.title IS DISTINCT FROM NEW.title OR OLD.publisher IS DISTINCT FROM NEW.publisher
    OR OLD.summary IS DISTINCT FROM NEW.summary OR OLD.key_points IS DISTINCT FROM NEW.key_points
    OR OLD.sections IS DISTINCT FROM NEW.sections OR OLD.topics IS DISTINCT FROM NEW.topics
    OR OLD.search_text IS DISTINCT FROM NEW.search_text
)
EXECUTE FUNCTION digests_digest_shown_text_stale();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS digests_digest_stale_shown_text ON digests_digest;
DROP TRIGGER IF EXISTS digests_digest_new_shown_text ON digests_digest;
DROP FUNCTION IF EXISTS digests_digest_shown_text_stale();
DROP TRIGGER IF EXISTS digests_showntext_search_vector ON digests_showntext;
DROP FUNCTION IF EXISTS digests_showntext_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0009_feed_delivery"),
        ("tenants", "0008_security_generation"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchShape",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=64)),
                ("rules", core.jsonfields.JSONField(default=list)),
                ("built_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.tenant",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ShownText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.TextField(null=True)),
                ("publisher", models.TextField(null=True)),
                ("summary", models.TextField(null=True)),
                ("body", models.TextField(null=True)),
                ("topics", core.jsonfields.JSONField(null=True)),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
                (
                    "digest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shown_texts",
                        to="digests.digest",
                    ),
                ),
                (
                    "shape",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="digests.searchshape",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.tenant",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="searchshape",
            constraint=models.UniqueConstraint(
                fields=("tenant", "key"), name="search_shape_tenant_key"
            ),
        ),
        migrations.AddIndex(
            model_name="showntext",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="shown_text_search_gin"
            ),
        ),
        migrations.AddConstraint(
            model_name="showntext",
            constraint=models.UniqueConstraint(
                fields=("tenant", "shape", "digest"), name="shown_text_tenant_shape_digest"
            ),
        ),
        EnableRowLevelSecurity("SearchShape"),
        EnableRowLevelSecurity("ShownText"),
        RunPostgresSQL(SQL, REVERSE),
    ]
