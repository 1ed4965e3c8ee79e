"""The school's roll: importing the MIS export.

One transaction per import. The roll is read once, new pupils are bulk-created and changed
ones bulk-updated, and those missing from the file are marked as no longer on roll in one
statement, so 2,000 pupils take a handful of queries. Nothing is ever deleted: a pupil's
incidents point at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from incidents import childfile
from incidents.audit import AuditAction, log_action
from incidents.forms.pupils import COLUMNS, Roll
from incidents.models import (
    Adult,
    AnswerChoice,
    ClosureDay,
    Incident,
    Pupil,
    ReceivedFile,
    School,
    Sex,
    Term,
    Transfer,
    User,
    YoungPerson,
    age_on,
)
from incidents.services import records
from incidents.services.errors import ServiceError
from incidents.services.records import StepChanges

BATCH = 500
FIELDS = [name for name in COLUMNS if name != "upn"]


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    left: int
    rejected: int

    def __str__(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, left {self.left}, "
            f"rejected {self.rejected}"
        )


class EmptyRoll(ServiceError):
    def __init__(self) -> None:
        super().__init__(
            "No row of the file could be imported, so nobody has been marked as having left "
            "the roll: check the rejected rows and import again."
        )


def import_pupils(
    *,
    school: School,
    roll: Roll,
    user: User | None = None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> ImportSummary:
    """Bring the school's pupils in line with ``roll`` (idempotent by UPN).

    A pupil in the file is created or updated (and back on roll if they had left); a pupil on
    roll who is missing from it is marked as no longer on roll, with today's date. A file with
    no importable row changes nothing: an empty export must not take the whole roll off.
    """
    if roll.problem:
        raise ServiceError(roll.problem)
    if not roll.rows:
        raise EmptyRoll()
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        existing = {p.upn: p for p in Pupil.objects.select_for_update().filter(school=school)}
        new: list[Pupil] = []
        changed: list[Pupil] = []
        for row in roll.rows:
            pupil = existing.get(row.upn)
            if pupil is None:
                new.append(Pupil(school=school, upn=row.upn, updated_at=now, **row.values))
                continue
            differs = [f for f in FIELDS if getattr(pupil, f) != row.values[f]]
            if differs or not pupil.on_roll:
                for name in FIELDS:
                    setattr(pupil, name, row.values[name])
                pupil.on_roll = True
                pupil.left_roll_on = None
                pupil.updated_at = now
                changed.append(pupil)
        Pupil.objects.bulk_create(new, batch_size=BATCH)
        Pupil.objects.bulk_update(
            changed, [*FIELDS, "on_roll", "left_roll_on", "updated_at"], batch_size=BATCH
        )
        in_file = {row.upn for row in roll.rows}
        leaving = [p.pk for upn, p in existing.items() if p.on_roll and upn not in in_file]
        left = Pupil.objects.filter(pk__in=leaving).update(
            on_roll=False, left_roll_on=today, updated_at=now
        )
        summary = ImportSummary(
            created=len(new), updated=len(changed), left=left, rejected=len(roll.rejected)
        )
        log_action(
            AuditAction.PUPILS_IMPORTED,
            request=request,
            user=user,
            school=school,
            data={
                "created": summary.created,
                "updated": summary.updated,
                "left": summary.left,
                "rejected": summary.rejected,
                "rejected_lines": [r.line for r in roll.rejected][:200],
            },
        )
    return summary


# Transfer of the child's file ------------------------------------------------------------------


def start_transfer(
    *,
    pupil: Pupil,
    user: User,
    place_confirmed_on: date,
    destination_school: School | None = None,
    destination_name: str = "",
    request: HttpRequest | None = None,
) -> Transfer:
    """Mark the pupil as leaving: the file is due 5 school days after the new school confirmed
    the place (or by the 5th school day of the next term), counted on the sending school's own
    calendar (``childfile.transfer_deadline``)."""
    if destination_school is not None and destination_school.pk == pupil.school_id:
        raise ServiceError("The destination must be another school.")
    with transaction.atomic():
        Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
        if Transfer.objects.filter(pupil=pupil, receipt_confirmed_at__isnull=True).exists():
            raise ServiceError(
                "This pupil's file is already being transferred: its receipt is not confirmed yet."
            )
        deadline = childfile.transfer_deadline(pupil.school, place_confirmed_on)
        transfer = Transfer.objects.create(
            pupil=pupil,
            school=pupil.school,
            destination_school=destination_school,
            destination_name=destination_school.name if destination_school else destination_name,
            place_confirmed_on=place_confirmed_on,
            end_of_term=deadline.end_of_term,
            due_on=deadline.due_on,
            created_by=user,
        )
        log_action(
            AuditAction.TRANSFER_STARTED,
            request=request,
            user=user,
            school=pupil.school,
            data={
                "pupil": pupil.pk,
                "transfer": transfer.pk,
                "destination_school": destination_school.pk if destination_school else None,
                "due_on": transfer.due_on.isoformat(),
            },
        )
    return transfer


def send_transfer(
    *,
    transfer: Transfer,
    user: User,
    sent_how: str = "",
    sent_to: str = "",
    request: HttpRequest | None = None,
) -> Transfer:
    """Send the file. To a school on this service: a redacted snapshot it owns, created now.
    Otherwise: the DSL sent the exported PDF themselves and records how and to whom."""
    with transaction.atomic():
        transfer = (
            Transfer.objects.select_for_update(of=("self",))
            .select_related("pupil", "school", "destination_school")
            .get(pk=transfer.pk)
        )
        if transfer.sent_at is not None:
            raise ServiceError("The file has already been sent.")
        received = None
        if transfer.destination_school is not None:
            pupil = transfer.pupil
            entries = list(
                YoungPerson.objects.filter(pupil=pupil, incident__school=transfer.school)
                .select_related("incident")
                .order_by("incident__incident_date", "incident_id")
            )
            received = ReceivedFile.objects.create(
                transfer=transfer,
                school=transfer.destination_school,
                from_school_name=transfer.school.name,
                pupil_name=pupil.name,
                upn=pupil.upn,
                date_of_birth=pupil.date_of_birth,
                content=childfile.snapshot(pupil, entries),
            )
            sent_how, sent_to = "On this service (a redacted copy)", transfer.destination_name
        elif not sent_how.strip() or not sent_to.strip():
            raise ServiceError("Say how the file was sent and to whom.")
        transfer.sent_at = timezone.now()
        transfer.sent_by = user
        transfer.sent_how = sent_how.strip()
        transfer.sent_to = sent_to.strip()
        transfer.save(update_fields=["sent_at", "sent_by", "sent_how", "sent_to"])
        log_action(
            AuditAction.TRANSFER_SENT,
            request=request,
            user=user,
            school=transfer.school,
            data={
                "pupil": transfer.pupil_id,
                "transfer": transfer.pk,
                "received_file": received.pk if received else None,
            },
        )
    return transfer


def record_receipt(
    *, transfer: Transfer, user: User, note: str, request: HttpRequest | None = None
) -> Transfer:
    """The sending DSL records, by hand, the confirmation from a school not on this service."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if transfer.destination_school_id is not None:
            raise ServiceError("The receiving school confirms receipt itself on this service.")
        if transfer.sent_at is None:
            raise ServiceError("Record how the file was sent first.")
        if transfer.receipt_confirmed_at is not None:
            raise ServiceError("Receipt is already recorded.")
        transfer.receipt_confirmed_at = timezone.now()
        transfer.receipt_confirmed_by = user
        transfer.receipt_note = note.strip()
        transfer.save(
            update_fields=["receipt_confirmed_at", "receipt_confirmed_by", "receipt_note"]
        )
        log_action(
            AuditAction.TRANSFER_RECEIPT_RECORDED,
            request=request,
            user=user,
            school=transfer.school,
            data={"pupil": transfer.pupil_id, "transfer": transfer.pk},
        )
    return transfer


