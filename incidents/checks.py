"""System checks of the deployment.

``check_app_role`` (``manage.py check --deploy``): the application's PostgreSQL role owns
nothing and may only read and write rows (docs/architecture.md, "Two database roles"). Imported
by ``apps.py``, so it imports nothing of the application's models.
"""

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

_OWNED = """
SELECT c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
AND n.nspname !~ '^pg_(toast|temp)'
UNION ALL
SELECT p.proname || '()' FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.proowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""

_TOO_MUCH = """
SELECT c.relname, privilege FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN (VALUES ('TRUNCATE'), ('TRIGGER'), ('REFERENCES')) AS p(privilege)
WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p')
AND pg_catalog.has_table_privilege(current_user, c.oid, privilege)
ORDER BY 1, 2
"""

_ROLE = """
SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
    pg_catalog.has_database_privilege(current_user, pg_catalog.current_database(), 'CREATE'),
    pg_catalog.has_schema_privilege(current_user, pg_catalog.current_schema(), 'CREATE'),
    (SELECT pg_catalog.array_agg(DISTINCT pg_catalog.pg_get_userbyid(c.relowner))
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p')
        AND c.relowner <> r.oid AND pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER'))
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user
"""


def _listed(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def role_problems(connection: BaseDatabaseWrapper) -> list[checks.CheckMessage]:
    """What the connection's role may do beyond reading and writing rows, as check errors."""
    hint = "Run the application as a role that owns nothing (README, 'Two database roles')."
    problems: list[checks.CheckMessage] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
        cursor.execute(_OWNED)
        owned = [row[0] for row in cursor.fetchall()]
        cursor.execute(_TOO_MUCH)
        too_much = [f"{privilege} on {table}" for table, privilege in cursor.fetchall()]
        cursor.execute(_ROLE)
        row: Any = cursor.fetchone()
    if owned:
        problems.append(
            checks.Error(
                f"The application's database role {role!r} owns {len(owned)} database objects "
                f"({_listed(owned)}): it could drop them, truncate them or switch their "
                "triggers off, and the locking triggers let a table's owner through.",
                hint=hint + " Migrate as the owner role with DATABASE_MIGRATE_URL.",
                id="incidents.E101",
            )
        )
    if too_much:
        problems.append(
            checks.Error(
                f"The application's database role {role!r} holds {_listed(too_much)}.",
                hint="Run `manage.py migrate` with DATABASE_MIGRATE_URL set: it grants the "
                "application's role SELECT, INSERT, UPDATE and DELETE only.",
                id="incidents.E102",
            )
        )
    superuser, createrole, createdb, bypassrls, create_db, create_schema, member_of = row
    powers = [
        name
        for name, held in (
            ("SUPERUSER", superuser),
            ("CREATEROLE", createrole),
            ("CREATEDB", createdb),
            ("BYPASSRLS", bypassrls),
            ("CREATE on the database", create_db),
            ("CREATE on the schema", create_schema),
        )
        if held
    ]
    if member_of:
        powers.append(f"membership of the owner role {', '.join(member_of)} (SET ROLE)")
    if powers:
        problems.append(
            checks.Error(
                f"The application's database role {role!r} holds {', '.join(powers)}.",
                hint=hint + " On PostgreSQL 14 and older also "
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC.",
                id="incidents.E103",
            )
        )
    return problems


@checks.register("database_roles", deploy=True)
def check_app_role(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """``manage.py check --deploy --database default``: the application's role owns nothing."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return []
    return role_problems(connection)
