"""State changes of the record, one function each (STYLE habit 2).

Each runs in one transaction: check the precondition (raise ``ServiceError``), change,
save, log.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from incidents.audit import log_action
from incidents.models import Incident, School


class ServiceError(Exception):
    """A business rule refused the change; the message is shown to the user."""


class RecordLocked(ServiceError):
    def __init__(self, incident):
        super().__init__(
            f"{incident.reference} is approved and locked. Add later facts as a signed addendum."
        )


def next_reference(school: School, year: int) -> tuple[int, str]:
    """The next sequence number and reference of a school's year, e.g. OAK-2026-0007.

    The caller holds a lock on the school row, so two reports cannot take the same number.
    """
    last = Incident.objects.filter(school=school, year=year).aggregate(m=Max("sequence"))["m"]
    sequence = (last or 0) + 1
    return sequence, f"{school.reference_prefix}-{year}-{sequence:04d}"


def open_incident(*, school: School, reported_by, incident_date, disclosed_at, request=None):
    """Create an incident in the "reported" state with the next reference of its school."""
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        year = timezone.localdate().year
        sequence, reference = next_reference(school, year)
        incident = Incident.objects.create(
            school=school,
            reference=reference,
            year=year,
            sequence=sequence,
            incident_date=incident_date,
            disclosed_at=disclosed_at,
            reported_by=reported_by,
        )
        log_action("incident.opened", request=request, user=reported_by, incident=incident)
    return incident


class StaleVersion(ServiceError):
    """Someone else saved this record since the form was opened (optimistic locking)."""

    def __init__(self, incident, expected: int):
        self.current_version = incident.version
        self.expected_version = expected
        super().__init__(
            "A colleague saved this record while you were editing it. Your answers are kept "
            "below beside theirs: check both, then save again."
        )


def ensure_editable(incident: Incident) -> None:
    """The service layer refuses a change to a locked record before the database does."""
    if incident.is_locked:
        raise RecordLocked(incident)


def bump_version(incident: Incident, expected_version: int) -> None:
    """Claim the next version of the record, or raise ``StaleVersion``.

    Call inside the transaction that saves a step: the conditional UPDATE is atomic, so of two
    colleagues saving from the same version exactly one succeeds.
    """
    ensure_editable(incident)
    updated = Incident.objects.filter(pk=incident.pk, version=expected_version).update(
        version=expected_version + 1, updated_at=timezone.now()
    )
    if not updated:
        incident.refresh_from_db(fields=["version"])
        raise StaleVersion(incident, expected_version)
    incident.version = expected_version + 1
