"""PostgreSQL only: row-level security, the search vector trigger and GIN indexes."""

from django.db import migrations

from tenants.rls import EnableRowLevelSecurity, RunPostgresSQL, disable_sql, enable_through_parent_sql

SEARCH_TRIGGER = """
CREATE OR REPLACE FUNCTION digests_digest_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.search_text, '')), 'C');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER digests_digest_search_vector
BEFORE INSERT OR UPDATE OF title, summary, search_text ON digests_digest
FOR EACH ROW EXECUTE FUNCTION digests_digest_search_vector();

CREATE INDEX digest_search_vector_gin ON digests_digest USING gin (search_vector);
CREATE INDEX digest_topics_gin ON digests_digest USING gin (topics jsonb_path_ops);
"""

DROP_SEARCH = """
DROP INDEX IF EXISTS digest_topics_gin;
DROP INDEX IF EXISTS digest_search_vector_gin;
DROP TRIGGER IF EXISTS digests_digest_search_vector ON digests_digest;
DROP FUNCTION IF EXISTS digests_digest_search_vector();
"""

GRANT_TABLES = ["digests_digestuserobjectpermission", "digests_digestgroupobjectpermission"]


class Migration(migrations.Migration):
    dependencies = [("digests", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("Digest"),
        *[
            RunPostgresSQL(
                enable_through_parent_sql(table, "content_object_id", "digests_digest"),
                disable_sql(table),
            )
            for table in GRANT_TABLES
        ],
        RunPostgresSQL(SEARCH_TRIGGER, DROP_SEARCH),
    ]
