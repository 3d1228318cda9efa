"""Full-text search helpers: SQL functions for the search vector and typo-tolerant author names.

pg_trgm is created only where the server offers it (the system PostgreSQL does, the embedded
pgserver build does not); without it author search falls back to exact and prefix matching on
the folded name, which the btree index below serves.
"""

from django.db import DatabaseError, migrations, transaction

# Latin letters with diacritics and what they fold to, so "Lünemann", "Lunemann" and "LUNEMANN"
# meet on one spelling. unaccent would do this, but pgserver does not ship it either.
_FOLD_FROM = "ÀÁÂÃÄÅĀĂĄàáâãäåāăąÇĆČçćčĎďÈÉÊËĒĖĘĚèéêëēėęěĞğÌÍÎÏĪİìíîïīıŁłÑŃŇñńňÒÓÔÕÖØŌŐòóôõöøōőŘřŚŠŞśšşŤťÙÚÛÜŪŮŰùúûüūůűÝŸýÿŹŻŽźżž"
_FOLD_TO = "AAAAAAAAAaaaaaaaaaCCCcccDdEEEEEEEEeeeeeeeeGgIIIIIIiiiiiiLlNNNnnnOOOOOOOOooooooooRrSSSsssTtUUUUUUUuuuuuuuYYyyZZZzzz"
assert len(_FOLD_FROM) == len(_FOLD_TO)

CREATE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION irtkb_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lower(translate(
    replace(replace(replace(replace(value, 'ß', 'ss'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'),
    '{_FOLD_FROM}', '{_FOLD_TO}'))
$$;

-- Text of sanitised inline markup with the tags dropped and the control characters the search
-- page uses as highlight sentinels removed. Entities (&lt; &amp;) stay encoded on purpose: the
-- text search parser skips them, whereas a decoded "<" would start what it takes for a tag.
CREATE OR REPLACE FUNCTION irtkb_plain(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT translate(regexp_replace(value, '<[^>]*>', '', 'g'), E'\\x02\\x03', '')
$$;

-- The abstract's sections ([{{"label", "nlm_category", "text"}}]) as one plain text.
CREATE OR REPLACE FUNCTION irtkb_abstract_text(sections jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(irtkb_plain(section ->> 'text'), ' ' ORDER BY position), '')
  FROM jsonb_array_elements(
    CASE WHEN jsonb_typeof(sections) = 'array' THEN sections ELSE '[]'::jsonb END
  ) WITH ORDINALITY AS element(section, position)
$$;

CREATE INDEX IF NOT EXISTS author_last_name_fold
  ON papers_author (irtkb_fold(last_name) text_pattern_ops);
"""

DROP_FUNCTIONS = """
DROP INDEX IF EXISTS author_last_name_fold_trgm;
DROP INDEX IF EXISTS author_last_name_fold;
DROP FUNCTION IF EXISTS irtkb_abstract_text(jsonb);
DROP FUNCTION IF EXISTS irtkb_plain(text);
DROP FUNCTION IF EXISTS irtkb_fold(text);
"""


def create_trigram_support(apps, schema_editor):
    """Create pg_trgm and a trigram index on folded last names, where the server has pg_trgm."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            # A savepoint, so a role without the right to create extensions still migrates.
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:
            return
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS author_last_name_fold_trgm "
            "ON papers_author USING gin (irtkb_fold(last_name) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(CREATE_FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunPython(create_trigram_support, migrations.RunPython.noop),
    ]
