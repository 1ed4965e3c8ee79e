"""One round trip to lock the audit chain and read its head (``incidents.audit.log_action``).

A PL/pgSQL function rather than two statements: each statement in a VOLATILE function takes a
fresh snapshot, so the head is read after the lock is held and sees every chained writer that
committed before. PostgreSQL only; SQLite has one writer at a time anyway.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION incidents_audit_chain_head(lock_id bigint) RETURNS varchar
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_id);
    RETURN (SELECT hash FROM incidents_auditevent ORDER BY id DESC LIMIT 1);
END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS incidents_audit_chain_head(bigint);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_security_history_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