def confirm_received(
    *, received: ReceivedFile, user: User, request: HttpRequest | None = None
) -> Transfer:
    """The receiving school's DSL confirms receipt (one click): who and when, on both sides."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().get(pk=received.transfer_id)
        if transfer.receipt_confirmed_at is not None:
            raise ServiceError("Receipt of this file is already confirmed.")
        transfer.receipt_confirmed_at = timezone.now()
        transfer.receipt_confirmed_by = user
        transfer.save(update_fields=["receipt_confirmed_at", "receipt_confirmed_by"])
        log_action(
            AuditAction.RECEIVED_FILE_CONFIRMED,
            request=request,
            user=user,
            school=received.school,
            data={"received_file": received.pk, "transfer": transfer.pk},
        )
    return transfer


# A young person picked from the roll -----------------------------------------------------------

_SEX = {"f": Sex.FEMALE, "female": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE}
# The DfE's SEN provision codes in the school census.
_SEN = {"k": "SEN support", "e": "Education, health and care plan", "s": "Statement of SEN"}


def _person_from(pupil: Pupil, incident: Incident) -> YoungPerson | Adult:
    """The record's row for a pupil: a young person, or an adult when 18 or over at the
    incident date (the rules take ages 0-17 only). The row carries the pupil link."""
    if age_on(pupil.date_of_birth, incident.incident_date) >= 18:
        return Adult(
            pupil=pupil,
            name=pupil.name,
            relationship="Pupil of the school, 18 or over at the incident",
            involvement="",
        )
    sen = pupil.sen_status.strip()
    return YoungPerson(
        pupil=pupil,
        name=pupil.name,
        date_of_birth=pupil.date_of_birth,
        year_group=pupil.year_group,
        sex=_SEX.get(pupil.sex.strip().lower(), Sex.NOT_KNOWN),
        vulnerability=(
            f"From the roll: {_SEN.get(sen.lower(), sen)}" if sen and sen.lower() != "n" else ""
        ),
        known_to_social_care=AnswerChoice.UNKNOWN,
    )


def pick_pupil(
    *,
    incident: Incident,
    pupil: Pupil,
    user: User,
    expected_version: int,
    request: HttpRequest | None = None,
) -> YoungPerson | Adult:
    """Add a pupil from the school's roll to the people involved, as one save of that step."""
    if pupil.school_id != incident.school_id:
        raise ServiceError("That pupil is not on this school's roll.")
    row = _person_from(pupil, incident)
    with transaction.atomic():
        if (
            YoungPerson.objects.filter(incident=incident, pupil=pupil).exists()
            or Adult.objects.filter(incident=incident, pupil=pupil).exists()
        ):
            raise ServiceError(f"{pupil.name} is already in this record.")
        records.save_step(
            incident=incident,
            user=user,
            step="people",
            expected_version=expected_version,
            changes=StepChanges(saves=[row], fields=["pupil"]),
            updates_facts=True,
            request=request,
        )
    return row


# The school's calendar ------------------------------------------------------------------------


def set_calendar(
    *,
    school: School,
    user: User,
    terms: list[tuple[str, date, date]],
    closures: list[tuple[date, str]],
    request: HttpRequest | None = None,
) -> None:
    """Replace the school's terms and closure days. Deadlines already set keep their day."""
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()
        Term.objects.filter(school=school).delete()
        ClosureDay.objects.filter(school=school).delete()
        Term.objects.bulk_create(
            [Term(school=school, name=n, starts_on=a, ends_on=b) for n, a, b in terms]
        )
        ClosureDay.objects.bulk_create(
            [ClosureDay(school=school, date=d, reason=r) for d, r in closures]
        )
        log_action(
            AuditAction.CALENDAR_SAVED,
            request=request,
            user=user,
            school=school,
            data={"terms": len(terms), "closures": len(closures)},
        )
