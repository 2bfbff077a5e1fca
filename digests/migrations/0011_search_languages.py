"""Each digest is indexed in its own language (digests/search.py).

`digest_search_config` maps a language tag to PostgreSQL's text search configuration
for it (`de-AT` to german), or to "simple" (lower-cased words, no stemming) when this
server has none: a configuration missing from an older PostgreSQL (catalan before 16)
reads as simple rather than failing. The digest's trigger stores the configuration in
`search_config` and makes the vector with it; a shown text's vector uses its digest's.
A change of language marks the shown texts stale like any change of text.

Digests already stored in a language other than English are indexed again here, with
their shown texts; English ones, the vast majority, are left as they are.
"""

import django.core.validators
from django.db import migrations, models

from tenants.rls import RunPostgresSQL

SQL = r"""
CREATE OR REPLACE FUNCTION digest_search_config(language text) RETURNS regconfig AS $$
    SELECT coalesce(
        (SELECT oid::regconfig FROM pg_catalog.pg_ts_config
         WHERE cfgnamespace = 'pg_catalog'::regnamespace
         AND cfgname = CASE lower(split_part(replace(language, '_', '-'), '-', 1))
            WHEN 'ar' THEN 'arabic' WHEN 'hy' THEN 'armenian' WHEN 'eu' THEN 'basque'
            WHEN 'ca' THEN 'catalan' WHEN 'da' THEN 'danish' WHEN 'nl' THEN 'dutch'
            WHEN 'en' THEN 'english' WHEN 'fi' THEN 'finnish' WHEN 'fr' THEN 'french'
            WHEN 'de' THEN 'german' WHEN 'el' THEN 'greek' WHEN 'hi' THEN 'hindi'
            WHEN 'hu' THEN 'hungarian' WHEN 'id' THEN 'indonesian' WHEN 'ga' THEN 'irish'
            WHEN 'it' THEN 'italian' WHEN 'lt' THEN 'lithuanian' WHEN 'ne' THEN 'nepali'
            WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
            WHEN 'pt' THEN 'portuguese' WHEN 'ro' THEN 'romanian' WHEN 'ru' THEN 'russian'
            WHEN 'sr' THEN 'serbian' WHEN 'es' THEN 'spanish' WHEN 'sv' THEN 'swedish'
            WHEN 'ta' THEN 'tamil' WHEN 'tr' THEN 'turkish' WHEN 'yi' THEN 'yiddish'
         END),
        'pg_catalog.simple'::regconfig
    )
$$ LANGUAGE sql STABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION digest_search_vector(config regconfig, title text, summary text, body text)
RETURNS tsvector AS $$
    SELECT setweight(to_tsvector(config, coalesce(title, '')), 'A') ||
           setweight(to_tsvector(config, coalesce(summary, '')), 'B') ||
           setweight(to_tsvector(config, coalesce(body, '')), 'C')
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION digests_digest_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_config := digest_search_config(NEW.language)::text;
    NEW.search_vector := digest_search_vector(
        NEW.search_config::regconfig, NEW.title, NEW.summary, NEW.search_text
    );
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

DROP TRIGGER digests_digest_search_vector ON digests_digest;
CREATE TRIGGER digests_digest_search_vector
BEFORE INSERT OR UPDATE OF title, summary, search_text, language ON digests_digest
FOR EACH ROW EXECUTE FUNCTION digests_digest_search_vector();

-- A digest this session cannot see (row-level security) gives no configuration and so
-- no vector: its shown text then matches nothing.
CREATE OR REPLACE FUNCTION digests_showntext_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := CASE WHEN NEW.title IS NULL THEN NULL ELSE digest_search_vector(
        (SELECT search_config FROM digests_digest WHERE id = NEW.digest_id)::regconfig,
        NEW.title, NEW.summary, NEW.body
    ) END;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP FUNCTION digest_search_vector(text, text, text);

DROP TRIGGER digests_digest_stale_shown_text ON digests_digest;
CREATE TRIGGER digests_digest_stale_shown_text
AFTER UPDATE OF title, publisher, summary, key_points, sections, topics, search_text, language
ON digests_digest
FOR EACH ROW
WHEN (
    OLD.title IS DISTINCT FROM NEW.title OR OLD.publisher IS DISTINCT FROM NEW.publisher
    OR OLD.summary IS DISTINCT FROM NEW.summary OR OLD.key_points IS DISTINCT FROM NEW.key_points
    OR OLD.sections IS DISTINCT FROM NEW.sections OR OLD.topics IS DISTINCT FROM NEW.topics
    OR OLD.search_text IS DISTINCT FROM NEW.search_text
    OR OLD.language IS DISTINCT FROM NEW.language
)
EXECUTE FUNCTION digests_digest_shown_text_stale();

SELECT set_config('app.tenant_id', '*', true);
UPDATE digests_digest SET search_text = search_text
WHERE digest_search_config(language) <> 'pg_catalog.english'::regconfig;
UPDATE digests_showntext t SET body = t.body
FROM digests_digest d WHERE d.id = t.digest_id AND d.search_config <> 'english';
"""

REVERSE = r"""
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

DROP TRIGGER digests_digest_search_vector ON digests_digest;
CREATE TRIGGER digests_digest_search_vector
BEFORE INSERT OR UPDATE OF title, summary, search_text ON digests_digest
FOR EACH ROW EXECUTE FUNCTION digests_digest_search_vector();

CREATE OR REPLACE FUNCTION digests_showntext_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := CASE WHEN NEW.title IS NULL THEN NULL
        ELSE digest_search_vector(NEW.title, NEW.summary, NEW.body) END;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP FUNCTION digest_search_vector(regconfig, text, text, text);
DROP FUNCTION digest_search_config(text);

DROP TRIGGER digests_digest_stale_shown_text ON digests_digest;
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

SELECT set_config('app.tenant_id', '*', true);
UPDATE digests_digest SET search_text = search_text WHERE search_config <> 'english';
"""


class Migration(migrations.Migration):
    dependencies = [("digests", "0010_shown_text")]

    operations = [
        migrations.AlterField(
            model_name="digest",
            name="language",
            field=models.CharField(
                default="en",
                max_length=16,
                validators=[
                    django.core.validators.RegexValidator(
                        "\\A[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\\Z",
                        "Give a language tag such as en, de or pt-BR.",
                        code="invalid_language",
                    )
                ],
            ),
        ),
        migrations.AddField(
            model_name="digest",
            name="search_config",
            field=models.CharField(db_default="english", editable=False, max_length=64),
        ),
        migrations.AddIndex(
            model_name="digest",
            index=models.Index(
                condition=models.Q(("search_config", "english"), _negated=True),
                fields=["tenant", "search_config"],
                name="digest_tenant_search_config",
            ),
        ),
        RunPostgresSQL(SQL, REVERSE),
    ]
