"""Database triggers that keep approved records and the audit log unchangeable.

The service layer refuses first, with a message (``services.ensure_editable``). These triggers
are the guarantee below it: on PostgreSQL no UPDATE, DELETE (or, for the record's sections,
INSERT) reaches a locked record's rows, whether it comes from ``save()``,
``queryset.update()``, ``bulk_update()`` or raw SQL. Each model lists its trigger in
``Meta.triggers`` (django-pgtrigger), so migrations install them.
"""

from typing import Any

import pgtrigger
from django.db import models
from simple_history.models import HistoricalRecords

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
    return pgtrigger.Trigger(
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
    return pgtrigger.Trigger(
        name="section_locked_with_incident",
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=_SECTION_FUNC,
    )


def append_only(name: str) -> pgtrigger.Trigger:
    """Rows are only ever added: signatures, addenda, the audit log."""
    return pgtrigger.Trigger(
        name=name,
        operation=pgtrigger.Update | pgtrigger.Delete,
        when=pgtrigger.Before,
        func=(
            "RAISE EXCEPTION '% is append-only: % refused.', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'restrict_violation';"
        ),
    )


def no_truncate(name: str) -> pgtrigger.Trigger:
    """TRUNCATE skips row triggers, so it is refused by a statement-level trigger of its own."""
    return pgtrigger.Trigger(
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
