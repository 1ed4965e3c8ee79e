"""The two PostgreSQL roles: an owner that migrates, an application role that owns nothing.

The owner (``DATABASE_MIGRATE_URL``) owns every table and trigger function, so only it can
change the schema, truncate a table or switch a trigger off. The application (``DATABASE_URL``)
may only read and write rows, and the triggers of ``models.locking`` refuse it changes to an
approved record and to the audit log. ``migrate`` runs as the owner (``as_owner``) and then
grants the application's role what it needs (``grant_app_privileges``); the deploy check
(``incidents.checks.check_app_role``) fails when the application's role could do more.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from incidents.models.locking import AppendOnlyTrigger

# What the application's role reads and writes; rows of an append-only table are only added.
APP_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
APPEND_ONLY_PRIVILEGES = ("SELECT", "INSERT")
# Django's record of applied migrations: read at start-up, written only by migrate.
READ_ONLY_TABLES = frozenset({"django_migrations"})
# The functions the application calls itself (migrations 0018, 0014); trigger functions run as
# whoever fires the trigger and need no grant.
APP_FUNCTIONS = (
    "incidents_audit_chain_head_for(bigint)",
    "incidents_destroy_record(bigint,bigint,bigint)",
)
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def owner_configured() -> bool:
    return getattr(settings, "DATABASE_MIGRATE", None) is not None


def app_role() -> str:
    """The application's role: the user of ``DATABASE_URL`` (not of the live connection, which
    ``as_owner`` may have switched)."""
    return str(dj_database_url.parse(settings.DATABASE_URL)["USER"] or "")


@contextmanager
def as_owner(alias: str = DEFAULT_DB_ALIAS) -> Iterator[BaseDatabaseWrapper]:
    """Reconnect ``alias`` as the owner role for the block, then as the application again.

    Without ``DATABASE_MIGRATE_URL`` (SQLite, or one role) nothing changes. The connection is
    closed on the way in and out, so it cannot be used inside a transaction.
    """
    connection = connections[alias]
    owner = getattr(settings, "DATABASE_MIGRATE", None)
    if owner is None or connection.vendor != "postgresql":
        yield connection
        return
    if connection.in_atomic_block:
        raise RuntimeError("Cannot switch to the owner role inside a transaction.")
    saved = {key: connection.settings_dict[key] for key in _CREDENTIALS}
    connection.close()
    connection.settings_dict.update(owner)
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return str(connection.ops.quote_name(name))


def append_only_tables() -> set[str]:
    """Tables whose triggers refuse UPDATE and DELETE (``locking.append_only``)."""
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if any(isinstance(t, AppendOnlyTrigger) for t in getattr(model._meta, "triggers", []))
    }


def grant_statements(connection: BaseDatabaseWrapper, role: str) -> list[str]:
    """What the owner grants ``role`` on every table of the schema it migrated: exactly the
    privileges the product needs, everything else revoked (so running it again is harmless)."""
    append_only = append_only_tables()
    quoted_role = _quote(connection, role)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p') "
            "AND c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) "
            "ORDER BY c.relname"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT n.nspname, n.nspowner = (SELECT oid FROM pg_catalog.pg_roles "
            "WHERE rolname = current_user) FROM pg_catalog.pg_namespace n "
            "WHERE n.nspname = pg_catalog.current_schema()"
        )
        schema, owns_schema = cursor.fetchone()
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
            "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = pg_catalog.current_schema() "
            "AND p.oid::regprocedure::text = ANY(%s)",
            [list(APP_FUNCTIONS)],
        )
        functions = [row[0] for row in cursor.fetchall()]
    statements = []
    for table in tables:
        if table in READ_ONLY_TABLES:
            privileges: Sequence[str] = ("SELECT",)
        elif table in append_only:
            privileges = APPEND_ONLY_PRIVILEGES
        else:
            privileges = APP_PRIVILEGES
        name = _quote(connection, table)
        statements.append(f"REVOKE ALL ON TABLE {name} FROM {quoted_role}")
        statements.append(f"GRANT {', '.join(privileges)} ON TABLE {name} TO {quoted_role}")
    quoted_schema = _quote(connection, schema)
    if owns_schema:  # public is usable by every role already, unless revoked by its owner
        statements.append(f"GRANT USAGE ON SCHEMA {quoted_schema} TO {quoted_role}")
    statements.append(
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quoted_schema} TO {quoted_role}"
    )
    for function in functions:
        statements.append(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        statements.append(f"GRANT EXECUTE ON FUNCTION {function} TO {quoted_role}")
    return statements


def grant_app_privileges(connection: BaseDatabaseWrapper, role: str) -> int:
    """Run ``grant_statements`` as the owner; returns the number of tables granted."""
    statements = grant_statements(connection, role)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return sum(1 for s in statements if s.startswith("GRANT") and " ON TABLE " in s)
