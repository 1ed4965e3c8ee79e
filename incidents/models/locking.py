"""Database triggers that keep approved records and the audit log unchangeable.

The service layer refuses first, with a message (``services.ensure_editable``). These triggers
are the guarantee below it: on PostgreSQL no UPDATE, DELETE (or, for the record's sections,
INSERT) reaches a locked record's rows, whether it comes from ``save()``,
``queryset.update()``, ``bulk_update()`` or raw SQL. Each model lists its trigger in
``Meta.triggers`` (django-pgtrigger), so migrations install them.

They are ``StrictTrigger``s: django-pgtrigger's own functions first skip themselves when the
session variable ``pgtrigger.ignore`` names them, and any role can set a session variable. Ours
never read it. The one role they let through is the role that owns the table (the owner role
that runs migrations, docs/architecture.md "Two database roles"), which could disable them
anyway; the application's role owns nothing, so every path that must pass a lock (destroying a
record at the end of its retention) is a ``SECURITY DEFINER`` function the owner wrote.
"""

from typing import Any

import pgtrigger
from django.db import models
from pgtrigger import compiler
from simple_history.models import HistoricalRecords


class StrictTriggerSql(compiler.UpsertTriggerSql):
    """django-pgtrigger's installation SQL without its ``pgtrigger.ignore`` check.

    Migrations name this class, so its template is versioned like the one it replaces: never
    edit it in a way that changes what an applied migration would install; add a new class.

    The function lets the table's owner through (``current_user`` is the owner in the owner's
    own session and inside a ``SECURITY DEFINER`` function the owner owns) and refuses everyone
    else. Its ``search_path`` is pinned to the schema the migration ran in, ``pg_temp`` last, so
    a temporary table named like ``incidents_incident`` cannot stand in for the real one.
    """

    def get_template(self) -> str:
        return """
            CREATE OR REPLACE FUNCTION {pgid}()
            RETURNS TRIGGER AS $$
                {declare}
                BEGIN
                    IF pg_catalog.pg_get_userbyid((
                        SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID
                    )) = current_user THEN
                        IF (TG_OP = 'DELETE') THEN
                            RETURN OLD;
                        ELSE
                            RETURN NEW;
                        END IF;
                    END IF;
                    {func}
                END;
            $$ LANGUAGE plpgsql;

            DO $pin$ BEGIN
                EXECUTE pg_catalog.format(
                    'ALTER FUNCTION %I() SET search_path = %I, pg_temp',
                    '{pgid}', pg_catalog.current_schema()
                );
            END $pin$;

            DROP TRIGGER IF EXISTS {pgid} ON {table};
            CREATE {constraint} TRIGGER {pgid}
                {when} {operation} ON {table}
                {timing}
                {referencing}
                FOR EACH {level} {condition}
                EXECUTE PROCEDURE {execute};

            COMMENT ON TRIGGER {pgid} ON {table} IS '{hash}';
        """


class StrictTrigger(pgtrigger.Trigger):
    """A ``pgtrigger.Trigger`` installed with ``StrictTriggerSql``: ``pgtrigger.ignore()`` and
    ``SET pgtrigger.ignore`` do not switch it off."""

    def compile(self, model: models.Model) -> compiler.Trigger:
        base = super().compile(model)
        kwargs = dict(base.sql.kwargs)
        kwargs.pop("ignore_func_name", None)
        return compiler.Trigger(name=self.name, sql=StrictTriggerSql(**kwargs))


class AppendOnlyTrigger(StrictTrigger):
    """Marks a table whose rows are only ever added: the application's role is granted SELECT
    and INSERT on it, nothing more (``incidents.dbroles.grant_app_privileges``)."""


APPROVED = "approved"

# One function for every section table: it looks up the parent incident's status. Refusals
# raise SQLSTATE 23001 (restrict_violation), which Django raises as an IntegrityError.
_SECTION_FUNC = """
IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
    SELECT 1 FROM incidents_incident WHERE id = OLD.incident_id AND status = 'approved'
) OR TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
    SELECT 1 FROM incidents_incident WHERE id = NEW.incident_id AND status = 'approved'
) THEN
    RAISE EXCEPTION 'The record is approved and locked: % on % refused.', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Add later facts as a signed addendum.';
END IF;
IF TG_OP = 'DELETE' THEN
    RETURN OLD;
END IF;
RETURN NEW;
"""


def incident_locked() -> pgtrigger.Trigger:
    """The incident row: nothing changes once it is approved, and it is never deleted then."""
    return StrictTrigger(
        name="incident_locked_when_approved",
        operation=pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        condition=pgtrigger.Q(old__status=APPROVED),
        func=(
            "RAISE EXCEPTION 'The record is approved and locked: % on % refused.', TG_OP, "
            "TG_TABLE_NAME USING ERRCODE = 'restrict_violation', "
            "HINT = 'Add later facts as a signed addendum.';"
        ),
    )


def section_locked() -> pgtrigger.Trigger:
    """A section of the record (a row with ``incident_id``): locked with its incident.

    A row may not be added to, changed in, moved into or out of, or deleted from an approved
    incident. The parent's status is looked up, so one function serves every section table.
    """
    return StrictTrigger(
        name="section_locked_with_incident",
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=_SECTION_FUNC,
    )


def append_only(name: str) -> pgtrigger.Trigger:
    """Rows are only ever added: signatures, addenda, the audit log."""
    return AppendOnlyTrigger(
        name=name,
        operation=pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=(
            "RAISE EXCEPTION '% is append-only: % refused.', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'restrict_violation';"
        ),
    )


def no_truncate(name: str) -> pgtrigger.Trigger:
    """TRUNCATE skips row triggers, so it is refused by a statement-level trigger of its own.

    The application's role holds no TRUNCATE privilege on any table; this refuses it on the
    audit log even to a role that was given one by mistake."""
    return StrictTrigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func=(
            "RAISE EXCEPTION 'The audit log is append-only: TRUNCATE of % refused.', "
            "TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;"
        ),
    )


class AppendOnlyHistoricalRecords(HistoricalRecords):  # type: ignore[misc]  # untyped base
    """django-simple-history whose history tables refuse UPDATE and DELETE.

    "Every change after creation is kept as history": the database keeps it too.
    """

    def get_meta_options(self, model: type[models.Model]) -> dict[str, Any]:
        options: dict[str, Any] = super().get_meta_options(model)
        options["triggers"] = [append_only("history_append_only")]
        return options


def cover_only_ends() -> pgtrigger.Trigger:
    """A cover is never deleted and never rewritten: once granted, the one change it takes is
    being ended early (``ended_at`` and ``ended_by``, set once)."""
    return StrictTrigger(
        name="cover_only_ends",
        operation=pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=(
            "IF TG_OP = 'DELETE' OR OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL "
            "OR (NEW.id, NEW.school_id, NEW.deputy_id, NEW.granted_by_id, NEW.granted_at, "
            "NEW.starts_at, NEW.ends_at, NEW.reason) IS DISTINCT FROM (OLD.id, OLD.school_id, "
            "OLD.deputy_id, OLD.granted_by_id, OLD.granted_at, OLD.starts_at, OLD.ends_at, "
            "OLD.reason) THEN RAISE EXCEPTION 'A cover only ends: % on % refused.', TG_OP, "
            "TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; END IF; RETURN NEW;"
        ),
    )
