"""``manage.py migrate`` as the owner role, then the application's role granted what it needs.

With ``DATABASE_MIGRATE_URL`` set (PostgreSQL, two roles) the migrations run through the owner's
connection, so the owner owns every table and trigger function they create; afterwards every
table of the schema is granted to the role of ``DATABASE_URL``: SELECT, INSERT, UPDATE and
DELETE, or SELECT and INSERT on an append-only table, and nothing else. Tables that later
migrations add (anyone's) are covered the next time migrate runs. Without it (SQLite, one role)
this is Django's migrate.
"""

from typing import Any

from django.core.management.commands import migrate

from incidents import dbroles


class Command(migrate.Command):
    help = migrate.Command.help + (
        " With DATABASE_MIGRATE_URL, runs as the owner role and grants DATABASE_URL's role "
        "row access to every table."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        if not dbroles.owner_configured():
            super().handle(*args, **options)
            return
        role = dbroles.app_role()
        with dbroles.as_owner(database) as connection:
            super().handle(*args, **options)
            tables = dbroles.grant_app_privileges(connection, role)
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Granted the application's role {role} row access to {tables} tables "
                "(no TRUNCATE, REFERENCES, TRIGGER or DDL)."
            )
