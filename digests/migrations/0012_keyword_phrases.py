"""Keyword rules read a short array in each digest's row (digests/keywords.py).

`digest_keyword_hits(tenant, words)` answers which of the tenant's keyword phrases a
word vector holds, matched as keyword rules match them (a phrase query, simple
configuration), and the newest phrase it looked at. The digest's trigger stores both
whenever it makes `words_vector`. Digests already stored keep the defaults (no phrase
seen), which keyword rules read as "ask the word vector" until
`manage.py index_keyword_phrases` or the next publication of a keyword rule notes them.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

from tenants.rls import EnableRowLevelSecurity, RunPostgresSQL

WORDS = r"""
    NEW.words_vector := to_tsvector(
        'simple',
        regexp_replace(
            coalesce(NEW.title, '') || ' ' || coalesce(NEW.summary, '') || ' ' ||
            coalesce(NEW.search_text, ''),
            '[^[:alnum:][:space:]''-]+', ' ', 'g'
        )
    );
"""

SQL = r"""
CREATE OR REPLACE FUNCTION digest_keyword_hits(tenant bigint, words tsvector,
    OUT hits text[], OUT seen bigint) AS $$
    SELECT coalesce(array_agg(k.phrase ORDER BY k.id)
               FILTER (WHERE words @@ phraseto_tsquery('simple', k.phrase)), '{}'),
           coalesce(max(k.id), 0)
    FROM digests_keywordphrase k WHERE k.tenant_id = tenant
$$ LANGUAGE sql STABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION digests_digest_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_config := digest_search_config(NEW.language)::text;
    NEW.search_vector := digest_search_vector(
        NEW.search_config::regconfig, NEW.title, NEW.summary, NEW.search_text
    );""" + WORDS + r"""
    SELECT found.hits, found.seen INTO NEW.keyword_hits, NEW.keyword_phrases_seen
    FROM digest_keyword_hits(NEW.tenant_id, NEW.words_vector) AS found;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

REVERSE = r"""
CREATE OR REPLACE FUNCTION digests_digest_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_config := digest_search_config(NEW.language)::text;
    NEW.search_vector := digest_search_vector(
        NEW.search_config::regconfig, NEW.title, NEW.summary, NEW.search_text
    );""" + WORDS + r"""
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

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
