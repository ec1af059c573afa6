"""PostgreSQL only: the unaccent extension and a GIN index for accent-insensitive full-text search.

`unaccent()` is only STABLE (it depends on the search path), so an index needs an IMMUTABLE
wrapper with the dictionary named explicitly. The index expression must stay identical to
`selectors.PG_VECTOR_SQL`. On SQLite nothing happens: search uses `search_folded`.
"""
from django.db import migrations

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION qt_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
"""

INDEX_SQL = """
CREATE INDEX IF NOT EXISTS document_search_gin ON documents_document USING gin ((
    setweight(to_tsvector('simple'::regconfig, qt_unaccent(coalesce(search_header, '') || ' ' || coalesce(title, ''))), 'A')
    || setweight(to_tsvector('simple'::regconfig, qt_unaccent(coalesce(summary, ''))), 'B')
    || setweight(to_tsvector('simple'::regconfig, qt_unaccent(coalesce(body, ''))), 'C')
));
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public")
    schema_editor.execute(FUNCTION_SQL)
    schema_editor.execute(INDEX_SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS document_search_gin")
    schema_editor.execute("DROP FUNCTION IF EXISTS qt_unaccent(text)")
    # The extension stays: other parts of the database may use it.


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
