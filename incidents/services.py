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
