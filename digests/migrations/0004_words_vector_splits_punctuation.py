"""Keyword matching splits on punctuation: 'bitcoin.org' and 'bitcoin@example.com' hold
the word 'bitcoin', and a typographic apostrophe separates like a straight one. Hyphens
and straight apostrophes stay, so 'e-mail' and "don't" match as written."""

from django.db import migrations

from tenants.rls import RunPostgresSQL

TRIGGER = r"""
CREATE OR REPLACE FUNCTION digests_digest_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.search_text, '')), 'C');
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

SELECT set_config('app.tenant_id', '*', true);
UPDATE digests_digest SET search_text = search_text;
"""


class Migration(migrations.Migration):
    dependencies = [("digests", "0003_words_vector")]

    operations = [RunPostgresSQL(TRIGGER, migrations.RunSQL.noop)]
