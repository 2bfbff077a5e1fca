"""Keyword rules read a short array in each digest's row (digests/keywords.py).

`digest_keyword_hits(tenant, words)` answers which of the tenant's keyword phrases a
word vector holds, matched as keyword rules match them (a phrase query, simple
configuration), and the newest phrase it looked at. A trigger of its own stores both in
the digest whenever its words may have changed or anything writes the notes: named to
fire after the search-vector trigger, from the `words_vector` that trigger made, and
the only writer of the notes (values written to them are replaced).

A phrase takes its id after its tenant's row lock, so a tenant's phrases commit in the
order of their ids whoever inserts them; a phrase is never changed.

Digests already stored keep the defaults (no phrase seen), which keyword rules read as
"ask the word vector" until `manage.py rebuild_search_index` or the next publication
of a keyword rule notes them.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

from tenants.rls import EnableRowLevelSecurity, RunPostgresSQL

SQL = r"""
CREATE OR REPLACE FUNCTION digest_keyword_hits(tenant bigint, words tsvector,
    OUT hits text[], OUT seen bigint) AS $$
    SELECT coalesce(array_agg(k.phrase ORDER BY k.id)
               FILTER (WHERE words @@ phraseto_tsquery('simple', k.phrase)), '{}'),
           coalesce(max(k.id), 0)
    FROM digests_keywordphrase k WHERE k.tenant_id = tenant
$$ LANGUAGE sql STABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION digests_digest_keyword_notes() RETURNS trigger AS $$
BEGIN
    SELECT found.hits, found.seen INTO NEW.keyword_hits, NEW.keyword_phrases_seen
    FROM digest_keyword_hits(NEW.tenant_id, NEW.words_vector) AS found;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- BEFORE triggers fire in the order of their names: after digests_digest_search_vector.
CREATE TRIGGER digests_digest_words_noted
BEFORE INSERT OR UPDATE OF title, summary, search_text, language, words_vector,
    keyword_hits, keyword_phrases_seen
ON digests_digest
FOR EACH ROW EXECUTE FUNCTION digests_digest_keyword_notes();

CREATE OR REPLACE FUNCTION digests_keywordphrase_in_order() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'a keyword phrase is never changed (digests/keywords.py)';
    END IF;
    PERFORM 1 FROM tenants_tenant WHERE id = NEW.tenant_id FOR UPDATE;
    NEW.id := nextval(pg_get_serial_sequence('digests_keywordphrase', 'id'));
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER digests_keywordphrase_in_order
BEFORE INSERT OR UPDATE ON digests_keywordphrase
FOR EACH ROW EXECUTE FUNCTION digests_keywordphrase_in_order();
"""

REVERSE = r"""
DROP TRIGGER digests_keywordphrase_in_order ON digests_keywordphrase;
DROP FUNCTION digests_keywordphrase_in_order();
DROP TRIGGER digests_digest_words_noted ON digests_digest;
DROP FUNCTION digests_digest_keyword_notes();
DROP FUNCTION digest_keyword_hits(bigint, tsvector);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('digests', '0011_search_languages'),
        ('tenants', '0013_deletionreceipt_tenant_delete_after_and_more'),
    ]

    operations = [
        migrations.AddField(
            model_name='digest',
            name='keyword_hits',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), editable=False, null=True, size=None),
        ),
        migrations.AddField(
            model_name='digest',
            name='keyword_phrases_seen',
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.CreateModel(
            name='KeywordPhrase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phrase', models.TextField()),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('tenant', 'phrase'), name='keyword_phrase_unique')],
            },
        ),
        EnableRowLevelSecurity("KeywordPhrase"),
        RunPostgresSQL(SQL, REVERSE),
    ]
