"""An unstemmed word vector for keyword rules; the trigger keeps both vectors."""

import django.contrib.postgres.search
from django.db import migrations

from tenants.rls import RunPostgresSQL

WORDS_TRIGGER = """
CREATE OR REPLACE FUNCTION digests_digest_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.search_text, '')), 'C');
    NEW.words_vector := to_tsvector(
        'simple',
        coalesce(NEW.title, '') || ' ' || coalesce(NEW.summary, '') || ' ' ||
        coalesce(NEW.search_text, '')
    );
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE INDEX digest_words_vector_gin ON digests_digest USING gin (words_vector);

SELECT set_config('app.tenant_id', '*', true);
UPDATE digests_digest SET search_text = search_text;
"""


class Migration(migrations.Migration):
    dependencies = [("digests", "0002_postgres_security_and_search")]

    operations = [
        migrations.AddField(
            model_name="digest",
            name="words_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        RunPostgresSQL(WORDS_TRIGGER, "DROP INDEX IF EXISTS digest_words_vector_gin;"),
    ]
